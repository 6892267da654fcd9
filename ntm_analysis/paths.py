"""The one place that knows where things live. Nothing else builds paths from strings."""

from __future__ import annotations

import os
from pathlib import Path

#: Project root (the folder holding data/, notebooks/, outputs/). The package is installed editable.
ROOT = Path(os.environ.get("NTM_ROOT", Path(__file__).resolve().parents[1]))

DATA = ROOT / "data"
RAW = DATA / "raw"
REFERENCE = DATA / "reference"
FACTS = DATA / "facts"
#: Cited public facts beyond the report (a second source, shown apart from the report's figures).
CONTEXT = DATA / "context"
COMMUNES = DATA / "communes"
NOTEBOOKS = ROOT / "notebooks"
OUTPUTS = ROOT / "outputs"
TEMPLATES = Path(__file__).resolve().parent / "templates"

REPORT_TEXT = RAW / "cao_bang_ntm_report_2017_2021.txt"
REPORT_ORIGIN = RAW / "cao_bang_ntm_report_2017_2021.origin.json"
FACTS_CSV = FACTS / "report_figures.csv"
#: Numbers in the report that are not figures (dates, document numbers …), as named rules.
NOT_FIGURES_CSV = FACTS / "not_figures.csv"
#: The district-level targets of the report's footnote 1, each with its verbatim quote.
DISTRICT_TARGETS_CSV = FACTS / "district_targets.csv"
CONTEXT_SERIES = CONTEXT / "ntm_series.csv"
CONTEXT_RECOGNITIONS = CONTEXT / "cao_bang_recognitions.csv"
CONTEXT_MERGERS = CONTEXT / "cao_bang_merger_evidence.csv"
CONTEXT_ORIGIN = CONTEXT / "origin.json"
CRITERIA_CSV = REFERENCE / "ntm_criteria_2016_2020.csv"
#: The criteria sets by id: 2016–2020 (QĐ 1980/QĐ-TTg) and 2021–2025 (QĐ 318/QĐ-TTg).
CRITERIA_SETS = {"2016_2020": CRITERIA_CSV, "2021_2025": REFERENCE / "ntm_criteria_2021_2025.csv"}
UNITS_CSV = REFERENCE / "cao_bang_admin_units_2021.csv"
REFERENCE_ORIGIN = REFERENCE / "origin.json"
DEMO_COMMUNES = COMMUNES / "demo_communes_2021_SYNTHETIC.csv"
DEMO_COMMUNES_META = COMMUNES / "demo_communes_2021_SYNTHETIC.meta.json"
TEMPLATE_CSV = COMMUNES / "template_communes.csv"
TEMPLATE_XLSX = COMMUNES / "template_communes.xlsx"

#: The notebooks `ntm build` runs are declared with their report kinds: reports.REPORTS.

#: Where `ntm build` writes the report pack by default, and what it keeps outside the pack.
PACK = OUTPUTS / "reports"
BUILD_LOGS = OUTPUTS / "logs"
FAILED = OUTPUTS / "failed"
#: Where `ntm send --dry-run` writes .eml files by default.
MAIL = OUTPUTS / "mail"
BENCHMARK_RESULTS = ROOT / "benchmarks" / "results"
#: The seeded generator of the commune template and the SYNTHETIC demo dataset.
DEMO_GENERATOR = ROOT / "scripts" / "generate_demo_communes.py"
