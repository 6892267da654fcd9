"""The warm papermill engine (`ntm-warm`): pages from reused kernels equal pages from fresh ones, a report that
changes process settings does not change the next one, a dead or stuck kernel is replaced and its report rerun
once in a fresh kernel, genuine errors are still reported with their cell, and papermill's execution_timeout
holds. Also: the imports kept out of the build, and how many workers a build gets."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import papermill
import pytest
from bs4 import BeautifulSoup
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ntm_analysis.pipeline import build, engine, kernel
from ntm_analysis import paths
from ntm_analysis.report import html as report, kinds
from ntm_analysis.pipeline.project import Project
from ntm_analysis.errors import BuildError, ConfigError


def notebook(path: Path, *cells: str) -> Path:
    """A notebook with the reports' parameters cell, then `cells`."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('lang = "vi"\nunit = "04"\ncommunes = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells)]
    nbformat.write(nb, path)
    return path


def task(key: str, nb: Path, unit: str = "04") -> build.Task:
    return build.Task(key=key, notebook=nb, parameters={"lang": "vi", "unit": unit, "communes": None},
                      title="page", lang="vi", unit=unit, report="evaluation")


def run(tmp_path: Path, tasks: list[build.Task]) -> tuple[list[build.Outcome], str]:
    """The tasks in one build worker (one warm kernel), in order; their outcomes and the build log."""
    log = tmp_path / "build.log"
    outcomes = build.execute(tasks, jobs=1, log_file=log, progress=False)
    return outcomes, log.read_text(encoding="utf-8")


def shown(page: str) -> dict:
    """The JSON a probe notebook displayed in <pre>."""
    return json.loads(BeautifulSoup(page, "html.parser").select_one("pre").get_text())


# What a notebook can change in its process, displayed as JSON.
PROBE = """\
import decimal, html, json, logging, os, sys, warnings
import altair as alt, numpy as np, pandas as pd
from IPython.display import HTML, display
from ntm_analysis.data import reference
state = {
    "execution_count": get_ipython().execution_count,
    "names": sorted(k for k in globals() if not k.startswith("_")),
    "pandas": [pd.get_option("display.precision"), pd.get_option("display.max_rows")],
    "altair": [alt.theme.active, alt.data_transformers.active, alt.renderers.active],
    "numpy": [np.geterr()["divide"], np.get_printoptions()["precision"]],
    "warnings": [repr(f) for f in warnings.filters[:3]],
    "environ": os.environ.get("NTM_TEST_LEAK"), "cwd": os.getcwd(), "path": sys.path[:3],
    "logging": logging.getLogger().level, "decimal": decimal.getcontext().prec,
    "cached": reference.units().iloc[0, 0],
    "blocked": sys.modules.get("rfc3987_syntax", "absent") is None,
    "preloaded": "ntm_analysis.report.evaluation" in sys.modules,
}
display(HTML("<pre>" + html.escape(json.dumps(state, sort_keys=True)) + "</pre>"))
"""

POLLUTE = """\
import decimal, logging, os, sys, warnings
import altair as alt, numpy as np, pandas as pd
from ntm_analysis.data import reference
leaked = 1
pd.set_option("display.precision", 2)
pd.set_option("display.max_rows", 5)
alt.theme.enable("dark")
alt.data_transformers.disable_max_rows()
np.seterr(divide="raise")
np.set_printoptions(precision=2)
warnings.simplefilter("error")
os.environ["NTM_TEST_LEAK"] = "1"
sys.path.insert(0, "/nowhere")
logging.getLogger().setLevel(logging.DEBUG)
decimal.getcontext().prec = 3
reference.units().iloc[0, 0] = "CHANGED IN PLACE"
os.chdir("/")
"""


@pytest.mark.slow
def test_a_report_that_changes_process_settings_does_not_change_the_next(tmp_path):
    probe = notebook(tmp_path / "probe.ipynb", PROBE)
    polluter = notebook(tmp_path / "pollute.ipynb", POLLUTE, PROBE)
    outcomes, log = run(tmp_path, [task("first", probe), task("pollute", polluter), task("after", probe)])
    assert [o.error for o in outcomes] == [None, None, None]
    first, polluted, after = (shown(o.html) for o in outcomes)
    # The polluter did change everything the probe shows (so the comparison below can fail) ...
    changed = {k for k in first if first[k] != polluted[k]}
    assert changed == set(first) - {"blocked", "preloaded"}, sorted(set(first) - changed)
    assert polluted["cached"] == "CHANGED IN PLACE" and polluted["altair"][0] == "dark"
    # ... and the report after it saw the kernel as the first report did, and its page is the same bytes.
    assert after == first
    assert outcomes[2].html == outcomes[0].html
    # As in a fresh kernel: the probe is the executed notebook's third cell (after the injected parameters), and
    # IPython already counts the running cell; papermill's cwd is the notebook's folder.
    assert first["execution_count"] == 4 and first["cwd"] == str(tmp_path)
    # the renderer is the package's own offline one (report.py), enabled when the preloaded report modules load
    assert first["pandas"] == [6, 60] and first["altair"] == ["default", "default", "ntm"]
    assert first["blocked"] and first["preloaded"]
    assert "names" in first and "leaked" not in after["names"]
    assert log.count("warm kernel 1 started") == 1 and "replacing the warm kernel" not in log


@pytest.mark.slow
def test_warm_pages_equal_pages_from_fresh_kernels(tmp_path, monkeypatch):
    """Four real reports in one warm kernel; the last two compared with papermill's own engine, fresh kernels."""
    manifest = build.build(units=["04", "051"], out=tmp_path / "pack", jobs=1, progress=False)
    log = (tmp_path / "pack.log").read_text(encoding="utf-8")
    assert log.count("warm kernel 1 started") == 1 and "warm kernel 2" not in log
    monkeypatch.setenv(report.DEFER_SVG, "1")  # as in the build; the export below draws the SVGs
    for entry in manifest["reports"][2:]:
        executed = tmp_path / f"{entry['report']}.ipynb"
        papermill.execute_notebook(str(kinds.notebook(entry["report"])), str(executed),
                                   parameters={"lang": "vi", "unit": "051", "communes": None},
                                   kernel_name="python3", progress_bar=False, log_output=False,
                                   cwd=str(paths.NOTEBOOKS))
        page = report.export_html(nbformat.read(executed, as_version=4), title=entry["title"], lang="vi")
        assert page.encode("utf-8") == (tmp_path / "pack" / entry["path"]).read_bytes(), entry["path"]


MARK = """\
import ntm_analysis
ntm_analysis._test_mark = True  # state that no reset knows about
"""
CRASH_IF_MARKED = """\
import os, ntm_analysis
if getattr(ntm_analysis, "_test_mark", False):
    os._exit(1)
from IPython.display import HTML, display
display(HTML("<p>ran in a fresh kernel</p>"))
"""


@pytest.mark.slow
def test_a_kernel_that_dies_is_replaced_and_the_report_rerun_in_a_fresh_one(tmp_path):
    marker, crasher = notebook(tmp_path / "mark.ipynb", MARK), notebook(tmp_path / "crash.ipynb", CRASH_IF_MARKED)
    outcomes, log = run(tmp_path, [task("mark", marker), task("crash", crasher), task("alone", crasher)])
    assert [o.error for o in outcomes] == [None, None, None]
    assert "<p>ran in a fresh kernel</p>" in outcomes[1].html
    assert outcomes[1].html == outcomes[2].html
    assert log.count("replacing the warm kernel") == 1 and "DeadKernelError at cell 2" in log
    assert "warm kernel 2 started" in log and "warm kernel 3" not in log


@pytest.mark.slow
def test_a_kernel_that_dies_in_a_fresh_kernel_is_reported_with_its_cell(tmp_path):
    crasher = notebook(tmp_path / "crash.ipynb", "x = 1", "import os\nos._exit(3)")
    outcomes, log = run(tmp_path, [task("crash", crasher)])
    assert outcomes[0].error == "the kernel died while running the cell (Kernel died while running cell 3: import os)"
    assert (outcomes[0].cell, outcomes[0].cell_source) == (2, "import os")  # as the analyst's notebook counts
    assert log.count("replacing the warm kernel") == 1  # for the next report; no rerun: it was fresh


FAIL_042 = """\
if unit == "042":
    raise ValueError(f"no data for {unit}")
"""


@pytest.mark.slow
def test_a_genuine_error_is_confirmed_once_in_a_fresh_kernel_and_reported_with_its_cell(tmp_path, monkeypatch):
    failing = notebook(tmp_path / "gap.ipynb", "x = 1", FAIL_042)
    project = Project.current().with_notebooks({"evaluation": failing, "gap": failing})
    with pytest.raises(BuildError) as info:
        build.build(project=project, units=["04", "042"], reports=["gap"], out=tmp_path / "pack", jobs=1, progress=False)
    error = info.value
    assert (error.unit, error.notebook, error.cell) == ("042", str(failing.resolve()), 2)
    assert "ValueError: no data for 042" in error.error
    log = (tmp_path / "pack.log").read_text(encoding="utf-8")
    assert log.count("rerunning the notebook in a fresh kernel to confirm the error") == 1
    assert not (tmp_path / "pack").exists()


SLEEP_IF_MARKED = """\
import time, ntm_analysis
if getattr(ntm_analysis, "_test_mark", False):
    time.sleep(60)
"""


@pytest.fixture()
def warm(monkeypatch):
    """A warm kernel in this (test) process, as a build worker has one."""
    kept = engine.WarmKernel("python3", [])
    kept.start()
    monkeypatch.setattr(engine, "_kernel", kept)
    yield kept
    kept.stop(now=True)


def execute(nb: Path, out: Path, **options):
    return papermill.execute_notebook(str(nb), str(out), kernel_name="python3", engine_name=engine.NAME,
                                      progress_bar=False, log_output=False, cwd=str(nb.parent), **options)


@pytest.mark.slow
def test_execution_timeout_is_honoured_and_a_stuck_warm_kernel_replaced(tmp_path, warm):
    marker, sleeper = notebook(tmp_path / "mark.ipynb", MARK), notebook(tmp_path / "sleep.ipynb", SLEEP_IF_MARKED)
    execute(marker, tmp_path / "1.ipynb")
    # Stuck only because of the previous report: the rerun in a fresh kernel succeeds.
    execute(sleeper, tmp_path / "2.ipynb", execution_timeout=3)
    assert warm.starts == 2 and warm.reports == 1
    # Stuck in a fresh kernel too: papermill's timeout error, after one rerun.
    stuck = notebook(tmp_path / "stuck.ipynb", "import time\ntime.sleep(60)")
    with pytest.raises(CellTimeoutError, match="timed out"):
        execute(stuck, tmp_path / "3.ipynb", execution_timeout=3)
    assert warm.starts == 4  # replaced after the warm attempt and after the fresh one


@pytest.mark.slow
def test_without_a_warm_kernel_the_engine_is_papermills_own(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "_kernel", None)
    crasher = notebook(tmp_path / "crash.ipynb", "import os\nos._exit(1)")
    with pytest.raises(DeadKernelError):
        execute(crasher, tmp_path / "out.ipynb")


def test_warm_argv_keeps_the_interpreter_and_its_options():
    argv = ["/venv/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert engine.warm_argv(argv) == ["/venv/bin/python", "-Xfrozen_modules=off", "-c", kernel.LAUNCH,
                                      "-f", "{connection_file}"]
    with pytest.raises(ConfigError, match="does not run ipykernel_launcher"):
        engine.warm_argv(["/usr/bin/R", "--slave", "-f", "{connection_file}"])


def test_worker_count_follows_the_size_of_the_work():
    assert build.worker_count(2, 2) == 1  # one unit's two reports: one worker
    assert build.worker_count(4, 8) == 1
    assert build.worker_count(6, 2) == 2
    assert build.worker_count(22, 2) == 2
    assert build.worker_count(22, None) == min(build.default_jobs(), 7)
    assert build.worker_count(1, 1) == 1


def test_the_blocked_import_changes_no_check_the_build_makes():
    """Blocking rfc3987_syntax drops only jsonschema's iri / iri-reference format checks; the Vega-Lite schema
    that altair validates against uses none of them, and altair still rejects an invalid chart."""
    probe = textwrap.dedent("""\
        import json, sys
        if sys.argv[1] == "block":
            from ntm_analysis.pipeline import kernel; kernel.block_unused()
        import altair as alt, jsonschema
        try:
            alt.Chart().mark_bar().encode(x=alt.X("a:Q", bin="yes")).to_dict()
            rejected = False
        except Exception:
            rejected = True
        print(json.dumps({"formats": sorted(jsonschema.Draft7Validator.FORMAT_CHECKER.checkers),
                          "loaded": "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is not None,
                          "rejected": rejected}))
        """)
    results = {mode: json.loads(subprocess.run([sys.executable, "-c", probe, mode], capture_output=True, text=True,
                                               check=True).stdout) for mode in ("block", "keep")}
    lost = set(results["keep"]["formats"]) - set(results["block"]["formats"])
    assert lost == {"iri", "iri-reference"}
    assert results["keep"]["loaded"] and not results["block"]["loaded"]
    assert results["block"]["rejected"] and results["keep"]["rejected"]
    import altair

    schema = (Path(altair.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json").read_text()
    assert set(re.findall(r'"format":\s*"([^"]+)"', schema)) == {"color-hex", "uri", "uri-reference"}


def test_the_build_process_keeps_the_blocked_imports_out_only_while_it_builds():
    probe = textwrap.dedent("""\
        import json, sys
        from ntm_analysis.pipeline import kernel
        with kernel.blocked():
            import ntm_analysis.report.release  # what the build process imports for the index page
            during = sys.modules.get("rfc3987_syntax", "absent")
        import rfc3987_syntax
        print(json.dumps({"during": during, "after": rfc3987_syntax.__name__}))
        """)
    result = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                       check=True).stdout)
    assert result == {"during": None, "after": "rfc3987_syntax"}


@pytest.mark.slow
def test_the_warm_kernel_listens_on_unix_sockets_and_keeps_one_client(tmp_path, warm):
    """No TCP ports another process could take before the kernel binds them; one client for every report."""
    probe = notebook(tmp_path / "probe.ipynb", "x = 6 * 7\nx")
    execute(probe, tmp_path / "1.ipynb")
    client = warm.kc
    done = execute(probe, tmp_path / "2.ipynb")
    assert warm.kc is client and client is not None and warm.starts == 1
    assert done.cells[-1].outputs[0]["data"]["text/plain"] == "42"
    info = warm.km.get_connection_info()
    assert info["transport"] == "ipc"
    for channel in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
        assert stat.S_ISSOCK(os.stat(f"{info['ip']}-{info[channel]}").st_mode)
    # papermill wrote the finished notebook as nbformat does (the compact saves were only while it ran)
    text = (tmp_path / "2.ipynb").read_text(encoding="utf-8")
    assert text.startswith('{\n "cells": [')
    assert nbformat.reads(text, as_version=4).cells[-1].outputs == done.cells[-1].outputs


def test_a_worker_sets_the_report_modules_own_defer_variable_and_imports_the_build_only_after_its_boot():
    assert build._DEFER_SVG == report.DEFER_SVG
    target, (log_path, environ, arguments) = build._worker_boot("/x/worker-0.log", "/x/root")
    assert target == "ntm_analysis.pipeline.kernel:worker_boot" and arguments == build.KERNEL_ARGUMENTS
    assert environ == {report.DEFER_SVG: "1", "NTM_ROOT": "/x/root"}
    # what a spawned worker unpickles names no heavy module: the build module is imported only after the boot
    probe = ("import sys; from ntm_analysis.pipeline import lifecycle; "
             "print(sorted(m for m in ('pandas', 'ntm_analysis.pipeline.build', 'papermill') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
