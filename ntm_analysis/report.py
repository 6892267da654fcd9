"""HTML fragments that notebooks display, and the one function that exports an executed notebook as a page.

Fragments are small objects with `_repr_html_`, so they show in JupyterLab and land in executed notebooks as
`text/html` outputs. Every visible string goes through `html.escape`. Numbers in tables follow the locale.

A chart is displayed as a static SVG (drawn by vl-convert, readable with scripts off) plus its Vega-Lite spec as
JSON. `export_html` adds the Vega bundle once per page; a small script then swaps each static SVG for the live
chart with tooltips, and keeps the SVG when anything fails. Pages reference nothing on the network, and exporting
the same notebook twice gives the same bytes.

`ntm build` sets DEFER_SVG in its worker processes (the notebook kernels inherit it): `figure` then leaves a
placeholder where the SVG goes, and `export_html`, which runs in the long-lived worker, draws it from the spec
beside it. The drawing engine then starts once per worker instead of once per notebook, and a chart that several
reports share is drawn once. The page is byte-identical either way.
"""

from __future__ import annotations

import copy
import hashlib
import html
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

from . import charts, i18n, paths

HEADLINES_MIME = "application/vnd.ntm.headlines+json"
#: Cells tagged so are left out of the page (papermill tags the cell it injects "injected-parameters") ...
REMOVE_CELL_TAGS = ("injected-parameters", "remove_cell")
#: ... and cells tagged so show no output (their code never shows anyway).
REMOVE_OUTPUT_TAGS = ("remove_output",)
BANNER_KINDS = ("synthetic", "info", "warning")
#: Environment variable: "1" → `figure` leaves the static SVG for `export_html` to draw (set by `ntm build`).
DEFER_SVG = "NTM_DEFER_SVG"

LABELS = {
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
}


# -- fragments -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Fragment:
    """A piece of a report page. Displays as HTML in JupyterLab and in executed notebooks."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:  # the text/plain copy kept in notebooks: short, not the whole HTML again
        return f"<{type(self).__name__}: {len(self.html)} characters of HTML>"


@dataclass(frozen=True, repr=False)
class Headlines(Fragment):
    """Headline cards that also carry their items as data (`HEADLINES_MIME`) for the build step to harvest."""

    data: dict = field(default_factory=dict)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.html, HEADLINES_MIME: self.data}


def figure(chart: alt.TopLevelMixin | dict, *, lang: str) -> Fragment:
    """A chart as <figure>: static SVG, its spec for the live version, and the source line as caption.
    With DEFER_SVG=1 in the environment, the SVG is left for `export_html` to draw."""
    vl = charts.spec(chart, lang)
    ident = "chart-" + hashlib.sha256(_canonical(vl).encode("utf-8")).hexdigest()[:16]
    spec_json = _script_json(vl)
    if os.environ.get(DEFER_SVG) == "1":
        static = f'<div class="ntm-static" {_PENDING_MARK}{i18n.check_lang(lang)}"></div>'
    else:
        static = f'<div class="ntm-static">{_static_svg(spec_json, ident, lang)}</div>'
    source = charts.source_of(vl)
    caption = f"<figcaption>{html.escape(source)}</figcaption>" if source else ""
    return Fragment(
        f'<figure class="ntm-chart" id="{ident}">{static}'
        f'<script type="application/json" class="ntm-spec">{spec_json}</script>'
        f"{caption}</figure>"
    )


def table(df: pd.DataFrame, *, lang: str, caption: str | None = None, source: str | None = None,
          number_format: Mapping[str, int] | None = None) -> Fragment:
    """A table of `df`'s columns (the index is not shown). Numbers in the locale's format, right-aligned:
    integers with no decimals, others as given unless `number_format` fixes a column's decimals."""
    number_format = dict(number_format or {})
    unknown = [c for c in number_format if c not in df.columns]
    if unknown:
        raise ValueError(f"number_format names column(s) not in the table: {unknown}")
    numeric = {c: pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns}
    head = "".join(f'<th scope="col"{_num_class(numeric[c])}>{html.escape(str(c))}</th>' for c in df.columns)
    body = []
    for values in df.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(df.columns, values):
            if numeric[col]:
                decimals = number_format.get(col, 0 if pd.api.types.is_integer_dtype(df[col]) else None)
                cells.append(f'<td class="num">{i18n.number(value, lang, decimals)}</td>')
            else:
                cells.append(f"<td>{html.escape(_cell_text(value, lang))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    source_html = f"<figcaption>{html.escape(source)}</figcaption>" if source else ""
    return Fragment(
        f'<figure class="ntm-table"><div class="ntm-scroll"><table>{caption_html}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{source_html}</figure>"
    )


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
    cards = "".join(
        '<div class="ntm-card">'
        f'<p class="ntm-card-value">{html.escape(i["value"])}</p>'
        f'<p class="ntm-card-label">{html.escape(i["label"])}</p>'
        + (f'<p class="ntm-card-note">{html.escape(i["note"])}</p>' if i["note"] else "")
        + "</div>"
        for i in clean
    )
    return Headlines(f'<section class="ntm-headlines">{cards}</section>', {"title": str(title), "items": clean})


def banner(text: str, *, kind: str = "info") -> Fragment:
    """A notice across the page, e.g. the synthetic-data warning on every page built from demo data."""
    if kind not in BANNER_KINDS:
        raise ValueError(f"banner kind must be one of {BANNER_KINDS}, not {kind!r}")
    role = "note" if kind == "info" else "alert"
    return Fragment(f'<div class="ntm-banner ntm-{kind}" role="{role}">{html.escape(text)}</div>')


def heading(text: str, level: int = 2) -> Fragment:
    if level not in range(1, 7):
        raise ValueError(f"heading level must be 1–6, not {level!r}")
    return Fragment(f"<h{level}>{html.escape(text)}</h{level}>")


def paragraph(text: str) -> Fragment:
    return Fragment(f"<p>{html.escape(text)}</p>")


def note(text: str) -> Fragment:
    return Fragment(f'<p class="ntm-note">{html.escape(text)}</p>')


def render_svg(vl: dict, lang: str) -> str:
    """The static SVG of a Vega-Lite spec, numbers in `lang`'s format."""
    import vl_convert  # imported here: a build's kernels leave the drawing to export_html

    return vl_convert.vegalite_to_svg(vl, format_locale=i18n.separators(lang))


@lru_cache(maxsize=64)
def _static_svg(spec_json: str, ident: str, lang: str) -> str:
    """The SVG of a figure, from the spec exactly as the page carries it; remembered, so that a chart several
    reports share is drawn once per process."""
    return _scope_ids(render_svg(json.loads(spec_json), lang), ident)


#: A figure whose SVG `figure` left to the export (DEFER_SVG): id, language, and the spec that follows.
_PENDING_MARK = 'data-ntm-pending="'
_PENDING = re.compile(r'<figure class="ntm-chart" id="(chart-[0-9a-f]{16})">'
                      r'<div class="ntm-static" data-ntm-pending="(vi|en)"></div>'
                      r'<script type="application/json" class="ntm-spec">([^<]*)</script>')


def _draw_pending(text: str) -> str:
    """`text` with every pending static SVG drawn, exactly as `figure` draws it when not deferred."""
    def draw(match: re.Match) -> str:
        ident, lang, spec_json = match.groups()
        return (f'<figure class="ntm-chart" id="{ident}"><div class="ntm-static">'
                f'{_static_svg(spec_json, ident, lang)}</div>'
                f'<script type="application/json" class="ntm-spec">{spec_json}</script>')

    drawn = _PENDING.sub(draw, text)
    if _PENDING_MARK in drawn:
        raise ValueError("a chart left its static SVG to the export, but its figure is not in the form figure() "
                         "writes: the page would show no chart with scripts off")
    return drawn


# -- export ----------------------------------------------------------------------------------------------------
def export_html(nb: nbformat.NotebookNode | dict, *, title: str, lang: str) -> str:
    """The page of an executed notebook: outputs only (no code, prompts or printed text), self-contained,
    byte-identical for the same notebook. Drops cells tagged injected-parameters/remove_cell and the outputs of
    cells tagged remove_output. `nb` itself is not changed."""
    page = _prepare(nb)
    has_charts = any('class="ntm-spec"' in _html_of(out) for cell in page.cells for out in cell.get("outputs", []))
    resources = {"ntm": {
        "title": title,
        "lang": i18n.check_lang(lang),
        "bundle": _bundle() if has_charts else "",
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


def _prepare(nb: nbformat.NotebookNode | dict) -> nbformat.NotebookNode:
    """A copy with the tagged cells and outputs removed, no stream output (print, warnings), and the static SVG
    of every chart drawn (see DEFER_SVG)."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    page = nbformat.from_dict(copy.deepcopy(nb))
    remover = TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS),
                                    remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS), enabled=True)
    page, _ = remover.preprocess(page, {})
    for cell in page.cells:
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.get("outputs", []) if out.get("output_type") != "stream"]
            for out in cell.outputs:
                text = _html_of(out)
                if _PENDING_MARK in text:
                    out.data["text/html"] = _draw_pending(text)
    page.metadata.pop("widgets", None)
    return page


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


def _num_class(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _cell_text(value, lang: str) -> str:
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return i18n.text(LABELS, "yes" if value else "no", lang)
    return str(value)
