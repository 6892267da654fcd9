"""The two report notebooks, executed through papermill and exported, checked as a reader would see them."""

from __future__ import annotations

import re

import nbformat
import papermill
import pytest
from bs4 import BeautifulSoup

from ntm_analysis import facts, paths, report

pytestmark = pytest.mark.slow

MAX_BYTES = 1_500_000


def render(kind: str, unit: str, lang: str, out, communes: str | None = None) -> str:
    executed = out / f"{kind}_{unit}_{lang}.ipynb"
    papermill.execute_notebook(
        str(paths.REPORT_NOTEBOOKS[kind]), str(executed),
        parameters={"lang": lang, "unit": unit, "communes": communes},
        kernel_name="python3", progress_bar=False, log_output=False, cwd=str(paths.NOTEBOOKS),
    )
    nb = nbformat.read(executed, as_version=4)
    return report.export_html(nb, title=f"{kind} {unit} {lang}", lang=lang)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    wanted = [("evaluation", "04", "vi"), ("evaluation", "04", "en"), ("evaluation", "051", "vi"),
              ("gap", "04", "vi"), ("gap", "04", "en"), ("gap", "051", "vi")]
    return {key: render(*key, out) for key in wanted}


def text_of(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "svg"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


@pytest.mark.parametrize("key", [("evaluation", "04", "vi"), ("evaluation", "04", "en"), ("evaluation", "051", "vi"),
                                 ("gap", "04", "vi"), ("gap", "04", "en"), ("gap", "051", "vi")])
def test_pages_are_self_contained_and_small(pages, key):
    html = pages[key]
    assert len(html.encode("utf-8")) <= MAX_BYTES
    assert report.check_offline(html) == []
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "from ntm_analysis" not in html and "report.header()" not in html  # no code shown
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == key[2]
    figures = soup.select("figure.ntm-chart")
    assert figures and all(f.find("svg") for f in figures)
    assert html.count("vegaEmbed") >= 1


def test_evaluation_province_vi_matches_the_report(pages):
    text = text_of(pages[("evaluation", "04", "vi")])
    for expected in ["11.132,3 tỷ đồng", "2.397,3", "8.098,32", "21,5%", "72,7%", "11,63",
                     "117 lớp", "7.505 lượt người", "1.589 cuộc", "62.613", "58 sản phẩm", "28,60%", "11,3%"]:
        assert expected in text, expected
    assert "DỮ LIỆU MÔ PHỎNG" not in text  # the province evaluation uses the report only
    assert "Không khớp" in text  # the audit names what does not add up


def test_evaluation_province_en_uses_english_format(pages):
    html = pages[("evaluation", "04", "en")]
    text = text_of(html)
    for expected in ["11,132.3 billion VND", "8,098.32", "21.5%", "11.63", "7,505", "Part I, section I.8"]:
        assert expected in text, expected
    assert "Inconsistent" in text and "Rounding or truncation" in text and "Not comparable" in text
    cards = " ".join(BeautifulSoup(html, "html.parser").select_one(".ntm-headlines").get_text(" ").split())
    assert "11,132.3 billion VND" in cards and "11.132,3" not in cards  # Vietnamese digits only inside quotes


def test_evaluation_district_uses_commune_data_and_says_it_is_synthetic(pages):
    html = pages[("evaluation", "051", "vi")]
    text = text_of(html)
    assert "DỮ LIỆU MÔ PHỎNG" in text
    assert "Hoà An" in text
    assert "số liệu cấp tỉnh" in text  # province-only figures are labelled as such


def test_gap_province_vi(pages):
    text = text_of(pages[("gap", "04", "vi")])
    standard, target = facts.get("attainment_2021_standard"), facts.get("target_2025_standard")
    assert f"{target.value - standard.value:.0f}" in text
    assert "8,25" in text  # (50 − 17) / 4 communes a year needed
    assert "DỮ LIỆU MÔ PHỎNG" in text  # commune-level sections come from the synthetic demo data
    assert "26.734.494" in text or "26.734,5" in text


def test_gap_district_vi(pages):
    text = text_of(pages[("gap", "051", "vi")])
    assert "Hoà An" in text and "DỮ LIỆU MÔ PHỎNG" in text


def test_render_is_deterministic(tmp_path):
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
    assert render("gap", "051", "vi", tmp_path / "a") == render("gap", "051", "vi", tmp_path / "b")


@pytest.mark.browser
@pytest.mark.parametrize("key", [("evaluation", "04", "vi"), ("gap", "04", "vi"), ("gap", "051", "vi")])
def test_reports_draw_every_chart_offline_in_chromium(pages, browse, tmp_path, key):
    page = tmp_path / "report.html"
    page.write_text(pages[key], encoding="utf-8")
    live = browse(page)
    assert live.blocked == [] and live.errors == []
    assert live.figures and all(f["live"] for f in live.figures)
    still = browse(page, javascript=False)
    assert len(still.figures) == len(live.figures) and all(f["still"] for f in still.figures)
