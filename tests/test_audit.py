"""The audit of the report's arithmetic: every check runs, real inconsistencies fail, consistent totals pass."""

from __future__ import annotations

import pandas as pd
import pytest

from ntm_analysis import audit, facts


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return audit.run().set_index("check", drop=False)


# The report's inconsistencies, verified by hand (printed, implied).
KNOWN_FAILURES = {
    "funding_2017_2021_community_share": (1.5, 100 * 175 / 11132.3),          # 1,57 % printed as 1,5 %
    "funding_2017_2021_integrated_share": (0.58, 100 * 65.15 / 11132.3),      # 0,585 % rounds to 0,59 %
    "plan_central_parts": (395_500, 332_920 + 62.58),                          # "62,58" vs 62.580 triệu
    "results_2019_share_of_communes": (11.3, 100 * 20 / 139),                  # 20 of ≈177 pre-merger communes
    "results_2019_vs_2021_standard": (17, 20),                                 # fewer standard communes in 2021
    "results_2019_goal_vs_list": (100, 100 * 20 / 25),                         # 20 of the province's 25-commune list
    "region_2020_share_of_communes": (11.3, 100 * (50 - 33) / 139),            # end of 2020: 17 of 139 = 12,2 %
    "movements_youth_within_total_workdays": (600_000, 443_000),               # youth > all residents
}

CONSISTENT = [
    "management_province_office_staff", "ocop_products_by_rating", "ocop_products_by_sector", "ocop_entities_by_type",
    "funding_2017_2021_sum_of_sources", "funding_2017_2021_central_share", "funding_2017_2021_provincial_share",
    "funding_2017_2021_credit_share", "funding_2017_2021_other_share", "funding_2017_2021_shares_sum",
    "plan_total_parts", "plan_budget_parts", "plan_nonbudget_parts", "plan_central_share", "plan_local_share",
    "plan_integrated_share", "plan_credit_share", "plan_enterprise_share", "plan_community_share", "plan_shares_sum",
    "attainment_2021_all_communes", "attainment_2021_average_within_bands", "attainment_2021_new_within_total",
    "funding_2021_vs_2020", "target_2025_share_of_communes", "target_2025_increase_from_2021",
    "target_2025_advanced_model_within_standard", "target_2025_average_floor", "target_2025_villages_one_total",
]


def test_every_declared_check_is_reported_once(table):
    assert list(table.columns) == list(audit.COLUMNS)
    assert table["check"].tolist() == [c.id for c in audit.CHECKS]
    assert table["check"].is_unique
    assert set(table["status"]) <= {"pass", "fail"}
    assert set(KNOWN_FAILURES) | set(CONSISTENT) == set(table["check"])


def test_failures_are_exactly_the_known_inconsistencies(table):
    assert set(table.loc[table["status"] == "fail", "check"]) == set(KNOWN_FAILURES)
    assert audit.summary(table) == {"checks": len(table), "pass": len(CONSISTENT), "fail": len(KNOWN_FAILURES),
                                    "failed": [c for c in table["check"] if c in KNOWN_FAILURES]}


@pytest.mark.parametrize("check", sorted(KNOWN_FAILURES))
def test_known_inconsistency_reports_printed_and_implied(table, check):
    row = table.loc[check]
    printed, implied = KNOWN_FAILURES[check]
    assert row["status"] == "fail"
    assert row["printed"] == pytest.approx(printed)
    assert row["implied"] == pytest.approx(implied)
    assert row["difference"] == pytest.approx(printed - implied)
    assert row["note_vi"].startswith("Không khớp") and row["note_en"].startswith("Does not hold")


@pytest.mark.parametrize("check", CONSISTENT)
def test_consistent_check_passes(table, check):
    row = table.loc[check]
    assert row["status"] == "pass"
    if {c.id: c.relation for c in audit.CHECKS}[check] == "=":
        assert abs(row["difference"]) <= row["tolerance"] + 1e-9


def test_notes_explain_the_central_budget_gap(table):
    row = table.loc["plan_central_parts"]
    assert "62,58" in row["note_vi"] and "62.580" in row["note_vi"]
    assert "62.58" in row["note_en"] and "62,580" in row["note_en"]


def test_notes_give_the_pre_merger_commune_count(table):
    assert "khoảng 177 xã" in table.loc["results_2019_share_of_communes", "note_vi"]
    assert "about 177 communes" in table.loc["results_2019_share_of_communes", "note_en"]


def test_tolerance_is_half_a_unit_of_the_printed_digits(table):
    # total ± 0,05; components ± 0,05 + 0,05 + 0,005 + 0,005 + 0,5 (175 has no decimals) + 0,005
    assert table.loc["funding_2017_2021_sum_of_sources", "tolerance"] == pytest.approx(0.665)
    assert table.loc["funding_2017_2021_sum_of_sources", "difference"] == pytest.approx(0.08)
    # exact counts carry no rounding
    assert table.loc["ocop_products_by_sector", "tolerance"] == 0
    # 0,29 ± 0,005 plus the rounding of 2.563 / 896.560 (± 0,5 triệu each)
    expected = 0.005 + 100 * 2563 / 896560 * (0.5 / 2563 + 0.5 / 896560)
    assert table.loc["funding_2021_vs_2020", "tolerance"] == pytest.approx(expected, rel=1e-3)


def test_facts_column_lists_the_figures_each_check_uses(table):
    known = set(facts.load()["id"])
    for ids in table["facts"]:
        assert set(ids.split(",")) <= known
    assert table.loc["plan_central_parts", "facts"] == "plan_central,plan_central_investment,plan_central_recurrent"


def test_checks_follow_the_data():
    table = facts.load()
    fixed = table.copy()
    fixed.loc[fixed["id"] == "plan_central_recurrent", "value"] = 62580.0
    fixed.loc[fixed["id"] == "plan_central_recurrent", "printed"] = "62.580"
    assert audit.run(fixed).set_index("check").loc["plan_central_parts", "status"] == "pass"
    broken = table.copy()
    broken.loc[broken["id"] == "ocop_stars_3", "value"] = 54.0
    broken.loc[broken["id"] == "ocop_stars_3", "printed"] = "54"
    result = audit.run(broken).set_index("check")
    assert result.loc["ocop_products_by_rating", "status"] == "fail"
    assert result.loc["ocop_products_by_sector", "status"] == "pass"


def test_missing_fact_is_named():
    table = facts.load()
    with pytest.raises(KeyError, match="ocop_stars_4"):
        audit.run(table[table["id"] != "ocop_stars_4"])


# ------------------------------------------------------------------------------------------------- formula engine

def test_interval_arithmetic():
    a, b = audit.Quantity(10, 9.5, 10.5), audit.Quantity(4, 3.5, 4.5)
    assert (a + b) == audit.Quantity(14, 13, 15)
    assert (a - b) == audit.Quantity(6, 5, 7)
    assert (a * b).low == pytest.approx(9.5 * 3.5) and (a * b).high == pytest.approx(10.5 * 4.5)
    assert (a / b).low == pytest.approx(9.5 / 4.5) and (a / b).high == pytest.approx(10.5 / 3.5)
    assert (-a) == audit.Quantity(-10, -10.5, -9.5)
    assert audit.between(5, 9) == audit.Quantity(7, 5, 9)
    with pytest.raises(ZeroDivisionError):
        a / audit.Quantity(0, -1, 1)


def test_evaluate_and_fact_ids():
    names = {"x": audit.Quantity.exact(3), "y": audit.Quantity(2, 1.5, 2.5)}
    result = audit.evaluate("100 * x / (y + between(0, 2))", names)
    assert result.value == pytest.approx(100.0)
    assert result.low == pytest.approx(300 / 4.5) and result.high == pytest.approx(200.0)
    assert audit.fact_ids("a_1 + between(1, 2) * b_2 - a_1") == ["a_1", "b_2", "a_1"]
    with pytest.raises(ValueError, match="unsupported"):
        audit.evaluate("x ** 2", names)
    with pytest.raises(KeyError, match="z"):
        audit.evaluate("x + z", names)


def test_quantity_of_a_fact_uses_its_printed_precision():
    assert audit.quantity(facts.get("ocop_products")).margin == 0                 # exact count
    assert audit.quantity(facts.get("target_2025_villages_standard")).margin == 0.5  # "tương đương 370"
    assert audit.quantity(facts.get("funding_2017_2021_credit")).margin == pytest.approx(0.005)
    assert audit.quantity(facts.get("movements_workdays")).margin == 500
    assert audit.quantity(facts.get("target_2025_below_15")).margin == 0            # "Không còn"
