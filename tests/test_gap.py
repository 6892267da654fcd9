"""Gap analysis: the province's 2025 targets against the report, the resource plan, and the commune-level views on
small hand-made frames whose answers are worked out below."""

import math

import pandas as pd
import pytest

from ntm_analysis import communes, facts, gap


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
    return gap.province_targets("vi").set_index("indicator")


def test_targets_cover_every_indicator(targets):
    assert list(targets.index) == ["standard_communes", "advanced_communes", "model_communes", "average_criteria",
                                   "below_15", "villages_standard", "villages_model", "districts", "income"]
    assert (targets["target_year"] == 2025).all()
    assert targets["elapsed_share"].drop("income").tolist() == pytest.approx([0.2] * 8)  # end of 2021: 1 of 5 years
    assert targets.at["income", "elapsed_share"] == 0  # the income target counts from 2020


def test_standard_communes_against_the_report(targets):
    row = targets.loc["standard_communes"]
    assert row["baseline"] == facts.get("attainment_2021_standard").value == 17
    assert row["earlier"] == 17 - 15 and row["earlier_year"] == 2016  # derived: 15 new standard in 2017–2021
    assert row["target"] == facts.get("target_2025_standard").value == 50
    assert row["gap"] == 33
    assert row["pace_needed"] == pytest.approx(33 / 4)  # 8.25 communes a year, 2022–2025
    assert row["pace_achieved"] == pytest.approx(15 / 5)  # 3 a year, 2017–2021
    assert row["ratio"] == pytest.approx(3 / 8.25)
    assert row["acceleration"] == pytest.approx(2.75)
    assert row["reach_year"] == 2032
    assert row["category"] == "limited" and row["category_label"] == "Tiến bộ hạn chế"
    assert row["source"] == "target_2025_standard, attainment_2021_standard, attainment_2021_new_standard"
    assert "suy ra" in row["note"]


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
    en = gap.province_targets("en").set_index("indicator")
    assert en.at["standard_communes", "label"] == "Communes meeting the NTM standard"
    assert en.at["standard_communes", "unit"] == "communes"
    assert en.at["standard_communes", "category_label"] == "Limited progress"
    assert en.at["income", "pace_unit"] == "% per year" and "8.45%" in en.at["income", "note"]
    with pytest.raises(ValueError):
        gap.province_targets("fr")


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
    table = gap.province_targets("en", _province_years()).set_index("indicator")
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
    table = gap.province_targets("vi", partial).set_index("indicator")
    assert table.at["advanced_communes", "category"] == "unable"
    assert math.isnan(table.at["advanced_communes", "baseline"])


def test_blank_villages_give_no_baseline():
    table = gap.province_targets("vi", communes.load_default()).set_index("indicator")
    assert math.isnan(table.at["villages_standard", "baseline"])
    assert table.at["advanced_communes", "baseline"] == 0  # the demo has no advanced commune
    assert table.at["advanced_communes", "baseline_source"] == "communes_synthetic"


# ------------------------------------------------------------------------------------------------ resources

def test_resources_against_the_report():
    table = gap.resources("vi").set_index("source")
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
    assert gap.resources("en").set_index("source").at["credit", "label"] == "Credit"


def test_credit_dependence():
    dependence = gap.credit_dependence()
    assert dependence["2017-2021"] == pytest.approx(72.746, abs=1e-3)
    assert dependence["2021-2025"] == pytest.approx(74.810, abs=1e-3)


# ------------------------------------------------------------------------------------------------ commune views

def test_bands(small):
    table = gap.bands(small, lang="en")
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
    table = gap.unmet_by_criterion(small, lang="vi").set_index("criterion")
    expected = {1: 4, 2: 2, 3: 2, 4: 2, 5: 3, 6: 2, 7: 1, 8: 1, 9: 1, 10: 3, 11: 3, 12: 1, 13: 1, 14: 0, 15: 0,
                16: 0, 17: 1, 18: 0, 19: 0}
    assert table["communes_unmet"].to_dict() == expected
    assert table.at[1, "share_unmet"] == 80.0 and table.at[14, "share_unmet"] == 0.0
    assert table.at[5, "name"] == "Trường học" and table.at[5, "label"] == "TC05 Trường học"
    assert gap.unmet_by_criterion(small, lang="en").set_index("criterion").at[5, "name"] == "Schools"


def test_heatmap_data(small):
    table = gap.heatmap_data(small, lang="en")
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
    table = gap.nearest(small, n=2, lang="vi")
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
    table = gap.trajectory(frame, targets.reset_index(), lang="en")
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
