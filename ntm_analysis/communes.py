"""Commune-level NTM data: one row per commune (xã) and year, read from an analyst's CSV or Excel file.

`read` is the only function here that touches disk. Everything else is pure: `validate` turns a raw frame of text
cells (Vietnamese or English headers, analysts' spellings of "met") into the normalised frame below, or raises a
DataError listing every problem found, each with the spreadsheet row (header = row 1), the column as written in
the file and the offending value.

Normalised columns: commune_code, commune_name, district_code, district_name, year, c01..c19 (bool), level
(one of LEVELS), criteria_met (0-19), band (one of BANDS), villages_total, villages_standard, villages_model (Int64),
income (triệu đồng/người/năm), poverty_rate (%) (float, NaN when blank). `frame.attrs["origin"]` says where the data
came from and whether it is synthetic.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from . import paths, reference
from . import synthetic as synthetic_data
from .errors import DataError, Problem

CRITERIA = tuple(range(1, 20))
CRITERIA_COLUMNS = [f"c{n:02d}" for n in CRITERIA]
LEVELS = ("chua_dat", "dat_chuan", "nang_cao", "kieu_mau")
#: Criteria-met bands as the report counts them, best first: (id, lowest, highest).
BANDS = (("19", 19, 19), ("15-18", 15, 18), ("10-14", 10, 14), ("5-9", 5, 9), ("0-4", 0, 4))
YEARS = (2010, 2035)
#: Income above this (triệu đồng/người/năm) is taken for a unit mistake (đồng or nghìn đồng instead of triệu).
INCOME_MAX = 500.0

LABELS = {
    "chua_dat": {"vi": "Chưa đạt", "en": "Not met"},
    "dat_chuan": {"vi": "Đạt chuẩn", "en": "Standard"},
    "nang_cao": {"vi": "Nâng cao", "en": "Advanced"},
    "kieu_mau": {"vi": "Kiểu mẫu", "en": "Model"},
    "met": {"vi": "Đạt", "en": "Met"},
    "not_met": {"vi": "Chưa đạt", "en": "Not met"},
    "band_19": {"vi": "19 tiêu chí", "en": "19 criteria"},
    "band_15-18": {"vi": "15–18 tiêu chí", "en": "15–18 criteria"},
    "band_10-14": {"vi": "10–14 tiêu chí", "en": "10–14 criteria"},
    "band_5-9": {"vi": "5–9 tiêu chí", "en": "5–9 criteria"},
    "band_0-4": {"vi": "Dưới 5 tiêu chí", "en": "Under 5 criteria"},
    "origin_file": {"vi": "Dữ liệu xã từ tệp {name}", "en": "Commune data from file {name}"},
    "origin_synthetic": {
        "vi": "Dữ liệu TỔNG HỢP (giả lập) để minh họa, không phải số liệu chính thức ({name})",
        "en": "SYNTHETIC demonstration data, not official figures ({name})",
    },
}

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
REQUIRED = ["commune_code", "year", *CRITERIA_COLUMNS, "level"]
OPTIONAL_INT = ["villages_total", "villages_standard", "villages_model"]
OPTIONAL_FLOAT = ["income", "poverty_rate"]
NAME_COLUMNS = ["commune_name", "district_code", "district_name"]

# Header aliases, compared after _key() (no case, diacritics, spaces, punctuation or bracketed units).
_ALIASES = {
    "commune_code": {"maxa", "communecode", "code", "ma", "madvhc", "maxaphuongthitran"},
    "commune_name": {"tenxa", "xa", "communename", "commune", "name", "ten"},
    "district_code": {"mahuyen", "districtcode"},
    "district_name": {"huyen", "tenhuyen", "district", "districtname", "huyenthanhpho"},
    "year": {"nam", "year", "namdanhgia"},
    "level": {"mucdatchuan", "mucdo", "mucdat", "level", "mucdatchuannongthonmoi"},
    "villages_total": {"sothon", "tongsothon", "villagestotal", "villages"},
    "villages_standard": {"thondatchuan", "sothondatchuan", "villagesstandard"},
    "villages_model": {"thonkieumau", "sothonkieumau", "villagesmodel"},
    "income": {"thunhapbinhquan", "thunhap", "income", "incomepercapita"},
    "poverty_rate": {"tylehongheodachieu", "tylehongheo", "hongheodachieu", "povertyrate", "poverty"},
}
# "TC1", "TC01 Quy hoạch", "Tiêu chí số 5", "c19", "criterion 3" → the criterion number; the rest is ignored.
_CRITERION_HEADER = re.compile(r"^(?:tc|c|tieuchi(?:so)?|criterion|criteria)0*(\d+)(?:[a-z].*)?$")

_MET = {"dat", "x", "true", "co", "yes", "y", "met"}
_NOT_MET = {"", "chuadat", "khongdat", "false", "khong", "no", "n", "notmet"}
# Recognised level spellings, checked in this order (so "chưa đạt chuẩn" is not read as "đạt chuẩn").
_LEVEL_WORDS = (
    ("chua_dat", ("chuadat", "khongdat", "notmet")),
    ("kieu_mau", ("kieumau", "model")),
    ("nang_cao", ("nangcao", "advanced")),
    ("dat_chuan", ("datchuan", "standard", "dat")),
)

# Value ranges of the optional columns, declared once (pandera); failures become Problems.
_RANGES = pa.DataFrameSchema(
    {
        "year": pa.Column("Int64", pa.Check.in_range(*YEARS, error=f"year outside {YEARS[0]}–{YEARS[1]}"),
                          nullable=True),
        **{c: pa.Column("Int64", pa.Check.ge(0, error="must not be negative"), nullable=True) for c in OPTIONAL_INT},
        "income": pa.Column(float, [
            pa.Check.gt(0, error="income must be above 0"),
            pa.Check.le(INCOME_MAX,
                        error=f"implausibly large income: expected triệu đồng/người/năm (≤ {INCOME_MAX:g})"),
        ], nullable=True),
        "poverty_rate": pa.Column(float, pa.Check.in_range(0, 100, error="poverty rate must be within 0–100 %"),
                                  nullable=True),
    },
    strict=False,
)


# ---------------------------------------------------------------------------------------------------------- reading

def read(path: Path | str) -> pd.DataFrame:
    """Read a commune file (.csv UTF-8 with or without BOM, or .xlsx), normalise and validate it."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise DataError(Problem(file, None, None, None, "file not found"))
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw, first_row = _csv_frame(data, file=file), 2
    elif suffix in (".xlsx", ".xlsm"):
        raw, first_row = _xlsx_frame(data, file=file)
    elif suffix == ".xls":
        raise DataError(Problem(file, None, None, None, "old Excel .xls is not supported: save the file as .xlsx"))
    else:
        raise DataError(Problem(file, None, None, None, f"unsupported file type {suffix!r}: expected .csv or .xlsx"))
    frame = validate(raw, file=file, first_row=first_row)
    frame.attrs["origin"] = _origin(path, data)
    return frame


def problems(path: Path | str) -> list[Problem]:
    """Every problem in a commune file ([] if it is clean): for `ntm validate`."""
    try:
        read(path)
    except DataError as error:
        return error.problems
    return []


def load_default() -> pd.DataFrame:
    """The shipped SYNTHETIC demonstration dataset (2021, 139 communes)."""
    return _load_default().copy()


@lru_cache(maxsize=1)
def _load_default() -> pd.DataFrame:
    return read(paths.DEMO_COMMUNES)


def _csv_frame(data: bytes, *, file: str) -> pd.DataFrame:
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = bom + error.start  # in the file, BOM included
        line = data[:offset].count(b"\n") + 1
        bad = data[offset: offset + 1].hex()
        raise DataError(Problem(file, line, None, f"0x{bad}", (
            f"not UTF-8: byte 0x{bad} at byte offset {offset} (line {line}) cannot be decoded; "
            "save the file as 'CSV UTF-8'"))) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataError(Problem(file, 1, None, None, "empty file: the first line must be the header"))
    delimiter = max([",", ";", "\t"], key=lines[0].count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header, body = rows[0], rows[1:]
    too_long = [Problem(file, i + 2, None, len(r), f"row has {len(r)} values but the header has {len(header)} columns")
                for i, r in enumerate(body) if len(r) > len(header) and any(v.strip() for v in r[len(header):])]
    if too_long:
        raise DataError(too_long)
    return _table(header, body)


def _xlsx_frame(data: bytes, *, file: str) -> tuple[pd.DataFrame, int]:
    """The data sheet as text cells, and the spreadsheet row of its first data row."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError) as error:
        raise DataError(Problem(file, None, None, None, f"not a readable .xlsx workbook ({error})")) from None
    try:
        sheets = sorted(book.worksheets, key=lambda s: _key(s.title) not in {"dulieu", "data"})
        tables = [[[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)] for sheet in sheets]
    finally:
        book.close()
    for rows in tables:
        for i, row in enumerate(rows[:10]):
            if {"commune_code", "year"} <= {_canonical(h) for h in row}:
                return _table(rows[i], rows[i + 1:]), i + 2
    # No recognisable header anywhere: validate the data sheet (or the first) as is, to list what is missing.
    rows = tables[0] if tables else []
    return _table(rows[0] if rows else [], rows[1:]), 2


def _table(header: list[str], body: list[list[str]]) -> pd.DataFrame:
    header = [h if h else f"(column {n + 1})" for n, h in enumerate(header)]
    body = [(r + [""] * len(header))[: len(header)] for r in body]
    return pd.DataFrame(body, columns=header, dtype=object)


def _origin(path: Path, data: bytes) -> dict:
    meta_path = path.with_name(path.stem + ".meta.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(Problem(str(meta_path), None, None, None, f"unreadable metadata file ({error})")) from None
    synthetic = synthetic_data.is_synthetic(data, meta)  # by content (or metadata), never by name
    key = "origin_synthetic" if synthetic else "origin_file"
    description = meta.get("description") or {lang: LABELS[key][lang].format(name=path.name) for lang in ("vi", "en")}
    try:
        shown = path.resolve().relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        shown = str(path.resolve())
    return {"file": shown, "sha256": hashlib.sha256(data).hexdigest(), "synthetic": synthetic,
            "title": meta.get("title", path.name), "description": description,
            "meta": meta_path.name if meta else None}


# ------------------------------------------------------------------------------------------------------- validating

def validate(frame: pd.DataFrame, *, file: str, first_row: int = 2) -> pd.DataFrame:
    """Normalise and validate a raw frame (one column per header as written, cells as text or numbers).
    Row numbers in problems count from `first_row` (the spreadsheet row of the frame's first row).
    Raises DataError with every problem found; returns the normalised frame otherwise."""
    found: list[Problem] = []
    columns = _map_headers(list(frame.columns), file=file, row=first_row - 1, found=found)
    raw = frame.copy()
    raw.index = range(first_row, first_row + len(raw))
    raw = raw.loc[[any(_cell_text(v).strip() for v in row) for row in raw.itertuples(index=False)]]
    if raw.empty:
        found.append(Problem(file, None, None, None, "no data rows"))
    header = {canonical: str(raw.columns[position]) for canonical, position in columns.items()}

    def parse(canonical: str, parser, dtype) -> pd.Series:
        """One column through its cell parser; a cell it rejects becomes a Problem and a missing value."""
        if canonical not in columns:
            return pd.Series(pd.NA, index=raw.index, dtype=dtype)
        values = {}
        for row, value in raw.iloc[:, columns[canonical]].items():
            text = _cell_text(value)
            try:
                values[row] = parser(text)
            except ValueError as error:
                found.append(Problem(file, row, header[canonical], text, str(error)))
                values[row] = None
        return pd.Series(values, index=raw.index, dtype=object).astype(dtype)

    out = pd.DataFrame(index=raw.index)
    out["commune_code"] = parse("commune_code", _code, "string")
    out["year"] = parse("year", _integer, "Int64")
    for c in CRITERIA_COLUMNS:
        out[c] = parse(c, _met, "boolean")
    out["level"] = parse("level", _level, "string")
    for c in OPTIONAL_INT:
        out[c] = parse(c, _integer, "Int64")
    for c in OPTIONAL_FLOAT:
        out[c] = parse(c, _number, "Float64").astype(float)

    found += _range_problems(out, header, file=file)
    found += _reference_problems(out, raw, columns, header, file=file)
    found += _consistency_problems(out, header, file=file)
    if found:
        raise DataError(sorted(found, key=lambda p: (p.row or 0, p.column or "")))
    result = _finish(out)
    result.attrs = dict(frame.attrs)
    return result


def _map_headers(headers: list, *, file: str, row: int, found: list[Problem]) -> dict[str, int]:
    """Canonical column → position in the raw frame; records missing, duplicate and out-of-range headers
    (`row`: the header's spreadsheet row)."""
    columns: dict[str, int] = {}
    for position, header in enumerate(headers):
        canonical = _canonical(header)
        if canonical is None:
            match = _CRITERION_HEADER.match(_key(header))
            if match:
                found.append(Problem(file, row, str(header), None,
                                     f"criterion {int(match.group(1))} does not exist: criteria are numbered 1–19"))
            continue
        if canonical in columns:
            first = headers[columns[canonical]]
            found.append(Problem(file, row, str(header), None, f"same column as '{first}' ({canonical}) appears twice"))
            continue
        columns[canonical] = position
    for canonical in REQUIRED:
        if canonical not in columns:
            found.append(Problem(file, row, HEADERS[canonical], None,
                                 f"missing required column '{HEADERS[canonical]}' ({canonical})"))
    return columns


def _canonical(header: object) -> str | None:
    key = _key(header)
    if not key:
        return None
    for canonical, aliases in _ALIASES.items():
        if key in aliases:
            return canonical
    match = _CRITERION_HEADER.match(key)
    if match and 1 <= int(match.group(1)) <= 19:
        return f"c{int(match.group(1)):02d}"
    return None


def _range_problems(out: pd.DataFrame, header: dict[str, str], *, file: str) -> list[Problem]:
    try:
        _RANGES.validate(out, lazy=True)
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases.dropna(subset=["index"])
        return [Problem(file, int(case.index), header.get(case.column, case.column), _plain(case.failure_case),
                        case.check) for case in cases.itertuples()]
    return []


def _reference_problems(out: pd.DataFrame, raw: pd.DataFrame, columns: dict[str, int], header: dict[str, str],
                        *, file: str) -> list[Problem]:
    """Codes that are not communes, names that contradict the code, duplicate commune-years."""
    found: list[Problem] = []
    units = reference.units().set_index("unit_code")
    if "commune_code" not in columns:
        return found
    code_col = header["commune_code"]
    for row, code in out["commune_code"].dropna().items():
        if code not in units.index:
            found.append(Problem(file, row, code_col, code, "unknown commune code: not in the reference list of "
                                 "Cao Bằng's units (5 digits, keep the leading zero)"))
        elif units.at[code, "unit_type"] != "Xã":
            unit = units.loc[code]
            found.append(Problem(file, row, code_col, code, f"{unit.unit_name} is a {unit.unit_type.lower()}, not a "
                                 "commune (xã): wards and towns are not covered by the NTM commune criteria"))
        else:
            found += _name_problems(units.loc[code], raw.loc[row], columns, header, row=row, file=file)
    keyed = out.dropna(subset=["commune_code", "year"])
    first_seen: dict[tuple, int] = {}
    for row, code, year in zip(keyed.index, keyed["commune_code"], keyed["year"]):
        if (code, year) in first_seen:
            found.append(Problem(file, row, code_col, code,
                                 f"duplicate commune-year: {code} in {year} already on row {first_seen[code, year]}"))
        else:
            first_seen[code, year] = row
    return found


def _name_problems(unit: pd.Series, raw_row: pd.Series, columns: dict[str, int], header: dict[str, str],
                   *, row: int, file: str) -> list[Problem]:
    expected = {
        "commune_name": {_bare(unit.unit_name)},
        "district_name": {_bare(unit.district_name)},
        "district_code": {unit.district_code},
    }
    found = []
    for canonical, allowed in expected.items():
        if canonical not in columns:
            continue
        text = _cell_text(raw_row.iloc[columns[canonical]]).strip()
        value = text.zfill(3) if canonical == "district_code" and text.isdigit() else _bare(text)
        if text and value not in allowed:
            found.append(Problem(file, row, header[canonical], text,
                                 f"contradicts the commune code {unit.name} ({unit.unit_name}, {unit.district_name})"))
    return found


def _consistency_problems(out: pd.DataFrame, header: dict[str, str], *, file: str) -> list[Problem]:
    found = []
    known = out[CRITERIA_COLUMNS].notna().all(axis=1)  # judge the level only where every criterion was readable
    met = out[CRITERIA_COLUMNS].fillna(False).astype(bool).sum(axis=1)
    recognised = out["level"].isin(LEVELS[1:]).fillna(False) & known & (met < 19)
    for row in out.index[recognised]:
        level = out.at[row, "level"]
        found.append(Problem(file, row, header.get("level", "level"), LABELS[level]["vi"],
                             f"level '{LABELS[level]['vi']}' needs all 19 criteria met, but only {met[row]} are"))
    pairs = [("villages_standard", "villages_total", "more standard villages than villages"),
             ("villages_model", "villages_total", "more model villages than villages"),
             ("villages_model", "villages_standard", "more model villages than standard villages (a model village "
                                                     "is a standard village first)")]
    for part, whole, message in pairs:
        bad = (out[part] > out[whole]).fillna(False).to_numpy(dtype=bool)
        for row in out.index[bad]:
            found.append(Problem(file, row, header[part], int(out.at[row, part]),
                                 f"{message}: {out.at[row, part]} > {out.at[row, whole]}"))
    return found


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    names = reference.communes().set_index("code")
    frame = out.reset_index(drop=True)
    for column, source in (("commune_name", "name"), ("district_code", "district_code"),
                           ("district_name", "district_name")):
        frame[column] = frame["commune_code"].map(names[source]).astype(str)
    frame["year"] = frame["year"].astype(int)
    frame[CRITERIA_COLUMNS] = frame[CRITERIA_COLUMNS].astype(bool)
    frame["commune_code"] = frame["commune_code"].astype(str)
    frame["level"] = frame["level"].fillna("chua_dat").astype(str)
    frame["criteria_met"] = frame[CRITERIA_COLUMNS].sum(axis=1).astype(int)
    frame["band"] = frame["criteria_met"].map(band)
    order = ["commune_code", "commune_name", "district_code", "district_name", "year", *CRITERIA_COLUMNS, "level",
             "criteria_met", "band", *OPTIONAL_INT, *OPTIONAL_FLOAT]
    return frame[order].sort_values(["year", "commune_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------- cell parsers

def _code(text: str) -> str | None:
    text = text.strip()
    if not text:
        raise ValueError("commune code is blank")
    if not text.isdigit() or len(text) > 5:
        raise ValueError("commune code must be the 5-digit official code (e.g. 01693)")
    return text.zfill(5)  # a spreadsheet may have dropped the leading zero


def _integer(text: str) -> int | None:
    value = _number(text)
    if value is None:
        return None
    if value != int(value):
        raise ValueError("expected a whole number")
    return int(value)


def _number(text: str) -> float | None:
    """'45,5' and '45.5' → 45.5; '1.234,5' and '1,234.5' → 1234.5. One separator alone is the decimal mark."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif text.count(",") > 1 or text.count(".") > 1:
        text = text.replace(",", "").replace(".", "")
    else:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError("expected a number") from None


def _met(text: str) -> bool:
    stripped = text.strip()
    if stripped in ("✓", "✔"):
        return True
    if re.fullmatch(r"[01](?:[.,]0*)?", stripped):
        return stripped[0] == "1"
    key = _key(stripped)  # blank and "-" give "" (not met)
    if key in _MET:
        return True
    if key in _NOT_MET:
        return False
    raise ValueError("expected Đạt / Chưa đạt (or x / blank, 1 / 0, TRUE / FALSE, Có / Không, yes / no)")


def _level(text: str) -> str | None:
    key = _key(text)  # "Đạt chuẩn", "dat_chuan" and "DAT CHUAN" all give "datchuan"
    if not key:
        return None  # blank: not (yet) recognised
    for level, words in _LEVEL_WORDS:
        if any(word in key for word in words):
            return level
    raise ValueError("expected a level: Chưa đạt, Đạt chuẩn, Nâng cao or Kiểu mẫu")


# -------------------------------------------------------------------------------------------------------- helpers

def _key(text: object) -> str:
    """Header/value key: no bracketed units, no diacritics (đ → d), lower case, letters and digits only."""
    text = re.sub(r"\(.*?\)", "", unicodedata.normalize("NFC", str(text if text is not None else "")))
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _bare(name: str) -> str:
    """A unit name for comparison: normalised, without its type word ('Xã', 'Huyện', 'Thành phố')."""
    text = reference.normalise_name(name)
    for prefix in ("xã ", "huyện ", "thành phố ", "tp. ", "tp "):
        text = text.removeprefix(prefix)
    return text


def _cell_text(value: object) -> str:
    """A cell as text: numbers from Excel lose a trailing '.0', booleans read TRUE/FALSE, None is blank."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value))


def _plain(value: object) -> object:
    """A failure case as a plain Python value (2040.0 → 2040)."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def band(criteria_met: int) -> str:
    """The report's band for a number of criteria met: '19', '15-18', '10-14', '5-9' or '0-4'."""
    return next(name for name, low, high in BANDS if low <= criteria_met <= high)


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


def template_frame(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """A normalised frame in the template's layout (Vietnamese headers and values), or the empty template."""
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
    return text
