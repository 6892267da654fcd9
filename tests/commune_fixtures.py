"""Commune files shaped as offices keep them, and broken ones, written into a folder with openpyxl and csv.

Every fixture is built here from the reference list of communes (no copied files). Each function returns the path
it wrote. Marks: the first `met` criteria of a commune are met, the rest not.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl

from ntm_analysis.data import reference

CRITERIA = range(1, 20)
TITLE = ["UBND TỈNH CAO BẰNG", "BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG",
         "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI NĂM 2021"]
FOOTER = [["", "NGƯỜI LẬP BIỂU", "", "", "TM. BAN CHỈ ĐẠO"], ["", "(Ký, ghi rõ họ tên)"]]


def communes(district: str | None = None) -> list[tuple[str, str, str]]:
    """(code, name, district_code) of the reference communes, of one district if given."""
    table = reference.communes()
    if district:
        table = table[table["district_code"] == district]
    return list(zip(table["code"], table["name"], table["district_code"]))


def marks(met: int, yes: str = "x", no: str = "") -> list[str]:
    return [yes] * met + [no] * (19 - met)


def write_csv(path: Path, rows: list[list], delimiter: str = ",") -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8-sig")
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]], *, merges: dict[str, list[str]] | None = None,
               formats: dict[str, dict[str, str]] | None = None, hidden: dict[str, list[str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for rng in (merges or {}).get(title, []):
            sheet.merge_cells(rng)
        for rng, fmt in (formats or {}).get(title, {}).items():
            for line in sheet[rng]:
                for cell in (line if isinstance(line, tuple) else (line,)):
                    cell.number_format = fmt
        for letter in (hidden or {}).get(title, []):
            sheet.column_dimensions[letter].hidden = True
    book.save(path)
    return path


def template_header() -> list[str]:
    return ["Mã xã", "Tên xã", "Năm", *[f"TC{n:02d}" for n in CRITERIA], "Mức đạt chuẩn"]


def template_rows(district: str = "051", met=lambda i: 10 + i % 9, year: object = 2021) -> list[list]:
    return [[code, name, year, *marks(met(i)), "Chưa đạt"] for i, (code, name, _) in enumerate(communes(district))]


# ----------------------------------------------------------------------------------------------- office shapes

def office_csv(folder: Path) -> Path:
    """Title block, two-row header (a 'Tiêu chí' band written once over 1…19), group and subtotal rows, names only,
    year in the title, a numbering row, a signature block."""
    top = ["STT", "Tên xã", "Tiêu chí", *[""] * 18, "Số tiêu chí đạt", "Mức đạt chuẩn", "Ghi chú"]
    bottom = ["", "", *[str(n) for n in CRITERIA], "", "", ""]
    rows = [[t] for t in TITLE] + [[]] + [top, bottom]
    rows.append(["A", "B", *[f"({n})" for n in CRITERIA], "(20)", "(21)", "(22)"])
    for roman, district in (("I", "051"), ("II", "042")):
        name = reference.unit_name(district)
        rows.append([roman, name, *[""] * 22])
        for i, (code, commune, _) in enumerate(communes(district)):
            met = 19 if i == 0 else 8 + i % 10
            rows.append([str(i + 1), commune.removeprefix("Xã "), *marks(met, "x", ""), str(met),
                         "Đạt chuẩn" if met == 19 else "", ""])
        rows.append(["", "Cộng", *[""] * 22])
    rows.append(["", "Tổng cộng", *[""] * 22])
    rows += [[]] + FOOTER
    return write_csv(folder / "office.csv", rows)


def office_xlsx(folder: Path) -> Path:
    """One sheet per district (sheet named after it), a merged 'Tiêu chí' band over 1…19, Đ/CĐ marks, a merged
    year column, poverty formatted as percent, a hidden column, an instructions sheet."""
    sheets, merges, formats, hidden = {"Hướng dẫn": [["Mỗi huyện một trang"]]}, {}, {}, {}
    for district in ("051", "049"):
        title = reference.unit_name(district).removeprefix("Huyện ")
        head = [TITLE[2]], []
        top = ["STT", "Mã xã", "Tên xã", "Năm", "Tiêu chí", *[None] * 18, "Mức đạt chuẩn", "Tỷ lệ hộ nghèo (%)",
               "Ghi chú nội bộ"]
        bottom = [None, None, None, None, *CRITERIA, None, None, None]
        rows = [*head, top, bottom]
        body = communes(district)
        for i, (code, name, _) in enumerate(body):
            rows.append([i + 1, code, name, 2021 if i == 0 else None, *marks(min(5 + i, 19), "Đ", "CĐ"), "Chưa đạt",
                         0.258, "x"])
        sheets[title] = rows
        last = 4 + len(body)
        merges[title] = ["E3:W3", *[f"{c}3:{c}4" for c in "ABCD"], "X3:X4", "Y3:Y4", "Z3:Z4", f"D5:D{last}"]
        formats[title] = {f"Y5:Y{last}": "0.0%"}
        hidden[title] = ["Z"]
    return write_xlsx(folder / "office.xlsx", sheets, merges=merges, formats=formats, hidden=hidden)


def long_csv(folder: Path, *, drop: int | None = None) -> Path:
    rows = [["Mã xã", "Năm", "Tiêu chí", "Kết quả", "Mức đạt chuẩn"]]
    for code, _, _ in communes("040"):
        for n in CRITERIA:
            if (code, n) == (communes("040")[0][0], drop):
                continue
            rows.append([code, "2021", f"TC{n:02d}", "Đạt" if n <= 12 else "Chưa đạt", "Chưa đạt"])
    return write_csv(folder / "long.csv", rows)


def names_csv(folder: Path, rows: list[tuple[str, str]]) -> Path:
    """District and commune names, no code."""
    out = [["Huyện", "Tên xã", "Năm", *[f"Tiêu chí {n}" for n in CRITERIA], "Mức độ"]]
    out += [[d, n, "2021", *marks(9), ""] for d, n in rows]
    return write_csv(folder / "names.csv", out)


def recognised_csv(folder: Path) -> Path:
    """Recognition kept apart from criteria met: a standard commune with 17 met, its year and decision, the
    2021–2025 criteria set named in a column."""
    header = ["Mã xã", "Năm", *[f"TC{n}" for n in CRITERIA], "Mức đạt chuẩn", "Năm công nhận", "Quyết định",
              "Bộ tiêu chí"]
    (a, _, _), (b, _, _) = communes("051")[:2]
    return write_csv(folder / "recognised.csv", [
        header,
        [a, "2022", *marks(17, "Đạt", "Chưa đạt"), "Đạt chuẩn", "2019", "123/QĐ-UBND", "QĐ 318"],
        [b, "2021", *marks(19, "Đạt", "Chưa đạt"), "Chưa đạt", "", "", ""],
    ])


# ----------------------------------------------------------------------------------------------- broken files

def stray_quote_csv(folder: Path) -> Path:
    """A notes cell opening a quote it never closes on that line: the rows after it must not be swallowed."""
    rows = [template_header() + ["Ghi chú"]]
    rows += [r + [""] for r in template_rows("051")]
    path = write_csv(folder / "quote.csv", rows)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[3] += '"xã đề nghị, chờ'  # the notes cell (last, blank) opens a quote
    lines[9] += 'xong"'
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def short_row_csv(folder: Path) -> Path:
    rows = [template_header()] + template_rows("051")
    rows[3] = rows[3][:10]
    return write_csv(folder / "short.csv", rows)


def formula_xlsx(folder: Path) -> Path:
    """Criteria-met counts as formulas that no program has calculated (written by openpyxl: no cached value)."""
    header = template_header() + ["Số tiêu chí đạt"]
    rows = [header]
    for i, row in enumerate(template_rows("051")[:3], start=2):
        rows.append(row + [f'=COUNTIF(D{i}:V{i},"x")'])
    return write_xlsx(folder / "formula.xlsx", {"Dữ liệu": rows})


def percent_xlsx(folder: Path) -> Path:
    rows = [template_header() + ["Tỷ lệ hộ nghèo đa chiều (%)"]]
    rows += [r + [0.258] for r in template_rows("051")[:2]]
    return write_xlsx(folder / "percent.xlsx", {"Dữ liệu": rows}, formats={"Dữ liệu": {"X2:X3": "0.0%"}})


def values_csv(folder: Path, column: str, value: str, *, name: str = "values.csv") -> Path:
    """The template with one cell of `column` (a header) in the first row set to `value`."""
    header = template_header() + ["Tỷ lệ hộ nghèo (%)"]
    rows = [r + [""] for r in template_rows("051")[:3]]
    rows[0][header.index(column)] = value
    return write_csv(folder / name, [header, *rows])


def huge_cell_csv(folder: Path) -> Path:
    rows = [template_header() + ["Ghi chú"]] + [r + [""] for r in template_rows("051")[:2]]
    rows[1][-1] = "x" * 200_000
    return write_csv(folder / "huge.csv", rows)


def not_xlsx_zip(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "zip.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return folder / "zip.xlsx"
