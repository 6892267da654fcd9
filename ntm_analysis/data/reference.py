"""Reference data: the 19 NTM criteria and Cao Bằng's administrative units (read from data/reference)."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from numbers import Integral

import pandas as pd

from ntm_analysis import i18n, paths
from ntm_analysis.errors import UnitError

# Official spelling mixes old and new tone placement ("Hoà" / "Hòa"); map old to new before comparing.
_OLD_TONES = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}


def display_name(name: str) -> str:
    """A name as the pages print it: NFC and the report's own new-style tone marks ("Hòa An", not "Hoà An"),
    case kept. The official spelling stays in the data, for matching."""
    text = unicodedata.normalize("NFC", str(name))
    for old, new in _OLD_TONES.items():  # only at the end of a syllable: "Hoà" → "Hòa", "Hoàng" stays
        text = re.sub(f"{old}(?!\\w)", new, text)
        text = re.sub(f"{old.capitalize()}(?!\\w)", new.capitalize(), text)
    return text


def normalise_name(name: str) -> str:
    """NFC, lower case, single spaces, new-style tone marks: for matching names, never for display."""
    text = " ".join(unicodedata.normalize("NFC", str(name)).lower().split())
    for old, new in _OLD_TONES.items():
        text = text.replace(old, new)
    return text


#: Names are the units' own, the same in every language ("Hòa An", "Cao Bằng"); the word for a unit's type is a
#: catalogue word ("Huyện {name}" / "{name} district"), keyed by the type as the official list writes it.
TYPES = {"Tỉnh": "province", "Huyện": "district", "Thành phố": "city"}
LABELS = i18n.catalogue("reference")


@lru_cache(maxsize=1)
def _origin() -> dict:
    return json.loads(paths.REFERENCE_ORIGIN.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def criteria() -> pd.DataFrame:
    """The 19 national criteria with their groups, vi and en. Index: criterion number 1..19."""
    df = pd.read_csv(paths.CRITERIA_CSV, dtype={"criterion": int}, encoding="utf-8")
    return df.set_index("criterion")


@lru_cache(maxsize=1)
def units() -> pd.DataFrame:
    """Every commune-level unit (xã, phường, thị trấn) with its district, as strings (codes keep leading zeros)."""
    df = pd.read_csv(paths.UNITS_CSV, dtype=str, encoding="utf-8")
    return df.apply(lambda col: col.map(lambda v: unicodedata.normalize("NFC", v)))


def province() -> dict:
    """{'code': '04', 'name_vi': 'Tỉnh Cao Bằng' (the official name), 'name': 'Cao Bằng', 'type': 'Tỉnh'}."""
    entry = dict(_origin()["cao_bang_admin_units_2021.csv"]["province"])
    return {**entry, "name": entry["name_vi"].removeprefix("Tỉnh").strip(), "type": "Tỉnh"}


@lru_cache(maxsize=1)
def districts() -> pd.DataFrame:
    """The district-level units: code, name_vi (official: "Huyện Hòa An"), name (the name itself: "Hòa An"), type
    ("Huyện", "Thành phố") and the number of communes (xã)."""
    u = units()
    d = u.drop_duplicates("district_code")[["district_code", "district_name", "district_type"]]
    xa = u[u["unit_type"] == "Xã"].groupby("district_code").size()
    d = d.rename(columns={"district_code": "code", "district_name": "name_vi", "district_type": "type"})
    d["name"] = [n.removeprefix(t).strip() for n, t in zip(d["name_vi"], d["type"])]
    d["communes"] = d["code"].map(xa).fillna(0).astype(int)
    return d.sort_values("code").reset_index(drop=True)[["code", "name_vi", "name", "type", "communes"]]


@lru_cache(maxsize=1)
def communes() -> pd.DataFrame:
    """The 139 communes (xã) the NTM programme covers: code, name, district_code, district_name."""
    u = units()
    xa = u[u["unit_type"] == "Xã"]
    return xa.rename(columns={"unit_code": "code", "unit_name": "name"})[
        ["code", "name", "district_code", "district_name"]
    ].reset_index(drop=True)


def unit_codes() -> list[str]:
    """The province code followed by every district code: the units a report can be built for."""
    return [province()["code"], *districts()["code"].tolist()]


def unit_name(code: str, lang: str = "vi") -> str:
    """Display name of the province or a district; raises UnitError for an unknown code."""
    code = check_unit(code)
    row = province() if code == province()["code"] else districts().set_index("code").loc[code]
    return i18n.text(LABELS, f"unit_{TYPES[row['type']]}", lang, name=display_name(row["name"]))


def check_unit(code: object) -> str:
    """The official code of a unit given as code or name (see `resolve_unit`); raises UnitError otherwise."""
    return resolve_unit(code)


def resolve_unit(value: object) -> str:
    """The official code ("04", "040" … "053") of the unit `value` names, however an analyst passed it:

    - a code as text, with or without its leading zeros: "051", "51", "04", "4";
    - a code as a number, as papermill's `-p unit 051` and `-p unit 04` pass it: 51, 4;
    - a name in Vietnamese or English, with or without its type, accents or old-style tone marks, in any case:
      "Hòa An", "Hoà An", "hoa an", "Huyện Hòa An", "Hoa An district", "Thành phố Cao Bằng", "Cao Bằng city".
      "Cao Bằng" alone is the province (the city is "Thành phố Cao Bằng").

    Anything else raises UnitError listing every valid code and name."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        found = _by_number().get(int(value))
    elif isinstance(value, str) and value.strip().isdigit():
        found = _by_number().get(int(value.strip()))
    elif isinstance(value, str):
        found = _by_name().get(_fold(value))
    else:
        found = None
    if found is None:
        raise UnitError(f"unknown unit code or name {value!r}: expected one of {valid_units()}")
    return found


def valid_units() -> str:
    """'04 Tỉnh Cao Bằng, 040 Thành phố Cao Bằng, …': what `resolve_unit` accepts, for error messages."""
    names = [(province()["code"], province()["name_vi"]), *zip(districts()["code"], districts()["name_vi"])]
    return ", ".join(f"{code} {name}" for code, name in names) + " (codes with or without leading zeros, names " \
        "with or without accents)"


@lru_cache(maxsize=1)
def _by_number() -> dict[int, str]:
    return {int(code): code for code in unit_codes()}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    """Folded name → code: the official name, the name itself and the name in every language. District names
    first, then the province's, so that "Cao Bằng" is the province."""
    keys: dict[str, str] = {}
    p = province()
    for row in [*districts().to_dict("records"), p]:
        for name in (row["name_vi"], row["name"], *(unit_name(row["code"], lang) for lang in i18n.languages())):
            keys[_fold(name)] = row["code"]
    return keys


def _fold(name: str) -> str:
    """A name reduced for matching only: normalised (see `normalise_name`), accents and đ dropped."""
    text = unicodedata.normalize("NFD", normalise_name(name)).replace("đ", "d")
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def is_province(code: str) -> bool:
    return check_unit(code) == province()["code"]
