"""The two report notebooks, executed through papermill and exported, checked as a reader would see them."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import papermill
import pytest
from bs4 import BeautifulSoup

from ntm_analysis.data import facts
from ntm_analysis import paths
from ntm_analysis.report import html as report, kinds

pytestmark = pytest.mark.slow

MAX_BYTES = 300_000  # one report
PACK_LINK = kinds.pack_link()


def execute(kind: str, unit, lang: str, out, communes: str | None = None, *, notebook=None):
    executed = out / f"{kind}_{unit}_{lang}.ipynb"
    papermill.execute_notebook(
        str(notebook or kinds.notebook(kind)), str(executed),
        parameters={"lang": lang, "unit": unit, "communes": communes},
        kernel_name="python3", progress_bar=False, log_output=False, cwd=str(paths.NOTEBOOKS),
    )
    return nbformat.read(executed, as_version=4)


def render(kind: str, unit, lang: str, out, communes: str | None = None, *, notebook=None) -> str:
    nb = execute(kind, unit, lang, out, communes, notebook=notebook)
    return report.export_html(nb, title=f"{kind} {lang}", lang=lang)


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
    assert len(html.encode("utf-8")) <= MAX_BYTES  # the province heatmap is criteria × districts now
    # the only references are links to the pack's other pages (the index and the unit's other report)
    assert [r for r in report.check_offline(html) if not PACK_LINK.match(r)] == []
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "from ntm_analysis" not in html and "report.header()" not in html  # no code shown
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == key[2]
    figures = soup.select("figure.ntm-chart")
    assert figures and all(f.find("svg") for f in figures)
    assert all(f.select("svg g.role-mark title") for f in figures)  # hover text on the marks
    assert soup.find("script") is None and "vegaEmbed" not in html  # nothing to run, nothing to trust
    assert "Sổ tay này" not in html and "analysts" not in html  # the notebooks' narrative stays in the notebook


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
    assert "Hòa An" in text and "Hoà An" not in text  # the report's own spelling
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
    assert "Hòa An" in text and "Hoà An" not in text and "DỮ LIỆU MÔ PHỎNG" in text


@pytest.mark.parametrize("unit", [51, "Hòa An", "hoa an", "Huyện Hoà An"])
def test_every_way_of_naming_a_district_reaches_the_same_page(pages, tmp_path, unit):
    assert render("gap", unit, "vi", tmp_path) == pages[("gap", "051", "vi")]


def test_papermill_command_line_with_p_unit_051_builds_the_district(pages, tmp_path):
    """`-p unit 051` as papermill's docs pass a parameter: papermill makes it the number 51."""
    out = tmp_path / "out.ipynb"
    subprocess.run([sys.executable, "-m", "papermill", str(kinds.notebook("gap")), str(out),
                    "-p", "unit", "051", "-p", "lang", "vi", "--cwd", str(paths.NOTEBOOKS), "--no-progress-bar"],
                   check=True, capture_output=True)
    nb = nbformat.read(out, as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "unit = 51\n" in injected.source
    assert report.export_html(nb, title="gap vi", lang="vi") == pages[("gap", "051", "vi")]


def test_the_province_as_the_number_4_reaches_the_province_page(pages, tmp_path):
    assert render("gap", 4, "vi", tmp_path) == pages[("gap", "04", "vi")]


def test_a_wrong_unit_says_what_is_valid(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        execute("gap", "Hà Nội", "vi", tmp_path)
    assert failed.value.ename == "UnitError"
    assert "051 Huyện Hoà An" in failed.value.evalue and "04 Tỉnh Cao Bằng" in failed.value.evalue


def test_sections_display_tables_live_charts_and_readable_text(tmp_path):
    nb = execute("gap", "051", "en", tmp_path)
    outputs = [out for c in nb.cells if c.cell_type == "code" for out in c.outputs]
    charts_out = [o for o in outputs if report.VEGALITE_MIME in o.get("data", {})]
    assert charts_out and all(set(o.data) == {report.VEGALITE_MIME, report.SVG_MIME, "text/plain"}
                              for o in charts_out)  # no text/html: JupyterLab would show it before the chart
    assert all(o.data[report.VEGALITE_MIME]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
               for o in charts_out)
    texts = [o.data["text/plain"] for o in outputs if "text/plain" in o.get("data", {})]
    assert texts and not any(" at 0x" in t for t in texts)
    assert any("Criteria lacking" in t for t in texts)  # a table, readable as text
    nbformat.validate(nb)


def test_an_added_cell_does_not_break_the_notebook(tmp_path, pages):
    nb = nbformat.read(kinds.notebook("gap"), as_version=4)
    nb.cells.insert(5, nbformat.v4.new_markdown_cell("Ghi chú của tôi", metadata={"tags": ["remove_cell"]}))
    nb.cells.insert(6, nbformat.v4.new_code_cell("extra = report.targets().table\nlen(extra)",
                                                  metadata={"tags": ["remove_cell"]}))
    edited = tmp_path / "gap.ipynb"
    nbformat.write(nb, edited)
    assert render("gap", "051", "vi", tmp_path, notebook=edited) == pages[("gap", "051", "vi")]


def test_explore_notebook_runs_top_to_bottom_and_saves_its_chart(tmp_path):
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(paths.NOTEBOOKS / "explore.ipynb"), str(out), parameters={"unit": "Hòa An"},
                               kernel_name="python3", progress_bar=False, cwd=str(paths.NOTEBOOKS))
    nb = nbformat.read(out, as_version=4)
    shown = json.dumps([c.outputs for c in nb.cells if c.cell_type == "code"], ensure_ascii=False)
    assert "synthetic / mô phỏng: True" in shown
    assert "11.132,3" in shown or "11132.3" in shown  # the total funding and its quote
    saved = paths.OUTPUTS / "explore" / "unmet_051_vi.svg"
    assert saved.exists() and "<svg" in saved.read_text(encoding="utf-8")
    assert "Communes not meeting each criterion" in saved.read_text(encoding="utf-8")


def test_render_is_deterministic(tmp_path):
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
    assert render("gap", "051", "vi", tmp_path / "a") == render("gap", "051", "vi", tmp_path / "b")


@pytest.mark.browser
@pytest.mark.parametrize("key", [("evaluation", "04", "vi"), ("gap", "04", "vi"), ("gap", "051", "vi")])
def test_reports_draw_every_chart_with_hover_text_offline_in_chromium(pages, browse, tmp_path, key):
    page = tmp_path / "report.html"
    page.write_text(pages[key], encoding="utf-8")
    for scripts in (True, False):
        seen = browse(page, javascript=scripts)
        assert seen.blocked == [] and seen.errors == []
        assert seen.figures and all(f["still"] and not f["live"] for f in seen.figures)
        assert all(f["marks"] and f["titled"] == f["marks"] for f in seen.figures), seen.figures
