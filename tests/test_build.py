"""`ntm build`: pure helpers (naming, manifest, index page), the atomic publish, builds of small fixture notebooks
(failures, interrupts, network references), and one full pack of the real notebooks on the demo data."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from ntm_analysis.errors import NtmError
from ntm_analysis import build, paths, reference, report
from ntm_analysis.cli import main
from ntm_analysis.errors import BuildError, ConfigError, DataError, UnitError

DISTRICTS = reference.unit_codes()[1:]


@pytest.fixture(autouse=True)
def outside_dirs(tmp_path, monkeypatch):
    """Logs and failed notebooks go to the test's folder, not the project's outputs/."""
    monkeypatch.setattr(paths, "BUILD_LOGS", tmp_path / "logs")
    monkeypatch.setattr(paths, "FAILED", tmp_path / "failed")


def tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


# --------------------------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------------------------


def test_report_filename_only_from_valid_codes():
    assert build.report_filename("04", "evaluation", "vi") == "04_evaluation_vi.html"
    assert build.report_filename(" 053 ", "gap", "en") == "053_gap_en.html"
    for bad in ["../x", "04/../../etc", "/tmp/x", "041", "", "04\x00"]:
        with pytest.raises(UnitError):
            build.report_filename(bad, "gap", "vi")
    with pytest.raises(ConfigError):
        build.report_filename("04", "../gap", "vi")
    with pytest.raises(NtmError):
        build.report_filename("04", "gap", "../fr")


def test_inside_refuses_paths_outside_the_folder(tmp_path):
    assert build.inside(tmp_path, "04_gap_vi.html") == tmp_path.resolve() / "04_gap_vi.html"
    for bad in ["../x.html", "/etc/passwd", "sub/x.html", ".."]:
        with pytest.raises(ConfigError):
            build.inside(tmp_path, bad)


def test_units_and_reports_are_checked():
    assert build.check_units(None) == reference.unit_codes()
    assert build.check_units(["040", "04", "040"]) == ["040", "04"]
    with pytest.raises(UnitError):
        build.check_units(["04", "../x"])
    assert build.check_reports(None) == ["evaluation", "gap"]
    assert build.check_reports(["gap", "evaluation"]) == ["evaluation", "gap"]
    with pytest.raises(ConfigError):
        build.check_reports(["summary"])


def test_harvest_headlines_reads_the_bundles():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<p/>", build.HEADLINES_MIME: {
                "title": "Báo cáo A", "items": [{"label": "Xã", "value": "17", "note": None}]}})]),
        nbformat.v4.new_code_cell("y", outputs=[nbformat.v4.new_output("stream", name="stdout", text="hi")]),
        nbformat.v4.new_code_cell("z", outputs=[nbformat.v4.new_output(
            "execute_result", execution_count=1, data={build.HEADLINES_MIME: json.dumps(
                {"items": [{"label": "Vốn", "value": "11.132,3", "note": "tỷ đồng"}]})})]),
    ]
    title, items = build.harvest_headlines(nb)
    assert title == "Báo cáo A"
    assert items == [{"label": "Xã", "value": "17", "note": ""},
                     {"label": "Vốn", "value": "11.132,3", "note": "tỷ đồng"}]
    assert build.harvest_headlines(nbformat.v4.new_notebook()) == (None, [])


def entries(units=("040", "04", "053"), kinds=("gap", "evaluation"), lang="vi", headline="Xã đạt chuẩn"):
    return [build.report_entry(unit=u, report=k, lang=lang, html_bytes=f"{u}{k}".encode(),
                               title=build.default_title(u, k, lang),
                               headlines=[{"label": headline, "value": "17", "note": "2021"}])
            for u in units for k in kinds]


def test_manifest_is_sorted_and_stable():
    inputs = [{"path": "notebooks/gap.ipynb", "sha256": "b"}, {"path": "data/raw/x.txt", "sha256": "a"}]
    one = build.assemble_manifest(reports=entries(), inputs=inputs, lang="vi", synthetic=True)
    two = build.assemble_manifest(reports=entries()[::-1], inputs=inputs[::-1], lang="vi", synthetic=True)
    assert [(r["unit"], r["report"]) for r in one["reports"]] == [
        ("04", "evaluation"), ("04", "gap"), ("040", "evaluation"), ("040", "gap"), ("053", "evaluation"),
        ("053", "gap")]
    assert [i["path"] for i in one["inputs"]] == ["data/raw/x.txt", "notebooks/gap.ipynb"]
    text = build.manifest_json(one)
    assert text == build.manifest_json(two)
    assert text.endswith("}\n") and '\n  "inputs": [' in text and "Tỉnh Cao Bằng" in text  # indent 2, UTF-8 as is
    entry = one["reports"][0]
    assert entry == {"unit": "04", "unit_name": "Tỉnh Cao Bằng", "report": "evaluation", "lang": "vi",
                     "path": "04_evaluation_vi.html", "sha256": hashlib.sha256(b"04evaluation").hexdigest(),
                     "title": build.default_title("04", "evaluation", "vi"),
                     "headlines": [{"label": "Xã đạt chuẩn", "value": "17", "note": "2021"}]}
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_index_page_orders_escapes_and_links():
    hostile = '<script>alert("x")</script> & "quoted"'
    manifest = build.assemble_manifest(reports=entries(units=("053", "040", "04"), headline=hostile),
                                       inputs=[], lang="vi", synthetic=True)
    page = build.index_html(manifest)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.html["lang"] == "vi" and soup.title.string == build.t("index_title", "vi")
    assert not soup.find("script") and "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert [h.get_text() for h in soup.select("section.unit h2")] == [
        "Tỉnh Cao Bằng", reference.unit_name("040"), reference.unit_name("053")]
    links = {a["href"] for a in soup.find_all("a")}
    assert links == {r["path"] for r in manifest["reports"]}
    # The only references are relative links to the pack's own pages: nothing on the network.
    assert set(report.check_offline(page)) == links
    assert build.t("synthetic", "vi") in soup.get_text()
    assert page == build.index_html(manifest)


def test_index_page_in_english_without_synthetic_notice():
    manifest = build.assemble_manifest(reports=entries(lang="en"), inputs=[], lang="en", synthetic=False)
    soup = BeautifulSoup(build.index_html(manifest), "html.parser")
    assert soup.html["lang"] == "en"
    assert "Cao Bằng province" in soup.get_text()
    assert "SYNTHETIC" not in soup.get_text() and "MÔ PHỎNG" not in soup.get_text()
    assert "Open the report" in soup.get_text()


def test_display_path(tmp_path):
    assert build.display_path(paths.REPORT_TEXT) == "data/raw/cao_bang_ntm_report_2017_2021.txt"
    assert build.display_path(tmp_path / "x.csv") == str((tmp_path / "x.csv").resolve())


def test_input_files(tmp_path):
    communes = tmp_path / "communes.csv"
    communes.write_text("x", encoding="utf-8")
    files = build.input_files(communes_file=communes, notebooks=[paths.REPORT_NOTEBOOKS["gap"]])
    assert paths.REPORT_TEXT in files and paths.FACTS_CSV in files and communes in files
    assert not any(f.name.endswith(".meta.json") and f.parent == tmp_path for f in files)
    (tmp_path / "communes.meta.json").write_text("{}", encoding="utf-8")
    assert tmp_path / "communes.meta.json" in build.input_files(communes_file=communes, notebooks=[])
    with pytest.raises(DataError, match="nowhere.ipynb"):
        build.input_files(communes_file=communes, notebooks=[tmp_path / "nowhere.ipynb"])


# --------------------------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------------------------


def test_publish_creates_then_replaces_a_pack(tmp_path):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"{}\n", "a.html": b"A"}, out)
    assert tree(out) == {"a.html": hashlib.sha256(b"A").hexdigest(), "manifest.json": hashlib.sha256(b"{}\n").hexdigest()}
    build.publish({"manifest.json": b"{}\n", "b.html": b"B"}, out)
    assert sorted(tree(out)) == ["b.html", "manifest.json"]  # replaced as a whole: a.html is gone
    assert leftovers(tmp_path, "pack") == []
    assert oct(out.stat().st_mode & 0o777) == "0o755"


def test_publish_never_replaces_a_folder_that_is_not_a_pack(tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(ConfigError, match="not a report pack"):
        build.publish({"manifest.json": b"{}\n"}, out)
    assert tree(out) == {"thesis.docx": hashlib.sha256(b"precious").hexdigest()}


def test_publish_failure_leaves_the_old_pack(tmp_path):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"{}\n", "a.html": b"A"}, out)
    before = tree(out)
    with pytest.raises(ConfigError):
        build.publish({"manifest.json": b"{}\n", "../escape.html": b"X"}, out)
    assert tree(out) == before and not (tmp_path / "escape.html").exists()
    assert leftovers(tmp_path, "pack") == []


# --------------------------------------------------------------------------------------------------------------
# Builds of small fixture notebooks (same contract as the real ones: a `parameters` cell with lang, unit, communes)
# --------------------------------------------------------------------------------------------------------------

FIXTURE_BODY = """\
from IPython.display import display
display({"text/html": f"<h1>Unit {unit}</h1><p>{lang}</p>",
         "application/vnd.ntm.headlines+json": {"title": f"Fixture report <{unit}>",
             "items": [{"label": "unit", "value": unit, "note": str(communes)}]}}, raw=True)
print("stdout is not exported")
"""


def fixture_notebook(path: Path, body: str = FIXTURE_BODY, extra: str = "") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('lang = "vi"\nunit = "04"\ncommunes = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def fixture_reports(tmp_path, monkeypatch) -> dict[str, Path]:
    notebooks = {"evaluation": fixture_notebook(tmp_path / "evaluation.ipynb"),
                 "gap": fixture_notebook(tmp_path / "gap.ipynb")}
    monkeypatch.setattr(paths, "REPORT_NOTEBOOKS", notebooks)
    return notebooks


@pytest.mark.slow
def test_fixture_build_writes_pack_manifest_index_and_log(tmp_path, fixture_reports, capfd):
    out = tmp_path / "pack"
    manifest = build.build(units=["040", "04"], lang="vi", out=out, jobs=2, progress=False)
    files = tree(out)
    assert sorted(files) == ["040_evaluation_vi.html", "040_gap_vi.html", "04_evaluation_vi.html", "04_gap_vi.html",
                             "index.html", "manifest.json"]
    assert (out / "manifest.json").read_text(encoding="utf-8") == build.manifest_json(manifest)
    assert [(r["unit"], r["report"]) for r in manifest["reports"]] == [
        ("04", "evaluation"), ("04", "gap"), ("040", "evaluation"), ("040", "gap")]
    for entry in manifest["reports"]:
        assert files[entry["path"]] == entry["sha256"]
        assert entry["title"] == f"Fixture report <{entry['unit']}>"  # the notebook's own title, from its bundle
        assert entry["headlines"] == [{"label": "unit", "value": entry["unit"], "note": "None"}]
        page = (out / entry["path"]).read_text(encoding="utf-8")
        assert f"<h1>Unit {entry['unit']}</h1>" in page and "stdout is not exported" not in page
        assert report.check_offline(page) == []
    assert manifest["synthetic"] is True and manifest["lang"] == "vi"
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    for file in [paths.REPORT_TEXT, paths.FACTS_CSV, paths.UNITS_CSV, paths.CRITERIA_CSV, paths.DEMO_COMMUNES,
                 paths.DEMO_COMMUNES_META, *fixture_reports.values()]:
        assert inputs[build.display_path(file)] == hashlib.sha256(file.read_bytes()).hexdigest()
    # The log holds every step (and the kernels' chatter); the terminal gets neither.
    log = next((tmp_path / "logs").glob("build-*.log")).read_text(encoding="utf-8")
    for key in ["04_evaluation_vi", "04_gap_vi", "040_evaluation_vi", "040_gap_vi"]:
        assert f"start {key}" in log and f"end {key} in" in log
    assert "published 4 report(s)" in log
    captured = capfd.readouterr()
    assert "Kernel is running" not in captured.err + captured.out


@pytest.mark.slow
def test_fixture_build_passes_an_analyst_commune_file(tmp_path, fixture_reports):
    communes = tmp_path / "xa_2021.csv"
    shutil.copyfile(paths.DEMO_COMMUNES, communes)  # a valid file that does not call itself synthetic
    manifest = build.build(units=["04"], reports=["gap"], out=tmp_path / "pack", communes=communes, jobs=1,
                           progress=False)
    assert manifest["reports"][0]["headlines"][0]["note"] == str(communes.resolve())
    assert manifest["synthetic"] is False
    assert "MÔ PHỎNG" not in (tmp_path / "pack" / "index.html").read_text(encoding="utf-8")
    assert str(communes.resolve()) in {i["path"] for i in manifest["inputs"]}


@pytest.mark.slow
def test_failed_build_names_the_cell_keeps_the_notebook_and_the_old_pack(tmp_path, fixture_reports, monkeypatch):
    out = tmp_path / "pack"
    build.build(units=["04", "042"], reports=["gap"], out=out, jobs=2, progress=False)
    before = tree(out)
    broken = fixture_notebook(tmp_path / "broken.ipynb", extra=textwrap.dedent("""\
        if unit == "042":
            raise ValueError(f"no data for {unit}")
        """))
    monkeypatch.setitem(paths.REPORT_NOTEBOOKS, "gap", broken)
    with pytest.raises(BuildError) as info:
        build.build(units=["04", "042"], reports=["gap"], out=out, jobs=2, progress=False)
    error = info.value
    # Cell 2 of the notebook as written (0-based: parameters, body, the failing cell).
    assert (error.unit, error.notebook, error.cell) == ("042", str(broken.resolve()), 2)
    assert "ValueError: no data for 042" in error.error and 'if unit == "042":' in error.error
    kept = tmp_path / "failed" / "042_gap_vi.ipynb"
    assert error.executed == str(kept)
    executed = nbformat.read(kept, as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert [(o["ename"], o["evalue"]) for o in errors] == [("ValueError", "no data for 042")]
    assert tree(out) == before  # byte for byte
    assert leftovers(tmp_path, "pack") == []
    log = next(iter(sorted((tmp_path / "logs").glob("build-*.log"))[-1:])).read_text(encoding="utf-8")
    assert "FAILED unit 042" in log


@pytest.mark.slow
def test_a_page_with_a_network_reference_fails_the_build(tmp_path, fixture_reports, monkeypatch):
    leaky = fixture_notebook(tmp_path / "leaky.ipynb", extra=(
        'display({"text/html": \'<img src="https://tile.example.org/x.png">\'}, raw=True)'))
    monkeypatch.setitem(paths.REPORT_NOTEBOOKS, "evaluation", leaky)
    with pytest.raises(BuildError, match="references the network: https://tile.example.org/x.png"):
        build.build(units=["04"], reports=["evaluation"], out=tmp_path / "pack", jobs=1, progress=False)
    assert not (tmp_path / "pack").exists()


CHART_CELL = """\
import gc, os, sys
import pandas as pd
from ntm_analysis import charts, report
assert "altair" in sys.modules and gc.get_freeze_count() > 0  # the kernel ran build.KERNEL_PRELOAD first
assert os.environ.get(report.DEFER_SVG) == "1"
chart = charts.bar(pd.DataFrame({"k": ["a", "b"], "v": [1234.5, 2.0]}), category="k", value="v", title="T",
                   unit=None, source="S", lang=lang)
figure = report.figure(chart, lang=lang)
assert "<svg" not in figure.html  # the worker draws it
display(figure)
"""


@pytest.mark.slow
def test_build_kernels_leave_the_static_svgs_to_the_worker(tmp_path, fixture_reports, monkeypatch):
    charted = fixture_notebook(tmp_path / "charted.ipynb", extra=CHART_CELL)
    monkeypatch.setitem(paths.REPORT_NOTEBOOKS, "evaluation", charted)
    manifest = build.build(units=["04"], reports=["evaluation"], out=tmp_path / "pack", jobs=1, progress=False)
    page = (tmp_path / "pack" / manifest["reports"][0]["path"]).read_text(encoding="utf-8")
    static = BeautifulSoup(page, "html.parser").select_one("figure.ntm-chart .ntm-static")
    assert static.svg is not None and "1.234,5" in static.get_text()
    assert "data-ntm-pending" not in page


@pytest.mark.slow
def test_ctrl_c_leaves_no_half_built_pack(tmp_path, fixture_reports):
    out = tmp_path / "pack"
    build.build(units=["04"], reports=["evaluation"], out=out, jobs=1, progress=False)
    before = tree(out)
    slow = fixture_notebook(tmp_path / "slow.ipynb", extra="import time\ntime.sleep(60)")
    logs = tmp_path / "logs2"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from ntm_analysis import paths
        paths.REPORT_NOTEBOOKS = {{"evaluation": Path({str(slow)!r}), "gap": Path({str(slow)!r})}}
        paths.BUILD_LOGS = Path({str(logs)!r})
        paths.FAILED = Path({str(tmp_path / "failed2")!r})
        from ntm_analysis.cli import main
        main(["build", "--out", {str(out)!r}, "--unit", "04", "--unit", "040", "--jobs", "2"])
        """)
    # A terminal's Ctrl-C reaches the whole foreground process group: do the same.
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log = next(logs.glob("build-*.log"), None) if logs.exists() else None
        if log and log.read_text(encoding="utf-8").count("start ") >= 2 and "Kernel is running" in log.read_text():
            break
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "không thay đổi" in err.decode()
    assert tree(out) == before
    assert leftovers(tmp_path, "pack") == []


# --------------------------------------------------------------------------------------------------------------
# The real notebooks: one full pack on the demo data, shared by the tests below
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def full_pack(tmp_path_factory):
    """`ntm build` of every unit and both reports, through the command line."""
    root = tmp_path_factory.mktemp("full")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "BUILD_LOGS", root / "logs")
        mp.setattr(paths, "FAILED", root / "failed")
        result = CliRunner().invoke(main, ["build", "--out", str(root / "pack")])
    return root, result


@pytest.mark.slow
def test_full_pack(full_pack):
    root, result = full_pack
    assert result.exit_code == 0, result.output
    out = root / "pack"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    units = reference.unit_codes()
    assert [(r["unit"], r["report"]) for r in manifest["reports"]] == [(u, k) for u in units for k in build.REPORTS]
    assert sorted(tree(out)) == sorted([r["path"] for r in manifest["reports"]] + ["index.html", "manifest.json"])
    files = tree(out)
    for entry in manifest["reports"]:
        assert files[entry["path"]] == entry["sha256"]
        page = (out / entry["path"]).read_text(encoding="utf-8")
        soup = BeautifulSoup(page, "html.parser")
        assert soup.html["lang"] == "vi" and soup.title.string == entry["title"]
        # the only references: links to the index and the unit's other report, both in the pack
        assert all(build.PACK_LINK.match(r) and (out / r).is_file() for r in report.check_offline(page))
        assert entry["headlines"] and all(h["label"] and h["value"] for h in entry["headlines"])
        assert entry["unit_name"] == reference.unit_name(entry["unit"], "vi")
    inputs = {i["path"] for i in manifest["inputs"]}
    assert {"data/raw/cao_bang_ntm_report_2017_2021.txt", "data/raw/cao_bang_ntm_report_2017_2021.origin.json",
            "data/facts/report_figures.csv", "data/reference/cao_bang_admin_units_2021.csv",
            "data/reference/ntm_criteria_2016_2020.csv", "data/reference/origin.json",
            "data/communes/demo_communes_2021_SYNTHETIC.csv", "data/communes/demo_communes_2021_SYNTHETIC.meta.json",
            "notebooks/evaluation.ipynb", "notebooks/gap.ipynb"} == inputs
    for item in manifest["inputs"]:
        assert hashlib.sha256((paths.ROOT / item["path"]).read_bytes()).hexdigest() == item["sha256"]
    assert manifest["synthetic"] is True
    # Command output: where things are; no kernel chatter; the log has every step.
    assert "Đã tạo 22 báo cáo" in result.stdout and "dữ liệu mô phỏng" in result.stdout
    assert "Kernel is running" not in result.output
    log = next((root / "logs").glob("build-*.log")).read_text(encoding="utf-8")
    assert log.count(" end ") == 22 and "published 22 report(s)" in log


@pytest.mark.slow
def test_full_pack_index(full_pack):
    root, _ = full_pack
    out = root / "pack"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page == build.index_html(manifest, paths.DEMO_COMMUNES)  # with the districts compared
    soup = BeautifulSoup(page, "html.parser")
    assert [h.get_text() for h in soup.select("section.unit h2")] == [
        reference.unit_name(u, "vi") for u in reference.unit_codes()]
    hrefs = [a["href"] for a in soup.select("article.report h3 a")]
    assert hrefs == [r["path"] for r in manifest["reports"]] and all((out / h).is_file() for h in hrefs)
    assert set(report.check_offline(page)) == set(hrefs) and not soup.find("script")
    first = manifest["reports"][0]["headlines"][0]
    assert first["label"] in soup.get_text() and first["value"] in soup.get_text()
    assert build.t("synthetic", "vi") in soup.get_text()


@pytest.mark.slow
def test_rebuild_is_byte_identical(full_pack, tmp_path):
    root, _ = full_pack
    full = json.loads((root / "pack" / "manifest.json").read_text(encoding="utf-8"))
    manifest = build.build(units=["04", "045"], out=tmp_path / "again", jobs=2, progress=False)
    for entry in manifest["reports"]:
        assert (tmp_path / "again" / entry["path"]).read_bytes() == (root / "pack" / entry["path"]).read_bytes()
    same_units = dict(full, reports=[r for r in full["reports"] if r["unit"] in ("04", "045")])
    assert (tmp_path / "again" / "manifest.json").read_text(encoding="utf-8") == build.manifest_json(same_units)


@pytest.mark.slow
def test_built_pages_equal_pages_drawn_in_the_kernel(full_pack, tmp_path):
    """The build's workers draw the static SVGs (report.DEFER_SVG); a kernel in JupyterLab draws them itself.
    The pages are the same bytes: the gap report has the most charts, the province the largest heatmap."""
    import papermill

    root, _ = full_pack
    manifest = json.loads((root / "pack" / "manifest.json").read_text(encoding="utf-8"))
    entry = next(r for r in manifest["reports"] if (r["unit"], r["report"]) == ("04", "gap"))
    executed = tmp_path / "gap.ipynb"
    assert report.DEFER_SVG not in os.environ
    papermill.execute_notebook(str(paths.REPORT_NOTEBOOKS["gap"]), str(executed),
                               parameters={"lang": "vi", "unit": "04", "communes": None}, kernel_name="python3",
                               progress_bar=False, log_output=False, cwd=str(paths.NOTEBOOKS))
    nb = nbformat.read(executed, as_version=4)
    assert "<svg" in json.dumps([c.get("outputs", []) for c in nb.cells])
    page = report.export_html(nb, title=entry["title"], lang="vi")
    assert page.encode("utf-8") == (root / "pack" / entry["path"]).read_bytes()


@pytest.mark.slow
def test_failing_build_leaves_the_full_pack_intact(full_pack, tmp_path, monkeypatch):
    root, _ = full_pack
    out = tmp_path / "reports"
    shutil.copytree(root / "pack", out)
    before = tree(out)
    broken = fixture_notebook(tmp_path / "gap.ipynb", extra="1 / 0")
    monkeypatch.setitem(paths.REPORT_NOTEBOOKS, "gap", broken)
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--unit", "04", "--report", "gap"])
    assert result.exit_code == 1
    for expected in ["unit 04", str(broken.resolve()), "cell 2", "ZeroDivisionError: division by zero",
                     "cell 2 begins: 1 / 0", str(tmp_path / "failed" / "04_gap_vi.ipynb"), "được giữ nguyên"]:
        assert expected in result.stderr
    assert tree(out) == before
    assert leftovers(tmp_path, "reports") == []


@pytest.mark.slow
def test_english_report(tmp_path):
    manifest = build.build(units=["045"], reports=["gap"], lang="en", out=tmp_path / "en", jobs=1, progress=False)
    entry = manifest["reports"][0]
    assert entry["path"] == "045_gap_en.html" and entry["unit_name"] == reference.unit_name("045", "en")
    page = (tmp_path / "en" / entry["path"]).read_text(encoding="utf-8")
    assert BeautifulSoup(page, "html.parser").html["lang"] == "en"
    index = BeautifulSoup((tmp_path / "en" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert index.html["lang"] == "en" and "SYNTHETIC DATA" in index.get_text()
