"""The parts that make a report page read as a statistical release: masthead (issuing office, date of the source
data, links to the index and the unit's other report), key points worded from `findings`, contents, section
anchors, the annex, the district comparison, and the source report's own assessment with its quotes.

Every word comes from the `release` catalogue; every number from `findings` (or the modules it reads).
"""

from __future__ import annotations

import html
import re

import pandas as pd

from ntm_analysis.analysis import findings, gap
from ntm_analysis import i18n
from ntm_analysis.data import facts, reference
from ntm_analysis.report import html as report, kinds, words

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


def heading(text: str, level: int, ident: str, *, section: bool = True) -> report.Fragment:
    """A heading with an id for the contents; `section` headings start a new page when printed."""
    cls = ' class="ntm-section"' if section and level == 2 else ""
    return report.Fragment(f'<h{level} id="{html.escape(ident)}"{cls}>{html.escape(text)}</h{level}>',
                           f"{'#' * level} {text}")


# -- masthead --------------------------------------------------------------------------------------------------
def masthead(*, unit: str, kind: str, lang: str, date: str) -> report.Fragment:
    """Issuing office, date of the source data, a link back to the index and to the unit's other reports."""
    others = [k for k in kinds.kinds() if k != kind]
    e = html.escape
    office = t("office", lang)
    lines = [
        f'<p class="ntm-office">{e(t("issued_by", lang, office=office))}</p>',
        f'<p class="ntm-date">{e(t("data_date", lang, date=date))}</p>',
        '<p class="ntm-links">'
        f'<a href="index.html">{e(t("back_index", lang))}</a>'
        + "".join(f' · <a href="{e(kinds.report_filename(unit, other, lang))}">'
                  f'{e(t("other_report", lang, title=kinds.label(other, lang)))}</a>' for other in others)
        + "</p>",
    ]
    text = "\n".join(re.sub(r"<[^>]+>", "", html.unescape(line)) for line in lines)
    return report.Fragment(f'<div class="ntm-masthead">{"".join(lines)}</div>', text)


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
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    title = t("key_points", lang)
    return report.Fragment(
        f'<section class="ntm-keypoints" aria-labelledby="{KEY_POINTS_ID}">'
        f'<h2 id="{KEY_POINTS_ID}">{html.escape(title)}</h2><ul>{items}</ul></section>',
        "\n".join([f"## {title}", *(f"- {s}" for s in sentences)]),
    )


def contents(entries: list[tuple[str, str]], lang: str) -> report.Fragment:
    """Links to the sections: (anchor id, title)."""
    title = t("contents", lang)
    items = "".join(f'<li><a href="#{html.escape(i)}">{html.escape(s)}</a></li>' for i, s in entries)
    return report.Fragment(f'<nav class="ntm-contents" aria-label="{html.escape(title)}"><h2>{html.escape(title)}'
                           f"</h2><ol>{items}</ol></nav>", "\n".join([f"## {title}", *(f"- {s}" for _, s in entries)]))


# -- annex -----------------------------------------------------------------------------------------------------
def annex_open(lang: str) -> report.Fragment:
    """The start of the annex: a <details> closed on screen and shown when printed by the print stylesheet
    (`::details-content`), with no script. Its content is in the page either way (find in page, no script)."""
    return report.Fragment(
        f'<details class="ntm-annex" id="{ANNEX_ID}"><summary>{html.escape(t("annex_summary", lang))}</summary>'
        f'<h2 class="ntm-section">{html.escape(t("annex", lang))}</h2>',
        f"## {t('annex', lang)}")


def annex_close() -> report.Fragment:
    return report.Fragment("</details>", "")


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


_INDEX_TABLE_CSS = (".compare .scroll{overflow-x:auto}.compare table{border-collapse:collapse;width:100%;font-size:.9rem}"
                    ".compare th,.compare td{padding:.3rem .5rem;border-bottom:1px solid #d9e2ec;text-align:left;"
                    "vertical-align:top}.compare .num{text-align:right;white-space:nowrap}"
                    ".compare .total td{font-weight:bold;border-top:2px solid #1f2933}")


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
    e = html.escape
    table = findings.district_table(frame)
    prov = findings.province_row(frame)
    head = [t(k, lang) for k in ("c_unit", "c_communes", "c_standard", "c_share", "c_average", "c_below15",
                                 "c_least_met")] + [t("c_rank", lang, of=fmt("of", len(table), lang))]
    if links:
        head.append(t("c_reports", lang))
    numeric = [False, True, True, True, True, True, False, True, False]

    def cells(values):
        return "".join(f'<td class="num">{e(v)}</td>' if numeric[i] else f"<td>{v}</td>" for i, v in enumerate(values))

    rows = []
    for r in table.itertuples():
        values = [e(reference.unit_name(r.district_code, lang)), fmt("communes", r.communes, lang),
                  fmt("standard", r.standard, lang), fmt("share", r.standard_share, lang),
                  fmt("average", r.average, lang), fmt("below", r.below_15, lang),
                  e(words.criterion_label(int(r.least_met), lang)), fmt("rank", r.rank_standard, lang)]
        if links:
            names = [(k, kinds.report_filename(r.district_code, k, lang, registry)) for k in kinds.kinds(registry)]
            values.append(" · ".join(f'<a href="{e(name)}">{e(kinds.label(k, lang, registry))}</a>'
                                     for k, name in names if present is None or name in present))
        rows.append(f"<tr>{cells(values)}</tr>")
    total = [e(t("total_row", lang)), fmt("communes", prov["communes"], lang), fmt("standard", prov["standard"], lang),
             fmt("share", prov["standard_share"], lang), fmt("average", prov["average"], lang),
             fmt("below", prov["below_15"], lang), e(words.criterion_label(int(prov["least_met"]), lang)), "—"]
    if links:
        total.append("")
    rows.append(f'<tr class="total">{cells(total)}</tr>')
    th = "".join(f'<th scope="col"{" class=num" if numeric[i] else ""}>{e(h)}</th>' for i, h in enumerate(head))
    return (f'<section class="compare" id="compare"><style>{_INDEX_TABLE_CSS}</style>'
            f'<h2>{e(t("s_index_compare", lang))}</h2>'
            f'<p>{e(t("p_index_compare", lang, year=int(prov["year"]), source=source))}</p>'
            f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            "</section>")


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
