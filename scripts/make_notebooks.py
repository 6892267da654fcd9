"""Write the two report notebooks (thin: parameters, then one call per section).

The notebooks are committed; rerun this after changing their cell list:  python scripts/make_notebooks.py
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ntm_analysis import paths

PARAMETERS = '''# lang: "vi" or "en".  unit: official code, 04 = the province, 040 to 053 = a district.
# communes: None = the embedded synthetic demo data, or the path of a commune file (CSV or xlsx).
lang = "vi"
unit = "04"
communes = None'''

NOTES = {
    "evaluation": (
        "# Evaluation 2017–2021 (analyst notes — not exported)\n\n"
        "Parameters: `lang`, `unit`, `communes`. Every cell below calls `ntm_analysis.evaluation`; "
        "the exported report hides code. Build all units with `ntm build`."
    ),
    "gap": (
        "# Target gap analysis 2021–2025 (analyst notes — not exported)\n\n"
        "Parameters: `lang`, `unit`, `communes`. Every cell below calls `ntm_analysis.gap_report`; "
        "the exported report hides code. Build all units with `ntm build`."
    ),
}

SECTIONS = {
    "evaluation": ("management", "communication", "ocop", "funding", "attainment", "region", "audit", "sources"),
    "gap": ("targets", "pace", "resources", "communes", "criteria", "nearest", "trajectory", "sources"),
}
MODULES = {"evaluation": ("evaluation", "EvaluationReport"), "gap": ("gap_report", "GapReport")}


def notebook(kind: str) -> nbformat.NotebookNode:
    module, cls = MODULES[kind]
    cells = [
        new_markdown_cell(NOTES[kind], metadata={"tags": ["remove_cell"]}),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(f"from ntm_analysis.{module} import {cls}\n\nreport = {cls}(lang=lang, unit=unit, communes=communes)\nreport.header()"),
        *[new_code_cell(f"report.{name}()") for name in SECTIONS[kind]],
    ]
    for i, cell in enumerate(cells):  # stable ids keep diffs and renders deterministic
        cell["id"] = f"{kind}-{i:02d}"
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    }
    return nb


if __name__ == "__main__":
    for kind, path in paths.REPORT_NOTEBOOKS.items():
        nbformat.write(notebook(kind), path)
        print(path)
