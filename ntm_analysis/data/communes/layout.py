"""How an office lays out a commune table: from a CSV or .xlsx file to tables of text cells.

Finds the header in the first 15 rows of each sheet (one row, or two rows with a "Tiêu chí" band over 1…19), reads
every sheet that holds commune rows, and sorts the rows below the header into commune rows and rows to skip (group
rows such as "I" / "Huyện Bảo Lâm", subtotals such as "Cộng", a column-numbering row, the signature block). Cells
become text as the spreadsheet shows them: a percent-formatted 0.258 is "25.8", an Excel date keeps its date.
Anything it cannot read surely is a problem (communes_text.problem), never a guess.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field

from ntm_analysis.data import reference
from ntm_analysis.data.communes.names import bare as _bare_commune
from ntm_analysis.data.communes.text import canonical, criterion_number, problem, value_key

HEADER_SEARCH = 15  # rows searched for the header, CSV and xlsx alike
CSV_FIELD_LIMIT = csv.field_size_limit()  # 131072 characters by default

_ROMAN = re.compile(r"^(?=[ivxlc])m*(c[md]|d?c{0,3})(x[cl]|l?x{0,3})(i[xv]|v?i{0,3})[.)]?$")
_SUBTOTAL = re.compile(r"^(cộng|tổng cộng|tổng số|tổng|toàn huyện|toàn tỉnh|toàn thành phố|total|subtotal)\b")
_FOOTER = re.compile(r"(người lập|lập biểu|ký tên|\(ký|ghi chú|nơi nhận|giám đốc|chủ tịch|trưởng phòng|xác nhận|"
                     r"thủ trưởng|đóng dấu|^tm\.|^kt\.|ngày .* tháng|prepared by|signed)")
_NUMBERING = re.compile(r"^\(?(\d{1,2}|[a-z])\)?$")


@dataclass
class Table:
    """One sheet's commune table: header cells as written and the rows under it (spreadsheet row, cells)."""

    sheet: str | None
    header_rows: list[int]
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    lengths: dict[int, int] = field(default_factory=dict)  # CSV: values on each physical row (short-row check)
    title: list[str] = field(default_factory=list)
    district: str | None = None  # from the sheet name
    row_district: dict[int, str] = field(default_factory=dict)  # from group rows
    notes: list = field(default_factory=list)


@dataclass
class Grid:
    sheet: str | None
    rows: list[tuple[int, list[str]]]
    lengths: dict[int, int] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)  # 0-based hidden column positions
    percent: set[int] = field(default_factory=set)  # 0-based columns with a percent number format


# ---------------------------------------------------------------------------------------------------------- CSV

def csv_grid(data: bytes, *, file: str, found: list) -> Grid | None:
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                found.append(problem(file, None, None, None, "not_utf8", bad="??", offset=0, line=1))
                return None
        else:
            text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = bom + error.start  # in the file, BOM included
        line = data[:offset].count(b"\n") + 1
        bad = data[offset: offset + 1].hex()
        found.append(problem(file, line, None, f"0x{bad}", "not_utf8", bad=bad, offset=offset, line=line))
        return None
    if not text.strip():
        found.append(problem(file, 1, None, None, "empty"))
        return None
    head = text.splitlines()[:HEADER_SEARCH]
    delimiter = max([",", ";", "\t"], key=lambda d: sum(line.count(d) for line in head))
    rows, lengths = [], {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                found.append(problem(file, start, None, None, "csv_unclosed", line=start))
            elif "field larger than field limit" in str(error):
                found.append(problem(file, reader.line_num, None, None, "csv_field_limit", limit=CSV_FIELD_LIMIT,
                                     line=reader.line_num))
            else:
                found.append(problem(file, reader.line_num, None, None, "csv_error", line=reader.line_num,
                                     error=str(error)))
            return None
        for cell in cells:
            if "\n" in cell or "\r" in cell:
                spans = cell.count("\n") + 1
                # A line break inside a cell: legitimate in a notes cell, but a quote swallowing rows looks the same.
                # Refuse when the swallowed text holds separators (it was rows), report it otherwise.
                if delimiter in cell or spans > 2:
                    found.append(problem(file, start, None, cell, "csv_newline", lines=spans, line=start))
        rows.append((start, [unicodedata.normalize("NFC", c) for c in cells]))
        lengths[start] = len(cells)
        start = reader.line_num + 1
    return Grid(None, rows, lengths)


# --------------------------------------------------------------------------------------------------------- xlsx

def xlsx_grids(data: bytes, *, file: str, found: list) -> list[Grid]:
    from openpyxl import load_workbook
    from openpyxl.utils import column_index_from_string

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = load_workbook(io.BytesIO(data), data_only=True)
            formulas = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken zip or XML
        found.append(problem(file, None, None, None, "xlsx_unreadable", error=type(error).__name__))
        return []
    grids = []
    for sheet in values.worksheets:
        formula_sheet = formulas[sheet.title]
        merged = {}
        for rng in sheet.merged_cells.ranges:
            top = sheet.cell(rng.min_row, rng.min_col)
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    merged[r, c] = top
        percent, rows, missing = set(), [], []
        for row in sheet.iter_rows():
            cells = []
            for cell in row:
                source = merged.get((cell.row, cell.column), cell)
                if source.value is None and formula_sheet.cell(source.row, source.column).data_type == "f":
                    missing.append((source.row, source.coordinate))
                    cells.append("\x00formula")
                    continue
                if isinstance(source.value, (int, float)) and not isinstance(source.value, bool) \
                        and "%" in str(source.number_format):
                    percent.add(cell.column - 1)
                cells.append(cell_text(source.value, source.number_format))
            rows.append((row[0].row if row else len(rows) + 1, cells))
        hidden = set()
        for letter, dim in sheet.column_dimensions.items():
            if dim.hidden:
                first = dim.min or column_index_from_string(letter)
                for c in range(first, (dim.max or first) + 1):
                    hidden.add(c - 1)
        grid = Grid(sheet.title, rows, hidden=hidden, percent=percent)
        grid.hidden_rows = sorted(r for r, dim in sheet.row_dimensions.items() if dim.hidden)
        grid.formulas = missing
        grids.append(grid)
    return grids


def cell_text(value: object, number_format: str = "General") -> str:
    """A cell as the spreadsheet shows its value: 0.258 formatted '0.0%' → '25.8'; dates as ISO; 2021.0 → '2021'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (int, float)):
        if "%" in str(number_format):
            value = round(value * 100, 10)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return unicodedata.normalize("NFC", str(value))


# ------------------------------------------------------------------------------------------------ finding the table

def find_table(grid: Grid) -> Table | None:
    """The header (one row or a two-row band) within the first HEADER_SEARCH rows, and the rows under it."""
    best, best_score = None, 0
    head = grid.rows[:HEADER_SEARCH]
    for i, (number, cells) in enumerate(head):
        candidates = [([number], list(cells))]
        if i + 1 < len(grid.rows) and not _commune_row(grid.rows[i + 1][1]):
            pair = combine(cells, grid.rows[i + 1][1])
            candidates.append(([number, grid.rows[i + 1][0]], pair))
            if i + 2 < len(grid.rows) and not _commune_row(grid.rows[i + 2][1]):  # a band over a band
                candidates.append(([number, grid.rows[i + 1][0], grid.rows[i + 2][0]],
                                   combine(pair, grid.rows[i + 2][1])))
        for rows, header in candidates:
            names = {canonical(h) for h in header} - {None}
            identity = names & {"commune_code", "commune_name"}
            criteria = {n for n in names if n.startswith("c") and n[1:].isdigit()}
            long = {"criterion", "status"} <= names
            if not identity or not (len(criteria) >= 5 or long):
                continue
            score = len(names) - (len(rows) - 1) / 2  # on a tie, one header row rather than two
            if score > best_score:
                best, best_score = (i + len(rows) - 1, rows, header), score
    if best is None:
        return None
    last, rows, header = best
    table = Table(grid.sheet, rows, [h.strip() for h in header],
                  title=[" ".join(c for c in cells if c.strip()) for _, cells in grid.rows[:last - len(rows) + 1]])
    table.rows = grid.rows[last + 1:]
    table.lengths = grid.lengths
    table.hidden = grid.hidden
    table.percent = grid.percent
    table.formulas = getattr(grid, "formulas", [])
    table.hidden_rows = getattr(grid, "hidden_rows", [])
    return table


def _band(text: str) -> bool:
    """A header band over the criteria: 'Tiêu chí', 'Các tiêu chí NTM', 'Chỉ tiêu', 'TC', 'Criteria'."""
    key = value_key(text)
    return "tieuchi" in key or "chitieu" in key or "criteri" in key or key == "tc"


def _commune_row(cells: list[str]) -> bool:
    """A row naming a commune by code or name (so never a second header row)."""
    from ntm_analysis.data.communes.names import names

    codes = set(reference.communes()["code"])
    known = names()
    return any(c.strip().zfill(5) in codes or (c.strip() and _bare_commune(c) in known) for c in cells)


def combine(top: list[str], bottom: list[str]) -> list[str]:
    """Two header rows as one: a band ("Tiêu chí", merged or written once) over 1…19 gives "Tiêu chí 1"…;
    a cell merged down (or written once) keeps its text."""
    width = max(len(top), len(bottom))
    top, bottom = top + [""] * (width - len(top)), bottom + [""] * (width - len(bottom))
    out, band = [], ""
    for upper, lower in zip(top, bottom):
        upper, lower = upper.strip(), lower.strip()
        if upper:
            band = upper
        elif lower:
            upper = band  # a band written once over several columns (CSV export of a merged cell)
        if not lower or lower == upper:
            out.append(upper)
        elif _band(upper) and criterion_number(lower):
            out.append(f"Tiêu chí {criterion_number(lower)}")  # "1", "TC1", "1. Quy hoạch", "Quy hoạch"
        elif canonical(lower) is not None or not upper:
            out.append(lower)
        elif canonical(f"{upper} {lower}") is not None:
            out.append(f"{upper} {lower}")
        else:
            out.append(upper if canonical(upper) is not None else f"{upper} {lower}")
    return out


# ------------------------------------------------------------------------------------------------ sorting the rows

def _bare_district(text: str) -> str:
    text = reference.normalise_name(text)
    text = re.sub(r"^([ivxlc]+|\d{1,2})[.)]\s*", "", text)  # "I. Huyện Bảo Lâm", "2) Huyện Hà Quảng"
    for prefix in ("huyện ", "h. ", "h.", "thành phố ", "tp. ", "tp.", "tp "):
        text = text.removeprefix(prefix)
    return text.strip()


def district_of(text: str) -> str | None:
    """A district code for a district name ('Huyện Bảo Lâm', 'H. Bảo Lâm', 'TP Cao Bằng', 'Bảo Lâm'), or None."""
    bare = _bare_district(text)
    for code, name in zip(reference.districts()["code"], reference.districts()["name_vi"]):
        if bare and bare == _bare_district(name):
            return code
    return None


def sort_rows(table: Table, columns: dict[str, int], commune_names: set[str], *, file: str) -> list:
    """Split the table's rows into commune rows (kept in table.rows) and skipped rows (returned as notes).
    A group row naming a district sets the district of the rows under it."""
    kept, notes, district, footer = [], [], table.district, False
    code_at, name_at = columns.get("commune_code"), columns.get("commune_name")
    data_at = set(columns.values())
    first_data = True
    for number, cells in table.rows:
        texts = [c.strip() for c in cells if c.strip() and c != "\x00formula"]
        if not texts:
            continue
        code = cells[code_at].strip() if code_at is not None and code_at < len(cells) else ""
        name = cells[name_at].strip() if name_at is not None and name_at < len(cells) else ""
        lowered = [reference.normalise_name(t) for t in texts[:4]]
        shown = " ".join(texts[:3])[:60]
        numbered = [t.lower() for t in texts]
        if first_data and len(texts) >= 5 and len(set(numbered)) == len(numbered) \
                and all(_NUMBERING.match(t) for t in numbered):  # "A, B, (1), (2) …": distinct labels
            notes.append(problem(file, number, None, None, "skip_numbering"))
            first_data = False
            continue
        first_data = False
        again = [canonical(c) for c in cells]
        if sum(1 for p, c in enumerate(again) if c and columns.get(c) == p) * 2 > len(columns):
            notes.append(problem(file, number, None, None, "skip_header"))  # the header repeated (tables pasted)
            continue
        is_commune_name = bool(name) and _bare_commune(name) in commune_names
        subtotal = any(_SUBTOTAL.match(t) and _bare_commune(t) not in commune_names for t in lowered)
        if re.fullmatch(r"'?\d{1,5}", code):
            kept.append((number, cells))  # a code: a commune row, whatever else it holds
            if district:
                table.row_district[number] = district
            continue
        if subtotal:  # "Cộng", "Tổng cộng", "Tổng số" (but not "Xã Tổng Cọt")
            notes.append(problem(file, number, None, None, "skip_subtotal", text=shown))
            continue
        free = [c.strip() for p, c in enumerate(cells[:8])
                if c.strip() and (p in (name_at, code_at) or p not in data_at)]
        group = next((district_of(t) for t in free[:3] if district_of(t)), None)
        if group and not is_commune_name:
            district = group
            notes.append(problem(file, number, None, None, "skip_group", text=shown))
            continue
        heading = _ROMAN.match(lowered[0]) or re.fullmatch(r"[a-z][.)]?", lowered[0])
        # "I", "II. Các xã đạt chuẩn", "A"
        if not is_commune_name and heading and len(texts) <= 3 and not re.search(r"\d", code):
            notes.append(problem(file, number, None, None, "skip_group", text=shown))
            continue
        if not is_commune_name and (footer or (not code and any(_FOOTER.search(t) for t in lowered))):
            footer = True  # the signature block: everything below it too, except a commune's row
            notes.append(problem(file, number, None, None, "skip_footer", text=shown))
            continue
        kept.append((number, cells))
        if district:
            table.row_district[number] = district
    table.rows = kept
    return notes




def title_year(table: Table) -> tuple[int | None, str, list[int]]:
    """The year the title names ('… NĂM 2021'), if it names exactly one; the title line; every year found."""
    text = " ".join(table.title + ([table.sheet] if table.sheet else []))
    named = [int(y) for y in re.findall(r"năm\s+(20\d\d)\b", reference.normalise_name(text))]
    years = sorted(set(named)) or sorted({int(y) for y in re.findall(r"\b(20[1-3]\d)\b", text)})
    line = next((t for t in table.title if any(str(y) in t for y in years)), "")
    return (years[0] if len(years) == 1 else None), line[:80], years
