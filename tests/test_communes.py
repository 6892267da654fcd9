"""Commune input: reading CSV and Excel, header and value spellings, every validation problem, the template and
the synthetic demo dataset."""

import csv
import importlib.util
import io
import json
import zipfile

import openpyxl
import pandas as pd
import pytest

from ntm_analysis.data import communes, facts, reference
from ntm_analysis import paths
from ntm_analysis.errors import DataError, UnitError

HEADER = list(communes.HEADERS.values())


def _generator():
    spec = importlib.util.spec_from_file_location("generate_demo_communes", paths.DEMO_GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(code="01693", name="Xã Vĩnh Quang", district="Thành phố Cao Bằng", year="2021", met=19, level="Chưa đạt",
         villages=("", "", ""), income="", poverty=""):
    """A template row: the first `met` criteria Đạt, the rest Chưa đạt."""
    criteria = ["Đạt"] * met + ["Chưa đạt"] * (19 - met)
    return [code, name, district, year, *criteria, level, *villages, income, poverty]


def _write_csv(path, rows, header=HEADER, encoding="utf-8-sig", delimiter=","):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    path.write_text(text.getvalue(), encoding=encoding)
    return path


def _problems(path):
    with pytest.raises(DataError) as caught:
        communes.read(path)
    return caught.value.problems


def _find(problems, *, row, column, text):
    hits = [p for p in problems if p.row == row and p.column == column and text in p.message]
    assert hits, f"no problem at row {row}, column {column!r} containing {text!r} in:\n" + "\n".join(map(str, problems))
    return hits[0]


# ------------------------------------------------------------------------------------------------ reading CSV

def test_filled_csv_template_reads_back(tmp_path):
    path = _write_csv(tmp_path / "xa.csv", [
        _row(met=19, level="Đạt chuẩn", villages=("10", "8", "2"), income="45,5", poverty="3.2"),
        _row(code="01705", name="Hưng Đạo", met=14),
        _row(code="01291", name="Xã Đức Hạnh", district="Huyện Bảo Lâm", year="2020", met=7, level=""),
    ])
    frame = communes.read(path)
    assert list(frame.columns) == ["commune_code", "commune_name", "district_code", "district_name", "year",
                                   *communes.CRITERIA_COLUMNS, "level", "criteria_met", "band", "villages_total",
                                   "villages_standard", "villages_model", "income", "poverty_rate",
                                   "criteria_set", "year_recognised", "decision"]
    assert frame["criteria_set"].tolist() == ["2016_2020"] * 3
    assert frame["commune_code"].tolist() == ["01291", "01693", "01705"]  # sorted by year, code
    first = frame.set_index("commune_code").loc["01693"]
    assert first["criteria_met"] == 19 and first["band"] == "19" and first["level"] == "dat_chuan"
    assert first["villages_total"] == 10 and first["villages_model"] == 2
    assert first["income"] == 45.5 and first["poverty_rate"] == 3.2
    second = frame.set_index("commune_code").loc["01705"]
    assert second["criteria_met"] == 14 and second["band"] == "10-14" and not second["c19"] and second["c01"]
    assert pd.isna(second["villages_total"]) and pd.isna(second["income"])
    third = frame.set_index("commune_code").loc["01291"]
    assert third["level"] == "chua_dat" and third["year"] == 2020 and third["district_code"] == "042"
    assert str(frame["villages_total"].dtype) == "Int64"
    assert frame["c01"].dtype == bool and frame["year"].dtype.kind == "i"
    origin = frame.attrs["origin"]
    assert origin["synthetic"] is False and len(origin["sha256"]) == 64 and origin["file"].endswith("xa.csv")


def test_csv_without_bom_and_with_semicolons(tmp_path):
    path = _write_csv(tmp_path / "xa.csv", [_row(met=12)], encoding="utf-8", delimiter=";")
    assert communes.read(path)["criteria_met"].tolist() == [12]


def test_csv_not_utf8_names_file_and_line(tmp_path):
    path = _write_csv(tmp_path / "xa.csv", [_row(met=12), _row(code="01705", name="Xã Hưng Đạo", met=3)],
                      encoding="utf-8")
    data = path.read_text(encoding="utf-8").encode("cp1258", errors="replace")  # Windows Vietnamese
    path.write_bytes(data)
    problems = _problems(path)
    assert len(problems) == 1
    assert "not UTF-8" in problems[0].message and problems[0].file == str(path)
    assert problems[0].row == 1  # the header already has a non-ASCII byte
    assert "byte offset" in str(DataError(problems))


def test_not_utf8_on_a_later_line(tmp_path):
    good = _write_csv(tmp_path / "xa.csv", [_row(met=12)]).read_bytes()
    (tmp_path / "bad.csv").write_bytes(good + b"01705,X\xe3 H\xfang,,2021\n")
    problem = _problems(tmp_path / "bad.csv")[0]
    assert problem.row == 3 and problem.value == "0xe3"


def test_leading_zero_dropped_by_a_spreadsheet_is_restored(tmp_path):
    path = _write_csv(tmp_path / "xa.csv", [_row(code="1693", met=12)])
    assert communes.read(path)["commune_code"].tolist() == ["01693"]


def test_blank_lines_are_skipped_but_rows_keep_their_numbers(tmp_path):
    rows = [_row(met=12), [""] * len(HEADER), _row(code="01705", name="Xã Hưng Đạo", year="1999")]
    problems = _problems(_write_csv(tmp_path / "xa.csv", rows))
    _find(problems, row=4, column="Năm", text="year outside 2010–2035")


# ------------------------------------------------------------------------------------------------ headers, values

@pytest.mark.parametrize("code, year, criterion, level", [
    ("Mã xã", "Năm", "TC{n}", "Mức độ"),
    ("commune_code", "year", "c{n:02d}", "level"),
    ("MA XA", "nam", "Tiêu chí {n}", "Mức đạt chuẩn"),
    ("ma_xa", "YEAR", "TC{n:02d} anything after the number", "LEVEL"),
    ("Mã ĐVHC", "Năm đánh giá", "Tiêu chí số {n}", "mức đạt"),
    ("Code", "Year", "criterion {n}", "Level"),
])
def test_header_spellings(tmp_path, code, year, criterion, level):
    header = [code, year, *[criterion.format(n=n) for n in communes.CRITERIA], level, "Ghi chú"]
    rows = [["01693", "2021", *(["Đạt"] * 17 + ["Chưa đạt"] * 2), "", "ignored note"]]
    frame = communes.read(_write_csv(tmp_path / "xa.csv", rows, header=header))
    assert frame["criteria_met"].tolist() == [17]
    assert not frame["c18"].iloc[0] and frame["c17"].iloc[0]


def test_optional_header_spellings(tmp_path):
    header = ["Mã xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ", "Tổng số thôn", "thon dat chuan",
              "villages_model", "Thu nhập (triệu đồng)", "Tỷ lệ hộ nghèo (%)"]
    rows = [["01693", "2021", *(["x"] * 19), "Đạt chuẩn", "12", "9", "1", "40", "2,5"]]
    frame = communes.read(_write_csv(tmp_path / "xa.csv", rows, header=header))
    row = frame.iloc[0]
    assert (row["villages_total"], row["villages_standard"], row["villages_model"]) == (12, 9, 1)
    assert row["income"] == 40 and row["poverty_rate"] == 2.5


@pytest.mark.parametrize("met", ["Đạt", "đạt", "ĐẠT", "x", "X", "1", "1.0", "TRUE", "true", "Có", "yes", "Yes", "✓",
                                 "Đa\u0323t"])  # the last one is NFD (decomposed accents)
def test_met_spellings(tmp_path, met):
    rows = [["01693", "", "", "2021", met, *(["Chưa đạt"] * 18), "", "", "", "", "", ""]]
    assert communes.read(_write_csv(tmp_path / "xa.csv", rows))["c01"].tolist() == [True]


@pytest.mark.parametrize("not_met", ["Chưa đạt", "chưa đạt", "", " ", "0", "FALSE", "false", "Không", "no", "-",
                                     "Không đạt"])
def test_not_met_spellings(tmp_path, not_met):
    rows = [["01693", "", "", "2021", not_met, *(["Đạt"] * 18), "", "", "", "", "", ""]]
    assert communes.read(_write_csv(tmp_path / "xa.csv", rows))["c01"].tolist() == [False]


@pytest.mark.parametrize("text, level", [
    ("Chưa đạt", "chua_dat"), ("", "chua_dat"), ("not met", "chua_dat"), ("Đạt chuẩn", "dat_chuan"),
    ("đạt chuẩn", "dat_chuan"), ("standard", "dat_chuan"), ("Nâng cao", "nang_cao"), ("advanced", "nang_cao"),
    ("Kiểu mẫu", "kieu_mau"), ("MODEL", "kieu_mau"), ("kieu_mau", "kieu_mau"),
])
def test_level_spellings(tmp_path, text, level):
    path = _write_csv(tmp_path / "xa.csv", [_row(met=19, level=text)])
    assert communes.read(path)["level"].tolist() == [level]


# ------------------------------------------------------------------------------------------------ validation

def test_every_problem_is_reported_with_row_column_and_value(tmp_path):
    rows = [
        _row(code="99999", name=""),  # 2: unknown code
        _row(code="01267", name=""),  # 3: a ward (phường)
        _row(code="01291", name="Xã Lý Bôn", district=""),  # 4: name contradicts the code
        _row(code="01693", met=19, level="Đạt chuẩn"),  # 5: fine
        _row(code="01693", met=19, level="Đạt chuẩn"),  # 6: duplicate of row 5
        _row(code="01705", name="", year="2040"),  # 7: year out of range
        [*_row(code="01720", name="")[:4], "maybe", *_row()[5:]],  # 8: criterion value
        _row(code="01294", name="", district="", met=17, level="Đạt chuẩn"),  # 9: recognised, 17 met: valid
        _row(code="01296", name="", district="", villages=("5", "7", "1")),  # 10: standard > total
        _row(code="01297", name="", district="", villages=("-1", "", "")),  # 11: negative
        _row(code="01300", name="", district="", poverty="120"),  # 12: poverty > 100
        _row(code="01303", name="", district="", income="0"),  # 13: income ≤ 0
        _row(code="01304", name="", district="", income="36000000"),  # 14: income in đồng
        _row(code="01291", name="", district="Huyện Bảo Lạc"),  # 15: district contradicts
        _row(code="01294", name="", district="", year="2021", level="hmm"),  # 16: unknown level
        _row(code="1693a", name=""),  # 17: malformed code
        _row(code="01316", name="", district="", villages=("3.5", "", "")),  # 18: not a whole number
    ]
    path = _write_csv(tmp_path / "bad.csv", rows)
    problems = _problems(path)
    assert all(p.file == str(path) for p in problems)
    assert _find(problems, row=2, column="Mã xã", text="unknown commune code").value == "99999"
    _find(problems, row=3, column="Mã xã", text="not a commune")
    assert _find(problems, row=4, column="Tên xã", text="contradicts").value == "Xã Lý Bôn"
    assert _find(problems, row=6, column="Mã xã", text="duplicate").message.endswith("already on row 5")
    assert _find(problems, row=7, column="Năm", text="year outside").value == 2040
    assert _find(problems, row=8, column="TC01 Quy hoạch", text="expected Đạt").value == "maybe"
    _find(problems, row=10, column="Thôn đạt chuẩn", text="more standard villages than villages")
    assert _find(problems, row=11, column="Số thôn", text="negative").value == -1
    _find(problems, row=12, column="Tỷ lệ hộ nghèo đa chiều (%)", text="0–100")
    _find(problems, row=13, column="Thu nhập bình quân (triệu đồng/người/năm)", text="above 0")
    _find(problems, row=14, column="Thu nhập bình quân (triệu đồng/người/năm)", text="implausibly large")
    _find(problems, row=15, column="Huyện", text="contradicts")
    _find(problems, row=16, column="Mức đạt chuẩn", text="expected a level")
    _find(problems, row=17, column="Mã xã", text="5-digit")
    _find(problems, row=18, column="Số thôn", text="whole number")
    assert not [p for p in problems if p.row == 5]
    assert not [p for p in problems if p.row == 9 and p.column != "Mã xã"]  # 16 duplicates it
    message = str(DataError(problems))
    assert "bad.csv, row 10, column 'Thôn đạt chuẩn'" in message


def test_missing_and_duplicate_columns(tmp_path):
    header = [h for h in HEADER if h not in ("Năm", "TC07 Cơ sở hạ tầng thương mại nông thôn")] + ["TC1", "TC20"]
    rows = [[v for h, v in zip(HEADER, _row()) if h not in ("Năm", "TC07 Cơ sở hạ tầng thương mại nông thôn")]
            + ["Đạt", "Đạt"]]
    problems = _problems(_write_csv(tmp_path / "xa.csv", rows, header=header))
    _find(problems, row=1, column="Năm", text="missing required column")
    _find(problems, row=1, column="TC07 Cơ sở hạ tầng thương mại nông thôn", text="missing required column")
    _find(problems, row=1, column="TC1", text="appears twice")
    _find(problems, row=1, column="TC20", text="criterion 20 does not exist")


def test_model_villages_above_standard(tmp_path):
    problems = _problems(_write_csv(tmp_path / "xa.csv", [_row(villages=("10", "2", "3"))]))
    _find(problems, row=2, column="Thôn kiểu mẫu", text="more model villages than standard")


def test_header_only_file_has_no_data_rows():
    assert [p.message for p in communes.problems(paths.TEMPLATE_CSV)] == ["no data rows"]


def test_problems_is_empty_for_a_clean_file(tmp_path):
    assert communes.problems(_write_csv(tmp_path / "xa.csv", [_row(met=10)])) == []


@pytest.mark.parametrize("name, content, text", [
    ("xa.xlsx", b"Ma xa,Nam\n01693,2021\n", "not a readable .xlsx"),
    ("xa.xls", b"\xd0\xcf\x11\xe0", ".xls is not supported"),
    ("xa.ods", b"", "unsupported file type"),
])
def test_unreadable_files(tmp_path, name, content, text):
    (tmp_path / name).write_bytes(content)
    problems = _problems(tmp_path / name)
    assert problems[0].file == str(tmp_path / name) and text in problems[0].message


def test_truncated_xlsx(tmp_path):
    data = paths.TEMPLATE_XLSX.read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    assert "not a readable .xlsx" in _problems(tmp_path / "cut.xlsx")[0].message


def test_zip_that_is_not_a_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "x.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "not a readable .xlsx" in _problems(tmp_path / "x.xlsx")[0].message


def test_missing_file(tmp_path):
    assert _problems(tmp_path / "nowhere.csv")[0].message == "file not found"


# ------------------------------------------------------------------------------------------------ Excel

def test_filled_xlsx_template_reads_back(tmp_path):
    book = openpyxl.load_workbook(paths.TEMPLATE_XLSX)
    sheet = book["Dữ liệu"]
    sheet.append(["01693", "Xã Vĩnh Quang", "Thành phố Cao Bằng", 2021, *(["Đạt"] * 19), "Nâng cao", 10, 8, 1,
                  45.5, 3.2])
    sheet.append([1705, None, None, 2021.0, *([True] * 18), False, None, None, None, None, None, None])
    sheet.append([None] * 5)  # a blank row is skipped
    sheet.append(["01291", None, None, 2021, *([1] * 10), *([0] * 9), "Chưa đạt"])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    frame = communes.read(path).set_index("commune_code")
    assert frame.loc["01693", "level"] == "nang_cao" and frame.loc["01693", "income"] == 45.5
    assert frame.loc["01693", "villages_standard"] == 8
    assert frame.loc["01705", "criteria_met"] == 18 and not frame.loc["01705", "c19"]
    assert frame.loc["01291", "criteria_met"] == 10 and frame.loc["01291", "band"] == "10-14"


def test_xlsx_problems_use_sheet_rows(tmp_path):
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Ghi chú"
    notes.append(["Số liệu năm 2021"])
    data = book.create_sheet("Bảng 1")
    data.append(["Báo cáo kết quả xã"])  # a title above the header
    data.append([])
    data.append([*HEADER, "TC20"])  # header on row 3
    data.append(_row(met=19, level="Đạt chuẩn"))  # row 4
    data.append([])  # row 5
    data.append(_row(code="01705", name="", year="abc"))  # row 6
    path = tmp_path / "table.xlsx"
    book.save(path)
    problems = _problems(path)
    assert [(p.row, p.column) for p in problems] == [(3, "TC20"), (6, "Năm")]


def test_xlsx_without_a_header_lists_missing_columns(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["something", "else"])
    book.active.append([1, 2])
    book.save(tmp_path / "other.xlsx")
    problems = _problems(tmp_path / "other.xlsx")
    assert len(problems) == 1 and "no sheet has a commune table header" in problems[0].message
    assert "sheets: Sheet" in problems[0].message


# ------------------------------------------------------------------------------------------------ template

def test_template_csv_is_the_header_with_bom():
    data = paths.TEMPLATE_CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == ",".join(HEADER) + "\n"


def test_template_xlsx_sheets_and_drop_downs():
    book = openpyxl.load_workbook(paths.TEMPLATE_XLSX)
    assert book.sheetnames == ["Hướng dẫn", "Dữ liệu", "Danh sách xã"]
    data = book["Dữ liệu"]
    assert [c.value for c in data[1]] == HEADER
    formulas = {v.formula1 for v in data.data_validations.dataValidation}
    assert '"Đạt,Chưa đạt"' in formulas and '"Chưa đạt,Đạt chuẩn,Nâng cao,Kiểu mẫu"' in formulas
    listing = book["Danh sách xã"]
    codes = [row[0] for row in listing.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(reference.communes()["code"]) and len(codes) == 139
    assert "Mã xã" in " ".join(str(c.value) for c in book["Hướng dẫn"]["A"])


def test_every_template_header_is_recognised():
    assert [communes._canonical(h) for h in HEADER] == list(communes.HEADERS)


# ------------------------------------------------------------------------------------------------ the demo dataset

def test_generator_output_equals_the_committed_files():
    gen = _generator()
    goal = gen.targets()
    frame = gen.generate(goal=goal)
    assert gen.csv_text(frame).encode("utf-8-sig") == paths.DEMO_COMMUNES.read_bytes()
    assert json.dumps(gen.meta(frame, goal), ensure_ascii=False, indent=2) + "\n" == \
        paths.DEMO_COMMUNES_META.read_text(encoding="utf-8")
    assert gen.csv_text().encode("utf-8-sig") == paths.TEMPLATE_CSV.read_bytes()
    assert gen.template_xlsx() == paths.TEMPLATE_XLSX.read_bytes()


def test_demo_aggregates_equal_the_report():
    frame = communes.load_default()
    assert len(frame) == len(reference.communes()) == 139
    assert set(frame["commune_code"]) == set(reference.communes()["code"])
    assert (frame["year"] == 2021).all()
    bands = frame["band"].value_counts()
    assert bands["19"] == facts.get("attainment_2021_standard").value == 17
    assert bands["15-18"] == facts.get("attainment_2021_band_15_18").value
    assert bands["10-14"] == facts.get("attainment_2021_band_10_14").value
    assert bands["5-9"] == facts.get("attainment_2021_band_5_9").value
    assert "0-4" not in bands
    assert round(frame["criteria_met"].mean(), 2) == facts.get("attainment_2021_average").value
    assert frame["criteria_met"].sum() in (1616, 1617)
    assert (frame.loc[frame["criteria_met"] == 19, "level"] == "dat_chuan").all()
    assert (frame.loc[frame["criteria_met"] < 19, "level"] == "chua_dat").all()
    assert frame[["villages_total", "income", "poverty_rate"]].isna().all().all()


def test_demo_is_plausible():
    frame = communes.load_default()
    unmet = (~frame[communes.CRITERIA_COLUMNS]).sum()
    hard = ["c01", "c05", "c06", "c10", "c11", "c13", "c17"]
    easy = [c for c in communes.CRITERIA_COLUMNS if c not in hard]
    assert unmet[hard].min() > unmet[easy].max()
    by_district = frame.groupby("district_code")["criteria_met"].mean()
    assert by_district[["040", "049", "051"]].min() > frame["criteria_met"].mean()


def test_demo_is_labelled_synthetic():
    frame = communes.load_default()
    assert communes.is_synthetic(frame)
    origin = frame.attrs["origin"]
    assert origin["file"] == "data/communes/demo_communes_2021_SYNTHETIC.csv"
    assert "SYNTHETIC" in origin["description"]["en"] and "TỔNG HỢP" in origin["description"]["vi"]
    meta = json.loads(paths.DEMO_COMMUNES_META.read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["seed"] == _generator().SEED
    assert {c["fact"] for c in meta["calibration"]} == {
        "attainment_2021_standard", "attainment_2021_band_15_18", "attainment_2021_band_10_14",
        "attainment_2021_band_5_9", "attainment_2021_average"}
    assert all(c["target"] == c["achieved"] for c in meta["calibration"][:4])


def test_synthetic_flag_from_content_or_meta_not_the_file_name(tmp_path):
    rows = [_row(met=12)]
    assert not communes.is_synthetic(communes.read(_write_csv(tmp_path / "test_SYNTHETIC.csv", rows)))
    assert not communes.is_synthetic(communes.read(_write_csv(tmp_path / "xa.csv", rows)))
    (tmp_path / "other.meta.json").write_text(json.dumps({"synthetic": True, "title": "t"}), encoding="utf-8")
    frame = communes.read(_write_csv(tmp_path / "other.csv", rows))
    assert communes.is_synthetic(frame) and frame.attrs["origin"]["title"] == "t"


def test_load_default_returns_a_fresh_copy():
    first = communes.load_default()
    first.loc[0, "criteria_met"] = -1
    assert communes.load_default().loc[0, "criteria_met"] != -1


# ------------------------------------------------------------------------------------------------ units

def test_for_unit():
    frame = communes.load_default()
    assert len(communes.for_unit(frame, "04")) == 139
    hoa_an = communes.for_unit(frame, "051")
    assert len(hoa_an) == 14 and set(hoa_an["district_code"]) == {"051"}
    assert communes.is_synthetic(hoa_an)
    sizes = {code: len(communes.for_unit(frame, code)) for code in reference.districts()["code"]}
    assert sizes == dict(zip(reference.districts()["code"], reference.districts()["communes"]))
    with pytest.raises(UnitError):
        communes.for_unit(frame, "999")


def test_validate_is_pure_and_keeps_attrs():
    raw = pd.DataFrame([_row(met=19, level="Đạt chuẩn")], columns=HEADER)
    raw.attrs["origin"] = {"synthetic": True}
    frame = communes.validate(raw, file="inline")
    assert frame["criteria_met"].tolist() == [19] and communes.is_synthetic(frame)
    with pytest.raises(DataError) as caught:
        communes.validate(raw.assign(**{"Năm": "x"}), file="inline", first_row=10)
    assert caught.value.problems[0].row == 10


# ------------------------------------------------------------------------------------------------ office shapes
# Fixtures are written by tests/commune_fixtures.py into tmp_path (openpyxl / csv), never copied from anyone's file.

import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import commune_fixtures as fx  # noqa: E402


def _kinds(problems):
    return {p.kind for p in problems}


def test_office_csv_title_two_row_header_groups_subtotals_footer_names_and_title_year(tmp_path):
    reading = communes.inspect(fx.office_csv(tmp_path))
    assert reading.problems == []
    frame = reading.frame
    assert len(frame) == 14 + 12 and set(frame["district_code"]) == {"051", "042"}
    assert (frame["year"] == 2021).all()
    hoa_an = fx.communes("051")
    first = frame.set_index("commune_code").loc[hoa_an[0][0]]
    assert first["criteria_met"] == 19 and first["level"] == "dat_chuan"
    second = frame.set_index("commune_code").loc[hoa_an[1][0]]
    assert second["criteria_met"] == 9 and not second["c10"] and second["c09"]
    # "Vĩnh Quang" exists in two districts: the group row "Huyện Bảo Lâm" above it decides
    assert frame.set_index("commune_name").loc["Xã Vĩnh Quang", "district_code"] == "042"
    kinds = [n.kind for n in reading.notes]
    assert kinds.count("skip_subtotal") == 3 and kinds.count("skip_group") == 2
    assert "skip_numbering" in kinds and "skip_footer" in kinds and "year_title" in kinds
    assert kinds.count("name_match") == 26
    lines = communes.how_read(reading, "en")
    assert any("header on row(s) 5–6" in line for line in lines)
    assert any("'Tiêu chí 7' → c07" in line for line in lines)


def test_office_xlsx_every_district_sheet_merged_band_and_year_percent_hidden(tmp_path):
    reading = communes.inspect(fx.office_xlsx(tmp_path))
    assert reading.problems == []
    frame = reading.frame
    assert frame.groupby("district_code").size().to_dict() == {"049": 16, "051": 14}  # both sheets read
    assert (frame["year"] == 2021).all()  # the year merged down the table
    assert frame["poverty_rate"].tolist() == [25.8] * 30  # 0.258 formatted as percent
    by_code = frame.set_index("commune_code")
    assert by_code.loc[fx.communes("051")[3][0], "criteria_met"] == 8  # Đ = met, CĐ = not met
    kinds = [n.kind for n in reading.notes]
    assert kinds.count("hidden_unused") == 2 and kinds.count("percent") == 2 and "sheet_skipped" in kinds


def test_a_sheet_with_commune_rows_but_no_header_is_refused_by_name(tmp_path):
    rows = [fx.template_header(), *fx.template_rows("051")]
    headless = [r[:] for r in fx.template_rows("049")]
    path = fx.write_xlsx(tmp_path / "two.xlsx", {"Hoà An": rows, "Quảng Hòa": headless})
    problems = _problems(path)
    assert [(p.kind, dict(p.params)["sheet"]) for p in problems] == [("sheet_unread", "Quảng Hòa")]


def test_long_format_is_pivoted(tmp_path):
    frame = communes.read(fx.long_csv(tmp_path))
    assert len(frame) == 3 and frame["criteria_met"].tolist() == [12, 12, 12]
    problems = _problems(fx.long_csv(tmp_path, drop=7))
    assert "long_missing" in _kinds(problems) and "7" in problems[0].message


def test_recognised_with_fewer_than_19_met_is_valid_and_kept_apart(tmp_path):
    frame = communes.read(fx.recognised_csv(tmp_path)).set_index("commune_code")
    a, b = [c for c, _, _ in fx.communes("051")[:2]]
    assert frame.loc[a, "level"] == "dat_chuan" and frame.loc[a, "criteria_met"] == 17
    assert frame.loc[a, "year_recognised"] == 2019 and frame.loc[a, "decision"] == "123/QĐ-UBND"
    assert frame.loc[a, "criteria_set"] == "2021_2025"
    assert frame.loc[b, "level"] == "chua_dat" and frame.loc[b, "criteria_met"] == 19
    assert frame.loc[b, "criteria_set"] == "2016_2020"  # 2021, no column value: the 2016–2020 set
    assert str(frame["year_recognised"].dtype) == "Int64"


@pytest.mark.parametrize("text, expected", [("QĐ 1980", "2016_2020"), ("1980/QĐ-TTg", "2016_2020"),
                                            ("2016-2020", "2016_2020"), ("QĐ 318", "2021_2025"),
                                            ("2021-2025", "2021_2025")])
def test_criteria_set_spellings(tmp_path, text, expected):
    header = ["Mã xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ", "Bộ tiêu chí"]
    path = _write_csv(tmp_path / "xa.csv", [["01693", "2023", *(["x"] * 3 + [""] * 16), "", text]], header=header)
    assert communes.read(path)["criteria_set"].tolist() == [expected]


def test_criteria_set_default_follows_the_year(tmp_path):
    path = _write_csv(tmp_path / "xa.csv", [_row(year="2021"), _row(year="2022")])
    assert communes.read(path)["criteria_set"].tolist() == ["2016_2020", "2021_2025"]


def test_declared_count_checked_against_the_marks(tmp_path):
    header = ["Mã xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ", "Số tiêu chí đạt"]
    rows = [["01693", "2021", *fx.marks(12), "", "12"], ["01705", "2021", *fx.marks(12), "", "13"]]
    problems = _problems(_write_csv(tmp_path / "xa.csv", rows, header=header))
    assert [(p.row, p.kind) for p in problems] == [(3, "declared_mismatch")]
    assert "says 13 but the criteria columns give 12" in problems[0].message


@pytest.mark.parametrize("mark, met", [("x", True), ("X", True), ("Đ", True), ("đạt", True), ("✓", True), ("1", True),
                                       ("CĐ", False), ("", False), ("0", False)])
def test_office_marks(tmp_path, mark, met):
    path = fx.values_csv(tmp_path, "TC01", mark)
    assert communes.read(path)["c01"].iloc[0] == met


# ------------------------------------------------------------------------------------------------ never misread

@pytest.mark.parametrize("mark", ["Đạt?", "?", "Đạt (dự kiến)", "dự kiến", "đề nghị", "x?"])
def test_uncertain_marks_are_problems(tmp_path, mark):
    problems = _problems(fx.values_csv(tmp_path, "TC01", mark))
    assert [(p.row, p.column, p.kind) for p in problems] == [(2, "TC01", "mark_uncertain")]


@pytest.mark.parametrize("level", ["Đề nghị công nhận", "Đề nghị công nhận đạt chuẩn", "Đạt chuẩn (dự kiến)",
                                   "Đạt chuẩn?"])
def test_proposed_is_not_recognised(tmp_path, level):
    problems = _problems(fx.values_csv(tmp_path, "Mức đạt chuẩn", level))
    assert [(p.row, p.kind) for p in problems] == [(2, "level_proposed")]


def test_stray_quote_does_not_swallow_rows(tmp_path):
    problems = _problems(fx.stray_quote_csv(tmp_path))
    assert [(p.row, p.kind) for p in problems] == [(4, "csv_newline")]
    assert "spans 7 lines" in problems[0].message


def test_short_row_is_a_problem_not_padded(tmp_path):
    problems = _problems(fx.short_row_csv(tmp_path))
    assert [(p.row, p.kind, p.value) for p in problems] == [(4, "short_row", 10)]


def test_formula_without_cached_value_is_refused(tmp_path):
    problems = _problems(fx.formula_xlsx(tmp_path))
    assert [(p.row, p.column, p.kind) for p in problems] == [(r, "Số tiêu chí đạt", "formula") for r in (2, 3, 4)]
    assert "open the file in Excel" in problems[0].message


def test_percent_format_reads_as_percent(tmp_path):
    assert communes.read(fx.percent_xlsx(tmp_path))["poverty_rate"].tolist() == [25.8, 25.8]


@pytest.mark.parametrize("value", ["inf", "-inf", "NaN", "nan", "Infinity", "1e999"])
def test_nan_and_inf_are_refused(tmp_path, value):
    problems = _problems(fx.values_csv(tmp_path, "Tỷ lệ hộ nghèo (%)", value))
    assert [(p.row, p.kind) for p in problems] == [(2, "not_finite")]


def test_blank_year_is_a_problem(tmp_path):
    problems = _problems(fx.values_csv(tmp_path, "Năm", ""))
    assert [(p.row, p.column, p.kind) for p in problems] == [(2, "Năm", "year_blank")]


def test_excel_date_as_year(tmp_path):
    import datetime as dt
    rows = [fx.template_header(), [*fx.template_rows("051")[0][:2], dt.datetime(2021, 12, 31),
                                   *fx.template_rows("051")[0][3:]]]
    path = fx.write_xlsx(tmp_path / "date.xlsx", {"Dữ liệu": rows})
    assert communes.read(path)["year"].tolist() == [2021]


def test_cell_over_the_csv_field_limit(tmp_path):
    problems = _problems(fx.huge_cell_csv(tmp_path))
    assert [(p.row, p.kind) for p in problems] == [(2, "csv_field_limit")]


def test_title_naming_two_years_needs_a_year_column(tmp_path):
    rows = [["KẾT QUẢ NĂM 2020 VÀ NĂM 2021"], ["Mã xã", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ"],
            ["01693", *fx.marks(3), ""]]
    problems = _problems(fx.write_csv(tmp_path / "xa.csv", rows))
    assert [p.kind for p in problems] == ["year_missing"] and "2020, 2021" in problems[0].message


# ------------------------------------------------------------------------------------------------ names

@pytest.mark.parametrize("district, name, code", [
    ("Huyện Hoà An", "Xã Dân Chủ", "01657"), ("H. Hòa An", "X. Dân Chủ", "01657"), ("", "dân  chủ", "01657"),
    ("Huyện Bảo Lâm", "Vĩnh Quang", "01300"), ("Thành phố Cao Bằng", "Vĩnh Quang", "01693"),
])
def test_names_match_codes(tmp_path, district, name, code):
    assert communes.read(fx.names_csv(tmp_path, [(district, name)]))["commune_code"].tolist() == [code]


def test_ambiguous_and_unknown_names_list_candidates(tmp_path):
    problems = _problems(fx.names_csv(tmp_path, [("", "Vĩnh Quang"), ("Huyện Hoà An", "Dan Chu")]))
    ambiguous, unknown = problems
    assert ambiguous.kind == "name_ambiguous" and "01693" in ambiguous.message and "01300" in ambiguous.message
    assert unknown.kind == "name_unknown" and "Xã Dân Chủ 01657" in unknown.message


def test_code_with_an_abbreviated_name_is_fine(tmp_path):
    rows = [_row(code="01693", name="X. V. Quang"), _row(code="01705", name="X.Hưng Đạo")]
    path = _write_csv(tmp_path / "xa.csv", rows)
    assert len(communes.read(path)) == 2


# ------------------------------------------------------------------------------------------------ no traceback

def test_no_input_ends_in_a_traceback(tmp_path):
    rng = random.Random(9)
    header = ",".join(fx.template_header()).encode()
    inputs = [b"", b"\n\n\n", b"\x00\x01\x02", header, header + b"\n" + b",".join([b'"'] * 23),
              header + b"\n\x00", b"a" * 300_000, ("\ufeff" + "x;" * 40).encode()]
    inputs += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) for _ in range(40)]
    inputs += [header + b"\n" + bytes(rng.choice(b'x,"\n\r0123;') for _ in range(300)) for _ in range(40)]
    for n, data in enumerate(inputs):
        for suffix in (".csv", ".xlsx"):
            path = tmp_path / f"f{n}{suffix}"
            path.write_bytes(data)
            reading = communes.inspect(path)
            assert reading.problems and reading.frame is None, data[:40]
            assert all(p.kind != "unexpected" for p in reading.problems), reading.problems
    reading = communes.inspect(fx.not_xlsx_zip(tmp_path))
    assert [p.kind for p in reading.problems] == ["xlsx_unreadable"]


def test_every_header_missing(tmp_path):
    path = fx.write_csv(tmp_path / "xa.csv", [["Mã xã", "Tên xã"], ["01693", "Vĩnh Quang"]])
    problems = _problems(path)
    assert {p.column for p in problems} >= {"Năm", "Mức đạt chuẩn", "TC01 Quy hoạch", "TC19 Quốc phòng và An ninh"}


def test_messages_in_vietnamese_and_english(tmp_path):
    problem = _problems(fx.values_csv(tmp_path, "TC01", "?"))[0]
    assert "giá trị chưa chắc chắn" in communes.describe(problem, "vi") and "dòng 2, cột 'TC01'" in \
        communes.describe(problem, "vi")
    assert "an uncertain value" in communes.describe(problem, "en")


# ------------------------------------------------------------------------------------------------ coverage

def test_coverage_of_a_one_district_file(tmp_path):
    frame = communes.read(fx.names_csv(tmp_path, [("Huyện Hoà An", n) for _, n, _ in fx.communes("051")]))
    table = communes.coverage(frame).set_index("district_code")
    assert table.loc["051", "communes"] == 14 and table.loc["051", "complete"]
    assert table.loc["042", "communes"] == 0 and not table.loc["042", "complete"]
    assert communes.unit_coverage(frame, "04") == (14, 139)
    assert communes.unit_coverage(frame, "051") == (14, 14)
    assert communes.coverage_note(frame, "04", "en") == \
        "The commune file covers 14 of 139 communes of Cao Bằng province"


def test_a_commune_named_like_a_subtotal_is_read(tmp_path):
    rows = [["Huyện Hà Quảng", "Xã Tổng Cọt", "2021", *fx.marks(9), ""], ["", "Tổng cộng", "", *[""] * 19, ""]]
    path = fx.write_csv(tmp_path / "xa.csv", [["Huyện", "Tên xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA],
                                               "Mức độ"], *rows])
    reading = communes.inspect(path)
    assert reading.frame["commune_code"].tolist() == ["01414"]
    assert [n.row for n in reading.notes if n.kind == "skip_subtotal"] == [3]


def test_page_says_n_of_n_for_a_partial_file(tmp_path):
    from ntm_analysis.report import page

    path = fx.names_csv(tmp_path, [("Huyện Hoà An", n) for _, n, _ in fx.communes("051")])
    province = page.Page(lang="en", unit="04", communes=str(path))
    assert province.coverage_note() == "The commune file covers 14 of 139 communes of Cao Bằng province"
    assert "14 of 139" in province.commune_note("x") and "14 of 139" in province.commune_source()
    assert page.Page(lang="en", unit="051", communes=str(path)).coverage_note() == ""


def test_band_over_criterion_names_of_either_set_and_a_recognised_flag(tmp_path):
    names_2021 = ["Quy hoạch", "Giao thông", "Thủy lợi và phòng, chống thiên tai", "Điện", "Trường học",
                  "Cơ sở vật chất văn hóa", "Cơ sở hạ tầng thương mại nông thôn", "Thông tin và Truyền thông",
                  "Nhà ở dân cư", "Thu nhập", "Nghèo đa chiều", "Lao động",
                  "Tổ chức sản xuất và phát triển kinh tế nông thôn", "Giáo dục và Đào tạo", "Y tế", "Văn hóa",
                  "Môi trường và an toàn thực phẩm", "Hệ thống chính trị và tiếp cận pháp luật",
                  "Quốc phòng và An ninh"]
    top = ["Mã xã", "Năm", "Các tiêu chí", *[""] * 18, "Đạt chuẩn NTM"]
    bottom = ["", "", *names_2021, ""]
    rows = [top, bottom, ["01693", "2022", *fx.marks(16), "x"], ["01705", "2022", *fx.marks(19), ""]]
    frame = communes.read(fx.write_csv(tmp_path / "xa.csv", rows)).set_index("commune_code")
    assert frame.loc["01693", "criteria_met"] == 16 and frame.loc["01693", "level"] == "dat_chuan"
    assert frame.loc["01705", "level"] == "chua_dat" and frame.loc["01705", "criteria_met"] == 19
    assert (frame["criteria_set"] == "2021_2025").all()


@pytest.mark.parametrize("header", ["Tiêu chí thứ {n}", "{n}. {name}", "TC {n} - {name}"])
def test_more_criterion_header_spellings(tmp_path, header):
    names = [h.split(" ", 1)[1] for h in list(communes.HEADERS.values())[4:23]]
    head = ["Mã xã", "Năm", *[header.format(n=n, name=names[n - 1]) for n in communes.CRITERIA], "Mức độ"]
    path = _write_csv(tmp_path / "xa.csv", [["01693", "2021", *fx.marks(7), ""]], header=head)
    assert communes.read(path)["criteria_met"].tolist() == [7]


def test_a_number_with_another_criterions_name_is_not_guessed():
    assert communes._canonical("3. Giao thông") is None and communes._canonical("2. Giao thông") == "c02"


def test_utf16_text_from_excel(tmp_path):
    rows = [fx.template_header(), *fx.template_rows("051")[:2]]
    text = "\r\n".join("\t".join(map(str, r)) for r in rows) + "\r\n"
    (tmp_path / "xa.csv").write_bytes(text.encode("utf-16"))
    assert len(communes.read(tmp_path / "xa.csv")) == 2


def test_summary_sheet_of_district_rows_beside_district_sheets_is_skipped(tmp_path):
    header = fx.template_header()
    summary = [["STT", "Tên xã", "Năm", *[f"TC{n:02d}" for n in communes.CRITERIA], "Mức đạt chuẩn"],
               ["1", "Huyện Hoà An", "", *["5"] * 19, ""], ["", "Tổng cộng", "", *["5"] * 19, ""]]
    path = fx.write_xlsx(tmp_path / "x.xlsx", {"Tổng hợp": summary, "Hoà An": [header, *fx.template_rows("051")],
                                               "Quảng Hòa": [header, *fx.template_rows("049")]})
    reading = communes.inspect(path)
    assert reading.problems == [] and len(reading.frame) == 30
    assert any(n.kind == "sheet_skipped" and dict(n.params)["sheet"] == "Tổng hợp" for n in reading.notes)


def test_hidden_rows_are_reported(tmp_path):
    path = fx.write_xlsx(tmp_path / "x.xlsx", {"Dữ liệu": [fx.template_header(), *fx.template_rows("051")]})
    book = openpyxl.load_workbook(path)
    book["Dữ liệu"].row_dimensions[3].hidden = True
    book.save(path)
    reading = communes.inspect(path)
    assert len(reading.frame) == 14
    assert [dict(n.params)["rows"] for n in reading.notes if n.kind == "hidden_rows"] == ["3"]


def test_a_quote_never_closed_names_the_line_it_opens(tmp_path):
    lines = [",".join(fx.template_header() + ["Ghi chú"])]
    lines += [",".join(map(str, r + [""])) for r in fx.template_rows("051")[:4]]
    lines[2] += '"chưa xong'
    (tmp_path / "xa.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _problems(tmp_path / "xa.csv")
    assert [(p.row, p.kind) for p in problems] == [(3, "csv_unclosed")]


def test_a_line_break_inside_a_notes_cell_is_fine(tmp_path):
    lines = [",".join(fx.template_header() + ["Ghi chú"])]
    lines += [",".join(map(str, r + [""])) for r in fx.template_rows("051")[:3]]
    lines[1] += '"dòng một\ndòng hai"'
    (tmp_path / "xa.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reading = communes.inspect(tmp_path / "xa.csv")
    assert reading.problems == [] and len(reading.frame) == 3


def test_fuzzed_office_tables_never_end_in_a_traceback(tmp_path):
    import datetime as dt

    rng = random.Random(13)
    pool = ["", "x", "Đ", "CĐ", "?", "inf", "nan", "Huyện Bảo Lâm", "I", "Cộng", "01693", 1693, 2021, 2021.5, 0.258,
            -1, None, dt.datetime(2021, 1, 1), "Tiêu chí", "Mã xã", "Năm", "TC01", "Mức độ", "Đề nghị", '"', "\n",
            "x" * 5000, 1e308, True, "Tên xã", "Vĩnh Quang"]
    for n in range(40):
        table = ([["NĂM 2021"], []] if n % 3 == 0 else []) + [fx.template_header(), *fx.template_rows("051")]
        for _ in range(rng.randrange(1, 20)):
            row = table[rng.randrange(len(table))]
            if row:
                row[rng.randrange(len(row))] = rng.choice(pool)
        paths = [fx.write_csv(tmp_path / f"f{n}.csv", [["" if v is None else v for v in r] for r in table]),
                 fx.write_xlsx(tmp_path / f"f{n}.xlsx", {"S": table})]
        for path in paths:
            found = communes.inspect(path).problems
            assert all(p.kind != "unexpected" for p in found), [p.message for p in found if p.kind == "unexpected"]


def test_first_data_row_is_never_taken_for_a_second_header_row(tmp_path):
    header = ["Mã xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ", ""]
    rows = [["01693", "2021", *fx.marks(19), "Đạt chuẩn", "Đạt chuẩn"], ["01705", "2021", *fx.marks(4), "", ""]]
    frame = communes.read(_write_csv(tmp_path / "xa.csv", rows, header=header))
    assert frame["commune_code"].tolist() == ["01693", "01705"]


def test_category_group_rows_and_a_commune_after_the_notes(tmp_path):
    header = ["STT", "Tên xã", "Huyện", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ"]
    rows = [["I", "Các xã đạt chuẩn"], ["1", "Dân Chủ", "Hoà An", "2021", *fx.marks(19), "Đạt chuẩn"],
            ["II", "Các xã còn lại"], ["", "Ghi chú: x là đạt"], ["2", "Nam Tuấn", "Hoà An", "2021", *fx.marks(3), ""]]
    reading = communes.inspect(_write_csv(tmp_path / "xa.csv", rows, header=header))
    assert reading.problems == [] and reading.frame["commune_name"].tolist() == ["Xã Dân Chủ", "Xã Nam Tuấn"]
    assert [n.kind for n in reading.notes if n.kind.startswith("skip")] == ["skip_group", "skip_group", "skip_footer"]


def test_three_row_header_and_a_blank_code_column(tmp_path):
    rows = [["Mã xã", "Tên xã", "Năm", "Kết quả thực hiện", *[""] * 19],
            ["", "", "", "Tiêu chí", *[""] * 18, "Mức đạt chuẩn"],
            ["", "", "", *[str(n) for n in communes.CRITERIA], ""],
            ["", "Dân Chủ", "2021", *fx.marks(6), ""], ["", "Xã Nam Tuấn", "2021", *fx.marks(7), ""]]
    reading = communes.inspect(fx.write_csv(tmp_path / "xa.csv", rows))
    assert reading.problems == [] and reading.frame["criteria_met"].tolist() == [6, 7]
    assert "code_column_blank" in [n.kind for n in reading.notes]


def test_a_town_by_name_is_refused_as_not_a_commune(tmp_path):
    problems = _problems(fx.names_csv(tmp_path, [("", "Thị trấn Nước Hai")]))
    assert [p.kind for p in problems] == ["name_not_commune"] and "ward or town" in problems[0].message


def test_district_blocks_pasted_with_their_headers(tmp_path):
    header = ["Mã xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ"]
    rows = [header, ["01693", "2021", *fx.marks(5), ""], [], ["Huyện Bảo Lâm"], header,
            ["01291", "2021", *fx.marks(6), ""]]
    reading = communes.inspect(fx.write_csv(tmp_path / "xa.csv", rows))
    assert reading.problems == [] and reading.frame["criteria_met"].tolist() == [6, 5]
    assert "skip_header" in [n.kind for n in reading.notes]


def test_the_2021_2025_set_cannot_apply_before_2022(tmp_path):
    header = ["Mã xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ", "Bộ tiêu chí"]
    path = _write_csv(tmp_path / "xa.csv", [["01693", "2021", *fx.marks(3), "", "QĐ 318"]], header=header)
    assert [p.kind for p in _problems(path)] == ["criteria_set_year"]


def test_a_hidden_criterion_column_is_reported_as_read(tmp_path):
    path = fx.write_xlsx(tmp_path / "x.xlsx", {"Dữ liệu": [fx.template_header(), *fx.template_rows("051")]},
                         hidden={"Dữ liệu": ["E"]})
    reading = communes.inspect(path)
    assert [dict(n.params)["name"] for n in reading.notes if n.kind == "hidden"] == ["c02"]
    assert "hidden column 'TC02' (column E) is read as c02" in "\n".join(communes.how_read(reading, "en"))


@pytest.mark.parametrize("year", ["2021", "2021.0", "Năm 2021", "2021-12-31", "31/12/2021"])
def test_year_spellings(tmp_path, year):
    assert communes.read(fx.values_csv(tmp_path, "Năm", year))["year"].tolist() == [2021, 2021, 2021]


def test_numbered_group_rows_set_the_district(tmp_path):
    header = ["STT", "Tên xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức độ"]
    rows = [["", "1. Huyện Bảo Lâm"], ["1", "Vĩnh Quang", "2021", *fx.marks(4), ""],
            ["", "2) Thành phố Cao Bằng"], ["1", "Vĩnh Quang", "2021", *fx.marks(5), ""]]
    frame = communes.read(_write_csv(tmp_path / "xa.csv", rows, header=header))
    assert frame[["commune_code", "criteria_met"]].values.tolist() == [["01300", 4], ["01693", 5]]


def test_xlsx_merged_group_row_upper_case_names_and_a_dated_footer(tmp_path):
    header = ["STT", "Tên xã", "Năm", *[f"TC{n}" for n in communes.CRITERIA], "Mức đạt chuẩn"]
    body = fx.communes("045")
    rows = [["BÁO CÁO KẾT QUẢ NĂM 2021"], [], header, ["I", "HUYỆN HÀ QUẢNG"]]
    rows += [[i + 1, name.upper(), 2021 if i == 0 else None, *fx.marks(min(i, 19), "Đạt", "Chưa đạt"), "Chưa đạt"]
             for i, (_, name, _) in enumerate(body)]
    rows += [[None, "Tổng số", None, *[5] * 19], [None, "Cao Bằng, ngày 31 tháng 12 năm 2021"]]
    last = 4 + len(body)
    path = fx.write_xlsx(tmp_path / "x.xlsx", {"Báo cáo": rows}, merges={"Báo cáo": ["B4:X4", f"C5:C{last}"]})
    reading = communes.inspect(path)
    assert reading.problems == [] and len(reading.frame) == len(body) == 19
    assert set(reading.frame["district_code"]) == {"045"} and reading.frame["criteria_met"].sum() == sum(range(19))
    assert [n.kind for n in reading.notes if n.kind.startswith("skip")] == ["skip_group", "skip_subtotal", "skip_footer"]
