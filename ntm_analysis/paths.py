"""The one place that knows where things live. Nothing else builds paths from strings.

`Inputs(root)` names a project's input files by role (a project is a folder holding data/ and notebooks/: the
checkout, an office's own copy, a build's snapshot). The data layer's loaders take one (or a Project, which has
`.inputs`) and default to `INPUTS`, the current project's: the checkout, or the folder `NTM_ROOT` names (a build's
kernels are started with NTM_ROOT set to the build's snapshot). The module constants below are `INPUTS`' files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ntm_analysis.errors import UsageError


@dataclass(frozen=True)
class Inputs:
    """The input files of the project rooted at `root`, by role (relative layout as in the checkout)."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    # -- folders
    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    # -- the report (data/raw)
    @property
    def report_text(self) -> Path:
        return self.data / "raw" / "cao_bang_ntm_report_2017_2021.txt"

    @property
    def report_origin(self) -> Path:
        return self.data / "raw" / "cao_bang_ntm_report_2017_2021.origin.json"

    # -- the report's figures (data/facts)
    @property
    def facts_csv(self) -> Path:
        return self.data / "facts" / "report_figures.csv"

    @property
    def not_figures_csv(self) -> Path:
        """Numbers in the report that are not figures (dates, document numbers …), as named rules."""
        return self.data / "facts" / "not_figures.csv"

    @property
    def district_targets_csv(self) -> Path:
        """The district-level targets of the report's footnote 1, each with its verbatim quote."""
        return self.data / "facts" / "district_targets.csv"

    @property
    def assessment_csv(self) -> Path:
        return self.data / "facts" / "assessment.csv"

    # -- cited public facts beyond the report (data/context: a second source, shown apart)
    @property
    def context_series(self) -> Path:
        return self.data / "context" / "ntm_series.csv"

    @property
    def context_recognitions(self) -> Path:
        return self.data / "context" / "cao_bang_recognitions.csv"

    @property
    def context_mergers(self) -> Path:
        return self.data / "context" / "cao_bang_merger_evidence.csv"

    @property
    def context_origin(self) -> Path:
        return self.data / "context" / "origin.json"

    # -- reference data (data/reference)
    @property
    def criteria_sets(self) -> dict[str, Path]:
        """The criteria sets by id: 2016–2020 (QĐ 1980/QĐ-TTg) and 2021–2025 (QĐ 318/QĐ-TTg)."""
        return {"2016_2020": self.data / "reference" / "ntm_criteria_2016_2020.csv",
                "2021_2025": self.data / "reference" / "ntm_criteria_2021_2025.csv"}

    @property
    def criteria_csv(self) -> Path:
        return self.criteria_sets["2016_2020"]

    @property
    def units_csv(self) -> Path:
        return self.data / "reference" / "cao_bang_admin_units_2021.csv"

    @property
    def reference_origin(self) -> Path:
        return self.data / "reference" / "origin.json"

    # -- commune data (data/communes)
    @property
    def demo_communes(self) -> Path:
        """The default commune file: the SYNTHETIC demonstration dataset."""
        return self.data / "communes" / "demo_communes_2021_SYNTHETIC.csv"

    @property
    def demo_communes_meta(self) -> Path:
        return self.data / "communes" / "demo_communes_2021_SYNTHETIC.meta.json"

    def required(self) -> list[Path]:
        """Every file the reports read: a project without one of them cannot build."""
        return [self.report_text, self.report_origin, self.facts_csv, self.not_figures_csv,
                self.district_targets_csv, self.assessment_csv, self.context_series, self.context_recognitions,
                self.context_mergers, *self.criteria_sets.values(), self.units_csv, self.reference_origin,
                self.demo_communes]

    def missing(self) -> list[str]:
        """The required files that are not there, relative to the root ('data/facts/report_figures.csv')."""
        return [f.relative_to(self.root).as_posix() for f in self.required() if not f.is_file()]


def inputs(project: object = None) -> Inputs:
    """The Inputs of `project`: None → the current project's (INPUTS); an Inputs; or anything with `.inputs`
    (a pipeline Project)."""
    if project is None:
        return INPUTS
    found = project if isinstance(project, Inputs) else getattr(project, "inputs", None)
    if not isinstance(found, Inputs):
        raise UsageError(f"expected a project (Project or paths.Inputs), not {project!r}")
    return found


#: Project root (the folder holding data/, notebooks/, outputs/). The package is installed editable.
ROOT = Path(os.environ.get("NTM_ROOT", Path(__file__).resolve().parents[1]))
#: The current project's input files.
INPUTS = Inputs(ROOT)

DATA = INPUTS.data
RAW = DATA / "raw"
REFERENCE = DATA / "reference"
FACTS = DATA / "facts"
CONTEXT = DATA / "context"
COMMUNES = DATA / "communes"
NOTEBOOKS = INPUTS.notebooks
OUTPUTS = ROOT / "outputs"
TEMPLATES = Path(__file__).resolve().parent / "templates"

REPORT_TEXT = INPUTS.report_text
REPORT_ORIGIN = INPUTS.report_origin
FACTS_CSV = INPUTS.facts_csv
NOT_FIGURES_CSV = INPUTS.not_figures_csv
DISTRICT_TARGETS_CSV = INPUTS.district_targets_csv
CONTEXT_SERIES = INPUTS.context_series
CONTEXT_RECOGNITIONS = INPUTS.context_recognitions
CONTEXT_MERGERS = INPUTS.context_mergers
CONTEXT_ORIGIN = INPUTS.context_origin
CRITERIA_SETS = INPUTS.criteria_sets
CRITERIA_CSV = INPUTS.criteria_csv
UNITS_CSV = INPUTS.units_csv
REFERENCE_ORIGIN = INPUTS.reference_origin
DEMO_COMMUNES = INPUTS.demo_communes
DEMO_COMMUNES_META = INPUTS.demo_communes_meta
TEMPLATE_CSV = COMMUNES / "template_communes.csv"
TEMPLATE_XLSX = COMMUNES / "template_communes.xlsx"

#: The notebooks `ntm build` runs are declared with their report kinds: reports.REPORTS.

#: Where `ntm build` writes the report pack by default (a Project's `.pack`: its outputs/reports).
PACK = OUTPUTS / "reports"
#: Where `ntm send --dry-run` writes .eml files by default.
MAIL = OUTPUTS / "mail"
BENCHMARK_RESULTS = ROOT / "benchmarks" / "results"
#: The seeded generator of the commune template and the SYNTHETIC demo dataset.
DEMO_GENERATOR = ROOT / "scripts" / "generate_demo_communes.py"
