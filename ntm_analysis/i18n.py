"""Languages: labels in Vietnamese and English, and numbers and dates in each locale's format (babel)."""

from __future__ import annotations

import datetime as dt
from numbers import Real

from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

LANGS = ("vi", "en")
LOCALES = {"vi": "vi_VN", "en": "en_GB"}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def number(value: Real | None, lang: str, decimals: int | None = None) -> str:
    """1234.5 → '1.234,5' (vi) / '1,234.5' (en). `decimals` fixes the digits after the separator;
    None keeps the value's own (up to 3). Missing values print as an em dash."""
    if value is None or value != value:  # None or NaN
        return "—"
    if decimals is None:
        pattern = "#,##0.###"
    elif decimals == 0:
        pattern = "#,##0"
    else:
        pattern = "#,##0." + "0" * decimals
    return format_decimal(value, format=pattern, locale=LOCALES[check_lang(lang)])


def percent(value: Real | None, lang: str, decimals: int = 1) -> str:
    """A value already in percent: 21.5 → '21,5%' (vi) / '21.5%' (en)."""
    text = number(value, lang, decimals)
    return text if text == "—" else f"{text}%"


def date(value: dt.date, lang: str) -> str:
    """dd/mm/yyyy in both languages (the report's own convention)."""
    return format_date(value, format="dd/MM/yyyy", locale=LOCALES[check_lang(lang)])


def separators(lang: str) -> dict:
    """d3-format locale for Vega charts, from babel: decimal and thousands symbols."""
    loc = LOCALES[check_lang(lang)]
    return {"decimal": get_decimal_symbol(loc), "thousands": get_group_symbol(loc), "grouping": [3], "currency": ["", ""]}


def text(catalogue: dict[str, dict[str, str]], key: str, lang: str, **values) -> str:
    """Look up `key` in a module's label catalogue {key: {"vi": ..., "en": ...}} and fill {placeholders}."""
    entry = catalogue[key][check_lang(lang)]
    return entry.format(**values) if values else entry
