"""The analysis's results in words. Analysis returns ids and numbers (check ids, indicator and window ids, note
keys with their values); this module words them in a language from the catalogues, for the report sections and
for analysts who want a readable table (`words.audit(audit.run(), "en")`).
"""

from __future__ import annotations

import math
import string
from numbers import Integral

import pandas as pd

from ntm_analysis import i18n
from ntm_analysis.analysis import audit as audit_module, gap, progress
from ntm_analysis.data import criteria_sets, facts
from ntm_analysis.errors import NotFound

AUDIT = i18n.catalogue("audit")


class _Numbers(string.Formatter):
    """Formats numbers in note templates in the language's style. Format spec: the decimals ({x:2}), or 'g' for
    two significant digits below 1 (so 0,0052 and 0,0050 stay apart)."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value, format_spec):
        if not isinstance(value, (int, float)):
            return super().format_field(value, format_spec)
        if format_spec == "g":
            small = 0 < abs(value) < 1
            return i18n.number(value, self.lang, 1 - math.floor(math.log10(abs(value))) if small else None)
        return i18n.number(value, self.lang, int(format_spec) if format_spec else None)


def _audit_words(row, lang: str) -> dict[str, str]:
    return {name: i18n.text(AUDIT, key, lang) for name, key in row["words"].items()}


def audit_description(row, lang: str) -> str:
    """What a check (a row of audit.run()) compares, in words."""
    return _Numbers(lang).format(AUDIT[row["description"]][i18n.check_lang(lang)], **_audit_words(row, lang),
                                 **row["values"])


def audit_note(row, lang: str) -> str:
    """A check's outcome and note, with its numbers in the language's format and the public sources it rests on."""
    fmt, unit = _Numbers(lang), facts.unit_label(row["unit"], lang)
    words = _audit_words(row, lang)
    text = " ".join(fmt.format(AUDIT[key][lang], unit=unit, **words, **row["values"]) for key in row["note"])
    if row["context"]:
        sources = "; ".join(dict.fromkeys(audit_module.citation(c) for c in row["context"].split(",")))
        text += " " + i18n.text(AUDIT, "cites", lang, sources=sources)
    return text


def audit(checks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """audit.run()'s table with the description and note in words (the numbers they are made of dropped)."""
    i18n.check_lang(lang)
    rows = [r for _, r in checks.iterrows()]
    return checks.assign(description=[audit_description(r, lang) for r in rows],
                         note=[audit_note(r, lang) for r in rows]).drop(columns=["values", "words"])


# ------------------------------------------------------------------------------------------------- the gap analysis

GAP = i18n.catalogue("gap")
PROGRESS = i18n.catalogue("progress")
COMMUNES = i18n.catalogue("communes")
LINEAGE = i18n.catalogue("lineage")
_NOTES = {"gap": GAP, "progress": PROGRESS}


def gap_text(key: str, lang: str, **values) -> str:
    """A word of the gap analysis (an indicator, source, window, series … id) in a language."""
    return i18n.text(GAP, key, lang, **values)


def note(entry: tuple, lang: str) -> str:
    """A note the analysis returns as (domain, key, values), with its numbers in the language's format."""
    domain, key, values = entry
    return _Numbers(lang).format(_NOTES[domain][key][i18n.check_lang(lang)], **values)


def criterion_label(number: int, lang: str = "vi", criteria_set: str = "2016_2020") -> str:
    """'TC05 Trường học' / 'C05 Schools', named as in the given criteria set."""
    names = criteria_sets.criteria(criteria_set)
    if isinstance(number, bool) or not isinstance(number, Integral) or number not in names.index:
        raise NotFound(f"no criterion {number!r}: criteria are numbered 1–19")
    return f"{criteria_sets.code(number, lang)} {criteria_sets.name(number, criteria_set, lang)}"


def criteria_set_label(cset: str, lang: str) -> str:
    return gap_text(f"set_{cset}", lang) if cset else "—"


def window(start: int, end: int, lang: str) -> str:
    """'end-2021 → end-2025 (4 years)'."""
    return gap_text("window_years", lang, a=int(start), b=int(end), n=int(end) - int(start))


def targets(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """gap.province_targets() with its labels, units, windows, pace units, categories and notes in words."""
    unit = [gap_text("income_unit", lang) if u == "index" else facts.unit_label(u, lang) for u in frame["unit"]]
    return frame.assign(
        label=[gap_text(i, lang) for i in frame["indicator"]],
        unit=unit,
        window=[window(a, b, lang) if pd.notna(v) else ""
                for a, b, v in zip(frame["baseline_year"], frame["target_year"], frame["baseline"])],
        pace_unit=[gap_text("percent_per_year", lang) if m == "compound" else gap_text("per_year", lang, unit=u)
                   for m, u in zip(frame["method"], unit)],
        # Open SDG's category names for the adapted (linear) method's categories
        category_label=[i18n.text(PROGRESS, progress.AS_OPEN_SDG[c], lang) for c in frame["category"]],
        note=["; ".join(note(n, lang) for n in notes) for notes in frame["notes"]],
    )


def criteria_set_gap(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """gap.criteria_set_gap() in words: starting point, indicator, criteria set, method and window."""
    return frame.assign(
        baseline_label=[gap_text(b, lang) for b in frame["baseline"]],
        label=[gap_text(i, lang) for i in frame["indicator"]],
        criteria_set_label=[criteria_set_label(c, lang) for c in frame["criteria_set"]],
        method_label=gap_text("method_linear_gap", lang),
        window=[window(a, b, lang) for a, b in zip(frame["start_year"], frame["target_year"])],
    )


def pace_windows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """gap.pace_windows() in words: the window, its criteria set, and where each end comes from."""
    return frame.assign(
        label=[gap_text(w, lang) for w in frame["window"]],
        criteria_set_label=[criteria_set_label(c, lang) for c in frame["criteria_set"]],
        origin_label=[" → ".join(gap_text(f"src_{o}", lang) for o in origins) for origins in frame["origin"]],
    )


def series_label(series: str, lang: str) -> str:
    """A series of gap.series_points() in words, with its points (years and values) from the data."""
    found = gap.series_points()
    if series not in found:
        raise NotFound(f"no series {series!r}: expected one of {', '.join(found)}")
    points = found[series]
    years = sorted(points)
    listed = ", ".join(gap_text("point", lang, year=y, value=_Numbers(lang).format("{v:0}", v=points[y])) for y in years)
    return note(("gap", series, {"points": listed, "first": points[years[0]], "last": points[years[-1]],
                                 "year": str(years[-1])}), lang)


def derived_2016_note(lang: str) -> str:
    return note(("gap", "derived_2016_dropped", gap.derived_2016_bounds()), lang)


def new_set_reading(lang: str) -> str:
    return note(("gap", "read_new_set", gap.new_set_reading()), lang)


def methods_compared(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """gap.methods_compared() in words: series, method, category and whether the methods agree."""
    return frame.assign(
        series_label=[series_label(s, lang) for s in frame["series"]],
        method_label=[i18n.text(PROGRESS, m, lang) for m in frame["method"]],
        category_label=[i18n.text(PROGRESS, c, lang) for c in frame["category"]],
        agree_label=[gap_text("agree" if a else "disagree", lang) for a in frame["agree"]],
    )


def funding(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """gap.resources() or gap.funding_like_with_like() with each source's name (and note) in words."""
    out = frame.assign(label=[gap_text(s, lang) for s in frame["source"]])
    if "note" in frame:
        values = frame["note_values"] if "note_values" in frame else [{}] * len(frame)
        out["note_label"] = [note(("gap", k, v), lang) if k else "" for k, v in zip(frame["note"], values)]
    return out


def register(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """lineage.register() with what became of each commune (`fate`) in words."""
    i18n.check_lang(lang)
    return frame.assign(fate=[i18n.text(LINEAGE, s, lang, name=n, code=c) if s in ("exists", "merged")
                              else i18n.text(LINEAGE, "unknown", lang)
                              for s, n, c in zip(frame["status"], frame["successor"], frame["code_2021"])])


def district_completions(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """lineage.district_completions() with its status in words."""
    i18n.check_lang(lang)
    return frame.assign(status=[i18n.text(LINEAGE, s, lang) for s in frame["status"]])


def funding_overlap_note(lang: str) -> str:
    return gap_text("note_overlap", lang, **gap.pace_years())


def bands(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.assign(label=[i18n.text(COMMUNES, f"band_{b}", lang) for b in frame["band"]])


def unmet_by_criterion(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """gap.unmet_by_criterion() with each criterion's name, code and group in words (as named in its set)."""
    return frame.assign(
        name=[criteria_sets.name(n, c, lang) for n, c in zip(frame["criterion"], frame["criteria_set"])],
        label=[criterion_label(n, lang, c) for n, c in zip(frame["criterion"], frame["criteria_set"])],
        group_name=[criteria_sets.group_name(g, lang) for g in frame["group"]],
    )


def heatmap_data(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    met = {True: i18n.text(COMMUNES, "met", lang), False: i18n.text(COMMUNES, "not_met", lang)}
    labels = {(n, c): criterion_label(int(n), lang, c)
              for n, c in set(zip(frame["criterion"], frame["criteria_set"]))}
    return frame.assign(criterion_label=[labels[k] for k in zip(frame["criterion"], frame["criteria_set"])],
                        status=[met[bool(m)] for m in frame["met"]])


def nearest(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.assign(missing_criteria=["; ".join(criterion_label(c, lang, cset) for c in m)
                                          for m, cset in zip(frame["missing_numbers"], frame["criteria_set"])])


def trajectory(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.assign(label=[gap_text(i, lang) for i in frame["indicator"]],
                        series_label=[gap_text(s, lang) for s in frame["series"]])


def national_context(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.assign(label=[gap_text(k, lang) for k in frame["key"]])


def district_target(target: dict | None, lang: str) -> dict | None:
    """gap.district_target() with the target's words (None stays None)."""
    if target is None:
        return None
    return {**target, "target_label": gap_text(f"district_target_{target['target']}", lang)}
