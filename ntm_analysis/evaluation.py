"""The 2017–2021 evaluation report, section by section.

Each method of `EvaluationReport` returns what one notebook cell shows; the notebook only calls them.
Figures come from `facts` (the source report) and, for districts, from commune data.
"""

from __future__ import annotations

import pandas as pd

from . import audit, charts, facts, findings, gap_report, i18n, release, report
from .page import Group, Page, fact_table, fact_text, source_line

LABELS = {
    "title": {
        "vi": "Kết quả thực hiện Chương trình MTQG xây dựng nông thôn mới giai đoạn 2017–2021",
        "en": "National Target Programme on New Rural Development (NTP-NRD): results 2017–2021",
    },
    "lead": {
        "vi": "Các số liệu dưới đây lấy từ Báo cáo của Sở Nông nghiệp và PTNT tỉnh Cao Bằng ngày {date}; "
        "mỗi số liệu ghi rõ mục của báo cáo và được kiểm tra với nguyên văn.",
        "en": "The figures below come from the report of Cao Bằng's Department of Agriculture and Rural "
        "Development dated {date}; each figure names its section of the report and is checked against the "
        "verbatim text.",
    },
    "h_funding_total": {"vi": "Tổng vốn huy động 2017–2021", "en": "Funds mobilised 2017–2021"},
    "h_standard": {"vi": "Xã đạt chuẩn NTM (2021)", "en": "Communes meeting the new rural standard (2021)"},
    "h_average": {"vi": "Bình quân tiêu chí/xã (2021)", "en": "Average criteria per commune (2021)"},
    "h_ocop": {"vi": "Sản phẩm OCOP (2020–2021)", "en": "OCOP products (2020–2021)"},
    "h_training": {"vi": "Lớp tập huấn (2017–2021)", "en": "Training classes (2017–2021)"},
    "of_communes": {"vi": "trên {total} xã", "en": "of {total} communes"},
    "s_management": {"vi": "1. Quản lý, điều hành và nâng cao năng lực", "en": "1. Management and capacity building"},
    "s_communication": {"vi": "2. Tuyên truyền và các phong trào thi đua", "en": "2. Communication and emulation movements"},
    "s_awards": {"vi": "Khen thưởng", "en": "Awards"},
    "s_ocop": {"vi": "3. Chương trình mỗi xã một sản phẩm (OCOP)", "en": "3. One Commune One Product (OCOP)"},
    "s_funding": {"vi": "4. Nguồn vốn huy động 2017–2021", "en": "4. Funds mobilised 2017–2021"},
    "s_funding_2021": {"vi": "Nguồn vốn năm 2021", "en": "Funding in 2021"},
    "s_attainment": {"vi": "5. Kết quả đạt chuẩn nông thôn mới (2021)", "en": "5. Communes meeting the new rural standard (2021)"},
    "s_region": {"vi": "6. So sánh với vùng Miền núi phía Bắc", "en": "6. Comparison with the Northern Mountains region"},
    "s_difficulties": {"vi": "Khó khăn, tồn tại", "en": "Difficulties and shortcomings"},
    "s_audit": {"vi": "8. Kiểm tra số học của báo cáo nguồn", "en": "8. Checking the source report's arithmetic"},
    "p_management": {
        "vi": "Bộ máy chỉ đạo được thành lập và kiện toàn ở cả ba cấp; đào tạo, tập huấn cán bộ được duy trì "
        "trong cả giai đoạn, riêng năm 2021 không có kinh phí hỗ trợ nâng cao năng lực.",
        "en": "Steering bodies were set up and strengthened at all three levels; training continued through the "
        "period, except in 2021, when no funds were available for capacity building.",
    },
    "p_communication": {
        "vi": "Tuyên truyền qua hội nghị, báo chí, phát thanh – truyền hình và pano, biển hiệu; nhân dân và đoàn "
        "viên thanh niên đóng góp đất, ngày công cho xây dựng nông thôn mới.",
        "en": "Communication through meetings, press, radio and television, billboards and signs; residents and "
        "youth union members contributed land and workdays.",
    },
    "p_ocop": {
        "vi": "Tỉnh triển khai OCOP từ năm 2019; sau hai năm (2020–2021) có {products} sản phẩm của {entities} chủ thể "
        "được công nhận OCOP cấp tỉnh.",
        "en": "The province started OCOP in 2019; after two years (2020–2021), {products} products of {entities} "
        "entities were rated OCOP at provincial level.",
    },
    "p_funding": {
        "vi": "Tổng vốn huy động {total} tỷ đồng, trong đó vốn tín dụng chiếm {credit}% và ngân sách Trung ương "
        "{central}%. Bảng so sánh tỷ lệ in trong báo cáo với tỷ lệ tính lại từ số tiền.",
        "en": "Funds mobilised totalled {total} billion VND, of which credit was {credit}% and the central budget "
        "{central}%. The table compares the shares printed in the report with shares recomputed from the amounts.",
    },
    "p_attainment": {
        "vi": "Đến năm 2021, theo Bộ tiêu chí 2016–2020 (QĐ 1980/QĐ-TTg), {standard}/{total} xã đạt chuẩn ({new} xã "
        "hoàn thành 19/19 tiêu chí trong giai đoạn), bình quân {average} tiêu chí/xã.",
        "en": "By 2021, on the 2016–2020 criteria set (QĐ 1980/QĐ-TTg), {standard} of {total} communes met the "
        "standard ({new} reached all 19 criteria during the period), with an average of {average} criteria per commune.",
    },
    "p_attainment_district": {
        "vi": "Số liệu của {unit} tính từ dữ liệu cấp xã: {standard}/{total} xã đạt chuẩn, bình quân {average} tiêu chí/xã.",
        "en": "Figures for {unit} computed from commune data: {standard} of {total} communes meet the standard, "
        "averaging {average} criteria per commune.",
    },
    "p_region": {
        "vi": "Tỷ lệ xã đạt chuẩn đến hết năm 2020 của tỉnh ({province}%) thấp hơn mặt bằng chung vùng Miền núi "
        "phía Bắc ({region}%).",
        "en": "The province's share of communes meeting the standard by the end of 2020 ({province}%) was below "
        "the Northern Mountains region's ({region}%).",
    },
    "p_audit": {
        "vi": "Mỗi tổng được so với các thành phần, mỗi tỷ lệ in được so với tỷ lệ tính từ số tiền, với sai số cho "
        "phép do làm tròn. {fail} trong {total} phép kiểm tra không khớp khi so trực tiếp (phân loại dưới đây); dữ "
        "liệu vẫn giữ nguyên số đã in.",
        "en": "Each total is compared with its components and each printed share with the share computed from the "
        "amounts, allowing for printed rounding. {fail} of {total} checks do not match as printed (classified "
        "below); the data keeps what was printed.",
    },
    "band_19": {"vi": "19 tiêu chí (đạt chuẩn)", "en": "19 criteria (standard)"},
    "band_15-18": {"vi": "15–18 tiêu chí", "en": "15–18 criteria"},
    "band_10-14": {"vi": "10–14 tiêu chí", "en": "10–14 criteria"},
    "band_5-9": {"vi": "5–9 tiêu chí", "en": "5–9 criteria"},
    "band_0-4": {"vi": "Dưới 5 tiêu chí", "en": "Under 5 criteria"},
    "communes_unit": {"vi": "xã", "en": "communes"},
    "billion": {"vi": "tỷ đồng", "en": "billion VND"},
    "percent": {"vi": "%", "en": "%"},
    "c_source": {"vi": "Nguồn vốn", "en": "Source"},
    "c_amount": {"vi": "Số tiền (tỷ đồng)", "en": "Amount (billion VND)"},
    "c_printed_share": {"vi": "Tỷ lệ in (%)", "en": "Printed share (%)"},
    "c_computed_share": {"vi": "Tỷ lệ tính lại (%)", "en": "Recomputed share (%)"},
    "c_band": {"vi": "Nhóm", "en": "Band"},
    "c_communes": {"vi": "Số xã", "en": "Communes"},
    "c_area": {"vi": "Địa bàn", "en": "Area"},
    "c_share": {"vi": "Tỷ lệ xã đạt chuẩn (%)", "en": "Communes meeting the standard (%)"},
    "ch_funding": {"vi": "Vốn huy động theo nguồn, 2017–2021", "en": "Funds mobilised by source, 2017–2021"},
    "ch_bands": {"vi": "Số xã theo số tiêu chí đạt, 2021", "en": "Communes by number of criteria met, 2021"},
    "ch_region": {"vi": "Tỷ lệ xã đạt chuẩn NTM đến hết năm 2020", "en": "Share of communes meeting the new rural standard, end of 2020"},
    "ch_ocop_sector": {"vi": "Sản phẩm OCOP theo ngành", "en": "OCOP products by sector"},
    "ch_ocop_entity": {"vi": "Chủ thể OCOP theo loại hình", "en": "OCOP entities by type"},
    "ch_ocop_stars": {"vi": "Sản phẩm OCOP theo hạng sao", "en": "OCOP products by star rating"},
    "products": {"vi": "sản phẩm", "en": "products"},
    "short_ocop_sector_food": {"vi": "Thực phẩm", "en": "Food"},
    "short_ocop_sector_drinks": {"vi": "Đồ uống", "en": "Drinks"},
    "short_ocop_sector_crafts": {"vi": "Thủ công mỹ nghệ", "en": "Handicrafts"},
    "short_ocop_sector_tourism": {"vi": "Dịch vụ du lịch nông thôn", "en": "Rural tourism services"},
    "short_ocop_entities_cooperatives": {"vi": "Hợp tác xã", "en": "Cooperatives"},
    "short_ocop_entities_enterprises": {"vi": "Doanh nghiệp", "en": "Enterprises"},
    "short_ocop_entities_households": {"vi": "Hộ kinh doanh", "en": "Household businesses"},
    "short_ocop_stars_3": {"vi": "3 sao", "en": "3 stars"},
    "short_ocop_stars_4": {"vi": "4 sao", "en": "4 stars"},
    "entities": {"vi": "chủ thể", "en": "entities"},
    "cao_bang": {"vi": "Cao Bằng", "en": "Cao Bằng"},
    "northern_mountains": {"vi": "Miền núi phía Bắc", "en": "Northern Mountains"},
    "c_check": {"vi": "Phép kiểm tra", "en": "Check"},
    "c_printed": {"vi": "Số in", "en": "Printed"},
    "c_implied": {"vi": "Số tính lại", "en": "Implied"},
    "c_tolerance": {"vi": "Sai số cho phép", "en": "Tolerance"},
    "c_status": {"vi": "Kết quả", "en": "Result"},
    "c_note": {"vi": "Ghi chú", "en": "Note"},
    "pass": {"vi": "Khớp", "en": "Adds up"},
    "fail": {"vi": "Không khớp", "en": "Does not add up"},
    "p_audit_outcomes": {
        "vi": "Kết quả: {holds} phép khớp; {inconsistent} không khớp thật (các số không thể cùng đúng); {rounding} do "
              "cắt bớt chữ số khi in (không phải sai); {not_comparable} không so sánh được (hai vế đo những thứ khác "
              "nhau, ví dụ số xã trước và sau sáp nhập năm 2020). Phép kiểm tra dựa trên nguồn công khai ghi rõ nguồn.",
        "en": "Outcome: {holds} checks hold; {inconsistent} truly inconsistent (the figures cannot all be right); "
              "{rounding} from digits cut when printing (not wrong); {not_comparable} not comparable (the two sides "
              "measure different things, e.g. communes before and after the 2020 mergers). A check resting on a "
              "public source cites it.",
    },
    "c_outcome": {"vi": "Kết luận", "en": "Outcome"},
    "s_national": {"vi": "Cao Bằng so với cả nước", "en": "Cao Bằng beside the country"},
}

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
                                    key=lambda s: s.map(order) if s.name == "outcome" else s)
        return pd.DataFrame({
            t("c_check"): checks[f"description_{lang}"],
            t("c_printed"): checks["printed"],
            t("c_implied"): checks["implied"],
            t("c_tolerance"): checks["tolerance"],
            t("c_outcome"): [i18n.text(audit.LABELS, o, lang) for o in checks["outcome"]],
            t("c_note"): checks[f"note_{lang}"].fillna(""),
        })

    def audit(self):
        """What the checks found, as counts by outcome and the checks that do not hold; every check in the annex."""
        lang, t = self.lang, self.t
        checks = audit.run()
        failing = int((checks["status"] == "fail").sum())
        counts = audit.summary(checks)["outcomes"]
        full = self.audit_table()
        outcome = t("c_outcome")
        compact = full[full[outcome] != i18n.text(audit.LABELS, "holds", lang)][[t("c_check"), outcome, t("c_note")]]
        tally = pd.DataFrame({outcome: [i18n.text(audit.LABELS, o, lang) for o in counts],
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
        from . import gap

        counts = gap.bands(self.communes_frame)
        counts = counts.set_index("band")["communes"] if "band" in counts.columns else counts
        return pd.DataFrame({"band": BANDS, "communes": [int(counts.get(b, 0)) for b in BANDS]})
