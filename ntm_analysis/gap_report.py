"""The 2021–2025 target gap analysis report, section by section (the notebook only calls these methods).

Province targets and resources come from the report's own figures (`gap`); the commune-level sections come from
commune data, for the province or one district.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from . import charts, context, findings, gap, i18n, lineage, progress, release, report
from . import page
from .page import Group, Page, source_line

LABELS = {
    "title": {
        "vi": "Phân tích khoảng cách mục tiêu nông thôn mới giai đoạn 2021–2025",
        "en": "NTP-NRD targets 2021–2025: gap analysis",
    },
    "lead": {
        "vi": "So sánh các mục tiêu đến năm 2025 với hiện trạng năm 2021 trong Báo cáo của Sở Nông nghiệp và PTNT "
        "tỉnh Cao Bằng ngày {date}, tốc độ cần đạt với tốc độ đã đạt, nguồn lực kế hoạch với nguồn lực đã huy "
        "động, và các xã còn thiếu tiêu chí nào.",
        "en": "The 2025 targets against the 2021 situation in the report of Cao Bằng's Department of Agriculture "
        "and Rural Development dated {date}: the pace needed against the pace achieved, planned against mobilised "
        "resources, and which communes lack which criteria.",
    },
    "h_plan": {"vi": "Nguồn lực kế hoạch 2021–2025", "en": "Planned resources 2021–2025"},
    "h_credit": {"vi": "Tỷ trọng vốn tín dụng (kế hoạch)", "en": "Credit share of the plan"},
    "h_unit_standard": {"vi": "Xã đạt chuẩn", "en": "Communes meeting the standard"},
    "h_unit_average": {"vi": "Bình quân tiêu chí/xã", "en": "Average criteria per commune"},
    "h_unit_below15": {"vi": "Xã dưới 15 tiêu chí", "en": "Communes under 15 criteria"},
    "h_unit_near": {"vi": "Xã còn thiếu 1–2 tiêu chí", "en": "Communes 1–2 criteria short"},
    "n_vs": {"vi": "so với {x} tỷ đồng huy động 2017–2021", "en": "against {x} billion VND mobilised 2017–2021"},
    "n_credit": {"vi": "2017–2021: {x}%", "en": "2017–2021: {x}%"},
    "n_of": {"vi": "trên {n} xã", "en": "of {n} communes"},
    "n_year": {"vi": "dữ liệu cấp xã năm {y}", "en": "commune data, {y}"},
    "province_level": {
        "vi": "Các mục tiêu số xã trong báo cáo là mục tiêu cấp tỉnh, không phân bổ cho huyện: bảng dưới là của toàn "
        "tỉnh (mục tiêu riêng của huyện, nếu có, ở mục 4).",
        "en": "The report's commune targets are province-wide, not split by district: the table below is for the "
        "province (a district's own target, if any, is in section 4).",
    },
    "s_targets": {"vi": "1. Mục tiêu 2025 so với hiện trạng", "en": "1. 2025 targets against the baseline"},
    "s_pace": {"vi": "2. Tốc độ cần đạt và tốc độ đã đạt", "en": "2. Pace needed and pace achieved"},
    "s_resources": {"vi": "3. Nguồn lực 2021–2025 so với 2017–2021", "en": "3. Resources 2021–2025 against 2017–2021"},
    "s_communes": {"vi": "4. Mức đạt tiêu chí của các xã", "en": "4. Criteria met by commune"},
    "s_criteria": {"vi": "5. Tiêu chí chưa đạt", "en": "5. Criteria not yet met"},
    "s_nearest": {"vi": "6. Các xã gần đạt chuẩn nhất", "en": "6. Communes nearest the standard"},
    "s_trajectory": {"vi": "7. Diễn biến so với lộ trình đến mục tiêu", "en": "7. Path against the line to the target"},
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
        "vi": "Báo cáo không đặt mục tiêu số xã theo từng năm cho huyện (mục tiêu cấp huyện, nếu có, ở mục 4): biểu "
        "đồ chỉ thể hiện diễn biến quan sát.",
        "en": "The report sets no year-by-year commune targets for districts (a district's own target, if any, is in "
        "section 4): the chart shows the observed path only.",
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
    "c_mobilised": {"vi": "Huy động 2017–2021 (tỷ đồng)", "en": "Mobilised 2017–2021 (billion VND)"},
    "c_planned": {"vi": "Kế hoạch 2021–2025 (tỷ đồng)", "en": "Planned 2021–2025 (billion VND)"},
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
    "ch_resources": {"vi": "Nguồn lực bình quân mỗi năm: ngân sách nhà nước và ngoài ngân sách",
                     "en": "Resources per year: state budget and non-budget"},
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
    "u_billion_year": {"vi": "tỷ đồng/năm", "en": "billion VND a year"},
    "u_criteria": {"vi": "tiêu chí", "en": "criteria"},
    "billion": {"vi": "tỷ đồng", "en": "billion VND"},
    # criteria sets (section 1)
    "h_standard_gap_new": {"vi": "Xã cần đạt chuẩn thêm đến 2025 (bộ tiêu chí 2021–2025)",
                           "en": "More communes to meet the standard by 2025 (2021–2025 criteria set)"},
    "n_gap_old": {"vi": "bộ 2016–2020 (từ 17 xã năm 2021): {x}", "en": "2016–2020 set (from 17 in 2021): {x}"},
    "h_pace_new": {"vi": "Tốc độ cần đạt 2023–2025 (xã/năm, bộ 2021–2025)",
                   "en": "Pace needed 2023–2025 (communes a year, 2021–2025 set)"},
    "n_pace_windows": {"vi": "đã đạt: {a}/năm trước sáp nhập (2018–2019), {b}/năm sau (2019–2021)",
                       "en": "achieved: {a} a year before the mergers (2018–2019), {b} after (2019–2021)"},
    "s_sets": {"vi": "Khoảng cách theo từng bộ tiêu chí", "en": "The gap on each criteria set"},
    "c_start": {"vi": "Mốc xuất phát", "en": "Starting point"},
    "c_set": {"vi": "Bộ tiêu chí của mốc", "en": "Criteria set of the start"},
    "c_start_value": {"vi": "Giá trị", "en": "Value"},
    "c_years": {"vi": "Số năm", "en": "Years"},
    "c_window": {"vi": "Khoảng thời gian", "en": "Window"},
    "c_method": {"vi": "Phương pháp", "en": "Method"},
    "c_read": {"vi": "Đọc", "en": "Read"},
    "p_sets_targets": {
        "vi": "Các mục tiêu 2025 đặt trên bộ tiêu chí 2021–2025 (QĐ 318/QĐ-TTg). Bảng dưới đặt chúng cạnh hai mốc "
              "xuất phát, mỗi mốc theo bộ tiêu chí của nó; tốc độ cần đạt = chênh lệch ÷ số năm còn lại đến cuối 2025.",
        "en": "The 2025 targets are set on the 2021–2025 criteria set (QĐ 318/QĐ-TTg). The table sets them against two "
              "starting points, each on its own criteria set; pace needed = gap ÷ years left to end-2025.",
    },
    # progress methods (section 2)
    "s_all_targets": {"vi": "Tất cả các mục tiêu 2025 so với hiện trạng trong báo cáo",
                      "en": "Every 2025 target against the report's baseline"},
    "s_pace_table": {"vi": "Tốc độ cần đạt theo từng mục tiêu (điều chỉnh, tuyến tính)",
                     "en": "Pace needed by target (adapted, linear)"},
    "c_criteria_set": {"vi": "Bộ tiêu chí", "en": "Criteria set"},
    "s_windows": {"vi": "Tốc độ theo từng giai đoạn (xã đạt chuẩn)", "en": "Pace by window (standard communes)"},
    "s_methods": {"vi": "Open SDG như công bố và phương pháp điều chỉnh (tuyến tính)",
                  "en": "Open SDG as published and the adapted (linear) method"},
    "c_series": {"vi": "Chuỗi số liệu", "en": "Series"},
    "c_base": {"vi": "Năm gốc → năm gần nhất", "en": "Base year → latest"},
    "c_observed": {"vi": "Tốc độ đã đạt", "en": "Observed pace"},
    "c_required": {"vi": "Tốc độ cần", "en": "Required pace"},
    "c_agree": {"vi": "Hai phương pháp", "en": "The two methods"},
    "c_kind": {"vi": "Loại", "en": "Kind"},
    "c_pace_year": {"vi": "Xã/năm", "en": "Communes a year"},
    "c_origin": {"vi": "Nguồn", "en": "Origin"},
    "k_achieved": {"vi": "đã đạt", "en": "achieved"},
    "k_needed": {"vi": "cần đạt", "en": "needed"},
    "p_methods": {
        "vi": "Open SDG (như công bố): R = tăng trưởng kép đã đạt từ năm gốc ÷ tăng trưởng kép cần từ năm gốc đến mục "
              "tiêu; giá trị 0 thay bằng 0,001; đúng tiến độ khi R ≥ 0,95, có tiến bộ nhưng cần đẩy nhanh khi "
              "0,6 ≤ R < 0,95, tiến bộ hạn chế khi 0 ≤ R < 0,6, đi ngược khi R < 0. Tốc độ kép tính bằng tỷ lệ/năm, "
              "tốc độ tuyến tính bằng xã/năm.",
        "en": "Open SDG (as published): R = compound growth achieved from the base year ÷ compound growth needed from "
              "the base year to the target; zero values replaced by 0.001; on track when R ≥ 0.95, progress made "
              "but acceleration needed when 0.6 ≤ R < 0.95, limited progress when 0 ≤ R < 0.6, deterioration when "
              "R < 0. Compound paces are rates a year, linear ones communes a year.",
    },
    "p_targets_method": {
        "vi": "Đánh giá trong bảng dùng phương pháp điều chỉnh (tuyến tính) của Open SDG: R = tốc độ đã đạt ÷ tốc độ "
              "cần đạt (đơn vị/năm), ngưỡng như Open SDG (0,95; 0,6; 0). Các số theo bộ tiêu chí của báo cáo "
              "(2016–2020) cho năm 2021; mục tiêu theo bộ 2021–2025.",
        "en": "The assessment uses the adapted (linear) Open SDG method: R = pace achieved ÷ pace needed (units a "
              "year), Open SDG's thresholds (0.95, 0.6, 0). 2021 values are on the report's criteria set "
              "(2016–2020); the targets on the 2021–2025 set.",
    },
    # funding (section 3)
    "p_funding_like": {
        "vi": "So sánh cùng loại: ngân sách nhà nước và ngoài ngân sách, mỗi giai đoạn theo cách báo cáo phân loại. "
              "Kế hoạch 2021–2025 cần {plan} tỷ đồng, gấp {ratio} lần 2017–2021; ngân sách nhà nước gấp {state} lần, "
              "ngoài ngân sách gấp {non} lần.",
        "en": "Like with like: state budget and non-budget, each period as the report classifies it. The 2021–2025 "
              "plan needs {plan} billion VND, {ratio} times 2017–2021; state budget {state} times, non-budget {non} "
              "times.",
    },
    "c_pace_years": {"vi": "Kế hoạch/năm trên {n} năm {a}–{b}", "en": "Planned a year over {n} years {a}–{b}"},
    "c_comparable": {"vi": "Cùng nghĩa hai giai đoạn", "en": "Same meaning in both periods"},
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
    # recognition, register, district targets
    "s_recognition": {"vi": "Công nhận đạt chuẩn và duy trì tiêu chí", "en": "Recognition and criteria maintained"},
    "p_recognition": {
        "vi": "Xã đã được công nhận (đạt chuẩn trở lên) mà chưa duy trì đủ 19 tiêu chí vẫn là xã đã công nhận; "
              "đây là một phát hiện, không phải lỗi dữ liệu. {unit}: {n} xã đã công nhận, {k} xã chưa duy trì đủ.",
        "en": "A commune recognised (standard or above) that no longer meets all 19 criteria is still recognised; "
              "this is a finding, not a data error. {unit}: {n} recognised communes, {k} not maintaining every "
              "criterion.",
    },
    "c_recognised": {"vi": "Đã công nhận", "en": "Recognised"},
    "c_not_maintaining": {"vi": "Chưa duy trì đủ 19 tiêu chí", "en": "Not maintaining all 19"},
    "s_register": {"vi": "Các xã được công nhận năm 2018–2019 và sáp nhập năm 2020",
                   "en": "Communes recognised in 2018–2019 and the 2020 mergers"},
    "c_year": {"vi": "Năm công nhận", "en": "Year recognised"},
    "c_decision": {"vi": "Quyết định", "en": "Decision"},
    "c_code": {"vi": "Mã 2021", "en": "2021 code"},
    "c_fate": {"vi": "Sau sáp nhập", "en": "After the mergers"},
    "s_district_target": {"vi": "Mục tiêu của đơn vị đến năm 2025", "en": "The unit's 2025 target"},
    "p_district_target": {
        "vi": "Báo cáo (chú thích 1, Phần II mục I.2): {unit} {target} đến năm 2025 — tức là tất cả {n} xã của đơn vị "
              "phải đạt chuẩn. Theo bộ tiêu chí 2021–2025 năm 2022 chưa xã nào của tỉnh đạt chuẩn, nên cần {n} xã "
              "trong {years} năm ({pace} xã/năm). {data}",
        "en": "The report (footnote 1, Part II item I.2): {unit} {target} by 2025 — every one of its {n} communes must "
              "meet the standard. On the 2021–2025 set no commune of the province met it in 2022, so {n} communes are "
              "needed in {years} years ({pace} a year). {data}",
    },
    "p_district_target_data": {
        "vi": "Theo dữ liệu cấp xã năm {year} ({set_label}): {standard} xã đạt chuẩn, còn {more} xã, {pace} xã/năm "
              "đến 2025.",
        "en": "In the commune data for {year} ({set_label}): {standard} communes at the standard, {more} to go, "
              "{pace} a year to 2025.",
    },
    "p_district_done": {"vi": "Nguồn công khai: {unit} {status} ({title}; xem Nguồn).",
                        "en": "Public source: {unit} {status} ({title}; see Sources)."},
    "p_no_district_target": {"vi": "Báo cáo không đặt mục tiêu cấp huyện cho {unit}.",
                             "en": "The report sets no district-level target for {unit}."},
    # national context
    "s_national": {"vi": "Cao Bằng so với cả nước", "en": "Cao Bằng beside the country"},
    "c_share": {"vi": "Tỷ lệ xã đạt chuẩn (%)", "en": "Share of communes at the standard (%)"},
    "o_report": {"vi": "báo cáo", "en": "report"},
    "o_context": {"vi": "nguồn công khai (xem Nguồn)", "en": "public source (see Sources)"},
    # context sources
    "s_context_sources": {"vi": "Nguồn công khai ngoài báo cáo (bối cảnh)", "en": "Public sources beyond the report (context)"},
    "p_context_sources": {
        "vi": "Các số liệu bối cảnh dưới đây không có trong báo cáo; mỗi dòng ghi trang nguồn, địa chỉ và câu trích "
              "nguyên văn, và không được trộn với số liệu của báo cáo.",
        "en": "The context figures below are not in the report; each row gives its page, address and verbatim quote, "
              "and they are never mixed with the report's figures.",
    },
    "c_as_of": {"vi": "Thời điểm", "en": "As of"},
    "c_title": {"vi": "Trang nguồn", "en": "Source page"},
    "c_url": {"vi": "Địa chỉ", "en": "Address"},
}



class GapReport(Page):
    """The 2021–2025 gap analysis for the province ("04") or one district."""

    kind = "gap"
    labels = LABELS
    source_topics = ("attainment_2021", "targets_2025", "funding_2017_2021", "resources_2021_2025")

    contents_keys = ("s_targets", "s_pace", "s_resources", "s_communes", "s_criteria", "s_nearest", "s_trajectory")

    def findings(self) -> list:
        return findings.gap_province() if self.province else findings.district(self.unit, self.all_communes)

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
        sets = gap.criteria_set_gap(lang).set_index(["baseline", "indicator"])
        new, old = sets.loc[("base_2022_new", "standard_communes")], sets.loc[("base_2021_old", "standard_communes")]
        windows = gap.pace_windows(lang).set_index("window")
        res = gap.resources(lang).set_index("source")
        credit = gap.credit_dependence()
        return [
            {"label": t("h_standard_gap_new"), "value": n(new["gap"], lang, 0),
             "note": t("n_gap_old", x=n(old["gap"], lang, 0))},
            {"label": t("h_pace_new"), "value": n(new["pace_needed"], lang, 2),
             "note": t("n_pace_windows", a=n(windows.at["w_before", "pace"], lang, 1),
                       b=n(windows.at["w_after", "pace"], lang, 1))},
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
        """Each 2025 target against its baseline (criteria set and window named): what is left, and the adapted
        (linear) Open SDG assessment."""
        tg, t, lang = self.target_frame, self.t, self.lang
        fmt = [lambda v, d=self._decimals(i): i18n.number(v, lang, d) for i in tg["indicator"]]
        return pd.DataFrame({
            t("c_indicator"): tg["label"],
            t("c_unit"): tg["unit"],
            t("c_baseline"): [f(v) for f, v in zip(fmt, tg["baseline"])],
            t("c_target"): [f(v) for f, v in zip(fmt, tg["target"])],
            t("c_gap"): [f(v) for f, v in zip(fmt, tg["gap"])],
            t("c_criteria_set"): [i18n.text(gap.LABELS, f"set_{c}", lang) if c else "—"
                                  for c in tg["baseline_criteria_set"]],
            t("c_window"): [w or "—" for w in tg["window"]],
            t("c_category"): tg["category_label"],
        })

    def pace_rows(self) -> pd.DataFrame:
        """Pace needed from the baseline, against the pace achieved where an earlier observation exists, with R and
        the year reached at that pace (adapted, linear)."""
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
            *self.criteria_sets().parts,
            report.heading(t("s_all_targets"), 3),
            report.paragraph(t("p_targets_method")),
            report.figure(chart, lang=lang),
            report.note(t("p_tables_in_annex")),
            *self.national().parts,
        )

    # -- the gap on each criteria set, national context ----------------------------------------------
    def criteria_set_rows(self) -> pd.DataFrame:
        g, t, lang = gap.criteria_set_gap(self.lang), self.t, self.lang
        d = [2 if i == "average_criteria" else 0 for i in g["indicator"]]
        return pd.DataFrame({
            t("c_indicator"): g["label"],
            t("c_start"): g["baseline_label"],
            t("c_set"): g["criteria_set_label"],
            t("c_start_value"): [i18n.number(v, lang, k) for v, k in zip(g["start"], d)],
            t("c_target"): [i18n.number(v, lang, k) for v, k in zip(g["target"], d)],
            t("c_gap"): [i18n.number(v, lang, k) for v, k in zip(g["gap"], d)],
            t("c_window"): g["window"],
            t("c_needed"): [i18n.number(v, lang, 2) for v in g["pace_needed"]],
            t("c_method"): g["method"],
            t("c_read"): [i18n.text(gap.LABELS, "read_this", lang) if r else "" for r in g["read"]],
        })

    def criteria_set_source(self) -> str:
        g = gap.criteria_set_gap(self.lang)
        ids = _ids(g.loc[g["origin"] == "report", "source"])
        return f"{source_line(ids, self.lang)}; {self.t('o_context')}"

    def criteria_sets(self) -> Group:
        """The 2025 targets (2021–2025 set) against the 2021 status (old set) and the 2022 status (new set)."""
        t, lang = self.t, self.lang
        return Group(
            report.heading(t("s_sets"), 3),
            report.paragraph(t("p_sets_targets")),
            report.paragraph(i18n.text(gap.LABELS, "read_new_set", lang)),
            report.table(self.criteria_set_rows(), lang=lang, source=self.criteria_set_source()),
        )

    def national(self) -> Group:
        """Cao Bằng beside the country (share of communes at the standard), each figure with its origin."""
        return national_group(self.lang)

    def pace(self) -> Group:
        """Pace by window around the 2020 mergers, the recognition register, and Open SDG beside the adapted method."""
        w = gap.pace_windows("vi").set_index("window")["pace"]
        n = lambda v: release.fmt("pace", v, self.lang)  # noqa: E731
        lead = report.paragraph(self.t("p_pace", before=n(w["w_before"]), after=n(w["w_after"]),
                                       needed_old=n(w["w_needed_old"]), needed_new=n(w["w_needed_new"])))
        return self.section("s_pace", lead, *self.windows().parts, report.note(self.t("p_pace_in_annex")))

    def full_tables(self) -> Group:
        """Annex A: every target with its assessment, the pace by target, the recognition register and the two
        progress methods side by side (the sections show the main figures)."""
        lang, t = self.lang, self.t
        source = source_line(self.target_ids, lang)
        return Group(release.heading(t("annex_tables"), 3, "annex-tables"),
                     report.heading(t("s_all_targets"), 3),
                     report.table(self.target_rows(), lang=lang, source=source),
                     report.heading(t("s_pace_table"), 3),
                     report.table(self.pace_rows(), lang=lang, source=source),
                     *self.register().parts, *self.methods().parts,
                     report.heading(t("s_resources_table"), 3), self.resources_table(full=True))

    def windows(self) -> Group:
        t, lang = self.t, self.lang
        w = gap.pace_windows(lang)
        shown = pd.DataFrame({
            t("c_window"): w["label"],
            t("c_kind"): [t(f"k_{k}") for k in w["kind"]],
            t("c_set"): w["criteria_set_label"],
            t("c_base"): [f"{a} ({i18n.number(x, lang, 0)}) → {b} ({i18n.number(y, lang, 0)})"
                          for a, x, b, y in zip(w["start_year"], w["start"], w["end_year"], w["end"])],
            t("c_pace_year"): [i18n.number(v, lang, 2) for v in w["pace"]],
            t("c_origin"): w["origin"],
        })
        ids = _ids(w["source"])
        return Group(
            report.heading(t("s_windows"), 3),
            report.table(shown, lang=lang, source=f"{source_line(ids, lang)}; {t('o_context')}"),
            report.note(i18n.text(gap.LABELS, "derived_2016_dropped", lang)),
        )

    def register(self) -> Group:
        """The communes recognised in 2018 and 2019 (public decisions) and what the 2020 mergers did to them."""
        t, lang = self.t, self.lang
        reg = lineage.register(lang)
        shown = pd.DataFrame({
            t("c_year"): reg["year"].astype(str), t("c_commune"): reg["commune"], t("c_district"): reg["district"],
            t("c_decision"): reg["decision"], t("c_code"): reg["code_2021"], t("c_fate"): reg["fate"],
        })
        return Group(report.heading(t("s_register"), 3),
                     report.table(shown, lang=lang, source=t("o_context")))

    def methods(self) -> Group:
        t, lang = self.t, self.lang
        m = gap.methods_compared(lang)
        rate = lambda v, method: "—" if pd.isna(v) else (  # noqa: E731
            i18n.percent(100 * v, lang, 2) if method == progress.OPEN_SDG else i18n.number(v, lang, 2))
        shown = pd.DataFrame({
            t("c_series"): m["series_label"],
            t("c_method"): m["method_label"],
            t("c_base"): [f"{a} → {b}" for a, b in zip(m["base_year"], m["current_year"])],
            t("c_observed"): [rate(v, k) for v, k in zip(m["observed"], m["method"])],
            t("c_required"): [rate(v, k) for v, k in zip(m["required"], m["method"])],
            t("c_r"): ["—" if pd.isna(v) else i18n.number(v, lang, 2) for v in m["ratio"]],
            t("c_category"): m["category_label"],
            t("c_agree"): m["agree_label"],
        })
        ids = ["target_2025_standard", "results_2019_standard", "attainment_2021_standard",
               "attainment_2021_new_standard"]
        return Group(
            report.heading(t("s_methods"), 3),
            report.paragraph(t("p_methods")),
            report.paragraph(i18n.text(progress.LABELS, "adapted_reason", lang)),
            report.table(shown, lang=lang, source=f"{source_line(ids, lang)}; {t('o_context')}"),
        )

    def resources_rows(self) -> pd.DataFrame:
        """Mobilised and planned per source and group, per year and per year of the plan's pace, the multiple,
        whether the category means the same in both periods, and notes (tỷ đồng throughout)."""
        lang, t, n = self.lang, self.t, i18n.number
        f = gap.funding_like_with_like(lang)
        years = gap.PERIOD[1] - gap.REPORT_YEAR
        pace_col = t("c_pace_years", n=years, a=gap.REPORT_YEAR + 1, b=gap.PERIOD[1])
        return pd.DataFrame({
            t("c_source"): f["label"],
            t("c_mobilised"): f["mobilised"], t("c_planned"): f["planned"],
            t("c_mobilised_year"): f["mobilised_per_year"], t("c_planned_year"): f["planned_per_year"],
            pace_col: f["planned_per_pace_year"],
            t("c_ratio"): ["—" if pd.isna(v) else n(v, lang, 2) for v in f["ratio"]],
            t("c_comparable"): [t("yes") if c else t("no") for c in f["comparable"]],
            t("c_note"): f["note"],
        })

    def resources_table(self, *, full: bool) -> report.Table:
        """The resources table: compact in the section (source, mobilised, planned, multiple), full in annex A."""
        shown = self.resources_rows()
        if not full:
            shown = shown[shown.columns[[0, 1, 2, 6]]]
        ids = _ids(gap.funding_like_with_like(self.lang)["facts"])
        money = [c for c in shown.columns[1:6] if c != self.t("c_ratio")]
        return report.table(shown, lang=self.lang, source=source_line(ids, self.lang),
                            number_format={c: 1 for c in money})

    def resources(self) -> Group:
        """Resources like with like: state budget and non-budget per period and per year; no ratio across a
        category whose meaning changed; credit described as what it is."""
        lang, t, n = self.lang, self.t, i18n.number
        f = gap.funding_like_with_like(lang)
        ids = _ids(f["facts"])
        groups = f.set_index("source")
        chart_rows = f[f["level"] == "group"]
        chart_rows = chart_rows[chart_rows["source"] != "total"]
        long = pd.concat([
            pd.DataFrame({"label": chart_rows["label"], "series": t("s_mobilised"), "value": chart_rows["mobilised_per_year"]}),
            pd.DataFrame({"label": chart_rows["label"], "series": t("s_planned"), "value": chart_rows["planned_per_year"]}),
        ])
        return self.section(
            "s_resources",
            None if self.province else report.note(self.t("province_level")),
            report.paragraph(t("p_funding_like", plan=n(groups.at["total", "planned"], lang, 1),
                               ratio=n(groups.at["total", "ratio"], lang, 2),
                               state=n(groups.at["state_budget", "ratio"], lang, 2),
                               non=n(groups.at["non_budget", "ratio"], lang, 2))),
            report.note(gap.funding_overlap_note(lang)),
            report.figure(charts.grouped_bar(long, category="label", series="series", value="value",
                                             title=t("ch_resources"), unit=t("u_billion_year"),
                                             source=source_line(ids, lang), lang=lang, decimals=1), lang=lang),
            self.resources_table(full=False),
            report.note(t("p_resources_in_annex")),
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
        return self.section("s_communes", *parts, *self.district_targets().parts, *self.recognition().parts)

    def recognition(self) -> Group:
        """Recognised communes not maintaining every criterion, per district (from commune data)."""
        t, lang = self.t, self.lang
        counts = gap.recognised_not_maintaining(self.communes_frame)
        shown = pd.DataFrame({
            t("c_district"): [gap.reference.display_name(n) for n in counts["district_name"]],
            t("c_criteria_set"): [i18n.text(gap.LABELS, f"set_{c}", lang) for c in counts["criteria_set"]],
            t("c_recognised"): counts["recognised"].astype(int),
            t("c_not_maintaining"): counts["not_maintaining"].astype(int),
        })
        text = t("p_recognition", unit=self.unit_name, n=i18n.number(int(counts["recognised"].sum()), lang, 0),
                 k=i18n.number(int(counts["not_maintaining"].sum()), lang, 0))
        text = f"{text} ({t('synthetic_short')})" if self.synthetic else text
        return Group(report.heading(t("s_recognition"), 3), report.paragraph(text),
                     report.table(shown, lang=lang, source=self.commune_source()))

    def district_targets(self) -> Group:
        """The unit's own 2025 target (footnote 1) and what it implies; the province page lists the three."""
        t, lang, n = self.t, self.lang, i18n.number
        units = list(gap.facts.district_targets()["district_code"]) if self.province else [self.unit]
        done = lineage.district_completions(lang).set_index("district_code")
        parts = [report.heading(t("s_district_target"), 3)]
        for unit in units:
            target = gap.district_target(unit, self.all_communes, lang)
            name = gap.reference.unit_name(unit, lang)
            if target is None:
                parts.append(report.paragraph(t("p_no_district_target", unit=name)))
                continue
            data = ""
            if target["more"] is not None:
                data = t("p_district_target_data", year=target["from_year"],
                         set_label=i18n.text(gap.LABELS, f"set_{target['criteria_set']}", lang),
                         standard=n(target["standard"], lang, 0), more=n(target["more"], lang, 0),
                         pace=n(target["pace"], lang, 2))
                data = self.commune_note(data) if self.synthetic else data
            parts.append(report.paragraph(t("p_district_target", unit=name, target=target["target_label"],
                                            n=n(target["communes"], lang, 0), years=target["years_new_set"],
                                            pace=n(target["pace_new_set"], lang, 2), data=data)))
            if unit in done.index:  # a public source says the unit has already done it
                parts.append(report.note(t("p_district_done", unit=name, status=done.at[unit, "status"],
                                           title=done.at[unit, "source_title"])))
        return Group(*parts)

    def district_table(self, frame: pd.DataFrame) -> pd.DataFrame:
        t, rows = self.t, []
        for (code, name), part in frame.groupby(["district_code", "district_name"], sort=True):
            s = gap.summary(part)
            rows.append({t("c_district"): gap.reference.display_name(name), t("c_communes"): s["communes"], t("c_standard"): s["standard"],
                         t("c_average"): float(s["average"]), t("c_below15"): s["below_15"]})
        return pd.DataFrame(rows)

    def criteria(self) -> Group:
        lang, t = self.lang, self.t
        frame = gap.latest(self.communes_frame)
        unmet = gap.unmet_by_criterion(frame, lang)
        heat = gap.heatmap_data(frame, lang)
        shown = pd.DataFrame({t("c_criterion"): unmet["label"], t("c_unmet"): unmet["communes_unmet"],
                              t("c_share_unmet"): unmet["share_unmet"]})
        ranked = unmet.sort_values(["communes_unmet", "criterion"], ascending=[False, True])
        worst, best = ranked.iloc[0], ranked.iloc[-1]
        n = lambda v: i18n.number(v, lang, 0)  # noqa: E731
        lead = t("p_criteria", unit=self.unit_name, worst=worst["label"], worst_n=n(worst["communes_unmet"]),
                 best=best["label"], best_n=n(best["communes_unmet"]), total=n(worst["communes"]))
        return self.section(
            "s_criteria",
            report.paragraph(self.commune_note(lead) if self.synthetic else lead),
            report.figure(charts.bar(unmet.assign(text=[i18n.number(v, lang, 0) for v in unmet["communes_unmet"]]),
                                     category="label", value="communes_unmet", label="text",
                                     title=t("ch_unmet"), unit=t("u_communes"), source=self.commune_source(),
                                     lang=lang), lang=lang),
            *self.heatmap(frame, heat),
            report.table(shown, lang=lang, number_format={t("c_share_unmet"): 1}),
        )

    def heatmap(self, frame: pd.DataFrame, heat: pd.DataFrame) -> list:
        """Province: criteria × districts, the share of communes meeting each (the commune detail is in the annex);
        a district: its communes × criteria, met or not. Columns are criterion codes, full names on hover."""
        lang, t = self.lang, self.t
        if self.province:
            by = findings.criteria_by_district(frame)
            full = {k: gap.criterion_label(k, lang) for k in range(1, 20)}
            by["row"] = [gap.reference.unit_name(c, lang) for c in by["district_code"]]
            by["col"] = [full[k].split()[0] for k in by["criterion"]]
            by["value"] = by["share_met"].round(1)
            chart = charts.heatmap(by, row="row", column="col", value="value", title=t("ch_heatmap_districts"),
                                   unit=t("u_share_met"), source=self.commune_source(), lang=lang,
                                   column_names={full[k].split()[0]: full[k] for k in full})
            return [report.paragraph(t("p_heatmap_districts")), report.figure(chart, lang=lang)]
        heat = heat.assign(col=[c.split()[0] for c in heat["criterion_label"]],
                           row=[gap.reference.display_name(n) for n in heat["commune_name"]])
        chart = charts.heatmap(heat, row="row", column="col", value="met", title=t("ch_heatmap"),
                               source=self.commune_source(), lang=lang,
                               column_names=dict(zip(heat["col"], heat["criterion_label"])))
        return [report.paragraph(t("p_heatmap")), report.figure(chart, lang=lang)]

    def nearest(self) -> Group:
        lang, t = self.lang, self.t
        near = gap.nearest(gap.latest(self.communes_frame), 10, lang)
        dist = gap.distance(gap.latest(self.communes_frame)).set_index("commune_code")
        shown = pd.DataFrame({
            t("c_commune"): [gap.reference.display_name(n) for n in near["commune_name"]],
            t("c_district"): [gap.reference.display_name(n) for n in near["district_name"]],
            t("c_met"): near["criteria_met"].astype(int),
            t("c_to15"): [int(dist.at[c, "missing_to_15"]) for c in near["commune_code"]],
            t("c_to19"): near["missing"].astype(int),
            t("c_missing"): near["missing_criteria"],
        })
        short = int(((dist["missing_to_19"] >= 1) & (dist["missing_to_19"] <= 2)).sum())
        return self.section("s_nearest", report.paragraph(t("p_nearest", count=short)),
                            report.table(shown, lang=lang, source=self.commune_source()))

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



    def context_ids(self) -> list[str]:
        ids = ["cb_2022_standard_new_set", "cb_2022_average_new_set", "cb_2022_best_new_set", "cb_2018_recognised",
               "cb_2018_share_of_pm_goal", "cb_units_before_mergers", "cb_units_after_mergers"]
        return ids + [cid for _, cid in gap.NATIONAL]

    def sources(self) -> Group:
        """The annex: the full tables, every figure with its quote, the context sources, and the criteria met by
        each commune."""
        return self.annex(*self.full_tables().parts,
                          *super().sources().parts, *context_sources(self.context_ids(), self.lang).parts,
                          *recognition_sources(self.lang).parts,
                          *release.commune_detail(self.communes_frame, self.lang, self.commune_source()))


def _label(key: str, lang: str, **values) -> str:
    """A word of this module, or of the shared page catalogue (for the helpers the evaluation report uses too)."""
    return i18n.text(LABELS if key in LABELS else page.LABELS, key, lang, **values)


def context_sources(ids: list[str], lang: str) -> Group:
    """The context facts a page uses, apart from the report's figures: value, as of, page, address, quote."""
    rows = context.sources_table(ids)
    t = lambda key: _label(key, lang)  # noqa: E731
    shown = pd.DataFrame({
        t("c_indicator"): rows["id"], t("c_value"): rows["value"], t("c_as_of"): rows["as_of"],
        t("c_title"): rows["source_title"], t("c_url"): rows["source_url"], t("c_quote"): rows["quote"],
    })
    return Group(report.heading(t("s_context_sources"), 3), report.paragraph(t("p_context_sources")),
                 report.table(shown, lang=lang, number_format={t("c_value"): 2}))


def recognition_sources(lang: str) -> Group:
    t = lambda key: _label(key, lang)  # noqa: E731
    reg = lineage.register(lang).drop_duplicates("source_url")
    shown = pd.DataFrame({t("c_title"): reg["source_title"], t("c_url"): reg["source_url"], t("c_quote"): reg["quote"]})
    return Group(report.table(shown, lang=lang))


def national_group(lang: str) -> Group:
    """Cao Bằng beside the country (share of communes at the standard), each figure with its origin."""
    t = lambda key: _label(key, lang)  # noqa: E731
    nat = gap.national_context(lang)
    shown = pd.DataFrame({t("c_indicator"): nat["label"], t("c_share"): nat["share"],
                          t("c_origin"): [t(f"o_{o}") for o in nat["origin"]]})
    report_ids = _ids(nat.loc[nat["origin"] == "report", "id"])
    return Group(report.heading(t("s_national"), 3),
                 report.table(shown, lang=lang, source=f"{source_line(report_ids, lang)}; {t('o_context')}",
                              number_format={t("c_share"): 1}))


def _ids(sources: pd.Series) -> list[str]:
    """Report fact ids from comma-separated source columns, in a stable order (commune-data sources and context
    facts left out: they are cited apart)."""
    known = set(gap.facts.load()["id"])
    return sorted({i.strip() for text in sources for i in str(text).split(",")
                   if i.strip() and ":" not in i and i.strip() in known})
