"""Reference data: the 19 NTM criteria and Cao Bằng's administrative units (read from data/reference)."""

from __future__ import annotations

import json
import re
import unicodedata
from numbers import Integral
from pathlib import Path

import pandas as pd

from ntm_analysis import i18n, paths
from ntm_analysis.data import cache
from ntm_analysis.errors import DataError, Problem, UnitError

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

# Each loader takes a project (default: the current one, see paths.Inputs) and is cached by its files
# (data/cache.py): a second project, or an edited file, gets its own data.

def _read_failed(file: Path, exc: Exception) -> DataError:
    return DataError(Problem(str(file), None, None, None, f"cannot read the file: {exc}"))


@cache.keyed
def _origin_of(file: Path) -> dict:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _read_failed(file, exc) from exc


def _origin(project=None) -> dict:
    return _origin_of(paths.inputs(project).reference_origin)


def criteria(project=None) -> pd.DataFrame:
    """The 19 national criteria with their groups, vi and en. Index: criterion number 1..19."""
    return _criteria(paths.inputs(project).criteria_csv)


@cache.keyed
def _criteria(file: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(file, dtype={"criterion": int}, encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # pandas' parser and dtype errors are ValueErrors
        raise _read_failed(file, exc) from exc
    return df.set_index("criterion")


def units(project=None) -> pd.DataFrame:
    """Every commune-level unit (xã, phường, thị trấn) with its district, as strings (codes keep leading zeros)."""
    return _units(paths.inputs(project).units_csv)


@cache.keyed
def _units(file: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(file, dtype=str, encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _read_failed(file, exc) from exc
    return df.apply(lambda col: col.map(lambda v: unicodedata.normalize("NFC", v)))


def province(project=None) -> dict:
    """{'code': '04', 'name_vi': 'Tỉnh Cao Bằng' (the official name), 'name': 'Cao Bằng', 'type': 'Tỉnh'}."""
    entry = dict(_origin(project)["cao_bang_admin_units_2021.csv"]["province"])
    return {**entry, "name": entry["name_vi"].removeprefix("Tỉnh").strip(), "type": "Tỉnh"}


def districts(project=None) -> pd.DataFrame:
    """The district-level units: code, name_vi (official: "Huyện Hòa An"), name (the name itself: "Hòa An"), type
    ("Huyện", "Thành phố") and the number of communes (xã)."""
    return _districts(paths.inputs(project).units_csv)


@cache.keyed
def _districts(file: Path) -> pd.DataFrame:
    u = _units(file)
    d = u.drop_duplicates("district_code")[["district_code", "district_name", "district_type"]]
    xa = u[u["unit_type"] == "Xã"].groupby("district_code").size()
    d = d.rename(columns={"district_code": "code", "district_name": "name_vi", "district_type": "type"})
    d["name"] = [n.removeprefix(t).strip() for n, t in zip(d["name_vi"], d["type"])]
    d["communes"] = d["code"].map(xa).fillna(0).astype(int)
    return d.sort_values("code").reset_index(drop=True)[["code", "name_vi", "name", "type", "communes"]]


def communes(project=None) -> pd.DataFrame:
    """The 139 communes (xã) the NTM programme covers: code, name, district_code, district_name."""
    return _communes(paths.inputs(project).units_csv)


@cache.keyed
def _communes(file: Path) -> pd.DataFrame:
    u = _units(file)
    xa = u[u["unit_type"] == "Xã"]
    return xa.rename(columns={"unit_code": "code", "unit_name": "name"})[
        ["code", "name", "district_code", "district_name"]
    ].reset_index(drop=True)


def unit_codes(project=None) -> list[str]:
    """The province code followed by every district code: the units a report can be built for."""
    return [province(project)["code"], *districts(project)["code"].tolist()]


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


def _by_number() -> dict[int, str]:
    inputs = paths.inputs()
    return _numbers(inputs.units_csv, inputs.reference_origin, inputs)


@cache.keyed
def _numbers(units_csv: Path, origin: Path, inputs: paths.Inputs) -> dict[int, str]:
    return {int(code): code for code in unit_codes(inputs)}


def _by_name() -> dict[str, str]:
    inputs = paths.inputs()
    return _names(inputs.units_csv, inputs.reference_origin, inputs, tuple(i18n.languages()))


@cache.keyed
def _names(units_csv: Path, origin: Path, inputs: paths.Inputs, langs: tuple[str, ...]) -> dict[str, str]:
    """Folded name → code: the official name, the name itself and the name in every language. District names
    first, then the province's, so that "Cao Bằng" is the province."""
    keys: dict[str, str] = {}
    p = province(inputs)
    for row in [*districts(inputs).to_dict("records"), p]:
        for name in (row["name_vi"], row["name"], *(unit_name(row["code"], lang) for lang in langs)):
            keys[_fold(name)] = row["code"]
    return keys


def _fold(name: str) -> str:
    """A name reduced for matching only: normalised (see `normalise_name`), accents and đ dropped."""
    text = unicodedata.normalize("NFD", normalise_name(name)).replace("đ", "d")
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def is_province(code: str) -> bool:
    return check_unit(code) == province()["code"]
