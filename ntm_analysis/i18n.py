"""Languages: every user-facing word in catalogue files, numbers and dates in each locale's format (babel).

Catalogues are TOML files, one folder per language: `catalogues/<lang>/language.toml` names the language and its
babel locale; `catalogues/<lang>/<domain>.toml` holds that domain's texts as `key = "text with {placeholders}"`,
or a table `{ one = "…", other = "…" }` for a text that depends on a count (CLDR plural rules, via babel).
TOML because Python reads it without a dependency (tomllib), it allows comments and multi-line strings, and a
translator can edit it in any text editor. A new language is one new folder with the same files and keys.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from numbers import Real
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

from .errors import ConfigError

CATALOGUES = Path(__file__).resolve().parent / "catalogues"
#: Extra catalogue folders, searched before the package's: `NTM_CATALOGUES=/a:/b` (os.pathsep-separated), each
#: holding `<lang>/` folders. A language is taken whole from the first folder that has it, so a folder there adds a
#: language (or replaces one of the package's, e.g. an edited copy). Absolute paths only (kernels run in another
#: working folder). Build workers and their kernels inherit it.
SEARCH_PATH = "NTM_CATALOGUES"
#: The default language first; the others in alphabetical order.
DEFAULT = "vi"


def search_path() -> tuple[Path, ...]:
    """The catalogue folders in the order searched: NTM_CATALOGUES's, then the package's."""
    return _search_path(os.environ.get(SEARCH_PATH, ""))


@cache
def _search_path(value: str) -> tuple[Path, ...]:
    folders = [Path(p).expanduser() for p in value.split(os.pathsep) if p]
    for folder in folders:  # each process reads it from its own working folder: only absolute paths are safe
        if not folder.is_absolute() or not folder.is_dir():
            raise ConfigError(f"{SEARCH_PATH} names {str(folder)!r}, which is not an absolute path to a folder")
    return (*(f.resolve() for f in folders), CATALOGUES)


def read(path: Path) -> dict:
    """One catalogue file as a table (ConfigError if it is not valid TOML)."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"catalogue {path} is not valid TOML: {e}") from None


@cache
def _languages(roots: tuple[Path, ...]) -> dict[str, dict]:
    """{lang: language.toml's table + "folder"} from the first root that has each language."""
    found = {}
    for root in roots:
        for meta in sorted(Path(root).glob("*/language.toml")):
            if meta.parent.name in found:
                continue
            table = read(meta)
            if not isinstance(table.get("name"), str) or not isinstance(table.get("locale"), str):
                raise ConfigError(f"{meta} must give the language's name and babel locale (name = …, locale = …)")
            try:
                Locale.parse(table["locale"])
            except (ValueError, LookupError, UnknownLocaleError) as e:
                raise ConfigError(f"{meta}: babel does not know the locale {table['locale']!r} ({e})") from None
            found[meta.parent.name] = {**table, "folder": meta.parent}
    return dict(sorted(found.items(), key=lambda item: (item[0] != DEFAULT, item[0])))


def languages() -> dict[str, dict]:
    """{lang: {"name": …, "locale": …, "folder": …}} for every catalogue folder on the search path."""
    return _languages(search_path())


#: The languages when the package was imported (for command-line choices); functions look them up each call.
def _languages_at_import() -> dict[str, dict]:
    """languages(), or the package's own when NTM_CATALOGUES is wrong: importing never fails; the ConfigError
    comes from the first function that needs the languages (the command line checks them first)."""
    try:
        return languages()
    except ConfigError:
        return _languages((CATALOGUES,))


LANGS = tuple(_languages_at_import())
LOCALES = {lang: meta["locale"] for lang, meta in _languages_at_import().items()}


class LanguageError(ConfigError, ValueError):
    """A language with no catalogue folder (also a ValueError, for callers that validate arguments)."""


def check_lang(lang: str) -> str:
    if lang not in languages():
        raise LanguageError(f"unknown language {lang!r}: expected one of {', '.join(languages())}")
    return lang


def locale(lang: str) -> str:
    """The babel locale of a language (`language.toml`)."""
    return languages()[check_lang(lang)]["locale"]


class Entry(dict):
    """One text in every language ({lang: text}); a language without it is a ConfigError naming all three."""

    def __init__(self, domain: str, key: str, texts: dict):
        super().__init__(texts)
        self.domain, self.key = domain, key

    def __missing__(self, lang):
        if isinstance(lang, str) and lang in languages():
            raise ConfigError(f"catalogue {self.domain!r} of language {lang!r} has no text {self.key!r} "
                              f"(add it to {languages()[lang]['folder'] / (self.domain + '.toml')})")
        raise LanguageError(f"unknown language {lang!r}: expected one of {', '.join(languages())}")


@cache
def _domain(roots: tuple[Path, ...], domain: str) -> dict[str, Entry]:
    """{key: Entry} from every language's `<domain>.toml`."""
    entries: dict[str, dict[str, object]] = {}
    for lang, meta in _languages(roots).items():
        path = meta["folder"] / f"{domain}.toml"
        if not path.exists():
            raise ConfigError(f"catalogue {domain!r} is missing for language {lang!r}: {path}")
        for key, text in read(path).items():
            entries.setdefault(key, {})[lang] = text
    return {key: Entry(domain, key, texts) for key, texts in entries.items()}


class Catalogue(Mapping):
    """One domain's texts in every language: `catalogue[key][lang]`, as the report modules use them. Read from
    the search path when used (not when created), so a catalogue folder added through NTM_CATALOGUES counts."""

    def __init__(self, domain: str, root: Path | None = None):
        self.domain = domain
        self._roots = None if root is None else (Path(root),)

    @property
    def _entries(self) -> dict[str, Entry]:
        return _domain(self._roots or search_path(), self.domain)

    def __getitem__(self, key: str) -> Entry:
        try:
            return self._entries[key]
        except KeyError:
            raise ConfigError(f"no text {key!r} in catalogue {self.domain!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def languages(self) -> dict[str, dict]:
        return _languages(self._roots or search_path())


def catalogue(domain: str) -> Catalogue:
    return Catalogue(domain)


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
    return format_decimal(value, format=pattern, locale=locale(lang))


def percent(value: Real | None, lang: str, decimals: int = 1) -> str:
    """A value already in percent: 21.5 → '21,5%' (vi) / '21.5%' (en)."""
    text = number(value, lang, decimals)
    return text if text == "—" else f"{text}%"


def date(value: dt.date, lang: str) -> str:
    """dd/mm/yyyy in both languages (the report's own convention)."""
    return format_date(value, format="dd/MM/yyyy", locale=locale(lang))


def separators(lang: str) -> dict:
    """d3-format locale for Vega charts, from babel: decimal and thousands symbols."""
    loc = locale(lang)
    return {"decimal": get_decimal_symbol(loc), "thousands": get_group_symbol(loc), "grouping": [3], "currency": ["", ""]}


def text(catalogue: Mapping[str, Mapping[str, object]], key: str, lang: str, *, count: Real | None = None,
         **values) -> str:
    """`key` from a catalogue in `lang`, with {placeholders} filled. A plural entry picks its form for `count`
    by the language's CLDR rule ("1 board" / "2 boards"); `count` is also available as {count}."""
    entry = catalogue[key][check_lang(lang)]
    if isinstance(entry, Mapping):
        if count is None:
            raise ConfigError(f"text {key!r} depends on a count: pass count=")
        form = Locale.parse(locale(lang)).plural_form(abs(count))
        entry = entry.get(form, entry.get("other"))
    if count is not None:  # a plain text may show {count} too ("{count} report(s)")
        values = {"count": number(count, lang), **values}
    return entry.format(**values) if values else entry
