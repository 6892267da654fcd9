"""The `ntm` command line: argument checks, `ntm validate` on CSV and xlsx files, and `ntm build` refusing bad input
before anything runs. (Full builds: tests/test_build.py; sending: tests/test_send.py.)"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from ntm_analysis import paths
from ntm_analysis.report import kinds
from ntm_analysis.pipeline.cli import main

from project_copies import FIGURE, change_figure, copy_project


def rows() -> list[list[str]]:
    with open(paths.DEMO_COMMUNES, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path: Path, table: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)
    return path


def write_xlsx(path: Path, table: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dữ liệu"
    for row in table:
        sheet.append(row)
    book.save(path)
    return path


def broken(table: list[list[str]]) -> list[list[str]]:
    """Two problems: an unknown commune code in row 2, a criterion value that means nothing in row 4."""
    table = [list(r) for r in table]
    table[1][0] = "99999"
    column = table[0].index(next(h for h in table[0] if h.startswith("TC05")))
    table[3][column] = "maybe"
    return table


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("build", "validate", "send"):
        assert command in result.output


def test_console_script_is_installed():
    result = subprocess.run([str(Path(sys.executable).parent / "ntm"), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "ntm" in result.stdout


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_validate_good_file(tmp_path, writer):
    file = writer(tmp_path / ("xa." + ("csv" if writer is write_csv else "xlsx")), rows())
    result = invoke("validate", str(file))
    assert result.exit_code == 0, result.output
    assert any(line.startswith("OK: ") and "139 dòng, 139 xã, năm 2021" in line for line in result.output.splitlines())
    assert "Phạm vi: 139 trên 139 xã, 10 trên 10 huyện/thành phố:" in result.output


def test_validate_in_english():
    result = invoke("validate", str(paths.DEMO_COMMUNES), "--lang", "en")
    assert result.exit_code == 0 and "139 row(s), 139 commune(s), year(s) 2021; no problems" in result.output


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_validate_bad_file_prints_every_problem(tmp_path, writer):
    name = "bad." + ("csv" if writer is write_csv else "xlsx")
    file = writer(tmp_path / name, broken(rows()))
    result = invoke("validate", str(file))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(f"{name}, dòng 2, cột 'Mã xã': mã xã không có trong danh mục" in line and "'99999'" in line
               for line in lines), result.output
    assert any(f"{name}, dòng 4, cột 'TC05" in line and "'maybe'" in line for line in lines), result.output
    english = invoke("validate", str(file), "--lang", "en").stdout.splitlines()
    assert any(f"{name}, row 2, column 'Mã xã': unknown commune code" in line for line in english)
    assert f"{name}: " in result.stderr and "lỗi" in result.stderr


def test_validate_a_file_that_is_not_a_spreadsheet(tmp_path):
    file = tmp_path / "xa.xlsx"
    file.write_bytes(b"this is not a workbook")
    result = invoke("validate", str(file))
    assert result.exit_code == 1 and "xa.xlsx" in result.output


def test_build_refuses_a_path_traversal_unit(tmp_path):
    out = tmp_path / "pack"
    for code in ["../x", "04/../../etc", "999"]:
        result = invoke("build", "--unit", code, "--out", str(out))
        assert result.exit_code == 2
        assert "unknown unit code" in result.output and "--unit" in result.output
    assert not out.exists() and not (tmp_path / "x").exists()


def test_build_refuses_unknown_report_and_language(tmp_path):
    assert invoke("build", "--report", "summary", "--out", str(tmp_path / "p")).exit_code == 2
    assert invoke("build", "--lang", "fr", "--out", str(tmp_path / "p")).exit_code == 2
    assert invoke("build", "--jobs", "0", "--out", str(tmp_path / "p")).exit_code == 2


def test_build_with_a_bad_commune_file_prints_every_problem_and_writes_nothing(tmp_path):
    out = tmp_path / "pack"
    file = write_csv(tmp_path / "xa.csv", broken(rows()))
    result = invoke("build", "--communes", str(file), "--out", str(out))
    assert result.exit_code == 1
    assert "2 lỗi" in result.stderr
    assert "dòng 2, cột 'Mã xã'" in result.stderr and "dòng 4, cột 'TC05" in result.stderr  # the user's language
    assert not out.exists()
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir())
    english = invoke("build", "--communes", str(file), "--out", str(out), "--lang", "en")
    assert english.exit_code == 1 and "2 problem(s)" in english.stderr
    assert "row 2, column 'Mã xã'" in english.stderr and "row 4, column 'TC05" in english.stderr


def unsure_file(tmp_path: Path) -> Path:
    """The commune file with "?" for criterion 5 in every row: 139 problems of one kind."""
    table = rows()
    column = table[0].index(next(h for h in table[0] if h.startswith("TC05")))
    for row in table[1:]:
        row[column] = "?"
    return write_csv(tmp_path / "unsure.csv", table)


def test_build_caps_the_problems_it_prints_like_validate(tmp_path):
    file = unsure_file(tmp_path)
    result = invoke("build", "--communes", str(file), "--out", str(tmp_path / "pack"))
    assert result.exit_code == 1 and "139 lỗi" in result.stderr
    shown = [line for line in result.stderr.splitlines() if "giá trị chưa chắc chắn" in line]
    assert len(shown) == 50 and "… và 89 lỗi nữa; số lỗi theo loại:" in result.stderr
    assert "  mark_uncertain: 139" in result.stderr


def test_build_refuses_to_replace_a_folder_that_is_not_a_pack(tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = invoke("build", "--out", str(out), "--unit", "04")
    assert result.exit_code == 2 and "not a report pack" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_validate_shows_how_an_office_file_was_read_and_writes_the_template_shape(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    import commune_fixtures as fx

    file = fx.office_csv(tmp_path)
    out = tmp_path / "normalised.csv"
    result = invoke("validate", str(file), "--normalised", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "header on row(s) 5–6, 26 commune row(s)" in text
    assert "'Tiêu chí 19' → c19" in text and "row 23: skipped subtotal row 'Cộng'" in text
    assert "row 9: 'Dân Chủ' → 01657 Xã Dân Chủ (Huyện Hoà An)" in text
    assert "Coverage: 26 of 139 communes, 2 of 10 districts:" in text and "051 Huyện Hoà An: 14/14" in text
    with open(out, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][:4] == ["Mã xã", "Tên xã", "Huyện", "Năm"] and "Bộ tiêu chí" in table[0]
    assert len(table) == 27 and table[1][0] == "01291"
    again = invoke("validate", str(out))  # the normalised file reads back to the same data
    assert again.exit_code == 0 and "26 dòng, 26 xã, năm 2021" in again.output


def test_validate_caps_problems_on_screen_and_writes_them_all(tmp_path):
    file = unsure_file(tmp_path)
    out = tmp_path / "problems.csv"
    result = invoke("validate", str(file), "--problems", str(out), "--quiet")
    assert result.exit_code == 1
    shown = [line for line in result.stdout.splitlines() if "giá trị chưa chắc chắn" in line]
    assert len(shown) == 50 and "… và 89 lỗi nữa; số lỗi theo loại:" in result.stdout
    assert "  mark_uncertain: 139" in result.stdout
    with open(out, encoding="utf-8-sig", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == 139 and written[0]["row"] == "2" and written[0]["value"] == "?"
    assert written[0]["column"].startswith("TC05") and written[0]["kind"] == "mark_uncertain"


# --------------------------------------------------------------------------------------------------------------
# Broken surroundings: read-only and full file systems, long names, a Latin-1 terminal, an unwritable log,
# control characters in files. Clear messages, exit ≠ 0, no traceback; checked before the work where possible.
# --------------------------------------------------------------------------------------------------------------

import contextlib
import os
import shutil

import nbformat

from ntm_analysis.pipeline import build


@contextlib.contextmanager
def tmpfs(folder: Path, *options: str):
    """A real tmpfs mounted at `folder` (size limit, read-only …); the test is skipped where mounting is not
    permitted (not root, or no CAP_SYS_ADMIN in this container)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fixture_project(tmp_path: Path, extra: str = "") -> Path:
    """A project folder (the checkout's data) whose report kinds run a small fixture notebook, for `--project`."""
    root = tmp_path / "project"
    if not root.exists():
        copy_project(root)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('lang = "vi"\nunit = "04"\ncommunes = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('display({"text/html": f"<p>{unit}</p>"}, raw=True)')]
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    for kind in kinds.kinds():
        nbformat.write(nb, root / "notebooks" / kinds.notebook(kind).name)
    return root


def build_in(project: Path, *args: str):
    return invoke("--project", str(project), "build", *args)


def test_a_read_only_target_is_a_clear_error_before_any_work(tmp_path):
    project = fixture_project(tmp_path, extra="raise SystemExit('must not run')")
    with tmpfs(tmp_path / "ro", "size=4m", "ro") as ro:
        result = build_in(project, "--out", str(ro / "pack"), "--unit", "04", "--report", "gap")
        assert result.exit_code == 1, result.output
        assert "read-only file system" in result.stderr and "Traceback" not in result.output
        assert not (ro / "pack").exists()


@pytest.mark.slow
def test_a_full_disk_is_a_clear_error_and_the_old_pack_stays(tmp_path):
    project = fixture_project(tmp_path)
    with tmpfs(tmp_path / "small", "size=4m") as small:
        out = small / "pack"
        assert build_in(project, "--out", str(out), "--unit", "04", "--report", "gap").exit_code == 0
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        # The notebook fills the disk while it runs, after the free-space check passed.
        fill = (f"with open({str(small / 'filler')!r}, 'wb') as f:\n"
                "    try:\n        while True:\n            f.write(b'0' * 65536); f.flush()\n"
                "    except OSError:\n        pass")
        project = fixture_project(tmp_path, extra=fill)
        result = build_in(project, "--out", str(out), "--unit", "04", "--report", "gap")
        assert result.exit_code == 1, result.output
        assert "no space left on the device" in result.stderr and "Traceback" not in result.output
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        assert sorted(p.name for p in small.iterdir()) == [".pack.lock", "filler", "pack", "pack.log"]


def test_too_little_free_space_is_refused_before_any_work(tmp_path):
    project = fixture_project(tmp_path, extra="raise SystemExit('must not run')")
    with tmpfs(tmp_path / "tiny", "size=1m") as tiny:
        result = build_in(project, "--out", str(tiny / "pack"), "--unit", "04")
        assert result.exit_code == 1
        assert "not enough free space" in result.stderr and "MB free" in result.stderr
        assert not (tiny / "pack").exists() and not (tiny / "pack.log").exists()


def test_an_overlong_folder_name_is_refused_before_any_work(tmp_path):
    result = invoke("build", "--out", str(tmp_path / ("x" * 250)), "--unit", "04")
    assert result.exit_code == 1 and "name is too long" in result.stderr and "Traceback" not in result.output
    result = invoke("build", "--out", str(tmp_path / ("y" * 300)), "--unit", "04")
    assert result.exit_code == 1 and "too long" in result.stderr and "Traceback" not in result.output


def test_a_latin1_terminal_gets_escapes_not_a_traceback(tmp_path):
    folder = tmp_path / "tài liệu"
    folder.mkdir()
    (folder / "ghi chú của tôi.txt").write_text("x", encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="latin-1")
    done = subprocess.run([str(Path(sys.executable).parent / "ntm"), "build", "--out", str(folder), "--unit", "04"],
                          capture_output=True, env=env)
    err = done.stderr.decode("latin-1")
    assert done.returncode == 2 and "Traceback" not in err
    assert "not a report pack" in err and "ghi chú c\\u1ee7a tôi.txt" in err  # ủ is not in Latin-1


@pytest.mark.slow
def test_a_log_that_cannot_be_written_does_not_fail_a_good_build(tmp_path):
    project = fixture_project(tmp_path)
    out = tmp_path / "pack"
    result = build_in(project, "--out", str(out), "--unit", "04", "--report", "gap", "--log", "/dev/full")
    assert result.exit_code == 0, result.output
    assert (out / "04_gap_vi.html").is_file() and "Đã tạo 1 báo cáo" in result.stdout
    assert "không ghi được nhật ký /dev/full" in result.stderr


@pytest.mark.slow
def test_the_log_goes_beside_the_pack_or_where_asked(tmp_path):
    project = fixture_project(tmp_path)
    assert build_in(project, "--out", str(tmp_path / "a" / "pack"), "--unit", "04", "--report", "gap").exit_code == 0
    assert "published 1 report(s)" in (tmp_path / "a" / "pack.log").read_text(encoding="utf-8")
    log = tmp_path / "logs" / "mine.log"
    result = build_in(project, "--out", str(tmp_path / "b"), "--unit", "04", "--report", "gap", "--log", str(log))
    assert result.exit_code == 0 and str(log) in result.stdout and "published 1 report(s)" in log.read_text()
    result = build_in(project, "--out", str(tmp_path / "b"), "--unit", "04", "--log", str(tmp_path / "b" / "x.log"))
    assert result.exit_code == 2 and "inside the pack folder" in result.stderr


def test_an_input_inside_the_pack_folder_is_refused_even_with_force(tmp_path):
    out = tmp_path / "pack"
    build.publish({"manifest.json": b"{}"}, out)
    communes = out / "xa.csv"
    shutil.copyfile(paths.DEMO_COMMUNES, communes)
    for extra in ([], ["--force"]):
        result = invoke("build", "--out", str(out), "--communes", str(communes), "--unit", "04", *extra)
        assert result.exit_code == 2 and "input file of this build is inside" in result.stderr
        assert communes.read_bytes() == paths.DEMO_COMMUNES.read_bytes()


def test_escape_codes_in_a_csv_header_and_file_name_are_escaped(tmp_path):
    table = rows()
    table[0][4] = "TC01\x1b[31m Quy hoạch\x1b]0;owned\x07"
    table[0].append("Cột lạ\nFORGED LINE")
    table[1].append("1")
    file = write_csv(tmp_path / "xa\x1b[2J\nFORGED.csv", table)
    result = invoke("build", "--communes", str(file), "--out", str(tmp_path / "pack"), "--unit", "04")
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[31m" in result.output
    assert not any(line.startswith("FORGED") for line in result.output.splitlines())


def test_a_successful_build_prints_the_commune_file_coverage(tmp_path):
    project = fixture_project(tmp_path)
    table = rows()
    district = table[0].index("Huyện")
    hoa_an = [r for r in table[1:] if r[district] in ("Huyện Hòa An", "Huyện Hoà An", "Hòa An", "Hoà An")]
    assert hoa_an, sorted({r[district] for r in table[1:]})
    file = write_csv(tmp_path / "hoa_an.csv", [table[0], *hoa_an])
    result = build_in(project, "--communes", str(file), "--out", str(tmp_path / "pack"), "--unit", "04",
                    "--report", "gap", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert f"Coverage: {len(hoa_an)} of 139 communes, 1 of 10 districts:" in result.stdout
    assert f"051 Huyện Hòa An: {len(hoa_an)}/{len(hoa_an)}" in result.stdout


# -- an office's own copy of the project: ntm --project DIR ----------------------------------------------------

def test_a_project_folder_that_lacks_files_is_refused_listing_them(tmp_path):
    copy = copy_project(tmp_path / "office")
    (copy / "data" / "facts" / "report_figures.csv").unlink()
    (copy / "data" / "reference" / "origin.json").unlink()
    (copy / "notebooks" / "gap.ipynb").unlink()
    for command in (["build", "--unit", "051", "--out", str(tmp_path / "pack")], ["validate"],
                    ["send", "--to", "a@example.org", "--dry-run"]):
        result = invoke("--project", str(copy), *command)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert f"{copy} is not a complete project folder" in result.stderr
        for missing in ("data/facts/report_figures.csv", "data/reference/origin.json", "notebooks/gap.ipynb"):
            assert missing in result.stderr
        assert "data/raw" not in result.stderr
    assert not (tmp_path / "pack").exists()
    result = invoke("--project", str(tmp_path / "nowhere"), "validate")
    assert result.exit_code == 2 and "no such folder" in result.stderr
    result = CliRunner().invoke(main, ["validate"], env={"NTM_ROOT": str(copy)})  # the same through NTM_ROOT
    assert result.exit_code == 2 and "data/facts/report_figures.csv" in result.stderr


def test_validate_and_send_use_the_projects_own_files(tmp_path):
    copy = copy_project(tmp_path / "office")
    result = invoke("--project", str(copy), "validate", "--quiet", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert str(copy / "data" / "communes" / "demo_communes_2021_SYNTHETIC.csv") in result.stdout
    pack = copy / "outputs" / "reports"  # where `ntm --project COPY build` writes by default
    result = invoke("--project", str(copy), "send", "--to", "a@example.org", "--dry-run")
    assert result.exit_code == 1 and str(pack) in result.stderr  # no pack built in the copy yet


@pytest.mark.slow
def test_a_build_of_a_project_copy_shows_the_copys_figures(tmp_path):
    copy = copy_project(tmp_path / "office")
    change_figure(copy, FIGURE, "16,88")
    result = invoke("--project", str(copy), "build", "--unit", "051", "--report", "gap", "--out",
                    str(tmp_path / "office-pack"), "--jobs", "1")
    assert result.exit_code == 0, result.output
    checkout = invoke("build", "--unit", "051", "--report", "gap", "--out", str(tmp_path / "pack"), "--jobs", "1")
    assert checkout.exit_code == 0, checkout.output
    office_page = (tmp_path / "office-pack" / "051_gap_vi.html").read_text(encoding="utf-8")
    page = (tmp_path / "pack" / "051_gap_vi.html").read_text(encoding="utf-8")
    assert "16,88" in office_page and "16,88" not in page
    assert office_page.count("16,44") < page.count("16,44")
    manifest = json.loads((tmp_path / "office-pack" / "manifest.json").read_text(encoding="utf-8"))
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    facts_file = copy / "data" / "facts" / "report_figures.csv"
    assert inputs["data/facts/report_figures.csv"] == hashlib.sha256(facts_file.read_bytes()).hexdigest()
    assert inputs["data/facts/report_figures.csv"] != hashlib.sha256(paths.FACTS_CSV.read_bytes()).hexdigest()


def test_a_wrong_catalogue_path_is_a_message_not_a_traceback(tmp_path):
    """NTM_CATALOGUES is read in a new process (as an office sets it), where the package is imported afresh."""
    env = {**os.environ, "NTM_CATALOGUES": "relative/folder"}
    result = subprocess.run([sys.executable, "-m", "ntm_analysis.pipeline.cli", "build", "--unit", "051", "--out",
                             str(tmp_path / "pack")], capture_output=True, text=True, env=env)
    assert result.returncode == 2, result.stderr
    assert "NTM_CATALOGUES names 'relative/folder'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "pack").exists()


@pytest.mark.slow
def test_a_broken_figure_in_a_project_copy_names_the_copys_file(tmp_path):
    copy = copy_project(tmp_path / "office")
    facts_csv = copy / "data" / "facts" / "report_figures.csv"
    rows = facts_csv.read_text(encoding="utf-8").splitlines()
    line = next(i for i, row in enumerate(rows) if row.startswith(f"{FIGURE},"))
    rows[line] = rows[line].replace(",16.44,", ",abc,", 1)
    facts_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = invoke("--project", str(copy), "build", "--unit", "051", "--out", str(tmp_path / "pack"), "--jobs", "1")
    assert result.exit_code != 0
    assert f"in {facts_csv}" in result.output and f"row {line + 1}, column 'value'" in result.output
    assert "ntm-build-" not in result.output  # not the build's scratch copy, gone once the build ends
    assert not (tmp_path / "pack").exists()
