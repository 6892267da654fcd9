"""The 2021–2025 target gap analysis report, section by section (the notebook only calls these methods).

Province targets and resources come from the report's own figures (`gap`); the commune-level sections come from
commune data, for the province or one district.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from . import charts, gap, i18n, report
from .page import Group, Page, source_line

LABELS = {
    "title": {
        "vi": "Phân tích khoảng cách mục tiêu nông thôn mới giai đoạn 2021–2025",
        "en": "NTM targets 2021–2025: gap analysis",
    },
    "lead": {
        "vi": "So sánh các mục tiêu đến năm 2025 với hiện trạng năm 2021 trong Báo cáo của Sở Nông nghiệp và PTNT "
        "tỉnh Cao Bằng ngày {date}, tốc độ cần đạt với tốc độ đã đạt, nguồn lực kế hoạch với nguồn lực đã huy "
        "động, và các xã còn thiếu tiêu chí nào.",
        "en": "The 2025 targets against the 2021 situation in the report of Cao Bằng's Department of Agriculture "
        "and Rural Development dated {date}: the pace needed against the pace achieved, planned against mobilised "
        "resources, and which communes lack which criteria.",
    },
    "h_standard_gap": {"vi": "Xã cần đạt chuẩn thêm đến 2025", "en": "More communes to meet the standard by 2025"},
    "h_pace": {"vi": "Tốc độ cần/đã đạt (xã/năm)", "en": "Pace needed / achieved (communes a year)"},
    "h_plan": {"vi": "Nguồn lực kế hoạch 2021–2025", "en": "Planned resources 2021–2025"},
    "h_credit": {"vi": "Tỷ trọng vốn tín dụng (kế hoạch)", "en": "Credit share of the plan"},
    "h_unit_standard": {"vi": "Xã đạt chuẩn", "en": "Communes meeting the standard"},
    "h_unit_average": {"vi": "Bình quân tiêu chí/xã", "en": "Average criteria per commune"},
    "h_unit_below15": {"vi": "Xã dưới 15 tiêu chí", "en": "Communes under 15 criteria"},
    "h_unit_near": {"vi": "Xã còn thiếu 1–2 tiêu chí", "en": "Communes 1–2 criteria short"},
    "n_from_to": {"vi": "từ {a} (2021) lên {b} (2025)", "en": "from {a} (2021) to {b} (2025)"},
    "n_category": {"vi": "Đánh giá: {c}", "en": "Assessment: {c}"},
    "n_vs": {"vi": "so với {x} tỷ đồng huy động 2017–2021", "en": "against VND {x} billion mobilised 2017–2021"},
    "n_credit": {"vi": "2017–2021: {x}%", "en": "2017–2021: {x}%"},
    "n_of": {"vi": "trên {n} xã", "en": "of {n} communes"},
    "n_year": {"vi": "dữ liệu cấp xã năm {y}", "en": "commune data, {y}"},
    "province_level": {
        "vi": "Các mục tiêu trong báo cáo là mục tiêu cấp tỉnh, không phân bổ cho huyện: bảng dưới là của toàn tỉnh.",
        "en": "The report's targets are province-wide, not split by district: the table below is for the province.",
    },
    "s_targets": {"vi": "1. Mục tiêu 2025 so với hiện trạng", "en": "1. 2025 targets against the baseline"},
    "s_pace": {"vi": "2. Tốc độ cần đạt và tốc độ đã đạt", "en": "2. Pace needed and pace achieved"},
    "s_resources": {"vi": "3. Nguồn lực 2021–2025 so với 2017–2021", "en": "3. Resources 2021–2025 against 2017–2021"},
    "s_communes": {"vi": "4. Mức đạt tiêu chí của các xã", "en": "4. Criteria met by commune"},
    "s_criteria": {"vi": "5. Tiêu chí chưa đạt", "en": "5. Criteria not yet met"},
    "s_nearest": {"vi": "6. Các xã gần đạt chuẩn nhất", "en": "6. Communes nearest the standard"},
    "s_trajectory": {"vi": "7. Diễn biến so với lộ trình đến mục tiêu", "en": "7. Path against the line to the target"},
    "p_targets": {
        "vi": "Chênh lệch là phần còn phải đạt từ mốc 2021; tốc độ cần đạt chia đều cho 4 năm 2022–2025. Đánh giá "
        "theo phương pháp Open SDG: R = tốc độ đã đạt / tốc độ cần đạt; đúng tiến độ khi R ≥ 0,95; cần đẩy nhanh "
        "khi 0,6 ≤ R < 0,95; tiến bộ hạn chế khi 0 ≤ R < 0,6; đi ngược khi R < 0; chưa đánh giá được khi thiếu "
        "số liệu.",
        "en": "The gap is what remains from the 2021 baseline; the pace needed spreads it over the four years "
        "2022–2025. Assessment by the Open SDG method: R = pace achieved / pace needed; on track when R ≥ 0.95; "
        "acceleration needed when 0.6 ≤ R < 0.95; limited progress when 0 ≤ R < 0.6; deterioration when R < 0; "
        "unable to assess when data are missing.",
    },
    "p_pace": {
        "vi": "Để đạt {target} xã chuẩn năm 2025, mỗi năm cần thêm {needed} xã, gấp {factor} lần tốc độ {achieved} "
        "xã/năm của giai đoạn 2017–2021; giữ tốc độ cũ thì đến năm {year} mới đạt.",
        "en": "To reach {target} standard communes by 2025, {needed} more communes a year are needed, {factor} times "
        "the pace of {achieved} a year achieved in 2017–2021; at the old pace the target is reached in {year}.",
    },
    "p_resources": {
        "vi": "Kế hoạch 2021–2025 cần {plan} tỷ đồng, gấp {ratio} lần tổng vốn huy động 2017–2021; vốn tín dụng "
        "chiếm {credit}% kế hoạch (2017–2021: {credit_before}%). Đối chiếu nguồn: ngân sách tỉnh ↔ ngân sách "
        "địa phương; vốn huy động khác ↔ doanh nghiệp.",
        "en": "The 2021–2025 plan needs VND {plan} billion, {ratio} times the funds mobilised in 2017–2021; credit is "
        "{credit}% of the plan (2017–2021: {credit_before}%). Sources matched: provincial budget ↔ local budget; "
        "other mobilised funds ↔ enterprises.",
    },
    "p_communes": {
        "vi": "{unit}: {n} xã, {standard} xã đạt chuẩn, bình quân {average} tiêu chí/xã, {below} xã dưới 15 tiêu chí.",
        "en": "{unit}: {n} communes, {standard} meeting the standard, {average} criteria per commune on average, "
        "{below} under 15 criteria.",
    },
    "p_heatmap": {
        "vi": "Mỗi hàng là một xã (xếp theo số tiêu chí đạt), mỗi cột là một tiêu chí.",
        "en": "Each row is a commune (ordered by criteria met), each column a criterion.",
    },
    "p_trajectory_one": {
        "vi": "Dữ liệu cấp xã chỉ có một năm ({year}): cần ít nhất hai năm để vẽ diễn biến.",
        "en": "The commune data cover one year only ({year}): a path needs at least two years.",
    },
    "p_trajectory_district": {
        "vi": "Báo cáo không có mục tiêu riêng cho huyện: biểu đồ chỉ thể hiện diễn biến quan sát.",
        "en": "The report sets no district targets: the chart shows the observed path only.",
    },
    "c_baseline": {"vi": "Hiện trạng", "en": "Baseline"},
    "c_target": {"vi": "Mục tiêu 2025", "en": "2025 target"},
    "c_gap": {"vi": "Chênh lệch", "en": "Gap"},
    "c_needed": {"vi": "Tốc độ cần/năm", "en": "Pace needed a year"},
    "c_achieved": {"vi": "Tốc độ đã đạt/năm", "en": "Pace achieved a year"},
    "c_r": {"vi": "R", "en": "R"},
    "c_category": {"vi": "Đánh giá", "en": "Assessment"},
    "c_note": {"vi": "Ghi chú", "en": "Note"},
    "c_reach": {"vi": "Năm đạt (tốc độ cũ)", "en": "Year reached (past pace)"},
    "c_source": {"vi": "Nguồn vốn", "en": "Source"},
    "c_mobilised": {"vi": "Huy động 2017–2021 (tỷ đồng)", "en": "Mobilised 2017–2021 (VND bn)"},
    "c_planned": {"vi": "Kế hoạch 2021–2025 (tỷ đồng)", "en": "Planned 2021–2025 (VND bn)"},
    "c_mobilised_year": {"vi": "Huy động/năm", "en": "Mobilised a year"},
    "c_planned_year": {"vi": "Kế hoạch/năm", "en": "Planned a year"},
    "c_ratio": {"vi": "Kế hoạch/huy động (lần)", "en": "Planned/mobilised (×)"},
    "c_district": {"vi": "Huyện", "en": "District"},
    "c_communes": {"vi": "Số xã", "en": "Communes"},
    "c_standard": {"vi": "Đạt chuẩn", "en": "Standard"},
    "c_average": {"vi": "Bình quân tiêu chí", "en": "Average criteria"},
    "c_below15": {"vi": "Dưới 15 tiêu chí", "en": "Under 15 criteria"},
    "c_band": {"vi": "Nhóm", "en": "Band"},
    "c_commune": {"vi": "Xã", "en": "Commune"},
    "c_met": {"vi": "Số tiêu chí đạt", "en": "Criteria met"},
    "c_to15": {"vi": "Thiếu để đạt 15", "en": "Short of 15"},
    "c_to19": {"vi": "Thiếu để đạt 19", "en": "Short of 19"},
    "c_missing": {"vi": "Tiêu chí còn thiếu", "en": "Criteria lacking"},
    "c_criterion": {"vi": "Tiêu chí", "en": "Criterion"},
    "c_unmet": {"vi": "Số xã chưa đạt", "en": "Communes not meeting it"},
    "c_share_unmet": {"vi": "Tỷ lệ chưa đạt (%)", "en": "Share not meeting it (%)"},
    "ch_progress": {"vi": "Hiện trạng 2021 và mục tiêu 2025", "en": "2021 baseline and 2025 target"},
    "ch_pace": {"vi": "Tốc độ cần đạt và đã đạt mỗi năm", "en": "Pace needed and achieved per year"},
    "ch_resources": {"vi": "Nguồn lực bình quân mỗi năm theo nguồn", "en": "Resources per year by source"},
    "ch_bands": {"vi": "Số xã theo số tiêu chí đạt", "en": "Communes by number of criteria met"},
    "ch_unmet": {"vi": "Số xã chưa đạt từng tiêu chí", "en": "Communes not meeting each criterion"},
    "ch_heatmap": {"vi": "Tiêu chí đạt/chưa đạt theo xã", "en": "Criteria met / not met by commune"},
    "ch_trajectory": {"vi": "Diễn biến và lộ trình đến mục tiêu 2025", "en": "Path and line to the 2025 target"},
    "s_needed": {"vi": "Cần đạt 2022–2025", "en": "Needed 2022–2025"},
    "s_achieved": {"vi": "Đã đạt 2017–2021", "en": "Achieved 2017–2021"},
    "s_mobilised": {"vi": "Huy động 2017–2021", "en": "Mobilised 2017–2021"},
    "s_planned": {"vi": "Kế hoạch 2021–2025", "en": "Planned 2021–2025"},
    "u_communes": {"vi": "xã", "en": "communes"},
    "u_communes_year": {"vi": "xã/năm", "en": "communes a year"},
    "u_billion_year": {"vi": "tỷ đồng/năm", "en": "VND billion a year"},
    "u_criteria": {"vi": "tiêu chí", "en": "criteria"},
    "billion": {"vi": "tỷ đồng", "en": "VND billion"},
}

# Pace chart: the count indicators whose pace is in communes a year.
PACE_INDICATORS = ("standard_communes", "below_15", "advanced_communes", "model_communes")


class GapReport(Page):
    """The 2021–2025 gap analysis for the province ("04") or one district."""

    kind = "gap"
    labels = LABELS
    source_topics = ("attainment_2021", "targets_2025", "funding_2017_2021", "resources_2021_2025")

    @cached_property
    def target_frame(self) -> pd.DataFrame:
        # Commune data fills baselines the report lacks, but synthetic data never stands in for a real baseline.
        return gap.province_targets(self.lang, None if self.synthetic else self.all_communes)

    @property
    def target_ids(self) -> list[str]:
        return _ids(self.target_frame["source"])

    # -- header ------------------------------------------------------------------------------------
    def headline_items(self) -> list[dict]:
        lang, t, n = self.lang, self.t, i18n.number
        if not self.province:
            s = self.commune_summary()
            near = gap.distance(self.communes_frame)
            near = int(((near["missing_to_19"] >= 1) & (near["missing_to_19"] <= 2)).sum())
            note = self.commune_note(t("n_year", y=s["year"]))
            return [
                {"label": t("h_unit_standard"), "value": n(s["standard"], lang, 0),
                 "note": self.commune_note(t("n_of", n=s["communes"]))},
                {"label": t("h_unit_average"), "value": n(s["average"], lang, 2), "note": note},
                {"label": t("h_unit_below15"), "value": n(s["below_15"], lang, 0), "note": note},
                {"label": t("h_unit_near"), "value": n(near, lang, 0), "note": note},
            ]
        row = self.target_frame.set_index("indicator").loc["standard_communes"]
        res = gap.resources(lang).set_index("source")
        credit = gap.credit_dependence()
        return [
            {"label": t("h_standard_gap"), "value": n(row["gap"], lang, 0),
             "note": t("n_from_to", a=n(row["baseline"], lang, 0), b=n(row["target"], lang, 0))},
            {"label": t("h_pace"), "value": f"{n(row['pace_needed'], lang, 2)} / {n(row['pace_achieved'], lang, 2)}",
             "note": t("n_category", c=row["category_label"])},
            {"label": t("h_plan"), "value": f"{n(res.at['total', 'planned'], lang, 1)} {t('billion')}",
             "note": t("n_vs", x=n(res.at["total", "mobilised"], lang, 1))},
            {"label": t("h_credit"), "value": i18n.percent(credit["2021-2025"], lang, 1),
             "note": t("n_credit", x=n(credit["2017-2021"], lang, 1))},
        ]

    # -- sections from the report's figures ---------------------------------------------------------
    def _decimals(self, indicator: str) -> int:
        """Counts print whole; averages and the income multiple print as the report does (2 decimals)."""
        return 2 if indicator in ("average_criteria", "income") else 0

    def target_rows(self) -> pd.DataFrame:
        """Each 2025 target against its baseline: what is left, and the Open SDG assessment."""
        tg, t, lang = self.target_frame, self.t, self.lang
        fmt = [lambda v, d=self._decimals(i): i18n.number(v, lang, d) for i in tg["indicator"]]
        return pd.DataFrame({
            t("c_indicator"): tg["label"],
            t("c_unit"): tg["unit"],
            t("c_baseline"): [f(v) for f, v in zip(fmt, tg["baseline"])],
            t("c_target"): [f(v) for f, v in zip(fmt, tg["target"])],
            t("c_gap"): [f(v) for f, v in zip(fmt, tg["gap"])],
            t("c_category"): tg["category_label"],
        })

    def pace_rows(self) -> pd.DataFrame:
        """Pace needed from 2021 against pace achieved 2016–2021, with R and the year reached at that pace."""
        tg, t, lang = self.target_frame, self.t, self.lang
        n = lambda v: i18n.number(v, lang, 2)  # noqa: E731
        return pd.DataFrame({
            t("c_indicator"): tg["label"],
            t("c_needed"): [f"{n(v)} {u}" if pd.notna(v) else "—" for v, u in zip(tg["pace_needed"], tg["pace_unit"])],
            t("c_achieved"): [n(v) for v in tg["pace_achieved"]],
            t("c_r"): [n(v) for v in tg["ratio"]],
            t("c_reach"): [str(int(v)) if pd.notna(v) else "—" for v in tg["reach_year"]],
            t("c_note"): tg["note"].fillna(""),
        })

    def targets(self) -> Group:
        lang, t = self.lang, self.t
        known = self.target_frame.dropna(subset=["baseline"])
        source = source_line(self.target_ids, lang)
        chart = charts.progress(known, indicator="label", baseline="baseline", target="target",
                                title=t("ch_progress"), unit=None, source=source, lang=lang)
        return self.section(
            "s_targets",
            None if self.province else report.note(t("province_level")),
            report.paragraph(t("p_targets")),
            report.figure(chart, lang=lang),
            report.table(self.target_rows(), lang=lang, source=source),
        )

    def pace(self) -> Group:
        lang, t, n = self.lang, self.t, i18n.number
        tg = self.target_frame.set_index("indicator")
        rows = []
        for ind in PACE_INDICATORS:
            r = tg.loc[ind]
            for series, column in (("s_needed", "pace_needed"), ("s_achieved", "pace_achieved")):
                if pd.notna(r[column]):
                    rows.append({"indicator": r["label"], "series": t(series), "value": abs(float(r[column]))})
        df = pd.DataFrame(rows)
        std = tg.loc["standard_communes"]
        text = t("p_pace", target=n(std["target"], lang, 0), needed=n(std["pace_needed"], lang, 2),
                 factor=n(std["acceleration"], lang, 2), achieved=n(std["pace_achieved"], lang, 2),
                 year=str(std["reach_year"]))
        return self.section(
            "s_pace",
            report.paragraph(text),
            report.table(self.pace_rows(), lang=lang, source=source_line(self.target_ids, lang)),
            report.figure(charts.grouped_bar(df, category="indicator", series="series", value="value",
                                             title=t("ch_pace"), unit=t("u_communes_year"),
                                             source=source_line(self.target_ids, lang), lang=lang, decimals=2),
                          lang=lang),
        )

    def resources(self) -> Group:
        lang, t, n = self.lang, self.t, i18n.number
        res = gap.resources(lang)
        ids = _ids(res["facts"])
        credit = gap.credit_dependence()
        total = res.set_index("source").loc["total"]
        long = pd.concat([
            pd.DataFrame({"label": res["label"], "series": t("s_mobilised"), "value": res["mobilised_per_year"]}),
            pd.DataFrame({"label": res["label"], "series": t("s_planned"), "value": res["planned_per_year"]}),
        ])
        long = long[long["label"] != total["label"]]
        shown = pd.DataFrame({
            t("c_source"): res["label"],
            t("c_mobilised"): res["mobilised"], t("c_planned"): res["planned"],
            t("c_mobilised_year"): res["mobilised_per_year"], t("c_planned_year"): res["planned_per_year"],
            t("c_ratio"): res["ratio"],
        })
        decimals = {c: 1 for c in shown.columns[1:]}
        decimals[t("c_ratio")] = 2
        return self.section(
            "s_resources",
            None if self.province else report.note(self.t("province_level")),
            report.paragraph(t("p_resources", plan=n(total["planned"], lang, 1), ratio=n(total["ratio"], lang, 2),
                               credit=n(credit["2021-2025"], lang, 1), credit_before=n(credit["2017-2021"], lang, 1))),
            report.figure(charts.grouped_bar(long, category="label", series="series", value="value",
                                             title=t("ch_resources"), unit=t("u_billion_year"),
                                             source=source_line(ids, lang), lang=lang, decimals=1), lang=lang),
            report.table(shown, lang=lang, source=source_line(ids, lang), number_format=decimals),
        )

    # -- sections from commune data ---------------------------------------------------------------------
    def communes(self) -> Group:
        lang, t, n = self.lang, self.t, i18n.number
        frame = gap.latest(self.communes_frame)
        s = gap.summary(frame)
        bands = gap.bands(frame, lang)
        parts = [
            report.paragraph(t("p_communes", unit=self.unit_name, n=n(s["communes"], lang, 0),
                               standard=n(s["standard"], lang, 0), average=n(s["average"], lang, 2),
                               below=n(s["below_15"], lang, 0))),
            report.figure(charts.bar(bands.assign(text=[n(v, lang, 0) for v in bands["communes"]]),
                                     category="label", value="communes", label="text", sort=list(bands["label"]),
                                     title=t("ch_bands"), unit=t("u_communes"), source=self.commune_source(),
                                     lang=lang), lang=lang),
        ]
        if self.province:
            parts.append(report.table(self.district_table(frame), lang=lang, source=self.commune_source(),
                                      number_format={t("c_average"): 2}))
        return self.section("s_communes", *parts)

    def district_table(self, frame: pd.DataFrame) -> pd.DataFrame:
        t, rows = self.t, []
        for (code, name), part in frame.groupby(["district_code", "district_name"], sort=True):
            s = gap.summary(part)
            rows.append({t("c_district"): name, t("c_communes"): s["communes"], t("c_standard"): s["standard"],
                         t("c_average"): float(s["average"]), t("c_below15"): s["below_15"]})
        return pd.DataFrame(rows)

    def criteria(self) -> Group:
        lang, t = self.lang, self.t
        frame = gap.latest(self.communes_frame)
        unmet = gap.unmet_by_criterion(frame, lang)
        heat = gap.heatmap_data(frame, lang)
        shown = pd.DataFrame({t("c_criterion"): unmet["label"], t("c_unmet"): unmet["communes_unmet"],
                              t("c_share_unmet"): unmet["share_unmet"]})
        return self.section(
            "s_criteria",
            report.figure(charts.bar(unmet.assign(text=[i18n.number(v, lang, 0) for v in unmet["communes_unmet"]]),
                                     category="label", value="communes_unmet", label="text",
                                     title=t("ch_unmet"), unit=t("u_communes"), source=self.commune_source(),
                                     lang=lang), lang=lang),
            report.paragraph(t("p_heatmap")),
            report.figure(charts.heatmap(heat, row="commune_label", column="criterion_label", value="met",
                                         title=t("ch_heatmap"), source=self.commune_source(), lang=lang), lang=lang),
            report.table(shown, lang=lang, number_format={t("c_share_unmet"): 1}),
        )

    def nearest(self) -> Group:
        lang, t = self.lang, self.t
        near = gap.nearest(gap.latest(self.communes_frame), 10, lang)
        dist = gap.distance(gap.latest(self.communes_frame)).set_index("commune_code")
        shown = pd.DataFrame({
            t("c_commune"): near["commune_name"], t("c_district"): near["district_name"],
            t("c_met"): near["criteria_met"].astype(int),
            t("c_to15"): [int(dist.at[c, "missing_to_15"]) for c in near["commune_code"]],
            t("c_to19"): near["missing"].astype(int),
            t("c_missing"): near["missing_criteria"],
        })
        return self.section("s_nearest", report.table(shown, lang=lang, source=self.commune_source()))

    def trajectory(self) -> Group:
        lang, t = self.lang, self.t
        years = sorted(self.communes_frame["year"].unique())
        if len(years) < 2:
            return self.section("s_trajectory", report.note(t("p_trajectory_one", year=years[0] if years else "—")))
        path = gap.trajectory(self.communes_frame, self.target_frame, lang)
        parts = []
        if not self.province:
            path = path[path["series"] == "observed"]
            parts.append(report.note(t("p_trajectory_district")))
        for indicator, part in path.groupby("indicator", sort=False):
            parts.append(report.figure(charts.trajectory(
                part, year="year", value="value", series="series_label", title=f"{t('ch_trajectory')}: {part['label'].iloc[0]}",
                unit=None, source=self.commune_source(), lang=lang,
                dashed=[s for s in part["series_label"].unique() if s != part.loc[part["series"] == "observed", "series_label"].iloc[0]],
                decimals=2), lang=lang))
        return self.section("s_trajectory", *parts)



def _ids(sources: pd.Series) -> list[str]:
    """Fact ids from comma-separated source columns, in a stable order (commune-data sources left out)."""
    return sorted({i.strip() for text in sources for i in str(text).split(",") if i.strip() and ":" not in i})
