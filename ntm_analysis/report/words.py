"""The analysis's results in words. Analysis returns ids and numbers (check ids, indicator and window ids, note
keys with their values); this module words them in a language from the catalogues, for the report sections and
for analysts who want a readable table (`words.audit(audit.run(), "en")`).
"""

from __future__ import annotations

import math
import string

import pandas as pd

from ntm_analysis import i18n
from ntm_analysis.analysis import audit as audit_module
from ntm_analysis.data import facts

AUDIT = i18n.catalogue("audit")


class _Numbers(string.Formatter):
    """Formats numbers in note templates in the language's style. Format spec: the decimals ({x:2}), or 'g' for
    two significant digits below 1 (so 0,0052 and 0,0050 stay apart)."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value, format_spec):
        if not isinstance(value, (int, float)):
            return super().format_field(value, format_spec)
        if format_spec == "g":
            small = 0 < abs(value) < 1
            return i18n.number(value, self.lang, 1 - math.floor(math.log10(abs(value))) if small else None)
        return i18n.number(value, self.lang, int(format_spec) if format_spec else None)


def _audit_words(row, lang: str) -> dict[str, str]:
    return {name: i18n.text(AUDIT, key, lang) for name, key in row["words"].items()}


def audit_description(row, lang: str) -> str:
    """What a check (a row of audit.run()) compares, in words."""
    return i18n.text(AUDIT, row["description"], lang, **_audit_words(row, lang), period=row["values"]["period"])


def audit_note(row, lang: str) -> str:
    """A check's outcome and note, with its numbers in the language's format and the public sources it rests on."""
    fmt, unit = _Numbers(lang), facts.unit_label(row["unit"], lang)
    words = _audit_words(row, lang)
    text = " ".join(fmt.format(AUDIT[key][lang], unit=unit, **words, **row["values"]) for key in row["note"])
    if row["context"]:
        sources = "; ".join(dict.fromkeys(audit_module.citation(c) for c in row["context"].split(",")))
        text += " " + i18n.text(AUDIT, "cites", lang, sources=sources)
    return text


def audit(checks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """audit.run()'s table with the description and note in words (the numbers they are made of dropped)."""
    i18n.check_lang(lang)
    rows = [r for _, r in checks.iterrows()]
    return checks.assign(description=[audit_description(r, lang) for r in rows],
                         note=[audit_note(r, lang) for r in rows]).drop(columns=["values", "words"])
