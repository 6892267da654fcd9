"""Every visible text exists in both languages; numbers and dates follow each locale."""

import datetime as dt
import importlib
import pkgutil
import string

import pytest

import ntm_analysis
from ntm_analysis import i18n

CATALOGUES = {
    name: module.LABELS
    for name in sorted(m.name for m in pkgutil.iter_modules(ntm_analysis.__path__))
    if hasattr(module := importlib.import_module(f"ntm_analysis.{name}"), "LABELS")
}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_report_modules_have_catalogues():
    assert {"evaluation", "gap_report", "page", "gap", "progress", "charts", "cli"} <= set(CATALOGUES)


@pytest.mark.parametrize("module", sorted(CATALOGUES))
def test_every_label_in_both_languages_with_the_same_placeholders(module):
    for key, entry in CATALOGUES[module].items():
        if not (isinstance(entry, dict) and "vi" in entry):
            continue  # nested tables (e.g. per-unit dicts) are checked by their module's tests
        assert set(entry) >= set(i18n.LANGS), f"{module}.{key}"
        assert all(str(entry[lang]).strip() for lang in i18n.LANGS), f"{module}.{key}"
        assert _fields(entry["vi"]) == _fields(entry["en"]), f"{module}.{key}"


@pytest.mark.parametrize(("value", "decimals", "vi", "en"), [
    (11132.3, 1, "11.132,3", "11,132.3"),
    (26734494, 0, "26.734.494", "26,734,494"),
    (0.58, 2, "0,58", "0.58"),
    (11.63, 2, "11,63", "11.63"),
])
def test_numbers_in_each_locale(value, decimals, vi, en):
    assert i18n.number(value, "vi", decimals) == vi
    assert i18n.number(value, "en", decimals) == en


def test_missing_values_percent_and_dates():
    assert i18n.number(None, "vi") == "—" and i18n.number(float("nan"), "en") == "—"
    assert i18n.percent(21.5, "vi") == "21,5%"
    assert i18n.date(dt.date(2022, 7, 20), "vi") == "20/07/2022"
    assert i18n.separators("vi")["decimal"] == "," and i18n.separators("en")["thousands"] == ","


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language"):
        i18n.number(1, "fr")
