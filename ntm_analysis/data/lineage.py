"""The recognition register and what the 2020 mergers did to it, from the context facts (data/context/).

Pure functions of the context files and the 2021 list of units: which communes were recognised in 2018 and 2019,
their 2021 code, and whether each still exists, merged into a new commune, or has no known fate. The audit's
"20 communes in 2019 → 17 in 2021" check rests on this evidence.
"""

from __future__ import annotations

import pandas as pd

from ntm_analysis.data import context, reference
from ntm_analysis import i18n

LABELS = i18n.catalogue("lineage")


def _t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


def register(lang: str = "vi") -> pd.DataFrame:
    """Communes recognised at the NTM standard in 2018 and 2019 (context), one row each: year, commune and
    district as printed, decision, 2021 code and status (exists | merged | unknown), what became of it, source."""
    i18n.check_lang(lang)
    rec = context.recognitions()
    rec = rec[rec["level"] == "dat_chuan"]
    names = reference.units().set_index("unit_code")["unit_name"]
    rows = []
    for r in rec.itertuples(index=False):
        status = r.status_2021.split(":")[0]
        code = r.status_2021.split(":")[1] if status == "merged_into" else r.commune_code_2021
        if status == "exists":
            fate = _t("exists", lang, name=names.get(code, ""), code=code)
        elif status == "merged_into":
            status, fate = "merged", _t("merged", lang, name=names.get(code, ""), code=code)
        else:
            fate = _t("unknown", lang)
        rows.append({
            "year": int(r.year_recognised), "commune": r.commune_name_as_printed, "district": r.district_as_printed,
            "decision": r.decision, "code_2021": code or "", "status": status, "fate": fate,
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


def district_completions(lang: str = "vi") -> pd.DataFrame:
    """District-level units the context says have completed the NTM task (Thành phố Cao Bằng)."""
    rec = context.recognitions()
    done = rec[rec["level"] == "huyen_hoan_thanh"]
    return pd.DataFrame({
        "district_code": done["district_code_2021"].tolist(),
        "district": done["district_as_printed"].tolist(),
        "status": [_t("district_done", lang)] * len(done),
        "source_title": done["source_title"].tolist(),
        "source_url": done["source_url"].tolist(),
        "quote": done["quote"].tolist(),
    })
