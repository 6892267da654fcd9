"""A project: where its files live, which report kinds it builds and in which language, as one object passed
explicitly (`build.build(project=…)`, `facts.get(id, project)`) instead of module globals patched in place.

`Project.current()` is the checkout's own project (paths.ROOT, reports.REPORTS, Vietnamese); `Project.at(folder)`
an office's own copy (its data/ and notebooks/; `ntm --project FOLDER`). `.inputs` names its data files
(paths.Inputs): the data layer's loaders take the project and cache by those files' identity (data/cache.py).
A variant is a copy: `Project.current().with_notebooks({"gap": edited})`, `.with_report(spec)`,
`dataclasses.replace(p, lang="en")`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from ntm_analysis import i18n, paths
from ntm_analysis.report import kinds as reports
from ntm_analysis.errors import ConfigError


def _rooted(root: Path) -> dict[str, reports.ReportSpec]:
    """The registered kinds with the notebooks `root` holds in place of the checkout's."""
    moved = {kind: root / "notebooks" / Path(spec.notebook).name for kind, spec in reports.REPORTS.items()
             if Path(spec.notebook).parent == paths.NOTEBOOKS}
    return reports.with_notebooks(moved)


@dataclass(frozen=True)
class Project:
    root: Path = paths.ROOT
    #: None: the registered kinds, with this root's notebooks.
    reports: Mapping[str, reports.ReportSpec] | None = None
    lang: str = i18n.DEFAULT

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))
        registry = _rooted(self.root) if self.reports is None else self.reports
        object.__setattr__(self, "reports", MappingProxyType(dict(registry)))  # a copy nobody can change
        i18n.check_lang(self.lang)
        for kind, spec in self.reports.items():
            if kind != spec.id:
                raise ConfigError(f"report kind {kind!r} is registered with the id {spec.id!r}")

    @classmethod
    def current(cls) -> Project:
        """The checkout's project: its root, the registered report kinds (as they are now), Vietnamese."""
        return cls(root=paths.ROOT, reports=reports.REPORTS)

    @classmethod
    def at(cls, root: Path | str, *, lang: str = i18n.DEFAULT) -> Project:
        """The project in the folder `root` (an office's copy): its data files and its own notebooks. ConfigError
        listing every missing file when it is not a complete project (see `missing`)."""
        project = cls(root=Path(root).expanduser().absolute(), lang=lang)
        missing = project.missing()
        if missing:
            raise ConfigError(f"{project.root} is not a complete project folder; missing: {', '.join(missing)}")
        return project

    @property
    def inputs(self) -> paths.Inputs:
        """Its data files by role (report text, facts, context, reference, default commune file)."""
        return paths.Inputs(self.root)

    def missing(self) -> list[str]:
        """What a build needs and the folder lacks: the data files and the notebooks of its report kinds, relative
        to the root where inside it."""
        if not self.root.is_dir():
            return [f"{self.root} (no such folder)"]
        notebooks = []
        for spec in self.reports.values():
            notebook = Path(spec.notebook)
            if not notebook.is_file():
                notebooks.append(notebook.relative_to(self.root).as_posix() if notebook.is_relative_to(self.root)
                                 else str(notebook))
        return self.inputs.missing() + notebooks

    # -- where things live -------------------------------------------------------------------------------------
    @property
    def notebooks(self) -> Path:
        return self.inputs.notebooks

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
