"""Commune names instead of codes: match a written name to the reference list of Cao Bằng's communes.

Names compare after normalising (NFC, case, spacing, old/new tone placement Hoà/Hòa, the 'Xã' / 'X.' / 'TT.' /
'Thị trấn' prefixes), within the district when it is known. Nothing looser: a name without its diacritics, or one
found in several districts with none given, is not matched but reported with the nearest candidates and their codes.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from ntm_analysis import paths
from ntm_analysis.data import cache, reference

_PREFIXES = ("xã ", "x. ", "x.", "thị trấn ", "tt. ", "tt.", "tt ", "phường ", "p. ", "p.")


def bare(name: str) -> str:
    """A commune name for comparison: normalised, without its type word, single spaces."""
    text = reference.normalise_name(name).replace(".", ". ")
    text = " ".join(text.split())
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return " ".join(text.replace(". ", ".").split()) if "." in text else text


def _communes() -> list[tuple[str, str, str, str]]:
    """(bare name, code, name, district_code) for every commune (xã) of the current project."""
    return _index(paths.inputs().units_csv)


@cache.keyed
def _index(units_csv: Path) -> list[tuple[str, str, str, str]]:
    table = reference.communes()
    return [(bare(n), c, n, d) for c, n, d in zip(table["code"], table["name"], table["district_code"])]


def names() -> set[str]:
    return {b for b, *_ in _communes()}


def match(written: str, district: str | None) -> tuple[str | None, str | None, list[str]]:
    """(code, None, []) for a sure match; (None, 'name_unknown' or 'name_ambiguous', candidates) otherwise.
    Candidates read 'Xã Vĩnh Quang 01693 (Thành phố Cao Bằng)'."""
    key = bare(written)
    hits = [c for c in _communes() if c[0] == key and (district is None or c[3] == district)]
    if len(hits) == 1:
        return hits[0][1], None, []
    if len(hits) > 1:
        return None, "name_ambiguous", [_show(c) for c in hits]
    units = reference.units()
    others = units[(units["unit_type"] != "Xã") & (units["unit_name"].map(bare) == key)]
    if len(others):
        unit = others.iloc[0]
        return None, "name_not_commune", [f"{unit.unit_name} {unit.unit_code} ({unit.district_name})"]
    pool = [c for c in _communes() if district is None or c[3] == district]
    near = difflib.get_close_matches(_plain(key), [_plain(c[0]) for c in pool], n=3, cutoff=0.6)
    candidates = [_show(c) for c in pool if _plain(c[0]) in near]
    if district is not None:  # the name may be in another district
        candidates += [_show(c) for c in _communes() if c[0] == key and c[3] != district]
    return None, "name_unknown", candidates[:5]


def abbreviation_of(written: str, official: str) -> bool:
    """'X. V. Quang', 'V.Quang', 'Vĩnh Quang' all abbreviate 'Xã Vĩnh Quang' (beside its code, which decides)."""
    short, full = bare(written), bare(official)
    if short == full:
        return True
    parts = [p for p in re.split(r"[.\s]+", short) if p]
    words = full.split()
    if len(parts) != len(words):
        return False
    return all(p == w or (len(p) == 1 and w.startswith(p)) for p, w in zip(parts, words))


def _show(entry: tuple) -> str:
    district = reference.districts().set_index("code").at[entry[3], "name_vi"]
    return f"{entry[2]} {entry[1]} ({district})"


def _plain(text: str) -> str:
    from ntm_analysis.data.communes.text import value_key
    return value_key(text)
