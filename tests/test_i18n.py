"""Every visible text exists in both languages; numbers and dates follow each locale."""

import datetime as dt
import importlib
import pkgutil
import re
import string

import pytest

import ntm_analysis
from ntm_analysis import i18n
from ntm_analysis.errors import NtmError

CATALOGUES = {
    name.rpartition(".")[2]: module.LABELS
    for name in sorted(m.name for m in pkgutil.walk_packages(ntm_analysis.__path__, "ntm_analysis."))
    if hasattr(module := importlib.import_module(name), "LABELS")
}


def _fields(text) -> set[str]:
    """The placeholders of a text, or of every form of a plural table ({count} is always available there)."""
    if isinstance(text, dict):
        return set().union(*(_fields(form) for form in text.values())) - {"count"}
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_report_modules_have_catalogues():
    assert {"evaluation", "gap_report", "page", "progress", "charts", "cli"} <= set(CATALOGUES)
    assert "gap" not in CATALOGUES and "audit" not in CATALOGUES  # analysis returns ids; report.words words them


DOMAINS = sorted(p.stem for p in (i18n.CATALOGUES / i18n.DEFAULT).glob("*.toml") if p.stem != "language")


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_language_folder_has_every_key_of_the_default_language_with_the_same_placeholders(domain):
    default = i18n.read(i18n.CATALOGUES / i18n.DEFAULT / f"{domain}.toml")
    assert default, domain
    for lang, meta in i18n.languages().items():
        table = i18n.read(meta["folder"] / f"{domain}.toml")
        assert set(table) == set(default), f"{lang}/{domain}.toml: keys differ from {i18n.DEFAULT}'s"
        for key, text in table.items():
            # a text is empty only where it is empty in the default language too (an exact figure's qualifier)
            assert str(text).strip() or not str(default[key]).strip(), f"{lang}/{domain}.toml: {key}"
            assert _fields(text) == _fields(default[key]), f"{lang}/{domain}.toml: {key}"


def test_every_catalogue_a_module_reads_is_a_file():
    assert {c.domain for c in CATALOGUES.values() if isinstance(c, i18n.Catalogue)} <= set(DOMAINS)


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
    with pytest.raises(NtmError, match="unknown language"):
        i18n.number(1, "fr")


def test_languages_come_from_catalogue_folders():
    assert i18n.LANGS[0] == "vi" and set(i18n.LANGS) == {"vi", "en"}
    assert i18n.LOCALES == {"vi": "vi_VN", "en": "en_GB"}


def test_plural_entries_follow_cldr(tmp_path):
    for lang, locale, text in (("vi", "vi_VN", '{ other = "{count} ban" }'),
                               ("en", "en_GB", '{ one = "{count} board", other = "{count} boards" }')):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "language.toml").write_text(f'name = "{lang}"\nlocale = "{locale}"\n')
        (tmp_path / lang / "demo.toml").write_text(f"boards = {text}\n")
    cat = i18n.Catalogue("demo", root=tmp_path)
    assert i18n.text(cat, "boards", "en", count=1) == "1 board"
    assert i18n.text(cat, "boards", "en", count=1234) == "1,234 boards"
    assert i18n.text(cat, "boards", "vi", count=2) == "2 ban"
    with pytest.raises(NtmError, match="depends on a count"):
        i18n.text(cat, "boards", "en")
    with pytest.raises(NtmError, match="no text"):
        cat["nothing"]


def test_english_says_new_rural_not_ntm():
    """The English pages call the programme NTP-NRD and its standard the new rural standard, never "NTM"."""
    en = i18n.languages()["en"]["folder"]
    for path in en.glob("*.toml"):
        for key, text in i18n.read(path).items():
            forms = text.values() if isinstance(text, dict) else [text]
            assert not any(re.search(r"\bNTM\b", form) for form in forms), f"en/{path.name}: {key}"


def test_no_figure_is_written_into_a_catalogue_text():
    """Figures come from the data through placeholders. The only decimals a text may spell out are the progress
    method's own constants (its thresholds and zero replacement) and the reader's example of a percent cell."""
    import re
    import tomllib

    from ntm_analysis.analysis import progress

    allowed = {progress.ON_TRACK, progress.ACCELERATION, progress.ZERO_REPLACEMENT}
    found = []
    for file in sorted(i18n.CATALOGUES.glob("*/*.toml")):
        for key, text in tomllib.loads(file.read_text(encoding="utf-8")).items():
            forms = text.values() if isinstance(text, dict) else [text]
            for form in forms:
                for m in re.finditer(r"(?<![\w{.,])\d+[.,]\d+(?![\w}])", str(form)):
                    value = float(m.group(0).replace(",", "."))
                    if value not in allowed and (file.stem, key) != ("problems", "percent"):
                        found.append(f"{file.parent.name}/{file.name} {key}: {m.group(0)}")
    assert not found, found
