"""Languages: every user-facing word in catalogue files, numbers and dates in each locale's format (babel).

Catalogues are TOML files, one folder per language: `catalogues/<lang>/language.toml` names the language and its
babel locale; `catalogues/<lang>/<domain>.toml` holds that domain's texts as `key = "text with {placeholders}"`,
or a table `{ one = "…", other = "…" }` for a text that depends on a count (CLDR plural rules, via babel).
TOML because Python reads it without a dependency (tomllib), it allows comments and multi-line strings, and a
translator can edit it in any text editor. A new language is one new folder with the same files and keys.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from numbers import Real
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

from .errors import ConfigError

CATALOGUES = Path(__file__).resolve().parent / "catalogues"
#: The default language first; the others in alphabetical order.
DEFAULT = "vi"


@cache
def _languages(root: Path) -> dict[str, dict]:
    found = {}
    for meta in sorted(root.glob("*/language.toml")):
        with meta.open("rb") as f:
            found[meta.parent.name] = tomllib.load(f)
    return dict(sorted(found.items(), key=lambda item: (item[0] != DEFAULT, item[0])))


def languages() -> dict[str, dict]:
    """{lang: {"name": …, "locale": …}} for every catalogue folder."""
    return _languages(CATALOGUES)


LANGS = tuple(languages())
LOCALES = {lang: meta["locale"] for lang, meta in languages().items()}


class LanguageError(ConfigError, ValueError):
    """A language with no catalogue folder (also a ValueError, for callers that validate arguments)."""


def check_lang(lang: str) -> str:
    if lang not in languages():
        raise LanguageError(f"unknown language {lang!r}: expected one of {', '.join(languages())}")
    return lang


@cache
def _domain(root: Path, domain: str) -> dict[str, dict[str, object]]:
    """{key: {lang: text or plural table}} from every language's `<domain>.toml`."""
    entries: dict[str, dict[str, object]] = {}
    for lang in _languages(root):
        path = root / lang / f"{domain}.toml"
        if not path.exists():
            raise ConfigError(f"catalogue {domain!r} is missing for language {lang!r}: {path}")
        try:
            with path.open("rb") as f:
                table = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"catalogue {path} is not valid TOML: {e}") from None
        for key, text in table.items():
            entries.setdefault(key, {})[lang] = text
    return entries


class Catalogue(Mapping):
    """One domain's texts in every language: `catalogue[key][lang]`, as the report modules use them."""

    def __init__(self, domain: str, root: Path | None = None):
        self.domain = domain
        self._entries = _domain(root or CATALOGUES, domain)

    def __getitem__(self, key: str) -> dict[str, object]:
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


def text(catalogue: Mapping[str, Mapping[str, object]], key: str, lang: str, *, count: Real | None = None,
         **values) -> str:
    """`key` from a catalogue in `lang`, with {placeholders} filled. A plural entry picks its form for `count`
    by the language's CLDR rule ("1 board" / "2 boards"); `count` is also available as {count}."""
    entry = catalogue[key][check_lang(lang)]
    if isinstance(entry, Mapping):
        if count is None:
            raise ConfigError(f"text {key!r} depends on a count: pass count=")
        form = Locale.parse(LOCALES[lang]).plural_form(abs(count))
        entry = entry.get(form, entry.get("other"))
    if count is not None:  # a plain text may show {count} too ("{count} report(s)")
        values = {"count": number(count, lang), **values}
    elif count is not None:
        values["count"] = count
    return entry.format(**values) if values else entry
