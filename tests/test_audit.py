"""The audit of the report's arithmetic: every check runs, real inconsistencies fail, consistent totals pass."""

from __future__ import annotations

import pandas as pd
import pytest

from ntm_analysis.analysis import audit
from ntm_analysis.data import facts
from ntm_analysis.report import words
from ntm_analysis.errors import NotFound, UsageError


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """audit.run() with its description and note worded in both languages (report.words)."""
    checks = audit.run()
    for lang in ("vi", "en"):
        worded = words.audit(checks, lang)
        checks[f"description_{lang}"], checks[f"note_{lang}"] = worded["description"], worded["note"]
    return checks.set_index("check", drop=False)


def test_the_audit_returns_ids_and_numbers_not_words():
    checks = audit.run()
    assert list(checks.columns) == list(audit.COLUMNS)
    keys = set(words.AUDIT)
    assert set(checks["description"]) <= keys
    assert all(set(note) <= keys for note in checks["note"])
    assert all(isinstance(v, (int, float, str)) for values in checks["values"] for v in values.values())
    # the words come from the catalogue: an English row says what the Vietnamese one says, in English
    row = checks.set_index("check").loc["funding_2017_2021_credit_share"]
    assert words.audit_description(row, "en") == \
        "Printed share of credit 2017–2021 against the share computed from the amounts"
    assert words.audit_description(row, "vi") == \
        "Tỷ trọng vốn tín dụng 2017–2021 in ra so với tỷ trọng tính từ số tiền"


# The report's inconsistencies, verified by hand (printed, implied).
KNOWN_FAILURES = {
    "funding_2017_2021_community_share": (1.5, 100 * 175 / 11132.3),          # 1,57 % printed as 1,5 %
    "funding_2017_2021_integrated_share": (0.58, 100 * 65.15 / 11132.3),      # 0,585 % rounds to 0,59 %
    "plan_central_parts": (395_500, 332_920 + 62.58),                          # "62,58" vs 62.580 triệu
    "results_2019_share_of_communes": (11.3, 100 * 20 / 139),                  # 20 of ≈177 pre-merger communes
    "results_2019_vs_2021_standard": (17, 20),                                 # fewer standard communes in 2021
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
    "target_2025_model_within_advanced", "target_2025_advanced_within_standard", "target_2025_average_floor",
    "target_2025_villages_one_total", "results_2019_goal_vs_pm_goal",
]

# Each failure's outcome: only one is a real inconsistency.
OUTCOMES = {
    "funding_2017_2021_community_share": "rounding",       # 1,572 cut to 1,5 (rounding: 1,6)
    "funding_2017_2021_integrated_share": "rounding",      # 0,5852 cut to 0,58 (rounding: 0,59)
    "plan_central_parts": "inconsistent",
    "results_2019_share_of_communes": "not_comparable",    # pre-merger base
    "results_2019_vs_2021_standard": "not_comparable",     # 4 recognised communes gone in the mergers
    "region_2020_share_of_communes": "not_comparable",
    "movements_youth_within_total_workdays": "not_comparable",
}


def test_every_declared_check_is_reported_once(table):
    assert list(table.columns)[:len(audit.COLUMNS)] == list(audit.COLUMNS)
    assert table["check"].tolist() == [c.id for c in audit.CHECKS]
    assert table["check"].is_unique
    assert set(table["status"]) <= {"pass", "fail"}
    assert set(KNOWN_FAILURES) | set(CONSISTENT) == set(table["check"])


def test_failures_are_exactly_the_known_inconsistencies(table):
    assert set(table.loc[table["status"] == "fail", "check"]) == set(KNOWN_FAILURES)
    assert audit.summary(table) == {"checks": len(table), "pass": len(CONSISTENT), "fail": len(KNOWN_FAILURES),
                                    "failed": [c for c in table["check"] if c in KNOWN_FAILURES],
                                    "outcomes": {"holds": len(CONSISTENT), "inconsistent": 1, "rounding": 2,
                                                 "not_comparable": 4}}


@pytest.mark.parametrize("check", sorted(KNOWN_FAILURES))
def test_known_inconsistency_reports_printed_and_implied(table, check):
    row = table.loc[check]
    printed, implied = KNOWN_FAILURES[check]
    assert row["status"] == "fail"
    assert row["printed"] == pytest.approx(printed)
    assert row["implied"] == pytest.approx(implied)
    assert row["difference"] == pytest.approx(printed - implied)
    lead = {"inconsistent": ("Không khớp", "Does not hold"), "rounding": ("Cắt bớt", "Truncated"),
            "not_comparable": None}[OUTCOMES[check]]
    if lead:
        assert row["note_vi"].startswith(lead[0]) and row["note_en"].startswith(lead[1])
    else:
        assert "Không so sánh được" in row["note_vi"] and "Not comparable" in row["note_en"]


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
    with pytest.raises(NotFound, match="ocop_stars_4"):
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
    with pytest.raises(UsageError, match="unsupported"):
        audit.evaluate("x ** 2", names)
    with pytest.raises(NotFound, match="z"):
        audit.evaluate("x + z", names)


def test_quantity_of_a_fact_uses_its_printed_precision():
    assert audit.quantity(facts.get("ocop_products")).margin == 0                 # exact count
    assert audit.quantity(facts.get("target_2025_villages_standard")).margin == 0.5  # "tương đương 370"
    assert audit.quantity(facts.get("funding_2017_2021_credit")).margin == pytest.approx(0.005)
    assert audit.quantity(facts.get("movements_workdays")).margin == 500
    assert audit.quantity(facts.get("target_2025_below_15")).margin == 0            # "Không còn"


def test_three_outcomes_each_explained(table):
    assert table.loc[list(OUTCOMES), "outcome"].to_dict() == OUTCOMES
    assert set(table.loc[CONSISTENT, "outcome"]) == {"holds"}
    assert audit.summary(table)["outcomes"] == {"holds": len(CONSISTENT), "inconsistent": 1, "rounding": 2,
                                                "not_comparable": 4}
    integrated = table.loc["funding_2017_2021_integrated_share"]
    assert "0,5852 cắt (không làm tròn)" in integrated["note_vi"] and "làm tròn sẽ là 0,59" in integrated["note_vi"]
    assert "1.5720 cut (not rounded)" in table.loc["funding_2017_2021_community_share", "note_en"]
    assert "rounding would give 1.6" in table.loc["funding_2017_2021_community_share", "note_en"]
    youth = table.loc["movements_youth_within_total_workdays", "note_en"]
    assert "Not comparable" in youth and "measure different work" in youth and "Does not hold" not in youth


def test_pm_goal_rests_on_the_cited_context_fact(table):
    row = table.loc["results_2019_goal_vs_pm_goal"]
    # goal = 15 ÷ 75 % = 20 communes; 100 × 20 / 20 = 100 % as printed
    assert row["implied"] == pytest.approx(100) and row["outcome"] == "holds"
    assert row["context"] == "cb_2018_recognised,cb_2018_share_of_pm_goal"
    assert "15 ÷ 75% = 20 communes" in row["note_en"]
    assert "infonet.vietnamnet.vn" in row["note_en"] and "đạt 75% mục tiêu 5 năm" in row["note_en"]
    assert row["note_en"].count("infonet.vietnamnet.vn") == 1


def test_20_to_17_explained_from_the_register(table):
    row = table.loc["results_2019_vs_2021_standard"]
    assert "1 merged into a new commune (Minh Thanh → Vũ Minh)" in row["note_en"]
    assert "3 are no longer in the 2021 list (Bế Triều, Phù Ngọc, Đình Minh)" in row["note_en"]
    assert "4 recognised communes gone, more than the net fall of 3" in row["note_en"]
    assert "caobang.gov.vn" in row["note_en"] and "khcncaobang.gov.vn" in row["note_en"]


def test_model_communes_counted_within_advanced(table):
    row = table.loc["target_2025_model_within_advanced"]
    assert row["formula"] == "target_2025_model ≤ target_2025_advanced"
    assert (row["printed"], row["implied"], row["outcome"]) == (5, 10, "holds")
    assert "QĐ 319/QĐ-TTg" in row["description_vi"] and "baoquangnam.vn" in row["note_vi"]
