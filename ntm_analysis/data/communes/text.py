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


# Messages by kind; their words are in the `problems` catalogue (parameters in braces). The English text is
# Problem.message.
LABELS = i18n.catalogue("problems")
MESSAGES = (
    "file_not_found",
    "xls",
    "file_type",
    "not_utf8",
    "empty",
    "csv_error",
    "csv_field_limit",
    "csv_newline",
    "csv_unclosed",
    "xlsx_unreadable",
    "formula",
    "no_table",
    "sheet_unread",
    "no_rows",
    "short_row",
    "long_row",
    "missing_column",
    "missing_identity",
    "twice",
    "criterion_range",
    "code_blank",
    "code_format",
    "code_unknown",
    "not_commune",
    "contradicts",
    "duplicate",
    "name_unknown",
    "name_ambiguous",
    "name_not_commune",
    "code_column_blank",
    "district_unknown",
    "year_blank",
    "year_missing",
    "year_range",
    "whole",
    "number",
    "too_large",
    "not_finite",
    "negative",
    "income_low",
    "income_high",
    "poverty_range",
    "mark",
    "mark_uncertain",
    "level",
    "level_proposed",
    "criteria_set",
    "criteria_set_year",
    "declared_mismatch",
    "recognised_after",
    "villages",
    "villages_standard",
    "villages_model",
    "villages_model_standard",
    "long_missing",
    "long_twice",
    "long_criterion",
    "long_level",
    "unexpected",
)

# Notes: how the file was read (shown by `ntm validate`, never blocking).
NOTES = (
    "sheet_read",
    "sheet_skipped",
    "mapping",
    "ignored",
    "hidden",
    "hidden_unused",
    "hidden_rows",
    "skip_group",
    "skip_subtotal",
    "skip_footer",
    "skip_header",
    "skip_numbering",
    "year_title",
    "district_group",
    "name_match",
    "long_pivot",
    "percent",
)


@dataclass(frozen=True)
class CommuneProblem(Problem):
    """A Problem (or note) with its message key and parameters, so it can be shown in vi or en."""

    kind: str = ""
    params: tuple = ()

    def text(self, lang: str = "vi") -> str:
        where = [self.file.rsplit("/", 1)[-1]]
        if self.row is not None:
            where.append(i18n.text(LABELS, "where_row", lang, row=self.row))
        if self.column is not None:
            where.append(i18n.text(LABELS, "where_column", lang, column=self.column))
        text = f"{', '.join(where)}: {render(self.kind, dict(self.params), lang)}"
        if self.value is not None and self.value != "":
            text += f" ({i18n.text(LABELS, 'where_value', lang, value=repr(_short(self.value)))})"
        return text


def render(kind: str, params: dict, lang: str) -> str:
    if kind not in MESSAGES and kind not in NOTES:
        return str(params.get("message", kind))
    return i18n.text(LABELS, kind, lang, **params)


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
