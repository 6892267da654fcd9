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

from ntm_analysis import communes, facts, paths, reference
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
                                   "villages_standard", "villages_model", "income", "poverty_rate"]
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
        _row(code="01294", name="", district="", met=17, level="Đạt chuẩn"),  # 9: level contradicts criteria
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
    _find(problems, row=9, column="Mức đạt chuẩn", text="needs all 19 criteria met, but only 17")
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
    message = str(DataError(problems))
    assert "bad.csv, row 9, column 'Mức đạt chuẩn'" in message


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
    assert {p.column for p in problems if "missing required column" in p.message} >= {"Mã xã", "Năm", "Mức đạt chuẩn"}


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
