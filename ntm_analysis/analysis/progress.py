"""Progress towards a target, as pure maths: Open SDG's measure as published (`open_sdg`) and the adapted
method the gap report uses for capped counts (`assess`).

`open_sdg` follows Open SDG (docs/progress-methodology.md; sdg-build sdg/ProgressMeasure.py): compound annual
growth from the base year, R = observed / required CAGR, zero replaced by 0.001, its category names and thresholds.

`assess` is the *adapted* method ("adapted (linear)" by default; compound on request), for an indicator with a
baseline, a target and (when known) an earlier observation:

- required pace per year from the baseline to the target, and observed pace from the earlier point to the baseline,
  both linear ((b − a) / years, the default for counts) or compound ((b / a)^(1/years) − 1);
- R = observed pace / required pace, with Open SDG's thresholds: achieved (target already met), on track
  (R ≥ 0.95), acceleration needed (0.6 ≤ R < 0.95), limited progress (0 ≤ R < 0.6), deterioration (R < 0),
  unable to assess (no baseline, or fewer than two observations); AS_OPEN_SDG maps them to Open SDG's names;
- the gap still to close, the share of the plan period elapsed, the acceleration factor (required / observed pace)
  and the year the target is reached if the observed pace continues.

Why adapted: a count of standard communes is capped and starts small, so compound growth from a small base rates
it 'on track' while the communes added a year fall far short (LABELS["adapted_reason"]).

Years are calendar years and values are end-of-year values: a plan period 2021–2025 with a baseline at the end of
2021 has 1 of its 5 years elapsed and 4 to go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from ntm_analysis import i18n
from ntm_analysis.errors import UsageError

CATEGORIES = ("achieved", "on_track", "acceleration", "limited", "deterioration", "unable")
ON_TRACK, ACCELERATION = 0.95, 0.6  # thresholds on R
METHODS = ("linear", "compound")

LABELS = i18n.catalogue("progress")


@dataclass(frozen=True)
class Assessment:
    """One indicator's progress. Paces are per year: units per year (linear) or a rate, 0.08 = 8 %/year
    (compound). `gap` is what is left to do in the direction of improvement (≤ 0 once the target is met).
    `notes` are LABELS keys explaining fallbacks or why the indicator cannot be assessed."""

    baseline: float | None
    baseline_year: int
    target: float
    target_year: int
    earlier: float | None
    earlier_year: int | None
    direction: int
    method: str
    gap: float | None
    elapsed_share: float | None
    required_pace: float | None
    observed_pace: float | None
    ratio: float | None
    acceleration: float | None
    reach_year: int | None
    category: str
    notes: tuple[str, ...] = ()


def assess(*, baseline: float | None, baseline_year: int, target: float, target_year: int,
           earlier: float | None = None, earlier_year: int | None = None, direction: int = +1,
           method: str = "linear", period_start: int | None = None) -> Assessment:
    """Assess progress from `baseline` (end of `baseline_year`) towards `target` (end of `target_year`).
    `direction` is +1 when more is better, −1 when less is better. `period_start` is the first year of the plan
    period (for the share elapsed)."""
    if direction not in (1, -1):
        raise UsageError("direction must be +1 (more is better) or -1 (less is better)")
    _check_method(method)
    _check_numbers(baseline_year=baseline_year, target=target, target_year=target_year)
    if target_year <= baseline_year:
        raise UsageError("the target year must come after the baseline year")
    if earlier_year is not None and earlier_year >= baseline_year:
        raise UsageError("the earlier observation must come before the baseline year")

    notes: list[str] = []
    elapsed = None if period_start is None else (baseline_year - period_start + 1) / (target_year - period_start + 1)
    if method == "compound" and any(v is not None and v <= 0 for v in (baseline, target, earlier)):
        method = "linear"
        notes.append("compound_fallback")
    common = dict(baseline=baseline, baseline_year=baseline_year, target=target, target_year=target_year,
                  earlier=earlier, earlier_year=earlier_year, direction=direction, method=method,
                  elapsed_share=elapsed)
    if baseline is None:
        return Assessment(**common, gap=None, required_pace=None, observed_pace=None, ratio=None, acceleration=None,
                          reach_year=None, category="unable", notes=(*notes, "no_baseline"))

    gap = direction * (target - baseline)
    required = pace(baseline, target, target_year - baseline_year, method)
    if gap <= 0:
        return Assessment(**common, gap=gap, required_pace=required, observed_pace=None, ratio=None,
                          acceleration=None, reach_year=baseline_year, category="achieved", notes=tuple(notes))
    if earlier is None or earlier_year is None:
        return Assessment(**common, gap=gap, required_pace=required, observed_pace=None, ratio=None,
                          acceleration=None, reach_year=None, category="unable", notes=(*notes, "no_earlier"))

    observed = pace(earlier, baseline, baseline_year - earlier_year, method)
    ratio = observed / required
    reach = reach_year(baseline=baseline, baseline_year=baseline_year, target=target, pace=observed, method=method)
    if reach is None:
        notes.append("never")
    return Assessment(**common, gap=gap, required_pace=required, observed_pace=observed, ratio=ratio,
                      acceleration=required / observed if ratio > 0 else None, reach_year=reach,
                      category=category(ratio), notes=tuple(notes))


def _check_method(method: object) -> None:
    if method not in METHODS:
        raise UsageError(f"method must be one of {METHODS}, not {method!r}")


def _check_numbers(**values: object) -> None:
    """Each value a real number (not a bool, not text); UsageError naming the first that is not."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Real):
            raise UsageError(f"{name} must be a number, not {value!r}")


def pace(start: float, end: float, years: int, method: str = "linear") -> float:
    """Change per year from `start` to `end` over `years`: units per year, or a compound rate."""
    _check_method(method)
    _check_numbers(start=start, end=end, years=years)
    if years <= 0:
        raise UsageError(f"a pace needs at least one year, not {years!r}")
    if method == "compound" and (start <= 0 or end < 0):
        raise UsageError(f"a compound pace needs a positive start and an end ≥ 0, not {start!r} → {end!r}")
    if method == "compound":
        return (end / start) ** (1 / years) - 1
    return (end - start) / years


def category(ratio: float) -> str:
    """The category for R = observed / required pace (the target not yet met)."""
    _check_numbers(ratio=ratio)
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION:
        return "acceleration"
    if ratio >= 0:
        return "limited"
    return "deterioration"


def reach_year(*, baseline: float, baseline_year: int, target: float, pace: float,
               method: str = "linear") -> int | None:
    """First year whose end-of-year value reaches the target if `pace` continues; None if it never does."""
    _check_method(method)
    _check_numbers(baseline=baseline, baseline_year=baseline_year, target=target, pace=pace)
    if method == "compound" and (baseline <= 0 or target <= 0):
        raise UsageError("a compound pace reaches a target only from a positive baseline to a positive target")
    if method == "compound":
        if pace <= -1 or pace == 0 or (target / baseline > 1) != (pace > 0):
            return None
        years = math.log(target / baseline) / math.log(1 + pace)
    else:
        if pace == 0 or (target - baseline > 0) != (pace > 0):
            return None
        years = (target - baseline) / pace
    return baseline_year + math.ceil(round(years, 9))  # round: 11.000000001 years is 11


# ------------------------------------------------------------------------------------ Open SDG, as published
#
# Open SDG's progress measure (Statistics Canada's method; open-sdg docs/progress-methodology.md, sdg-build
# sdg/ProgressMeasure.py): compound annual growth from the *base year* to the latest year, against the compound
# growth the target needs from the base year to the target year, R = CAGR_observed / CAGR_required. Zero base or
# target values are replaced by 0.001 (the methodology page; sdg-build's code replaces the target only). Without a
# target, the observed CAGR (sign flipped when less is better) is rated against fixed growth thresholds. The base
# year defaults to 2015; when it is missing from the data, the first later year with data is used.

OPEN_SDG = "open_sdg"
ADAPTED_LINEAR = "adapted_linear"
ZERO_REPLACEMENT = 0.001
#: Thresholds as published: on R with a target, on the observed CAGR without one.
OPEN_SDG_THRESHOLDS = {"target": {"high": 0.95, "med": 0.6, "low": 0.0},
                       "no_target": {"high": 0.015, "med": 0.005, "low": 0.0}}
OPEN_SDG_CATEGORIES = ("target_achieved", "on_track", "progress_needs_acceleration", "limited_progress",
                       "deterioration", "unable_to_assess")
#: The adapted (linear) method's categories under Open SDG's names.
AS_OPEN_SDG = {"achieved": "target_achieved", "on_track": "on_track", "acceleration": "progress_needs_acceleration",
               "limited": "limited_progress", "deterioration": "deterioration", "unable": "unable_to_assess"}

# The texts of Open SDG's categories and of both methods are in the `progress` catalogue.


@dataclass(frozen=True)
class OpenSdgResult:
    """Open SDG's measure: `status` (OPEN_SDG_CATEGORIES), R (with a target) or the signed observed CAGR (without),
    the growth rates, and the years used."""

    status: str
    value: float | None
    cagr_observed: float | None
    cagr_required: float | None
    base_year: int | None
    current_year: int | None
    replaced_zero: tuple[str, ...] = ()


def cagr(current: float, base: float, current_year: float, base_year: float) -> float:
    """Compound annual growth rate from the base year to the current year."""
    _check_numbers(current=current, base=base, current_year=current_year, base_year=base_year)
    if base <= 0 or current < 0 or current_year <= base_year:
        raise UsageError(f"no growth rate from {base!r} ({base_year!r}) to {current!r} ({current_year!r}): a positive "
                         "base and a later current year are needed")
    return (current / base) ** (1 / (current_year - base_year)) - 1


def open_sdg(values: dict[int, float], *, target: float | None = None, target_year: int = 2030,
             base_year: int = 2015, direction: int = -1, thresholds: dict[str, float] | None = None) -> OpenSdgResult:
    """Open SDG's progress status for a series {year: value}, as published. `direction` +1 when more is better,
    −1 when less is better (Open SDG's default is 'negative'). `thresholds` overrides the published ones."""
    if direction not in (1, -1):
        raise UsageError("direction must be +1 (more is better) or -1 (less is better)")
    data = {int(y): float(v) for y, v in values.items() if v is not None and v == v}
    if not data:
        return OpenSdgResult("unable_to_assess", None, None, None, None, None)
    current_year = max(data)
    if base_year not in data:
        if base_year > current_year:
            return OpenSdgResult("unable_to_assess", None, None, None, None, current_year)
        base_year = min(y for y in data if y > base_year)
    if current_year - base_year < 1:
        return OpenSdgResult("unable_to_assess", None, None, None, base_year, current_year)
    current, base = data[current_year], data[base_year]
    replaced = []
    if base == 0:
        base, replaced = ZERO_REPLACEMENT, ["base"]
    if target is not None and target == 0:
        target, replaced = ZERO_REPLACEMENT, [*replaced, "target"]
    if target is None:
        limits = thresholds or OPEN_SDG_THRESHOLDS["no_target"]
        observed = cagr(current, base, current_year, base_year)
        signed = observed if direction == 1 else -observed
        return OpenSdgResult(_status(signed, limits), signed, observed, None, base_year, current_year, tuple(replaced))
    limits = thresholds or OPEN_SDG_THRESHOLDS["target"]
    if (direction == -1 and current <= target) or (direction == 1 and current >= target):
        return OpenSdgResult("target_achieved", None, None, None, base_year, current_year, tuple(replaced))
    observed = cagr(current, base, current_year, base_year)
    required = cagr(target, base, target_year, base_year)
    ratio = observed / required
    return OpenSdgResult(_status(ratio, limits), ratio, observed, required, base_year, current_year, tuple(replaced))


def _status(value: float, limits: dict[str, float]) -> str:
    if value >= limits["high"]:
        return "on_track"
    if value >= limits["med"]:
        return "progress_needs_acceleration"
    if value >= limits["low"]:
        return "limited_progress"
    return "deterioration"
