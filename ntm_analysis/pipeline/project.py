"""A project: where its files live, which report kinds it builds and in which language, as one object passed
explicitly (`build.build(project=…)`) instead of module globals patched in place.

`Project.current()` is the checkout's own project (paths.ROOT, reports.REPORTS, Vietnamese). A variant is a copy:
`Project.current().with_notebooks({"gap": edited})`, `.with_report(spec)`, `dataclasses.replace(p, lang="en")`.
For now it carries the report registry, the output folders and the language; the input files are still read
through `paths` (facts, reference and communes cache them by path).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from ntm_analysis import i18n, paths
from ntm_analysis.report import kinds as reports
from ntm_analysis.errors import ConfigError


@dataclass(frozen=True)
class Project:
    root: Path = paths.ROOT
    reports: Mapping[str, reports.ReportSpec] = field(default_factory=lambda: MappingProxyType(dict(reports.REPORTS)))
    lang: str = i18n.DEFAULT

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))
        object.__setattr__(self, "reports", MappingProxyType(dict(self.reports)))  # a copy nobody can change
        i18n.check_lang(self.lang)
        for kind, spec in self.reports.items():
            if kind != spec.id:
                raise ConfigError(f"report kind {kind!r} is registered with the id {spec.id!r}")

    @classmethod
    def current(cls) -> Project:
        """The checkout's project: its root, the registered report kinds (as they are now), Vietnamese."""
        return cls(root=paths.ROOT, reports=reports.REPORTS)

    # -- where things live -------------------------------------------------------------------------------------
    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def pack(self) -> Path:
        """Where `ntm build` writes the pack by default."""
        return self.outputs / "reports"

    @property
    def mail(self) -> Path:
        """Where `ntm send --dry-run` writes .eml files by default."""
        return self.outputs / "mail"

    # -- report kinds ------------------------------------------------------------------------------------------
    def kinds(self) -> list[str]:
        return reports.kinds(self.reports)

    def with_notebooks(self, notebooks: Mapping[str, Path]) -> Project:
        """This project with other notebooks for some kinds."""
        return replace(self, reports=reports.with_notebooks(notebooks, self.reports))

    def with_report(self, spec: reports.ReportSpec) -> Project:
        """This project with one more report kind (or one replaced)."""
        return replace(self, reports={**self.reports, spec.id: spec})
