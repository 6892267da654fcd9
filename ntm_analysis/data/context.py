"""Context facts: cited public figures beyond the 2022 report (data/context/), a second source never mixed with the
report's figures. Every row keeps its page (source_title, source_url), a verbatim quote and `as_of`.

- `series()` — province and national figures by id (`get("cb_2022_average_new_set").value` → 9.19);
- `recognitions()` — the communes recognised in 2018 and 2019 with their 2021 codes and what became of them;
- `mergers()` — what public sources say about the 2020 mergers used here.

Each loader validates its file (pandera) and raises DataError with file/row/column for any problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ntm_analysis.data import cache, facts
from ntm_analysis import i18n, paths
from ntm_analysis.errors import DataError, Problem

SERIES_COLUMNS = ("id", "year", "area", "indicator", "value", "unit", "as_of", "source_url", "source_title", "quote")
RECOGNITION_COLUMNS = ("year_recognised", "level", "commune_name_as_printed", "district_as_printed",
                       "commune_code_2021", "district_code_2021", "status_2021", "decision", "source_url",
                       "source_title", "quote")
MERGER_COLUMNS = ("old_unit", "old_district", "old_code_pre2020", "new_unit_2021", "new_code_2021", "effective",
                  "resolution", "source_url", "source_title", "quote", "confidence")
LEVELS = ("dat_chuan", "nang_cao", "kieu_mau", "huyen_hoan_thanh")

LABELS = i18n.catalogue("context")


@dataclass(frozen=True)
class ContextFact:
    """One cited context figure."""

    id: str
    year: int | None
    area: str
    indicator: str
    value: float
    unit: str
    as_of: str
    source_url: str
    source_title: str
    quote: str

    def source(self, lang: str = "vi") -> str:
        return i18n.text(LABELS, "source", lang, title=self.source_title, url=self.source_url, quote=self.quote,
                         as_of=self.as_of)


def _text(*, nullable: bool = False) -> pa.Column:
    return pa.Column(str, pa.Check.str_length(min_value=1, error="empty"), nullable=nullable)


def _url() -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(r"^https?://\S+$", error="not a web address"))


def _series_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "id": pa.Column(str, pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="not a snake_case id"), unique=True,
                        report_duplicates="all"),
        "year": pa.Column(str, pa.Check.str_matches(r"^(\d{4})?$", error="year not YYYY or empty")),
        "area": pa.Column(str, pa.Check.isin(["cao_bang", "national"], error="area not cao_bang or national")),
        "indicator": _text(),
        "value": pa.Column(float, coerce=True),
        "unit": _text(),
        "as_of": _text(),
        "source_url": _url(),
        "source_title": _text(),
        "quote": pa.Column(str, pa.Check.str_length(min_value=1, max_value=400, error="empty or longer than 400")),
    }, strict=True)


def _recognition_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "year_recognised": pa.Column(str, pa.Check.str_matches(r"^(\d{4})?$", error="year not YYYY or empty")),
        "level": pa.Column(str, pa.Check.isin(list(LEVELS), error=f"level not one of: {', '.join(LEVELS)}")),
        "commune_name_as_printed": pa.Column(str),
        "district_as_printed": _text(),
        "commune_code_2021": pa.Column(str, pa.Check.str_matches(r"^(\d{5})?$", error="not a 5-digit code or empty")),
        "district_code_2021": pa.Column(str, pa.Check.str_matches(r"^\d{3}$", error="not a 3-digit code")),
        "status_2021": pa.Column(str, pa.Check.str_matches(r"^(exists|unknown|merged_into:\d{5})$",
                                                           error="status not exists, unknown or merged_into:CODE")),
        "decision": pa.Column(str),
        "source_url": _url(),
        "source_title": _text(),
        "quote": _text(),
    }, strict=True)


def _merger_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({c: (_url() if c == "source_url" else
                                   _text() if c in ("old_unit", "source_title", "quote", "confidence") else
                                   pa.Column(str)) for c in MERGER_COLUMNS}, strict=True)


def _read(path: Path, schema: pa.DataFrameSchema) -> pd.DataFrame:
    return facts.read_table(path, schema)


def read_series(path: Path | None = None) -> pd.DataFrame:
    """A context series file (default: the current project's), validated; `value` as float."""
    frame = _read(Path(path) if path is not None else paths.INPUTS.context_series, _series_schema())
    frame["value"] = frame["value"].astype(float)
    return frame


# Each loader takes a project (default: the current one, see paths.Inputs); cached by the file (data/cache.py).
def series(project=None) -> pd.DataFrame:
    return _series(paths.inputs(project).context_series)


@cache.keyed
def _series(path: Path) -> pd.DataFrame:
    return read_series(path)


def recognitions(project=None) -> pd.DataFrame:
    """The recognition register from public sources (2018, 2019 and Thành phố Cao Bằng)."""
    return _table(paths.inputs(project).context_recognitions, "recognitions")


def mergers(project=None) -> pd.DataFrame:
    return _table(paths.inputs(project).context_mergers, "mergers")


@cache.keyed
def _table(path: Path, kind: str) -> pd.DataFrame:
    return _read(path, _recognition_schema() if kind == "recognitions" else _merger_schema())


def get(fact_id: str, project=None) -> ContextFact:
    """One context figure by id; DataError when there is none."""
    rows = series(project)
    match = rows[rows["id"] == fact_id]
    if match.empty:
        file = str(paths.inputs(project).context_series)
        raise DataError(Problem(file, None, "id", fact_id, "no context fact with this id"))
    row = match.iloc[0]
    return ContextFact(id=row["id"], year=int(row["year"]) if row["year"] else None, area=row["area"],
                       indicator=row["indicator"], value=float(row["value"]), unit=row["unit"], as_of=row["as_of"],
                       source_url=row["source_url"], source_title=row["source_title"], quote=row["quote"])


def sources_table(ids: list[str]) -> pd.DataFrame:
    """The context rows behind a page: id, value, as_of, title, address and quote (for the sources section)."""
    records = [get(i) for i in dict.fromkeys(ids)]
    return pd.DataFrame({
        "id": [r.id for r in records],
        "value": [r.value for r in records],
        "unit": [r.unit for r in records],
        "as_of": [r.as_of for r in records],
        "source_title": [r.source_title for r in records],
        "source_url": [r.source_url for r in records],
        "quote": [r.quote for r in records],
    })
