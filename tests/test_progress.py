"""Progress assessment (Open SDG / Statistics Canada method): worked cases computed by hand."""

import math

import pytest

from ntm_analysis.analysis import progress
from ntm_analysis.errors import UsageError
from ntm_analysis.analysis.progress import assess


def test_on_track_linear():
    # 5 (2015) → 10 (2020): 1 a year; 10 → 15 by 2025 needs 1 a year. R = 1.
    a = assess(baseline=10, baseline_year=2020, target=15, target_year=2025, earlier=5, earlier_year=2015)
    assert a.required_pace == 1 and a.observed_pace == 1 and a.ratio == 1
    assert a.category == "on_track"
    assert a.gap == 5 and a.acceleration == 1 and a.reach_year == 2025


def test_acceleration_needed():
    # 6 (2015) → 10 (2020): 0.8 a year; needs 1. R = 0.8; factor 1.25; 5 / 0.8 = 6.25 years → 2027.
    a = assess(baseline=10, baseline_year=2020, target=15, target_year=2025, earlier=6, earlier_year=2015)
    assert a.observed_pace == pytest.approx(0.8)
    assert a.ratio == pytest.approx(0.8) and a.category == "acceleration"
    assert a.acceleration == pytest.approx(1.25)
    assert a.reach_year == 2027


def test_limited_progress_standard_communes():
    # The report's case: 2 standard communes at the end of 2016, 17 at the end of 2021, 50 targeted for 2025.
    a = assess(baseline=17, baseline_year=2021, target=50, target_year=2025, earlier=2, earlier_year=2016,
               period_start=2021)
    assert a.required_pace == pytest.approx(33 / 4)  # 8.25 a year
    assert a.observed_pace == pytest.approx(15 / 5)  # 3 a year
    assert a.ratio == pytest.approx(3 / 8.25)  # 0.364
    assert a.category == "limited"
    assert a.acceleration == pytest.approx(2.75)
    assert a.reach_year == 2032  # 33 / 3 = 11 years after 2021
    assert a.elapsed_share == pytest.approx(1 / 5)
    assert a.gap == 33


def test_deterioration():
    # 12 → 10 while 15 is targeted: moving away. R = (−0.4) / 1 < 0; never reached.
    a = assess(baseline=10, baseline_year=2020, target=15, target_year=2025, earlier=12, earlier_year=2015)
    assert a.ratio == pytest.approx(-0.4)
    assert a.category == "deterioration"
    assert a.acceleration is None and a.reach_year is None
    assert "never" in a.notes


def test_no_change_is_limited_and_never_reached():
    a = assess(baseline=10, baseline_year=2020, target=15, target_year=2025, earlier=10, earlier_year=2015)
    assert a.ratio == 0 and a.category == "limited"
    assert a.acceleration is None and a.reach_year is None


@pytest.mark.parametrize("baseline, target, direction, gap", [
    (20, 15, 1, -5),  # more is better, already above the target
    (15, 15, 1, 0),  # exactly at the target
    (0, 0, -1, 0),  # less is better: no commune below 15 already
    (3, 5, -1, -2),  # less is better, already below the target
])
def test_achieved_respects_direction(baseline, target, direction, gap):
    a = assess(baseline=baseline, baseline_year=2021, target=target, target_year=2025, direction=direction)
    assert a.category == "achieved"
    assert a.gap == gap
    assert a.reach_year == 2021


def test_not_achieved_when_direction_is_down():
    # 111 communes below 15 and the target is 0: the gap is 111 communes to lift, not achieved.
    a = assess(baseline=111, baseline_year=2021, target=0, target_year=2025, direction=-1)
    assert a.gap == 111
    assert a.required_pace == pytest.approx(-27.75)
    assert a.category == "unable" and a.notes == ("no_earlier",)


def test_unable_without_baseline():
    a = assess(baseline=None, baseline_year=2021, target=10, target_year=2025, period_start=2021)
    assert a.category == "unable"
    assert a.gap is None and a.required_pace is None and a.ratio is None
    assert "no_baseline" in a.notes
    assert a.elapsed_share == pytest.approx(0.2)


def test_unable_with_a_single_observation_still_gives_required_pace():
    a = assess(baseline=11.63, baseline_year=2021, target=16.44, target_year=2025)
    assert a.category == "unable"
    assert a.required_pace == pytest.approx((16.44 - 11.63) / 4)  # 1.2025 criteria a year
    assert a.observed_pace is None and a.ratio is None


def test_decreasing_indicator_with_an_earlier_point():
    # 150 (2016) → 111 (2021): −7.8 a year; 111 → 0 needs −27.75. R = 7.8 / 27.75; 111 / 7.8 = 14.2 years → 2036.
    a = assess(baseline=111, baseline_year=2021, target=0, target_year=2025, earlier=150, earlier_year=2016,
               direction=-1)
    assert a.observed_pace == pytest.approx(-7.8)
    assert a.ratio == pytest.approx(7.8 / 27.75)
    assert a.category == "limited"
    assert a.acceleration == pytest.approx(27.75 / 7.8)
    assert a.reach_year == 2036


def test_compound_on_track():
    # 100 (2015) → 121 (2017): +10 % a year; 121 → 161.051 by 2020 needs +10 % a year.
    a = assess(baseline=121, baseline_year=2017, target=161.051, target_year=2020, earlier=100, earlier_year=2015,
               method="compound")
    assert a.method == "compound"
    assert a.observed_pace == pytest.approx(0.10)
    assert a.required_pace == pytest.approx(0.10)
    assert a.category == "on_track"
    assert a.reach_year == 2020


def test_compound_decreasing():
    # Poverty-like: 25 (2018) → 20 (2020) → 10 by 2025. Observed (20/25)^(1/2) − 1, required 0.5^(1/5) − 1.
    a = assess(baseline=20, baseline_year=2020, target=10, target_year=2025, earlier=25, earlier_year=2018,
               direction=-1, method="compound")
    observed, required = math.sqrt(0.8) - 1, 0.5 ** 0.2 - 1
    assert a.observed_pace == pytest.approx(observed)
    assert a.required_pace == pytest.approx(required)
    assert a.ratio == pytest.approx(observed / required)  # 0.816
    assert a.category == "acceleration"
    # ln(0.5) / ln(1 + observed) = 6.2 years → 2027
    assert a.reach_year == 2020 + math.ceil(math.log(0.5) / math.log(1 + observed))


def test_income_required_compound_rate():
    a = assess(baseline=1.0, baseline_year=2020, target=1.5, target_year=2025, method="compound", period_start=2021)
    assert a.required_pace == pytest.approx(1.5 ** (1 / 5) - 1)  # 8.45 % a year
    assert a.elapsed_share == 0
    assert a.category == "unable"


def test_zero_target_compound_falls_back_to_linear():
    a = assess(baseline=111, baseline_year=2021, target=0, target_year=2025, earlier=150, earlier_year=2016,
               direction=-1, method="compound")
    assert a.method == "linear"
    assert "compound_fallback" in a.notes
    assert a.required_pace == pytest.approx(-27.75)
    assert a.observed_pace == pytest.approx(-7.8)


def test_zero_baseline_compound_falls_back_to_linear():
    # 0 advanced communes (2021), 10 targeted: no growth rate from zero.
    a = assess(baseline=0, baseline_year=2021, target=10, target_year=2025, method="compound")
    assert a.method == "linear" and "compound_fallback" in a.notes
    assert a.required_pace == pytest.approx(2.5)


def test_zero_earlier_value_compound_falls_back_to_linear():
    a = assess(baseline=4, baseline_year=2021, target=10, target_year=2025, earlier=0, earlier_year=2019,
               method="compound")
    assert a.method == "linear"
    assert a.observed_pace == 2 and a.required_pace == 1.5
    assert a.category == "on_track"


def test_elapsed_share_optional():
    a = assess(baseline=1, baseline_year=2021, target=2, target_year=2025)
    assert a.elapsed_share is None
    b = assess(baseline=1, baseline_year=2023, target=2, target_year=2025, period_start=2021)
    assert b.elapsed_share == pytest.approx(3 / 5)


@pytest.mark.parametrize("ratio, expected", [
    (1.2, "on_track"), (0.95, "on_track"), (0.9499, "acceleration"), (0.6, "acceleration"),
    (0.5999, "limited"), (0.0, "limited"), (-0.0001, "deterioration"),
])
def test_category_thresholds(ratio, expected):
    assert progress.category(ratio) == expected


@pytest.mark.parametrize("kwargs", [
    dict(direction=0), dict(method="exponential"), dict(target_year=2021), dict(earlier=1, earlier_year=2021),
])
def test_invalid_arguments(kwargs):
    args = dict(baseline=1, baseline_year=2021, target=2, target_year=2025) | kwargs
    with pytest.raises(UsageError):
        assess(**args)


def test_labels_in_both_languages():
    for key in (*progress.CATEGORIES, "no_baseline", "no_earlier", "compound_fallback", "never"):
        assert progress.LABELS[key]["vi"] and progress.LABELS[key]["en"]
        assert progress.LABELS[key]["vi"] != progress.LABELS[key]["en"]


# ---------------------------------------------------------------------------------- Open SDG, as published

import json  # noqa: E402

from ntm_analysis import paths as _paths  # noqa: E402

FIXTURE = json.loads((_paths.ROOT / "tests" / "fixtures" / "open_sdg_progress_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: json.dumps(c["options"]) or "defaults")
def test_open_sdg_matches_sdg_build_on_its_progress_assets(case):
    """sdg-build's own progress-calculation assets (total line 2020: 100, 2021: 120) under several configs: our
    function gives the status their code gave (None there = unable to assess here)."""
    values = {int(y): v for y, v in FIXTURE["total_line"].items()}
    o = case["options"]
    result = progress.open_sdg(values, target=o.get("target"), target_year=o.get("target_year", 2030),
                               base_year=o.get("base_year", 2015),
                               direction=1 if o.get("direction", "negative") == "positive" else -1,
                               thresholds=o.get("progress_thresholds"))
    assert result.status == (case["expected"] or "unable_to_assess")


def test_open_sdg_defaults_on_the_asset_worked():
    # Base year 2015 is not in the data: 2020 is used. CAGR = 120/100 − 1 = 20 %; 'negative' by default → −0,2.
    r = progress.open_sdg({2020: 100, 2021: 120})
    assert (r.base_year, r.current_year) == (2020, 2021)
    assert r.cagr_observed == pytest.approx(0.2)
    assert r.value == pytest.approx(-0.2)
    assert r.status == "deterioration"


def test_open_sdg_standard_communes_worked():
    """Standard communes 2 (end-2016, derived) → 17 (2021), target 50 in 2025: CAGR observed = 8,5^(1/5) − 1 =
    53,42 %, required = 25^(1/9) − 1 = 42,997 %, R = 1,2424: 'on track' as published (sdg-build agrees)."""
    case = FIXTURE["cao_bang_standard_communes"]
    r = progress.open_sdg({2016: 2, 2021: 17}, target=50, target_year=2025, base_year=2016, direction=1)
    assert r.cagr_observed == pytest.approx(8.5 ** 0.2 - 1) and r.cagr_observed == pytest.approx(0.53421, abs=1e-5)
    assert r.cagr_required == pytest.approx(25 ** (1 / 9) - 1) and r.cagr_required == pytest.approx(0.42997, abs=1e-5)
    assert r.value == pytest.approx(1.2424, abs=1e-4)
    assert r.status == case["expected"] == "on_track"


def test_open_sdg_replaces_zero_base_and_target():
    # Base 0 → 0,001: CAGR from 0,001 to 17 over 3 years; target 0 (less is better) → 0,001.
    up = progress.open_sdg({2019: 0, 2022: 17}, target=50, target_year=2025, base_year=2019, direction=1)
    assert up.replaced_zero == ("base",)
    assert up.cagr_observed == pytest.approx((17 / 0.001) ** (1 / 3) - 1)
    down = progress.open_sdg({2020: 10, 2022: 5}, target=0, target_year=2025, base_year=2020, direction=-1)
    assert down.replaced_zero == ("target",)
    assert down.cagr_required == pytest.approx((0.001 / 10) ** (1 / 5) - 1)
    assert down.status == "limited_progress"  # R = (0,5^(1/2) − 1) / (0,0001^(1/5) − 1) = 0,2929 / 0,8415 = 0,348
    assert down.value == pytest.approx(0.348, abs=1e-3)


def test_open_sdg_unable_to_assess():
    assert progress.open_sdg({}).status == "unable_to_assess"
    assert progress.open_sdg({2021: 17}, base_year=2021, target=50).status == "unable_to_assess"
    assert progress.open_sdg({2020: 5}, base_year=2022, target=50).status == "unable_to_assess"


def test_open_sdg_category_labels_in_both_languages():
    assert progress.LABELS["progress_needs_acceleration"]["en"] == "Progress made but acceleration needed"
    for key in (*progress.OPEN_SDG_CATEGORIES, progress.OPEN_SDG, progress.ADAPTED_LINEAR, "adapted_reason"):
        assert progress.LABELS[key]["vi"] and progress.LABELS[key]["en"]
    assert progress.LABELS[progress.ADAPTED_LINEAR]["en"] == "adapted (linear)"
