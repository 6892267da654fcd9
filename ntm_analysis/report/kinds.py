"""The report kinds a pack can hold, declared once.

Everything about a kind derives from its `ReportSpec`: the notebook `ntm build` runs, its file names
(`<unit>_<stem>_<lang>.html`), its title and short label (index page, mastheads), the CLI's `--report` choices,
its place in the manifest and the index, and the pattern of links a page may make to the pack's other pages.
Adding a kind is one entry in REPORTS, its notebook, and its two texts in LABELS (README: "Adding a report kind").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import click

from ntm_analysis import i18n, paths
from ntm_analysis.data import reference
from ntm_analysis.errors import ConfigError

LABELS = i18n.catalogue("reports")

#: A kind's id and file stems become file names and a link pattern: lower-case letters, digits, '_' (no '-').
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ReportSpec:
    """One report kind. `title` and `label` are keys in LABELS (the title has a {unit} placeholder); `stems`
    names the files per language where it differs from the id (default: the id in every language)."""

    id: str
    notebook: Path
    title: str
    label: str
    order: int
    stems: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for name in (self.id, *self.stems.values()):
            if not _NAME.match(name):
                raise ConfigError(f"report kind {self.id!r}: {name!r} cannot name a file "
                                  "(lower-case letters, digits and '_' only)")

    def stem(self, lang: str) -> str:
        return self.stems.get(i18n.check_lang(lang), self.id)


REPORTS: dict[str, ReportSpec] = {
    "evaluation": ReportSpec("evaluation", paths.NOTEBOOKS / "evaluation.ipynb", "title_evaluation",
                             "report_evaluation", order=1),
    "gap": ReportSpec("gap", paths.NOTEBOOKS / "gap.ipynb", "title_gap", "report_gap", order=2),
}


#: A registry: {kind id: spec}. Every function below takes one (`registry`, e.g. a Project's); None: REPORTS.
Registry = Mapping[str, ReportSpec]


def with_notebooks(notebooks: Mapping[str, Path], registry: Registry | None = None) -> dict[str, ReportSpec]:
    """A copy of the registry with other notebooks for some kinds (an analyst's edited copy, a test's fixture)."""
    return {kind: replace(s, notebook=Path(notebooks[kind])) if kind in notebooks else s
            for kind, s in (REPORTS if registry is None else registry).items()}


def kinds(registry: Registry | None = None) -> list[str]:
    """Every kind's id, in the canonical order (manifest, index, build)."""
    found = REPORTS if registry is None else registry
    return [s.id for s in sorted(found.values(), key=lambda s: (s.order, s.id))]


def spec(kind: str, registry: Registry | None = None) -> ReportSpec:
    try:
        return (REPORTS if registry is None else registry)[kind]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown report kind {kind!r}: expected {', '.join(kinds(registry))}") from None


def order(kind: str, registry: Registry | None = None) -> int:
    return spec(kind, registry).order


def notebook(kind: str, registry: Registry | None = None) -> Path:
    return Path(spec(kind, registry).notebook)


def title(kind: str, unit_name: str, lang: str, registry: Registry | None = None) -> str:
    """The report's title for one unit: 'Gap to the 2021–2025 New Rural Development targets — Hòa An'."""
    return i18n.text(LABELS, spec(kind, registry).title, lang, unit=unit_name)


def label(kind: str, lang: str, registry: Registry | None = None) -> str:
    """The report's short name (index page, links between a unit's reports)."""
    return i18n.text(LABELS, spec(kind, registry).label, lang)


def filename(code: str, kind: str, lang: str, registry: Registry | None = None) -> str:
    """`04_evaluation_vi.html` from an already checked unit code (report_filename checks it)."""
    return f"{code}_{spec(kind, registry).stem(lang)}_{i18n.check_lang(lang)}.html"


def report_filename(unit: str, report: str, lang: str, registry: Registry | None = None) -> str:
    """`04_evaluation_vi.html`, built only from a code that passed check_unit, a known report kind and language."""
    code = reference.check_unit(unit)
    if not code.isdigit() or report not in (REPORTS if registry is None else registry):
        raise ConfigError(f"cannot name a report for unit {unit!r}, report {report!r}")
    return filename(code, report, lang, registry)


def pack_link(registry: Registry | None = None) -> re.Pattern:
    """The names a page may link to inside its pack: the index and any report of any kind and language."""
    found = REPORTS if registry is None else registry
    stems = sorted({s.stem(lang) for s in found.values() for lang in i18n.languages()})
    langs = "|".join(map(re.escape, i18n.languages()))
    return re.compile(rf"^(index|\d{{2,3}}_({'|'.join(stems)})_({langs}))\.html$")


class Choice(click.Choice):
    """The CLI's `--report` choices: the registered kinds, read when the command runs (not at import)."""

    def __init__(self):
        super().__init__([])

    @property
    def choices(self):
        return tuple(kinds())

    @choices.setter
    def choices(self, _value):  # click.Choice.__init__ sets it; the registry is the source
        pass
