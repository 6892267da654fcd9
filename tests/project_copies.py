"""An office's copy of the project for tests: data/ and notebooks/ copied, one figure changed consistently."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from ntm_analysis import paths
from ntm_analysis.data import facts

#: "Bình quân tiêu chí nông thôn mới đạt 16,44 tiêu chí/xã." (Phần II, mục I.2), on every gap page.
FIGURE = "target_2025_average"


def copy_project(folder: Path) -> Path:
    """An office's copy of the project: data/ and notebooks/."""
    shutil.copytree(paths.DATA, folder / "data")
    shutil.copytree(paths.NOTEBOOKS, folder / "notebooks")
    return folder


def change_figure(root: Path, fact_id: str, printed: str) -> None:
    """Change one figure of a copy as its office would: in the report text and in the facts table, which cites it
    (the quote stays verbatim in the text, `printed` reads as `value`)."""
    inputs = paths.Inputs(root)
    table = pd.read_csv(inputs.facts_csv, dtype=str, keep_default_na=False, encoding="utf-8")
    row = table.index[table["id"] == fact_id][0]
    old_quote = table.at[row, "quote"]
    new_quote = old_quote.replace(table.at[row, "printed"], printed)
    text = inputs.report_text.read_text(encoding="utf-8")
    assert text.count(old_quote) == 1
    inputs.report_text.write_text(text.replace(old_quote, new_quote), encoding="utf-8")
    table.loc[row, ["printed", "value", "quote"]] = [printed, str(facts.parse_printed(printed)), new_quote]
    table.to_csv(inputs.facts_csv, index=False, encoding="utf-8")
