"""Gap analysis: the province's 2025 targets against the report, the resource plan, and the commune-level views on
small hand-made frames whose answers are worked out below."""

import math

import pandas as pd
import pytest

from ntm_analysis.errors import NtmError
from ntm_analysis.data import communes, facts
from ntm_analysis.analysis import gap
from ntm_analysis.report import words


def _frame(specs, *, synthetic=False):
    """A normalised commune frame from (code, year, unmet criteria, level[, villages total/standard/model])."""
    rows = []
    for code, year, unmet, level, *villages in specs:
        row = {"commune_code": code, "year": year, "level": level}
        row |= {c: n not in unmet for n, c in zip(communes.CRITERIA, communes.CRITERIA_COLUMNS)}
        if villages:
            row |= dict(zip(["villages_total", "villages_standard", "villages_model"], villages[0]))
        rows.append(row)
    raw = pd.DataFrame(rows)
    raw.attrs["origin"] = {"file": "data/test_SYNTHETIC.csv" if synthetic else "data/test.csv",
                           "synthetic": synthetic}
    return communes.validate(raw, file="test")


# A: 19 met, standard · B: 18 (lacks 1) · C: 14 (lacks 1 5 6 10 11) · D: 10 (lacks 1 2 3 4 5 10 11 13 17)
# E: 7 (lacks 1–12). Average (19 + 18 + 14 + 10 + 7) / 5 = 13.6.
SMALL = [
    ("01693", 2021, [], "dat_chuan", (10, 6, 1)),
    ("01705", 2021, [1], "chua_dat", (8, 3, 0)),
    ("01720", 2021, [1, 5, 6, 10, 11], "chua_dat", (12, 2, 0)),
    ("01291", 2021, [1, 2, 3, 4, 5, 10, 11, 13, 17], "chua_dat", (9, 0, 0)),
    ("01294", 2021, list(range(1, 13)), "chua_dat", (7, 0, 0)),
]


@pytest.fixture
def small():
    return _frame(SMALL)


# ------------------------------------------------------------------------------------------------ targets

@pytest.fixture(scope="module")
def targets():
    return words.targets(gap.province_targets(), "vi").set_index("indicator")


def test_targets_cover_every_indicator(targets):
    assert list(targets.index) == ["standard_communes", "advanced_communes", "model_communes", "average_criteria",
                                   "below_15", "villages_standard", "villages_model", "districts", "income"]
    assert (targets["target_year"] == 2025).all()
    assert targets["elapsed_share"].drop("income").tolist() == pytest.approx([0.2] * 8)  # end of 2021: 1 of 5 years
    assert targets.at["income", "elapsed_share"] == 0  # the income target counts from 2020


def test_standard_communes_against_the_report(targets):
    row = targets.loc["standard_communes"]
    assert row["baseline"] == facts.get("attainment_2021_standard").value == 17
    # The end-2016 point once derived as 17 − 15 = 2 is dropped (it ignores communes lost in the mergers).
    assert pd.isna(row["earlier"]) and pd.isna(row["pace_achieved"])
    assert row["target"] == facts.get("target_2025_standard").value == 50
    assert row["gap"] == 33
    assert row["pace_needed"] == pytest.approx(33 / 4)  # 8.25 communes a year, 2022–2025
    assert row["category"] == "unable"
    assert row["source"] == "target_2025_standard, attainment_2021_standard"
    assert "17 − 15 = 2" in row["note"] and "ít nhất là 5" in row["note"]


def test_average_and_below_15_against_the_report(targets):
    average = targets.loc["average_criteria"]
    assert (average["baseline"], average["target"]) == (11.63, 16.44)
    assert average["gap"] == pytest.approx(4.81)
    assert average["pace_needed"] == pytest.approx(4.81 / 4)
    assert average["category"] == "unable" and math.isnan(average["ratio"])

    below = targets.loc["below_15"]
    assert below["baseline"] == 64 + 47 and below["baseline_source"] == "derived"
    assert below["target"] == 0 and below["direction"] == -1
    assert below["gap"] == 111 and below["pace_needed"] == pytest.approx(-111 / 4)
    assert below["category"] == "unable"
    assert "attainment_2021_band_10_14" in below["source"] and "attainment_2021_band_5_9" in below["source"]


@pytest.mark.parametrize("indicator, target", [
    ("advanced_communes", 10), ("model_communes", 5), ("villages_standard", 370), ("villages_model", 62),
    ("districts", 3),
])
def test_targets_without_a_baseline_are_unable(targets, indicator, target):
    row = targets.loc[indicator]
    assert row["target"] == target
    assert row["category"] == "unable" and math.isnan(row["baseline"]) and math.isnan(row["pace_needed"])
    assert "báo cáo không nêu" in row["note"] and row["baseline_source"] == ""


def test_income_shows_the_required_compound_rate(targets):
    row = targets.loc["income"]
    assert row["method"] == "compound" and row["target"] == 1.5
    assert row["pace_needed"] == pytest.approx(100 * (1.5 ** (1 / 5) - 1))  # 8.45 % a year
    assert row["pace_unit"] == "%/năm"
    assert row["category"] == "unable" and "8,45%" in row["note"]


def test_targets_in_english():
    en = words.targets(gap.province_targets(), "en").set_index("indicator")
    assert en.at["standard_communes", "label"] == "Communes meeting the new rural standard"
    assert en.at["standard_communes", "category_label"] == "Unable to assess"
    assert "at least 3, so the end-2016 count is at least 5" in en.at["standard_communes", "note"]
    assert en.at["income", "pace_unit"] == "% per year" and "8.45%" in en.at["income", "note"]
    with pytest.raises(NtmError):
        words.targets(gap.province_targets(), "fr")


def _province_years():
    """Every commune in 2020 and 2021 (from the demo), with advanced and model communes and villages set."""
    base = communes.load_default()
    standard = base.index[base["criteria_met"] == 19]
    y2020 = base.assign(year=2020)
    y2020.loc[standard[:1], "level"] = "nang_cao"  # 1 advanced, 0 model
    y2021 = base.copy()
    y2021.loc[standard[:2], "level"] = "nang_cao"
    y2021.loc[standard[2:3], "level"] = "kieu_mau"  # 3 advanced (model included), 1 model
    for year_frame in (y2020, y2021):
        year_frame["villages_total"] = pd.array([10] * len(base), dtype="Int64")
        year_frame["villages_standard"] = pd.array([2] * len(base), dtype="Int64")
        year_frame["villages_model"] = pd.array([0] * len(base), dtype="Int64")
    frame = pd.concat([y2020, y2021], ignore_index=True)
    frame.attrs = base.attrs
    return frame


def test_commune_data_fills_missing_baselines():
    table = words.targets(gap.province_targets(_province_years()), "en").set_index("indicator")
    advanced = table.loc["advanced_communes"]
    assert (advanced["baseline"], advanced["baseline_year"], advanced["earlier"], advanced["earlier_year"]) == \
        (3, 2021, 1, 2020)
    assert advanced["pace_achieved"] == 2 and advanced["pace_needed"] == pytest.approx(7 / 4)
    assert advanced["category"] == "on_track" and advanced["reach_year"] == 2025  # 7 / 2 = 3.5 years
    assert advanced["baseline_source"] == "communes_synthetic" and "SYNTHETIC" in advanced["note"]
    model = table.loc["model_communes"]
    assert (model["baseline"], model["earlier"]) == (1, 0) and model["ratio"] == pytest.approx(1.0)
    villages = table.loc["villages_standard"]
    assert villages["baseline"] == 2 * 139 and villages["pace_achieved"] == 0 and villages["category"] == "limited"
    # the report's own baselines are not replaced by commune data
    assert table.at["standard_communes", "baseline"] == 17
    assert table.at["standard_communes", "baseline_source"] == "report"
    assert table.at["districts", "category"] == "unable"


def test_commune_data_must_cover_every_commune():
    frame = _province_years()
    partial = frame[frame["commune_code"] != frame["commune_code"].iloc[0]]
    table = words.targets(gap.province_targets(partial), "vi").set_index("indicator")
    assert table.at["advanced_communes", "category"] == "unable"
    assert math.isnan(table.at["advanced_communes", "baseline"])


def test_blank_villages_give_no_baseline():
    table = words.targets(gap.province_targets(communes.load_default()), "vi").set_index("indicator")
    assert math.isnan(table.at["villages_standard", "baseline"])
    assert table.at["advanced_communes", "baseline"] == 0  # the demo has no advanced commune
    assert table.at["advanced_communes", "baseline_source"] == "communes_synthetic"


# ------------------------------------------------------------------------------------------------ resources

def test_resources_against_the_report():
    table = words.funding(gap.resources(), "vi").set_index("source")
    assert list(table.index) == ["central", "local", "integrated", "credit", "community", "enterprise_other", "total"]
    assert table.at["central", "mobilised"] == 2397.3 and table.at["central", "planned"] == pytest.approx(395.5)
    assert table.at["credit", "planned"] == pytest.approx(20000) and table.at["credit", "mobilised"] == 8098.32
    assert table.at["total", "mobilised"] == 11132.3 and table.at["total", "planned"] == pytest.approx(26734.494)
    assert table.at["total", "planned_per_year"] == pytest.approx(26734.494 / 5)
    assert table.at["total", "mobilised_per_year"] == pytest.approx(11132.3 / 5)
    assert table.at["central", "ratio"] == pytest.approx(395.5 / 2397.3)
    assert table.at["integrated", "ratio"] == pytest.approx(5712.994 / 65.15)
    assert table.at["credit", "mobilised_share"] == pytest.approx(100 * 8098.32 / 11132.3)  # 72.7 %
    assert table.at["credit", "planned_share"] == pytest.approx(100 * 20000 / 26734.494)  # 74.8 %
    parts = table.drop("total")
    assert parts["planned"].sum() == pytest.approx(table.at["total", "planned"])  # the plan adds up exactly
    assert parts["mobilised"].sum() == pytest.approx(11132.22)  # the 2017–2021 parts fall 0.08 short of the total
    assert table.at["total", "label"] == "Tổng cộng"
    assert words.funding(gap.resources(), "en").set_index("source").at["credit", "label"] == "Credit"


def test_credit_dependence():
    dependence = gap.credit_dependence()
    assert dependence["2017-2021"] == pytest.approx(72.746, abs=1e-3)
    assert dependence["2021-2025"] == pytest.approx(74.810, abs=1e-3)


# ------------------------------------------------------------------------------------------------ commune views

def test_bands(small):
    table = words.bands(gap.bands(small), "en")
    assert table["band"].tolist() == ["19", "15-18", "10-14", "5-9", "0-4"]
    assert table["communes"].tolist() == [1, 1, 2, 1, 0]
    assert table["share"].tolist() == [20.0, 20.0, 40.0, 20.0, 0.0]
    assert table["label"].iloc[0] == "19 criteria"


def test_summary(small):
    s = gap.summary(small)
    assert s["communes"] == 5 and s["standard"] == 1 and s["all_criteria"] == 1
    assert s["average"] == pytest.approx(13.6)
    assert s["below_15"] == 3 and s["below_10"] == 1
    assert (s["villages_total"], s["villages_standard"], s["villages_model"]) == (46, 11, 1)
    assert s["year"] == 2021 and s["synthetic"] is False


def test_summary_of_the_demo_equals_the_report():
    s = gap.summary(communes.load_default())
    assert s["standard"] == 17 and s["communes"] == 139 and round(s["average"], 2) == 11.63
    assert s["below_15"] == 64 + 47 and s["villages_total"] is None and s["synthetic"] is True


def test_distance(small):
    table = gap.distance(small).set_index("commune_code")
    assert table.index.tolist() == ["01693", "01705", "01720", "01291", "01294"]
    assert table["criteria_met"].tolist() == [19, 18, 14, 10, 7]
    assert table["missing_to_15"].tolist() == [0, 0, 1, 5, 8]
    assert table["missing_to_19"].tolist() == [0, 1, 5, 9, 12]
    assert table.at["01720", "unmet"] == [1, 5, 6, 10, 11]
    assert table.at["01693", "unmet"] == []


def test_unmet_by_criterion(small):
    table = words.unmet_by_criterion(gap.unmet_by_criterion(small), "vi").set_index("criterion")
    expected = {1: 4, 2: 2, 3: 2, 4: 2, 5: 3, 6: 2, 7: 1, 8: 1, 9: 1, 10: 3, 11: 3, 12: 1, 13: 1, 14: 0, 15: 0,
                16: 0, 17: 1, 18: 0, 19: 0}
    assert table["communes_unmet"].to_dict() == expected
    assert table.at[1, "share_unmet"] == 80.0 and table.at[14, "share_unmet"] == 0.0
    assert table.at[5, "name"] == "Trường học" and table.at[5, "label"] == "TC05 Trường học"
    assert words.unmet_by_criterion(gap.unmet_by_criterion(small), "en").set_index("criterion").at[5, "name"] == "Schools"


def test_heatmap_data(small):
    table = words.heatmap_data(gap.heatmap_data(small), "en")
    assert len(table) == 5 * 19
    assert table.groupby("order")["commune_code"].first().tolist() == ["01693", "01705", "01720", "01291", "01294"]
    assert table[table["order"] == 0]["criterion"].tolist() == list(range(1, 20))
    cell = table[(table["commune_code"] == "01720") & (table["criterion"] == 5)].iloc[0]
    assert not cell["met"] and cell["status"] == "Not met" and cell["criterion_label"] == "C05 Schools"
    assert table["met"].sum() == 19 + 18 + 14 + 10 + 7
    assert table["commune_label"].nunique() == 5


def test_heatmap_labels_are_unique_when_names_repeat():
    # Two communes called "Xã Vĩnh Quang" (Cao Bằng city 01693 and Bảo Lâm 01300).
    frame = _frame([("01693", 2021, [1], "chua_dat"), ("01300", 2021, [1], "chua_dat")])
    table = gap.heatmap_data(frame)
    assert table["commune_name"].nunique() == 1 and table["commune_label"].nunique() == 2


def test_nearest(small):
    table = words.nearest(gap.nearest(small, n=2), "vi")
    assert table["commune_code"].tolist() == ["01705", "01720"]  # 18 and 14 criteria; the 19/19 one is excluded
    assert table["missing"].tolist() == [1, 5]
    assert table["missing_numbers"].tolist() == [[1], [1, 5, 6, 10, 11]]
    assert table["missing_criteria"].iloc[0] == "TC01 Quy hoạch"
    assert table["missing_criteria"].iloc[1].split("; ")[1] == "TC05 Trường học"
    assert len(gap.nearest(small, n=10)) == 4


def test_nearest_breaks_ties_by_code():
    frame = _frame([("01720", 2021, [1], "chua_dat"), ("01693", 2021, [2], "chua_dat"),
                    ("01705", 2021, [1, 2], "chua_dat")])
    assert gap.nearest(frame, n=2)["commune_code"].tolist() == ["01693", "01720"]


def test_commune_views_use_the_latest_year(small):
    older = _frame([(code, 2020, list(range(1, 20)), "chua_dat", v) for code, _, _, _, v in SMALL])
    both = pd.concat([older, small], ignore_index=True)
    assert gap.summary(both)["average"] == pytest.approx(13.6)
    assert gap.bands(both)["communes"].sum() == 5


def test_empty_frame(small):
    empty = small.iloc[0:0]
    assert gap.summary(empty)["communes"] == 0
    assert gap.bands(empty)["communes"].sum() == 0
    assert gap.nearest(empty).empty and gap.heatmap_data(empty).empty and gap.distance(empty).empty


def test_trajectory(small, targets):
    y2020 = _frame([("01693", 2020, [1], "chua_dat"), *[(c, 2020, u, lvl) for c, _, u, lvl, _ in SMALL[1:]]])
    frame = pd.concat([y2020, small], ignore_index=True)
    table = words.trajectory(gap.trajectory(frame, targets.reset_index()), "en")
    observed = table[(table["series"] == "observed") & (table["indicator"] == "standard_communes")]
    assert observed[["year", "value"]].values.tolist() == [[2020, 0.0], [2021, 1.0]]
    path = table[(table["series"] == "target_path") & (table["indicator"] == "standard_communes")]
    assert path["year"].tolist() == [2020, 2021, 2022, 2023, 2024, 2025]
    assert path["value"].tolist() == pytest.approx([0, 10, 20, 30, 40, 50])  # 0 → 50 in five equal steps
    below = table[(table["series"] == "observed") & (table["indicator"] == "below_15")]
    assert below["value"].tolist() == [3.0, 3.0]
    average = table[(table["indicator"] == "average_criteria") & (table["series"] == "target_path")]
    assert average["value"].iloc[-1] == pytest.approx(16.44)
    assert average["value"].iloc[0] == pytest.approx((18 + 18 + 14 + 10 + 7) / 5)
    assert set(table["series_label"]) == {"Observed", "Path to target"}


# ------------------------------------------------------------------------------ the gap on each criteria set

def test_gap_on_both_criteria_sets_worked():
    g = words.criteria_set_gap(gap.criteria_set_gap(), "vi").set_index(["baseline", "indicator"])
    old, new = g.loc[("base_2021_old", "standard_communes")], g.loc[("base_2022_new", "standard_communes")]
    # Report, end-2021, 2016–2020 set: 50 − 17 = 33 communes over 2022–2025 (4 years) = 8,25 a year.
    assert (old["criteria_set"], old["start_year"], old["start"], old["gap"], old["years"]) == \
        ("2016_2020", 2021, 17, 33, 4)
    assert old["pace_needed"] == pytest.approx(8.25) and not old["read"]
    # Context, 2022, 2021–2025 set: 50 − 0 = 50 communes over 2023–2025 (3 years) = 16,67 a year.
    assert (new["criteria_set"], new["start_year"], new["start"], new["gap"], new["years"]) == \
        ("2021_2025", 2022, 0, 50, 3)
    assert new["pace_needed"] == pytest.approx(50 / 3) and new["read"]
    avg_old, avg_new = g.loc[("base_2021_old", "average_criteria")], g.loc[("base_2022_new", "average_criteria")]
    assert avg_old["gap"] == pytest.approx(16.44 - 11.63) and avg_old["pace_needed"] == pytest.approx(1.2025)
    assert avg_new["gap"] == pytest.approx(16.44 - 9.19) and avg_new["pace_needed"] == pytest.approx(7.25 / 3)
    assert (g["target_criteria_set"] == "2021_2025").all()
    assert g["window"].tolist()[2] == "cuối 2022 → cuối 2025 (3 năm)"
    assert "QĐ 318/QĐ-TTg" in g["criteria_set_label"].iloc[2]


def test_criteria_set_by_column_or_year():
    frame = pd.DataFrame({"year": [2021, 2022, 2021, 2023], "criteria_set": ["", None, "2021_2025", "2016_2020"]})
    assert gap.criteria_set_of(frame).tolist() == ["2016_2020", "2021_2025", "2021_2025", "2016_2020"]
    assert gap.criteria_set_of(frame.drop(columns="criteria_set")).tolist() == \
        ["2016_2020", "2021_2025", "2016_2020", "2021_2025"]


def test_pace_by_window_respects_the_mergers():
    w = words.pace_windows(gap.pace_windows(), "en").set_index("window")
    # before the mergers: 15 (end-2018, context) → 20 (2019, report) = +5 a year
    assert (w.at["w_before", "start"], w.at["w_before", "end"], w.at["w_before", "pace"]) == (15, 20, 5)
    assert w.at["w_before", "origin_label"] == "public source (context) → report"
    # after: 20 (2019) → 17 (2021) = −1,5 a year
    assert (w.at["w_after", "start"], w.at["w_after", "end"], w.at["w_after", "pace"]) == (20, 17, -1.5)
    assert w.at["w_needed_old", "pace"] == pytest.approx(8.25)
    assert w.at["w_needed_new", "pace"] == pytest.approx(50 / 3)
    assert w["criteria_set"].tolist() == ["2016_2020", "2016_2020", "2016_2020", "2021_2025"]


def test_methods_compared_where_they_disagree():
    m = words.methods_compared(gap.methods_compared(), "en").set_index(["series", "method"])
    cited_pub, cited_lin = m.loc[("series_cited", "open_sdg")], m.loc[("series_cited", "adapted_linear")]
    # Open SDG on the cited series: base 2018 (15) → 2021 (17): CAGR 4,26 %; needed (50/15)^(1/7) − 1 = 18,77 %.
    assert cited_pub["observed"] == pytest.approx((17 / 15) ** (1 / 3) - 1)
    assert cited_pub["required"] == pytest.approx((50 / 15) ** (1 / 7) - 1)
    assert cited_pub["ratio"] == pytest.approx(0.2270, abs=1e-4) and cited_pub["category"] == "limited_progress"
    # adapted (linear): (17 − 15) / 3 = 0,667 a year against 33 / 4 = 8,25 → R 0,081
    assert cited_lin["ratio"] == pytest.approx((2 / 3) / 8.25) and cited_lin["category"] == "limited_progress"
    # the former derived series: published R 1,24 on track, linear R 0,36 limited — they disagree
    d_pub, d_lin = m.loc[("series_derived", "open_sdg")], m.loc[("series_derived", "adapted_linear")]
    assert d_pub["ratio"] == pytest.approx(1.2424, abs=1e-4) and d_pub["category"] == "on_track"
    assert d_lin["ratio"] == pytest.approx(3 / 8.25) and d_lin["category"] == "limited_progress"
    assert not d_pub["agree"] and d_pub["agree_label"] == "DIFFERENT CATEGORY"
    assert m.loc[("series_new_set", "open_sdg"), "category"] == "unable_to_assess"
    assert m.loc[("series_cited", "open_sdg"), "category_label"] == "Limited progress"
    assert m.loc[("series_cited", "adapted_linear"), "method_label"] == "adapted (linear)"


def test_funding_like_with_like_worked():
    f = words.funding(gap.funding_like_with_like(), "en").set_index("source")
    # state budget 2017–2021 = 2.397,3 + 314,7 + 65,15 = 2.777,15 tỷ; plan = 6.358,494 tỷ; ratio 2,29
    assert f.at["state_budget", "mobilised"] == pytest.approx(2777.15)
    assert f.at["state_budget", "planned"] == pytest.approx(6358.494)
    assert f.at["state_budget", "ratio"] == pytest.approx(6358.494 / 2777.15)
    # non-budget = 8.098,32 + 175 + 81,75 = 8.355,07 tỷ; plan 20.376 tỷ
    assert f.at["non_budget", "mobilised"] == pytest.approx(8355.07)
    assert f.at["non_budget", "planned"] == pytest.approx(20376)
    assert f.at["state_budget", "mobilised"] + f.at["non_budget", "mobilised"] == pytest.approx(11132.22)
    # per year: five years each period; over the pace's four years (2022–2025) for the plan
    assert f.at["total", "mobilised_per_year"] == pytest.approx(11132.3 / 5)
    assert f.at["total", "planned_per_pace_year"] == pytest.approx(26734.494 / 4)
    # no ratio across a category whose meaning changed; credit described as what it is
    assert math.isnan(f.at["integrated", "ratio"]) and not f.at["integrated", "comparable"]
    assert "mostly central money of other national target programmes" in f.at["integrated", "note_label"]
    assert math.isnan(f.at["enterprise_other", "ratio"])
    assert "bank lending in the area" in f.at["credit", "note_label"] and "neither controls" in f.at["credit", "note_label"]
    assert "2021 sits in both periods" in words.funding_overlap_note("en")


def test_recognised_not_maintaining_counts_per_district():
    """A commune recognised as standard that no longer meets all 19 criteria is data and a finding (the source
    describes criterion 1 unmet after the mergers). The frame is built directly, as the reader will pass it."""
    frame = pd.DataFrame({
        "commune_code": ["01693", "01696", "01699", "01417"],
        "district_code": ["040", "051", "051", "045"], "district_name": ["TP", "Hoà An", "Hoà An", "Hà Quảng"],
        "year": [2021, 2021, 2021, 2022], "level": ["dat_chuan", "nang_cao", "chua_dat", "dat_chuan"],
        "criteria_met": [18, 19, 16, 17],
    })
    out = gap.recognised_not_maintaining(frame)
    # latest year only (2022): the 2021 rows drop out
    assert out[["district_code", "criteria_set", "recognised", "not_maintaining"]].values.tolist() == \
        [["045", "2021_2025", 1, 1]]
    only_2021 = gap.recognised_not_maintaining(frame[frame["year"] == 2021]).set_index("district_code")
    assert only_2021.at["040", "recognised"] == 1 and only_2021.at["040", "not_maintaining"] == 1
    assert only_2021.at["051", "recognised"] == 1 and only_2021.at["051", "not_maintaining"] == 0
    with_set = frame.assign(criteria_set=["2021_2025", "", "", ""])[frame["year"] == 2021]
    assert gap.recognised_not_maintaining(with_set).set_index("district_code").at["040", "criteria_set"] == \
        "2021_2025"


def test_district_targets_from_footnote_1():
    frame = _frame([("01693", 2021, [], "dat_chuan")])
    hoa_an = words.district_target(gap.district_target("051", None), "en")
    assert hoa_an["target"] == "dat_chuan" and hoa_an["communes"] == 14 and hoa_an["more"] is None
    assert hoa_an["more_new_set"] == 14 and hoa_an["pace_new_set"] == pytest.approx(14 / 3)
    city = words.district_target(gap.district_target("040", frame), "vi")
    # Thành phố Cao Bằng: 3 communes (xã), 1 standard in the data → 2 more over 2022–2025 = 0,5 a year
    assert (city["communes"], city["standard"], city["more"], city["years"]) == (3, 1, 2, 4)
    assert city["pace"] == pytest.approx(0.5)
    assert city["target_label"] == "hoàn thành nhiệm vụ xây dựng nông thôn mới"
    assert gap.district_target("049", None)["communes"] == 16
    assert gap.district_target("042", frame) is None  # Bảo Lâm: the report sets none


def test_national_context_beside_cao_bang():
    n = words.national_context(gap.national_context(), "en").set_index("key")
    assert n.at["nat_2021", "share"] == pytest.approx(68.2) and n.at["nat_2021", "origin"] == "context"
    assert n.at["nat_target", "share"] == 80 and n.at["nat_2025_06", "share"] == pytest.approx(79.3)
    assert n.at["cb_2021", "share"] == pytest.approx(100 * 17 / 139) and n.at["cb_2021", "origin"] == "report"
    assert n.at["cb_target", "share"] == 36 and n.at["cb_2022_new", "share"] == 0


def test_criterion_labels_follow_the_set_in_force():
    assert words.criterion_label(3, "vi") == "TC03 Thủy lợi"
    assert words.criterion_label(3, "vi", "2021_2025") == "TC03 Thủy lợi và phòng, chống thiên tai"
    assert words.criterion_label(11, "en", "2021_2025") == "C11 Multidimensional poverty"
    old = _frame([("01693", 2021, [3], "chua_dat")])
    new = old.assign(year=2022, criteria_set="2021_2025")  # the reader sets it from the year
    assert words.unmet_by_criterion(gap.unmet_by_criterion(old), "vi").set_index("criterion").at[3, "label"] == "TC03 Thủy lợi"
    by_new = words.unmet_by_criterion(gap.unmet_by_criterion(new), "vi").set_index("criterion")
    assert by_new.at[3, "label"] == "TC03 Thủy lợi và phòng, chống thiên tai" and by_new.at[3, "criteria_set"] == "2021_2025"
    assert "TC03 Thủy lợi và phòng, chống thiên tai" in words.nearest(gap.nearest(new), "vi")["missing_criteria"].iloc[0]
    assert set(words.heatmap_data(gap.heatmap_data(new.assign(criteria_set="2016_2020")), "vi")["criterion_label"]) >= {"TC03 Thủy lợi"}


def test_every_target_row_names_its_criteria_set_and_window(targets):
    assert targets.at["standard_communes", "baseline_criteria_set"] == "2016_2020"
    assert targets.at["average_criteria", "window"] == "cuối 2021 → cuối 2025 (4 năm)"
    assert targets.at["income", "baseline_criteria_set"] == ""  # an income index rests on no criteria set
    assert targets.at["advanced_communes", "window"] == ""  # no baseline in the report


def test_analysis_functions_take_no_language_and_return_ids():
    import inspect

    from ntm_analysis.analysis import audit, findings, progress

    for module in (audit, findings, gap, progress):
        for name, f in vars(module).items():
            if inspect.isfunction(f) and f.__module__ == module.__name__:
                assert "lang" not in inspect.signature(f).parameters, f"{module.__name__}.{name}"
    targets = gap.province_targets()
    assert "label" not in targets and set(targets["unit"]) <= {*facts.UNITS, "index"}
    assert all(domain in ("gap", "progress") and key in (words.GAP if domain == "gap" else words.PROGRESS)
               for notes in targets["notes"] for domain, key, _ in notes)
    assert set(gap.pace_windows()["origin"].explode()) <= {"report", "context"}


def test_sentences_with_figures_take_them_from_the_data(tmp_path):
    """No figure is written into a catalogue text: an office's copy with another 2025 average gets its own
    sentence, while the checkout's says 16,44 and the bounds on the dropped 2016 point (5 to 10) follow the data."""
    import os
    import subprocess
    import sys

    from project_copies import FIGURE, change_figure, copy_project
    from ntm_analysis.report import words

    assert "16,44 tiêu chí/xã" in words.new_set_reading("vi") and "9,19" in words.new_set_reading("vi")
    bounds = gap.derived_2016_bounds()
    assert (bounds["derived"], bounds["lower"], bounds["upper"]) == (2, 5, 10)
    assert "ít nhất là 5, không phải 2" in words.derived_2016_note("vi")
    copy = copy_project(tmp_path / "office")
    change_figure(copy, FIGURE, "16,88")
    code = "from ntm_analysis.report import words; print(words.new_set_reading('vi'))"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "NTM_ROOT": str(copy)},
                         capture_output=True, text=True, check=True).stdout
    assert "16,88 tiêu chí/xã" in out and "16,44" not in out
