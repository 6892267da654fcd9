"""The recognition register and what the 2020 mergers did to it, from the context facts (data/context/).

Pure functions of the context files and the 2021 list of units: which communes were recognised in 2018 and 2019,
their 2021 code, and whether each still exists, merged into a new commune, or has no known fate. The audit's
"20 communes in 2019 → 17 in 2021" check rests on this evidence.
"""

from __future__ import annotations

import pandas as pd

from ntm_analysis.data import context, reference


def register() -> pd.DataFrame:
    """Communes recognised at the new rural standard in 2018 and 2019 (context), one row each: year, commune and
    district as printed, decision, 2021 code and status (exists | merged | unknown), the 2021 commune it is or
    became (`successor`, its official name; empty when unknown), source. Worded by report.words.register."""
    rec = context.recognitions()
    rec = rec[rec["level"] == "dat_chuan"]
    names = reference.units().set_index("unit_code")["unit_name"]
    rows = []
    for r in rec.itertuples(index=False):
        status = r.status_2021.split(":")[0]
        code = r.status_2021.split(":")[1] if status == "merged_into" else r.commune_code_2021
        if status == "merged_into":
            status = "merged"
        rows.append({
            "year": int(r.year_recognised), "commune": r.commune_name_as_printed, "district": r.district_as_printed,
            "decision": r.decision, "code_2021": code or "", "status": status,
            "successor": names.get(code, "") if status in ("exists", "merged") else "",
            "source_title": r.source_title, "source_url": r.source_url, "quote": r.quote,
        })
    return pd.DataFrame(rows)


def losses() -> dict[str, int]:
    """Of the communes recognised in 2018–2019: how many still exist, merged into a new commune, or are gone
    without a known fate; `gone` = merged + unknown (no longer a recognised commune of the 2021 list)."""
    status = register()["status"]
    out = {"recognised": len(status), "exists": int((status == "exists").sum()),
           "merged": int((status == "merged").sum()), "unknown": int((status == "unknown").sum())}
    out["gone"] = out["merged"] + out["unknown"]
    return out


def district_completions() -> pd.DataFrame:
    """District-level units the context says have completed the new rural development task (Thành phố Cao Bằng);
    `status` is an id ("district_done"), worded by report.words.district_completions."""
    rec = context.recognitions()
    done = rec[rec["level"] == "huyen_hoan_thanh"]
    return pd.DataFrame({
        "district_code": done["district_code_2021"].tolist(),
        "district": done["district_as_printed"].tolist(),
        "status": ["district_done"] * len(done),
        "source_title": done["source_title"].tolist(),
        "source_url": done["source_url"].tolist(),
        "quote": done["quote"].tolist(),
    })
