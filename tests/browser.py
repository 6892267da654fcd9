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
