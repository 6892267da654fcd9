"""An exported page in headless Chromium with the network cut off: nothing requested, no errors, live charts
with scripts on, static charts with scripts off, and the static chart kept when the live one fails."""

from __future__ import annotations

import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from ntm_analysis import charts, report

pytestmark = pytest.mark.browser

SOURCE = "Nguồn: Báo cáo Sở NN&PTNT Cao Bằng 20/07/2022"


def figures(lang: str) -> list[report.Fragment]:
    funding = pd.DataFrame({"label": ["Tín dụng", "Ngân sách <b>trung ương</b>"], "amount": [8098.3, 1234.5]})
    heat = pd.DataFrame([(f"Xã {i:03d}", str(c), (i + c) % 3 != 0) for i in range(139) for c in range(1, 20)],
                        columns=["commune", "criterion", "met"])
    targets = pd.DataFrame({"ind": ["Xã đạt chuẩn", "Bình quân tiêu chí/xã"], "b": [17, 11.63], "t": [50, 16.44]})
    path = pd.DataFrame({"year": [2021, 2022, 2021, 2025], "value": [17, 19, 17, 50], "series": ["a", "a", "b", "b"]})
    common = {"source": SOURCE, "lang": lang}
    return [
        report.figure(charts.bar(funding, category="label", value="amount", title="Vốn", unit="tỷ đồng", **common),
                      lang=lang),
        report.figure(charts.heatmap(heat, row="commune", column="criterion", value="met", title="Tiêu chí",
                                     **common), lang=lang),
        report.figure(charts.progress(targets, indicator="ind", baseline="b", target="t", title="Mục tiêu",
                                      unit=None, **common), lang=lang),
        report.figure(charts.trajectory(path, year="year", value="value", series="series", dashed="b",
                                        title="Lộ trình", unit="xã", **common), lang=lang),
    ]


def write_page(folder, fragments, lang: str = "vi"):
    nb = new_notebook()
    nb.cells = [new_code_cell("x", outputs=[new_output("display_data", data={"text/html": f.html})])
                for f in fragments]
    nb.cells.append(new_code_cell("x", outputs=[new_output("display_data", data={
        "text/html": report.table(pd.DataFrame({"Xã": ["<script>alert(1)</script>"]}), lang=lang).html})]))
    path = folder / "page.html"
    path.write_text(report.export_html(nb, title="Thử", lang=lang), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    return write_page(tmp_path_factory.mktemp("browser"), figures("vi"))


def test_every_chart_goes_live_offline_without_errors(browse, page):
    seen = browse(page, hover="figure.ntm-chart .ntm-live .mark-rect path")
    assert seen.blocked == []
    assert seen.errors == []
    assert len(seen.figures) == 4
    assert seen.live == 4 and seen.still == 0, seen.figures
    assert seen.tooltip is not None and "8.098,3" in seen.tooltip  # tooltip in the page's locale
    assert "Tín dụng" in seen.tooltip


def test_with_scripts_off_every_chart_shows_its_static_svg(browse, page):
    seen = browse(page, javascript=False)
    assert seen.blocked == [] and seen.errors == []
    assert len(seen.figures) == 4 and seen.still == 4 and seen.live == 0


def test_a_chart_that_fails_to_draw_keeps_its_static_svg(browse, tmp_path):
    good, broken = figures("en")[0], figures("en")[0]
    start = broken.html.index('class="ntm-spec">') + len('class="ntm-spec">')
    end = broken.html.index("</script>", start)
    broken = report.Fragment(broken.html[:start] + '{"mark": {"type": 42}}' + broken.html[end:])
    seen = browse(write_page(tmp_path, [good, broken], lang="en"), timeout_ms=5_000)
    assert seen.blocked == [] and seen.errors == []
    assert [(f["live"], f["still"]) for f in seen.figures] == [(True, False), (False, True)]
