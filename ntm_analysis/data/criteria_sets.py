"""The two national criteria sets as versioned reference data (data/reference/): 2016–2020 (QĐ 1980/QĐ-TTg,
17/10/2016) and 2021–2025 (QĐ 318/QĐ-TTg, 08/3/2022). Both have 19 criteria in five groups; criteria 3, 11, 12 and
13 were renamed. A figure's criterion labels come from the set in force for its year (gap.criteria_set_of).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ntm_analysis.data import cache, facts
from ntm_analysis import i18n, paths
from ntm_analysis.errors import DataError, Problem

SETS = tuple(paths.CRITERIA_SETS)  # ("2016_2020", "2021_2025")
LABELS = i18n.catalogue("criteria")
DECISIONS = {"2016_2020": "QĐ 1980/QĐ-TTg", "2021_2025": "QĐ 318/QĐ-TTg"}


def _schema() -> pa.DataFrameSchema:
    text = pa.Column(str, pa.Check.str_length(min_value=1, error="empty"))
    return pa.DataFrameSchema({
        "criterion": pa.Column(int, pa.Check.isin(list(range(1, 20)), error="criterion not 1..19"), coerce=True,
                               unique=True, report_duplicates="all"),
        "name_vi": text,
        "group": pa.Column(str, pa.Check.isin(["I", "II", "III", "IV", "V"], error="group not I..V")),
        "group_vi": text,
        "changed_from_2016_2020": pa.Column(str, required=False),
    }, strict=True)


def criteria(set_id: str = "2016_2020", project=None) -> pd.DataFrame:
    """The 19 criteria of a set with their groups, named as the decision names them (Vietnamese: `name_vi`,
    `group_vi`; their words in every language are in the `criteria` catalogue, see `name`), of `project` (default
    the current one). Index: 1..19."""
    files = paths.inputs(project).criteria_sets
    if set_id not in files:
        raise DataError(Problem(str(paths.inputs(project).data / "reference"), None, "criteria_set", set_id,
                                f"criteria set not one of: {', '.join(SETS)}"))
    return _read(files[set_id])


@cache.keyed
def _read(path: Path) -> pd.DataFrame:
    frame = facts.read_table(path, _schema())  # DataError naming the file for any problem
    if len(frame) != 19:
        raise DataError(Problem(str(path), None, "criterion", len(frame), "a criteria set has 19 criteria"))
    return frame.astype({"criterion": int}).set_index("criterion")


def name(number: int, set_id: str, lang: str) -> str:
    """A criterion's name in a language, as named in the given set (`criteria` catalogue)."""
    criteria(set_id)  # checks the set
    return i18n.text(LABELS, f"name_{set_id}_{int(number):02d}", lang)


def group_name(group: str, lang: str) -> str:
    return i18n.text(LABELS, f"group_{group}", lang)


def code(number: int, lang: str) -> str:
    """'TC05' / 'C05'."""
    return i18n.text(LABELS, "code", lang, n=int(number))


def renamed(project=None) -> list[int]:
    """Criteria whose names changed from the 2016–2020 to the 2021–2025 set."""
    old, new = criteria("2016_2020", project), criteria("2021_2025", project)
    return [n for n in old.index if old.at[n, "name_vi"] != new.at[n, "name_vi"]]
