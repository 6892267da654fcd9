"""Open an exported report page in headless Chromium (the Debian package, driven by playwright) and report what
happened: requests that tried to leave the machine (aborted), console errors, and how each chart ended up.

Used by tests/test_browser.py and by any test of a real report: `visit(path, chromium=...)`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: Headless Chromium as root needs --no-sandbox; the rest keeps the browser from calling home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:")

_FIGURES = """() => Array.from(document.querySelectorAll("figure.ntm-chart")).map(f => ({
    id: f.id,
    live: f.querySelector(".ntm-live svg.marks") !== null && !f.querySelector(".ntm-live").hidden,
    still: f.querySelector(".ntm-static svg") !== null,
    marks: f.querySelectorAll(".ntm-static svg g.role-mark > *").length,
    titled: Array.from(f.querySelectorAll(".ntm-static svg g.role-mark > *")).filter(
        m => m.querySelector(":scope > title") !== null && m.querySelector(":scope > title").textContent !== "").length,
    hover: (f.querySelector(".ntm-static svg g.role-mark > * > title") || {}).textContent || null,
}))"""
_SETTLED = """() => Array.from(document.querySelectorAll("figure.ntm-chart")).every(
    f => f.querySelector(".ntm-live svg.marks") !== null && f.querySelector(".ntm-static") === null)"""


@dataclass
class Visit:
    """What a page did in the browser."""

    blocked: list[str] = field(default_factory=list)  # every request not file:/data:/blob: (all aborted)
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    figures: list[dict] = field(default_factory=list)  # per figure: id, live (drawn by Vega), still (static SVG),
    # marks (in the static SVG), titled (marks with a <title>: the hover text), hover (the first mark's)
    tooltip: str | None = None  # text of the tooltip after hovering the first chart's first mark, if asked

    @property
    def live(self) -> int:
        return sum(f["live"] for f in self.figures)

    @property
    def still(self) -> int:
        return sum(f["still"] for f in self.figures)


def visit(path: Path, *, chromium: str, javascript: bool = True, hover: str | None = None,
          timeout_ms: int = 30_000) -> Visit:
    """Load `path` with network access cut off. With scripts on, wait until every chart is live (or time out);
    `hover`: a CSS selector to hover afterwards, recording the tooltip text."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    result = Visit()

    def route(r):
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            result.blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="ntm-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS, java_script_enabled=javascript,
            service_workers="block",
        )
        try:
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda m: result.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: result.errors.append(str(e)))
            page.goto(Path(path).resolve().as_uri(), wait_until="load")
            if javascript and page.query_selector("script.ntm-spec") is not None:  # an interactive page
                try:
                    page.wait_for_function(_SETTLED, timeout=timeout_ms)
                except PlaywrightTimeout:
                    pass  # the figures below tell what did not settle
            result.figures = page.evaluate(_FIGURES)
            if hover and javascript:
                page.hover(hover)
                try:
                    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
                    result.tooltip = page.inner_text("#vg-tooltip-element")
                except PlaywrightTimeout:
                    result.tooltip = None
        finally:
            context.close()
    return result


# -- layout: screen widths and print -------------------------------------------------------------------------------
#: A4 (210 mm) less the 14 mm side margins of the page's @page rule, in CSS px (96 per inch).
A4_TEXT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)

_LAYOUT = """() => {
  const out = {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth,
               wide: [], cut: [], ellipsis: [], overlaps: [], smallest: null, texts: 0,
               // tables wider than the screen, scrolling in their own box outside the annex
               scrolled: Array.from(document.querySelectorAll(".ntm-scroll")).filter(
                 s => s.scrollWidth > s.clientWidth + 1 && !s.closest("details")).map(s => s.scrollWidth)};
  // elements reaching past the window, outside the boxes meant to scroll (tables, preformatted text)
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".ntm-scroll, .ntm-text")) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5))
      out.wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  for (const svg of document.querySelectorAll("figure.ntm-chart svg")) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;  // a chart not shown (the static SVG once the live one is drawn)
    const figure = svg.closest("figure").id;
    const placed = [];  // labels already seen in this chart, to find two that overlap
    for (const t of svg.querySelectorAll("text")) {
      // the label itself, without the <title> (hover text) a mark may carry
      const label = Array.from(t.childNodes).filter(n => n.nodeName !== "title").map(n => n.textContent).join("").trim();
      if (!label) continue;
      const r = t.getBoundingClientRect();
      out.texts += 1;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        out.cut.push(`${figure}: ${label}`);
      if (label.endsWith("…")) {
        const hover = t.querySelector(":scope > title") || t.parentElement.querySelector(":scope > title");
        const full = hover ? hover.textContent : "";
        if (!full.startsWith(label.slice(0, -1).trim()) || full.trim() === label) out.ellipsis.push(`${figure}: ${label}`);
      }
      for (const [other, o] of placed)
        if (Math.min(r.right, o.right) - Math.max(r.left, o.left) > -2 && Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top) > 1)
          out.overlaps.push(`${figure}: ${other} / ${label}`);
      placed.push([label, r]);
      if (out.smallest === null || r.height < out.smallest.px) out.smallest = {px: r.height, label, figure};
    }
  }
  return out;
}"""

_PRINT = """() => ({
  scrollWidth: document.scrollingElement.scrollWidth,
  sections: Array.from(document.querySelectorAll("h2.ntm-section")).map(h => getComputedStyle(h).breakBefore),
  annexes: Array.from(document.querySelectorAll("details")).map(d => {
    const inside = Array.from(d.children).filter(c => c.tagName !== "SUMMARY");
    return {id: d.id, shown: inside.length > 0 && inside.every(c => c.getBoundingClientRect().height > 0)};
  }),
})"""


@dataclass
class Layout:
    """How a page lays out at one window width (screen), measured in CSS px."""

    width: int
    scroll_width: int  # document.scrollingElement.scrollWidth
    wide: list[str]  # elements past the window's edges, outside a scroll box
    cut: list[str]  # chart labels reaching outside their SVG
    ellipsis: list[str]  # chart labels ending in "…" whose full text is not in a <title>
    overlaps: list[str]  # pairs of chart labels that overlap or run together (under 2 px apart on a line)
    smallest: dict | None  # the smallest chart label: px (its box height), label, figure
    texts: int  # chart labels measured
    scrolled: list[int]  # widths of the tables outside the annex that scroll in their box
    screenshot: Path


@dataclass
class Printed:
    """The page printed on A4."""

    pdf: Path
    pages: int
    scroll_width: int  # with print media, in a window as wide as the A4 text width
    sections: list[str]  # the computed break-before of each section heading
    annexes: list[dict]  # per <details>: id, shown (its content has a height on paper)


def pdf_pages(data: bytes) -> int:
    """Pages in a PDF written by Chromium (its page tree holds every page: /Type /Page, one each)."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def _offline(context) -> None:
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort())


def layout(path: Path, *, chromium: str, widths=(1280, 390), shots: Path, pdf: bool = True,
           javascript: bool = False) -> tuple[dict[int, Layout], Printed | None]:
    """Open `path` offline at each window width, take a full-page screenshot into `shots` and measure it; then,
    if `pdf`, print it on A4 and measure the print layout. Scripts off by default: the page as mailed."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    path = Path(path).resolve()
    shots.mkdir(parents=True, exist_ok=True)
    found: dict[int, Layout] = {}
    printed = None
    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            for width in widths:
                context = chrome.new_context(viewport={"width": width, "height": 900},
                                             java_script_enabled=javascript, service_workers="block")
                _offline(context)
                page = context.new_page()
                page.goto(path.as_uri(), wait_until="load")
                shot = shots / f"{path.stem}_{width}.png"
                try:
                    page.screenshot(path=str(shot), full_page=True)
                except PlaywrightError:  # a busy headless compositor may miss the frame once; ask again
                    page.screenshot(path=str(shot), full_page=True)
                m = page.evaluate(_LAYOUT)
                found[width] = Layout(width=width, scroll_width=m["scrollWidth"], wide=m["wide"], cut=m["cut"],
                                      ellipsis=m["ellipsis"], overlaps=m["overlaps"], smallest=m["smallest"], texts=m["texts"],
                                      scrolled=m["scrolled"], screenshot=shot)
                context.close()
            if pdf:
                context = chrome.new_context(viewport={"width": A4_TEXT_WIDTH, "height": 1000},
                                             java_script_enabled=javascript, service_workers="block")
                _offline(context)
                page = context.new_page()
                page.goto(path.as_uri(), wait_until="load")
                page.emulate_media(media="print")
                m = page.evaluate(_PRINT)
                out = shots / f"{path.stem}.pdf"
                data = page.pdf(format="A4", path=str(out))  # the page's own @page margins
                printed = Printed(pdf=out, pages=pdf_pages(data), scroll_width=m["scrollWidth"],
                                  sections=m["sections"], annexes=m["annexes"])
                context.close()
        finally:
            chrome.close()
    return found, printed
