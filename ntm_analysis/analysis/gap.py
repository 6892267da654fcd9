"""The 2021–2025 gap analysis: the report's targets against where the province stood — on each criteria set (the
report's 2021 status on the 2016–2020 set; the 2022 status on the targets' own 2021–2025 set, from cited context
facts) — the pace by window around the 2020 mergers, Open SDG's published measure beside the adapted (linear) one,
the resource plan against what was mobilised in 2017–2021 like with like, the district targets of footnote 1,
Cao Bằng beside the country, and (from commune data) which communes lack which criteria and which recognised
communes no longer meet every criterion.

Pure functions of the facts, the context facts and normalised commune frames (communes.py): no disk, no charts.
Results are ids and numbers (indicator, source, window, series, band and criterion ids; notes as catalogue keys
with their values), never words: report.words words them in a language. Every figure says which criteria set,
method and window it rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from ntm_analysis.data import communes, context, criteria_sets, facts, reference
from ntm_analysis.analysis import progress
from ntm_analysis.errors import UsageError

PERIOD = (2021, 2025)  # the plan period; values are end-of-year
REPORT_YEAR = 2021  # the report's latest observed year
EARLIER_YEAR = 2016  # end of 2016 = start of the 2017–2021 period



@dataclass(frozen=True)
class _Indicator:
    id: str
    target: str  # fact id of the 2025 target
    baseline: tuple[str, ...] = ()  # fact ids summed into the baseline (empty: not in the report)
    direction: int = 1
    method: str = "linear"


INDICATORS = (
    # No earlier point: the end-2016 value once derived as 17 − 15 ignores the communes lost in the 2020 mergers
    # (LABELS["derived_2016_dropped"]); the pace achieved is shown by window instead (pace_windows).
    _Indicator("standard_communes", "target_2025_standard", ("attainment_2021_standard",)),
    _Indicator("advanced_communes", "target_2025_advanced"),
    _Indicator("model_communes", "target_2025_model"),
    _Indicator("average_criteria", "target_2025_average", ("attainment_2021_average",)),
    _Indicator("below_15", "target_2025_below_15", ("attainment_2021_band_10_14", "attainment_2021_band_5_9"),
               direction=-1),
    _Indicator("villages_standard", "target_2025_villages_standard"),
    _Indicator("villages_model", "target_2025_villages_model"),
    _Indicator("districts", "target_2025_districts"),
    _Indicator("income", "target_2025_income_multiple", method="compound"),
)

# What commune data can measure for an indicator the report gives no baseline for: year frame → value or None.
_FROM_COMMUNES = {
    "advanced_communes": lambda f: int(f["level"].isin(["nang_cao", "kieu_mau"]).sum()),
    "model_communes": lambda f: int((f["level"] == "kieu_mau").sum()),
    "villages_standard": lambda f: None if f["villages_standard"].isna().any() else int(f["villages_standard"].sum()),
    "villages_model": lambda f: None if f["villages_model"].isna().any() else int(f["villages_model"].sum()),
}

#: Harmonised funding sources: (id, mobilised 2017–2021 fact, planned 2021–2025 fact). The 2017–2021 "vốn lồng
#: ghép (ngân sách địa phương)" is matched with the plan's integrated programmes, the provincial budget with the
#: plan's local budget, and "vốn huy động khác" with the plan's enterprises.
RESOURCES = (
    ("central", "funding_2017_2021_central", "plan_central"),
    ("local", "funding_2017_2021_provincial", "plan_local"),
    ("integrated", "funding_2017_2021_integrated", "plan_integrated"),
    ("credit", "funding_2017_2021_credit", "plan_credit"),
    ("community", "funding_2017_2021_community", "plan_community"),
    ("enterprise_other", "funding_2017_2021_other", "plan_enterprise"),
    ("total", "funding_2017_2021_total", "plan_total"),
)
MONEY = "tỷ đồng"
YEARS_PER_PERIOD = 5  # 2017–2021 and 2021–2025 both span five years


def _note(key: str, domain: str = "gap", **values) -> tuple:
    """A note as data: (catalogue domain, key, values), worded by report.words."""
    return (domain, key, values)


# ------------------------------------------------------------------------------------------------ province targets

def province_targets(communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per 2025 target: baseline, gap, pace needed and achieved, R and its category, with sources.
    `communes` (a province-wide commune frame) supplies baselines the report lacks, labelled as commune data.
    `unit` is the target's unit as the report prints it ("index" for the income multiple); `notes` are notes as
    (domain, key, values)."""
    if communes is not None and not isinstance(communes, pd.DataFrame):
        raise UsageError(f"province_targets() takes a commune frame (communes.read), not {communes!r}")
    return pd.DataFrame([_target_row(spec, communes) for spec in INDICATORS])


@dataclass
class _Start:
    """Where an indicator starts from: its baseline, an earlier observation, and how they were obtained."""

    value: float | None = None
    year: int = REPORT_YEAR
    source: str = ""  # report | derived | index | communes | communes_synthetic | "" (none)
    earlier: float | None = None
    earlier_year: int | None = None
    facts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _start(spec: _Indicator, frame: pd.DataFrame | None, *, before: int) -> _Start:
    if spec.id == "income":  # the report sets a multiple of 2020, not a level: index 2020 = 1
        return _Start(1.0, PERIOD[0] - 1, "index")
    if spec.baseline:
        return _from_report(spec)
    if spec.id in _FROM_COMMUNES and frame is not None:
        series = _commune_series(frame, _FROM_COMMUNES[spec.id], before=before)
        if series:
            years = sorted(series)
            synthetic = communes.is_synthetic(frame)
            file = str(frame.attrs.get("origin", {}).get("file", "")).rsplit("/", 1)[-1]
            first = years[0] if len(years) > 1 else None
            return _Start(series[years[-1]], years[-1], "communes_synthetic" if synthetic else "communes",
                          earlier=series[first] if first else None, earlier_year=first, facts=[f"communes:{file}"],
                          notes=[_note("from_communes_synthetic" if synthetic else "from_communes", file=file)])
    return _Start(notes=[_note("no_report_baseline")])


def _from_report(spec: _Indicator) -> _Start:
    values = [facts.get(i).value for i in spec.baseline]
    start = _Start(sum(values), REPORT_YEAR, "report" if len(values) == 1 else "derived", facts=list(spec.baseline))
    if spec.id == "below_15":
        start.notes.append(_note("below_15_derived", a=values[0], b=values[1]))
    if spec.id == "standard_communes":
        start.notes.append(_note("derived_2016_dropped", **derived_2016_bounds()))
    return start


def _target_row(spec: _Indicator, frame: pd.DataFrame | None) -> dict:
    target = facts.get(spec.target)
    year = target_year(target)
    start = _start(spec, frame, before=year)
    a = progress.assess(baseline=start.value, baseline_year=start.year, target=target.value, target_year=year,
                        earlier=start.earlier, earlier_year=start.earlier_year, direction=spec.direction,
                        method=spec.method, period_start=PERIOD[0])

    notes = list(start.notes)
    if spec.id == "advanced_communes":
        notes.append(_note("advanced_includes_model"))
    hidden = {"no_baseline"}  # already said, in the report's terms
    if spec.id == "income":
        notes.append(_note("income_index", rate=100 * a.required_pace))
        hidden.add("no_earlier")
    notes += [_note(key, "progress") for key in a.notes if key not in hidden]

    scale = 100 if a.method == "compound" else 1  # compound paces in percent
    return {
        "indicator": spec.id,
        "unit": "index" if spec.id == "income" else target.unit,
        "direction": spec.direction,
        "method": a.method,
        "baseline_year": start.year if start.value is not None else pd.NA,
        "baseline": _float(start.value),
        "baseline_source": start.source,
        # the baseline's criteria set (by its year; the report's 2021 figures are on the 2016–2020 set); the
        # targets themselves are on the 2021–2025 set
        "baseline_criteria_set": (criteria_set_of(pd.DataFrame({"year": [start.year]})).iloc[0]
                                  if start.value is not None and spec.id not in ("income", "districts") else ""),
        "earlier_year": start.earlier_year if start.earlier is not None else pd.NA,
        "earlier": _float(start.earlier),
        "target_year": year,
        "target": float(target.value),
        "gap": _float(a.gap),
        "elapsed_share": _float(a.elapsed_share),
        "pace_needed": _float(a.required_pace, scale),
        "pace_achieved": _float(a.observed_pace, scale),
        "acceleration": _float(a.acceleration),
        "reach_year": a.reach_year if a.reach_year is not None else pd.NA,
        "ratio": _float(a.ratio),
        "category": a.category,
        "notes": tuple(notes),
        "source": ", ".join([spec.target, *start.facts]),
    }


def target_year(fact: facts.Fact) -> int:
    """The year of a target fact (its period, e.g. '2025'; the plan's end year otherwise)."""
    if not isinstance(fact, facts.Fact):
        raise UsageError(f"target_year() needs a figure (facts.get), not {fact!r}")
    return int(fact.period[-4:]) if fact.period[-4:].isdigit() else PERIOD[1]


def _commune_series(frame: pd.DataFrame, measure, *, before: int) -> dict[int, float]:
    """The measure for every year (before the target year) in which the frame covers every commune."""
    everyone = set(reference.communes()["code"])
    values = {}
    for year, rows in frame.groupby("year"):
        if int(year) < before and set(rows["commune_code"]) >= everyone:
            value = measure(rows)
            if value is not None:
                values[int(year)] = value
    return values


def _float(value: float | None, scale: float = 1) -> float:
    return math.nan if value is None else float(value) * scale


# ------------------------------------------------------------------------------------------------------- resources

def resources() -> pd.DataFrame:
    """The 2021–2025 resource plan against what was mobilised in 2017–2021, by harmonised source and in total
    (tỷ đồng): amounts, per year (five years each), plan / mobilised, and each source's share of its period's total
    (the credit row's shares are the programme's credit dependence). Totals are the printed ones."""
    mobilised_total = facts.get(RESOURCES[-1][1]).value_in(MONEY)
    planned_total = facts.get(RESOURCES[-1][2]).value_in(MONEY)
    rows = []
    for source, past, plan in RESOURCES:
        mobilised, planned = facts.get(past).value_in(MONEY), facts.get(plan).value_in(MONEY)
        rows.append({
            "source": source,
            "mobilised": mobilised,
            "planned": planned,
            "mobilised_per_year": mobilised / YEARS_PER_PERIOD,
            "planned_per_year": planned / YEARS_PER_PERIOD,
            "ratio": planned / mobilised,
            "mobilised_share": 100 * mobilised / mobilised_total,
            "planned_share": 100 * planned / planned_total,
            "facts": f"{past}, {plan}",
        })
    return pd.DataFrame(rows)


def credit_dependence() -> dict[str, float]:
    """Credit's share (%) of all resources: mobilised 2017–2021 and planned 2021–2025."""
    credit = resources().set_index("source").loc["credit"]
    return {"2017-2021": float(credit["mobilised_share"]), "2021-2025": float(credit["planned_share"])}


# -------------------------------------------------------------------------------------------------- commune data

#: The columns every commune function reads (communes.read gives them all).
COMMUNE_COLUMNS = ("year", "commune_code", "commune_name", "district_code", "district_name",
                   *communes.CRITERIA_COLUMNS, "criteria_met", "level")


#: The columns of the functions that list communes.
_LISTED = ("year", "commune_code", "commune_name", "district_name", "criteria_met", *communes.CRITERIA_COLUMNS)


def check_frame(frame: object, columns: tuple[str, ...] = COMMUNE_COLUMNS) -> pd.DataFrame:
    """`frame` if it is a commune frame (as communes.read returns) with `columns`; UsageError naming what it lacks."""
    if not isinstance(frame, pd.DataFrame):
        raise UsageError(f"expected a commune frame (communes.read), not {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(f"the commune frame lacks column(s) {', '.join(missing)} (read it with communes.read)")
    return frame


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest year in the frame (commune functions describe one year)."""
    check_frame(frame, ("year",))
    if frame.empty:
        return frame
    return frame[frame["year"] == frame["year"].max()]


def bands(frame: pd.DataFrame) -> pd.DataFrame:
    """Communes per band of criteria met (latest year), in the report's order, with the share of communes (%)."""
    rows = latest(check_frame(frame, ("year", "criteria_met")))
    counts = rows["criteria_met"].map(communes.band).value_counts() if len(rows) else pd.Series(dtype=int)
    out = pd.DataFrame({"band": [b for b, _, _ in communes.BANDS]})
    out["communes"] = [int(counts.get(b, 0)) for b in out["band"]]
    out["share"] = 100 * out["communes"] / len(rows) if len(rows) else math.nan
    return out


def summary(frame: pd.DataFrame) -> dict:
    """Headline counts for the latest year: communes, at each level, average criteria met, below 15 and 10, and
    village totals (None when any commune leaves them blank)."""
    rows = latest(check_frame(frame, ("year", "level", "criteria_met")))
    level = rows["level"]

    def total(column: str) -> int | None:
        return None if rows.empty or column not in rows or rows[column].isna().any() else int(rows[column].sum())

    return {
        "year": int(rows["year"].max()) if len(rows) else None,
        "communes": len(rows),
        "standard": int(level.isin(communes.LEVELS[1:]).sum()),
        "advanced": int(level.isin(["nang_cao", "kieu_mau"]).sum()),
        "model": int((level == "kieu_mau").sum()),
        "all_criteria": int((rows["criteria_met"] == 19).sum()),
        "average": float(rows["criteria_met"].mean()) if len(rows) else math.nan,
        "below_15": int((rows["criteria_met"] < 15).sum()),
        "below_10": int((rows["criteria_met"] < 10).sum()),
        "villages_total": total("villages_total"),
        "villages_standard": total("villages_standard"),
        "villages_model": total("villages_model"),
        "synthetic": communes.is_synthetic(frame),
    }


def distance(frame: pd.DataFrame) -> pd.DataFrame:
    """Per commune (latest year): criteria met, how many are missing to 15 and to 19, and which (numbers)."""
    rows = _ranked(latest(check_frame(frame, _LISTED)))
    return pd.DataFrame({
        "commune_code": rows["commune_code"],
        "commune_name": rows["commune_name"],
        "district_name": rows["district_name"],
        "criteria_met": rows["criteria_met"],
        "missing_to_15": (15 - rows["criteria_met"]).clip(lower=0),
        "missing_to_19": 19 - rows["criteria_met"],
        "unmet": [_unmet(row) for _, row in rows.iterrows()],
    }).reset_index(drop=True)


def unmet_by_criterion(frame: pd.DataFrame) -> pd.DataFrame:
    """For each of the 19 criteria (latest year): how many communes fail it and their share (%)."""
    rows = latest(check_frame(frame, ("year", *communes.CRITERIA_COLUMNS)))
    cset = set_of(rows)
    crit = criteria_sets.criteria(cset)
    unmet = [int((~rows[c].astype(bool)).sum()) for c in communes.CRITERIA_COLUMNS]
    out = pd.DataFrame({
        "criterion": list(communes.CRITERIA),
        "group": [crit.at[n, "group"] for n in communes.CRITERIA],
        "communes_unmet": unmet,
        "communes": len(rows),
        "criteria_set": cset,
    })
    out["share_unmet"] = 100 * out["communes_unmet"] / len(rows) if len(rows) else math.nan
    return out


def heatmap_data(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy commune × criterion table (latest year): one row per pair with the met flag. Communes
    ordered by criteria met (most first, then code: `order`), criteria by number. `commune_label` is unique."""
    rows = _ranked(latest(check_frame(frame, _LISTED))).reset_index(drop=True)
    cset = set_of(rows)
    records = [
        {
            "order": order,
            "commune_code": row.commune_code,
            "commune_name": row.commune_name,
            "commune_label": f"{row.commune_name} ({row.commune_code})",
            "district_name": row.district_name,
            "criteria_met": int(row.criteria_met),
            "criterion": n,
            "criteria_set": cset,
            "met": bool(getattr(row, column)),
        }
        for order, row in enumerate(rows.itertuples(index=False))
        for n, column in zip(communes.CRITERIA, communes.CRITERIA_COLUMNS)
    ]
    columns = ["order", "commune_code", "commune_name", "commune_label", "district_name", "criteria_met",
               "criterion", "criteria_set", "met"]
    return pd.DataFrame(records, columns=columns)


def nearest(frame: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The `n` communes nearest the standard but not at 19 criteria (latest year), with the criteria they lack."""
    rows = _ranked(latest(check_frame(frame, _LISTED)))
    cset = set_of(rows)
    rows = rows[rows["criteria_met"] < 19].head(n)
    missing = [_unmet(row) for _, row in rows.iterrows()]
    return pd.DataFrame({
        "commune_code": rows["commune_code"].tolist(),
        "commune_name": rows["commune_name"].tolist(),
        "district_name": rows["district_name"].tolist(),
        "criteria_met": rows["criteria_met"].astype(int).tolist(),
        "missing": [len(m) for m in missing],
        "missing_numbers": missing,
        "criteria_set": cset,
    })


def trajectory(frame: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Observed path of standard communes, average criteria and communes below 15 in each year of the frame,
    against the straight line from the first year's value to the 2025 target (`targets`: province_targets())."""
    measures = {
        "standard_communes": lambda f: float(f["level"].isin(communes.LEVELS[1:]).sum()),
        "average_criteria": lambda f: float(f["criteria_met"].mean()),
        "below_15": lambda f: float((f["criteria_met"] < 15).sum()),
    }
    check_frame(frame, ("year", "level", "criteria_met"))
    if not isinstance(targets, pd.DataFrame) or not {"indicator", "target_year", "target"} <= set(targets.columns):
        raise UsageError("trajectory() needs the targets province_targets() returns")
    goal = targets.set_index("indicator")
    records = []
    years = sorted(int(y) for y in frame["year"].unique())
    for indicator, measure in measures.items():
        if not years or indicator not in goal.index:
            continue
        observed = {y: measure(frame[frame["year"] == y]) for y in years}
        end_year, end = int(goal.at[indicator, "target_year"]), float(goal.at[indicator, "target"])
        start_year, start = years[0], observed[years[0]]
        for year, value in observed.items():
            records.append((indicator, year, value, "observed"))
        for year in range(start_year, end_year + 1) if start_year < end_year else ():
            value = start + (end - start) * (year - start_year) / (end_year - start_year)
            records.append((indicator, year, value, "target_path"))
    return pd.DataFrame(records, columns=["indicator", "year", "value", "series"])


def set_of(rows: pd.DataFrame) -> str:
    """The criteria set of a one-year frame (its most frequent; the 2016–2020 set for an empty frame)."""
    if check_frame(rows, ("year",)).empty:
        return OLD_SET
    return str(criteria_set_of(rows).mode().iloc[0])


def _ranked(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["criteria_met", "commune_code"], ascending=[False, True])


def _unmet(row: pd.Series) -> list[int]:
    return [n for n, c in zip(communes.CRITERIA, communes.CRITERIA_COLUMNS) if not row[c]]


# ------------------------------------------------------------------------------ the gap on each criteria set

#: Which criteria set a figure rests on: the report's 2021 status is on the 2016–2020 set; the 2025 targets and the
#: 2022 status cited from the public record are on the 2021–2025 set.
OLD_SET, NEW_SET = "2016_2020", "2021_2025"
TARGET_SET = NEW_SET


def criteria_set_of(frame: pd.DataFrame) -> pd.Series:
    """The criteria set of each row of a commune frame: its `criteria_set` column where given, else by year
    (up to 2021 the 2016–2020 set, from 2022 the 2021–2025 set)."""
    check_frame(frame, ("year",))
    by_year = frame["year"].astype(int).map(lambda y: OLD_SET if y <= 2021 else NEW_SET)
    if "criteria_set" in frame.columns:
        given = frame["criteria_set"].where(frame["criteria_set"].isin([OLD_SET, NEW_SET]))
        return given.fillna(by_year)
    return by_year


def criteria_set_gap() -> pd.DataFrame:
    """The 2025 targets (2021–2025 set) against two starting points, each on its own criteria set: the report's
    end-2021 status (2016–2020 set) and the 2022 status on the 2021–2025 set (context facts). Per indicator
    (standard communes, average criteria): start, target, gap, years left and the linear pace needed.
    `read` marks the rows the committee should read: those on the targets' own set."""
    target_std, target_avg = facts.get("target_2025_standard"), facts.get("target_2025_average")
    end = target_year(target_std)
    starts = [
        ("base_2021_old", OLD_SET, REPORT_YEAR, "report",
         {"standard_communes": ("attainment_2021_standard", facts.get("attainment_2021_standard").value),
          "average_criteria": ("attainment_2021_average", facts.get("attainment_2021_average").value)}),
        ("base_2022_new", NEW_SET, int(context.get("cb_2022_standard_new_set").year), "context",
         {"standard_communes": ("cb_2022_standard_new_set", context.get("cb_2022_standard_new_set").value),
          "average_criteria": ("cb_2022_average_new_set", context.get("cb_2022_average_new_set").value)}),
    ]
    rows = []
    for base_key, cset, year, origin, values in starts:
        for indicator, target in (("standard_communes", target_std), ("average_criteria", target_avg)):
            source_id, start = values[indicator]
            years = end - year
            rows.append({
                "baseline": base_key, "indicator": indicator, "criteria_set": cset,
                "target_criteria_set": TARGET_SET, "start_year": year, "start": float(start),
                "target_year": end, "target": float(target.value), "gap": float(target.value - start),
                "years": years, "pace_needed": float(target.value - start) / years,
                "method": "linear",
                "read": cset == TARGET_SET, "origin": origin, "source": f"{target.id}, {source_id}",
            })
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------- pace by window

def pace_windows() -> pd.DataFrame:
    """Standard communes by window, each on its criteria set: before the mergers (end-2018 → 2019), after them
    (2019 → 2021), and the pace needed from end-2021 (old set) and from 2022 (new set). Linear pace (communes a
    year); `origin` says whether each end comes from the report or a context fact (one id per end)."""
    c2018 = context.get("cb_2018_recognised")
    y2019, y2021 = facts.get("results_2019_standard"), facts.get("attainment_2021_standard")
    gap_rows = criteria_set_gap().set_index(["baseline", "indicator"])
    windows = [
        ("w_before", OLD_SET, 2018, c2018.value, "context", 2019, y2019.value, "report", [c2018.id, y2019.id]),
        ("w_after", OLD_SET, 2019, y2019.value, "report", 2021, y2021.value, "report", [y2019.id, y2021.id]),
    ]
    rows = []
    for key, cset, a, va, oa, b, vb, ob, ids in windows:
        rows.append({"window": key, "criteria_set": cset, "kind": "achieved", "start_year": a,
                     "start": float(va), "end_year": b, "end": float(vb), "years": b - a,
                     "pace": (vb - va) / (b - a), "origin": (oa, ob),
                     "source": ", ".join(ids)})
    for key, base in (("w_needed_old", "base_2021_old"), ("w_needed_new", "base_2022_new")):
        g = gap_rows.loc[(base, "standard_communes")]
        rows.append({"window": key, "criteria_set": g["criteria_set"], "kind": "needed",
                     "start_year": int(g["start_year"]), "start": g["start"], "end_year": int(g["target_year"]),
                     "end": g["target"], "years": int(g["years"]), "pace": g["pace_needed"],
                     "origin": (g["origin"],), "source": g["source"]})
    return pd.DataFrame(rows)


def derived_2016_bounds() -> dict[str, float]:
    """Why the end-2016 point derived before (standard communes 2021 − those new in 2017–2021) is dropped, in
    numbers: after the mergers at least `lost` standard communes disappeared (end-2019 → 2021), so end-2016 was at
    least `lower`; and at most `upper` (end-2018 cumulative recognitions − those recognised in 2018)."""
    std, new = facts.get("attainment_2021_standard").value, facts.get("attainment_2021_new_standard").value
    y2019, c2018 = facts.get("results_2019_standard").value, context.get("cb_2018_recognised").value
    recognised_2018 = int((context.recognitions()["year_recognised"] == "2018").sum())
    lost = y2019 - std
    return {"standard_2021": std, "new": new, "derived": std - new, "standard_2019": y2019, "lost": lost,
            "lower": std - new + lost, "end_2018": c2018, "recognised_2018": recognised_2018,
            "upper": c2018 - recognised_2018}


def series_points() -> dict[str, dict[int, float]]:
    """The standard-commune series the methods are compared on, {series id: {year: value}}: the cited one (context
    2018, report 2019 and 2021; old set), the former one with the derived 2016 point, and the new set's one point."""
    std, new = facts.get("attainment_2021_standard").value, facts.get("attainment_2021_new_standard").value
    new_set = context.get("cb_2022_standard_new_set")
    return {
        "series_cited": {2018: context.get("cb_2018_recognised").value,
                         2019: facts.get("results_2019_standard").value, 2021: std},
        "series_derived": {EARLIER_YEAR: std - new, REPORT_YEAR: std},
        "series_new_set": {int(new_set.year): new_set.value},
    }


def new_set_reading() -> dict[str, float]:
    """The figures behind "read the gap on the 2021–2025 set": the 2025 targets (set on it), 2021 (old set) and
    2022 (new set, context)."""
    return {"target_standard": facts.get("target_2025_standard").value,
            "target_average": facts.get("target_2025_average").value,
            "standard_2021": facts.get("attainment_2021_standard").value,
            "average_2021": facts.get("attainment_2021_average").value,
            "standard_2022": context.get("cb_2022_standard_new_set").value,
            "best_2022": context.get("cb_2022_best_new_set").value,
            "average_2022": context.get("cb_2022_average_new_set").value,
            "criteria": len(criteria_sets.criteria(NEW_SET))}


def methods_compared() -> pd.DataFrame:
    """Standard communes assessed by Open SDG's published method and by the adapted (linear) one, on the cited
    series (2018, 2019, 2021; old set), on the former series with the derived 2016 point (shown because the page
    used it; dropped), and on the new set (one observation). Target: 50 communes by end-2025."""
    target = facts.get("target_2025_standard").value
    end = target_year(facts.get("target_2025_standard"))
    series = series_points()
    rows = []
    for key, values in series.items():
        first, last = min(values), max(values)
        published = progress.open_sdg(values, target=target, target_year=end, base_year=first, direction=1)
        adapted = progress.assess(baseline=values[last], baseline_year=last, target=target, target_year=end,
                                  earlier=values[first] if first < last else None,
                                  earlier_year=first if first < last else None, method="linear")
        adapted_status = progress.AS_OPEN_SDG[adapted.category]
        for method, status, value, observed, required in (
            (progress.OPEN_SDG, published.status, published.value, published.cagr_observed, published.cagr_required),
            (progress.ADAPTED_LINEAR, adapted_status, adapted.ratio, adapted.observed_pace, adapted.required_pace),
        ):
            rows.append({
                "series": key,
                "criteria_set": NEW_SET if key == "series_new_set" else OLD_SET,
                "method": method,
                "base_year": first, "base": float(values[first]), "current_year": last,
                "current": float(values[last]), "target": float(target), "target_year": end,
                "observed": _float(observed), "required": _float(required), "ratio": _float(value),
                "category": status,
            })
    out = pd.DataFrame(rows)
    same = out.groupby("series")["category"].transform("nunique") == 1
    out["agree"] = same
    return out


# ------------------------------------------------------------------------------------- funding like with like

#: State budget and non-budget groups per period: (group, mobilised 2017–2021 facts, planned 2021–2025 facts).
FUNDING_GROUPS = (
    ("state_budget", ("funding_2017_2021_central", "funding_2017_2021_provincial", "funding_2017_2021_integrated"),
     ("plan_budget",)),
    ("non_budget", ("funding_2017_2021_credit", "funding_2017_2021_community", "funding_2017_2021_other"),
     ("plan_nonbudget",)),
    ("total", ("funding_2017_2021_total",), ("plan_total",)),
)
#: Sources whose meaning changed between the periods: no ratio is computed for them.
CHANGED_MEANING = {"integrated": "note_integrated", "enterprise_other": "note_other"}
SOURCE_NOTES = {"credit": "note_credit", "local": "note_local"}


def funding_like_with_like() -> pd.DataFrame:
    """Resources by like-with-like groups and by source (tỷ đồng): mobilised 2017–2021 and planned 2021–2025, per
    year over each period's five years and over the years of the needed pace (2022–2025), the ratio where the
    category means the same in both periods, and a note (its key) where it does not."""
    pace_years = PERIOD[1] - REPORT_YEAR

    def amount(ids):
        return sum(facts.get(i).value_in(MONEY) for i in ids)

    rows = []
    for group, past, plan in FUNDING_GROUPS:
        m, p = amount(past), amount(plan)
        rows.append({"level": "group", "source": group, "mobilised": m, "planned": p,
                     "mobilised_per_year": m / YEARS_PER_PERIOD, "planned_per_year": p / YEARS_PER_PERIOD,
                     "planned_per_pace_year": p / pace_years, "ratio": p / m, "comparable": True, "note": "",
                     "note_values": {},
                     "facts": ", ".join([*past, *plan])})
    for source, past, plan in RESOURCES[:-1]:
        m, p = amount((past,)), amount((plan,))
        comparable = source not in CHANGED_MEANING
        note = CHANGED_MEANING.get(source) or SOURCE_NOTES.get(source)
        rows.append({"level": "source", "source": source, "mobilised": m, "planned": p,
                     "mobilised_per_year": m / YEARS_PER_PERIOD, "planned_per_year": p / YEARS_PER_PERIOD,
                     "planned_per_pace_year": p / pace_years, "ratio": p / m if comparable else math.nan,
                     "comparable": comparable, "note": note or "", "note_values": {"mobilised": m} if note else {},
                     "facts": f"{past}, {plan}"})
    return pd.DataFrame(rows)


def pace_years() -> dict[str, int]:
    """The years of the needed pace, 2022–2025: {"n": 4, "a": 2022, "b": 2025} (2021 sits in both periods)."""
    return {"n": PERIOD[1] - REPORT_YEAR, "a": REPORT_YEAR + 1, "b": PERIOD[1]}


# ------------------------------------------------------------------------- recognition apart from criteria met

def recognised_not_maintaining(frame: pd.DataFrame) -> pd.DataFrame:
    """Per district (latest year): communes recognised at a level (dat_chuan or above) and, of them, those not
    meeting every one of the 19 criteria of their criteria set — valid data and a finding, not an error."""
    rows = latest(check_frame(frame, ("year", "district_code", "district_name", "level", "criteria_met")))
    if rows.empty:
        return pd.DataFrame(columns=["district_code", "district_name", "criteria_set", "recognised",
                                     "not_maintaining"])
    rows = rows.assign(criteria_set=criteria_set_of(rows),
                       recognised=rows["level"].isin(communes.LEVELS[1:]))
    rows = rows.assign(not_maintaining=rows["recognised"] & (rows["criteria_met"] < 19))
    out = (rows.groupby(["district_code", "district_name", "criteria_set"], sort=True)
           .agg(recognised=("recognised", "sum"), not_maintaining=("not_maintaining", "sum")).reset_index())
    return out.astype({"recognised": int, "not_maintaining": int})


# ------------------------------------------------------------------------------------------- district targets

def district_target(unit: str, frame: pd.DataFrame | None) -> dict | None:
    """The report's 2025 target for a district-level unit (footnote 1), or None when it sets none. What it
    implies: every commune (xã) of the unit at the standard — how many more, at what linear pace from the latest
    year of the commune data (or the report year without data)."""
    unit = reference.check_unit(unit)
    targets = facts.district_targets().set_index("district_code")
    if unit not in targets.index:
        return None
    row = targets.loc[unit]
    total = int((reference.communes()["district_code"] == unit).sum())
    standard = None
    year = REPORT_YEAR
    if frame is not None and not check_frame(frame, ("year", "district_code", "level")).empty:
        rows = latest(frame[frame["district_code"] == unit])
        if len(rows):
            standard, year = int(rows["level"].isin(communes.LEVELS[1:]).sum()), int(rows["year"].max())
    years = int(row["year"]) - year
    more = None if standard is None else total - standard
    # On the 2021–2025 set no commune of the province met the standard in 2022 (context), so none of the unit's did.
    new_year = int(context.get("cb_2022_standard_new_set").year)
    new_years = int(row["year"]) - new_year
    return {"unit": unit, "target": row["target"],
            "year": int(row["year"]), "communes": total, "standard": standard, "more": more, "from_year": year,
            "years": years, "pace": None if more is None or years <= 0 else more / years,
            "criteria_set": criteria_set_of(pd.DataFrame({"year": [year]})).iloc[0],
            "more_new_set": total, "from_year_new_set": new_year, "years_new_set": new_years,
            "pace_new_set": total / new_years, "quote": row["quote"], "section": row["section"]}


# ------------------------------------------------------------------------------------------- national context

NATIONAL = (("nat_2021", "national_2021_standard_share"), ("nat_target", "national_2025_target_share"),
            ("nat_2025_06", "national_2025_06_standard_share"))


def national_context() -> pd.DataFrame:
    """Cao Bằng beside the country: share of communes at the standard (%), each with its origin — the national
    figures are context facts, Cao Bằng's are the report's (2021, target) or a context fact (2022, new set)."""
    total = facts.get("target_2025_communes_total").value
    rows = [{"key": key, "share": context.get(cid).value, "origin": "context", "id": cid}
            for key, cid in NATIONAL]
    rows += [
        {"key": "cb_2021", "share": 100 * facts.get("attainment_2021_standard").value
         / total, "origin": "report", "id": "attainment_2021_standard, target_2025_communes_total"},
        {"key": "cb_target", "share": facts.get("target_2025_standard_share").value,
         "origin": "report", "id": "target_2025_standard_share"},
        {"key": "cb_2022_new",
         "share": 100 * context.get("cb_2022_standard_new_set").value / total, "origin": "context",
         "id": "cb_2022_standard_new_set"},
    ]
    return pd.DataFrame(rows)
