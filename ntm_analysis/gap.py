"""The 2021–2025 gap analysis: the report's targets against where the province stood, the resource plan against
what was mobilised in 2017–2021, and (from commune data) which communes lack which criteria.

Pure functions of the facts and of normalised commune frames (communes.py): no disk, no charts. Labels come in the
language asked for (vi default, en); ids stay language-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from . import communes, facts, i18n, progress, reference

PERIOD = (2021, 2025)  # the plan period; values are end-of-year
REPORT_YEAR = 2021  # the report's latest observed year
EARLIER_YEAR = 2016  # end of 2016 = start of the 2017–2021 period

LABELS = {
    # indicators
    "standard_communes": {"vi": "Xã đạt chuẩn nông thôn mới", "en": "Communes meeting the NTM standard"},
    "advanced_communes": {"vi": "Xã đạt chuẩn NTM nâng cao", "en": "Communes meeting the advanced NTM standard"},
    "model_communes": {"vi": "Xã đạt chuẩn NTM kiểu mẫu", "en": "Model NTM communes"},
    "average_criteria": {"vi": "Bình quân tiêu chí đạt/xã", "en": "Average criteria met per commune"},
    "below_15": {"vi": "Xã đạt dưới 15 tiêu chí", "en": "Communes meeting fewer than 15 criteria"},
    "villages_standard": {"vi": "Thôn đạt chuẩn nông thôn mới", "en": "Villages meeting the NTM standard"},
    "villages_model": {"vi": "Thôn nông thôn mới kiểu mẫu", "en": "Model NTM villages"},
    "districts": {"vi": "Đơn vị cấp huyện đạt chuẩn/hoàn thành nhiệm vụ NTM",
                  "en": "District-level units meeting the standard / completing the programme"},
    "income": {"vi": "Thu nhập bình quân người dân nông thôn (so với năm 2020)",
               "en": "Rural income per person (relative to 2020)"},
    # units
    "income_unit": {"vi": "lần mức năm 2020", "en": "× the 2020 level"},
    "per_year": {"vi": "{unit}/năm", "en": "{unit} per year"},
    "percent_per_year": {"vi": "%/năm", "en": "% per year"},
    # notes
    "earlier_derived": {
        "vi": "mốc cuối 2016 = {standard} − {new} xã đạt chuẩn mới trong 2017–2021 = {earlier} (suy ra)",
        "en": "end-2016 point = {standard} − {new} communes newly meeting the standard in 2017–2021 = {earlier} "
              "(derived)",
    },
    "below_15_derived": {
        "vi": "giá trị gốc = {a} + {b} xã (nhóm 10–14 và 5–9 tiêu chí; không còn xã dưới 5 tiêu chí) (suy ra)",
        "en": "baseline = {a} + {b} communes (10–14 and 5–9 criteria; none below 5) (derived)",
    },
    "no_report_baseline": {"vi": "báo cáo không nêu giá trị hiện trạng", "en": "the report gives no current value"},
    "from_communes": {"vi": "giá trị hiện trạng từ dữ liệu xã ({file})",
                      "en": "current value from commune data ({file})"},
    "from_communes_synthetic": {
        "vi": "giá trị hiện trạng từ dữ liệu xã TỔNG HỢP (giả lập), không phải số liệu chính thức ({file})",
        "en": "current value from SYNTHETIC commune data, not official figures ({file})",
    },
    "advanced_includes_model": {"vi": "tính cả xã kiểu mẫu", "en": "model communes included"},
    "income_index": {
        "vi": "báo cáo không nêu mức thu nhập; chỉ số năm 2020 = 1, cần tăng {rate}/năm",
        "en": "the report gives no income level; index 2020 = 1, needs {rate} a year",
    },
    # resources
    "central": {"vi": "Ngân sách trung ương", "en": "Central budget"},
    "local": {"vi": "Ngân sách địa phương", "en": "Local budget"},
    "integrated": {"vi": "Vốn lồng ghép", "en": "Integrated programmes"},
    "credit": {"vi": "Vốn tín dụng", "en": "Credit"},
    "community": {"vi": "Cộng đồng dân cư", "en": "Community"},
    "enterprise_other": {"vi": "Doanh nghiệp và nguồn khác", "en": "Enterprises and other"},
    "total": {"vi": "Tổng cộng", "en": "Total"},
    # trajectory series
    "observed": {"vi": "Thực tế", "en": "Observed"},
    "target_path": {"vi": "Lộ trình đến mục tiêu", "en": "Path to target"},
}


@dataclass(frozen=True)
class _Indicator:
    id: str
    target: str  # fact id of the 2025 target
    baseline: tuple[str, ...] = ()  # fact ids summed into the baseline (empty: not in the report)
    earlier: tuple[str, str] | None = None  # (standard, new): the 2016 value = standard − new
    direction: int = 1
    method: str = "linear"


INDICATORS = (
    _Indicator("standard_communes", "target_2025_standard", ("attainment_2021_standard",),
               earlier=("attainment_2021_standard", "attainment_2021_new_standard")),
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


def _t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


# ------------------------------------------------------------------------------------------------ province targets

def province_targets(lang: str = "vi", communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per 2025 target: baseline, gap, pace needed and achieved, R and its category, with sources.
    `communes` (a province-wide commune frame) supplies baselines the report lacks, labelled as commune data."""
    i18n.check_lang(lang)
    return pd.DataFrame([_target_row(spec, lang, communes) for spec in INDICATORS])


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


def _start(spec: _Indicator, lang: str, frame: pd.DataFrame | None, *, before: int) -> _Start:
    if spec.id == "income":  # the report sets a multiple of 2020, not a level: index 2020 = 1
        return _Start(1.0, PERIOD[0] - 1, "index")
    if spec.baseline:
        return _from_report(spec, lang)
    if spec.id in _FROM_COMMUNES and frame is not None:
        series = _commune_series(frame, _FROM_COMMUNES[spec.id], before=before)
        if series:
            years = sorted(series)
            synthetic = communes.is_synthetic(frame)
            file = str(frame.attrs.get("origin", {}).get("file", "")).rsplit("/", 1)[-1]
            first = years[0] if len(years) > 1 else None
            return _Start(series[years[-1]], years[-1], "communes_synthetic" if synthetic else "communes",
                          earlier=series[first] if first else None, earlier_year=first, facts=[f"communes:{file}"],
                          notes=[_t("from_communes_synthetic" if synthetic else "from_communes", lang, file=file)])
    return _Start(notes=[_t("no_report_baseline", lang)])


def _from_report(spec: _Indicator, lang: str) -> _Start:
    values = [facts.get(i).value for i in spec.baseline]
    start = _Start(sum(values), REPORT_YEAR, "report" if len(values) == 1 else "derived", facts=list(spec.baseline))
    if spec.id == "below_15":
        start.notes.append(_t("below_15_derived", lang, a=_n(values[0], lang), b=_n(values[1], lang)))
    if spec.earlier:
        standard, new = (facts.get(i).value for i in spec.earlier)
        start.earlier, start.earlier_year = standard - new, EARLIER_YEAR
        start.facts.append(spec.earlier[1])
        start.notes.append(_t("earlier_derived", lang, standard=_n(standard, lang), new=_n(new, lang),
                              earlier=_n(standard - new, lang)))
    return start


def _target_row(spec: _Indicator, lang: str, frame: pd.DataFrame | None) -> dict:
    target = facts.get(spec.target)
    year = target_year(target)
    start = _start(spec, lang, frame, before=year)
    a = progress.assess(baseline=start.value, baseline_year=start.year, target=target.value, target_year=year,
                        earlier=start.earlier, earlier_year=start.earlier_year, direction=spec.direction,
                        method=spec.method, period_start=PERIOD[0])

    notes = list(start.notes)
    if spec.id == "advanced_communes":
        notes.append(_t("advanced_includes_model", lang))
    hidden = {"no_baseline"}  # already said, in the report's terms
    if spec.id == "income":
        notes.append(_t("income_index", lang, rate=i18n.percent(100 * a.required_pace, lang, 2)))
        hidden.add("no_earlier")
    notes += [i18n.text(progress.LABELS, key, lang) for key in a.notes if key not in hidden]

    unit = _t("income_unit", lang) if spec.id == "income" else target.unit_label(lang)
    scale = 100 if a.method == "compound" else 1  # compound paces in percent
    return {
        "indicator": spec.id,
        "label": _t(spec.id, lang),
        "unit": unit,
        "direction": spec.direction,
        "method": a.method,
        "baseline_year": start.year if start.value is not None else pd.NA,
        "baseline": _float(start.value),
        "baseline_source": start.source,
        "earlier_year": start.earlier_year if start.earlier is not None else pd.NA,
        "earlier": _float(start.earlier),
        "target_year": year,
        "target": float(target.value),
        "gap": _float(a.gap),
        "elapsed_share": _float(a.elapsed_share),
        "pace_needed": _float(a.required_pace, scale),
        "pace_achieved": _float(a.observed_pace, scale),
        "pace_unit": _t("percent_per_year", lang) if a.method == "compound" else _t("per_year", lang, unit=unit),
        "acceleration": _float(a.acceleration),
        "reach_year": a.reach_year if a.reach_year is not None else pd.NA,
        "ratio": _float(a.ratio),
        "category": a.category,
        "category_label": i18n.text(progress.LABELS, a.category, lang),
        "note": "; ".join(notes),
        "source": ", ".join([spec.target, *start.facts]),
    }


def target_year(fact: facts.Fact) -> int:
    """The year of a target fact (its period, e.g. '2025'; the plan's end year otherwise)."""
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


def _n(value: float, lang: str) -> str:
    return i18n.number(value, lang)


# ------------------------------------------------------------------------------------------------------- resources

def resources(lang: str = "vi") -> pd.DataFrame:
    """The 2021–2025 resource plan against what was mobilised in 2017–2021, by harmonised source and in total
    (tỷ đồng): amounts, per year (five years each), plan / mobilised, and each source's share of its period's total
    (the credit row's shares are the programme's credit dependence). Totals are the printed ones."""
    i18n.check_lang(lang)
    mobilised_total = facts.get(RESOURCES[-1][1]).value_in(MONEY)
    planned_total = facts.get(RESOURCES[-1][2]).value_in(MONEY)
    rows = []
    for source, past, plan in RESOURCES:
        mobilised, planned = facts.get(past).value_in(MONEY), facts.get(plan).value_in(MONEY)
        rows.append({
            "source": source,
            "label": _t(source, lang),
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

def latest(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest year in the frame (commune functions describe one year)."""
    if frame.empty:
        return frame
    return frame[frame["year"] == frame["year"].max()]


def bands(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Communes per band of criteria met (latest year), in the report's order, with the share of communes (%)."""
    rows = latest(frame)
    counts = rows["criteria_met"].map(communes.band).value_counts() if len(rows) else pd.Series(dtype=int)
    out = pd.DataFrame({"band": [b for b, _, _ in communes.BANDS]})
    out["label"] = [i18n.text(communes.LABELS, f"band_{b}", lang) for b in out["band"]]
    out["communes"] = [int(counts.get(b, 0)) for b in out["band"]]
    out["share"] = 100 * out["communes"] / len(rows) if len(rows) else math.nan
    return out


def summary(frame: pd.DataFrame) -> dict:
    """Headline counts for the latest year: communes, at each level, average criteria met, below 15 and 10, and
    village totals (None when any commune leaves them blank)."""
    rows = latest(frame)
    level = rows["level"]

    def total(column: str) -> int | None:
        return None if rows.empty or rows[column].isna().any() else int(rows[column].sum())

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
    rows = _ranked(latest(frame))
    return pd.DataFrame({
        "commune_code": rows["commune_code"],
        "commune_name": rows["commune_name"],
        "district_name": rows["district_name"],
        "criteria_met": rows["criteria_met"],
        "missing_to_15": (15 - rows["criteria_met"]).clip(lower=0),
        "missing_to_19": 19 - rows["criteria_met"],
        "unmet": [_unmet(row) for _, row in rows.iterrows()],
    }).reset_index(drop=True)


def unmet_by_criterion(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """For each of the 19 criteria (latest year): how many communes fail it and their share (%)."""
    rows = latest(frame)
    crit = reference.criteria()
    unmet = [int((~rows[c].astype(bool)).sum()) for c in communes.CRITERIA_COLUMNS]
    out = pd.DataFrame({
        "criterion": list(communes.CRITERIA),
        "name": [crit.at[n, f"name_{lang}"] for n in communes.CRITERIA],
        "label": [criterion_label(n, lang) for n in communes.CRITERIA],
        "group": [crit.at[n, f"group_{lang}"] for n in communes.CRITERIA],
        "communes_unmet": unmet,
        "communes": len(rows),
    })
    out["share_unmet"] = 100 * out["communes_unmet"] / len(rows) if len(rows) else math.nan
    return out


def heatmap_data(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Tidy commune × criterion table (latest year): one row per pair with the met flag and its label. Communes
    ordered by criteria met (most first, then code: `order`), criteria by number. `commune_label` is unique."""
    rows = _ranked(latest(frame)).reset_index(drop=True)
    status = {True: i18n.text(communes.LABELS, "met", lang), False: i18n.text(communes.LABELS, "not_met", lang)}
    records = [
        {
            "order": order,
            "commune_code": row.commune_code,
            "commune_name": row.commune_name,
            "commune_label": f"{row.commune_name} ({row.commune_code})",
            "district_name": row.district_name,
            "criteria_met": int(row.criteria_met),
            "criterion": n,
            "criterion_label": criterion_label(n, lang),
            "met": bool(getattr(row, column)),
            "status": status[bool(getattr(row, column))],
        }
        for order, row in enumerate(rows.itertuples(index=False))
        for n, column in zip(communes.CRITERIA, communes.CRITERIA_COLUMNS)
    ]
    columns = ["order", "commune_code", "commune_name", "commune_label", "district_name", "criteria_met",
               "criterion", "criterion_label", "met", "status"]
    return pd.DataFrame(records, columns=columns)


def nearest(frame: pd.DataFrame, n: int = 10, lang: str = "vi") -> pd.DataFrame:
    """The `n` communes nearest the standard but not at 19 criteria (latest year), with the criteria they lack."""
    rows = _ranked(latest(frame))
    rows = rows[rows["criteria_met"] < 19].head(n)
    missing = [_unmet(row) for _, row in rows.iterrows()]
    return pd.DataFrame({
        "commune_code": rows["commune_code"].tolist(),
        "commune_name": rows["commune_name"].tolist(),
        "district_name": rows["district_name"].tolist(),
        "criteria_met": rows["criteria_met"].astype(int).tolist(),
        "missing": [len(m) for m in missing],
        "missing_numbers": missing,
        "missing_criteria": ["; ".join(criterion_label(c, lang) for c in m) for m in missing],
    })


def trajectory(frame: pd.DataFrame, targets: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Observed path of standard communes, average criteria and communes below 15 in each year of the frame,
    against the straight line from the first year's value to the 2025 target (`targets`: province_targets())."""
    measures = {
        "standard_communes": lambda f: float(f["level"].isin(communes.LEVELS[1:]).sum()),
        "average_criteria": lambda f: float(f["criteria_met"].mean()),
        "below_15": lambda f: float((f["criteria_met"] < 15).sum()),
    }
    goal = targets.set_index("indicator")
    records = []
    years = sorted(int(y) for y in frame["year"].unique())
    for indicator, measure in measures.items():
        if not years or indicator not in goal.index:
            continue
        observed = {y: measure(frame[frame["year"] == y]) for y in years}
        end_year, end = int(goal.at[indicator, "target_year"]), float(goal.at[indicator, "target"])
        start_year, start = years[0], observed[years[0]]
        label = _t(indicator, lang)
        for year, value in observed.items():
            records.append((indicator, label, year, value, "observed"))
        for year in range(start_year, end_year + 1) if start_year < end_year else ():
            value = start + (end - start) * (year - start_year) / (end_year - start_year)
            records.append((indicator, label, year, value, "target_path"))
    out = pd.DataFrame(records, columns=["indicator", "label", "year", "value", "series"])
    out["series_label"] = [_t(s, lang) for s in out["series"]]
    return out


def criterion_label(number: int, lang: str = "vi") -> str:
    """'TC05 Trường học' / 'C05 Schools'."""
    prefix = "TC" if lang == "vi" else "C"
    return f"{prefix}{number:02d} {reference.criteria().at[number, f'name_{lang}']}"


def _ranked(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["criteria_met", "commune_code"], ascending=[False, True])


def _unmet(row: pd.Series) -> list[int]:
    return [n for n, c in zip(communes.CRITERIA, communes.CRITERIA_COLUMNS) if not row[c]]
