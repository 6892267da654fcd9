"""Report fragments, the offline check, and the HTML export (through a real papermill run)."""

from __future__ import annotations

import json

import altair as alt
import nbformat
import pandas as pd
import papermill
import pytest
from bs4 import BeautifulSoup
from nbformat.validator import NotebookValidationError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ntm_analysis.report import charts, html as report
from ntm_analysis.errors import ConfigError, UsageError

NAME = 'Xã <b>Hoà</b> & "Lâm"'
BUNDLE_MARK = "window.vegaEmbed="  # written once by the Vega bundle
MAX_PAGE = 300_000  # the budget for one report
#: A page with a full 139 × 19 commune heatmap: 2 641 marks, each with its hover text, ≈ 260 KB of SVG alone.
MAX_HEATMAP_PAGE = 400_000


# -- helpers ---------------------------------------------------------------------------------------------------
def shown(fragment) -> nbformat.NotebookNode:
    """The output a notebook keeps when a cell displays `fragment` (as written to and read from the file)."""
    return nbformat.from_dict(json.loads(json.dumps(new_output("display_data", data=fragment._repr_mimebundle_()))))


def notebook(*cells) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = list(cells)
    return nb


def cell(*outputs, source: str = "pass", tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    return new_code_cell(source, outputs=list(outputs), metadata={"tags": list(tags)} if tags else {})


def bar(lang: str = "vi", title: str = "Vốn huy động"):
    df = pd.DataFrame({"label": ["Tín dụng", NAME], "amount": [8098.3, 1234.5]})
    return charts.bar(df, category="label", value="amount", title=title, unit="tỷ đồng",
                      source="Nguồn: Báo cáo 20/07/2022, mục I.8", lang=lang)


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


# -- fragments -------------------------------------------------------------------------------------------------
def test_table_formats_numbers_per_locale_and_escapes_text():
    df = pd.DataFrame({"Xã": [NAME, None], "Số xã": [1234, 5], "Tỷ lệ": [12.345, float("nan")], "Đạt": [True, False]})
    vi = soup(report.table(df, lang="vi", caption="Bảng <1>", source="Nguồn: x & y",
                           number_format={"Tỷ lệ": 1}).html)
    cells = [[td.get_text() for td in tr.find_all("td")] for tr in vi.tbody.find_all("tr")]
    assert cells == [[NAME, "1.234", "12,3", "có"], ["—", "5", "—", "không"]]
    assert [th.get_text() for th in vi.thead.find_all("th")] == ["Xã", "Số xã", "Tỷ lệ", "Đạt"]
    assert vi.caption.get_text() == "Bảng <1>" and vi.figcaption.get_text() == "Nguồn: x & y"
    assert vi.find("b") is None  # the name's markup stayed text
    assert "num" in vi.tbody.find_all("td")[1]["class"]

    en = soup(report.table(df, lang="en").html)
    assert [td.get_text() for td in en.tbody.tr.find_all("td")] == [NAME, "1,234", "12.345", "yes"]


def test_table_rejects_a_number_format_for_a_missing_column():
    with pytest.raises(UsageError, match="Tỷ lệ"):
        report.table(pd.DataFrame({"a": [1]}), lang="vi", number_format={"Tỷ lệ": 1})


def test_headlines_show_cards_and_carry_the_items_as_data():
    h = report.headlines([{"label": "Vốn <huy động>", "value": 11132.3, "note": "2017–2021"},
                          {"label": "Xã đạt chuẩn", "value": "17"}], lang="vi", title="Đánh giá 2017–2021")
    bundle = h._repr_mimebundle_()
    assert bundle[report.HEADLINES_MIME] == {
        "title": "Đánh giá 2017–2021",
        "items": [{"label": "Vốn <huy động>", "value": "11.132,3", "note": "2017–2021"},
                  {"label": "Xã đạt chuẩn", "value": "17", "note": ""}],
    }
    json.dumps(bundle)  # plain JSON
    cards = soup(bundle["text/html"]).select(".ntm-card")
    assert [c.select_one(".ntm-card-value").get_text() for c in cards] == ["11.132,3", "17"]
    assert cards[0].select_one(".ntm-card-label").get_text() == "Vốn <huy động>"
    assert len(repr(h)) < 80  # the text/plain copy in the notebook is not the HTML again


def test_headlines_output_passes_notebook_validation():
    h = report.headlines([{"label": "a", "value": "1", "note": ""}], lang="en", title="T")
    nbformat.validate(notebook(cell(shown(h))))


def test_banner_heading_paragraph_note_escape_their_text():
    assert report.banner("<b>DỮ LIỆU MÔ PHỎNG</b>", kind="synthetic").html == (
        '<div class="ntm-banner ntm-synthetic" role="alert">&lt;b&gt;DỮ LIỆU MÔ PHỎNG&lt;/b&gt;</div>')
    assert report.heading("A & <B>", 3).html == "<h3>A &amp; &lt;B&gt;</h3>"
    assert report.paragraph("x < y").html == "<p>x &lt; y</p>"
    assert report.note('"q"').html == '<p class="ntm-note">&#34;q&#34;</p>'
    with pytest.raises(UsageError):
        report.banner("x", kind="loud")
    with pytest.raises(UsageError):
        report.heading("x", 7)


def test_figure_has_static_svg_hover_titles_and_source_caption_with_a_stable_id():
    first, again = report.figure(bar(), lang="vi"), report.figure(bar(), lang="vi")
    assert first.html == again.html
    fig = soup(first.html).figure
    assert fig["class"] == ["ntm-chart"] and fig["id"].startswith("chart-")
    assert fig.select_one(".ntm-static svg") is not None
    assert "8.098,3" in fig.select_one(".ntm-static").get_text()
    assert fig.select_one("script") is None  # a static page carries no spec and no script
    assert fig.figcaption.get_text() == "Nguồn: Báo cáo 20/07/2022, mục I.8"
    bars = fig.select('svg g.mark-rect.role-mark path')
    assert [b.title.get_text() for b in bars] == ["Tín dụng\ntỷ đồng: 8.098,3", f"{NAME}\ntỷ đồng: 1.234,5"]
    assert not fig.select("svg [aria-label] > title")  # the label moved into the <title>, not doubled
    assert [t.title.get_text() for t in fig.select("svg g.mark-text.role-mark text")] == [b.title.get_text() for b in bars]
    other = soup(report.figure(bar(title="Khác"), lang="vi").html).figure
    assert other["id"] != fig["id"]


def test_figure_displays_as_live_vega_lite_with_svg_and_text_fallbacks_but_no_html():
    fig = report.figure(bar(), lang="vi")
    bundle = fig._repr_mimebundle_()
    assert set(bundle) == {report.VEGALITE_MIME, report.SVG_MIME, "text/plain"}  # HTML would outrank Vega-Lite
    assert report.VEGALITE_MIME == "application/vnd.vegalite.v5+json"
    assert bundle[report.VEGALITE_MIME] == charts.spec(bar(), "vi") == fig.spec
    assert bundle[report.SVG_MIME] == fig.svg and "<title>" in fig.svg
    assert bundle["text/plain"] == "[Vốn huy động] — Nguồn: Báo cáo 20/07/2022, mục I.8"
    assert repr(fig) == bundle["text/plain"]
    assert fig.chart.to_dict()["title"] == {"text": "Vốn huy động"}  # the Altair object, to change and reuse
    nbformat.validate(notebook(cell(shown(fig))))


def test_altair_charts_an_analyst_displays_go_to_jupyterlab_as_vega_lite_v5():
    from IPython.core.formatters import DisplayFormatter

    from ntm_analysis.report import page  # noqa: F401 — the notebooks' modules switch Altair to this renderer

    assert alt.renderers.active == "ntm"
    data, _ = DisplayFormatter().format(bar().properties(title="Đã sửa"))
    assert set(data) == {report.VEGALITE_MIME, "text/plain"} and data["text/plain"] == "[Đã sửa]"
    nbformat.validate(notebook(cell(new_output("display_data", data=data))))


def test_vega_lite_mimetype_of_altair_6_fails_notebook_validation_and_ours_passes():
    spec = charts.spec(bar(), "vi")
    with pytest.raises(NotebookValidationError):  # what papermill reports for Altair 6's own renderer
        new_output("display_data", data={"application/vnd.vegalite.v6.json": spec})
    nbformat.validate(notebook(cell(new_output("display_data", data={report.VEGALITE_MIME: spec}))))


def test_table_keeps_its_frame_and_reads_as_text():
    df = pd.DataFrame({"Xã": [NAME, "Đức Long"], "Tiêu chí": [18, 12], "Tỷ lệ": [94.737, 63.158]})
    t = report.table(df, lang="vi", source="Nguồn: dữ liệu cấp xã", number_format={"Tỷ lệ": 1})
    assert t.frame is df
    assert repr(t).splitlines()[1].split() == ["Xã", "<b>Hoà</b>", "&", '"Lâm"', "18", "94,7"]
    assert repr(t).splitlines()[-1] == "Nguồn: dữ liệu cấp xã"
    assert set(t._repr_mimebundle_()) == {"text/plain", "text/html"}
    long = report.table(pd.DataFrame({"n": range(30)}), lang="en")
    assert "… 18 more rows" in repr(long)


def test_interactive_export_carries_each_spec_safely_and_the_bundle_once():
    nasty = bar(title="</script><script>alert(1)</script>")
    nb = notebook(cell(shown(report.figure(nasty, lang="vi"))), cell(shown(report.figure(bar(), lang="vi"))))
    page = report.export_html(nb, title="t", lang="vi", interactive=True)
    assert "<script>alert(1)" not in page
    assert page.count(BUNDLE_MARK) == 1 and page.count('class="ntm-spec"') == 2
    specs = [json.loads(s.string) for s in soup(page).select("script.ntm-spec")]
    assert specs[1] == charts.spec(bar(), "vi")
    static = report.export_html(nb, title="t", lang="vi")
    assert BUNDLE_MARK not in static and "<script" not in static and "ntm-spec" not in static


def test_figure_svg_ids_are_scoped_to_the_figure():
    df = pd.DataFrame({"r": ["a", "a", "b"], "c": ["x", "y", "x"], "v": [1.0, 2.0, 3.0]})
    chart = charts.heatmap(df, row="r", column="c", value="v", title="t", unit="u", source="s", lang="vi")
    html = report.figure(chart, lang="vi").html
    fig = soup(html).figure
    ids = [el["id"] for el in fig.select("svg [id]")]
    assert ids and all(i.startswith(fig["id"] + "-") for i in ids)  # a gradient legend has an id
    assert f"url(#{ids[0]})" in html


# -- offline check ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
    '<link rel="stylesheet" href="http://example.org/a.css">',
    '<img src="//cdn.example.org/x.png">',
    '<img srcset="data:image/png;base64,AA 1x, https://x.org/b.png 2x">',
    '<iframe src="https://example.org"></iframe>',
    '<style>body { background: url("https://example.org/bg.png"); }</style>',
    "<style>@import 'https://fonts.example.org/css';</style>",
    '<div style="background-image:url(http://x.org/i.png)"></div>',
    '<meta http-equiv="refresh" content="0; url=https://example.org">',
    '<svg><image href="https://example.org/i.png"/></svg>',
    '<form action="https://example.org/post"></form>',
    '<script src="report.js"></script>',  # a file beside the page is not self-contained either
])
def test_check_offline_finds_network_references(snippet):
    assert report.check_offline(f"<html><body>{snippet}</body></html>")


def test_check_offline_accepts_self_contained_pages():
    page = """<html><body><a href="#s1">§</a><img src="data:image/png;base64,AAAA">
    <svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(#g)"/></svg>
    <p>See https://example.org in the text</p>
    <script type="application/json">{"$schema": "https://vega.github.io/schema/vega-lite/v6.json"}</script>
    <style>.a { fill: url(#chart-1-gradient_0); }</style></body></html>"""
    assert report.check_offline(page) == []


# -- export, in process ----------------------------------------------------------------------------------------
def test_export_keeps_only_what_the_reader_should_see():
    nb = notebook(
        new_markdown_cell("analyst notes", metadata={"tags": ["remove_cell"]}),
        cell(source='lang = "vi"', tags=("parameters",)),
        cell(shown(report.paragraph("INJECTED")), source='lang = "en"', tags=("injected-parameters",)),
        cell(shown(report.paragraph("DROPPED-CELL")), tags=("remove_cell",)),
        cell(new_output("stream", name="stdout", text="HIDDEN-OUTPUT\n"), shown(report.paragraph("DROPPED-OUTPUT")),
             tags=("remove_output",)),
        cell(new_output("stream", name="stdout", text="PRINTED\n"), new_output("stream", name="stderr", text="WARNED"),
             shown(report.paragraph("VISIBLE")), source="SECRET_SOURCE = 1"),
        cell(new_output("display_data", data={"application/javascript": "alert('SCRIPTED')",
                                              "text/plain": "SCRIPTED-TEXT"})),
        new_markdown_cell("## Ghi chú"),
    )
    page = report.export_html(nb, title="Trang", lang="vi")
    for hidden in ("analyst notes", "INJECTED", "DROPPED-CELL", "HIDDEN-OUTPUT", "DROPPED-OUTPUT", "PRINTED",
                   "WARNED", "SECRET_SOURCE", "lang =", "SCRIPTED", "In&nbsp;[", "Out["):
        assert hidden not in page, hidden
    doc = soup(page)
    assert doc.find("p", string="VISIBLE") is not None
    assert doc.find("h2", string="Ghi chú") is not None and "anchor-link" not in page
    assert doc.find("script") is None  # no charts → no scripts at all
    assert report.check_offline(page) == []
    assert len(nb.cells) == 8 and nb.cells[4].outputs  # the notebook itself is left as it was


def test_export_sets_language_charset_and_escaped_title():
    nb = notebook(cell(shown(report.paragraph("x"))))
    page = report.export_html(nb, title="Báo cáo <Cao Bằng> & 2025", lang="en")
    doc = soup(page)
    assert page.startswith("<!DOCTYPE html>")
    assert doc.html["lang"] == "en"
    assert doc.find("meta", charset="utf-8") is not None
    assert doc.title.string == "Báo cáo <Cao Bằng> & 2025"
    assert "<title>Báo cáo &lt;Cao Bằng&gt; &amp; 2025</title>" in page
    with pytest.raises(ConfigError, match="unknown language"):
        report.export_html(nb, title="x", lang="fr")


def test_eight_chart_page_with_a_full_heatmap_stays_within_budget():
    communes = [f"Xã {i:03d}" for i in range(139)]
    heat = pd.DataFrame([(n, f"{c}", (i + c) % 4 != 0) for i, n in enumerate(communes) for c in range(1, 20)],
                        columns=["commune", "criterion", "met"])
    figures = [report.figure(bar(title=f"Biểu đồ {k}"), lang="vi") for k in range(7)]
    figures.append(report.figure(charts.heatmap(heat, row="commune", column="criterion", value="met", title="t",
                                                source="s", lang="vi"), lang="vi"))
    page = report.export_html(notebook(*(cell(shown(f)) for f in figures)), title="t", lang="vi")
    assert len(page.encode("utf-8")) <= MAX_HEATMAP_PAGE
    assert BUNDLE_MARK not in page and "<script" not in page
    assert len(soup(page).select("figure.ntm-chart svg g.mark-rect.role-mark path > title")) == 7 * 2 + 139 * 19
    doc = soup(page)
    assert len(doc.select("figure.ntm-chart .ntm-static svg")) == 8
    assert len({f["id"] for f in doc.select("figure.ntm-chart")}) == 8
    assert report.check_offline(page) == []


# -- static SVGs left to the export (DEFER_SVG, as in `ntm build`) ----------------------------------------------
def heat(lang: str = "vi"):
    df = pd.DataFrame({"r": ["a", "a", "b"], "c": ["x", "y", "x"], "v": [1.0, 2.0, 3.0]})
    return charts.heatmap(df, row="r", column="c", value="v", title="t", unit="u", source="s", lang=lang)


def figures(monkeypatch, *, defer: bool, lang: str) -> list[report.Fragment]:
    """A bar chart and a heatmap (whose SVG has ids to scope), drawn in this process or left to the export."""
    if defer:
        monkeypatch.setenv(report.DEFER_SVG, "1")
    report._static_svg.cache_clear()
    made = [report.figure(bar(lang), lang=lang), report.figure(heat(lang), lang=lang)]
    monkeypatch.delenv(report.DEFER_SVG, raising=False)
    report._static_svg.cache_clear()
    return made


def test_deferred_figure_output_carries_its_spec_but_no_svg(monkeypatch):
    deferred, drawn = figures(monkeypatch, defer=True, lang="vi")[0], figures(monkeypatch, defer=False, lang="vi")[0]
    d, f = deferred._repr_mimebundle_(), drawn._repr_mimebundle_()
    assert report.SVG_MIME not in d and report.SVG_MIME in f
    assert d[report.VEGALITE_MIME] == f[report.VEGALITE_MIME] and d["text/plain"] == f["text/plain"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_page_is_byte_identical_whether_the_kernel_or_the_export_drew_the_svgs(monkeypatch, lang):
    def page(defer: bool) -> str:
        shown_figures = [shown(f) for f in figures(monkeypatch, defer=defer, lang=lang)]
        nb = notebook(cell(*shown_figures), cell(shown(report.paragraph("sau biểu đồ"))))
        return report.export_html(nb, title="Trang", lang=lang)

    deferred, drawn = page(defer=True), page(defer=False)
    assert deferred == drawn
    doc = soup(deferred)
    assert len(doc.select("figure.ntm-chart .ntm-static svg")) == 2
    assert ("8.098,3" if lang == "vi" else "8,098.3") in doc.select_one(".ntm-static").get_text()


def test_a_chart_shared_by_several_pages_is_drawn_once(monkeypatch):
    shared = figures(monkeypatch, defer=True, lang="vi")[0]
    calls = []
    draw = report.render_svg
    monkeypatch.setattr(report, "render_svg", lambda vl, lang: calls.append(lang) or draw(vl, lang))
    pages = [report.export_html(notebook(cell(shown(shared)), cell(shown(shared))), title=f"Trang {k}", lang="vi")
             for k in range(3)]
    assert calls == ["vi"]
    assert all(soup(p).select_one("figure.ntm-chart .ntm-static svg") for p in pages)


def test_svg_ids_do_not_depend_on_what_the_engine_drew_before():
    report._static_svg.cache_clear()
    first = report.figure(heat(), lang="vi").html
    report.render_svg(charts.spec(heat("en"), "en"), "en")  # the engine counts gradients across charts
    report._static_svg.cache_clear()
    assert report.figure(heat(), lang="vi").html == first


def test_figure_html_in_a_text_output_is_exported_as_it_is():
    fig = report.figure(bar(), lang="vi")
    page = report.export_html(notebook(cell(new_output("display_data", data={"text/html": fig.html}))),
                              title="Trang", lang="vi")
    shown_fig = soup(page).select_one("figure.ntm-chart")
    assert shown_fig["id"] == fig.ident and shown_fig.select(".ntm-static svg g.mark-rect path > title")
    assert shown_fig.figcaption.get_text() == fig.caption and "<script" not in page


# -- export of a notebook executed by papermill -------------------------------------------------------------------
SETUP = f'''
import pandas as pd
from IPython.display import display
from ntm_analysis.report import charts, html as report
src = "Nguồn: Báo cáo Sở NN&PTNT Cao Bằng 20/07/2022, mục I.8"
funding = pd.DataFrame({{"label": ["Tín dụng", "Ngân sách trung ương"], "amount": [8098.32, 1234.5]}})
path = pd.DataFrame({{"year": [2021, 2022, 2021, 2025], "value": [17, 19, 17, 50],
                     "series": ["observed", "observed", "target", "target"]}})
people = pd.DataFrame({{"Xã": [{NAME!r}], "Tiêu chí đạt": [18]}})
print("PRINTED" + "-OUTPUT")
'''
SHOW = '''
display(report.headlines([{"label": "Tổng vốn", "value": 11132.3, "note": "2017–2021"}], lang=lang, title="Đánh giá"))
display(report.figure(charts.bar(funding, category="label", value="amount", title="Vốn theo nguồn", unit="tỷ đồng",
                                 source=src, lang=lang), lang=lang))
display(report.figure(charts.trajectory(path, year="year", value="value", series="series", dashed="target",
                                        title="Xã đạt chuẩn", unit="xã", source=src, lang=lang), lang=lang))
report.table(people, lang=lang, source=src)
'''


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The same small report notebook executed by papermill: twice as in JupyterLab, then once with DEFER_SVG=1
    in the kernel's environment, as `ntm build` runs it."""
    folder = tmp_path_factory.mktemp("papermill")
    source = notebook(
        cell(source='lang = "en"', tags=("parameters",)),
        cell(source=SETUP),
        cell(source=SHOW),
        cell(source='print("also hidden")\nreport.paragraph("REMOVED" + "-OUTPUT")', tags=("remove_output",)),
    )
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(source, folder / "report.ipynb")
    runs = []
    for k, defer in ((1, False), (2, False), (3, True)):
        out = folder / f"run{k}.ipynb"
        with pytest.MonkeyPatch.context() as mp:
            if defer:
                mp.setenv(report.DEFER_SVG, "1")  # the kernel inherits it
            papermill.execute_notebook(str(folder / "report.ipynb"), str(out), parameters={"lang": "vi"},
                                       kernel_name="python3", progress_bar=False, cwd=str(folder))
        runs.append(nbformat.read(out, as_version=4))
    return runs


@pytest.mark.slow
def test_executed_notebook_keeps_the_headlines_as_valid_data(executed):
    nb = executed[0]
    nbformat.validate(nb)
    bundles = [out["data"][report.HEADLINES_MIME] for c in nb.cells for out in c.get("outputs", [])
               if report.HEADLINES_MIME in out.get("data", {})]
    assert bundles == [{"title": "Đánh giá",
                        "items": [{"label": "Tổng vốn", "value": "11.132,3", "note": "2017–2021"}]}]
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.mark.slow
def test_exported_page_is_offline_codeless_and_complete(executed):
    page = report.export_html(executed[0], title="Đánh giá 2017–2021", lang="vi")
    doc = soup(page)
    assert doc.html["lang"] == "vi" and doc.title.string == "Đánh giá 2017–2021"
    for hidden in ("import pandas", "report.figure(", "lang = ", "PRINTED-OUTPUT", "also hidden", "REMOVED-OUTPUT"):
        assert hidden not in page, hidden
    assert report.check_offline(page) == []
    assert doc.find("script") is None  # static page: nothing runs, nothing to trust
    figures = doc.select("figure.ntm-chart")
    assert len(figures) == 2 and all(f.select_one(".ntm-static svg") for f in figures)
    assert all(f.select("svg g.role-mark title") for f in figures)  # hover text on the marks
    assert report.HEADLINES_MIME not in page
    visible = soup(page)
    for script in visible.find_all("script"):
        script.decompose()
    assert '"items"' not in str(visible) and '"title": "Đánh giá"' not in str(visible)
    assert doc.select_one(".ntm-card-value").get_text() == "11.132,3"
    assert doc.select_one(".ntm-table td").get_text() == NAME and "<b>Hoà</b>" not in page
    assert "8.098,32" in page and "8,098.32" not in page
    assert len(page.encode("utf-8")) <= MAX_PAGE


@pytest.mark.slow
def test_export_is_byte_identical_across_exports_and_executions(executed):
    first = report.export_html(executed[0], title="T", lang="vi")
    assert report.export_html(executed[0], title="T", lang="vi") == first
    assert report.export_html(executed[1], title="T", lang="vi") == first


@pytest.mark.slow
def test_export_draws_what_a_kernel_with_defer_svg_left_and_gives_the_same_bytes(executed):
    def outputs(nb) -> str:
        return json.dumps([c.outputs for c in nb.cells if "report.figure(" in c.source])

    assert report.VEGALITE_MIME in outputs(executed[2]) and "<svg" not in outputs(executed[2])  # the kernel drew none
    assert "<svg" in outputs(executed[0])
    report._static_svg.cache_clear()
    page = report.export_html(executed[2], title="T", lang="vi")
    assert page == report.export_html(executed[0], title="T", lang="vi")
    assert len(soup(page).select("figure.ntm-chart .ntm-static svg")) == 2
