"""Commune-level NTM data: one row per commune (xã) and year, read from an analyst's CSV or Excel file.

`inspect` reads a file as an office keeps it (communes_layout finds the table, communes_names matches names) and
says how it read it; `read` returns the normalised frame or raises a DataError listing every problem, each with the
spreadsheet row, the column as written in the file and the offending value. `validate` is the pure part: a raw frame
of text cells (one column per header) → the normalised frame.

Normalised columns: commune_code, commune_name, district_code, district_name, year, c01..c19 (bool), level
(recognised level, one of LEVELS — recognition is apart from criteria met: a commune recognised with fewer than 19
criteria met is valid data), criteria_met (0-19), band (one of BANDS), villages_total, villages_standard,
villages_model (Int64), income (triệu đồng/người/năm), poverty_rate (%) (float, NaN when blank), criteria_set
("2016_2020" up to 2021, "2021_2025" from 2022, unless the file's "Bộ tiêu chí" column says otherwise),
year_recognised (Int64) and decision (string). `frame.attrs["origin"]` says where the data came from and whether it
is synthetic.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ntm_analysis.data.communes import layout
from ntm_analysis.data.communes import names
from ntm_analysis import i18n, paths
from ntm_analysis.data import cache, reference
from ntm_analysis.data import synthetic as synthetic_data
from ntm_analysis.data.communes.text import CRITERIA, CRITERIA_COLUMNS, CommuneProblem, canonical, criterion_number, header_key
from ntm_analysis.data.communes.text import problem, value_key
from ntm_analysis.data.communes import text as communes_text
from ntm_analysis.data.communes.text import text as problem_text
from ntm_analysis.errors import DataError, Problem

LEVELS = ("chua_dat", "dat_chuan", "nang_cao", "kieu_mau")
#: Criteria-met bands as the report counts them, best first: (id, lowest, highest).
BANDS = (("19", 19, 19), ("15-18", 15, 18), ("10-14", 10, 14), ("5-9", 5, 9), ("0-4", 0, 4))
CRITERIA_SETS = ("2016_2020", "2021_2025")
YEARS = (2010, 2035)
#: Income above this (triệu đồng/người/năm) is taken for a unit mistake (đồng or nghìn đồng instead of triệu).
INCOME_MAX = 500.0

LABELS = i18n.catalogue("communes")

# Template headers (Vietnamese), in template order. Optional columns may be left blank.
HEADERS = {
    "commune_code": "Mã xã",
    "commune_name": "Tên xã",
    "district_name": "Huyện",
    "year": "Năm",
    **{f"c{n:02d}": f"TC{n:02d} {name}" for n, name in zip(CRITERIA, [
        "Quy hoạch", "Giao thông", "Thủy lợi", "Điện", "Trường học", "Cơ sở vật chất văn hóa",
        "Cơ sở hạ tầng thương mại nông thôn", "Thông tin và Truyền thông", "Nhà ở dân cư", "Thu nhập", "Hộ nghèo",
        "Lao động có việc làm", "Tổ chức sản xuất", "Giáo dục và Đào tạo", "Y tế", "Văn hóa",
        "Môi trường và an toàn thực phẩm", "Hệ thống chính trị và tiếp cận pháp luật", "Quốc phòng và An ninh",
    ])},
    "level": "Mức đạt chuẩn",
    "villages_total": "Số thôn",
    "villages_standard": "Thôn đạt chuẩn",
    "villages_model": "Thôn kiểu mẫu",
    "income": "Thu nhập bình quân (triệu đồng/người/năm)",
    "poverty_rate": "Tỷ lệ hộ nghèo đa chiều (%)",
}
#: Optional columns beyond the template's (recognition and criteria set), as --normalised writes them.
EXTRA_HEADERS = {"criteria_set": "Bộ tiêu chí", "year_recognised": "Năm công nhận", "decision": "Quyết định công nhận",
                 "criteria_met_declared": "Số tiêu chí đạt"}
REQUIRED = ["year", *CRITERIA_COLUMNS, "level"]
OPTIONAL_INT = ["villages_total", "villages_standard", "villages_model"]
OPTIONAL_FLOAT = ["income", "poverty_rate"]

_MET = {"dat", "x", "true", "co", "yes", "y", "met", "d", "datchuan"}
_NOT_MET = {"", "chuadat", "khongdat", "false", "khong", "no", "n", "notmet", "cd", "kd", "chuadatchuan"}
_UNSURE = ("dukien", "denghi", "kehoach", "phandau", "chuacongnhan", "dangxet", "expected", "proposed", "planned")
# Recognised level spellings, checked in this order (so "chưa đạt chuẩn" is not read as "đạt chuẩn").
_LEVEL_WORDS = (
    ("chua_dat", ("chuadat", "khongdat", "notmet")),
    ("kieu_mau", ("kieumau", "model")),
    ("nang_cao", ("nangcao", "advanced")),
    ("dat_chuan", ("datchuan", "standard", "dat")),
)

# Value ranges of the numeric columns, declared once (pandera); the error is the message key.
_RANGES = pa.DataFrameSchema(
    {
        "year": pa.Column("Int64", pa.Check.in_range(*YEARS, error="year_range"), nullable=True),
        "year_recognised": pa.Column("Int64", pa.Check.in_range(*YEARS, error="year_range"), nullable=True),
        **{c: pa.Column("Int64", pa.Check.ge(0, error="negative"), nullable=True) for c in OPTIONAL_INT},
        "income": pa.Column(float, [pa.Check.gt(0, error="income_low"), pa.Check.le(INCOME_MAX, error="income_high")],
                            nullable=True),
        "poverty_rate": pa.Column(float, pa.Check.in_range(0, 100, error="poverty_range"), nullable=True),
    },
    strict=False,
)
_RANGE_PARAMS = {"year_range": {"low": YEARS[0], "high": YEARS[1]}, "income_high": {"max": f"{INCOME_MAX:g}"}}


_BY_NAME = "Mã xã (theo tên)"  # the code column matched from names


class _Bad(ValueError):
    """A cell a parser refuses: the message key (communes_text.MESSAGES)."""


# ---------------------------------------------------------------------------------------------------------- reading

@dataclass
class Reading:
    """How a file was read: the frame (None when there are problems), the problems, and notes for `ntm validate`
    (sheets and header rows, column mapping, rows skipped and why, name matches made)."""

    file: str
    frame: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[CommuneProblem] = field(default_factory=list)


def inspect(path: Path | str) -> Reading:
    """Read a commune file and say how it was read. Never raises: every failure is a problem."""
    path = Path(path)
    reading = Reading(str(path))
    try:
        _inspect(path, reading)
    except DataError as error:  # e.g. an unreadable .meta.json beside the file
        reading.problems += error.problems
    except Exception as error:  # the last guard: no input may end in a traceback
        reading.problems.append(problem(reading.file, None, None, None, "unexpected",
                                        error=f"{type(error).__name__}: {error}"[:200]))
    if reading.problems:
        reading.frame = None
    return reading


def read(path: Path | str) -> pd.DataFrame:
    """Read a commune file (.csv UTF-8 with or without BOM, or .xlsx), normalise and validate it."""
    reading = inspect(path)
    if reading.problems:
        raise DataError(reading.problems)
    return reading.frame


def problems(path: Path | str) -> list[Problem]:
    """Every problem in a commune file ([] if it is clean): for `ntm validate`."""
    return inspect(path).problems


def load_default(project=None) -> pd.DataFrame:
    """The project's default commune file (`project` default: the current one, see paths.Inputs): the shipped
    SYNTHETIC demonstration dataset (2021, 139 communes). Names and codes are checked against the current
    project's reference list."""
    inputs = paths.inputs(project)
    return _load_default(inputs.demo_communes, inputs.demo_communes_meta, paths.inputs().units_csv).copy()


@cache.keyed
def _load_default(file: Path, meta: Path, units_csv: Path) -> pd.DataFrame:
    """Cached by the file, its metadata and the reference list it is read against."""
    return read(file)


def _inspect(path: Path, reading: Reading) -> None:
    file = reading.file
    if not path.is_file():
        reading.problems.append(problem(file, None, None, None, "file_not_found"))
        return
    data = path.read_bytes()
    suffix = path.suffix.lower()
    found: list[Problem] = []
    if suffix == ".csv":
        grid = layout.csv_grid(data, file=file, found=found)
        grids = [grid] if grid else []
    elif suffix in (".xlsx", ".xlsm"):
        grids = layout.xlsx_grids(data, file=file, found=found)
    elif suffix == ".xls":
        found.append(problem(file, None, None, None, "xls"))
        grids = []
    else:
        found.append(problem(file, None, None, None, "file_type", suffix=repr(suffix)))
        grids = []
    if found:
        reading.problems += found
        return
    tables, skipped = [], []
    for grid in grids:
        table = layout.find_table(grid)
        if table is None:
            skipped.append(grid)
        else:
            tables.append(table)
    several = len(tables) > 1
    for grid in skipped:
        if tables and _looks_like_data(grid):
            reading.problems.append(problem(file, None, None, None, "sheet_unread", sheet=grid.sheet))
        elif grid.sheet is not None:
            reading.notes.append(problem(file, None, None, None, "sheet_skipped", sheet=grid.sheet))
    if not tables:
        reading.problems += _no_table(grids, file=file)
        return
    frames = []
    for table in tables:
        where = f"{file} [{table.sheet}]" if several else file
        frame = _read_table(table, file=where, reading=reading, several=several)
        if frame is not None:
            frames.append((where, frame))
    if reading.problems:
        return
    if not frames:
        reading.problems.append(problem(file, None, None, None, "no_rows"))
        return
    combined = pd.concat([f for _, f in frames], ignore_index=True)
    reading.problems += _duplicates_across(frames)
    if reading.problems:
        return
    combined = combined.sort_values(["year", "commune_code"]).reset_index(drop=True)
    combined.attrs["origin"] = _origin(path, data)
    reading.frame = combined


def _looks_like_data(grid) -> bool:
    """A sheet without a header that still holds commune codes or names (so it must not be skipped silently)."""
    codes = set(reference.communes()["code"])
    known = names.names()
    hits = sum(1 for _, cells in grid.rows for c in cells if c.strip().zfill(5) in codes or names.bare(c) in known)
    marks = sum(1 for _, cells in grid.rows for c in cells if value_key(c) in _MET | {"chuadat", "cd"} or c in "✓✔")
    return hits >= 3 and marks >= 5


def _no_table(grids, *, file: str) -> list[Problem]:
    """No header found: list what the likeliest header row lacks, or say what was searched."""
    best = None
    for grid in grids:
        for number, cells in grid.rows[:layout.HEADER_SEARCH]:
            found = {canonical(c) for c in cells} - {None}
            if len(found) >= 2 and (best is None or len(found) > best[0]):
                best = (len(found), number, cells)
    if best is None:
        sheets = ", ".join(g.sheet for g in grids if g.sheet) or "—"
        return [problem(file, None, None, None, "no_table", sheets=sheets)]
    out: list[Problem] = []
    _map_headers(best[2], file=file, row=best[1], found=out)
    return out


def _read_table(table: layout.Table, *, file: str, reading: Reading, several: bool = False) -> pd.DataFrame | None:
    """One table → its normalised frame (problems go to `reading`)."""
    found: list[Problem] = []
    header_row = table.header_rows[-1]
    columns = _map_headers(table.header, file=file, row=header_row, found=found, check_required=False)
    if table.sheet and layout.district_of(table.sheet):
        table.district = layout.district_of(table.sheet)
    notes = layout.sort_rows(table, columns, names.names(), file=file)
    if not table.rows and notes and several:  # a summary sheet of district rows only, beside the district sheets
        reading.notes.append(problem(file, None, None, None, "sheet_skipped", sheet=table.sheet))
        reading.notes += notes
        return None
    rows_label = "–".join(str(r) for r in table.header_rows)
    reading.notes.append(problem(file, header_row, None, None, "sheet_read", sheet=table.sheet or Path(file).name,
                                 rows=rows_label, n=len(table.rows)))
    for position, header in enumerate(table.header):
        name = next((c for c, p in columns.items() if p == position), None)
        if header:
            reading.notes.append(problem(file, header_row, header, None, "mapping" if name else "ignored",
                                         header=header, name=name))
        if position in getattr(table, "hidden", set()) and header:
            from openpyxl.utils import get_column_letter
            reading.notes.append(problem(file, header_row, header, None, "hidden" if name else "hidden_unused",
                                         header=header, letter=get_column_letter(position + 1), name=name))
    for position in sorted(getattr(table, "percent", set())):
        if position < len(table.header) and position in columns.values():
            reading.notes.append(problem(file, header_row, table.header[position], None, "percent",
                                         header=table.header[position]))
    if getattr(table, "hidden_rows", None):
        reading.notes.append(problem(file, None, None, None, "hidden_rows",
                                     rows=", ".join(map(str, table.hidden_rows[:20]))))
    reading.notes += notes
    width = len(table.header)
    while width and not table.header[width - 1]:
        width -= 1
    body = []
    for number, cells in table.rows:
        if table.lengths:
            n = table.lengths.get(number, len(cells))
            if n < width:
                found.append(problem(file, number, None, n, "short_row", n=n, width=width))
            elif n > len(table.header) and any(v.strip() for v in cells[len(table.header):]):
                found.append(problem(file, number, None, n, "long_row", n=n, width=len(table.header)))
        for position, cell in enumerate(cells):
            if cell == "\x00formula":
                column = table.header[position] if position < len(table.header) else None
                found.append(problem(file, number, column or f"({position + 1})", None, "formula"))
        body.append([("" if c == "\x00formula" else c) for c in cells] + [""] * (len(table.header) - len(cells)))
    header = [h if h else f"(column {n + 1})" for n, h in enumerate(table.header)]
    raw = pd.DataFrame([r[: len(header)] for r in body], columns=header, dtype=object)
    raw.index = [number for number, _ in table.rows]

    if "criterion" in columns and "status" in columns and not any(c in columns for c in CRITERIA_COLUMNS):
        raw, columns, header = _pivot(raw, columns, file=file, found=found)
        reading.notes.append(problem(file, header_row, None, None, "long_pivot"))
    year, line, years = layout.title_year(table)
    if "year" not in columns:
        if year is None:
            found.append(problem(file, header_row, "Năm", None, "year_missing",
                                 found=", ".join(map(str, years)) or "—"))
        else:
            raw["Năm (tiêu đề)"] = str(year)
            columns["year"] = len(raw.columns) - 1
            reading.notes.append(problem(file, None, None, None, "year_title", year=year, text=line))
    elif year is not None:
        cells = raw.iloc[:, columns["year"]]
        if (cells.map(lambda v: not str(v).strip())).any():
            raw.iloc[:, columns["year"]] = cells.map(lambda v: v if str(v).strip() else str(year))
            reading.notes.append(problem(file, None, None, None, "year_title", year=year, text=line))
    hints = table.row_district
    if hints and "district_code" not in columns and "district_name" not in columns:
        shown = ", ".join(sorted({reference.unit_name(c) for c in hints.values()}))
        reading.notes.append(problem(file, None, None, None, "district_group", district=shown))
    if "commune_code" in columns and "commune_name" in columns and \
            not raw.iloc[:, columns["commune_code"]].map(lambda v: str(v).strip()).any():
        del columns["commune_code"]  # offices often leave the code column empty: match the names
        reading.notes.append(problem(file, header_row, None, None, "code_column_blank"))
    if "commune_code" not in columns:
        if "commune_name" not in columns:
            found.append(problem(file, header_row, HEADERS["commune_code"], None, "missing_identity"))
        else:
            raw, columns = _codes_from_names(raw, columns, hints, file=file, found=found, reading=reading)
    try:
        frame = validate(raw, file=file, columns=columns, found=found, row_district=hints, header_row=header_row)
    except DataError as error:  # a name not matched is already reported on the name column
        reading.problems += [p for p in error.problems
                             if not (p.column == _BY_NAME and getattr(p, "kind", "") == "code_blank")]
        return None
    return frame


def _codes_from_names(raw, columns, hints, *, file, found, reading):
    """Add a code column matched from the commune names (within the row's district when known)."""
    name_at = columns["commune_name"]
    header = raw.columns[name_at]
    codes = {}
    for row, written in raw.iloc[:, name_at].items():
        written = str(written).strip()
        if not written:
            found.append(problem(file, row, header, None, "code_blank"))
            continue
        district = _row_district(raw, columns, row) or hints.get(row)
        code, kind, candidates = names.match(written, district)
        if code is None:
            within = f" ({reference.unit_name(district)})" if district else ""
            found.append(problem(file, row, header, written, kind, within=within,  # (nearest candidates)
                                 candidates="; ".join(candidates) or "—"))
            continue
        codes[row] = code
        unit = reference.communes().set_index("code").loc[code]
        reading.notes.append(problem(file, row, header, None, "name_match", written=written, code=code,
                                     name=unit["name"], district=unit["district_name"]))
    raw = raw.copy()
    raw[_BY_NAME] = [codes.get(row, "") for row in raw.index]
    columns = {**columns, "commune_code": len(raw.columns) - 1}
    return raw, columns


def _row_district(raw, columns, row) -> str | None:
    if "district_code" in columns:
        text = str(raw.at[row, raw.columns[columns["district_code"]]]).strip()
        if text.isdigit() and text.zfill(3) in set(reference.districts()["code"]):
            return text.zfill(3)
    if "district_name" in columns:
        return layout.district_of(str(raw.at[row, raw.columns[columns["district_name"]]]))
    return None


def _pivot(raw, columns, *, file, found):
    """Long format (one row per commune and criterion) → one row per commune-year, marks checked on their own rows."""
    keys = [c for c in ("commune_code", "commune_name", "district_code", "district_name", "year") if c in columns]
    crit_col, status_col = raw.columns[columns["criterion"]], raw.columns[columns["status"]]
    groups: dict[tuple, dict] = {}
    for row in raw.index:
        key = tuple(str(raw.at[row, raw.columns[columns[k]]]).strip() for k in keys)
        group = groups.setdefault(key, {"row": row, "marks": {}, "level": {}, "first": {}})
        number = criterion_number(raw.at[row, crit_col]) or 0
        if not 1 <= number <= 19:
            found.append(problem(file, row, crit_col, raw.at[row, crit_col], "long_criterion"))
            continue
        if number in group["marks"]:
            found.append(problem(file, row, crit_col, raw.at[row, crit_col], "long_twice", n=number,
                                 first=group["first"][number]))
            continue
        try:
            group["marks"][number] = "Đạt" if _met(str(raw.at[row, status_col])) else "Chưa đạt"
        except _Bad as bad:
            found.append(problem(file, row, status_col, raw.at[row, status_col], str(bad)))
            group["marks"][number] = ""
        group["first"][number] = row
        if "level" in columns:
            group["level"][row] = str(raw.at[row, raw.columns[columns["level"]]]).strip()
    rows, index = [], []
    for key, group in groups.items():
        missing = [n for n in CRITERIA if n not in group["marks"]]
        if missing:
            found.append(problem(file, group["row"], crit_col, None, "long_missing",
                                 missing=", ".join(map(str, missing))))
        levels = {v for v in group["level"].values() if v}
        if len(levels) > 1:
            found.append(problem(file, group["row"], raw.columns[columns["level"]], " / ".join(sorted(levels)),
                                 "long_level"))
        rows.append([*key, *[group["marks"].get(n, "") for n in CRITERIA], next(iter(levels), "")])
        index.append(group["row"])
    header = [raw.columns[columns[k]] for k in keys] + [HEADERS[c] for c in CRITERIA_COLUMNS] + \
        [raw.columns[columns["level"]] if "level" in columns else HEADERS["level"]]
    wide = pd.DataFrame(rows, columns=header, index=index, dtype=object)
    new_columns = {k: n for n, k in enumerate(keys)}
    new_columns |= {c: len(keys) + n for n, c in enumerate(CRITERIA_COLUMNS)}
    if "level" in columns:
        new_columns["level"] = len(header) - 1
    return wide, new_columns, header


# ------------------------------------------------------------------------------------------------------- validating

def validate(frame: pd.DataFrame, *, file: str, first_row: int = 2, columns: dict[str, int] | None = None,
             found: list[Problem] | None = None, row_district: dict[int, str] | None = None,
             header_row: int | None = None) -> pd.DataFrame:
    """Normalise and validate a raw frame (one column per header as written, cells as text or numbers).
    Row numbers in problems count from `first_row` (the spreadsheet row of the frame's first row) unless
    `columns` is given, in which case the frame's index holds the rows and `columns` the mapping.
    Raises DataError with every problem found; returns the normalised frame otherwise."""
    found = [] if found is None else found
    raw = frame.copy()
    public = columns is None
    if columns is None:
        columns = _map_headers(list(frame.columns), file=file, row=first_row - 1, found=found)
        raw.index = range(first_row, first_row + len(raw))
    else:
        columns = dict(columns)
    flag = "level" not in columns and "level_flag" in columns  # a "Đạt chuẩn NTM" column of x marks
    if flag:
        columns["level"] = columns.pop("level_flag")
    if not public:
        reported = {"year"} if any(getattr(p, "kind", "") == "year_missing" for p in found) else set()
        for canonical_name in REQUIRED:
            if canonical_name not in columns and canonical_name not in reported:
                found.append(problem(file, header_row, HEADERS[canonical_name], None, "missing_column",
                                     header=HEADERS[canonical_name], name=canonical_name))
    raw = raw.loc[[any(_cell_text(v).strip() for v in row) for row in raw.itertuples(index=False)]]
    if raw.empty:
        found.append(problem(file, None, None, None, "no_rows"))
    if "commune_code" not in columns and not found:
        found.append(problem(file, first_row - 1, HEADERS["commune_code"], None, "missing_column",
                             header=HEADERS["commune_code"], name="commune_code"))
    header = {name: str(raw.columns[position]) for name, position in columns.items()}

    def parse(name: str, parser, dtype) -> pd.Series:
        """One column through its cell parser; a cell it rejects becomes a Problem and a missing value."""
        if name not in columns:
            return pd.Series(pd.NA, index=raw.index, dtype=dtype)
        values = {}
        for row, value in raw.iloc[:, columns[name]].items():
            text = _cell_text(value)
            try:
                values[row] = parser(text)
            except _Bad as bad:
                found.append(problem(file, row, header[name], text, str(bad)))
                values[row] = None
        return pd.Series(values, index=raw.index, dtype=object).astype(dtype)

    out = pd.DataFrame(index=raw.index)
    out["commune_code"] = parse("commune_code", _code, "string")
    out["year"] = parse("year", _year, "Int64")
    for c in CRITERIA_COLUMNS:
        out[c] = parse(c, _met, "boolean")
    out["level"] = parse("level", _level_flag if flag else _level, "string")
    for c in OPTIONAL_INT:
        out[c] = parse(c, _integer, "Int64")
    for c in OPTIONAL_FLOAT:
        out[c] = parse(c, _number, "Float64").astype(float)
    out["criteria_set"] = parse("criteria_set", _criteria_set, "string")
    out["year_recognised"] = parse("year_recognised", _year, "Int64")
    out["decision"] = parse("decision", lambda t: t.strip() or None, "string")
    out["criteria_met_declared"] = parse("criteria_met_declared", _integer, "Int64")

    if "year" in columns:
        for row in out.index[out["year"].isna()]:
            if not any(p.row == row and p.column == header["year"] for p in found):
                found.append(problem(file, row, header["year"], None, "year_blank"))
    found += _range_problems(out, header, file=file)
    found += _reference_problems(out, raw, columns, header, file=file, row_district=row_district or {})
    found += _consistency_problems(out, header, file=file)
    if found:
        raise DataError(sorted(found, key=lambda p: (p.row or 0, p.column or "")))
    result = _finish(out)
    result.attrs = dict(frame.attrs)
    return result


def _map_headers(headers: list, *, file: str, row: int, found: list[Problem], check_required: bool = True
                 ) -> dict[str, int]:
    """Canonical column → position in the raw frame; records duplicate and out-of-range headers, and missing
    required ones (`row`: the header's spreadsheet row)."""
    columns: dict[str, int] = {}
    for position, written in enumerate(headers):
        name = canonical(written)
        if name is None:
            match = re.match(r"^(?:tc|c|tieuchi(?:so)?|criterion|criteria)0*(\d+)(?:[a-z].*)?$", header_key(written))
            if match:
                found.append(problem(file, row, str(written), None, "criterion_range", n=int(match.group(1))))
            continue
        if name in columns:
            found.append(problem(file, row, str(written), None, "twice", first=headers[columns[name]], name=name))
            continue
        columns[name] = position
    if check_required:
        if "commune_code" not in columns and "commune_name" not in columns:
            found.append(problem(file, row, HEADERS["commune_code"], None, "missing_column",
                                 header=HEADERS["commune_code"], name="commune_code"))
        for name in REQUIRED:
            if name not in columns and not (name == "level" and "level_flag" in columns):
                found.append(problem(file, row, HEADERS[name], None, "missing_column", header=HEADERS[name],
                                     name=name))
    return columns


def _canonical(header: object) -> str | None:
    return canonical(header)


def _range_problems(out: pd.DataFrame, header: dict[str, str], *, file: str) -> list[Problem]:
    try:
        _RANGES.validate(out, lazy=True)
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases.dropna(subset=["index"])
        return [problem(file, int(case.index), header.get(case.column, case.column), _plain(case.failure_case),
                        case.check, **_RANGE_PARAMS.get(case.check, {})) for case in cases.itertuples()]
    return []


def _reference_problems(out: pd.DataFrame, raw: pd.DataFrame, columns: dict[str, int], header: dict[str, str],
                        *, file: str, row_district: dict[int, str]) -> list[Problem]:
    """Codes that are not communes, names that contradict the code, duplicate commune-years."""
    found: list[Problem] = []
    units = reference.units().set_index("unit_code")
    if "commune_code" not in columns:
        return found
    code_col = header["commune_code"]
    for row, code in out["commune_code"].dropna().items():
        if code not in units.index:
            found.append(problem(file, row, code_col, code, "code_unknown"))
        elif units.at[code, "unit_type"] != "Xã":
            unit = units.loc[code]
            found.append(problem(file, row, code_col, code, "not_commune", unit=unit.unit_name,
                                 type=unit.unit_type.lower()))
        else:
            found += _name_problems(units.loc[code], raw.loc[row], columns, header, row=row, file=file,
                                    hint=row_district.get(row))
    keyed = out.dropna(subset=["commune_code", "year"])
    first_seen: dict[tuple, int] = {}
    for row, code, year in zip(keyed.index, keyed["commune_code"], keyed["year"]):
        if (code, year) in first_seen:
            found.append(problem(file, row, code_col, code, "duplicate", code=code, year=year,
                                 first=first_seen[code, year]))
        else:
            first_seen[code, year] = row
    return found


def _name_problems(unit: pd.Series, raw_row: pd.Series, columns: dict[str, int], header: dict[str, str],
                   *, row: int, file: str, hint: str | None) -> list[Problem]:
    found = []
    params = {"code": unit.name, "unit": unit.unit_name, "district": unit.district_name}
    if "commune_name" in columns:
        text = _cell_text(raw_row.iloc[columns["commune_name"]]).strip()
        if text and not names.abbreviation_of(text, unit.unit_name):
            found.append(problem(file, row, header["commune_name"], text, "contradicts", **params))
    if "district_name" in columns:
        text = _cell_text(raw_row.iloc[columns["district_name"]]).strip()
        if text and layout.district_of(text) != unit.district_code:
            found.append(problem(file, row, header["district_name"], text, "contradicts", **params))
    if "district_code" in columns:
        text = _cell_text(raw_row.iloc[columns["district_code"]]).strip()
        if text and (text.zfill(3) if text.isdigit() else text) != unit.district_code:
            found.append(problem(file, row, header["district_code"], text, "contradicts", **params))
    if hint and hint != unit.district_code and "district_name" not in columns and "district_code" not in columns:
        found.append(problem(file, row, header["commune_code"], unit.name, "contradicts",
                             **{**params, "code": f"{unit.name} ≠ {reference.unit_name(hint)}"}))
    return found


def _consistency_problems(out: pd.DataFrame, header: dict[str, str], *, file: str) -> list[Problem]:
    """Only what is truly impossible: recognition apart from criteria met is valid (see the module docstring)."""
    found = []
    known = out[CRITERIA_COLUMNS].notna().all(axis=1)
    met = out[CRITERIA_COLUMNS].fillna(False).astype(bool).sum(axis=1)
    declared = out["criteria_met_declared"]
    for row in out.index[(known & declared.notna() & (declared != met)).fillna(False).to_numpy(dtype=bool)]:
        found.append(problem(file, row, header["criteria_met_declared"], int(declared[row]), "declared_mismatch",
                             declared=int(declared[row]), counted=int(met[row])))
    early = ((out["criteria_set"] == "2021_2025") & (out["year"] < 2022)).fillna(False).to_numpy(dtype=bool)
    for row in out.index[early]:
        found.append(problem(file, row, header["criteria_set"], out.at[row, "criteria_set"], "criteria_set_year",
                             year=int(out.at[row, "year"])))
    late = (out["year_recognised"] > out["year"]).fillna(False).to_numpy(dtype=bool)
    for row in out.index[late]:
        found.append(problem(file, row, header["year_recognised"], int(out.at[row, "year_recognised"]),
                             "recognised_after", recognised=int(out.at[row, "year_recognised"]),
                             year=int(out.at[row, "year"])))
    pairs = [("villages_standard", "villages_total", "villages_standard"),
             ("villages_model", "villages_total", "villages_model"),
             ("villages_model", "villages_standard", "villages_model_standard")]
    for part, whole, kind in pairs:
        bad = (out[part] > out[whole]).fillna(False).to_numpy(dtype=bool)
        for row in out.index[bad]:
            what = problem(file, row, None, None, kind).message
            found.append(CommuneProblem(file, row, header[part], int(out.at[row, part]),
                                        f"{what}: {out.at[row, part]} > {out.at[row, whole]}", kind=kind, params=()))
    return found


def _duplicates_across(frames: list[tuple[str, pd.DataFrame]]) -> list[Problem]:
    """The same commune-year on two sheets."""
    seen: dict[tuple, str] = {}
    found = []
    for where, frame in frames:
        for code, year in zip(frame["commune_code"], frame["year"]):
            if (code, year) in seen and seen[code, year] != where:
                found.append(problem(where, None, HEADERS["commune_code"], code, "duplicate", code=code, year=year,
                                     first=seen[code, year]))
            seen.setdefault((code, year), where)
    return found


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    table = reference.communes().set_index("code")
    frame = out.reset_index(drop=True)
    for column, source in (("commune_name", "name"), ("district_code", "district_code"),
                           ("district_name", "district_name")):
        frame[column] = frame["commune_code"].map(table[source]).astype(str)
    frame["year"] = frame["year"].astype(int)
    frame[CRITERIA_COLUMNS] = frame[CRITERIA_COLUMNS].astype(bool)
    frame["commune_code"] = frame["commune_code"].astype(str)
    frame["level"] = frame["level"].fillna("chua_dat").astype(str)
    frame["criteria_met"] = frame[CRITERIA_COLUMNS].sum(axis=1).astype(int)
    frame["band"] = frame["criteria_met"].map(band)
    default = frame["year"].map(lambda y: "2016_2020" if y <= 2021 else "2021_2025")
    frame["criteria_set"] = frame["criteria_set"].fillna(default).astype(str)
    order = ["commune_code", "commune_name", "district_code", "district_name", "year", *CRITERIA_COLUMNS, "level",
             "criteria_met", "band", *OPTIONAL_INT, *OPTIONAL_FLOAT, "criteria_set", "year_recognised", "decision"]
    return frame[order].sort_values(["year", "commune_code"]).reset_index(drop=True)


def _origin(path: Path, data: bytes) -> dict:
    meta_path = path.with_name(path.stem + ".meta.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(Problem(str(meta_path), None, None, None, f"unreadable metadata file ({error})")) from None
    synthetic = synthetic_data.is_synthetic(data, meta)  # by content (or metadata), never by name
    key = "origin_synthetic" if synthetic else "origin_file"
    description = meta.get("description") or {lang: LABELS[key][lang].format(name=path.name) for lang in i18n.languages()}
    try:
        shown = path.resolve().relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        shown = str(path.resolve())
    return {"file": shown, "sha256": hashlib.sha256(data).hexdigest(), "synthetic": synthetic,
            "title": meta.get("title", path.name), "description": description,
            "meta": meta_path.name if meta else None}


# --------------------------------------------------------------------------------------------------- cell parsers

def _code(text: str) -> str | None:
    text = text.strip().removeprefix("'")  # Excel's text marker
    if not text:
        raise _Bad("code_blank")
    if not text.isdigit() or len(text) > 5:
        raise _Bad("code_format")
    return text.zfill(5)  # a spreadsheet may have dropped the leading zero


def _year(text: str) -> int | None:
    """2021, 2021.0, an Excel date (2021-12-31) or 31/12/2021 → 2021."""
    stripped = text.strip()
    date = re.fullmatch(r"(\d{4})-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-](\d{4})|(?:năm|year)\s*(\d{4})", stripped.lower())
    if date:
        return int(date.group(1) or date.group(2) or date.group(3))
    return _integer(stripped)


def _integer(text: str) -> int | None:
    value = _number(text)
    if value is None:
        return None
    if value != int(value):
        raise _Bad("whole")
    if abs(value) > 2**53:  # beyond any count or year, and beyond what a column of integers holds
        raise _Bad("too_large")
    return int(value)


def _number(text: str) -> float | None:
    """'45,5' and '45.5' → 45.5; '1.234,5' and '1,234.5' → 1234.5; '25,8%' → 25.8. NaN and infinity are refused."""
    text = text.strip().replace("\u00a0", "").replace(" ", "").removesuffix("%")
    if not text:
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif text.count(",") > 1 or text.count(".") > 1:
        text = text.replace(",", "").replace(".", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?", text, flags=re.IGNORECASE):
        raise _Bad("not_finite" if text.lower().lstrip("+-") in ("nan", "inf", "infinity") else "number")
    value = float(text)
    if not math.isfinite(value):
        raise _Bad("not_finite")
    return value


def _unsure(text: str) -> bool:
    key = value_key(text)
    return "?" in text or any(word in key for word in _UNSURE)


def _met(text: str) -> bool:
    stripped = text.strip()
    if stripped in ("✓", "✔", "☑", "✅"):
        return True
    if re.fullmatch(r"[01](?:[.,]0*)?", stripped):
        return stripped[0] == "1"
    if _unsure(stripped):
        raise _Bad("mark_uncertain")
    key = value_key(stripped)  # blank and "-" give "" (not met)
    if key in _MET:
        return True
    if key in _NOT_MET:
        return False
    raise _Bad("mark")


def _level(text: str) -> str | None:
    if _unsure(text):
        raise _Bad("level_proposed")
    key = value_key(text)  # "Đạt chuẩn", "dat_chuan" and "DAT CHUAN" all give "datchuan"
    if not key:
        return None  # blank: not (yet) recognised
    for level, words in _LEVEL_WORDS:
        if any(word in key for word in words):
            return level
    raise _Bad("level")


def _level_flag(text: str) -> str | None:
    """A 'Đạt chuẩn NTM' column: a mark means recognised as standard, blank or not met means not recognised."""
    if _unsure(text):
        raise _Bad("level_proposed")
    try:
        return "dat_chuan" if _met(text) else None
    except _Bad:
        return _level(text)


def _criteria_set(text: str) -> str | None:
    key = value_key(text)
    if not key:
        return None
    if "1980" in key or "20162020" in key or key == "20162020":
        return "2016_2020"
    if "318" in key or "20212025" in key:
        return "2021_2025"
    raise _Bad("criteria_set")


# -------------------------------------------------------------------------------------------------------- helpers

def _cell_text(value: object) -> str:
    """A cell as text: numbers from Excel lose a trailing '.0', booleans read TRUE/FALSE, None is blank."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return layout.cell_text(value)


def _plain(value: object) -> object:
    """A failure case as a plain Python value (2040.0 → 2040)."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def band(criteria_met: int) -> str:
    """The report's band for a number of criteria met: '19', '15-18', '10-14', '5-9' or '0-4'."""
    return next(name for name, low, high in BANDS if low <= criteria_met <= high)


def how_read(reading: Reading, lang: str = "vi") -> list[str]:
    """How the file was read, as lines for `ntm validate`: per sheet its header rows and one line of column
    mapping, then rows skipped and name matches (each with its row)."""
    from ntm_analysis.data.communes.text import render

    lines, mapping = [], []

    def flush():
        if mapping:
            lines.append("    " + "; ".join(mapping))
            mapping.clear()

    for note in reading.notes:
        params = dict(note.params)
        if note.kind in ("mapping", "ignored"):
            mapping.append(f"'{params['header']}' → {params['name'] or '—'}")
            continue
        flush()
        message = render(note.kind, params, lang)
        where = f"{i18n.text(communes_text.LABELS, 'where_row', lang, row=note.row)}: " if note.row and note.kind not in (
            "sheet_read", "hidden", "hidden_unused", "percent") else ""
        lines.append(f"  · {where}{message}")
    flush()
    return lines


def describe(found: Problem, lang: str = "vi") -> str:
    """A problem or note in the user's language."""
    return problem_text(found, lang)


# ------------------------------------------------------------------------------------------------- using the frame

def is_synthetic(frame: pd.DataFrame) -> bool:
    """True when the frame came from synthetic demonstration data (see attrs['origin'])."""
    return bool(frame.attrs.get("origin", {}).get("synthetic", False))


def for_unit(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The rows of a unit: the province → every commune; a district → its communes; else UnitError."""
    code = reference.check_unit(unit)
    if reference.is_province(code):
        return frame.copy()
    return frame[frame["district_code"] == code].reset_index(drop=True)


def coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Per district: communes in the file (any year) of the district's communes. Columns: district_code,
    district_name, communes (in the file), total (in the reference list), complete (bool)."""
    districts = reference.districts()
    present = frame.groupby("district_code")["commune_code"].nunique() if len(frame) else pd.Series(dtype=int)
    out = pd.DataFrame({"district_code": districts["code"], "district_name": districts["name_vi"],
                        "communes": districts["code"].map(present).fillna(0).astype(int),
                        "total": districts["communes"].astype(int)})
    out["complete"] = out["communes"] == out["total"]
    return out.reset_index(drop=True)


def unit_coverage(frame: pd.DataFrame, unit: str) -> tuple[int, int]:
    """(communes in the file, communes of the unit) for the province or a district: a report for a unit the file
    does not fully cover must say n of N and never compare its totals with the unit's official figures."""
    code = reference.check_unit(unit)
    table = coverage(frame)
    if not reference.is_province(code):
        table = table[table["district_code"] == code]
    return int(table["communes"].sum()), int(table["total"].sum())


def coverage_note(frame: pd.DataFrame, unit: str, lang: str = "vi") -> str:
    """'The commune file covers 14 of 139 communes of Cao Bằng' (or 'all 139'), for the report pages."""
    n, total = unit_coverage(frame, unit)
    key = "coverage_full" if n == total else "coverage_partial"
    return i18n.text(LABELS, key, lang, n=n, total=total, unit=reference.unit_name(unit, lang))


def template_frame(frame: pd.DataFrame | None = None, *, extra: bool = False) -> pd.DataFrame:
    """A normalised frame in the template's layout (Vietnamese headers and values), or the empty template.
    `extra` adds the recognition and criteria-set columns (EXTRA_HEADERS) as `ntm validate --normalised` writes."""
    frame = frame if frame is not None else pd.DataFrame(columns=list(HEADERS))
    text = pd.DataFrame(index=frame.index)
    text[HEADERS["commune_code"]] = frame["commune_code"].astype(str)
    text[HEADERS["commune_name"]] = frame["commune_name"].astype(str)
    text[HEADERS["district_name"]] = frame["district_name"].astype(str)
    text[HEADERS["year"]] = frame["year"].astype(str)
    for c in CRITERIA_COLUMNS:
        text[HEADERS[c]] = frame[c].map(lambda met: LABELS["met" if met else "not_met"]["vi"])
    text[HEADERS["level"]] = frame["level"].map(lambda lvl: LABELS[lvl]["vi"])
    for c in OPTIONAL_INT + OPTIONAL_FLOAT:
        text[HEADERS[c]] = frame[c].map(lambda v: "" if pd.isna(v) else f"{v:g}".replace(".", ","))
    if extra:
        sets = {"2016_2020": "QĐ 1980/QĐ-TTg (2016-2020)", "2021_2025": "QĐ 318/QĐ-TTg (2021-2025)"}
        text[EXTRA_HEADERS["criteria_set"]] = frame["criteria_set"].map(sets)
        text[EXTRA_HEADERS["year_recognised"]] = frame["year_recognised"].map(lambda v: "" if pd.isna(v) else str(v))
        text[EXTRA_HEADERS["decision"]] = frame["decision"].map(lambda v: "" if pd.isna(v) else str(v))
        text[EXTRA_HEADERS["criteria_met_declared"]] = frame["criteria_met"].astype(str)
    return text
