"""Markup comes from templates: no HTML built in Python strings, autoescaping everywhere, one palette for the
stylesheet, the charts and the mails, and the same bytes each time."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

import ntm_analysis
from ntm_analysis import paths
from ntm_analysis.data import communes
from ntm_analysis.errors import ConfigError, UsageError
from ntm_analysis.pipeline import build, send
from ntm_analysis.report import charts, release, render
from ntm_analysis.report import html as report

PACKAGE = Path(ntm_analysis.__file__).parent
#: A tag in a string: "<p", "</td", "<!DOCTYPE" (a placeholder stands for each {value} of an f-string).
TAG = re.compile(r"(?<!\(\?P)<(/?[a-zA-Z][a-zA-Z0-9-]*|!doctype)(?=[\s>/]|$)", re.I)  # not a regex's (?P<name>
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
#: Where Python may still write a tag, and why.
ALLOWED = {
    # SVG post-processing of vl-convert's output: each labelled mark gets its label as a <title> child.
    ("report/html.py", "_mark_titles"),
    # The Vega bundle inlined in a <script> on an interactive page: "</script" inside it is escaped as "<\/script".
    ("report/html.py", "_bundle"),
}
HOSTILE = '<script>alert("x")</script> & Hòa An \'1\''


def _strings(path: Path):
    """(function name, text) of every string constant in the module, docstrings left out; an f-string is read
    with an 'x' for each placeholder, so that f"<{tag}>" still shows as a tag."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not function:
            function = node.name  # the module-level function (or method) a nested one belongs to
        if isinstance(node, ast.JoinedStr):
            yield function, "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and id(node) not in docstrings:
            value = node.value
            yield function, value.decode("latin-1") if isinstance(value, bytes) else value
        for child in ast.iter_child_nodes(node):
            yield from visit(child, function)

    yield from visit(tree, "")


def test_no_module_builds_html_in_python_strings():
    found, allowed_seen = [], set()
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for function, text in _strings(path):
            if TAG.search(text):
                if (name, function) in ALLOWED:
                    allowed_seen.add((name, function))
                else:
                    found.append(f"{name}:{function}: {text[:60]!r}")
        source = path.read_text(encoding="utf-8")
        assert "html.escape" not in source, f"{name} escapes by hand; templates autoescape"
    assert not found, found
    assert allowed_seen == ALLOWED  # the allowance is still needed, and the scan does see tags


def test_the_scan_sees_tags_in_plain_and_f_strings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('def f(x):\n    """<p>a docstring</p> is fine"""\n    return f"<{x}>" + "</td>" + "a < b" + "(?P<part>x+)"\n',
                      encoding="utf-8")
    hits = [text for _, text in _strings(sample) if TAG.search(text)]
    assert hits == ["<x>", "</td>"]


def test_no_colour_outside_the_palette():
    """Every colour of the package is in palette.toml: none in Python strings, none in any template."""
    found = [f"{p.relative_to(PACKAGE)}: {t!r}" for p in sorted(PACKAGE.rglob("*.py"))
             for _, t in _strings(p) if HEX.search(t)]
    for path in sorted(paths.TEMPLATES.rglob("*")):
        if path.is_file() and path.name != "palette.toml" and path.suffix in (".j2", ".css", ".js", ".json"):
            found += [f"{path.relative_to(PACKAGE)}: {m}" for m in HEX.findall(path.read_text(encoding="utf-8"))]
    assert not found, found


# -- one palette -------------------------------------------------------------------------------------------------
def _custom_properties(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", css).group(1)
    return dict(re.findall(r"--ntm-([a-z0-9-]+):\s*([^;]+);", root))


def _theme_colours(value) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_theme_colours(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_theme_colours(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) and HEX.fullmatch(value) else set()


def test_stylesheet_and_chart_theme_take_their_colours_from_the_palette():
    palette = render.palette()
    css = render.stylesheet()
    assert _custom_properties(css) == palette.custom_properties()
    assert len(palette.series) == 8 and _custom_properties(css)["series-1"] == palette.series[0]
    # the rules use the properties, and no colour of their own
    rules = css[css.index("}") + 1:]
    assert not HEX.search(rules) and "var(--ntm-primary)" in rules and "var(--ntm-accent-tint)" in rules
    theme = charts.theme("vi")
    assert _theme_colours(theme) <= set(palette.colours.values()) | set(palette.series)
    assert theme["mark"]["color"] == palette["primary"] and theme["range"]["category"] == list(palette.series)
    assert (charts.PRIMARY, charts.ACCENT, charts.SOFT, charts.INK) == (
        palette["primary"], palette["accent"], palette["mark-muted"], palette["ink"])


def test_changing_one_palette_entry_changes_stylesheet_and_charts(tmp_path):
    text = render.PALETTE_FILE.read_text(encoding="utf-8").replace('primary = "#2f6690"', 'primary = "#123456"')
    (tmp_path / "palette.toml").write_text(text, encoding="utf-8")
    changed = render.load_palette(tmp_path / "palette.toml")
    assert changed["primary"] == "#123456" and changed["accent"] == render.palette()["accent"]
    assert "--ntm-primary: #123456;" in render.stylesheet(changed)
    assert charts.theme("vi", changed)["mark"]["color"] == "#123456"
    assert "#123456" not in render.stylesheet() and charts.theme("vi")["mark"]["color"] == "#2f6690"


def test_the_palette_file_drives_pages_charts_index_and_mail(tmp_path):
    """A copy of the package with one entry changed in palette.toml, run in a fresh process: the chart theme,
    a chart's own colours, the stylesheet of a page and the index, and the mail body all change with it."""
    copy = tmp_path / "ntm_analysis"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    palette = copy / "templates" / "palette.toml"
    palette.write_text(palette.read_text(encoding="utf-8").replace('accent = "#c47f1c"', 'accent = "#abcdef"'),
                       encoding="utf-8")
    script = """
import json, pandas as pd, ntm_analysis
from ntm_analysis.report import charts, render
from ntm_analysis.pipeline import build, send
bar = charts.bar(pd.DataFrame({"c": ["a", "b"], "v": [1, 2]}), category="c", value="v", title="t", unit=None,
                 source="s", lang="vi", highlight="a").to_dict()
fills = [r["fill"] for r in bar["datasets"][next(iter(bar["datasets"]))]]
entry = build.report_entry(unit="04", report="gap", lang="vi", html_bytes=b"x", title="t", headlines=[])
manifest = build.assemble_manifest(reports=[entry], inputs=[], lang="vi", synthetic=True)
print(json.dumps({"package": ntm_analysis.__file__, "accent": charts.ACCENT, "fills": fills,
                  "css": render.stylesheet(), "index": build.index_html(manifest),
                  "mail": send._body_html(manifest, [entry], lang="vi", attached="a", part=1, parts=1)}))
"""
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NTM_ROOT": str(paths.ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                          cwd=tmp_path)  # not the project folder, whose ntm_analysis would come first
    got = json.loads(done.stdout)
    assert got["package"] == str(copy / "__init__.py")
    assert got["accent"] == "#abcdef" and "#abcdef" in got["fills"]
    assert "--ntm-accent: #abcdef;" in got["css"] and "--ntm-accent: #abcdef;" in got["index"]
    assert "border-left:4px solid #abcdef" in got["mail"]  # the synthetic-data notice


def test_a_bad_palette_is_refused_with_its_entry(tmp_path):
    bad = tmp_path / "palette.toml"
    bad.write_text('[colours]\nink = "red"\n[series]\ncolours = ["#000000"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="ink = 'red' is not a #rrggbb colour"):
        render.load_palette(bad)
    bad.write_text('[colours]\nink = "#000000"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="series"):
        render.load_palette(bad)
    with pytest.raises(ConfigError, match="cannot read the palette"):
        render.load_palette(tmp_path / "missing.toml")


def test_a_template_missing_a_value_or_missing_itself_is_a_usage_error():
    with pytest.raises(UsageError, match="'ident' is undefined"):
        render.render("report/heading.html.j2", level=2, text="x", section=False)
    with pytest.raises(UsageError, match="no template 'report/nothing.html.j2'"):
        render.render("report/nothing.html.j2")


# -- autoescape: page, index and mail ------------------------------------------------------------------------------
def _escaped(markup: str) -> None:
    assert "<script>alert" not in markup
    assert "&lt;script&gt;alert(" in markup


def test_hostile_text_is_escaped_on_the_page():
    parts = [report.banner(HOSTILE, kind="synthetic"), report.heading(HOSTILE, 1), report.paragraph(HOSTILE),
             report.note(HOSTILE), release.key_points([HOSTILE], "vi"), release.contents([("sec-x", HOSTILE)], "vi"),
             release.heading(HOSTILE, 2, "sec-x"),
             report.table(pd.DataFrame({HOSTILE: [HOSTILE], "n": [1]}), lang="vi", caption=HOSTILE, source=HOSTILE),
             report.headlines([{"label": HOSTILE, "value": HOSTILE, "note": HOSTILE}], lang="vi", title=HOSTILE)]
    for part in parts:
        _escaped(part.html)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": p.html, "text/plain": p.text})]) for p in parts]
    page = report.export_html(nb, title=HOSTILE, lang="vi")
    doc = BeautifulSoup(page, "html.parser")
    assert doc.find("script") is None and doc.title.string == HOSTILE
    assert doc.h1.get_text() == HOSTILE and doc.select_one(".ntm-table td").get_text() == HOSTILE
    assert doc.select_one(".ntm-keypoints li").get_text() == HOSTILE
    assert doc.select_one(".ntm-card-label").get_text() == HOSTILE


def test_hostile_text_is_escaped_on_the_index():
    entry = build.report_entry(unit="04", report="gap", lang="vi", html_bytes=b"x", title=HOSTILE,
                               headlines=[{"label": HOSTILE, "value": HOSTILE, "note": HOSTILE}])
    entry["unit_name"] = HOSTILE
    page = build.index_html(build.assemble_manifest(reports=[entry], inputs=[], lang="vi", synthetic=True))
    _escaped(page)
    doc = BeautifulSoup(page, "html.parser")
    assert doc.find("script") is None and doc.select_one("section.unit h2").get_text() == HOSTILE
    assert doc.select_one("dl.headlines dt").get_text() == HOSTILE
    _escaped(release.index_comparison(communes.load_default(), "vi", source=HOSTILE))  # the districts compared


def test_hostile_text_is_escaped_in_the_mail_bodies():
    entry = build.report_entry(unit="04", report="gap", lang="vi", html_bytes=b"x", title=HOSTILE,
                               headlines=[{"label": HOSTILE, "value": HOSTILE, "note": HOSTILE}])
    manifest = build.assemble_manifest(reports=[entry], inputs=[], lang="vi", synthetic=True)
    msg = send.message(manifest, [entry], {entry["path"]: b"<p>x</p>"}, to=["bcd@example.vn"], sender=None,
                       zipped=False)
    body = msg.get_body(("html",)).get_content()
    _escaped(body)
    assert BeautifulSoup(body, "html.parser").find("h2").get_text() == HOSTILE
    assert HOSTILE in msg.get_body(("plain",)).get_content()  # plain text is not HTML: left as it is


# -- the same bytes ------------------------------------------------------------------------------------------------
DETERMINISM = """
import hashlib, json, nbformat
from ntm_analysis import paths
from ntm_analysis.data import communes
from ntm_analysis.pipeline import build, send
from ntm_analysis.report import html as report, render
entries = [build.report_entry(unit=u, report=k, lang="vi", html_bytes=b"x", title="t " + u,
                              headlines=[{"label": "a", "value": "1", "note": "n"}])
           for u in ("04", "051", "053") for k in ("evaluation", "gap")]
manifest = build.assemble_manifest(reports=entries, inputs=[], lang="vi", synthetic=True)
import pandas as pd
from ntm_analysis.report import charts
frame = pd.DataFrame({"Đơn vị": ["Hòa An", "Thạch An"], "Xã": [14, 13]})
chart = charts.bar(frame, category="Đơn vị", value="Xã", title="Xã", unit="xã", source="s", lang="vi")
parts = [report.heading("Đầu", 2), report.table(frame, lang="vi"), report.figure(chart, lang="vi")]
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data",
            data=p._repr_mimebundle_())]) for p in parts]
out = {"page": report.export_html(nb, title="Trang", lang="vi"), "index": build.index_html(manifest, paths.DEMO_COMMUNES), "css": render.stylesheet(),
       "mail": send._body_html(manifest, entries, lang="vi", attached="a", part=1, parts=2),
       "text": send._body_text(manifest, entries, lang="vi", attached="a", part=1, parts=2)}
print(json.dumps({k: hashlib.sha256(v.encode()).hexdigest() for k, v in out.items()}))
"""


def test_page_index_stylesheet_and_mail_are_the_same_bytes_in_every_process():
    runs = [subprocess.run([sys.executable, "-c", DETERMINISM], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0] == runs[1] and len(json.loads(runs[0])) == 5
    here = json.loads(runs[0])
    entries = [build.report_entry(unit=u, report=k, lang="vi", html_bytes=b"x", title="t " + u,
                                  headlines=[{"label": "a", "value": "1", "note": "n"}])
               for u in ("04", "051", "053") for k in ("evaluation", "gap")]
    manifest = build.assemble_manifest(reports=entries, inputs=[], lang="vi", synthetic=True)
    assert hashlib.sha256(build.index_html(manifest, paths.DEMO_COMMUNES).encode()).hexdigest() == here["index"]
