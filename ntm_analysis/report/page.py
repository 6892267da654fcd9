"""What both reports share: parameters, commune data, header, sections, and the lines that cite the source."""

from __future__ import annotations

from functools import cached_property

import pandas as pd
from IPython.display import display

from ntm_analysis.data import communes, facts, reference
from ntm_analysis.analysis import findings
from ntm_analysis import i18n
from ntm_analysis.report import release, html as report

report.use_for_altair()  # `section.chart` and charts made from it display live in JupyterLab, offline

LABELS = i18n.catalogue("page")


def t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


def fact_text(fact: facts.Fact, lang: str, *, with_unit: bool = True) -> str:
    """A figure as the report states it: qualifier, number in the locale's format, unit."""
    number = i18n.number(fact.value, lang, facts.decimals(fact.printed))
    parts = [fact.qualifier_label(lang), number, unit_text(fact, lang) if with_unit else ""]
    return " ".join(p for p in parts if p).replace(" %", "%")


def unit_text(fact: facts.Fact, lang: str) -> str:
    """The unit of a figure, by its count for things counted one by one ("1 board", "2 boards")."""
    key = "unit_" + facts.UNITS[fact.unit]["id"]
    if facts.UNITS[fact.unit]["counted"] and key in release.LABELS:
        return release.t(key, lang, count=fact.value)
    return fact.unit_label(lang)


def source_line(ids: list[str], lang: str) -> str:
    """'Nguồn: Báo cáo … ngày 20/07/2022, <sections>' for the facts behind a chart or table."""
    sections = list(dict.fromkeys(facts.get(i).section_label(lang) for i in ids))
    return t("source", lang, date=report_date(lang), sections="; ".join(sections))


def report_date(lang: str) -> str:
    import datetime as dt

    return i18n.date(dt.date.fromisoformat(facts.origin()["date"]), lang)


def fact_table(topics: list[str], *, lang: str, ids: list[str] | None = None) -> report.Fragment:
    """Every figure of the given topics (or only `ids`, a compact table): label, value as printed (locale format),
    period, section."""
    if ids is None:
        ids = list(pd.concat([facts.topic(name) for name in topics])["id"])
    records = [facts.get(i) for i in ids]
    shown = pd.DataFrame({
        t("c_indicator", lang): [f.label(lang) for f in records],
        t("c_value", lang): [fact_text(f, lang) for f in records],
        t("c_period", lang): [f.period_label() for f in records],
        t("c_section", lang): [f.section_label(lang) for f in records],
    })
    return report.table(shown, lang=lang)


class Group:
    """A section (or the header) of a report: what one notebook cell shows, and the objects behind it.

    `tables` / `table`: the DataFrames of its tables (the first one); `charts` / `chart`: its Altair charts;
    `figures`: its `report.Figure`s (spec, SVG, caption). In JupyterLab it displays as a run of outputs: text and
    tables as HTML, each chart as live Vega-Lite (with a static SVG and a text fallback), so that the charts are
    drawn whether the notebook is trusted or not. The page is exported from exactly these outputs."""

    def __init__(self, *parts):
        self.parts = [p for p in parts if p is not None]

    @property
    def title(self) -> str:
        heads = [p.text.lstrip("# ") for p in self.parts if isinstance(p, report.Heading)]
        return heads[0] if heads else ""

    @property
    def tables(self) -> list[pd.DataFrame]:
        return [p.frame for p in self.parts if isinstance(p, report.Table)]

    @property
    def table(self) -> pd.DataFrame | None:
        return self.tables[0] if self.tables else None

    @property
    def figures(self) -> list[report.Figure]:
        return [p for p in self.parts if isinstance(p, report.Figure)]

    @property
    def charts(self) -> list:
        return [f.chart for f in self.figures]

    @property
    def chart(self):
        return self.charts[0] if self.charts else None

    def _repr_html_(self) -> str:
        return "\n".join(p.html for p in self.parts)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The whole section at once (charts as static SVG inside the HTML), for frontends that show one output."""
        return {"text/plain": repr(self), "text/html": self._repr_html_()}

    def __repr__(self) -> str:
        extra = [f"{len(self.tables)} table(s) in .tables", f"{len(self.charts)} chart(s) in .charts"]
        return "\n\n".join([*(repr(p) for p in self.parts), "· ".join(extra)])

    def _ipython_display_(self) -> None:
        for run in self._runs():
            display(run)

    def _runs(self) -> list:
        """The outputs this section displays: each chart on its own, the fragments between charts together."""
        runs, text = [], []
        for part in self.parts:
            if isinstance(part, report.Figure):
                if text:
                    runs.append(_Run(text))
                    text = []
                runs.append(part)
            else:
                text.append(part)
        if text:
            runs.append(_Run(text))
        return runs


class _Run:
    """Consecutive fragments shown as one output."""

    def __init__(self, parts):
        self.parts = parts

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/plain": "\n\n".join(repr(p) for p in self.parts),
                  "text/html": "\n".join(p.html for p in self.parts)}
        for part in self.parts:  # the headline cards' data travel with them
            if isinstance(part, report.Headlines):
                bundle[report.HEADLINES_MIME] = part.data
        return bundle


class Page:
    """Parameters and shared pieces of a report page. Subclasses set `kind` and `labels` and add sections.

    `unit` is a code or a name in any form `reference.resolve_unit` accepts ("051", 51, "Hòa An", "hoa an");
    `self.unit` is then the official code."""

    kind = ""
    labels: dict = {}

    def __init__(self, *, lang: str = "vi", unit: str = "04", communes: str | None = None):
        self.lang = i18n.check_lang(lang)
        self.unit = reference.check_unit(unit)
        self.province = reference.is_province(self.unit)
        self.unit_name = reference.unit_name(self.unit, self.lang)
        self.communes_path = communes

    def t(self, key: str, **values) -> str:
        catalogue = self.labels if key in self.labels else LABELS if key in LABELS else release.LABELS
        return i18n.text(catalogue, key, self.lang, **values)

    def uses_communes(self) -> bool:
        return True

    @cached_property
    def all_communes(self) -> pd.DataFrame:
        if self.communes_path is None:
            return communes.load_default()
        return communes.read(self.communes_path)

    @cached_property
    def communes_frame(self) -> pd.DataFrame:
        return communes.for_unit(self.all_communes, self.unit)

    @property
    def synthetic(self) -> bool:
        return self.uses_communes() and communes.is_synthetic(self.all_communes)

    def commune_source(self) -> str:
        origin = self.all_communes.attrs.get("origin", {})
        name = origin.get("file", "")
        name = name.rsplit("/", 1)[-1]
        if communes.is_synthetic(self.all_communes):
            name = f"{name}; {self.t('synthetic_short')}"
        return " · ".join(n for n in (self.t("source_communes", file=name), self.coverage_note()) if n)

    def commune_note(self, note: str = "") -> str:
        """A headline note for a figure computed from commune data, tagged when that data is synthetic."""
        tag = self.t("synthetic_short") if self.synthetic else ""
        return " · ".join(n for n in (note, self.coverage_note(), tag) if n)

    def coverage_note(self) -> str:
        """'covers 14 of 139 communes' when the commune file does not cover every commune of the unit, else ''."""
        n, total = communes.unit_coverage(self.all_communes, self.unit)
        return "" if n == total else communes.coverage_note(self.all_communes, self.unit, self.lang)

    def commune_summary(self) -> dict:
        from ntm_analysis.analysis import gap

        return dict(gap.summary(self.communes_frame))

    # -- header ----------------------------------------------------------------------------------
    def title(self) -> str:
        return f"{self.t('title')} — {self.unit_name}"

    def headline_items(self) -> list[dict]:
        return []

    def item(self, label_key: str, fact: facts.Fact, *, note: str = "", province_note: bool = False) -> dict:
        if province_note:
            note = " · ".join(n for n in (note, self.t("province_note")) if n)
        return {"label": self.t(label_key), "value": fact_text(fact, self.lang), "note": note}

    def header(self) -> None:
        """The release's first screen: synthetic-data banner (when it applies), title, issuing office and date of
        the source data with links to the index and the unit's other report, the lead, the key points, the
        headline figures (a district's own; province-only figures in one marked block), and the contents."""
        parts = []
        if self.synthetic:
            parts.append(report.banner(self.t("synthetic"), kind="synthetic"))
        elif self.uses_communes():
            origin = self.all_communes.attrs.get("origin", {})
            parts.append(report.banner(self.t("analyst_data", file=str(origin.get("file", "")).rsplit("/", 1)[-1],
                                              sha=str(origin.get("sha256", ""))[:12]), kind="info"))
        parts.append(report.heading(self.title(), 1))
        parts.append(release.masthead(unit=self.unit, kind=self.kind, lang=self.lang, date=report_date(self.lang)))
        parts.append(report.paragraph(self.t("lead", date=report_date(self.lang))))
        parts.append(release.key_points(self.key_points(), self.lang))
        display(Group(*parts))
        display(report.headlines(self.headline_items(), lang=self.lang, title=self.title()))
        after = [] if self.province else self.district_block()
        display(Group(*after, release.contents(self.contents(), self.lang)))

    def key_points(self) -> list[str]:
        """4–6 sentences, each a finding with its number (`findings`), worded from the release catalogue."""
        return [release.sentence(f, self.lang, unit_name=self.unit_name, synthetic=self.synthetic)
                for f in self.findings()]

    def findings(self) -> list:
        return findings.district(self.unit, self.all_communes)

    def contents(self) -> list[tuple[str, str]]:
        return [(release.anchor(k), self.t(k)) for k in self.contents_keys] + \
            [(release.ANNEX_ID, release.t("annex", self.lang))]

    contents_keys: tuple[str, ...] = ()

    def district_block(self) -> list:
        """A district beside the province and the others (commune data), then the province-only figures."""
        lang = self.lang
        year = int(self.communes_frame["year"].max())
        frame = release.comparison(self.unit, self.all_communes, lang)
        source = self.commune_source()
        parts = [release.heading(release.t("s_compare", lang, unit=self.unit_name), 2, "compare", section=False),
                 report.paragraph(release.t("p_compare", lang, year=year,
                                            of=release.fmt("of", len(findings.unit_codes_in(self.all_communes)), lang))),
                 report.table(frame, lang=lang, source=source)]
        items = self.province_only_items()
        if items:
            parts.append(release.heading(release.t("s_province_only", lang), 3, "province-only"))
            parts.append(report.note(release.t("p_province_only", lang, unit=self.unit_name)))
            parts.append(report.table(pd.DataFrame({
                t("c_indicator", lang): [i["label"] for i in items],
                t("c_value", lang): [i["value"] for i in items],
            }), lang=lang))
        return parts

    def province_only_items(self) -> list[dict]:
        return []

    def annex(self, *parts) -> Group:
        return Group(release.annex_open(self.lang), *parts, release.annex_close())

    def section(self, key: str, *parts) -> Group:
        return Group(release.heading(self.t(key), 2, release.anchor(key)), *parts)

    def province_notice(self):
        return None if self.province else report.note(self.t("province_level"))

    # -- sources ---------------------------------------------------------------------------------
    source_topics: tuple[str, ...] = ()

    def sources(self) -> Group:
        origin = facts.origin()
        frame = pd.concat([facts.topic(name) for name in self.source_topics])
        shown = pd.DataFrame({
            t("c_indicator", self.lang): [facts.get(i).label(self.lang) for i in frame["id"]],
            t("c_value", self.lang): [fact_text(facts.get(i), self.lang) for i in frame["id"]],
            t("c_section", self.lang): [facts.get(i).section_label(self.lang) for i in frame["id"]],
            t("c_quote", self.lang): frame["quote"].tolist(),
        })
        parts = [
            report.paragraph(t("p_sources", self.lang, title=origin["title"], producer=origin["producer"],
                               date=report_date(self.lang), sha=origin["sha256"][:12])),
        ]
        if self.uses_communes():
            parts.append(report.paragraph(self.commune_source()))
        parts.append(report.table(shown, lang=self.lang))
        return Group(release.heading(release.t("annex_sources", self.lang), 3, "annex-sources"), *parts)
