"""The report's figures: provenance, citations, key values, conversions and validation of broken files."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from ntm_analysis.data import facts
from ntm_analysis import i18n, paths
from ntm_analysis.errors import ConfigError, DataError, NotFound, UsageError

RAW = paths.REPORT_TEXT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return facts.load()


# ------------------------------------------------------------------------------------------------- provenance

def test_raw_text_matches_its_origin_record():
    digest = hashlib.sha256(paths.REPORT_TEXT.read_bytes()).hexdigest()
    assert digest == facts.origin()["sha256"]


def test_origin_record_describes_the_report():
    origin = facts.origin()
    assert origin["producer"] == "Sở Nông nghiệp và Phát triển nông thôn tỉnh Cao Bằng"
    assert origin["date"] == "2022-07-20"
    assert origin["language"] == "vi"
    for printed in (origin["title"], origin["number"], origin["date_printed"]):
        assert printed in RAW
    assert "art. 15" in origin["terms_of_use"]


# ------------------------------------------------------------------------------------------------- citations

def test_every_quote_occurs_verbatim_once(table):
    for row in table.itertuples():
        assert RAW.count(row.quote) == 1, row.id


def test_printed_occurs_in_quote_and_reads_as_value(table):
    for row in table.itertuples():
        assert row.printed in row.quote, row.id
        assert facts.parse_printed(row.printed) == pytest.approx(row.value), row.id


def test_word_valued_figures_are_the_documented_ones(table):
    words = table[table["printed"].str.lower().isin(facts.WORD_VALUES)]
    assert set(words["id"]) == {
        "target_2025_below_15", "management_below_5_2018", "management_commune_fulltime_staff",
        "capacity_funding_2021", "funding_2021_central_investment",
    }
    assert (words["value"] == 0).all()


def test_ids_unique_and_closed_sets_respected(table):
    assert table["id"].is_unique
    assert set(table["topic"]) == set(facts.TOPICS)  # every topic is used
    assert set(table["unit"]) <= set(facts.UNITS)
    assert set(table["qualifier"]) <= set(facts.QUALIFIERS)
    assert list(table.columns) == list(facts.COLUMNS)


# ------------------------------------------------------------------------------------------------- key figures

KEY_FIGURES = [
    # id, value, unit, printed
    ("funding_2017_2021_total", 11132.3, "tỷ đồng", "11.132,3"),
    ("funding_2017_2021_central", 2397.3, "tỷ đồng", "2.397,3"),
    ("funding_2017_2021_provincial", 314.7, "tỷ đồng", "314,7"),
    ("funding_2017_2021_integrated", 65.15, "tỷ đồng", "65,15"),
    ("funding_2017_2021_credit", 8098.32, "tỷ đồng", "8.098,32"),
    ("funding_2017_2021_community", 175, "tỷ đồng", "175"),
    ("funding_2017_2021_other", 81.75, "tỷ đồng", "81,75"),
    ("funding_2017_2021_central_share", 21.5, "%", "21,5"),
    ("funding_2017_2021_provincial_share", 2.8, "%", "2,8"),
    ("funding_2017_2021_integrated_share", 0.58, "%", "0,58"),
    ("funding_2017_2021_credit_share", 72.7, "%", "72,7"),
    ("funding_2017_2021_community_share", 1.5, "%", "1,5"),
    ("funding_2017_2021_other_share", 0.7, "%", "0,7"),
    ("attainment_2021_new_standard", 15, "xã", "15"),
    ("attainment_2021_standard", 17, "xã", "17"),
    ("attainment_2021_band_15_18", 11, "xã", "11"),
    ("attainment_2021_band_10_14", 64, "xã", "64"),
    ("attainment_2021_band_5_9", 47, "xã", "47"),
    ("attainment_2021_average", 11.63, "tiêu chí/xã", "11,63"),
    ("results_2019_standard", 20, "xã", "20"),
    ("results_2019_standard_share", 11.3, "%", "11,3"),
    ("results_2019_goal_share", 100, "%", "100"),
    ("region_2020_province_share", 11.3, "%", "11,3"),
    ("region_2020_northern_mountains_share", 28.60, "%", "28,60"),
    ("funding_2021_central_recurrent", 2563, "triệu đồng", "2.563"),
    ("funding_2021_central_vs_2020_share", 0.29, "%", "0,29"),
    ("funding_2020_central", 896560, "triệu đồng", "896.560"),
    ("funding_2021_share_of_need", 0.19, "%", "0,19"),
    ("funding_2021_local", 80000, "triệu đồng", "80.000"),
    ("funding_2021_communes_supported", 19, "xã", "19"),
    ("ocop_products", 58, "sản phẩm", "58"),
    ("ocop_entities", 43, "chủ thể", "43"),
    ("ocop_entities_cooperatives", 18, "chủ thể", "18"),
    ("ocop_entities_enterprises", 10, "chủ thể", "10"),
    ("ocop_entities_households", 15, "chủ thể", "15"),
    ("ocop_stars_3", 55, "sản phẩm", "55"),
    ("ocop_stars_4", 3, "sản phẩm", "03"),
    ("ocop_sector_food", 41, "sản phẩm", "41"),
    ("ocop_sector_drinks", 7, "sản phẩm", "07"),
    ("ocop_sector_crafts", 7, "sản phẩm", "07"),
    ("ocop_sector_tourism", 3, "sản phẩm", "03"),
    ("capacity_classes", 117, "lớp", "117"),
    ("capacity_participants", 7505, "lượt người", "7.505"),
    ("capacity_commune_officials", 1000, "lượt người", "1.000"),
    ("communication_meetings", 1589, "cuộc", "1.589"),
    ("communication_participants", 62613, "lượt người", "62.613"),
    ("communication_signboards", 743, "biển hiệu", "743"),
    ("movements_land_donated", 610000, "m²", "610.000"),
    ("movements_workdays", 443000, "ngày công", "443 nghìn"),
    ("movements_youth_workdays", 600000, "ngày công", "600.000"),
    ("management_province_office_staff", 9, "người", "9"),
    ("management_province_office_fulltime", 4, "người", "04"),
    ("management_province_office_parttime", 3, "người", "03"),
    ("management_target_communes_2017_2020", 25, "xã", "25"),
    ("target_2025_districts", 3, "đơn vị cấp huyện", "03"),
    ("target_2025_standard", 50, "xã", "50"),
    ("target_2025_communes_total", 139, "xã", "139"),
    ("target_2025_standard_share", 36, "%", "36"),
    ("target_2025_standard_increase", 33, "xã", "33"),
    ("target_2025_advanced", 10, "xã", "10"),
    ("target_2025_model", 5, "xã", "05"),
    ("target_2025_average", 16.44, "tiêu chí/xã", "16,44"),
    ("target_2025_below_15", 0, "xã", "Không còn"),
    ("target_2025_villages_standard_share", 30, "%", "30"),
    ("target_2025_villages_standard", 370, "thôn", "370"),
    ("target_2025_villages_model_share", 5, "%", "5"),
    ("target_2025_villages_model", 62, "thôn", "62"),
    ("target_2025_income_multiple", 1.5, "lần", "1,5"),
    ("plan_total", 26734494, "triệu đồng", "26.734.494"),
    ("plan_budget", 6358494, "triệu đồng", "6.358.494"),
    ("plan_central", 395500, "triệu đồng", "395.500"),
    ("plan_central_investment", 332920, "triệu đồng", "332.920"),
    ("plan_central_recurrent", 62.58, "triệu đồng", "62,58"),
    ("plan_local", 250000, "triệu đồng", "250.000"),
    ("plan_integrated", 5712994, "triệu đồng", "5.712.994"),
    ("plan_nonbudget", 20376000, "triệu đồng", "20.376.000"),
    ("plan_credit", 20000000, "triệu đồng", "20.000.000"),
    ("plan_enterprise", 106000, "triệu đồng", "106.000"),
    ("plan_community", 270000, "triệu đồng", "270.000"),
    ("plan_central_share", 1.48, "%", "1,48"),
    ("plan_local_share", 0.94, "%", "0,94"),
    ("plan_integrated_share", 21.37, "%", "21,37"),
    ("plan_credit_share", 74.81, "%", "74,81"),
    ("plan_enterprise_share", 0.4, "%", "0,4"),
    ("plan_community_share", 1.01, "%", "1,01"),
]


@pytest.mark.parametrize(("fact_id", "value", "unit", "printed"), KEY_FIGURES, ids=[f[0] for f in KEY_FIGURES])
def test_key_figure(fact_id, value, unit, printed):
    fact = facts.get(fact_id)
    assert (fact.value, fact.unit, fact.printed) == (pytest.approx(value), unit, printed)


@pytest.mark.parametrize(("fact_id", "qualifier"), [
    ("communication_newspaper_items", "more_than"), ("movements_workdays", "more_than"),
    ("capacity_commune_officials", "about"), ("plan_total", "about"), ("target_2025_villages_standard", "about"),
    ("target_2025_income_multiple", "at_least"), ("management_district_office_staff_max", "up_to"),
    ("target_2025_below_15_threshold", "less_than"), ("funding_2017_2021_total", "exact"),
])
def test_qualifiers(fact_id, qualifier):
    assert facts.get(fact_id).qualifier == qualifier


def test_topic_returns_its_figures_in_report_order():
    ocop = facts.topic("ocop")
    assert ocop["id"].iloc[0] == "ocop_products"
    assert set(ocop["topic"]) == {"ocop"} and len(ocop) == 11
    with pytest.raises(UsageError, match="unknown topic"):
        facts.topic("weather")


def test_unknown_id_raises_not_found_naming_it():
    with pytest.raises(NotFound, match="no_such_figure"):
        facts.get("no_such_figure")


def test_load_returns_a_copy():
    first = facts.load()
    first.loc[0, "value"] = -1
    assert facts.load().loc[0, "value"] != -1


# ------------------------------------------------------------------------------------------------- Fact helpers

def test_conversions():
    assert facts.get("funding_2017_2021_total").value_in("triệu đồng") == pytest.approx(11_132_300)
    assert facts.get("plan_total").value_in("tỷ đồng") == pytest.approx(26_734.494)
    assert facts.get("ocop_products").value_in("sản phẩm") == 58
    assert facts.convert(2.5, "tỷ đồng", "triệu đồng") == 2500
    assert facts.convert(2500, "triệu đồng", "tỷ đồng") == 2.5
    with pytest.raises(UsageError):
        facts.get("ocop_products").value_in("xã")
    with pytest.raises(UsageError, match="unknown unit"):
        facts.convert(1, "tỷ đồng", "USD")


def test_labels_in_both_languages():
    fact = facts.get("movements_workdays")
    assert fact.label("vi") == "Ngày công lao động nhân dân đóng góp"
    assert fact.label("en") == "Workdays of labour contributed by residents"
    assert (fact.unit_label("vi"), fact.unit_label("en")) == ("ngày công", "workdays")
    assert (fact.qualifier_label("vi"), fact.qualifier_label("en")) == ("trên", "more than")
    assert facts.get("ocop_products").qualifier_label("en") == ""
    with pytest.raises(ConfigError, match="unknown language 'fr'"):
        fact.label("fr")


def test_source_cites_report_section_and_quote():
    fact = facts.get("funding_2017_2021_credit")
    assert fact.source("vi") == ("Báo cáo Sở NN&PTNT 20/07/2022, Phần I, mục I.8: "
                                 "“Vốn tín dụng: 8.098,32 tỷ đồng, chiếm 72,7%.”")
    english = fact.source("en")
    assert "20/07/2022, Part I, section I.8" in english and "Department of Agriculture" in english


@pytest.mark.parametrize(("printed", "value", "half"), [
    ("11.132,3", 11132.3, 0.05), ("02", 2, 0.5), ("28,60", 28.6, 0.005), ("26.734.494", 26734494, 0.5),
    ("443 nghìn", 443000, 500), ("Không còn", 0, 0), ("không có", 0, 0),
])
def test_parse_printed_and_half_unit(printed, value, half):
    assert facts.parse_printed(printed) == pytest.approx(value)
    assert facts.half_unit(printed) == pytest.approx(half)


@pytest.mark.parametrize("printed", ["1.5", "11,132.3", "abc", "443 triệu nghìn", ""])
def test_parse_printed_rejects_non_vietnamese_numbers(printed):
    with pytest.raises(UsageError):
        facts.parse_printed(printed)


# ------------------------------------------------------------------------------------------------- broken files

def _raw_frame() -> pd.DataFrame:
    return pd.read_csv(paths.FACTS_CSV, dtype=str, keep_default_na=False, encoding="utf-8")


def _problems(tmp_path, frame: pd.DataFrame, name: str = "broken.csv") -> DataError:
    path = tmp_path / name
    frame.to_csv(path, index=False, encoding="utf-8")
    with pytest.raises(DataError) as info:
        facts.load(path)
    assert name in str(info.value)
    assert all(p.file == str(path) for p in info.value.problems)
    return info.value


def _where(error: DataError) -> set[tuple]:
    return {(p.row, p.column) for p in error.problems}


def test_missing_column(tmp_path):
    error = _problems(tmp_path, _raw_frame().drop(columns=["unit"]))
    assert (None, "unit") in _where(error)
    assert "column 'unit'" in str(error) and "missing" in str(error)


def test_non_numeric_value(tmp_path):
    frame = _raw_frame()
    frame.loc[4, "value"] = "mười"
    error = _problems(tmp_path, frame)
    assert _where(error) == {(6, "value")}  # data row 5 → spreadsheet row 6
    assert "row 6, column 'value': not a number (value: 'mười')" in str(error)


def test_duplicate_id(tmp_path):
    frame = _raw_frame()
    frame.loc[10, "id"] = frame.loc[0, "id"]
    error = _problems(tmp_path, frame)
    assert _where(error) == {(2, "id"), (12, "id")}
    assert "duplicate id" in str(error)


def test_unknown_unit(tmp_path):
    frame = _raw_frame()
    frame.loc[0, "unit"] = "tấn"
    error = _problems(tmp_path, frame)
    assert _where(error) == {(2, "unit")}
    assert "row 2, column 'unit'" in str(error) and "'tấn'" in str(error)


def test_every_problem_is_listed_at_once(tmp_path):
    frame = _raw_frame()
    frame.loc[1, "qualifier"] = "roughly"
    frame.loc[2, "topic"] = "weather"
    frame.loc[3, "section"] = ""
    frame.loc[5, "period"] = "2017–2021"
    error = _problems(tmp_path, frame)
    assert _where(error) == {(3, "qualifier"), (4, "topic"), (5, "section"), (7, "period")}


def test_citation_problems(tmp_path):
    frame = _raw_frame()
    frame.loc[0, "quote"] = "a sentence the report never wrote"
    frame.loc[1, "value"] = "7"  # printed 'không còn' reads as 0
    frame.loc[2, "printed"] = "26"  # not in its quote
    error = _problems(tmp_path, frame)
    assert {(2, "quote"), (3, "printed"), (4, "printed")} <= _where(error)


def test_unreadable_file(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        facts.load(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read"):
        facts.load(empty)


def test_every_figure_has_a_label_in_every_language_and_no_label_lacks_a_figure():
    ids = set(facts.load()["id"])
    assert set(facts.FIGURES) == ids
    for lang in i18n.languages():
        assert all(facts.get(i).label(lang).strip() for i in ids), lang
        assert all(facts.unit_label(u, lang) or u == "%" for u in facts.UNITS), lang
    assert not [i for i in ids if "NTM" in facts.get(i).label("en")]  # "new rural standard", as the pages say


def test_sections_in_each_language():
    assert facts.section_label("Phần I, mục I.5a", "en") == "Part I, section I.5a"
    assert facts.section_label("Phần II", "vi") == "Phần II"
    with pytest.raises(UsageError, match="part and section"):
        facts.section_label("Chương 3", "en")
