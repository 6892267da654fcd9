"""Markup from templates: the report layer's one Jinja environment, the palette and the stylesheet.

Python hands data to a template under `templates/` and the template decides the markup: report fragments
(`report/`), the pack's landing page (`pack/`), the mail bodies (`mail/`). Autoescaping is on for every template
but the plain-text and CSS ones (`*.txt.j2`, `*.css.j2`), and an undefined name is an error, not an empty string.
Markup passed into a template (a fragment this package rendered, the SVG the drawing engine drew) goes in as
`trusted(...)`, explicitly.

The palette (`templates/palette.toml`) is the one declaration of the package's colours: the stylesheet renders it
as CSS custom properties (`--ntm-ink`, …, `--ntm-series-1`, …), `charts.theme` and the mail bodies take their
colours from it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from ntm_analysis import paths
from ntm_analysis.errors import ConfigError, UsageError

PALETTE_FILE = paths.TEMPLATES / "palette.toml"
STYLESHEET = "style/ntm.css.j2"
_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one environment: templates from paths.TEMPLATES, autoescaped but for *.txt.j2 and *.css.j2."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"),
                                            disabled_extensions=("txt.j2", "css.j2"),
                                            default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **values) -> str:
    """The template `name` (relative to templates/) rendered with `values`, as a plain string. A template that
    does not exist, or a value it needs and was not given, raises UsageError naming both."""
    try:
        return str(environment().get_template(name).render(values))
    except jinja2.TemplateNotFound as error:
        raise UsageError(f"no template {error.name!r} under {paths.TEMPLATES}") from error
    except jinja2.UndefinedError as error:
        raise UsageError(f"template {name!r}: {error.message}") from error


def trusted(markup: str) -> Markup:
    """Markup a template inserts as it is: only what this package rendered itself, or the SVG of a chart."""
    return Markup(markup)


# -- palette ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Palette:
    """Named colours (`palette["primary"]`) and the categorical series, as declared in one file."""

    colours: Mapping[str, str]
    series: tuple[str, ...]

    def __getitem__(self, name: str) -> str:
        return self.colours[name]

    def custom_properties(self) -> dict[str, str]:
        """{"ink": "#1f2933", …, "series-1": "#2f6690", …}: the stylesheet's `--ntm-<name>` declarations."""
        return {**self.colours, **{f"series-{k}": c for k, c in enumerate(self.series, 1)}}


def load_palette(path: Path) -> Palette:
    """The palette declared in `path` (TOML: [colours] name = "#rrggbb", [series] colours = […]).
    A missing file or a value that is not a #rrggbb colour raises ConfigError naming the file and the entry."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the palette {path}: {error}") from error
    colours = data.get("colours")
    series = data.get("series", {}).get("colours")
    if not isinstance(colours, dict) or not isinstance(series, list) or not series:
        raise ConfigError(f"palette {path}: needs a [colours] table and a [series] colours list")
    for name, value in [*colours.items(), *((f"series {k}", c) for k, c in enumerate(series, 1))]:
        if not (isinstance(value, str) and _COLOUR.match(value)):
            raise ConfigError(f"palette {path}: {name} = {value!r} is not a #rrggbb colour (lower case)")
    bad = [name for name in colours if not _NAME.match(name)]
    if bad:
        raise ConfigError(f"palette {path}: colour names must be lower-case words joined by '-': {bad}")
    return Palette(dict(colours), tuple(series))


@lru_cache(maxsize=1)
def palette() -> Palette:
    """The package's palette (templates/palette.toml)."""
    return load_palette(PALETTE_FILE)


def stylesheet(colours: Palette | None = None) -> str:
    """The one stylesheet of pages and index: the palette's custom properties, then the rules that use them."""
    return render(STYLESHEET, palette=colours) if colours is not None else _stylesheet()


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return render(STYLESHEET, palette=palette())
