"""HTML fragments that notebooks display, and the one function that exports an executed notebook as a page.

Fragments are small objects that display in JupyterLab and land in executed notebooks as outputs: `text/html` and a
readable `text/plain`. Their markup comes from the templates in `templates/report/` (`render`, autoescaped): Python
passes the data, the template decides the tags. Numbers in tables follow the locale; a table
keeps the DataFrame it shows (`.frame`).

A chart (`Figure`) displays as its Vega-Lite spec (`application/vnd.vegalite.v5+json`, which JupyterLab 4 draws live,
trusted or not), a static SVG (`image/svg+xml`) and a text line. It carries no `text/html`: JupyterLab ranks HTML above
Vega-Lite and would show it instead, and sanitises the SVG inside it in an untrusted notebook. `export_html` turns each
chart output into the page's `<figure>`: the static SVG, in which every mark has a `<title>` (the browser's own hover
text, scripts or not), and the source line as caption. Pages carry no script unless asked (`interactive=True`, which
adds the 0,9 MB Vega bundle once so that the charts become live); they reference nothing on the network, and
exporting the same notebook twice gives the same bytes.

`ntm build` sets DEFER_SVG in its worker processes (the notebook kernels inherit it): a chart output then carries no
SVG, and `export_html`, which runs in the long-lived worker, draws it from the spec. The drawing engine then starts
once per worker instead of once per notebook, and a chart that several reports share is drawn once. The page is
byte-identical either way.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from numbers import Real

import altair as alt
import nbformat
import numpy as np
import pandas as pd

from ntm_analysis.report import charts, render
from ntm_analysis import i18n, paths
from ntm_analysis.errors import UsageError

HEADLINES_MIME = "application/vnd.ntm.headlines+json"
#: The Vega-Lite output type JupyterLab 4 renders (its vega extension knows v3–v5). Altair 6's own
#: "application/vnd.vegalite.v6.json" is rejected by nbformat's schema (a JSON value needs a "+json" type).
VEGALITE_MIME = "application/vnd.vegalite.v5+json"
SVG_MIME = "image/svg+xml"
#: Cells tagged so are left out of the page (papermill tags the cell it injects "injected-parameters") ...
REMOVE_CELL_TAGS = ("injected-parameters", "remove_cell")
#: ... and cells tagged so show no output (their code never shows anyway).
REMOVE_OUTPUT_TAGS = ("remove_output",)
BANNER_KINDS = ("synthetic", "info", "warning")
#: Environment variable: "1" → a chart's output carries no SVG; `export_html` draws it (set by `ntm build`).
DEFER_SVG = "NTM_DEFER_SVG"
#: How many rows of a table its text/plain copy shows.
TEXT_ROWS = 12

LABELS = i18n.catalogue("report")


# -- fragments -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class Fragment:
    """A piece of a report page: its HTML, and the same content as plain text for a terminal or an untrusted view."""

    html: str
    text: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": repr(self), "text/html": self.html}

    def __repr__(self) -> str:
        return self.text or f"<{type(self).__name__}: {len(self.html)} characters of HTML>"


@dataclass(frozen=True, repr=False, eq=False)
class Table(Fragment):
    """A table, with the DataFrame it shows (`frame`) for an analyst to work with."""

    frame: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True, repr=False, eq=False)
class Heading(Fragment):
    """A heading: a section's title (`page.Group.title` is its first heading's text)."""


@dataclass(frozen=True, repr=False, eq=False)
class Headlines(Fragment):
    """Headline cards that also carry their items as data (`HEADLINES_MIME`) for the build step to harvest."""

    data: dict = field(default_factory=dict)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": repr(self), "text/html": self.html, HEADLINES_MIME: self.data}


class Figure:
    """A chart: the Altair object (`chart`), its themed Vega-Lite spec (`spec`), the static SVG (`svg`) and the
    source line (`caption`). Displays as Vega-Lite + SVG + text; `html` is the page's `<figure>`."""

    def __init__(self, chart: alt.TopLevelMixin | dict, *, lang: str):
        self.chart = chart
        self.lang = i18n.check_lang(lang)
        self.spec = charts.spec(chart, self.lang)
        self.ident = _ident(self.spec)
        self.caption = charts.source_of(self.spec) or ""
        self.defer_svg = os.environ.get(DEFER_SVG) == "1"

    @property
    def title(self) -> str:
        title = self.spec.get("title", "")
        return str(title.get("text", "") if isinstance(title, dict) else title)

    @property
    def svg(self) -> str:
        return _static_svg(_canonical(self.spec), self.ident, self.lang)

    @property
    def html(self) -> str:
        return _figure_html(self.spec, self.svg, self.ident)

    @property
    def text(self) -> str:
        return " — ".join(p for p in (f"[{self.title}]", self.caption) if p)

    # No _repr_html_: IPython would add its text/html to the bundle, and JupyterLab shows HTML before Vega-Lite.
    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {VEGALITE_MIME: self.spec, "text/plain": self.text}
        if not self.defer_svg:
            bundle[SVG_MIME] = self.svg
        return bundle

    def __repr__(self) -> str:
        return self.text


def _altair_renderer(spec: dict, **metadata) -> dict:
    """Altair charts an analyst displays (`section.chart`, edited or not) the way `Figure` displays: Vega-Lite that
    JupyterLab draws offline, trusted or not, with a text line. (Altair's default renderer loads Vega from a CDN.)"""
    title = spec.get("title", "")
    title = title.get("text", "") if isinstance(title, dict) else title
    return {VEGALITE_MIME: spec, "text/plain": f"[{title or 'chart'}]"}


def use_for_altair() -> None:
    """Make Altair display charts through `_altair_renderer` (called when the report modules load in a notebook)."""
    alt.renderers.register("ntm", _altair_renderer)
    alt.renderers.enable("ntm")


def figure(chart: alt.TopLevelMixin | dict, *, lang: str) -> Figure:
    """A chart for a report page: displays live in JupyterLab, exports as a static SVG with hover text and the
    source line as caption. With DEFER_SVG=1 in the environment, its output leaves the SVG to `export_html`."""
    return Figure(chart, lang=lang)


def table(df: pd.DataFrame, *, lang: str, caption: str | None = None, source: str | None = None,
          number_format: Mapping[str, int] | None = None) -> Table:
    """A table of `df`'s columns (the index is not shown). Numbers in the locale's format, right-aligned:
    integers with no decimals, others as given unless `number_format` fixes a column's decimals."""
    number_format = dict(number_format or {})
    unknown = [c for c in number_format if c not in df.columns]
    if unknown:
        raise UsageError(f"number_format names column(s) not in the table: {unknown}")
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    decimals = [number_format.get(c, 0 if pd.api.types.is_integer_dtype(df[c]) else None) for c in df.columns]
    rows = [[i18n.number(value, lang, decimals[k]) if numeric[k] else _cell_text(value, lang)
             for k, value in enumerate(values)] for values in df.itertuples(index=False, name=None)]
    markup = render.render("report/table.html.j2", caption=caption, source=source,
                           columns=[(str(c), numeric[k]) for k, c in enumerate(df.columns)],
                           rows=[list(zip(texts, numeric)) for texts in rows])
    shown = pd.DataFrame(rows[:TEXT_ROWS], columns=[str(c) for c in df.columns])
    more = f"… {len(rows) - TEXT_ROWS} more rows (.frame has them all)" if len(rows) > TEXT_ROWS else ""
    text = "\n".join(p for p in (caption, shown.to_string(index=False) if rows else "(no rows)", more, source) if p)
    return Table(markup, text, df)


def headlines(items: Sequence[Mapping], *, lang: str, title: str) -> Headlines:
    """A row of headline cards. Each item: label, value (text, or a number formatted for `lang`), note (optional).
    Displays as HTML and as `HEADLINES_MIME` = {"title": title, "items": [{"label", "value", "note"}, …]}."""
    i18n.check_lang(lang)
    clean = []
    for item in items:
        value = item["value"]
        if isinstance(value, Real) and not isinstance(value, bool):
            value = i18n.number(value, lang)
        clean.append({"label": str(item["label"]), "value": str(value), "note": str(item.get("note") or "")})
    text = "\n".join(f"{i['label']}: {i['value']}" + (f" ({i['note']})" if i["note"] else "") for i in clean)
    return Headlines(render.render("report/headlines.html.j2", items=clean), text,
                     {"title": str(title), "items": clean})


def banner(text: str, *, kind: str = "info") -> Fragment:
    """A notice across the page, e.g. the synthetic-data warning on every page built from demo data."""
    if kind not in BANNER_KINDS:
        raise UsageError(f"banner kind must be one of {BANNER_KINDS}, not {kind!r}")
    return Fragment(render.render("report/banner.html.j2", kind=kind, text=text), f"[!] {text}")


def heading(text: str, level: int = 2, *, ident: str = "", section: bool = False) -> Heading:
    """A heading; with `ident`, the contents can link to it; a `section` heading starts a new printed page."""
    if level not in range(1, 7):
        raise UsageError(f"heading level must be 1–6, not {level!r}")
    return Heading(render.render("report/heading.html.j2", level=level, text=text, ident=ident, section=section),
                   f"{'#' * level} {text}")


def paragraph(text: str) -> Fragment:
    return Fragment(render.render("report/paragraph.html.j2", text=text, note=False), text)


def note(text: str) -> Fragment:
    return Fragment(render.render("report/paragraph.html.j2", text=text, note=True), f"({text})")


def render_svg(vl: dict, lang: str) -> str:
    """The static SVG of a Vega-Lite spec, numbers in `lang`'s format."""
    import vl_convert  # imported here: a build's kernels leave the drawing to export_html

    return vl_convert.vegalite_to_svg(vl, format_locale=i18n.separators(lang))


@lru_cache(maxsize=64)
def _static_svg(spec_json: str, ident: str, lang: str) -> str:
    """The SVG of a figure, drawn from its canonical spec (the same whether it comes from the kernel or back from a
    notebook file), with ids scoped to the figure and a <title> on every mark; remembered, so that a chart several
    reports share is drawn once per process."""
    return _mark_titles(_round_geometry(_scope_ids(render_svg(json.loads(spec_json), lang), ident)))


_GEOMETRY = re.compile(r' (d|transform|x|y|x1|y1|x2|y2|width|height)="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d{2})\d+")


def _round_geometry(svg: str) -> str:
    """Coordinates cut to 1/100 px (Vega writes 4.576000000000001): a fifth of a heatmap's bytes, nothing visible.
    Only geometry attributes change; text (where "7.505" is a Vietnamese number) is left alone."""
    def cut(m: re.Match) -> str:
        return f' {m.group(1)}="{_LONG_DECIMAL.sub(_KEEP, m.group(2))}"'

    return _GEOMETRY.sub(cut, svg)


_KEEP = r"\1"


#: A mark Vega labelled from its `description` (charts.py sets one on every mark), as Vega writes it.
_LABELLED = re.compile(r'<(path|text|line|rect|circle|image) aria-label="([^"]*)" role="graphics-symbol"'
                       r' aria-roledescription="[^"]*"([^>]*?)(/?)>')


def _mark_titles(svg: str) -> str:
    """Every labelled mark gets its label as a <title> child instead: the hover text browsers show without any
    script, and the mark's accessible name (a shape with a <title> needs no role; a heatmap has 2 641 marks)."""
    def titled(m: re.Match) -> str:
        tag, label, rest, closed = m.groups()
        head = f"<{tag}{rest}><title>{label}</title>"
        return head + f"</{tag}>" if closed else head

    return _LABELLED.sub(titled, svg)


def _figure_html(spec: dict, svg: str, ident: str, *, interactive: bool = False) -> str:
    return render.render("report/figure.html.j2", ident=ident, svg=render.trusted(svg),
                         spec_json=render.trusted(_script_json(spec)) if interactive else "",
                         caption=charts.source_of(spec) or "")


def _ident(spec: dict) -> str:
    return "chart-" + hashlib.sha256(_canonical(spec).encode("utf-8")).hexdigest()[:16]


# -- export ----------------------------------------------------------------------------------------------------
def export_html(nb: nbformat.NotebookNode | dict, *, title: str, lang: str, interactive: bool = False) -> str:
    """The page of an executed notebook: outputs only (no code, prompts or printed text), self-contained,
    byte-identical for the same notebook. Drops cells tagged injected-parameters/remove_cell and the outputs of
    cells tagged remove_output. Charts are static SVG with hover text; `interactive=True` adds the Vega bundle
    (0,9 MB) and each chart's spec so that the charts go live when scripts run. `nb` itself is not changed."""
    lang = i18n.check_lang(lang)
    page, figures = _prepare(nb, lang, interactive)
    resources = {"ntm": {
        "title": title,
        "lang": lang,
        "css": render.stylesheet(),
        "bundle": _bundle() if interactive and figures else "",
        "locale": json.dumps(i18n.separators(lang), sort_keys=True),
    }}
    body, _ = _exporter().from_notebook_node(page, resources=resources)
    return body


@lru_cache(maxsize=1)
def _exporter():
    """One exporter per process: it keeps its compiled templates from one page to the next."""
    from nbconvert import HTMLExporter  # imported here: notebook kernels load this module but never export

    return HTMLExporter(
        template_name="ntm",
        extra_template_basedirs=[str(paths.TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )


def _prepare(nb: nbformat.NotebookNode | dict, lang: str, interactive: bool) -> tuple[nbformat.NotebookNode, int]:
    """A copy with the tagged cells and outputs removed, no stream output (print, warnings), and every chart
    output (Vega-Lite + SVG) turned into the page's <figure>, its SVG drawn where the kernel left it out
    (DEFER_SVG). Returns the copy and the number of charts."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    page = nbformat.from_dict(copy.deepcopy(nb))
    remover = TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS),
                                    remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS), enabled=True)
    page, _ = remover.preprocess(page, {})
    figures = 0
    for cell in page.cells:
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.get("outputs", []) if out.get("output_type") != "stream"]
            for out in cell.outputs:
                spec = out.get("data", {}).get(VEGALITE_MIME)
                if spec is not None:
                    out.data = {"text/html": _chart_output_html(spec, lang, interactive)}
                    figures += 1
                else:
                    figures += 'class="ntm-chart"' in _html_of(out)
    page.metadata.pop("widgets", None)
    return page, figures


def _chart_output_html(spec: Mapping, lang: str, interactive: bool) -> str:
    """The page's <figure> for a chart output. The SVG is drawn here from the spec, exactly as the kernel draws
    it (same canonical spec, same scoped ids), so the page is the same whether or not the kernel drew it."""
    if isinstance(spec, str):
        spec = json.loads(spec)
    spec = json.loads(json.dumps(spec))  # plain dicts and lists, as in a notebook file
    chart_lang = spec.get("usermeta", {}).get("ntm", {}).get("lang", lang)
    ident = _ident(spec)
    return _figure_html(spec, _static_svg(_canonical(spec), ident, chart_lang), ident, interactive=interactive)


@lru_cache(maxsize=1)
def _bundle() -> str:
    """vega, vega-lite and vega-embed in one script. Its top-level consts stay inside the function scope the
    template wraps it in; it publishes window.vegaEmbed."""
    import vl_convert

    return vl_convert.javascript_bundle().replace("</script", "<\\/script")


def _html_of(output: Mapping) -> str:
    text = output.get("data", {}).get("text/html", "")
    return "".join(text) if isinstance(text, list) else text


# -- offline check ---------------------------------------------------------------------------------------------
#: Attributes through which a page loads (or sends) something.
_URL_ATTRS = {"src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data", "background",
              "manifest", "ping", "longdesc", "cite", "codebase", "archive", "imagesrcset"}
_LOCAL = re.compile(r"^\s*(?:#|data:|blob:|javascript:void|about:blank\s*$)", re.I)
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*([^'")\s]+)""", re.I)


def check_offline(page: str) -> list[str]:
    """Every reference in an HTML page that would reach beyond the page itself: URLs in loading attributes,
    CSS url()/@import, meta refresh, and script/link/iframe/embed/object pointing anywhere. Empty = offline."""
    finder = _References()
    finder.feed(page)
    finder.close()
    return finder.found


class _References(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name in _URL_ATTRS:
                urls = [u.strip().split(" ")[0] for u in value.split(",")] if "srcset" in name else [value]
                self.found += [u for u in urls if u.strip() and not _LOCAL.match(u)]
            elif name == "style":
                self._css(value)
            elif tag == "meta" and name == "content" and "url=" in value.lower():
                self.found.append(value)
        if tag == "style":
            self._in_style = True

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data)

    def _css(self, text: str) -> None:
        self.found += [u for u in _CSS_URL.findall(text) if not _LOCAL.match(u)]


# -- helpers ---------------------------------------------------------------------------------------------------
def _canonical(vl: dict) -> str:
    return json.dumps(vl, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _script_json(vl: dict) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' that could end the element or start a comment."""
    text = json.dumps(vl, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _scope_ids(svg: str, prefix: str) -> str:
    """Name the SVG's ids (gradients, clip paths) after the figure, numbered in order of appearance: several
    inline SVGs on one page cannot collide, and the names do not depend on what the drawing engine drew before
    (vl-convert counts gradients and clips across all the charts it draws)."""
    for number, ident in enumerate(dict.fromkeys(re.findall(r' id="([^"]+)"', svg))):
        scoped = f"{prefix}-{re.sub(r'_?[0-9]+$', '', ident)}-{number}"
        svg = (svg.replace(f' id="{ident}"', f' id="{scoped}"')
               .replace(f"url(#{ident})", f"url(#{scoped})")
               .replace(f'href="#{ident}"', f'href="#{scoped}"'))
    return svg


def _cell_text(value, lang: str) -> str:
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return i18n.text(LABELS, "yes" if value else "no", lang)
    return str(value)
