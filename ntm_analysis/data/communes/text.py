"""Words of the commune reader: header aliases, value keys, and every problem and note message in vi and en.

A problem is a `CommuneProblem` (an errors.Problem): its `message` is the English text (stable, for logs and tests),
`text(lang)` renders it in the user's language, and `kind` names the kind of problem (for counts per kind).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ntm_analysis import i18n
from ntm_analysis.errors import Problem

CRITERIA = tuple(range(1, 20))
CRITERIA_COLUMNS = [f"c{n:02d}" for n in CRITERIA]

# Header aliases, compared after header_key() (no case, diacritics, spaces, punctuation or bracketed units).
ALIASES = {
    "commune_code": {"maxa", "communecode", "code", "ma", "madvhc", "maxaphuongthitran", "madonvi", "madonvihanhchinh"},
    "commune_name": {"tenxa", "xa", "communename", "commune", "name", "ten", "tendonvi", "donvi", "xaphuongthitran",
                     "tenxaphuongthitran", "tendonvihanhchinh"},
    "district_code": {"mahuyen", "districtcode"},
    "district_name": {"huyen", "tenhuyen", "district", "districtname", "huyenthanhpho", "huyenthixathanhpho"},
    "year": {"nam", "year", "namdanhgia", "thoidiemdanhgia", "namthuchien"},
    "level": {"mucdatchuan", "mucdo", "mucdat", "level", "mucdatchuannongthonmoi", "ketquacongnhan", "mucdocongnhan",
              "xeploai", "mucdatchuanntm"},
    "level_flag": {"datchuan", "datchuanntm", "xadatchuan", "dadatchuan", "xadatchuanntm", "datchuannongthonmoi",
                   "dacongnhandatchuan", "recognised", "recognized"},
    "villages_total": {"sothon", "tongsothon", "villagestotal", "villages", "sothonxom", "tongsothonxom"},
    "villages_standard": {"thondatchuan", "sothondatchuan", "villagesstandard"},
    "villages_model": {"thonkieumau", "sothonkieumau", "villagesmodel"},
    "income": {"thunhapbinhquan", "thunhap", "income", "incomepercapita", "thunhapbinhquandaunguoi"},
    "poverty_rate": {"tylehongheodachieu", "tylehongheo", "hongheodachieu", "povertyrate", "poverty",
                     "tylengheodachieu"},
    "criteria_set": {"botieuchi", "criteriaset", "botieuchiapdung", "bộtieuchi"},
    "year_recognised": {"namcongnhan", "namdatchuan", "namduoccongnhan", "yearrecognised", "yearrecognized",
                        "namcongnhandatchuan"},
    "decision": {"quyetdinh", "soquyetdinh", "quyetdinhcongnhan", "soqd", "qd", "decision", "soquyetdinhcongnhan",
                 "qdcongnhan"},
    "criteria_met_declared": {"sotieuchidat", "tongsotieuchidat", "tieuchidat", "criteriamet", "sotcdat",
                              "tongsotieuchi", "sotieuchidatchuan"},
    # long format: one row per commune and criterion
    "criterion": {"tieuchi", "criterion", "matieuchi", "sotieuchi", "tieuchiso", "tc", "tentieuchi"},
    "status": {"ketqua", "trangthai", "status", "danhgia", "ketquadanhgia", "datchuadat", "result"},
}
# "TC1", "TC01 Quy hoạch", "Tiêu chí số 5", "c19", "criterion 3" → the criterion number; the rest is ignored.
CRITERION_HEADER = re.compile(r"^(?:tc|c|tieuchi(?:so|thu)?|criterion|criteria)0*(\d+)(?:[a-z].*)?$")
# Criterion names of both national sets: 2016–2020 (QĐ 1980/QĐ-TTg) and 2021–2025 (QĐ 318/QĐ-TTg, which renamed
# criteria 3, 11, 12 and 13), as in data/reference/ntm_criteria_2016_2020.csv and the 2021–2025 list.
CRITERION_NAMES = {
    1: ["Quy hoạch"], 2: ["Giao thông"], 3: ["Thủy lợi", "Thủy lợi và phòng, chống thiên tai"], 4: ["Điện"],
    5: ["Trường học"], 6: ["Cơ sở vật chất văn hóa"], 7: ["Cơ sở hạ tầng thương mại nông thôn"],
    8: ["Thông tin và Truyền thông"], 9: ["Nhà ở dân cư"], 10: ["Thu nhập"], 11: ["Hộ nghèo", "Nghèo đa chiều"],
    12: ["Lao động có việc làm", "Lao động"],
    13: ["Tổ chức sản xuất", "Tổ chức sản xuất và phát triển kinh tế nông thôn"],
    14: ["Giáo dục và Đào tạo"], 15: ["Y tế"], 16: ["Văn hóa"], 17: ["Môi trường và an toàn thực phẩm"],
    18: ["Hệ thống chính trị và tiếp cận pháp luật"], 19: ["Quốc phòng và An ninh"],
}
LONG_ONLY = {"criterion", "status"}


def header_key(text: object) -> str:
    """Header key: no bracketed units, no diacritics (đ → d), lower case, letters and digits only."""
    text = re.sub(r"\(.*?\)", "", unicodedata.normalize("NFC", str(text if text is not None else "")))
    return value_key(text)


def value_key(text: object) -> str:
    """Value key: no diacritics (đ → d), lower case, letters and digits only; brackets are kept as content."""
    text = unicodedata.normalize("NFD", str(text if text is not None else "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text.lower())


def canonical(header: object) -> str | None:
    """The normalised column a header names, or None."""
    key = header_key(header)
    if not key:
        return None
    for name, aliases in ALIASES.items():
        if key in aliases:
            return name
    match = CRITERION_HEADER.match(key)
    if match and 1 <= int(match.group(1)) <= 19:
        return f"c{int(match.group(1)):02d}"
    match = re.fullmatch(r"0*(\d{1,2})([a-z]+)", key)  # "1. Quy hoạch": a number with its criterion's name
    if match and criterion_number(header) == int(match.group(1)):
        return f"c{int(match.group(1)):02d}"
    return None


def criterion_number(text: object) -> int | None:
    """1–19 for a criterion written by number or name: 'TC01', 'Tiêu chí 1', '1', '1. Quy hoạch', 'Quy hoạch',
    'Nghèo đa chiều' (a number with a name must agree)."""
    key = header_key(text)
    key = re.sub(r"^(?:tieuchi(?:so|thu)?|tc|criterion)", "", key)
    match = re.fullmatch(r"0*(\d{1,2})([a-z]*)", key)
    number, rest = (int(match.group(1)), match.group(2)) if match else (None, key)
    named = [n for n, names in CRITERION_NAMES.items() if rest in {value_key(x) for x in names}]
    if number is not None:
        return number if (not rest or named == [number] or not named) else None
    return named[0] if len(named) == 1 else None


# Messages: key → vi, en. Parameters in braces. The English text is Problem.message.
MESSAGES = {
    "file_not_found": ("không tìm thấy tệp", "file not found"),
    "xls": ("tệp Excel cũ .xls không được hỗ trợ: hãy lưu tệp thành .xlsx",
            "old Excel .xls is not supported: save the file as .xlsx"),
    "file_type": ("loại tệp {suffix} không được hỗ trợ: cần .csv hoặc .xlsx",
                  "unsupported file type {suffix}: expected .csv or .xlsx"),
    "not_utf8": ("không phải UTF-8: byte 0x{bad} ở vị trí {offset} (dòng {line}) không giải mã được; "
                 "hãy lưu tệp dạng 'CSV UTF-8'",
                 "not UTF-8: byte 0x{bad} at byte offset {offset} (line {line}) cannot be decoded; "
                 "save the file as 'CSV UTF-8'"),
    "empty": ("tệp rỗng", "empty file"),
    "csv_error": ("CSV không đọc được ở dòng {line}: {error}", "unreadable CSV at line {line}: {error}"),
    "csv_field_limit": ("một ô dài quá giới hạn {limit} ký tự của CSV (dòng {line}); thường do một dấu ngoặc kép "
                        "không được đóng",
                        "a cell is longer than the CSV limit of {limit} characters (line {line}); usually a quote "
                        "that is never closed"),
    "csv_newline": ("ô này chứa {lines} dòng của tệp (dấu ngoặc kép mở ở dòng {line} nuốt các dòng sau); hãy xoá "
                    "dấu ngoặc kép thừa hoặc xuống dòng trong ô",
                    "this cell spans {lines} lines of the file (a quote opened on line {line} swallows the lines "
                    "after it); remove the stray quote or the line break in the cell"),
    "csv_unclosed": ("dấu ngoặc kép mở ở dòng {line} không bao giờ được đóng: nó nuốt phần còn lại của tệp",
                     "a quote opened on line {line} is never closed: it swallows the rest of the file"),
    "xlsx_unreadable": ("không phải sổ tính .xlsx đọc được ({error})", "not a readable .xlsx workbook ({error})"),
    "formula": ("công thức chưa có giá trị lưu sẵn: hãy mở tệp bằng Excel, để Excel tính rồi lưu lại",
                "formula without a saved value: open the file in Excel, let it calculate, and save it"),
    "no_table": ("không có trang tính nào có dòng tiêu đề của bảng xã (tìm trong 15 dòng đầu: cần cột mã xã hoặc "
                 "tên xã và các cột tiêu chí); các trang: {sheets}",
                 "no sheet has a commune table header (searched the first 15 rows for a commune code or name column "
                 "and criteria columns); sheets: {sheets}"),
    "sheet_unread": ("trang '{sheet}' có vẻ chứa số liệu xã nhưng không tìm thấy dòng tiêu đề",
                     "sheet '{sheet}' seems to hold commune rows but no header row was found"),
    "no_rows": ("không có dòng dữ liệu", "no data rows"),
    "short_row": ("dòng có {n} giá trị nhưng tiêu đề có {width} cột: dòng bị cắt ngắn không được tự điền",
                  "row has {n} values but the header has {width} columns: a row cut short is not padded"),
    "long_row": ("dòng có {n} giá trị nhưng tiêu đề có {width} cột",
                 "row has {n} values but the header has {width} columns"),
    "missing_column": ("thiếu cột bắt buộc '{header}' ({name})", "missing required column '{header}' ({name})"),
    "missing_identity": ("thiếu cột mã xã hoặc tên xã", "missing a commune code or commune name column"),
    "twice": ("cột trùng với '{first}' ({name})", "same column as '{first}' ({name}) appears twice"),
    "criterion_range": ("tiêu chí {n} không tồn tại: các tiêu chí đánh số 1–19",
                        "criterion {n} does not exist: criteria are numbered 1–19"),
    "code_blank": ("mã xã để trống", "commune code is blank"),
    "code_format": ("mã xã phải là mã 5 chữ số chính thức (ví dụ 01693)",
                    "commune code must be the 5-digit official code (e.g. 01693)"),
    "code_unknown": ("mã xã không có trong danh mục đơn vị hành chính của Cao Bằng (5 chữ số, giữ số 0 đầu)",
                     "unknown commune code: not in the reference list of Cao Bằng's units (5 digits, keep the "
                     "leading zero)"),
    "not_commune": ("{unit} là {type}, không phải xã: phường và thị trấn không thuộc bộ tiêu chí xã",
                    "{unit} is a {type}, not a commune (xã): wards and towns are not covered by the NTM commune "
                    "criteria"),
    "contradicts": ("mâu thuẫn với mã xã {code} ({unit}, {district})",
                    "contradicts the commune code {code} ({unit}, {district})"),
    "duplicate": ("xã-năm trùng: {code} năm {year} đã có ở dòng {first}",
                  "duplicate commune-year: {code} in {year} already on row {first}"),
    "name_unknown": ("không tìm thấy xã tên này{within}; gần nhất: {candidates}",
                     "no commune of this name{within}; nearest: {candidates}"),
    "name_ambiguous": ("tên xã có ở nhiều huyện, cần cột huyện hoặc mã xã: {candidates}",
                       "commune name found in several districts, add the district or the code: {candidates}"),
    "name_not_commune": ("{candidates} là phường hoặc thị trấn, không phải xã: bộ tiêu chí xã không áp dụng; "
                         "hãy bỏ dòng này",
                         "{candidates} is a ward or town, not a commune (xã): the commune criteria do not apply; "
                         "remove the row"),
    "code_column_blank": ("cột mã xã để trống: mã lấy theo tên xã",
                          "the code column is blank: codes matched from names"),
    "district_unknown": ("không tìm thấy huyện tên này; các huyện: {candidates}",
                         "no district of this name; districts: {candidates}"),
    "year_blank": ("năm để trống (và tiêu đề không ghi một năm duy nhất)",
                   "year is blank (and the title does not name a single year)"),
    "year_missing": ("thiếu cột bắt buộc 'Năm' (year) và tiêu đề không ghi một năm duy nhất (năm tìm thấy: {found})",
                     "missing required column 'Năm' (year), and the title does not name a single year (years found: "
                     "{found})"),
    "year_range": ("năm ngoài khoảng {low}–{high}", "year outside {low}–{high}"),
    "whole": ("cần một số nguyên", "expected a whole number"),
    "number": ("cần một số", "expected a number"),
    "too_large": ("số quá lớn", "number too large"),
    "not_finite": ("không phải số hữu hạn (NaN/vô cực)", "not a finite number (NaN/infinity)"),
    "negative": ("không được âm", "must not be negative"),
    "income_low": ("thu nhập phải lớn hơn 0", "income must be above 0"),
    "income_high": ("thu nhập quá lớn: cần triệu đồng/người/năm (≤ {max})",
                    "implausibly large income: expected triệu đồng/người/năm (≤ {max})"),
    "poverty_range": ("tỷ lệ hộ nghèo phải trong khoảng 0–100 %", "poverty rate must be within 0–100 %"),
    "mark": ("cần Đạt / Chưa đạt (hoặc x, Đ / CĐ, trống, 1 / 0, TRUE / FALSE, Có / Không)",
             "expected Đạt / Chưa đạt (or x, Đ / CĐ, blank, 1 / 0, TRUE / FALSE, Có / Không, yes / no)"),
    "mark_uncertain": ("giá trị chưa chắc chắn (dự kiến, đề nghị, '?') không được tính là đạt: ghi Đạt hoặc Chưa đạt",
                       "an uncertain value (expected, proposed, '?') is not counted as met: write Đạt or Chưa đạt"),
    "level": ("cần mức: Chưa đạt, Đạt chuẩn, Nâng cao hoặc Kiểu mẫu",
              "expected a level: Chưa đạt, Đạt chuẩn, Nâng cao or Kiểu mẫu"),
    "level_proposed": ("'đề nghị', 'dự kiến' hoặc '?' chưa phải là được công nhận: ghi Chưa đạt cho đến khi có "
                       "quyết định công nhận",
                       "'proposed', 'expected' or '?' is not recognised: write Chưa đạt until the recognition "
                       "decision is made"),
    "criteria_set": ("không rõ bộ tiêu chí: ghi 'QĐ 1980' (2016–2020) hoặc 'QĐ 318' (2021–2025)",
                     "unknown criteria set: write 'QĐ 1980' (2016–2020) or 'QĐ 318' (2021–2025)"),
    "criteria_set_year": ("bộ tiêu chí 2021–2025 (QĐ 318/QĐ-TTg, ngày 08/3/2022) không thể áp dụng cho năm {year}",
                          "the 2021–2025 criteria set (QĐ 318/QĐ-TTg of 08/3/2022) cannot apply to {year}"),
    "declared_mismatch": ("số tiêu chí đạt ghi {declared} nhưng đếm các cột tiêu chí được {counted}",
                          "the criteria-met count says {declared} but the criteria columns give {counted}"),
    "recognised_after": ("năm công nhận {recognised} sau năm đánh giá {year}",
                         "recognised in {recognised}, after the assessment year {year}"),
    "villages": ("{what}: {part} > {whole}", "{what}: {part} > {whole}"),
    "villages_standard": ("số thôn đạt chuẩn nhiều hơn số thôn", "more standard villages than villages"),
    "villages_model": ("số thôn kiểu mẫu nhiều hơn số thôn", "more model villages than villages"),
    "villages_model_standard": ("số thôn kiểu mẫu nhiều hơn số thôn đạt chuẩn (thôn kiểu mẫu trước hết là thôn "
                                "đạt chuẩn)",
                                "more model villages than standard villages (a model village is a standard "
                                "village first)"),
    "long_missing": ("xã thiếu tiêu chí {missing} trong bảng dạng dài (mỗi xã cần đủ 19 dòng tiêu chí)",
                     "commune lacks criteria {missing} in the long table (each commune needs all 19 criterion rows)"),
    "long_twice": ("tiêu chí {n} của xã này đã có ở dòng {first}",
                   "criterion {n} of this commune already on row {first}"),
    "long_criterion": ("không nhận ra số tiêu chí (cần 1–19, 'TC01', 'Tiêu chí 1')",
                       "criterion not recognised (expected 1–19, 'TC01', 'Tiêu chí 1')"),
    "long_level": ("mức đạt chuẩn khác nhau giữa các dòng của cùng một xã",
                   "different levels on rows of the same commune"),
    "unexpected": ("lỗi không lường trước khi đọc tệp ({error}); hãy gửi tệp cho nhóm phát triển",
                   "unexpected error reading the file ({error}); please send the file to the developers"),
}

# Notes: how the file was read (shown by `ntm validate`, never blocking).
NOTES = {
    "sheet_read": ("trang '{sheet}': dòng tiêu đề cột {rows}, {n} dòng xã",
                   "sheet '{sheet}': header on row(s) {rows}, {n} commune row(s)"),
    "sheet_skipped": ("trang '{sheet}': không có bảng xã, bỏ qua", "sheet '{sheet}': no commune table, skipped"),
    "mapping": ("cột '{header}' → {name}", "column '{header}' → {name}"),
    "ignored": ("cột '{header}' không dùng", "column '{header}' not used"),
    "hidden": ("cột ẩn '{header}' (cột {letter}) được đọc là {name}",
               "hidden column '{header}' (column {letter}) is read as {name}"),
    "hidden_unused": ("cột ẩn '{header}' (cột {letter}), không dùng",
                      "hidden column '{header}' (column {letter}), not used"),
    "hidden_rows": ("dòng ẩn {rows} vẫn được đọc", "hidden row(s) {rows} are read"),
    "skip_group": ("bỏ qua dòng nhóm '{text}'", "skipped group row '{text}'"),
    "skip_subtotal": ("bỏ qua dòng cộng '{text}'", "skipped subtotal row '{text}'"),
    "skip_footer": ("bỏ qua phần chân/ký tên '{text}'", "skipped footer/signature row '{text}'"),
    "skip_header": ("bỏ qua dòng tiêu đề lặp lại", "skipped a repeated header row"),
    "skip_numbering": ("bỏ qua dòng đánh số cột", "skipped the column-numbering row"),
    "year_title": ("năm {year} lấy từ tiêu đề '{text}'", "year {year} taken from the title '{text}'"),
    "district_group": ("huyện lấy từ dòng nhóm/tên trang: {district}",
                       "district from group rows/sheet name: {district}"),
    "name_match": ("'{written}' → {code} {name} ({district})", "'{written}' → {code} {name} ({district})"),
    "long_pivot": ("bảng dạng dài (xã, tiêu chí, kết quả) được chuyển thành một dòng mỗi xã-năm",
                   "long table (commune, criterion, status) pivoted to one row per commune-year"),
    "percent": ("cột '{header}' định dạng phần trăm: 0,258 đọc là 25,8",
                "column '{header}' is formatted as percent: 0.258 reads as 25.8"),
}


@dataclass(frozen=True)
class CommuneProblem(Problem):
    """A Problem (or note) with its message key and parameters, so it can be shown in vi or en."""

    kind: str = ""
    params: tuple = ()

    def text(self, lang: str = "vi") -> str:
        where = [self.file.rsplit("/", 1)[-1]]
        if self.row is not None:
            where.append(f"{'dòng' if lang == 'vi' else 'row'} {self.row}")
        if self.column is not None:
            where.append(f"{'cột' if lang == 'vi' else 'column'} '{self.column}'")
        text = f"{', '.join(where)}: {render(self.kind, dict(self.params), lang)}"
        if self.value is not None and self.value != "":
            text += f" ({'giá trị' if lang == 'vi' else 'value'}: {_short(self.value)!r})"
        return text


def render(kind: str, params: dict, lang: str) -> str:
    pair = MESSAGES.get(kind) or NOTES.get(kind)
    if pair is None:
        return str(params.get("message", kind))
    return pair[0 if i18n.check_lang(lang) == "vi" else 1].format(**params)


def problem(file: str, row: int | None, column: str | None, value: object, kind: str, **params) -> CommuneProblem:
    return CommuneProblem(file, row, column, _short(value), render(kind, params, "en"), kind=kind,
                          params=tuple(params.items()))


def text(found: Problem, lang: str = "vi") -> str:
    """A problem in the user's language (a plain Problem from elsewhere keeps its own text)."""
    return found.text(lang) if isinstance(found, CommuneProblem) else str(found)


def _short(value: object) -> object:
    if isinstance(value, str) and len(value) > 80:
        return value[:60] + f"… ({len(value)} characters)"
    return value
