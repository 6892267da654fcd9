"""`ntm build`: pure helpers (naming, manifest, index page), the atomic publish, builds of small fixture notebooks
(failures, interrupts, network references), and one full pack of the real notebooks on the demo data."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import tempfile
import sys
import textwrap
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from ntm_analysis.pipeline.project import Project
from ntm_analysis.errors import NtmError
from ntm_analysis.pipeline import build
from ntm_analysis import paths
from ntm_analysis.data import reference
from ntm_analysis.report import html as report, kinds
from ntm_analysis.pipeline.cli import main
from ntm_analysis.errors import BuildError, ConfigError, DataError, FolderRefused, UnitError

DISTRICTS = reference.unit_codes()[1:]


def tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path, name: str) -> list[str]:
    """Folders a publish left beside the pack (the lock file stays, by design)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.") and p.name != f".{name}.lock")


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
    files = build.input_files(communes_file=communes, notebooks=[kinds.notebook("gap")])
    assert paths.REPORT_TEXT in files and paths.FACTS_CSV in files and communes in files
    assert not any(f.name.endswith(".meta.json") and f.parent == tmp_path for f in files)
    (tmp_path / "communes.meta.json").write_text("{}", encoding="utf-8")
    assert tmp_path / "communes.meta.json" in build.input_files(communes_file=communes, notebooks=[])
    with pytest.raises(DataError, match="nowhere.ipynb"):
        build.input_files(communes_file=communes, notebooks=[tmp_path / "nowhere.ipynb"])


# --------------------------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------------------------


def marker(folder: Path) -> dict:
    return json.loads((folder / build.MARKER).read_text(encoding="utf-8"))


def test_publish_creates_then_replaces_a_pack(tmp_path):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"{}\n", "a.html": b"A"}, out)
    assert tree(out) == {"a.html": hashlib.sha256(b"A").hexdigest(), "manifest.json": hashlib.sha256(b"{}\n").hexdigest(),
                         build.MARKER: hashlib.sha256((out / build.MARKER).read_bytes()).hexdigest()}
    assert marker(out) == {"ntm_pack": 1, "pack_id": hashlib.sha256(b"{}\n").hexdigest(),
                           "files": {"a.html": hashlib.sha256(b"A").hexdigest(),
                                     "manifest.json": hashlib.sha256(b"{}\n").hexdigest()}}
    out.chmod(0o750)
    build.publish({"manifest.json": b"{}\n", "b.html": b"B"}, out)
    assert sorted(tree(out)) == [build.MARKER, "b.html", "manifest.json"]  # replaced as a whole: a.html is gone
    assert leftovers(tmp_path, "pack") == []
    assert oct(out.stat().st_mode & 0o777) == "0o750"  # the folder's permissions are kept


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_that_is_not_a_pack_is_refused_even_with_force(tmp_path, force):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    (out / "manifest.json").write_bytes(b"{}")  # a manifest.json alone does not make a pack
    with pytest.raises(FolderRefused, match="not a report pack") as info:
        build.publish({"manifest.json": b"{}\n"}, out, force=force)
    assert info.value.files == ["manifest.json", "thesis.docx"] and "thesis.docx" in str(info.value)
    assert tree(out) == {"thesis.docx": hashlib.sha256(b"precious").hexdigest(),
                         "manifest.json": hashlib.sha256(b"{}").hexdigest()}
    assert leftovers(tmp_path, "documents") == []


def test_an_empty_or_absent_folder_is_fine_a_file_is_not(tmp_path):
    (tmp_path / "empty").mkdir()
    build.publish({"manifest.json": b"{}\n"}, tmp_path / "empty")
    build.publish({"manifest.json": b"{}\n"}, tmp_path / "new" / "deeper")
    assert (tmp_path / "empty" / "manifest.json").is_file() and (tmp_path / "new" / "deeper" / build.MARKER).is_file()
    (tmp_path / "file").write_text("x")
    with pytest.raises(FolderRefused, match="not a folder"):
        build.publish({"manifest.json": b"{}\n"}, tmp_path / "file")


def test_a_pack_with_foreign_files_is_refused_and_force_keeps_them(tmp_path):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"1", "a.html": b"A"}, out)
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    (out / "drafts").mkdir()
    (out / "drafts" / "d.txt").write_text("draft", encoding="utf-8")
    before = tree(out)
    with pytest.raises(FolderRefused, match="did not write") as info:
        build.publish({"manifest.json": b"2", "b.html": b"B"}, out)
    assert info.value.files == ["drafts", "notes.txt"]
    assert tree(out) == before
    build.publish({"manifest.json": b"2", "b.html": b"B"}, out, force=True)
    after = tree(out)
    assert "a.html" not in after and after["b.html"] == hashlib.sha256(b"B").hexdigest()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (out / "drafts" / "d.txt").read_text(encoding="utf-8") == "draft"
    assert sorted(marker(out)["files"]) == ["b.html", "manifest.json"]  # still foreign: not listed
    assert leftovers(tmp_path, "pack") == []


def test_changed_pack_files_need_force_and_a_foreign_file_never_takes_a_pack_name(tmp_path):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"1", "a.html": b"A"}, out)
    (out / "a.html").write_bytes(b"edited by hand")
    with pytest.raises(FolderRefused, match="changed since") as info:
        build.publish({"manifest.json": b"2", "a.html": b"A2"}, out)
    assert info.value.files == ["a.html"] and (out / "a.html").read_bytes() == b"edited by hand"
    build.publish({"manifest.json": b"2", "a.html": b"A2"}, out, force=True)
    assert (out / "a.html").read_bytes() == b"A2"
    (out / "b.html").write_bytes(b"someone's page")
    with pytest.raises(FolderRefused, match="names of files it writes") as info:
        build.publish({"manifest.json": b"3", "b.html": b"B"}, out, force=True)
    assert info.value.files == ["b.html"] and (out / "b.html").read_bytes() == b"someone's page"


def test_out_may_be_a_symlink_to_the_pack(tmp_path):
    real = tmp_path / "real"
    build.publish({"manifest.json": b"1", "a.html": b"A"}, real)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert build.publish({"manifest.json": b"2", "b.html": b"B"}, link) == real
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert sorted(tree(real)) == [build.MARKER, "b.html", "manifest.json"]
    assert leftovers(tmp_path, "real") == [] and leftovers(tmp_path, "link") == []


def test_the_two_rename_fallback_gives_the_same_result(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "USE_RENAMEAT2", False)
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"1", "a.html": b"A"}, out)
    (out / "notes.txt").write_text("mine")
    build.publish({"manifest.json": b"2", "b.html": b"B"}, out, force=True)
    assert sorted(tree(out)) == [build.MARKER, "b.html", "manifest.json", "notes.txt"]
    assert leftovers(tmp_path, "pack") == []


def test_publish_failure_leaves_the_old_pack(tmp_path):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"{}\n", "a.html": b"A"}, out)
    before = tree(out)
    with pytest.raises(ConfigError):
        build.publish({"manifest.json": b"{}\n", "../escape.html": b"X"}, out)
    assert tree(out) == before and not (tmp_path / "escape.html").exists()
    assert leftovers(tmp_path, "pack") == []


KILLED_PUBLISH = """
import os, signal, sys
from pathlib import Path
from ntm_analysis.pipeline import build
out = Path(sys.argv[1])
build.USE_RENAMEAT2 = sys.argv[2] == "renameat2"
real_rename, real_dispose = os.rename, build._dispose
def rename(src, dst):  # the fallback's second rename: the old pack is already aside
    if Path(src).name.startswith(".pack.new-"):
        os.kill(os.getpid(), signal.SIGKILL)
    real_rename(src, dst)
def dispose(folder, into):  # after the exchange, before the old pack's folder is cleaned up
    if into is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_dispose(folder, into)
build.os.rename, build._dispose = rename, dispose
build.publish({"manifest.json": b"2", "b.html": b"B"}, out, force=True)
"""


@pytest.mark.parametrize("mode", ["fallback", "renameat2"])
def test_a_publish_killed_midway_is_recovered_by_the_next_run(tmp_path, mode):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"1", "a.html": b"A"}, out)
    (out / "notes.txt").write_text("mine")
    proc = subprocess.run([sys.executable, "-c", KILLED_PUBLISH, str(out), mode], capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    if mode == "fallback":  # killed between the two renames: the old pack is aside, the new one unpublished
        assert not out.exists() and len(leftovers(tmp_path, "pack")) == 2
    else:  # exchanged in one step; the old pack's folder (with the notes) still beside it
        assert sorted(tree(out)) == [build.MARKER, "b.html", "manifest.json"] and len(leftovers(tmp_path, "pack")) == 1
    done = build.recover(out)
    assert done and leftovers(tmp_path, "pack") == []
    expected = ["a.html" if mode == "fallback" else "b.html", build.MARKER, "manifest.json", "notes.txt"]
    assert sorted(tree(out)) == sorted(expected) and (out / "notes.txt").read_text() == "mine"


def test_a_second_build_into_a_locked_folder_is_refused_at_once(tmp_path):
    out = tmp_path / "pack"
    with build.locked(out.absolute()):
        result = subprocess.run([sys.executable, "-m", "ntm_analysis.pipeline.cli", "build", "--out", str(out), "--unit", "04"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, result.stderr
        assert "another build is writing" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and leftovers(tmp_path, "pack") == []
    with build.locked(out.absolute()):  # released: can be taken again
        pass


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
    monkeypatch.setattr(kinds, "REPORTS", kinds.with_notebooks(notebooks))
    return notebooks


@pytest.mark.slow
def test_fixture_build_writes_pack_manifest_index_and_log(tmp_path, fixture_reports, capfd):
    out = tmp_path / "pack"
    manifest = build.build(units=["040", "04"], lang="vi", out=out, jobs=2, progress=False)
    files = tree(out)
    written = ["040_evaluation_vi.html", "040_gap_vi.html", "04_evaluation_vi.html", "04_gap_vi.html", "index.html",
               "manifest.json"]
    assert sorted(files) == sorted([build.MARKER, *written])
    assert marker(out)["files"] == {name: files[name] for name in written}
    assert marker(out)["pack_id"] == files["manifest.json"]
    assert (out / "manifest.json").read_text(encoding="utf-8") == build.manifest_json(manifest)
    assert manifest["index"] == {"path": "index.html", "sha256": files["index.html"]}
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
    # The log beside the pack holds every step (and the kernels' chatter); the terminal gets neither.
    log = (tmp_path / "pack.log").read_text(encoding="utf-8")
    for key in ["04_evaluation_vi", "04_gap_vi", "040_evaluation_vi", "040_gap_vi"]:
        assert f"start {key}" in log and f"end {key} in" in log
    assert "published 4 report(s)" in log and "with renameat2(RENAME_EXCHANGE)" not in log  # a new folder
    build.build(units=["04"], reports=["gap"], out=out, jobs=1, progress=False)
    assert "with renameat2(RENAME_EXCHANGE)" in (tmp_path / "pack.log").read_text(encoding="utf-8")
    captured = capfd.readouterr()
    assert "Kernel is running" not in captured.err + captured.out


@pytest.mark.slow
def test_fixture_build_passes_an_analyst_commune_file(tmp_path, fixture_reports):
    communes = tmp_path / "xa_2021.csv"  # a valid analyst's file: not the shipped bytes (saved without the BOM)
    communes.write_text(paths.DEMO_COMMUNES.read_text(encoding="utf-8-sig"), encoding="utf-8")
    manifest = build.build(units=["04"], reports=["gap"], out=tmp_path / "pack", communes=communes, jobs=1,
                           progress=False)
    # The kernel read the build's copy of the file (same name), not the file itself.
    note = manifest["reports"][0]["headlines"][0]["note"]
    assert note.endswith("/inputs/xa_2021.csv") and note != str(communes.resolve())
    assert manifest["synthetic"] is False
    assert "MÔ PHỎNG" not in (tmp_path / "pack" / "index.html").read_text(encoding="utf-8")
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    assert inputs[str(communes.resolve())] == hashlib.sha256(communes.read_bytes()).hexdigest()


@pytest.mark.slow
def test_failed_build_names_the_cell_keeps_the_notebook_and_the_old_pack(tmp_path, fixture_reports, monkeypatch):
    out = tmp_path / "pack"
    build.build(units=["04", "042"], reports=["gap"], out=out, jobs=2, progress=False)
    before = tree(out)
    broken = fixture_notebook(tmp_path / "broken.ipynb", extra=textwrap.dedent("""\
        if unit == "042":
            raise ValueError(f"no data for {unit}")
        """))
    project = Project.current().with_notebooks({"gap": broken})
    with pytest.raises(BuildError) as info:
        build.build(project=project, units=["04", "042"], reports=["gap"], out=out, jobs=2, progress=False)
    error = info.value
    # Cell 2 of the notebook as written (0-based: parameters, body, the failing cell).
    assert (error.unit, error.notebook, error.cell) == ("042", str(broken.resolve()), 2)
    assert "ValueError: no data for 042" in error.error and 'if unit == "042":' in error.error
    kept = tmp_path / "pack.failed" / "042_gap_vi.ipynb"
    assert error.executed == str(kept)
    executed = nbformat.read(kept, as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert [(o["ename"], o["evalue"]) for o in errors] == [("ValueError", "no data for 042")]
    assert tree(out) == before  # byte for byte
    assert leftovers(tmp_path, "pack") == []
    log = (tmp_path / "pack.log").read_text(encoding="utf-8")
    assert "FAILED unit 042" in log


@pytest.mark.slow
def test_a_page_with_a_network_reference_fails_the_build(tmp_path, fixture_reports, monkeypatch):
    leaky = fixture_notebook(tmp_path / "leaky.ipynb", extra=(
        'display({"text/html": \'<img src="https://tile.example.org/x.png">\'}, raw=True)'))
    project = Project.current().with_notebooks({"evaluation": leaky})
    with pytest.raises(BuildError, match="references the network: https://tile.example.org/x.png"):
        build.build(units=["04"], reports=["evaluation"], out=tmp_path / "pack", jobs=1, progress=False,
                           project=project)
    assert not (tmp_path / "pack").exists()


CHART_CELL = """\
import gc, os, sys
import pandas as pd
from ntm_analysis.report import charts, html as report
assert "altair" in sys.modules and gc.get_freeze_count() > 0  # the kernel ran build.KERNEL_PRELOAD first
assert os.environ.get(report.DEFER_SVG) == "1"
chart = charts.bar(pd.DataFrame({"k": ["a", "b"], "v": [1234.5, 2.0]}), category="k", value="v", title="T",
                   unit=None, source="S", lang=lang)
figure = report.figure(chart, lang=lang)
assert report.SVG_MIME not in figure._repr_mimebundle_()  # the worker draws it
display(figure)
"""


@pytest.mark.slow
def test_build_kernels_leave_the_static_svgs_to_the_worker(tmp_path, fixture_reports, monkeypatch):
    charted = fixture_notebook(tmp_path / "charted.ipynb", extra=CHART_CELL)
    project = Project.current().with_notebooks({"evaluation": charted})
    manifest = build.build(units=["04"], reports=["evaluation"], out=tmp_path / "pack", jobs=1, progress=False,
                           project=project)
    page = (tmp_path / "pack" / manifest["reports"][0]["path"]).read_text(encoding="utf-8")
    static = BeautifulSoup(page, "html.parser").select_one("figure.ntm-chart .ntm-static")
    assert static.svg is not None and "1.234,5" in static.get_text()
    assert "data-ntm-pending" not in page


def tagged(tag: str) -> list[psutil.Process]:
    """Every live process that carries the test's tag in its environment (the build and all it started)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("NTM_TEST_TAG") == tag and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def wait_for(condition, what: str, limit: float = 120):
    """Poll `condition` until it holds; fail naming `what` if it never does (no timing is asserted)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def build_subprocess(tmp_path: Path, notebook: Path, out: Path, *args: str) -> tuple[subprocess.Popen, str, Path]:
    """A real `ntm build` in its own session, the test notebook passed through reports.REPORTS; every
    process it starts inherits NTM_TEST_TAG, and TMPDIR is a folder of the test's."""
    tag = uuid.uuid4().hex
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from ntm_analysis.report import kinds as reports
        reports.REPORTS = reports.with_notebooks({{"evaluation": Path({str(notebook)!r}), "gap": Path({str(notebook)!r})}})
        from ntm_analysis.pipeline.cli import main
        main(["build", "--out", {str(out)!r}, *{list(args)!r}])
        """)
    env = dict(os.environ, NTM_TEST_TAG=tag, TMPDIR=str(temp))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env=env)
    return proc, tag, temp


def descendants() -> list[psutil.Process]:
    """This process's live descendants, but multiprocessing's resource tracker (it serves the test process)."""
    return [p for p in psutil.Process().children(recursive=True)
            if p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline())]


def is_kernel(proc: psutil.Process) -> bool:
    """A kernel as papermill starts it (ipykernel_launcher) or as the warm engine does (ntm_analysis.pipeline.kernel)."""
    command = " ".join(proc.cmdline())
    return "ipykernel" in command or "ntm_analysis.pipeline.kernel" in command


def started_cells(folder: Path, count: int):
    return len(list(folder.glob("started-*"))) >= count


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigkill", "sighup"])
def test_a_signal_leaves_the_old_pack_no_process_and_no_scratch(tmp_path, fixture_reports, how):
    out = tmp_path / "pack"
    build.build(units=["04"], reports=["evaluation"], out=out, jobs=1, progress=False)
    before = tree(out)
    flags = tmp_path / "flags"
    flags.mkdir()
    slow = fixture_notebook(tmp_path / "slow.ipynb", extra=(
        f"import pathlib, time\npathlib.Path({str(flags)!r}, 'started-' + unit).touch()\ntime.sleep(3600)"))
    units = [arg for code in ("04", "040", "042", "043", "045", "047") for arg in ("--unit", code)]
    # six reports: two workers (build.REPORTS_PER_WORKER), each with its kernel stuck in the sleeping cell
    proc, tag, temp = build_subprocess(tmp_path, slow, out, *units, "--jobs", "2", "--report", "evaluation")
    wait_for(lambda: started_cells(flags, 2) or proc.poll() is not None, "both kernels to run the sleeping cell")
    assert proc.poll() is None, proc.communicate()[1].decode()
    running = tagged(tag)
    kernels = [p for p in running if is_kernel(p)]
    assert len(kernels) == 2 and len(running) >= 5  # build, janitor, 2 workers, 2 kernels
    assert any(temp.iterdir())  # the scratch folder exists while the build runs
    if how == "ctrl-c":  # a terminal's Ctrl-C reaches the whole foreground process group
        os.killpg(proc.pid, signal.SIGINT)
    else:  # the other signals, to the build process alone
        proc.send_signal({"sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL, "sighup": signal.SIGHUP}[how])
    _, err = proc.communicate(timeout=120)
    if how == "sigkill":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130, err.decode()
        assert "không thay đổi" in err.decode() and "Traceback" not in err.decode()
    wait_for(lambda: not tagged(tag), "every worker, kernel and the janitor to end")
    wait_for(lambda: not any(temp.iterdir()), "the scratch folder to be removed")
    assert tree(out) == before
    assert leftovers(tmp_path, "pack") == []


@pytest.mark.slow
def test_a_cell_that_never_returns_times_out_naming_the_cell(tmp_path, fixture_reports, monkeypatch):
    forever = fixture_notebook(tmp_path / "forever.ipynb", extra="import time\ntime.sleep(3600)")
    project = Project.current().with_notebooks({"gap": forever})
    with pytest.raises(BuildError) as info:
        build.build(project=project, units=["04"], reports=["gap"], out=tmp_path / "pack", jobs=1, progress=False,
                    limits=build.Limits(cell=2, report=600))
    error = info.value
    assert (error.unit, error.notebook, error.cell) == ("04", str(forever.resolve()), 2)
    assert "did not finish within 2 s (--timeout)" in error.error and "cell 2 begins: import time" in error.error
    assert error.executed == str(tmp_path / "pack.failed" / "04_gap_vi.ipynb")
    assert not (tmp_path / "pack").exists()
    assert not descendants()


@pytest.mark.slow
def test_a_report_over_its_time_limit_is_stopped_naming_the_cell(tmp_path, fixture_reports, monkeypatch):
    slow = fixture_notebook(tmp_path / "slow.ipynb", extra="import time\nfor _ in range(3600):\n    time.sleep(1)")
    monkeypatch.setattr(kinds, "REPORTS", kinds.with_notebooks({"gap": slow}))  # what the CLI reads
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "pack"), "--unit", "04", "--report", "gap",
                                       "--report-timeout", "15", "--timeout", "600"])
    assert result.exit_code == 1
    assert "unit 04" in result.stderr and "cell 2" in result.stderr
    assert "did not finish within 15 s (--report-timeout)" in result.stderr
    assert "cell 2 begins: import time" in result.stderr
    wait_for(lambda: not descendants(), "the killed worker's kernel to end")


@pytest.mark.slow
def test_a_dead_kernel_names_the_cell_it_died_in(tmp_path, fixture_reports, monkeypatch):
    dying = fixture_notebook(tmp_path / "dying.ipynb", extra="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    project = Project.current().with_notebooks({"gap": dying})
    with pytest.raises(BuildError) as info:
        build.build(project=project, units=["04"], reports=["gap"], out=tmp_path / "pack", jobs=1, progress=False)
    assert info.value.cell == 2 and "kernel died" in info.value.error
    assert "cell 2 begins: import os, signal" in info.value.error


# --------------------------------------------------------------------------------------------------------------
# The real notebooks: one full pack on the demo data, shared by the tests below
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def full_pack(tmp_path_factory):
    """`ntm build` of every unit and both reports, through the command line."""
    root = tmp_path_factory.mktemp("full")
    result = CliRunner().invoke(main, ["build", "--out", str(root / "pack")])
    return root, result


@pytest.mark.slow
def test_full_pack(full_pack):
    root, result = full_pack
    assert result.exit_code == 0, result.output
    out = root / "pack"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    units = reference.unit_codes()
    assert [(r["unit"], r["report"]) for r in manifest["reports"]] == [(u, k) for u in units for k in kinds.kinds()]
    assert sorted(tree(out)) == sorted([r["path"] for r in manifest["reports"]] + ["index.html", "manifest.json",
                                                                                  build.MARKER])
    files = tree(out)
    for entry in manifest["reports"]:
        assert files[entry["path"]] == entry["sha256"]
        page = (out / entry["path"]).read_text(encoding="utf-8")
        soup = BeautifulSoup(page, "html.parser")
        assert soup.html["lang"] == "vi" and soup.title.string == entry["title"]
        # the only references: links to the index and the unit's other report, both in the pack
        assert all(kinds.pack_link().match(r) and (out / r).is_file() for r in report.check_offline(page))
        assert entry["headlines"] and all(h["label"] and h["value"] for h in entry["headlines"])
        assert entry["unit_name"] == reference.unit_name(entry["unit"], "vi")
    inputs = {i["path"] for i in manifest["inputs"]}
    # Every data file (the kernels read the build's copy of data/) and both notebooks.
    data_files = {p.relative_to(paths.ROOT).as_posix() for p in paths.DATA.rglob("*") if p.is_file()}
    assert inputs == data_files | {"notebooks/evaluation.ipynb", "notebooks/gap.ipynb"}
    assert {"data/raw/cao_bang_ntm_report_2017_2021.txt", "data/facts/report_figures.csv",
            "data/communes/demo_communes_2021_SYNTHETIC.csv"} <= inputs
    for item in manifest["inputs"]:
        assert hashlib.sha256((paths.ROOT / item["path"]).read_bytes()).hexdigest() == item["sha256"]
    assert manifest["synthetic"] is True
    # Command output: where things are; no kernel chatter; the log has every step.
    assert "Đã tạo 22 báo cáo" in result.stdout and "dữ liệu mô phỏng" in result.stdout
    assert "Kernel is running" not in result.output
    log = (root / "pack.log").read_text(encoding="utf-8")
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
    index = build.index_html(same_units, paths.DEMO_COMMUNES).encode("utf-8")  # the districts compared
    same_units["index"] = {"path": "index.html", "sha256": hashlib.sha256(index).hexdigest()}
    assert (tmp_path / "again" / "index.html").read_bytes() == index
    assert (tmp_path / "again" / "manifest.json").read_text(encoding="utf-8") == build.manifest_json(same_units)
    assert manifest["software"] == full["software"]


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
    papermill.execute_notebook(str(kinds.notebook("gap")), str(executed),
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
    monkeypatch.setattr(kinds, "REPORTS", kinds.with_notebooks({"gap": broken}))  # what the CLI reads
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--unit", "04", "--report", "gap"])
    assert result.exit_code == 1
    for expected in ["unit 04", str(broken.resolve()), "cell 2", "ZeroDivisionError: division by zero",
                     "cell 2 begins: 1 / 0", str(tmp_path / "reports.failed" / "04_gap_vi.ipynb"), "được giữ nguyên"]:
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


# --------------------------------------------------------------------------------------------------------------
# Provenance: inputs read once, the software recorded, synthetic data recognised by content
# --------------------------------------------------------------------------------------------------------------

READER_CELL = """\
import hashlib, pathlib
from ntm_analysis import paths
path = pathlib.Path(communes) if communes else paths.DEMO_COMMUNES
original = pathlib.Path(ORIGINAL)
original.write_bytes(b"changed while the build runs")  # the analyst's file changes: the build must not notice
display({"application/vnd.ntm.headlines+json": {"items": [
    {"label": "sha", "value": hashlib.sha256(path.read_bytes()).hexdigest(), "note": str(paths.ROOT)}]}}, raw=True)
"""


@pytest.mark.slow
def test_kernels_read_exactly_the_bytes_the_manifest_records(tmp_path, fixture_reports, monkeypatch):
    communes = tmp_path / "xa.csv"
    communes.write_text(paths.DEMO_COMMUNES.read_text(encoding="utf-8-sig"), encoding="utf-8")
    expected = hashlib.sha256(communes.read_bytes()).hexdigest()
    reader = fixture_notebook(tmp_path / "reader.ipynb", body="ORIGINAL = " + repr(str(communes)), extra=READER_CELL)
    project = Project.current().with_notebooks({"gap": reader})
    manifest = build.build(project=project, units=["04"], reports=["gap"], out=tmp_path / "pack", communes=communes, jobs=1,
                           progress=False)
    item = manifest["reports"][0]["headlines"][0]
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    assert item["value"] == inputs[str(communes.resolve())] == expected
    assert communes.read_bytes() == b"changed while the build runs"  # the file did change, after it was read
    assert item["note"] != str(paths.ROOT)  # the kernel's data root was the build's snapshot
    assert inputs["data/facts/report_figures.csv"] == hashlib.sha256(paths.FACTS_CSV.read_bytes()).hexdigest()


@pytest.mark.slow
def test_manifest_records_the_software(tmp_path, fixture_reports):
    manifest = build.build(units=["04"], reports=["gap"], out=tmp_path / "pack", jobs=1, progress=False)
    software = manifest["software"]
    from ntm_analysis import __version__

    head = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert software["version"] == __version__ and software["package"] == "ntm-analysis"
    assert software["git_commit"].split("-")[0] == head.stdout.strip() and len(head.stdout.strip()) == 40
    assert software["python"] == ".".join(map(str, sys.version_info[:3]))
    assert software["dependencies"]["papermill"] == importlib.metadata.version("papermill")
    assert software["dependencies"]["pandas"] == importlib.metadata.version("pandas")
    import ntm_analysis

    package = Path(ntm_analysis.__file__).parent  # every layer's code, templates and catalogues
    assert software["code_sha256"] == build.tree_sha256(package, ["**/*.py", "templates/**/*", "catalogues/**/*"])
    assert len(software["code_sha256"]) == 64


def test_software_outside_a_checkout_says_unknown(tmp_path):
    assert build.git_commit(tmp_path) == "unknown"


def test_code_hash_changes_with_the_code(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    first = build.tree_sha256(tmp_path, ["*.py"])
    (tmp_path / "a.py").write_text("x = 2\n")
    assert build.tree_sha256(tmp_path, ["*.py"]) != first


def test_shipped_synthetic_data_is_listed_by_content():
    from ntm_analysis.data import synthetic

    assert hashlib.sha256(paths.DEMO_COMMUNES.read_bytes()).hexdigest() in synthetic.SHIPPED_SHA256


def test_a_renamed_copy_of_the_demo_is_still_synthetic(tmp_path):
    from ntm_analysis.data import communes

    copy = tmp_path / "xa_cao_bang_2021.csv"  # no SYNTHETIC in the name, no metadata file beside it
    shutil.copyfile(paths.DEMO_COMMUNES, copy)
    assert communes.is_synthetic(communes.read(copy))
    analyst = tmp_path / "SYNTHETIC_looking_name.csv"  # a name says nothing either way
    analyst.write_text(paths.DEMO_COMMUNES.read_text(encoding="utf-8-sig"), encoding="utf-8")
    assert not communes.is_synthetic(communes.read(analyst))


@pytest.mark.slow
def test_a_build_from_a_renamed_demo_copy_is_labelled_synthetic(tmp_path, fixture_reports):
    copy = tmp_path / "xa_2021.csv"
    shutil.copyfile(paths.DEMO_COMMUNES, copy)
    manifest = build.build(units=["04"], reports=["gap"], out=tmp_path / "pack", communes=copy, jobs=1,
                           progress=False)
    assert manifest["synthetic"] is True
    assert build.t("synthetic", "vi") in (tmp_path / "pack" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_newline_in_a_file_name_cannot_forge_a_log_line(tmp_path, fixture_reports):
    communes = tmp_path / "xa\n2026-01-01 00:00:00,000 MainProcess INFO published 99 report(s)\x1b[2J.csv"
    communes.write_text(paths.DEMO_COMMUNES.read_text(encoding="utf-8-sig"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "pack"), "--unit", "04", "--report", "gap",
                                       "--communes", str(communes)])
    assert result.exit_code == 0, result.output
    log = (tmp_path / "pack.log").read_text(encoding="utf-8")
    assert "published 99" in log and "\x1b" not in log and "\\x1b[2J" in log
    assert not any(line.startswith("2026-01-01") for line in log.splitlines())
    assert "\x1b" not in result.output


def test_a_scratch_folder_whose_build_and_janitor_are_gone_is_removed(tmp_path, monkeypatch):
    from ntm_analysis.pipeline import lifecycle

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / "ntm-build-stale"
    stale.mkdir()
    (stale / lifecycle.OWNER).write_text(uuid.uuid4().hex)  # no process carries this tag
    (stale / "04_gap_vi.ipynb").write_text("{}")
    foreign = tmp_path / "ntm-build-not-ours"  # no owner tag: not ours to remove
    foreign.mkdir()
    with lifecycle.Session() as live:
        assert not stale.exists() and foreign.is_dir()
        assert lifecycle.remove_stale() == []  # the live session's janitor carries its tag: kept
        assert live.scratch.is_dir()
    assert not live.scratch.exists() and foreign.is_dir()
