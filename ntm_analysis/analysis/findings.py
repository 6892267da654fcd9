"""Key findings as data: each finding is an id and the numbers behind it (the report layer words them).

Province findings rest on the report's figures (`facts`, `gap`, `audit`); district findings on commune data,
compared with the province and ranked among the districts. Nothing here formats text.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ntm_analysis.analysis import audit, gap
from ntm_analysis.data import cache, facts, reference
from ntm_analysis import paths
from ntm_analysis.errors import DataError, Problem

#: The assessment kinds, in the order the page shows them.
ASSESSMENT_KINDS = ("achievement", "difficulty", "hard_criterion", "cause")


@dataclass(frozen=True)
class Finding:
    """One key point: `id` names its sentence in the catalogue; `values` are its numbers (and names);
    `count` picks a plural form; `scope` is "province" for a province figure shown on a district page."""

    id: str
    values: dict = field(default_factory=dict)
    count: float | None = None
    scope: str = "unit"


# -- the gap analysis ----------------------------------------------------------------------------------------
def gap_province() -> list[Finding]:
    """The gap on the targets' own criteria set, the pace around the 2020 mergers, the funding multiple,
    and Cao Bằng beside the country."""
    sets = gap.criteria_set_gap().set_index(["baseline", "indicator"])
    new = sets.loc[("base_2022_new", "standard_communes")]
    old = sets.loc[("base_2021_old", "standard_communes")]
    windows = gap.pace_windows().set_index("window")["pace"]
    money = gap.funding_like_with_like().set_index("source")
    national = gap.national_context().set_index("key")["share"]
    return [
        Finding("kp_gap_new_set", {"start": new["start"], "gap": new["gap"], "pace": new["pace_needed"]}),
        Finding("kp_gap_old_set", {"start": old["start"], "gap": old["gap"], "target": old["target"],
                                   "pace": old["pace_needed"]}),
        Finding("kp_pace_mergers", {"before": windows["w_before"], "after": windows["w_after"]}),
        Finding("kp_funding_multiple", {"plan": money.at["total", "planned"], "ratio": money.at["total", "ratio"],
                                        "mobilised": money.at["total", "mobilised"],
                                        "credit": gap.credit_dependence()["2021-2025"]}),
        Finding("kp_national", {"cb": national["cb_2021"], "nat": national["nat_2021"],
                                "cb_target": national["cb_target"], "nat_target": national["nat_target"]}),
    ]


# -- the evaluation ------------------------------------------------------------------------------------------
def evaluation_province() -> list[Finding]:
    """Funding mobilised, communes at the standard and average criteria, the region, OCOP, the audit outcome."""
    total = facts.get("funding_2017_2021_total").value
    bands = ("attainment_2021_standard", "attainment_2021_band_15_18", "attainment_2021_band_10_14",
             "attainment_2021_band_5_9")
    outcomes = audit.summary(audit.run())
    return [
        Finding("kp_funding", {"amount": total, "credit": facts.get("funding_2017_2021_credit_share").value,
                               "central": facts.get("funding_2017_2021_central_share").value}),
        Finding("kp_standard", {"standard": facts.get("attainment_2021_standard").value,
                                "total": sum(facts.get(b).value for b in bands),
                                "average": facts.get("attainment_2021_average").value}),
        Finding("kp_region", {"province": facts.get("region_2020_province_share").value,
                              "region": facts.get("region_2020_northern_mountains_share").value}),
        Finding("kp_ocop", {"products": facts.get("ocop_products").value,
                            "entities": facts.get("ocop_entities").value}),
        Finding("kp_audit", {"checks": outcomes["checks"], **outcomes["outcomes"]},
                count=outcomes["outcomes"]["inconsistent"]),
    ]


# -- districts from commune data -----------------------------------------------------------------------------
def district_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per district in the commune data's latest year: communes, standard (and share), average
    criteria, under 15 (and share), the criterion met by the fewest, and ranks (1 = best: highest share at the
    standard, highest average, lowest share under 15; ties share the better rank)."""
    latest = gap.latest(frame)
    rows = []
    for code, part in latest.groupby("district_code", sort=True):
        s = gap.summary(part)
        unmet = gap.unmet_by_criterion(part)
        worst = unmet.sort_values(["communes_unmet", "criterion"], ascending=[False, True]).iloc[0]
        rows.append({"district_code": code, "communes": s["communes"], "standard": s["standard"],
                     "standard_share": 100 * s["standard"] / s["communes"], "average": float(s["average"]),
                     "below_15": s["below_15"], "below_15_share": 100 * s["below_15"] / s["communes"],
                     "least_met": int(worst["criterion"]), "least_met_unmet": int(worst["communes_unmet"]),
                     "year": s["year"]})
    table = pd.DataFrame(rows)
    table["rank_standard"] = table["standard_share"].rank(ascending=False, method="min").astype(int)
    table["rank_average"] = table["average"].rank(ascending=False, method="min").astype(int)
    table["rank_below_15"] = table["below_15_share"].rank(ascending=True, method="min").astype(int)
    return table.sort_values("district_code").reset_index(drop=True)


def province_row(frame: pd.DataFrame) -> dict:
    """The same figures for the whole commune file (the province)."""
    latest = gap.latest(frame)
    s = gap.summary(latest)
    unmet = gap.unmet_by_criterion(latest).sort_values(["communes_unmet", "criterion"],
                                                             ascending=[False, True]).iloc[0]
    return {"communes": s["communes"], "standard": s["standard"], "standard_share": 100 * s["standard"] / s["communes"],
            "average": float(s["average"]), "below_15": s["below_15"],
            "below_15_share": 100 * s["below_15"] / s["communes"], "least_met": int(unmet["criterion"]),
            "least_met_unmet": int(unmet["communes_unmet"]), "year": s["year"]}


def district(unit: str, frame: pd.DataFrame) -> list[Finding]:
    """A district beside the province and the other districts, and its own 2025 target where the report sets one."""
    table = district_table(frame)
    row = table.set_index("district_code").loc[unit]
    prov = province_row(frame)
    of = len(table)
    found = [
        Finding("kp_d_standard", {"standard": row["standard"], "communes": row["communes"],
                                  "share": row["standard_share"], "province_share": prov["standard_share"],
                                  "rank": row["rank_standard"], "of": of}),
        Finding("kp_d_average", {"average": row["average"], "province_average": prov["average"],
                                 "rank": row["rank_average"], "of": of}),
        Finding("kp_d_below15", {"below": row["below_15"], "communes": row["communes"],
                                 "share": row["below_15_share"], "province_share": prov["below_15_share"],
                                 "rank": row["rank_below_15"], "of": of}, count=row["below_15"]),
        Finding("kp_d_least_met", {"criterion": row["least_met"], "unmet": row["least_met_unmet"],
                                   "communes": row["communes"]}),
    ]
    target = gap.district_target(unit, frame)
    if target is None:
        found.append(Finding("kp_d_no_target", {}))
    else:
        found.append(Finding("kp_d_target", {"unit": unit, "communes": target["communes"],
                                             "pace": target["pace_new_set"]}))
    return found


def criteria_by_district(frame: pd.DataFrame) -> pd.DataFrame:
    """Share of communes meeting each criterion, per district (latest year): district_code, criterion, communes,
    met, share_met (%)."""
    latest = gap.latest(frame)
    rows = []
    for code, part in latest.groupby("district_code", sort=True):
        for k in range(1, 20):
            met = int(part[f"c{k:02d}"].astype(bool).sum())
            rows.append({"district_code": code, "criterion": k, "communes": len(part), "met": met,
                         "share_met": 100 * met / len(part)})
    return pd.DataFrame(rows)


def unit_codes_in(frame: pd.DataFrame) -> list[str]:
    """The district codes the commune data covers, in the reference order."""
    present = set(frame["district_code"])
    return [c for c in reference.unit_codes() if c in present]


# -- the source's own assessment ------------------------------------------------------------------------------
def assessment(project=None) -> pd.DataFrame:
    """The report's achievements, difficulties, hard criteria and causes: id, kind, criteria (numbers), section
    and a verbatim quote from data/raw (tests check that every quote occurs there). `project` default: the
    current one (paths.Inputs); cached by the file (data/cache.py)."""
    return _assessment(paths.inputs(project).assessment_csv)


@cache.keyed
def _assessment(file: Path) -> pd.DataFrame:
    try:
        with file.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(Problem(str(file), None, None, None, f"cannot read the file: {exc}")) from exc
    frame = pd.DataFrame(rows)
    frame["criteria"] = [[int(c) for c in str(v).split()] for v in frame["criteria"]]
    frame["kind"] = pd.Categorical(frame["kind"], categories=ASSESSMENT_KINDS, ordered=True)
    return frame.sort_values("kind", kind="stable").reset_index(drop=True)
