"""Charts: one theme for every figure, and DataFrame → Altair chart builders. No I/O.

Every builder takes the data with labels already translated by the caller, plus `title`, `unit`, `source` and
`lang`. It returns a themed Altair chart whose numbers follow the locale (vi: 1.234,5 · en: 1,234.5): value labels
and tooltips are formatted with `i18n.number` (babel), axes through the d3 format locale in `config.locale`.
Every mark has a tooltip, and a `description` with the same text that the static SVG
shows as its native hover text (<title>). The source line travels in the spec (`usermeta.ntm.source`, and the `description` that
becomes the chart's accessible label); `report.figure` prints it as the figure caption under the chart.

Charts are shown through `report.figure`, never through Altair's own renderers (see report.py).
"""

from __future__ import annotations

import copy
import json
import textwrap
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ntm_analysis import i18n
from ntm_analysis.report import render
from ntm_analysis.errors import UsageError

LABELS = i18n.catalogue("charts")

# -- theme -----------------------------------------------------------------------------------------------------
WIDTH = 620  # px, the whole chart including labels: fits an A4 page with margins
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"  # DejaVu Sans covers Vietnamese and is present offline
#: Colours: the package's one palette (templates/palette.toml), which the stylesheet declares as --ntm-<name>.
_COLOURS = render.palette()
INK = _COLOURS["ink"]
MUTED = _COLOURS["muted"]
GRID = _COLOURS["grid"]
RULE = _COLOURS["axis"]
PRIMARY = _COLOURS["primary"]
ACCENT = _COLOURS["accent"]
SOFT = _COLOURS["mark-muted"]
LIGHT = _COLOURS["mark-light"]
PAPER = _COLOURS["paper"]
#: Categorical palette, calm and print-friendly (the palette's series).
PALETTE = list(_COLOURS.series)


def theme(lang: str, palette: render.Palette | None = None) -> dict:
    """The Vega-Lite `config` every chart uses, with the number locale of `lang`; its colours from `palette`
    (default: the package's, as the module's colour names)."""
    c = palette or _COLOURS
    ink, muted = c["ink"], c["muted"]
    axis = {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "titleColor": muted,
            "labelColor": ink, "gridColor": c["grid"], "domainColor": c["axis"], "tickColor": c["axis"]}
    return {
        "font": FONT,
        "locale": {"number": i18n.separators(lang)},
        "background": c["paper"],
        "padding": 5,
        "view": {"stroke": None},
        "title": {"anchor": "start", "fontSize": 15, "fontWeight": "bold", "color": ink, "offset": 12,
                  "subtitleFontSize": 11, "subtitleColor": muted, "subtitlePadding": 4},
        "axis": axis,
        "axisBand": {"ticks": False, "domain": False, "labelPadding": 6},
        "legend": {"orient": "top", "labelFontSize": 11, "titleFontSize": 11, "labelColor": ink,
                   "symbolStrokeWidth": 1.5, "columnPadding": 16},
        "header": {"labelFontSize": 11, "labelColor": ink, "titleFontSize": 11},
        "range": {"category": list(c.series)},
        "mark": {"color": c["primary"]},
        "text": {"fontSize": 10.5, "color": ink},
    }


def spec(chart: alt.TopLevelMixin | dict, lang: str) -> dict:
    """The Vega-Lite dict of a chart, with the theme's number locale for `lang` applied."""
    if not isinstance(chart, (dict, alt.TopLevelMixin)):
        raise UsageError(f"spec() needs an Altair chart or a Vega-Lite dict, not {type(chart).__name__}")
    vl = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict()
    vl.setdefault("config", {})["locale"] = {"number": i18n.separators(lang)}
    return vl


def source_of(vl: dict) -> str | None:
    """The source line a builder stored in a spec (None for a chart made elsewhere)."""
    if not isinstance(vl, dict):
        raise UsageError(f"source_of() needs a Vega-Lite dict, not {type(vl).__name__}")
    return vl.get("usermeta", {}).get("ntm", {}).get("source")


# -- builders --------------------------------------------------------------------------------------------------
def bar(df: pd.DataFrame, *, category: str, value: str, title: str, unit: str | None, source: str, lang: str,
        sort: str | Sequence[str] | None = None, label: str | None = None, color: str | None = None,
        highlight: str | Sequence[str] | None = None, decimals: int | None = None,
        subtitle: str | None = None) -> alt.TopLevelMixin:
    """Horizontal bars with a value label at the end of each bar.

    `sort`: None → largest value on top; "data" → the frame's order; a list → that order of categories.
    `label`: a column of ready-made label text shown instead of the formatted value (e.g. "8.098,3 (72,7%)").
    `color`: a column whose values colour the bars (legend on top). `highlight`: categories drawn in the accent
    colour, the others muted (e.g. Cao Bằng against the region)."""
    data = _columns(df, "bar", cat=category, val=value, lab=label, grp=color)
    data["lab"] = data["lab"].astype(str) if label else _texts(data["val"], lang, decimals, unit)
    order = _order(data, sort)
    if color:
        fill = alt.Color("grp:N", title=None, sort=_unique(data["grp"]), scale=alt.Scale(range=PALETTE))
    elif highlight is not None:
        chosen = {highlight} if isinstance(highlight, str) else set(highlight)
        data["fill"] = [ACCENT if c in chosen else SOFT for c in data["cat"]]
        fill = alt.Color("fill:N", scale=None, legend=None)
    else:
        fill = alt.value(PRIMARY)
    data["head"] = _joined(data["cat"], data["grp"]) if color else data["cat"]
    data["tip"] = _tips(data["head"], data["lab"], unit, lang)
    data["cat"], order, lines = _wrapped(data["cat"], order)
    y = alt.Y("cat:N", sort=order, title=None, axis=_category_axis())
    x = alt.X("val:Q", title=unit, scale=alt.Scale(domain=_headroom(data, "val", "lab"), nice=False),
              axis=alt.Axis(format=",~f", tickCount=5))
    base = alt.Chart(data).encode(y=y, x=x, tooltip=_tooltip("lab", unit, lang), description="tip:N")
    chart = alt.layer(
        base.mark_bar(height={"band": 0.72}).encode(color=fill),
        base.mark_text(align="left", baseline="middle", dx=4).encode(text="lab:N"),
    ).properties(width=WIDTH, height=(26 if lines == 1 else 14 * lines + 10) * len(order))  # fixed: "fit-x" works
    return _finish(chart, title=title, subtitle=subtitle, source=source, lang=lang, fit=True)


def grouped_bar(df: pd.DataFrame, *, category: str, series: str, value: str, title: str, unit: str | None,
                source: str, lang: str, sort: str | Sequence[str] | None = "data", label: str | None = None,
                decimals: int | None = None, subtitle: str | None = None) -> alt.TopLevelMixin:
    """Horizontal bars, one group per category and one coloured bar per series, each with its value label
    (e.g. pace needed against pace achieved per indicator; plan 2021–2025 against mobilised 2017–2021 per source).
    `sort` as in `bar` (default: the frame's order); series keep the frame's order."""
    data = _columns(df, "grouped_bar", cat=category, grp=series, val=value, lab=label)
    data["lab"] = data["lab"].astype(str) if label else _texts(data["val"], lang, decimals, unit)
    order = _order(data, sort)
    groups = _unique(data["grp"])
    data["head"] = _joined(data["cat"], data["grp"])
    data["tip"] = _tips(data["head"], data["lab"], unit, lang)
    data["cat"], order, _ = _wrapped(data["cat"], order)
    y = alt.Y("cat:N", sort=order, title=None, axis=_category_axis())
    x = alt.X("val:Q", title=unit, scale=alt.Scale(domain=_headroom(data, "val", "lab"), nice=False),
              axis=alt.Axis(format=",~f", tickCount=5))
    offset = alt.YOffset("grp:N", sort=groups, scale=alt.Scale(paddingInner=0.1))
    base = alt.Chart(data).encode(y=y, x=x, yOffset=offset, tooltip=_tooltip("lab", unit, lang),
                                  description="tip:N")
    chart = alt.layer(
        base.mark_bar().encode(color=alt.Color("grp:N", title=None, sort=groups, scale=alt.Scale(range=PALETTE))),
        base.mark_text(align="left", baseline="middle", dx=4, fontSize=10.5).encode(text="lab:N"),
    ).properties(width=WIDTH, height=(17 * len(groups) + 12) * len(order))
    return _finish(chart, title=title, subtitle=subtitle, source=source, lang=lang, fit=True)


def progress(df: pd.DataFrame, *, indicator: str, baseline: str, target: str, current: str | None = None,
             title: str, unit: str | None, source: str, lang: str, decimals: int | None = None,
             subtitle: str | None = None) -> alt.TopLevelMixin:
    """Bullet-style rows, one per indicator, each on its own scale: baseline → target, and where it stands now.

    Every row has its own scale, so indicators in different units share one figure (put each indicator's unit in
    its label); values are written on the marks. A missing baseline or current value leaves that mark out."""
    cols = _columns(df, "progress", ind=indicator, b=baseline, t=target, c=current)
    stages = ["b", "c", "t"] if current else ["b", "t"]
    names = {k: i18n.text(LABELS, n, lang) for k, n in (("b", "baseline"), ("c", "current"), ("t", "target"))}
    rows = []
    for _, r in cols.iterrows():
        d = _decimals(r[stages]) if decimals is None else decimals
        for k in stages:
            if pd.notna(r[k]):
                rows.append({"ind": r["ind"], "stage": names[k], "head": f"{r['ind']} · {names[k]}",
                             "val": float(r[k]), "txt": i18n.number(r[k], lang, d),
                             "above": k == "c", "lo": _num(r["b"]), "now": _num(r.get("c")), "end": _num(r["t"])})
    if not rows:
        raise UsageError("progress(): no values to chart")
    data = pd.DataFrame(rows)
    data["tip"] = _tips(data["head"], data["txt"], unit, lang)
    order = [names[k] for k in stages]
    look = {"b": ("circle", PAPER, MUTED), "c": ("circle", PRIMARY, PRIMARY), "t": ("diamond", ACCENT, ACCENT)}
    legend = alt.Legend(title=None, symbolSize=80)

    def by_stage(channel, i):
        return channel("stage:N", sort=order, legend=legend,
                       scale=alt.Scale(domain=order, range=[look[k][i] for k in stages]))

    x = alt.X("val:Q", title=None, scale=alt.Scale(zero=False, padding=18),
              axis=alt.Axis(labels=False, ticks=False, domain=False, grid=False))  # axis=None breaks facets
    tips = {"tooltip": _tooltip("txt", unit, lang), "description": "tip:N"}
    on_baseline = f"datum.stage == {_js(names['b'])}"
    layers = [alt.Chart().mark_rule(color=SOFT, strokeWidth=3).encode(x="lo:Q", x2="end:Q", **tips)
              .transform_filter(on_baseline)]
    if current:
        layers.append(alt.Chart().mark_rule(color=PRIMARY, strokeWidth=3).encode(x="lo:Q", x2="now:Q", **tips)
                      .transform_filter(on_baseline + " && isValid(datum.now)"))
    layers += [
        alt.Chart().mark_point(size=90, opacity=1, strokeWidth=1.6).encode(
            x=x, shape=by_stage(alt.Shape, 0), fill=by_stage(alt.Fill, 1), color=by_stage(alt.Color, 2),
            **tips),
        alt.Chart().mark_text(baseline="top", dy=9, fontSize=10, color=MUTED).encode(
            x="val:Q", text="txt:N", **tips).transform_filter("!datum.above"),
        alt.Chart().mark_text(baseline="bottom", dy=-9, fontSize=10, color=PRIMARY).encode(
            x="val:Q", text="txt:N", **tips).transform_filter("datum.above"),
    ]
    data["ind"], rows_order, _ = _wrapped(data["ind"], _unique(data["ind"]))
    chart = alt.layer(*layers).properties(width=WIDTH - 250, height=22).facet(
        data=data,
        row=alt.Row("ind:N", sort=rows_order, title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelOrient="left", labelLimit=0,
                                      labelExpr="split(datum.label, '\\n')", labelLineHeight=13,
                                      labelPadding=8, labelBaseline="middle")),
        spacing=24,
    ).resolve_scale(x="independent")
    return _finish(chart, title=title, subtitle=_unit_line(subtitle, unit, lang), source=source, lang=lang)


def heatmap(df: pd.DataFrame, *, row: str, column: str, value: str, title: str, unit: str | None = None,
            source: str, lang: str, levels: Sequence[str] | None = None, colors: Sequence[str] | None = None,
            subtitle: str | None = None, column_names: dict | None = None) -> alt.TopLevelMixin:
    """A grid of `row` × `column` cells coloured by `value` (e.g. commune × criterion, met or not).

    `value` may be boolean (met / not met, labelled in `lang`), numeric (sequential colours) or text: categories in
    the order of `levels` (default: order of appearance), coloured by `colors` (default: the palette). Rows and
    columns keep the frame's order. `column_names`: the full name of each (short) column, for the hover text.
    Cells carry no text, and the data travel in a compact form (one record per
    row, folded back into cells by Vega), so that 139 communes × 19 criteria stay small."""
    data = _columns(df, "heatmap", r=row, c=column, v=value)
    rows, cols = _unique(data["r"]), _unique(data["c"])
    present = data["v"].dropna()
    numeric = False
    if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
        levels = [i18n.text(LABELS, "met", lang), i18n.text(LABELS, "not_met", lang)]
        code = {True: 0, False: 1}.__getitem__
        palette = list(colors or [PRIMARY, LIGHT])
    elif pd.api.types.is_numeric_dtype(data["v"]):
        numeric, code = True, float
    else:
        levels = list(levels) if levels is not None else _unique(present)
        unknown = sorted(set(present) - set(levels), key=str)
        if unknown:
            raise UsageError(f"heatmap(): value(s) {unknown} of column {value!r} not in levels {levels}")
        code = {name: k for k, name in enumerate(levels)}.__getitem__
        palette = list(colors or PALETTE)
    # Wide form with short keys, {"r": row number, "0": value in column 0, "1": …}, which Vega folds back into
    # cells: about a quarter of the size of one record per cell. Names come back through lookups.
    row_at = {name: i for i, name in enumerate(rows)}
    key_of = {name: str(j) for j, name in enumerate(cols)}
    wide = [{"r": i} for i in range(len(rows))]
    for r, c, v in data[["r", "c", "v"]].itertuples(index=False):
        if pd.notna(v):
            wide[row_at[r]][key_of[c]] = code(v)
    keys = list(key_of.values())
    row_names = pd.DataFrame({"r": range(len(rows)), "row": rows})
    col_names = pd.DataFrame({"c": keys, "col": cols, "full": [(column_names or {}).get(c, c) for c in cols]})

    step = max(6, min(18, 900 // max(len(rows), 1)))
    cell = max(8, min(30, (WIDTH - 190) // max(len(cols), 1)))
    chart = (
        alt.Chart(alt.Data(values=wide))
        .transform_fold(keys, as_=["c", "v"])
        .transform_filter("isValid(datum.v)")
        .transform_lookup(lookup="r", from_=alt.LookupData(row_names, key="r", fields=["row"]))
        .transform_lookup(lookup="c", from_=alt.LookupData(col_names, key="c", fields=["col", "full"]))
    )
    chart = chart.transform_calculate(head="datum.row + ' · ' + datum.full")
    if numeric:
        fill = alt.Color("v:Q", title=unit, scale=alt.Scale(scheme="blues"),
                         legend=alt.Legend(format=",~f", orient="top", gradientLength=200))
        tips = [alt.Tooltip("head:N", title="title"), alt.Tooltip("v:Q", title=_value_title(unit, lang), format=",~f")]
        chart = chart.transform_calculate(tip=f"datum.head + '\\n' + {_js(_value_title(unit, lang) + ': ')} + "
                                              f"format(datum.v, ',~f')")
    else:
        level_names = pd.DataFrame({"v": range(len(levels)), "level": levels})
        chart = chart.transform_lookup(lookup="v", from_=alt.LookupData(level_names, key="v", fields=["level"]))
        fill = alt.Color("level:N", title=None, sort=levels,
                         scale=alt.Scale(domain=levels, range=palette[: len(levels)]))
        tips = [alt.Tooltip("head:N", title="title"), alt.Tooltip("level:N", title=i18n.text(LABELS, "status", lang))]
        chart = chart.transform_calculate(tip="datum.head + ': ' + datum.level")  # short: 2 641 cells
    font = min(11, step - 1)
    short = all(len(str(c)) <= 4 for c in cols)
    flat = all(len(str(c)) * 7 + 4 <= cell for c in cols)  # ~7 px a character at 11 px: side by side, 4 px apart
    angle = 0 if flat else -90 if short else -45  # short codes that would run together ("C01C02") stand upright
    chart = chart.mark_rect().encode(
        y=alt.Y("row:N", sort=rows, title=None, scale=alt.Scale(paddingInner=0.1 if step >= 10 else 0, round=True),
                axis=alt.Axis(labelFontSize=font, labelLimit=170, labelPadding=4)),
        x=alt.X("col:N", sort=cols, title=None, scale=alt.Scale(paddingInner=0.1, round=True),
                axis=alt.Axis(orient="top", labelAngle=angle, labelLimit=140, labelPadding=4)),
        color=fill,
        tooltip=tips,
        description="tip:N",
    ).properties(width=alt.Step(cell), height=alt.Step(step))
    return _finish(chart, title=title, subtitle=_unit_line(subtitle, unit if numeric else None, lang),
                   source=source, lang=lang)


def trajectory(df: pd.DataFrame, *, year: str, value: str, series: str, title: str, unit: str | None,
               source: str, lang: str, dashed: str | Sequence[str] | None = None, decimals: int | None = None,
               subtitle: str | None = None) -> alt.TopLevelMixin:
    """Lines over the years, one per series (e.g. the observed path, and the straight line to the 2025 target).
    `dashed`: the series drawn dashed (targets, projections). The last point of each series is labelled."""
    data = _columns(df, "trajectory", yr=year, val=value, grp=series)
    data["yr"] = data["yr"].astype(int)
    data["txt"] = _texts(data["val"], lang, decimals, unit)
    groups = _unique(data["grp"])
    dashes = {dashed} if isinstance(dashed, str) else set(dashed or ())
    data["last"] = data["yr"] == data.groupby("grp")["yr"].transform("max")
    first, last = int(data["yr"].min()), int(data["yr"].max())
    x = alt.X("yr:Q", title=None, scale=alt.Scale(domain=[first, last], nice=False, padding=12),
              axis=alt.Axis(format="d", values=list(range(first, last + 1)), grid=False))
    y = alt.Y("val:Q", title=unit, axis=alt.Axis(format=",~f", tickCount=5))
    # colour and dash on the same field, so the legend shows one line symbol per series, dashed where drawn dashed
    legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=2.2, symbolSize=260)
    color = alt.Color("grp:N", sort=groups, legend=legend, scale=alt.Scale(domain=groups, range=PALETTE[: len(groups)]))
    dash = alt.StrokeDash("grp:N", sort=groups, legend=legend,
                          scale=alt.Scale(domain=groups, range=[[6, 4] if g in dashes else [1, 0] for g in groups]))
    data["head"] = _joined(data["grp"], data["yr"])
    data["tip"] = _tips(data["head"], data["txt"], unit, lang)
    base = alt.Chart(data).encode(x=x, y=y, color=color, tooltip=_tooltip("txt", unit, lang), description="tip:N")
    chart = alt.layer(
        base.mark_line(strokeWidth=2.2).encode(strokeDash=dash),
        base.mark_point(filled=True, size=45, opacity=1),
        base.mark_text(align="left", dx=7, dy=-7, fontSize=10.5).encode(text="txt:N").transform_filter("datum.last"),
    ).properties(width=WIDTH, height=260)
    return _finish(chart, title=title, subtitle=subtitle, source=source, lang=lang, fit=True)


# -- helpers ---------------------------------------------------------------------------------------------------
def _finish(chart, *, title: str, subtitle: str | None, source: str, lang: str, fit: bool = False):
    """Title, subtitle, source, accessible description and theme: what every chart carries."""
    props = {
        "title": alt.TitleParams(text=title, subtitle=subtitle) if subtitle else alt.TitleParams(text=title),
        "description": f"{title}. {source}",
        "usermeta": {"ntm": {"source": source, "lang": i18n.check_lang(lang)}},
    }
    if fit:
        props["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
    return chart.properties(**props).configure(**theme(lang))


def _columns(df: pd.DataFrame, builder: str, **wanted: str | None) -> pd.DataFrame:
    """The caller's columns under short internal names (field names with dots or brackets would confuse Vega)."""
    if not isinstance(df, pd.DataFrame):
        raise UsageError(f"{builder}(): the data must be a DataFrame, not {type(df).__name__}")
    wanted = {new: old for new, old in wanted.items() if old is not None}
    missing = [old for old in wanted.values() if old not in df.columns]
    if missing:
        raise UsageError(f"{builder}(): column(s) {missing} not in the data (columns: {list(df.columns)})")
    if df.empty:
        raise UsageError(f"{builder}(): no rows to chart")
    return pd.DataFrame({new: df[old].to_numpy() for new, old in wanted.items()})


def _unique(values) -> list:
    return list(dict.fromkeys(v.item() if hasattr(v, "item") else v for v in values))


def _order(data: pd.DataFrame, sort) -> list:
    if sort is None:
        return _unique(data.sort_values("val", ascending=False, kind="stable")["cat"])
    if isinstance(sort, str):
        if sort != "data":
            raise UsageError(f"sort must be None, 'data' or a list of categories, not {sort!r}")
        return _unique(data["cat"])
    return list(sort)


def _decimals(values: pd.Series) -> int:
    """The fewest decimals (0–2) that show every value as given."""
    vals = [float(v) for v in values if pd.notna(v)]
    for d in (0, 1):
        if all(abs(round(v, d) - v) < 1e-9 for v in vals):
            return d
    return 2


def _texts(values: pd.Series, lang: str, decimals: int | None, unit: str | None) -> list[str]:
    d = _decimals(values) if decimals is None else decimals
    suffix = "%" if unit == "%" else ""
    return [i18n.number(v, lang, d) + (suffix if pd.notna(v) else "") for v in values]


def _headroom(data: pd.DataFrame, value: str, text: str) -> list[float]:
    """Value-axis domain with room on the right for the longest label at the end of a bar."""
    hi, lo = max(float(data[value].max()), 0.0), min(float(data[value].min()), 0.0)
    plot = WIDTH - 260
    share = min(0.45, (data[text].astype(str).str.len().max() * 6.6 + 12) / plot)
    return [round(lo, 6), round(hi / (1 - share), 6) if hi > 0 else 1.0]


def _value_title(unit: str | None, lang: str) -> str:
    return unit or i18n.text(LABELS, "value", lang)


#: Category labels longer than this wrap onto more lines instead of being cut ("TC07 Cơ sở hạ tầng th…").
LABEL_CHARS = 30


def _wrapped(labels: pd.Series, order):
    """Category labels with line breaks ("\n") where they would be cut, the sort order in the same form, and the
    largest number of lines. The axis splits them into lines (`_category_axis`); hover texts keep the full name."""
    wrap = {str(c): "\n".join(textwrap.wrap(str(c), LABEL_CHARS, break_long_words=False)) or str(c)
            for c in labels.unique()}
    lines = max((w.count("\n") + 1 for w in wrap.values()), default=1)
    new_order = [wrap.get(str(o), o) for o in order] if isinstance(order, list) else order
    return labels.astype(str).map(wrap), new_order, lines


def _category_axis() -> alt.Axis:
    return alt.Axis(labelExpr="split(datum.label, '\\n')", labelLimit=0, labelLineHeight=13)


def _tooltip(text: str, unit: str | None, lang: str) -> list[alt.Tooltip]:
    """Vega's tooltip shows the field titled "title" as its heading (the "head" column: what the mark is), then
    "<unit>: <value text>". Caller column names never show: they may be internal names."""
    return [alt.Tooltip("head:N", title="title"), alt.Tooltip(f"{text}:N", title=_value_title(unit, lang))]


def _tips(heads, texts, unit: str | None, lang: str) -> list[str]:
    """The text of each mark's `description`: what the mark is, then "<unit>: <value>", on two lines. Vega writes
    it as the mark's aria-label; `report` turns that into the SVG <title> browsers show on hover, scripts or not."""
    name = _value_title(unit, lang)
    return [f"{h}\n{name}: {t}" for h, t in zip(heads, texts)]


def _joined(*columns) -> list[str]:
    return [" · ".join(str(v) for v in values) for values in zip(*columns)]


def _unit_line(subtitle: str | None, unit: str | None, lang: str) -> str | None:
    if not unit:
        return subtitle
    line = i18n.text(LABELS, "unit", lang, unit=unit)
    return f"{subtitle} · {line}" if subtitle else line


def _num(v) -> float | None:
    return float(v) if v is not None and pd.notna(v) else None


def _js(text: str) -> str:
    """A string literal for a Vega expression."""
    return json.dumps(text, ensure_ascii=False)
