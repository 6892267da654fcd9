"""Report pages built as statistical releases, read as a committee member reads them: the executed notebooks,
exported, opened with BeautifulSoup (and, where Chromium is present, printed and shown at phone width)."""

from __future__ import annotations

import re

import nbformat
import papermill
import pytest
from bs4 import BeautifulSoup

from ntm_analysis.data import communes, facts, reference
from ntm_analysis.analysis import findings, gap
from ntm_analysis import i18n, paths
from ntm_analysis.report import release, words, html as report, kinds

pytestmark = pytest.mark.slow

RAW = (paths.ROOT / "data" / "raw" / "cao_bang_ntm_report_2017_2021.txt").read_text(encoding="utf-8")
PAGES = [("gap", "04", "vi"), ("gap", "04", "en"), ("evaluation", "04", "vi"), ("evaluation", "04", "en"),
         ("gap", "051", "en"), ("evaluation", "051", "vi"), ("evaluation", "042", "en")]
OFFICE = {"vi": "Sở Nông nghiệp và Phát triển nông thôn tỉnh Cao Bằng",
          "en": "Department of Agriculture and Rural Development, Cao Bằng province"}


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    found = {}
    for kind, unit, lang in PAGES:
        executed = out / f"{unit}_{kind}_{lang}.ipynb"
        papermill.execute_notebook(str(kinds.notebook(kind)), str(executed),
                                   parameters={"lang": lang, "unit": unit, "communes": None}, kernel_name="python3",
                                   progress_bar=False, log_output=False, cwd=str(paths.NOTEBOOKS))
        found[(kind, unit, lang)] = report.export_html(nbformat.read(executed, as_version=4), title=kind, lang=lang)
    return found


def soup_of(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def links_of(doc) -> list[str]:
    return [a["href"] for a in doc.select(".ntm-masthead a")]


def visible(node) -> str:
    for tag in node(["style", "svg"]):
        tag.decompose()
    return squash(node.get_text(" "))


# -- 1. the parts of a release ----------------------------------------------------------------------------------
@pytest.mark.parametrize("key", PAGES)
def test_every_page_has_the_parts_of_a_release(pages, key):
    kind, unit, lang = key
    page = pages[key]
    doc = soup_of(page)
    assert len(page.encode("utf-8")) <= 300_000
    assert report.check_offline(page) == links_of(doc)  # nothing but the links to the pack's own pages
    assert doc.find("script") is None
    assert reference.unit_name(unit, lang) in doc.h1.get_text()
    masthead = squash(doc.select_one(".ntm-masthead").get_text(" "))
    assert OFFICE[lang] in masthead and "20/07/2022" in masthead
    links = links_of(doc)
    other = "gap" if kind == "evaluation" else "evaluation"
    assert links == ["index.html", f"{unit}_{other}_{lang}.html"]
    points = doc.select(".ntm-keypoints li")
    assert 4 <= len(points) <= 6
    assert all(re.search(r"\d", p.get_text()) for p in points)  # each a finding with its number
    assert doc.select_one(".ntm-keypoints h2").get_text() == {"vi": "Những điểm chính", "en": "Key points"}[lang]
    # the contents link to every section, and every link lands on a heading of the page
    targets = [a["href"].removeprefix("#") for a in doc.select("nav.ntm-contents a")]
    assert len(targets) >= 8 and targets[-1] == "annex"
    assert all(doc.find(id=t) is not None for t in targets)
    assert all(doc.find(id=t).name in ("h2", "details") for t in targets)
    # key points and contents come before the first section
    first = doc.find(id=targets[0])
    assert first.find_previous(class_="ntm-keypoints") and first.find_previous("nav")
    # the annex: closed on screen, the sources inside it, the print stylesheet opens it
    annex = doc.select_one("details#annex")
    assert annex is not None and not annex.has_attr("open")
    assert annex.find(id="annex-sources") and len(annex.select("table")) >= 2
    assert doc.select("details") == [annex]
    css = doc.style.string
    assert "@media print" in css and "::details-content" in css and "break-before: page" in css


def test_gap_province_key_points_carry_the_numbers(pages):
    vi = [squash(li.get_text()) for li in soup_of(pages[("gap", "04", "vi")]).select(".ntm-keypoints li")]
    en = [squash(li.get_text()) for li in soup_of(pages[("gap", "04", "en")]).select(".ntm-keypoints li")]
    sets = gap.criteria_set_gap().set_index(["baseline", "indicator"])
    new = sets.loc[("base_2022_new", "standard_communes")]
    assert new["gap"] == 50 and round(new["pace_needed"], 2) == 16.67
    assert "bộ tiêu chí 2021–2025" in vi[0] and "cần thêm 50 xã" in vi[0] and "16,67 xã mỗi năm" in vi[0]
    assert "from 17 communes in 2021, 33 more" in en[1] and "(8.25 a year)" in en[1]
    assert "5,00 xã/năm trước sáp nhập" in vi[2] and "-1,50 xã/năm sau sáp nhập" in vi[2]
    assert "26.734,5 tỷ đồng, gấp 2,40 lần" in vi[3] and "(11.132,3 tỷ đồng)" in vi[3] and "74,8%" in vi[3]
    assert "26,734.5 billion VND, 2.40 times the 11,132.3 billion VND" in en[3]
    assert "12.2% of Cao Bằng's communes" in en[4] and "68.2% nationally" in en[4] and "80.0%" in en[4]
    assert facts.get("attainment_2021_standard").value / 139 * 100 == pytest.approx(12.23, abs=0.01)


def test_evaluation_province_key_points_and_plural_english(pages):
    vi = visible(soup_of(pages[("evaluation", "04", "vi")]).select_one(".ntm-keypoints"))
    en = visible(soup_of(pages[("evaluation", "04", "en")]).select_one(".ntm-keypoints"))
    outcomes = findings.audit.summary(findings.audit.run())
    assert "11.132,3 tỷ đồng" in vi and "72,7%" in vi and "17/139 xã" in vi and "11,63 tiêu chí/xã" in vi
    assert "58 sản phẩm OCOP" in vi and "(11,3%)" in vi and "(28,6%)" in vi
    assert f"{outcomes['outcomes']['holds']} of {outcomes['checks']} checks hold" in en
    assert outcomes["outcomes"]["inconsistent"] == 1 and "1 is truly inconsistent" in en  # plural-aware
    assert "11,132.3 billion VND" in en and "VND billion" not in en


# -- 2. the source's own assessment ---------------------------------------------------------------------------
def test_assessment_quotes_occur_verbatim_in_the_raw_report():
    a = findings.assessment()
    raw = squash(RAW)
    assert set(a["kind"]) == set(findings.ASSESSMENT_KINDS)
    for quote in a["quote"]:
        assert squash(quote) in raw, quote
    named = sorted(c for cs in a.loc[a["kind"] == "hard_criterion", "criteria"] for c in cs)
    assert named == [1, 5, 6, 10, 11, 17]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_evaluation_page_summarises_the_assessment_with_quotes(pages, lang):
    doc = soup_of(pages[("evaluation", "04", lang)])
    head = doc.find(id="sec-assessment")
    assert head is not None
    tables = []
    for sibling in head.find_all_next("table"):
        if sibling.find_previous("h2") is not head:
            break
        tables.append(sibling)
    assert len(tables) >= 4  # achievements, difficulties, hard criteria, causes (+ the difficulty figures)
    quotes = [squash(td.get_text()) for t in tables for td in t.select("td") if td.get_text().startswith("«")]
    assert len(quotes) == len(findings.assessment())
    raw = squash(RAW)
    assert all(q.strip("«»") in raw for q in quotes)
    text = squash(" ".join(t.get_text(" ") for t in tables))
    labels = [words.criterion_label(c, lang) for c in (1, 5, 6, 10, 11, 17)]
    assert all(label in text for label in labels)
    word = {"vi": "Kết quả đạt được", "en": "Achievements"}[lang]
    assert word in visible(soup_of(pages[("evaluation", "04", lang)]))


# -- 3. district pages -------------------------------------------------------------------------------------------
def expected_district(unit: str) -> dict:
    """The district's figures straight from the commune file: a commune is at the standard when its level is
    "đạt chuẩn" or above; rank 1 = the largest share of communes at the standard."""
    frame = gap.latest(communes.load_default())
    frame = frame.assign(standard=frame["level"].isin(communes.LEVELS[1:]))
    part = frame[frame["district_code"] == unit]
    shares = frame.groupby("district_code")["standard"].mean()
    return {"communes": len(part), "standard": int(part["standard"].sum()), "average": part["criteria_met"].mean(),
            "below": int((part["criteria_met"] < 15).sum()), "rank": int((shares > shares[unit]).sum()) + 1,
            "of": len(shares)}


@pytest.mark.parametrize(("key", "unit"), [(("gap", "051", "en"), "051"), (("evaluation", "051", "vi"), "051"),
                                           (("evaluation", "042", "en"), "042")])
def test_district_page_puts_its_own_figures_first_beside_the_province(pages, key, unit):
    lang = key[2]
    doc = soup_of(pages[key])
    e = expected_district(unit)
    table = doc.find(id="compare").find_next("table")
    head = [squash(th.get_text()) for th in table.select("thead th")]
    assert head[1] == reference.unit_name(unit, lang) and head[3].endswith(f"{e['of']})")
    rows = [[squash(td.get_text()) for td in tr.select("td")] for tr in table.select("tbody tr")]
    n = lambda v, d=0: i18n.number(v, lang, d)  # noqa: E731
    assert rows[0][1].startswith(f"{n(e['standard'])}/{n(e['communes'])} ")
    assert rows[0][2].startswith("17/139 ") and rows[0][3] == n(e["rank"])
    assert rows[1][1] == n(e["average"], 2) and rows[1][2] == n(11.633093525179856, 2)
    assert rows[2][1].startswith(f"{n(e['below'])}/{n(e['communes'])} ")
    # the district's figures come before the contents and the first section
    assert doc.find(id="compare").find_next("nav") is not None
    points = " ".join(li.get_text() for li in doc.select(".ntm-keypoints li"))
    assert {"vi": "dữ liệu mô phỏng", "en": "synthetic data"}[lang] in points


def test_district_evaluation_shows_province_only_figures_once(pages):
    doc = soup_of(pages[("evaluation", "051", "vi")])
    assert len(doc.find_all(id="province-only")) == 1
    block = doc.find(id="province-only").find_next("table")
    assert "11.132,3 tỷ đồng" in block.get_text() and "58 sản phẩm" in block.get_text()
    cards = doc.select_one(".ntm-headlines").get_text(" ")
    assert "11.132,3" not in cards and "tỷ đồng" not in cards  # no province card repeated among the district's
    points = [li.get_text() for li in doc.select(".ntm-keypoints li")]
    assert sum(p.startswith("Toàn tỉnh: ") for p in points) == 1


def test_district_with_a_target_says_so_and_one_without_says_none(pages):
    hoa_an = " ".join(li.get_text() for li in soup_of(pages[("gap", "051", "en")]).select(".ntm-keypoints li"))
    assert "The unit's own target in the report" in hoa_an and "all 14 communes" in hoa_an and "4.67 a year" in hoa_an
    frame = communes.load_default()
    assert [f.id for f in findings.district("042", frame)][-1] == "kp_d_no_target"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_index_comparison_table_has_every_district_and_adds_up(lang):
    frame = communes.load_default()
    doc = soup_of(release.index_comparison(frame, lang, source="demo"))
    rows = [[squash(td.get_text()) for td in tr.select("td")] for tr in doc.select("tbody tr")]
    assert len(rows) == 11 and rows[-1][0] == {"vi": "Toàn tỉnh", "en": "Province"}[lang]
    assert [r[0] for r in rows[:-1]] == [reference.unit_name(c, lang) for c in reference.unit_codes()[1:]]
    assert sum(int(r[1].replace(",", "").replace(".", "")) for r in rows[:-1]) == 139
    assert sum(int(r[2]) for r in rows[:-1]) == int(rows[-1][2]) == 17
    hoa_an = next(r for r in rows if "Hòa An" in r[0])
    assert hoa_an[7] == "1" and "051_gap_" + lang + ".html" in str(doc)


# -- 4. formats and language ------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", PAGES)
def test_one_spelling_one_money_unit_no_cut_labels(pages, key):
    page = pages[key]
    doc = soup_of(page)
    text = visible(soup_of(page))
    prose = re.sub(r"«[^»]*»", "", text)  # verbatim quotes keep the report's spelling
    assert "Hoà An" not in prose
    if key[2] == "en":
        assert "VND billion" not in text and "VND bn" not in text and "person-times" not in text
        assert not re.search(r"(?<![\d.,])1 (boards|classes|communes|meetings|products)\b", text)
    svg_text = " ".join(t.get_text() for t in doc.select("figure.ntm-chart svg text"))
    assert "…" not in svg_text  # labels wrap instead of being cut
    assert all(svg.has_attr("viewbox") for svg in doc.select("figure.ntm-chart svg"))  # html.parser: lower case


def test_plural_key_points_in_english():
    one = findings.Finding("kp_d_below15", {"below": 1, "communes": 14, "share": 7.1, "province_share": 79.9,
                                            "rank": 1, "of": 10}, count=1)
    assert release.sentence(one, "en").startswith("1 of 14 communes is under 15 criteria (7.1%)")
    assert release.sentence(findings.Finding(one.id, {**one.values, "below": 6}, count=6), "en").startswith(
        "6 of 14 communes are under")
    assert release.sentence(one, "vi").startswith("1/14 xã còn dưới 15 tiêu chí (7,1%)")


def test_plural_units_in_english():
    from ntm_analysis.report.page import fact_text

    boards = facts.get("management_commune_boards")
    assert boards.value == 1 and fact_text(boards, "en") == "1 board" and fact_text(boards, "vi") == "1 ban"
    assert fact_text(facts.get("capacity_classes"), "en") == "117 classes"


def test_province_heatmap_is_criteria_by_district(pages):
    doc = soup_of(pages[("gap", "04", "vi")])
    heat = [f for f in doc.select("figure.ntm-chart") if "theo huyện" in f.get_text()]
    assert len(heat) == 1
    rows = {t.get_text() for t in heat[0].select("g.role-axis-label text") if "Huyện" in t.get_text()
            or "Thành phố" in t.get_text()}
    assert len(rows) == 10
    hover = [t.get_text() for t in heat[0].select("g.role-mark title")]
    assert len(hover) == 190 and any("TC01 Quy hoạch" in h for h in hover)
    annex = doc.select_one("details#annex")
    detail = annex.find(id="annex-communes").find_next("table")
    assert len(detail.select("tbody tr")) == 139


# -- in a browser: phone width and print ---------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.parametrize("key", [("gap", "04", "vi"), ("evaluation", "051", "vi")])
def test_page_fits_a_phone_and_prints_its_annex_without_script(pages, key, chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, pdf_pages

    path = tmp_path / "page.html"
    path.write_text(pages[key], encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
            tab = phone.new_page()
            tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            tab.goto(path.as_uri())
            assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll in their own box
            smallest = tab.evaluate("""Math.min(...Array.from(document.querySelectorAll('figure.ntm-chart svg'))
                .map(s => s.getBoundingClientRect().width / s.viewBox.baseVal.width * 11))""")
            assert smallest >= 5  # chart text stays legible (11 px drawn, scaled to the phone)
            assert "câu trích nguyên văn" not in squash(tab.inner_text("details#annex"))  # closed on screen
            tab.emulate_media(media="print")
            annex = squash(tab.inner_text("details#annex"))  # the text as laid out on paper
            pdf = tab.pdf(format="A4")
            phone.close()
        finally:
            browser.close()
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) > 5
    assert "câu trích nguyên văn" in annex  # the annex, closed on screen, is printed (no script ran)


def test_landing_page_compares_the_districts_and_links_only_what_the_pack_holds():
    from ntm_analysis.pipeline import build

    entries = [build.report_entry(unit=u, report=k, lang="en", html_bytes=b"x", title="t", headlines=[])
               for u in ("04", "051") for k in ("evaluation", "gap")]
    manifest = build.assemble_manifest(reports=entries, inputs=[], lang="en", synthetic=True)
    page = build.index_html(manifest, paths.DEMO_COMMUNES)
    doc = soup_of(page)
    table = doc.select_one("section#compare table")
    assert len(table.select("tbody tr")) == 11
    assert "(synthetic data)" in doc.select_one("section#compare p").get_text()
    links = [a["href"] for a in table.select("a")]
    assert links == ["051_evaluation_en.html", "051_gap_en.html"]
    assert doc.find("script") is None and set(report.check_offline(page)) <= {e["path"] for e in entries}
    assert build.index_html(manifest) == build.index_html(manifest, None)  # without a commune file: as before
