"""The gap and evaluation pages (section objects, no notebook run): what a specialist reads, in both languages."""

from __future__ import annotations

import html
import re

import pytest

from ntm_analysis.report.evaluation import EvaluationReport
from ntm_analysis.report.gap_report import GapReport


def text(group) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", group._repr_html_())))


@pytest.fixture(scope="module", params=["vi", "en"])
def province(request):
    return GapReport(lang=request.param, unit="04")


def test_headlines_read_the_new_criteria_set():
    vi = GapReport(lang="vi").headline_items()
    assert vi[0]["value"] == "50" and "bộ 2016–2020 (từ 17 xã năm 2021): 33" in vi[0]["note"]
    assert vi[1]["value"] == "16,67" and "5,0/năm trước sáp nhập" in vi[1]["note"] and "-1,5/năm sau" in vi[1]["note"]
    en = GapReport(lang="en").headline_items()
    assert "2021–2025 criteria set" in en[0]["label"] and en[1]["value"] == "16.67"


def test_targets_section_names_sets_method_and_window():
    vi = text(GapReport(lang="vi").targets())
    assert "Ban Chỉ đạo nên đọc khoảng cách theo bộ tiêu chí 2021–2025" in vi
    assert "Bộ tiêu chí 2021–2025 (QĐ 318/QĐ-TTg)" in vi and "Bộ tiêu chí 2016–2020 (QĐ 1980/QĐ-TTg)" in vi
    assert "cuối 2022 → cuối 2025 (3 năm)" in vi and "16,67" in vi and "2,42" in vi and "8,25" in vi
    assert "phương pháp điều chỉnh (tuyến tính) của Open SDG" in vi
    en = text(GapReport(lang="en").targets())
    assert "Read this row" in en and "end-2021 → end-2025 (4 years)" in en
    assert "Country: communes at the standard, end-2021 68.2" in en and "79.3" in en and "80.0" in en


def test_pace_section_windows_register_methods():
    # the section shows the windows; the register, the methods and the pace by target are in the annex (A)
    en = " ".join(text(g) for g in (GapReport(lang="en").pace(), GapReport(lang="en").full_tables()))
    assert "Before the mergers" in en and "2018 (15) → 2019 (20)" in en and "5.00" in en
    assert "After the mergers" in en and "2019 (20) → 2021 (17)" in en and "-1.50" in en
    assert "17 − 15 = 2) is dropped" in en
    assert "merged into Xã Vũ Minh (code 01762)" in en and "46/QĐ-UBND 14/01/2019" in en
    assert "Open SDG (as published: compound growth from the base year)" in en and "adapted (linear)" in en
    assert "1.24" in en and "On track" in en and "DIFFERENT CATEGORY" in en and "0.23" in en
    assert "progress made but acceleration needed" in en  # the thresholds paragraph names every category
    vi = " ".join(text(g) for g in (GapReport(lang="vi").pace(), GapReport(lang="vi").full_tables()))
    assert "Trước sáp nhập" in vi and "điều chỉnh (tuyến tính)" in vi and "KHÁC NHÓM" in vi


def test_resources_like_with_like():
    # the section shows the main columns; the table in full (per year, comparability, notes) is in annex A
    en = " ".join(text(g) for g in (GapReport(lang="en").resources(), GapReport(lang="en").full_tables()))
    assert "state budget 2.29 times, non-budget 2.44 times" in en
    assert "2021 sits in both periods" in en and "Planned a year over 4 years 2022–2025" in en
    assert "mostly central money of other national target programmes" in en and "bank lending in the area" in en
    vi = text(GapReport(lang="vi").resources())
    assert "Ngân sách nhà nước (trung ương + tỉnh/địa phương + lồng ghép)" in vi and "2.777,2" in vi


def test_district_pages_show_their_target_or_none():
    hoa_an = text(GapReport(lang="vi", unit="051").communes())
    assert "Huyện Hòa An đạt chuẩn nông thôn mới (cấp huyện) đến năm 2025" in hoa_an
    assert "tất cả 14 xã" in hoa_an and "cần 14 xã trong 3 năm (4,67 xã/năm)" in hoa_an
    assert "dữ liệu mô phỏng" in hoa_an  # the commune-data part is labelled synthetic
    city = text(GapReport(lang="en", unit="040").communes())
    assert "completes the new rural development task by 2025" in city and "every one of its 3 communes" in city
    bao_lam = text(GapReport(lang="en", unit="042").communes())
    assert "The report sets no district-level target for" in bao_lam
    province = text(GapReport(lang="en").communes())
    assert province.count("every one of its") == 3


def test_recognition_apart_from_criteria_met():
    en = text(GapReport(lang="en").communes())
    assert "not maintaining every criterion" in en and "this is a finding, not a data error" in en


def test_sources_keep_context_apart(province):
    out = text(province.sources())
    heading = "Nguồn công khai ngoài báo cáo" if province.lang == "vi" else "Public sources beyond the report"
    assert heading in out
    before, after = out.split(heading, 1)
    assert "nongnghiep.vn" not in before and "nongnghiep.vn/cao-bang-huy-dong" in after
    assert "9,19 tiêu chí/xã" in after and "baodansinh.vn" in after and "thvl.vn" in after
    assert "caobang.gov.vn" in after and "khcncaobang.gov.vn" in after


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_evaluation_national_context_and_audit(lang):
    page = EvaluationReport(lang=lang)
    region = text(page.region())
    assert ("Cao Bằng so với cả nước" if lang == "vi" else "Cao Bằng beside the country") in region
    assert ("68,2" if lang == "vi" else "68.2") in region and ("79,3" if lang == "vi" else "79.3") in region
    audit = text(page.audit())
    if lang == "en":
        assert "1 truly inconsistent" in audit and "2 from digits cut" in audit and "4 not comparable" in audit
        assert audit.index("Inconsistent") < audit.index("Rounding or truncation") < audit.index("Not comparable")
    else:
        assert "Không so sánh được" in audit and "Làm tròn/cắt bớt chữ số" in audit
    sources = text(page.sources())
    assert "baoquangnam.vn" in sources and "infonet.vietnamnet.vn" in sources


def test_city_page_cites_the_task_already_reported_done():
    city = text(GapReport(lang="en", unit="040").communes())
    assert "Public source: Cao Bằng city has completed the new rural development task (year and decision not found)" in city
    assert "Nhân Dân, 10/2022" in city
