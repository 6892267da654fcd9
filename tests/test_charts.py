"""Chart builders: title, source line, tooltips on every mark, locale-formatted numbers, compact heatmaps."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ntm_analysis.errors import NtmError, UsageError
from ntm_analysis.report import charts, html as report
from ntm_analysis import i18n

SOURCE = {"vi": "Nguồn: Báo cáo Sở NN&PTNT Cao Bằng 20/07/2022, mục I.8",
          "en": "Source: Cao Bằng DARD report of 20/07/2022, section I.8"}


def funding() -> pd.DataFrame:
    return pd.DataFrame({"label": ["Tín dụng", "Ngân sách trung ương", "Doanh nghiệp"],
                         "amount": [8098.3, 1234.5, 600.0]})


def build(kind: str, lang: str = "vi"):
    """One chart of each kind, with the values the assertions below look for."""
    common = {"source": SOURCE[lang], "lang": lang}
    if kind == "bar":
        return charts.bar(funding(), category="label", value="amount", title="Vốn huy động", unit="tỷ đồng", **common)
    if kind == "grouped_bar":
        df = pd.DataFrame({"source": ["Trung ương", "Trung ương", "Tín dụng", "Tín dụng"],
                           "period": ["Kế hoạch", "Huy động"] * 2, "value": [1234.5, 246.9, 2000.0, 1619.7]})
        return charts.grouped_bar(df, category="source", series="period", value="value", title="Bình quân/năm",
                                  unit="tỷ đồng/năm", **common)
    if kind == "progress":
        df = pd.DataFrame({"ind": ["Xã đạt chuẩn", "Xã dưới 15 tiêu chí", "Thu nhập (nghìn đồng)"],
                           "b": [17, 111, 1000.5], "t": [50, 0, 1234.5], "c": [20, 100, None]})
        return charts.progress(df, indicator="ind", baseline="b", target="t", current="c", title="Mục tiêu 2025",
                               unit=None, **common)
    if kind == "heatmap":
        df = pd.DataFrame({"commune": ["Xã A", "Xã A", "Xã B", "Xã B"], "criterion": ["1", "2", "1", "2"],
                           "met": [True, False, False, True]})
        return charts.heatmap(df, row="commune", column="criterion", value="met", title="Tiêu chí", **common)
    if kind == "trajectory":
        df = pd.DataFrame({"year": [2021, 2022, 2021, 2025], "value": [17.0, 1234.5, 17.0, 50.0],
                           "series": ["Thực tế", "Thực tế", "Đường tới mục tiêu", "Đường tới mục tiêu"]})
        return charts.trajectory(df, year="year", value="value", series="series", title="Xã đạt chuẩn", unit="xã",
                                 dashed="Đường tới mục tiêu", **common)
    raise ValueError(kind)


KINDS = ["bar", "grouped_bar", "progress", "heatmap", "trajectory"]


def units_of(vl: dict):
    """Every single-view spec (the ones with a mark) inside a layered/faceted spec."""
    if "mark" in vl:
        yield vl
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for part in vl.get(key, []):
            yield from units_of(part)
    if "spec" in vl:
        yield from units_of(vl["spec"])


def svg_texts(vl: dict, lang: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", report.render_svg(vl, lang))


@pytest.mark.parametrize("kind", KINDS)
def test_every_chart_has_title_source_tooltips_and_theme(kind):
    vl = charts.spec(build(kind), "vi")
    assert vl["title"]["text"]
    assert charts.source_of(vl) == SOURCE["vi"]
    assert SOURCE["vi"] in vl["description"]
    assert vl["config"]["locale"] == {"number": i18n.separators("vi")}
    assert vl["config"]["font"].startswith("DejaVu Sans")
    marks = list(units_of(vl))
    assert marks
    for unit in marks:
        tooltip = unit["encoding"].get("tooltip")
        assert tooltip, f"{kind}: a {unit['mark']} mark without tooltip"
        assert tooltip[0]["title"] == "title"  # the heading of Vega's tooltip: what the mark is


@pytest.mark.parametrize("kind", KINDS)
def test_specs_and_svgs_are_deterministic(kind):
    first, second = charts.spec(build(kind), "vi"), charts.spec(build(kind), "vi")
    assert first == second
    assert report.render_svg(first, "vi") == report.render_svg(second, "vi")


@pytest.mark.parametrize("kind", ["bar", "grouped_bar", "progress", "trajectory"])
def test_numbers_follow_the_locale(kind):
    vi = svg_texts(charts.spec(build(kind, "vi"), "vi"), "vi")
    en = svg_texts(charts.spec(build(kind, "en"), "en"), "en")
    assert "1.234,5" in vi and "1,234.5" in en
    assert "1,234.5" not in vi and "1.234,5" not in en


def test_axis_ticks_use_the_locale_separators():
    vi = svg_texts(charts.spec(build("bar", "vi"), "vi"), "vi")
    en = svg_texts(charts.spec(build("bar", "en"), "en"), "en")
    assert {"2.000", "4.000", "8.000"} <= set(vi)
    assert {"2,000", "4,000", "8,000"} <= set(en)


def test_spec_applies_the_locale_of_the_page():
    vl = charts.spec(build("bar", "vi"), "en")
    assert vl["config"]["locale"]["number"]["decimal"] == "."
    assert "8,000" in svg_texts(vl, "en")


def test_bar_sorts_by_value_by_default_and_follows_a_given_order():
    def order(**kw):
        vl = charts.bar(funding(), category="label", value="amount", title="t", unit=None, source="s", lang="vi",
                        **kw).to_dict()
        return vl["layer"][0]["encoding"]["y"]["sort"]

    assert order() == ["Tín dụng", "Ngân sách trung ương", "Doanh nghiệp"]
    assert order(sort="data") == ["Tín dụng", "Ngân sách trung ương", "Doanh nghiệp"]
    assert order(sort=["Doanh nghiệp", "Tín dụng", "Ngân sách trung ương"])[0] == "Doanh nghiệp"
    with pytest.raises(UsageError, match="sort"):
        order(sort="value")


def test_bar_label_column_replaces_the_value_text():
    df = funding().assign(text=["8.098,3 (72,7%)", "1.234,5 (11,1%)", "600,0 (5,4%)"])
    vl = charts.spec(charts.bar(df, category="label", value="amount", label="text", title="t", unit="tỷ đồng",
                                source="s", lang="vi"), "vi")
    texts = svg_texts(vl, "vi")
    assert "8.098,3 (72,7%)" in texts


def test_bar_highlight_and_colour_column():
    df = pd.DataFrame({"label": ["Cao Bằng", "Trung du và miền núi phía Bắc"], "value": [11.3, 28.6]})
    vl = charts.bar(df, category="label", value="value", title="t", unit="%", source="s", lang="vi",
                    highlight="Cao Bằng").to_dict()
    rows = list(vl["datasets"].values())[0]
    fills = {r["cat"]: r["fill"] for r in rows}
    assert fills["Cao Bằng"] == charts.ACCENT and fills["Trung du và miền núi phía Bắc"] == charts.SOFT
    assert {r["lab"] for r in rows} == {"11,3%", "28,6%"}  # unit "%" → percent labels

    coloured = funding().assign(kind=["tín dụng", "ngân sách", "khác"])
    vl = charts.bar(coloured, category="label", value="amount", color="kind", title="t", unit=None, source="s",
                    lang="vi").to_dict()
    assert vl["layer"][0]["encoding"]["color"]["field"] == "grp"


def test_caller_column_names_never_reach_the_chart():
    """Column names may be internal (or contain dots, which Vega reads as nesting): only values are shown."""
    df = pd.DataFrame({"nguồn.vốn": ["A", "B"], "giá trị [tỷ]": [1.5, 2.0]})
    vl = charts.spec(charts.bar(df, category="nguồn.vốn", value="giá trị [tỷ]", title="t", unit="tỷ đồng",
                                source="s", lang="vi"), "vi")
    assert "nguồn.vốn" not in json.dumps(vl, ensure_ascii=False)
    assert "1,5" in svg_texts(vl, "vi")


def test_missing_column_and_empty_frame_are_clear_errors():
    with pytest.raises(UsageError, match="'amount_x'"):
        charts.bar(funding(), category="label", value="amount_x", title="t", unit=None, source="s", lang="vi")
    with pytest.raises(UsageError, match="no rows"):
        charts.bar(funding().iloc[:0], category="label", value="amount", title="t", unit=None, source="s", lang="vi")
    with pytest.raises(NtmError, match="unknown language"):
        charts.bar(funding(), category="label", value="amount", title="t", unit=None, source="s", lang="fr")


def test_grouped_bar_has_one_bar_per_series_and_a_legend():
    vl = charts.spec(build("grouped_bar"), "vi")
    enc = vl["layer"][0]["encoding"]
    assert enc["yOffset"]["field"] == "grp" and enc["color"]["sort"] == ["Kế hoạch", "Huy động"]
    texts = svg_texts(vl, "vi")
    assert {"Kế hoạch", "Huy động", "246,9", "1.619,7"} <= set(texts)


def test_progress_shows_one_row_per_indicator_with_translated_stages():
    vl = charts.spec(build("progress", "en"), "en")
    rows = list(vl["datasets"].values())[0]
    assert {r["ind"] for r in rows} == {"Xã đạt chuẩn", "Xã dưới 15 tiêu chí", "Thu nhập (nghìn đồng)"}
    assert {r["stage"] for r in rows} == {"Baseline", "Current", "Target"}
    assert vl["resolve"]["scale"]["x"] == "independent"
    texts = svg_texts(vl, "en")
    # each indicator keeps its own decimals; a missing current value leaves that mark out
    assert {"17", "20", "50", "111", "100", "0", "1,000.5", "1,234.5", "Baseline", "Target"} <= set(texts)
    assert len(rows) == 3 + 3 + 2


def test_progress_leaves_out_a_missing_baseline():
    df = pd.DataFrame({"ind": ["Xã nâng cao"], "b": [None], "t": [10]})
    vl = charts.spec(charts.progress(df, indicator="ind", baseline="b", target="t", title="t", unit="xã",
                                     source="s", lang="vi"), "vi")
    rows = list(vl["datasets"].values())[0]
    assert [r["stage"] for r in rows] == ["Mục tiêu"]
    assert vl["title"]["subtitle"] == "Đơn vị: xã"
    report.render_svg(vl, "vi")  # still draws


def test_trajectory_draws_the_target_line_dashed_and_labels_years_plainly():
    vl = charts.spec(build("trajectory"), "vi")
    dash = vl["layer"][0]["encoding"]["strokeDash"]["scale"]
    assert dict(zip(dash["domain"], dash["range"])) == {"Thực tế": [1, 0], "Đường tới mục tiêu": [6, 4]}
    texts = svg_texts(vl, "vi")
    assert {"2021", "2022", "2023", "2024", "2025"} <= set(texts)  # years without a thousands separator
    assert "2.021" not in texts


def test_heatmap_booleans_are_met_or_not_met_in_the_language():
    for lang, words in (("vi", {"Đạt", "Chưa đạt"}), ("en", {"Met", "Not met"})):
        texts = svg_texts(charts.spec(build("heatmap", lang), lang), lang)
        assert words <= set(texts)


def test_heatmap_text_levels_keep_their_given_order_and_reject_strangers():
    df = pd.DataFrame({"r": ["a", "b"], "c": ["x", "x"], "v": ["thấp", "cao"]})
    vl = charts.heatmap(df, row="r", column="c", value="v", title="t", source="s", lang="vi",
                        levels=["cao", "thấp"]).to_dict()
    assert vl["encoding"]["color"]["scale"]["domain"] == ["cao", "thấp"]
    with pytest.raises(UsageError, match="'giữa'"):
        charts.heatmap(df.assign(v=["thấp", "giữa"]), row="r", column="c", value="v", title="t", source="s",
                       lang="vi", levels=["cao", "thấp"])


def test_heatmap_numbers_are_numeric_not_booleans():
    df = pd.DataFrame({"r": ["a", "a", "b", "b"], "c": ["x", "y", "x", "y"], "v": [0, 1, 1, 0]})
    vl = charts.spec(charts.heatmap(df, row="r", column="c", value="v", title="t", unit="điểm", source="s",
                                    lang="vi"), "vi")
    assert vl["encoding"]["color"]["type"] == "quantitative"
    svg = report.render_svg(vl, "vi")
    assert "Đạt" not in svg


def test_heatmap_of_139_communes_by_19_criteria_stays_small():
    names = [f"Xã {i:03d} <&> \"Hoà\"" for i in range(139)]
    df = pd.DataFrame([(n, f"{c}. Tiêu chí {c}", (i * c) % 3 != 0) for i, n in enumerate(names) for c in range(1, 20)],
                      columns=["commune", "criterion", "met"])
    vl = charts.spec(charts.heatmap(df, row="commune", column="criterion", value="met", title="t", source="s",
                                    lang="vi"), "vi")
    svg = report.figure(vl, lang="vi").svg  # as the page carries it: every cell with its hover text
    assert len(json.dumps(vl, ensure_ascii=False).encode()) < 60_000
    assert len(svg.encode()) < 400_000 and svg.count("<title>") == 139 * 19
    # no text per cell: only axis labels, legend and title
    assert svg.count("<text") < 139 + 19 + 20
    assert svg.count("<path") >= 139 * 19  # every cell drawn


def test_progress_without_any_value_is_an_error():
    df = pd.DataFrame({"ind": ["a"], "b": [None], "t": [None]})
    with pytest.raises(UsageError, match="no values"):
        charts.progress(df, indicator="ind", baseline="b", target="t", title="t", unit=None, source="s", lang="vi")
