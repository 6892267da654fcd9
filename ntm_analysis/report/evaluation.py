"""The 2017–2021 evaluation report, section by section.

Each method of `EvaluationReport` returns what one notebook cell shows; the notebook only calls them.
Figures come from `facts` (the source report) and, for districts, from commune data.
"""

from __future__ import annotations

import pandas as pd

from ntm_analysis.analysis import audit, findings
from ntm_analysis.report import charts, gap_report, release, words, html as report
from ntm_analysis.data import facts
from ntm_analysis import i18n
from ntm_analysis.report.page import Group, Page, fact_table, fact_text, source_line

LABELS = i18n.catalogue("evaluation")

#: The main figures a section's compact table shows; every figure of the topic is in the annex (sources).
COMPACT = {
    "management": ["management_commune_boards", "management_province_office_staff", "management_commune_fulltime_staff",
                   "capacity_classes", "capacity_participants", "capacity_funding_2021"],
    "communication": ["communication_meetings", "communication_participants", "communication_newspaper_items",
                      "communication_signboards", "movements_land_donated", "movements_workdays",
                      "movements_roads_repaired_km"],
    "awards": ["awards_communes_2016_2020", "awards_pm_collectives", "awards_pm_individuals"],
    "ocop": ["ocop_products", "ocop_entities"],
}
FUNDING_SOURCES = ("central", "provincial", "integrated", "credit", "community", "other")
BANDS = ("19", "15-18", "10-14", "5-9")
BAND_FACTS = {
    "19": "attainment_2021_standard",
    "15-18": "attainment_2021_band_15_18",
    "10-14": "attainment_2021_band_10_14",
    "5-9": "attainment_2021_band_5_9",
}


class EvaluationReport(Page):
    """The evaluation 2017–2021 for the province ("04") or one district."""

    kind = "evaluation"
    labels = LABELS
    source_topics = ("management", "capacity", "communication", "movements", "awards", "ocop",
                     "funding_2017_2021", "funding_2021", "attainment_2021", "results_2019_2020", "region",
                     "difficulties")

    contents_keys = ("s_management", "s_communication", "s_ocop", "s_funding", "s_attainment", "s_region",
                     "s_assessment", "s_audit")

    def findings(self) -> list:
        if self.province:
            return findings.evaluation_province()
        own = [f for f in findings.district(self.unit, self.all_communes) if not f.id.startswith("kp_d_target")
               and f.id != "kp_d_no_target"]
        region = next(f for f in findings.evaluation_province() if f.id == "kp_region")
        return [*own, findings.Finding(region.id, region.values, scope="province")]

    def province_only_items(self) -> list[dict]:
        return [self.item(k, facts.get(f)) for k, f in (("h_funding_total", "funding_2017_2021_total"),
                                                         ("h_ocop", "ocop_products"),
                                                         ("h_training", "capacity_classes"))]

    def uses_communes(self) -> bool:
        # The province figures all come from the report; districts need commune data for attainment.
        return not self.province

    # -- header ------------------------------------------------------------------------------------
    def headline_items(self) -> list[dict]:
        lang, t = self.lang, self.t
        items = []
        if self.province:
            n = int(sum(facts.get(f).value for f in BAND_FACTS.values()))
            items.append(self.item("h_standard", facts.get("attainment_2021_standard"), note=t("of_communes", total=n)))
            items.append(self.item("h_average", facts.get("attainment_2021_average")))
        else:
            s = self.commune_summary()
            items.append({"label": t("h_standard"), "value": i18n.number(s["standard"], lang, 0),
                          "note": self.commune_note(t("of_communes", total=i18n.number(s["communes"], lang, 0)))})
            items.append({"label": t("h_average"), "value": i18n.number(s["average"], lang, 2),
                          "note": self.commune_note()})
        if self.province:  # a district's page shows these once, in its province-only block
            items += self.province_only_items()
        return items

    # -- sections ----------------------------------------------------------------------------------
    def management(self):
        return self.section(
            "s_management",
            self.province_notice(),
            report.paragraph(self.t("p_management")),
            fact_table([], lang=self.lang, ids=COMPACT["management"]),
            report.note(self.t("p_full_in_annex")),
        )

    def communication(self):
        return self.section(
            "s_communication",
            self.province_notice(),
            report.paragraph(self.t("p_communication")),
            fact_table([], lang=self.lang, ids=COMPACT["communication"]),
            report.heading(self.t("s_awards"), 3),
            fact_table([], lang=self.lang, ids=COMPACT["awards"]),
            report.note(self.t("p_full_in_annex")),
        )

    def ocop(self):
        lang, t = self.lang, self.t
        products, entities = facts.get("ocop_products"), facts.get("ocop_entities")
        groups = [
            ("ch_ocop_sector", "products", ["ocop_sector_food", "ocop_sector_drinks", "ocop_sector_crafts", "ocop_sector_tourism"]),
            ("ch_ocop_entity", "entities", ["ocop_entities_cooperatives", "ocop_entities_enterprises", "ocop_entities_households"]),
            ("ch_ocop_stars", "products", ["ocop_stars_3", "ocop_stars_4"]),
        ]
        figures = [
            report.figure(
                charts.bar(
                    self.fact_frame(ids), category="label", value="value", label="text",
                    title=t(title), unit=t(unit), source=source_line(ids, lang), lang=lang,
                ),
                lang=lang,
            )
            for title, unit, ids in groups
        ]
        return self.section(
            "s_ocop",
            self.province_notice(),
            report.paragraph(t("p_ocop", products=i18n.number(products.value, lang, 0),
                               entities=i18n.number(entities.value, lang, 0))),
            *figures,
            fact_table([], lang=lang, ids=COMPACT["ocop"]),
            report.note(t("p_full_in_annex")),
        )

    def funding(self):
        lang, t = self.lang, self.t
        table = self.funding_table()
        total = facts.get("funding_2017_2021_total")
        shares = dict(zip(table["id"], table["printed_share"]))
        # Bar labels show each amount and share as printed (2.397,3 / 21,5%; 65,15 / 0,58%).
        chart_df = table.assign(text=[
            f"{fact_text(facts.get(f'funding_2017_2021_{s}'), lang, with_unit=False)} "
            f"({fact_text(facts.get(f'funding_2017_2021_{s}_share'), lang, with_unit=False)}%)"
            for s in table["id"]
        ])
        ids = [f"funding_2017_2021_{s}" for s in FUNDING_SOURCES] + ["funding_2017_2021_total"]
        shown = table.rename(columns={
            "label": t("c_source"), "amount": t("c_amount"),
            "printed_share": t("c_printed_share"), "computed_share": t("c_computed_share"),
        }).drop(columns=["id"])
        return self.section(
            "s_funding",
            self.province_notice(),
            report.paragraph(t("p_funding", total=i18n.number(total.value, lang, 1),
                               credit=i18n.number(shares["credit"], lang, 1),
                               central=i18n.number(shares["central"], lang, 1))),
            report.figure(
                charts.bar(chart_df, category="label", value="amount", label="text", title=t("ch_funding"),
                           unit=t("billion"), source=source_line(ids, lang), lang=lang),
                lang=lang,
            ),
            report.table(shown, lang=lang, source=source_line(ids, lang),
                         number_format={t("c_amount"): 2, t("c_printed_share"): 2, t("c_computed_share"): 2}),
            report.heading(t("s_funding_2021"), 3),
            fact_table(["funding_2021"], lang=lang),
        )

    def funding_table(self) -> pd.DataFrame:
        """Amount (tỷ đồng) and printed share per source, with the share recomputed from the amounts."""
        total = facts.get("funding_2017_2021_total").value_in("tỷ đồng")
        rows = []
        for source in FUNDING_SOURCES:
            amount = facts.get(f"funding_2017_2021_{source}")
            rows.append({
                "id": source,
                "label": amount.label(self.lang),
                "amount": amount.value_in("tỷ đồng"),
                "printed_share": facts.get(f"funding_2017_2021_{source}_share").value,
                "computed_share": round(100 * amount.value_in("tỷ đồng") / total, 2),
            })
        return pd.DataFrame(rows)

    def attainment(self):
        lang, t = self.lang, self.t
        if self.province:
            bands = pd.DataFrame({"band": BANDS, "communes": [facts.get(BAND_FACTS[b]).value for b in BANDS]})
            source = source_line(list(BAND_FACTS.values()), lang)
            total = int(bands["communes"].sum())
            text = t("p_attainment", standard=i18n.number(facts.get("attainment_2021_standard").value, lang, 0),
                     total=i18n.number(total, lang, 0),
                     new=i18n.number(facts.get("attainment_2021_new_standard").value, lang, 0),
                     average=i18n.number(facts.get("attainment_2021_average").value, lang, 2))
            extra = [fact_table(["attainment_2021"], lang=lang)]
        else:
            s = self.commune_summary()
            bands = self.commune_bands()
            source = self.commune_source()
            text = t("p_attainment_district", unit=self.unit_name, standard=i18n.number(s["standard"], lang, 0),
                     total=i18n.number(s["communes"], lang, 0), average=i18n.number(s["average"], lang, 2))
            extra = []
        bands = bands.assign(label=[t(f"band_{b}") for b in bands["band"]])
        bands["text"] = [i18n.number(v, lang, 0) for v in bands["communes"]]
        return self.section(
            "s_attainment",
            report.paragraph(text),
            report.figure(
                charts.bar(bands, category="label", value="communes", label="text", sort=list(bands["label"]),
                           title=t("ch_bands"), unit=t("communes_unit"), source=source, lang=lang),
                lang=lang,
            ),
            report.table(bands[["label", "communes"]].rename(columns={"label": t("c_band"), "communes": t("c_communes")}),
                         lang=lang, source=source, number_format={t("c_communes"): 0}),
            *extra,
        )

    def region(self):
        """The region comparison and the national context, then the source report's own assessment (one cell)."""
        lang, t = self.lang, self.t
        ids = ["region_2020_province_share", "region_2020_northern_mountains_share"]
        province, region = (facts.get(i) for i in ids)
        df = pd.DataFrame({
            "label": [t("cao_bang"), t("northern_mountains")],
            "value": [province.value, region.value],
        })
        df["text"] = [i18n.percent(v, lang, 2 if v == region.value else 1) for v in df["value"]]
        comparison = self.section(
            "s_region",
            self.province_notice(),
            report.paragraph(t("p_region", province=i18n.number(province.value, lang, 1),
                               region=i18n.number(region.value, lang, 2))),
            report.figure(
                charts.bar(df, category="label", value="value", label="text", title=t("ch_region"),
                           unit=t("percent"), source=source_line(ids, lang), lang=lang, highlight=t("cao_bang")),
                lang=lang,
            ),
            fact_table(["results_2019_2020", "region"], lang=lang),
            *self.national().parts,
        )
        return Group(*comparison.parts, *self.assessment().parts)

    def assessment(self) -> Group:
        """The report's achievements, difficulties, hard criteria and causes, each with its verbatim quote."""
        return self.section("s_assessment", self.province_notice(), *release.assessment_parts(self.lang),
                            report.heading(self.t("s_difficulties"), 3),
                            fact_table(["difficulties"], lang=self.lang))

    def national(self):
        """Cao Bằng beside the country (share of communes at the standard), cited."""
        return gap_report.national_group(self.lang)

    def audit_table(self) -> pd.DataFrame:
        lang, t = self.lang, self.t
        checks = audit.run()
        order = {o: k for k, o in enumerate(("inconsistent", "rounding", "not_comparable", "holds"))}
        checks = checks.sort_values(["outcome", "check"],
                                    key=lambda s: s.map(order) if s.name == "outcome" else s).reset_index(drop=True)
        rows = [row for _, row in checks.iterrows()]
        return pd.DataFrame({
            t("c_check"): [words.audit_description(r, lang) for r in rows],
            t("c_printed"): checks["printed"],
            t("c_implied"): checks["implied"],
            t("c_tolerance"): checks["tolerance"],
            t("c_outcome"): [i18n.text(words.AUDIT, o, lang) for o in checks["outcome"]],
            t("c_note"): [words.audit_note(r, lang) for r in rows],
        })

    def audit(self):
        """What the checks found, as counts by outcome and the checks that do not hold; every check in the annex."""
        lang, t = self.lang, self.t
        checks = audit.run()
        failing = int((checks["status"] == "fail").sum())
        counts = audit.summary(checks)["outcomes"]
        full = self.audit_table()
        outcome = t("c_outcome")
        compact = full[full[outcome] != i18n.text(words.AUDIT, "holds", lang)][[t("c_check"), outcome, t("c_note")]]
        tally = pd.DataFrame({outcome: [i18n.text(words.AUDIT, o, lang) for o in counts],
                              release.t("c_count", lang): list(counts.values())})
        return self.section(
            "s_audit",
            report.paragraph(t("p_audit", fail=i18n.number(failing, lang, 0), total=i18n.number(len(checks), lang, 0))),
            report.paragraph(t("p_audit_outcomes", **{k: i18n.number(v, lang, 0) for k, v in counts.items()})),
            report.table(tally, lang=lang),
            report.table(compact, lang=lang),
            report.note(release.t("p_audit_annex", lang, checks=i18n.number(len(checks), lang, 0))),
        )

    def context_ids(self) -> list[str]:
        ids = [cid for _, cid in gap_report.gap.NATIONAL] + ["cb_2022_standard_new_set"]
        for c in audit.CHECKS:
            ids += [i for i in c.context if not i.startswith("recognitions_")]
        return list(dict.fromkeys(ids))

    def sources(self):
        """The annex: every arithmetic check, then every figure with its quote and the context sources."""
        t = self.t
        full = report.table(self.audit_table(), lang=self.lang,
                            number_format={t("c_printed"): 2, t("c_implied"): 2, t("c_tolerance"): 2})
        return self.annex(release.heading(release.t("annex_audit", self.lang), 3, "annex-audit"), full,
                          *super().sources().parts, *gap_report.context_sources(self.context_ids(), self.lang).parts,
                          *gap_report.recognition_sources(self.lang).parts)

    def fact_frame(self, ids: list[str]) -> pd.DataFrame:
        """Chart rows for figures: short category label, value, and the value as printed."""
        rows = [facts.get(i) for i in ids]
        return pd.DataFrame({
            "label": [self.t(f"short_{f.id}") if f"short_{f.id}" in LABELS else f.label(self.lang) for f in rows],
            "value": [f.value for f in rows],
            "text": [fact_text(f, self.lang, with_unit=False) for f in rows],
        })

    def commune_bands(self) -> pd.DataFrame:
        from ntm_analysis.analysis import gap

        counts = gap.bands(self.communes_frame)
        counts = counts.set_index("band")["communes"] if "band" in counts.columns else counts
        return pd.DataFrame({"band": BANDS, "communes": [int(counts.get(b, 0)) for b in BANDS]})
