"""The report's figures as cited data: load and validate `data/facts/report_figures.csv`, look figures up.

Every row is one number printed in the Department of Agriculture and Rural Development's report of 20/07/2022,
with the verbatim quote it comes from. Validation checks the table's shape (pandera) and that each figure really
is in the report: the quote occurs in the raw text, and the printed number occurs in the quote and reads as `value`.
The report's numbers that are not figures (dates, document numbers …) are named rules in
`data/facts/not_figures.csv` (`not_figures()`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from babel.numbers import NumberFormatError, parse_decimal

from ntm_analysis import i18n, paths
from ntm_analysis.data import cache
from ntm_analysis.errors import DataError, NotFound, Problem, UsageError


def _unit(id: str, *, million_vnd: float | None = None, counted: bool = False) -> dict:
    return {"id": id, "million_vnd": million_vnd, "counted": counted}


#: The closed set of units, as the report prints them (the data's own words). `id` names its words in the `units`
#: catalogue. `million_vnd`: factor to million VND for money, else None.
#: `counted`: whole things counted one by one (a printed integer in these units is exact, not rounded).
UNITS: dict[str, dict] = {
    "triệu đồng": _unit("million_VND", million_vnd=1.0),
    "tỷ đồng": _unit("billion_VND", million_vnd=1000.0),
    "%": _unit("percent"),
    "km": _unit("km"),
    "m²": _unit("square_metres"),
    "ngày công": _unit("workdays"),
    "tiêu chí/xã": _unit("criteria_per_commune"),
    "lần": _unit("times"),
    "phút": _unit("minutes"),
    "tiêu chí": _unit("criteria", counted=True),
    "xã": _unit("communes", counted=True),
    "thôn": _unit("villages", counted=True),
    "đơn vị cấp huyện": _unit("district_level_units", counted=True),
    "người": _unit("people", counted=True),
    "lượt người": _unit("participations", counted=True),
    "lượt": _unit("times_featured", counted=True),
    "ban": _unit("boards", counted=True),
    "lớp": _unit("classes", counted=True),
    "cuộc": _unit("meetings", counted=True),
    "tin/bài": _unit("news_items_articles", counted=True),
    "chuyên mục": _unit("programmes", counted=True),
    "số/tuần": _unit("issues_per_week", counted=True),
    "biển hiệu": _unit("signboards", counted=True),
    "hoạt động": _unit("activities", counted=True),
    "tuyến": _unit("routes", counted=True),
    "nhà": _unit("houses", counted=True),
    "hộ": _unit("households", counted=True),
    "tập thể": _unit("collectives", counted=True),
    "cá nhân": _unit("individuals", counted=True),
    "sản phẩm": _unit("products", counted=True),
    "chủ thể": _unit("entities", counted=True),
}

#: How the printed number relates to the quantity ("trên 1.000" → more_than 1000); words: `facts` catalogue
#: (q_<id>).
QUALIFIERS = ("exact", "more_than", "about", "at_least", "up_to", "less_than")

TOPICS = (
    "management", "capacity", "communication", "movements", "awards", "ocop", "funding_2017_2021",
    "attainment_2021", "results_2019_2020", "region", "funding_2021", "difficulties", "targets_2025",
    "resources_2021_2025",
)

COLUMNS = ("id", "topic", "value", "printed", "unit", "period", "qualifier", "section", "quote")

#: Named rules for numbers in the report that are not figures (`data/facts/not_figures.csv`, README there).
NOT_FIGURE_RULES = (
    "date", "year", "document_number", "list_numbering", "footnote", "unit_symbol", "criterion_number",
    "criteria_set", "category", "duration", "name", "repeat",
)
NOT_FIGURE_COLUMNS = ("rule", "pattern", "example", "fact", "reason")
#: The exclusion patterns are Python regular expressions matched line-aware (`^` starts a line).
PATTERN_FLAGS = re.MULTILINE

#: Figures the report writes in words: a count of none ("không còn xã…", "không có kinh phí…").
WORD_VALUES = {"không còn": 0.0, "không có": 0.0}
#: Multiplier words written after the digits ("443 nghìn" ngày công = 443.000 ngày công).
MULTIPLIERS = {"nghìn": 1000.0}

LOCALE = "vi_VN"

LABELS = i18n.catalogue("facts")
#: Each figure's label, by id (the table keeps only the source's own words: printed figure, section, quote).
FIGURES = i18n.catalogue("figures")
UNIT_WORDS = i18n.catalogue("units")
#: "Phần I, mục I.8" as the report numbers its parts and sections.
_SECTION = re.compile(r"Phần (?P<part>[IVX]+)(?:, mục (?P<item>[\w.]+))?")


# ---------------------------------------------------------------------------------------------- numbers as printed

def _word(printed: str) -> str:
    """The printed figure in lower case, for WORD_VALUES; UsageError if it is not text."""
    if not isinstance(printed, str):
        raise UsageError(f"a printed figure is text, not {printed!r}")
    return printed.strip().lower()


def _split(printed: str) -> tuple[str, float]:
    """'443 nghìn' → ('443', 1000.0); '11.132,3' → ('11.132,3', 1.0)."""
    _word(printed)
    number, _, word = printed.strip().partition(" ")
    if word and word not in MULTIPLIERS:
        raise UsageError(f"cannot read {printed!r} as a number")
    return number, MULTIPLIERS.get(word, 1.0)


def parse_printed(printed: str) -> float:
    """A figure as the report prints it (Vietnamese format) → its value: '11.132,3' → 11132.3, '02' → 2,
    '443 nghìn' → 443000, 'Không còn' → 0. Raises UsageError (a ValueError) if it is not a number the report could
    print."""
    word = _word(printed)
    if word in WORD_VALUES:
        return WORD_VALUES[word]
    number, factor = _split(printed)
    try:
        return float(parse_decimal(number, locale=LOCALE, strict=True)) * factor
    except NumberFormatError as exc:
        raise UsageError(f"cannot read {printed!r} as a Vietnamese number") from exc


def decimals(printed: str) -> int:
    """Digits printed after the decimal comma: '11.132,3' → 1, '28,60' → 2, '1.589' → 0, words → 0."""
    if _word(printed) in WORD_VALUES:
        return 0
    return len(_split(printed)[0].partition(",")[2])


def half_unit(printed: str) -> float:
    """Half a unit of the last printed digit: '11.132,3' → 0.05, '175' → 0.5, '443 nghìn' → 500, words → 0."""
    if _word(printed) in WORD_VALUES:
        return 0.0
    return 0.5 * 10.0 ** -decimals(printed) * _split(printed)[1]


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert between units of the same kind: money in tỷ đồng ↔ triệu đồng (×1000). Same unit → value."""
    for unit in (from_unit, to_unit):
        if unit not in UNITS:
            raise UsageError(f"unknown unit {unit!r}: expected one of {', '.join(UNITS)}")
    if from_unit == to_unit:
        return value
    a, b = UNITS[from_unit]["million_vnd"], UNITS[to_unit]["million_vnd"]
    if a is None or b is None:
        raise UsageError(f"cannot convert {from_unit!r} to {to_unit!r}")
    return value * a / b


# ---------------------------------------------------------------------------------------------- one figure

@dataclass(frozen=True)
class Fact:
    """One printed figure with its citation."""

    id: str
    topic: str
    value: float
    printed: str
    unit: str
    period: str
    qualifier: str
    section: str
    quote: str

    def label(self, lang: str) -> str:
        """The figure's label (`figures` catalogue, by id)."""
        return i18n.text(FIGURES, self.id, lang)

    def unit_label(self, lang: str) -> str:
        return unit_label(self.unit, lang)

    def qualifier_label(self, lang: str) -> str:
        """'trên' / 'more than' …; '' for an exact figure."""
        return i18n.text(LABELS, f"q_{self.qualifier}", lang)

    def value_in(self, unit: str) -> float:
        """The value in another unit of the same kind (money: 'tỷ đồng' ↔ 'triệu đồng'); ValueError otherwise."""
        return convert(self.value, self.unit, unit)

    def section_label(self, lang: str) -> str:
        """'Phần I, mục I.8' in Vietnamese; 'Part I, section I.8' in English (the `facts` catalogue's words)."""
        return section_label(self.section, lang)

    def period_label(self) -> str:
        """'2017–2021' with an en dash, as a range reads in both languages."""
        return self.period.replace("-", "–")

    def source(self, lang: str) -> str:
        """Citation: report, date, section and the verbatim quote."""
        report = i18n.text(LABELS, "report", lang, date=i18n.date(_report_date(), lang))
        return f"{report}, {self.section_label(lang)}: “{self.quote}”"


def unit_label(unit: str, lang: str) -> str:
    """A unit of measure in words: 'tỷ đồng' → 'tỷ đồng' / 'billion VND' (`units` catalogue)."""
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r}: expected one of {', '.join(UNITS)}")
    return i18n.text(UNIT_WORDS, UNITS[unit]["id"], lang)


def section_label(section: str, lang: str) -> str:
    """A section as the report numbers it ('Phần I, mục I.8'), in the language's words ('Part I, section I.8')."""
    found = _SECTION.fullmatch(str(section))
    if found is None:
        raise UsageError(f"cannot read {section!r} as a part and section of the report")
    key = "section_part_item" if found["item"] else "section_part"
    return i18n.text(LABELS, key, lang, part=found["part"], item=found["item"] or "")


# ---------------------------------------------------------------------------------------------- validation

def _schema() -> pa.DataFrameSchema:
    text = pa.Check.str_length(min_value=1, error="empty")
    qualifiers = ", ".join(QUALIFIERS)
    return pa.DataFrameSchema(
        {
            "id": pa.Column(str, [pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="not a snake_case id")],
                            unique=True, report_duplicates="all"),
            "topic": pa.Column(str, pa.Check.isin(TOPICS, error=f"topic not one of: {', '.join(TOPICS)}")),
            "value": pa.Column(float, coerce=True),
            "printed": pa.Column(str, text),
            "unit": pa.Column(str, pa.Check.isin(list(UNITS), error="unit not in the list (data/facts/README.md)")),
            "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}(-\d{4})?$", error="period not YYYY or YYYY-YYYY")),
            "qualifier": pa.Column(str, pa.Check.isin(list(QUALIFIERS), error=f"qualifier not one of: {qualifiers}")),
            "section": pa.Column(str, text),
            "quote": pa.Column(str, text),
        },
        strict=True,
    )


def _message(check: str) -> str:
    """pandera's name for a failed check → words for the analyst."""
    if check == "column_in_dataframe":
        return "required column is missing"
    if check == "column_in_schema":
        return "unexpected column"
    if check == "field_uniqueness":
        return "duplicate id"
    if check.startswith(("coerce_dtype", "dtype")):
        return "not a number"
    return check


def schema_problems(frame: pd.DataFrame, file: str, *, schema: pa.DataFrameSchema | None = None) -> list[Problem]:
    """Every shape problem (columns, types, closed sets, unique ids), one Problem per file/row/column.
    `schema`: the figures table's by default."""
    try:
        (schema or _schema()).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems: dict[tuple, Problem] = {}
        for case in exc.failure_cases.itertuples(index=False):
            message = _message(str(case.check))
            is_column = case.check in ("column_in_dataframe", "column_in_schema")
            column = case.failure_case if is_column else case.column
            row = None if is_column or pd.isna(case.index) else int(case.index) + 2
            value = None if is_column else case.failure_case
            problems.setdefault((row, column, message), Problem(file, row, column, value, message))
        return sorted(problems.values(), key=lambda p: (p.row or 0, str(p.column)))
    return []


def citation_problems(frame: pd.DataFrame, raw_text: str, file: str) -> list[Problem]:
    """Each quote occurs verbatim in the report; `printed` occurs in its quote and reads as `value`."""
    problems = []
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if row.quote not in raw_text:
            problems.append(Problem(file, i, "quote", row.quote, "quote not found verbatim in the report text"))
        if row.printed not in row.quote:
            problems.append(Problem(file, i, "printed", row.printed, "printed figure does not occur in its quote"))
        try:
            reads = parse_printed(row.printed)
        except ValueError as exc:
            problems.append(Problem(file, i, "printed", row.printed, str(exc)))
            continue
        if abs(reads - float(row.value)) > 1e-9 * max(1.0, abs(reads)):
            message = f"printed figure reads as {reads:g}, not value {row.value}"
            problems.append(Problem(file, i, "printed", row.printed, message))
    return problems


def read_table(path: Path, schema: pa.DataFrameSchema | None = None) -> pd.DataFrame:
    """A cited-data CSV as text cells, checked against `schema` (the figures' by default). Raises DataError
    naming file, row and column for every problem."""
    file = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(Problem(file, None, None, None, f"cannot read the file: {exc}")) from exc
    problems = schema_problems(frame, file, schema=schema)
    if problems:
        raise DataError(problems)
    return frame


def _report_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(Problem(str(file), None, None, None, f"cannot read the report text: {exc}")) from exc


@cache.keyed
def _read(path: Path, report_text: Path) -> pd.DataFrame:
    """The validated figures of `path`, their quotes checked against `report_text` (cached by both files)."""
    file = str(path)
    frame = read_table(path)
    problems = citation_problems(frame, _report_text(report_text), file)
    if problems:
        raise DataError(problems)
    frame["value"] = frame["value"].astype(float)
    return frame[list(COLUMNS)]


def _default(project=None) -> pd.DataFrame:
    inputs = paths.inputs(project)
    return _read(inputs.facts_csv, inputs.report_text)


@cache.keyed
def _index(path: Path, report_text: Path) -> dict[str, Fact]:
    return {row["id"]: to_fact(row) for _, row in _read(path, report_text).iterrows()}


def _by_id(project=None) -> dict[str, Fact]:
    inputs = paths.inputs(project)
    return _index(inputs.facts_csv, inputs.report_text)


# ---------------------------------------------------------------------------------------------- public API

def load(path: Path | None = None, *, project=None) -> pd.DataFrame:
    """The validated table of figures (one row per figure, columns as in COLUMNS) of `path` (default: the
    project's facts file; `project` default: the current one, see paths.Inputs). Raises DataError listing every
    problem. Cached by the files' identity (data/cache.py); callers get a copy."""
    inputs = paths.inputs(project)
    return _read(Path(path) if path is not None else inputs.facts_csv, inputs.report_text).copy()


def get(fact_id: str, project=None) -> Fact:
    """One figure by id (of `project`'s facts, default the current project's); NotFound (a KeyError) naming the
    id if there is none, DataError if the facts file is invalid."""
    try:
        return _by_id(project)[fact_id]
    except (KeyError, TypeError):
        raise NotFound(f"no figure with id {fact_id!r} in {paths.inputs(project).facts_csv.name}") from None


def to_fact(row: pd.Series) -> Fact:
    """A row of the facts table as a Fact."""
    missing = [f.name for f in fields(Fact) if not isinstance(row, pd.Series) or f.name not in row.index]
    if missing:
        raise UsageError(f"to_fact() needs a row of the facts table; missing {', '.join(missing)}")
    return Fact(**{f.name: (float(row[f.name]) if f.name == "value" else str(row[f.name])) for f in fields(Fact)})


def topic(name: str, project=None) -> pd.DataFrame:
    """The figures of one topic, in the report's order. NotFound for an unknown topic."""
    if not isinstance(name, str) or name not in TOPICS:
        raise NotFound(f"unknown topic {name!r}: expected one of {', '.join(TOPICS)}")
    rows = _default(project)
    return rows[rows["topic"] == name].reset_index(drop=True)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern, PATTERN_FLAGS)
    except re.error:
        return False
    return True


def _not_figures_schema() -> pa.DataFrameSchema:
    text = pa.Check.str_length(min_value=1, error="empty")
    rules = ", ".join(NOT_FIGURE_RULES)
    return pa.DataFrameSchema(
        {
            "rule": pa.Column(str, pa.Check.isin(NOT_FIGURE_RULES, error=f"rule not one of: {rules}")),
            "pattern": pa.Column(str, [text, pa.Check(lambda s: s.map(_compiles), element_wise=False,
                                                      error="not a valid regular expression")]),
            "example": pa.Column(str, text),
            "fact": pa.Column(str, pa.Check.str_matches(r"^([a-z][a-z0-9_]*)?$", error="not a snake_case id")),
            "reason": pa.Column(str, text),
        },
        strict=True,
    )


def _exclusion_problems(frame: pd.DataFrame, raw_text: str, file: str, project=None) -> list[Problem]:
    """Each example occurs in the report and its pattern matches there; a `repeat` names the figure it repeats."""
    problems = []
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if row.example not in raw_text:
            problems.append(Problem(file, i, "example", row.example, "example not found verbatim in the report text"))
        if not re.search(row.pattern, row.example, PATTERN_FLAGS):
            problems.append(Problem(file, i, "pattern", row.pattern, "pattern does not match its example"))
        if (row.rule == "repeat") != bool(row.fact):
            problems.append(Problem(file, i, "fact", row.fact,
                                    "a repeat names the figure it repeats; other rules name none"))
        elif row.fact and row.fact not in _by_id(project):
            problems.append(Problem(file, i, "fact", row.fact,
                                    f"no figure with this id in {paths.inputs(project).facts_csv.name}"))
    return problems


def not_figures(path: Path | None = None, *, project=None) -> pd.DataFrame:
    """The numbers in the report that are not figures, as named rules: one pattern per row (columns as in
    NOT_FIGURE_COLUMNS) plus `regex`, the pattern compiled with PATTERN_FLAGS. Raises DataError listing every
    problem by file, spreadsheet row and column. `path` default: the project's (`project` default: the current)."""
    inputs = paths.inputs(project)
    path = Path(path) if path is not None else inputs.not_figures_csv
    file = str(path)
    frame = read_table(path, _not_figures_schema())
    problems = _exclusion_problems(frame, _report_text(inputs.report_text), file, project)
    if problems:
        raise DataError(problems)
    frame = frame[list(NOT_FIGURE_COLUMNS)].copy()
    frame["regex"] = [re.compile(pattern, PATTERN_FLAGS) for pattern in frame["pattern"]]
    return frame


def origin(project=None) -> dict:
    """The raw report text's origin record (producer, title, date, terms of use, sha256 …)."""
    return _json(paths.inputs(project).report_origin)


@cache.keyed
def _json(file: Path) -> dict:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(Problem(str(file), None, None, None, f"cannot read the origin record: {exc}")) from exc


def _report_date() -> dt.date:
    return dt.date.fromisoformat(origin()["date"])


# ---------------------------------------------------------------------------------------------- district targets

DISTRICT_TARGET_COLUMNS = ("district_code", "name_as_printed", "target", "year", "counted_in", "section", "quote")
DISTRICT_TARGETS = ("hoan_thanh_nhiem_vu", "dat_chuan")


def _district_targets_schema() -> pa.DataFrameSchema:
    text = pa.Check.str_length(min_value=1, error="empty")
    return pa.DataFrameSchema({
        "district_code": pa.Column(str, pa.Check.str_matches(r"^\d{3}$", error="not a 3-digit district code"),
                                   unique=True, report_duplicates="all"),
        "name_as_printed": pa.Column(str, text),
        "target": pa.Column(str, pa.Check.isin(list(DISTRICT_TARGETS),
                                               error=f"target not one of: {', '.join(DISTRICT_TARGETS)}")),
        "year": pa.Column(int, coerce=True),
        "counted_in": pa.Column(str, text),
        "section": pa.Column(str, text),
        "quote": pa.Column(str, text),
    }, strict=True)


def read_district_targets(path: Path | None = None, *, project=None) -> pd.DataFrame:
    """The district-level targets of footnote 1, validated against the report text, the 2021 districts and the
    count they make up. `path` default: the project's (`project` default: the current)."""
    from ntm_analysis.data import reference

    inputs = paths.inputs(project)
    path = Path(path) if path is not None else inputs.district_targets_csv
    file = str(path)
    frame = read_table(path, _district_targets_schema())
    problems: list[Problem] = []
    raw = _report_text(inputs.report_text)
    districts = set(reference.units(project)["district_code"])
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if row.quote not in raw:
            problems.append(Problem(file, i, "quote", row.quote, "quote not found verbatim in the report text"))
        if row.name_as_printed not in row.quote:
            problems.append(Problem(file, i, "name_as_printed", row.name_as_printed, "name does not occur in its quote"))
        if row.district_code not in districts:
            problems.append(Problem(file, i, "district_code", row.district_code, "not a district of the 2021 list"))
    for counted, rows in frame.groupby("counted_in"):
        if counted not in _by_id(project):
            problems.append(Problem(file, None, "counted_in", counted, "not a figure of the facts table"))
        elif len(rows) != get(counted, project).value:
            problems.append(Problem(file, None, "counted_in", counted,
                                    f"{len(rows)} rows, but the figure counts {get(counted, project).value:g} units"))
    if problems:
        raise DataError(problems)
    frame["year"] = frame["year"].astype(int)
    return frame[list(DISTRICT_TARGET_COLUMNS)]


def district_targets(project=None) -> pd.DataFrame:
    inputs = paths.inputs(project)
    return _district_targets(inputs.district_targets_csv, inputs.report_text, inputs.facts_csv, inputs.units_csv,
                             inputs)


@cache.keyed
def _district_targets(path: Path, report_text: Path, facts_csv: Path, units_csv: Path, inputs) -> pd.DataFrame:
    return read_district_targets(path, project=inputs)
