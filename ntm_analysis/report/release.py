"""The parts that make a report page read as a statistical release: masthead (issuing office, date of the source
data, links to the index and the unit's other report), key points worded from `findings`, contents, section
anchors, the annex, the district comparison, and the source report's own assessment with its quotes.

Every word comes from the `release` catalogue; every number from `findings` (or the modules it reads); every tag
from a template (`templates/report/`, `templates/pack/compare.html.j2`).
"""

from __future__ import annotations

import re

import pandas as pd

from ntm_analysis.analysis import findings, gap
from ntm_analysis import i18n
from ntm_analysis.data import facts, reference
from ntm_analysis.report import html as report, kinds, render, words

LABELS = i18n.catalogue("release")
ANNEX_ID = "annex"
KEY_POINTS_ID = "key-points"
#: Decimals per unit of measure, one style per page: counts whole, shares and money to one decimal,
#: criteria per commune, paces and multiples to two.
DECIMALS = {"count": 0, "percent": 1, "billion": 1, "criteria": 2, "pace": 2, "ratio": 2}
_UNITS = {  # the unit of measure of every number a key point uses
    "start": "count", "gap": "count", "target": "count", "standard": "count", "total": "count",
    "communes": "count", "below": "count", "unmet": "count", "products": "count", "entities": "count",
    "checks": "count", "holds": "count", "inconsistent": "count", "rounding": "count", "not_comparable": "count",
    "rank": "count", "of": "count",
    "pace": "pace", "before": "pace", "after": "pace", "ratio": "ratio",
    "plan": "billion", "mobilised": "billion", "amount": "billion",
    "credit": "percent", "central": "percent", "cb": "percent", "nat": "percent", "cb_target": "percent",
    "nat_target": "percent", "share": "percent", "province_share": "percent", "province": "percent",
    "region": "percent",
    "average": "criteria", "province_average": "criteria",
}


def t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


def fmt(name: str, value, lang: str) -> str:
    """A number in the one style of its unit of measure (see DECIMALS)."""
    return i18n.number(value, lang, DECIMALS[_UNITS[name]])


def anchor(key: str) -> str:
    """The id of a section heading: 's_targets' → 'sec-targets'."""
    return "sec-" + re.sub(r"[^a-z0-9]+", "-", key.removeprefix("s_").lower()).strip("-")


def heading(text: str, level: int, ident: str, *, section: bool = True) -> report.Heading:
    """A heading with an id for the contents; `section` headings start a new page when printed."""
    return report.heading(text, level, ident=ident, section=section and level == 2)


# -- masthead --------------------------------------------------------------------------------------------------
def masthead(*, unit: str, kind: str, lang: str, date: str) -> report.Fragment:
    """Issuing office, date of the source data, a link back to the index and to the unit's other reports."""
    values = {"issued_by": t("issued_by", lang, office=t("office", lang)), "data_date": t("data_date", lang, date=date),
              "index": "index.html", "back": t("back_index", lang),
              "others": [(kinds.report_filename(unit, other, lang), t("other_report", lang, title=kinds.label(other, lang)))
                         for other in kinds.kinds() if other != kind]}
    links = " · ".join([values["back"], *(text for _, text in values["others"])])
    return report.Fragment(render.render("report/masthead.html.j2", **values),
                           "\n".join([values["issued_by"], values["data_date"], links]))


# -- key points ------------------------------------------------------------------------------------------------
def sentence(finding: findings.Finding, lang: str, *, unit_name: str = "", synthetic: bool = False) -> str:
    """One key point in `lang`: its catalogue sentence with its numbers in their unit's style."""
    values = {}
    for name, value in finding.values.items():
        if name == "criterion":
            values[name] = words.criterion_label(int(value), lang)
        elif name == "unit":
            target = words.district_target(gap.district_target(value, None), lang)
            values["target"] = target["target_label"] if target else ""
        else:
            values[name] = fmt(name, value, lang)
    text = i18n.text(LABELS, finding.id, lang, count=finding.count, unit=unit_name, **values)
    if finding.scope == "province":
        text = t("province_tag", lang) + text
    elif synthetic and finding.id.startswith("kp_d_") and finding.id not in ("kp_d_target", "kp_d_no_target"):
        text = text.rstrip(".") + t("synthetic_tag", lang) + "."
    return text


def key_points(sentences: list[str], lang: str) -> report.Fragment:
    title = t("key_points", lang)
    return report.Fragment(
        render.render("report/key_points.html.j2", ident=KEY_POINTS_ID, title=title, sentences=sentences),
        "\n".join([f"## {title}", *(f"- {s}" for s in sentences)]),
    )


def contents(entries: list[tuple[str, str]], lang: str) -> report.Fragment:
    """Links to the sections: (anchor id, title)."""
    title = t("contents", lang)
    return report.Fragment(render.render("report/contents.html.j2", title=title, entries=entries),
                           "\n".join([f"## {title}", *(f"- {s}" for _, s in entries)]))


# -- annex -----------------------------------------------------------------------------------------------------
def annex_open(lang: str) -> report.Fragment:
    """The start of the annex: a <details> closed on screen and shown when printed by the print stylesheet
    (`::details-content`), with no script. Its content is in the page either way (find in page, no script)."""
    return report.Fragment(render.render("report/annex_open.html.j2", ident=ANNEX_ID, summary=t("annex_summary", lang),
                                         title=t("annex", lang)),
                           f"## {t('annex', lang)}")


def annex_close() -> report.Fragment:
    return report.Fragment(render.render("report/annex_close.html.j2"), "")


def commune_detail(frame: pd.DataFrame, lang: str, source: str) -> list:
    """Annex C: criteria met by commune, one row per commune (the detail a 139-row heatmap cannot show)."""
    latest = gap.latest(frame).sort_values(["district_code", "criteria_met", "commune_name"],
                                            ascending=[True, False, True])
    columns = {t("c_unit", lang): [reference.display_name(n) for n in latest["district_name"]],
               gap_label("c_commune", lang): [reference.display_name(n) for n in latest["commune_name"]],
               gap_label("c_met", lang): latest["criteria_met"].astype(int).tolist()}
    for k in range(1, 20):
        columns[f"C{k:02d}"] = ["✓" if v else "·" for v in latest[f"c{k:02d}"]]
    return [heading(t("annex_communes", lang), 3, "annex-communes"),
            report.paragraph(t("p_annex_communes", lang, source=source)),
            report.table(pd.DataFrame(columns), lang=lang)]


def gap_label(key: str, lang: str) -> str:
    from ntm_analysis.report import gap_report

    return i18n.text(gap_report.LABELS, key, lang)


# -- district comparison ---------------------------------------------------------------------------------------
def comparison(unit: str, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A district's figures beside the province's and its rank among the districts (district pages)."""
    table = findings.district_table(frame)
    row = table.set_index("district_code").loc[unit]
    prov = findings.province_row(frame)
    of = len(table)
    n = lambda name, v: fmt(name, v, lang)  # noqa: E731
    share = lambda a, b, s: f"{n('standard', a)}/{n('communes', b)} ({i18n.percent(s, lang, 1)})"  # noqa: E731
    least = lambda c, k, total: f"{words.criterion_label(int(c), lang)} ({n('unmet', k)}/{n('communes', total)})"  # noqa: E731
    return pd.DataFrame({
        t("c_indicator", lang): [t("r_standard", lang), t("r_average", lang), t("r_below15", lang),
                                 t("r_least_met", lang)],
        reference.unit_name(unit, lang): [
            share(row["standard"], row["communes"], row["standard_share"]), n("average", row["average"]),
            share(row["below_15"], row["communes"], row["below_15_share"]),
            least(row["least_met"], row["least_met_unmet"], row["communes"])],
        t("c_province", lang): [
            share(prov["standard"], prov["communes"], prov["standard_share"]), n("average", prov["average"]),
            share(prov["below_15"], prov["communes"], prov["below_15_share"]),
            least(prov["least_met"], prov["least_met_unmet"], prov["communes"])],
        t("c_rank", lang, of=n("of", of)): [n("rank", row["rank_standard"]), n("rank", row["rank_average"]),
                                            n("rank", row["rank_below_15"]), "—"],
    })


def index_section(manifest: dict, communes_file, registry: kinds.Registry | None = None) -> str:
    """The district comparison for the pack's landing page, from the commune file the pack was built from;
    links only to the reports the pack holds."""
    from ntm_analysis.data import communes

    frame = communes.read(communes_file)
    lang = manifest["lang"]
    source = str(communes_file).rsplit("/", 1)[-1]
    if communes.is_synthetic(frame):
        source += t("synthetic_tag", lang)
    present = {r["path"] for r in manifest["reports"]}
    return index_comparison(frame, lang, source=source, present=present, registry=registry)


def index_comparison(frame: pd.DataFrame, lang: str, *, source: str, links: bool = True,
                     present: set[str] | None = None, registry: kinds.Registry | None = None) -> str:
    """The landing page's table: every district in one row, then the province; links to its two reports
    (those in `present`, when given)."""
    table = findings.district_table(frame)
    prov = findings.province_row(frame)
    head = [t(k, lang) for k in ("c_unit", "c_communes", "c_standard", "c_share", "c_average", "c_below15",
                                 "c_least_met")] + [t("c_rank", lang, of=fmt("of", len(table), lang))]
    numeric = [False, True, True, True, True, True, False, True]

    def row(values, reports, total=False):
        return {"cells": list(zip(values, numeric)), "links": reports, "total": total}

    rows = []
    for r in table.itertuples():
        values = [reference.unit_name(r.district_code, lang), fmt("communes", r.communes, lang),
                  fmt("standard", r.standard, lang), fmt("share", r.standard_share, lang),
                  fmt("average", r.average, lang), fmt("below", r.below_15, lang),
                  words.criterion_label(int(r.least_met), lang), fmt("rank", r.rank_standard, lang)]
        names = [(kinds.report_filename(r.district_code, k, lang, registry), kinds.label(k, lang, registry))
                 for k in kinds.kinds(registry)]
        rows.append(row(values, [(name, label) for name, label in names if present is None or name in present]))
    total = [t("total_row", lang), fmt("communes", prov["communes"], lang), fmt("standard", prov["standard"], lang),
             fmt("share", prov["standard_share"], lang), fmt("average", prov["average"], lang),
             fmt("below", prov["below_15"], lang), words.criterion_label(int(prov["least_met"]), lang), "—"]
    rows.append(row(total, [], total=True))
    return render.render("pack/compare.html.j2", title=t("s_index_compare", lang),
                         lead=t("p_index_compare", lang, year=int(prov["year"]), source=source),
                         head=list(zip(head, numeric)), reports=t("c_reports", lang) if links else "", rows=rows)


# -- the source report's own assessment ------------------------------------------------------------------------
def assessment_parts(lang: str) -> list:
    """Achievements, difficulties, hard criteria and causes: a summary per point with its verbatim quote."""
    a = findings.assessment()
    titles = {"achievement": "s_achievements", "difficulty": "s_difficulties", "hard_criterion": "s_hard_criteria",
              "cause": "s_causes"}
    parts = [report.paragraph(t("p_assessment", lang))]
    for kind in findings.ASSESSMENT_KINDS:
        rows = a[a["kind"] == kind]
        parts.append(report.heading(t(titles[kind], lang), 3))
        shown = {}
        if kind == "hard_criterion":
            shown[t("c_criterion", lang)] = [", ".join(words.criterion_label(c, lang) for c in cs)
                                             for cs in rows["criteria"]]
        shown[t("c_point", lang)] = [t(f"a_{i}", lang) for i in rows["id"]]
        shown[t("c_quote", lang)] = [f"«{q}»" for q in rows["quote"]]
        shown[t("c_section", lang)] = [facts.section_label(sec, lang) for sec in rows["section"]]
        parts.append(report.table(pd.DataFrame(shown), lang=lang))
    return parts
