"""Benchmark the report pack against papermill's floor and the in-process lower bound, in one run.

    python benchmarks/pack.py [--jobs N]

(a) pack:   `build.build()` of every unit and both reports on the demo data (what `ntm build` does);
(b) floor:  papermill as shipped (its own engine, a fresh kernel per notebook, no preload, nothing blocked) on as
            many notebooks that only import pandas and altair, with HTML export and the offline check, in as many
            spawned worker processes as the pack uses;
(c) bound:  the same report notebooks' cells exec'd by IPython in as many spawned processes that imported the
            reports' stack beforehand (not timed), no kernels: what the reports' own work costs;
(d) one district: a new Python process that builds one district's two reports (`build.build(units=["051"])`).
Also: CPU seconds of every process involved, peak memory of the whole process tree (sum of resident memory, sampled
every 0.1 s), maxrss, and report sizes. Writes benchmarks/results/pack-<timestamp>.json and prints a summary.
Nothing here imports nbformat or papermill at module level: spawned workers re-import this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ntm_analysis.pipeline import build
from ntm_analysis import paths
from ntm_analysis.data import reference
from ntm_analysis.report import kinds as reports

AIM_FLOOR = 0.6  # pack ≤ 0.6 × floor
AIM_BOUND = 1.5  # pack ≤ 1.5 × lower bound
DISTRICT = "051"
FLOOR_SOURCE = "import pandas\nimport altair"


# -- measuring -------------------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """User + system CPU time of this process and of every child reaped so far (workers, after each pool closes,
    include the kernels they reaped)."""
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                         resource.RUSAGE_CHILDREN)))


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


class TreeMemory:
    """Peak of the summed resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, every: float = 0.1) -> None:
        import psutil

        self.root, self.every, self.peak = psutil.Process(), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self.root, *self.root.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:  # ended meanwhile
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 1e6, 1)


class Phase:
    """Wall time, CPU time and peak tree memory of a `with` block."""

    def __enter__(self) -> Phase:
        self.memory = TreeMemory().__enter__()
        self.start, self.cpu0 = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start
        self.cpu = cpu_seconds() - self.cpu0
        self.memory.__exit__(*exc)


# -- (b) the floor: papermill as shipped -----------------------------------------------------------------------


def floor_notebook(path: Path) -> Path:
    """A notebook with the same parameters cell as the reports, that only imports pandas and altair."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('lang = "vi"\nunit = "04"\ncommunes = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    nbformat.write(nb, path)
    return path


def _quiet(log_file: str) -> None:
    """Worker initializer: stdout/stderr (and the kernels') to the log file."""
    fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def floor_task(notebook: str, executed: str, unit: str) -> int:
    """papermill.execute_notebook with its own engine and a fresh kernel, then the page: its size in bytes."""
    import papermill

    from ntm_analysis.report import html as report

    nb = papermill.execute_notebook(notebook, executed, parameters={"lang": "vi", "unit": unit, "communes": None},
                                    kernel_name="python3", progress_bar=False, log_output=False,
                                    cwd=str(Path(notebook).parent))
    page = report.export_html(nb, title=unit, lang="vi")
    if report.check_offline(page):
        raise RuntimeError("floor page references the network")
    return len(page.encode("utf-8"))


# -- (c) the in-process lower bound ----------------------------------------------------------------------------

_barrier = None


def _bound_init(log_file: str, barrier) -> None:
    """Worker initializer: what a warm kernel has (the reports' stack imported, DEFER_SVG, gc.freeze) plus the
    worker's export, in one process with an IPython shell and no kernel."""
    global _barrier
    _barrier = barrier
    _quiet(log_file)
    from ntm_analysis.pipeline import kernel

    kernel.block_unused()
    import gc
    import importlib

    for name in kernel.PRELOAD:
        importlib.import_module(name)
    import papermill.parameterize  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell

    from ntm_analysis.report import html as report

    os.environ[report.DEFER_SVG] = "1"
    report._exporter()
    main = sys.modules["__main__"]
    InteractiveShell.instance()  # it installs its own __main__ ...
    sys.modules["__main__"] = main  # ... but this worker's functions are found in this one
    gc.freeze()


def bound_ready() -> float:
    """Hold this worker until every worker is ready; its CPU seconds so far (start-up, not counted)."""
    _barrier.wait()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bound_task(task: build.Task) -> tuple[str, bytes]:
    """The notebook's cells, parameterized as papermill does, run by IPython in this process (outputs collected as
    a kernel sends them: display() calls, then the cell's value); then the page."""
    import nbformat
    from IPython import get_ipython
    from IPython.core.displaypub import DisplayPublisher
    from IPython.utils.capture import capture_output
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from ntm_analysis.pipeline import kernel
    from ntm_analysis.report import html as report

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, *args, **kwargs):
            outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

        def clear_output(self, wait=False):
            outputs.clear()

    def value(result):
        if result is not None:
            data, metadata = shell.display_formatter.format(result)
            outputs.append(nbformat.v4.new_output("execute_result", data=data, metadata=metadata,
                                                  execution_count=shell.execution_count))

    nb = parameterize_notebook(load_notebook_node(str(task.notebook)), task.parameters, kernel_name="python3",
                               language="python")
    main = sys.modules["__main__"]
    kernel.reset(str(task.notebook.parent))
    sys.modules["__main__"] = main
    shell = get_ipython()
    publisher, hook = shell.display_pub, shell.display_trap.hook
    shell.display_pub, shell.display_trap.hook = Publisher(shell=shell), value
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs = []
            with capture_output(display=False):  # printed text: not on the page
                result = shell.run_cell(cell.source, store_history=True)
            result.raise_error()
            cell.outputs, cell.execution_count = outputs, result.execution_count
    finally:
        shell.display_pub, shell.display_trap.hook = publisher, hook
    title, _ = build.harvest_headlines(nb)
    page = report.export_html(nb, title=title or task.title, lang=task.lang)
    link = reports.pack_link()  # as the build: links to the pack's own pages are not the network
    if [ref for ref in report.check_offline(page) if not link.match(ref)]:
        raise RuntimeError(f"{task.key}: page references the network")
    return task.key, page.encode("utf-8")


# -- the run ---------------------------------------------------------------------------------------------------


def run(jobs: int) -> dict:
    units = reference.unit_codes()
    tasks = build.plan(units=units, reports=reports.kinds(), lang="vi", communes=None)
    count = len(tasks)
    workers = build.worker_count(count, jobs)
    with tempfile.TemporaryDirectory(prefix="ntm-bench-") as scratch:
        scratch = Path(scratch)
        log = scratch / "bench.log"
        try:
            return _measure(scratch, log, tasks, units, jobs, workers)
        except BaseException:
            if log.exists():  # what the workers and kernels said
                sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
            raise


def _measure(scratch: Path, log: Path, tasks: list[build.Task], units: list[str], jobs: int, workers: int) -> dict:
    import papermill

    count = len(tasks)
    spawn = multiprocessing.get_context("spawn")
    notebook = floor_notebook(scratch / "floor.ipynb")
    # Warm the disk cache and a kernel's first start, unmeasured.
    papermill.execute_notebook(str(notebook), str(scratch / "warm.ipynb"), kernel_name="python3",
                               progress_bar=False, log_output=False, cwd=str(scratch))

    with Phase() as floor, ProcessPoolExecutor(workers, mp_context=spawn, initializer=_quiet,
                                               initargs=(str(log),)) as pool:
        floor_sizes = list(pool.map(floor_task, [str(notebook)] * count,
                                    [str(scratch / f"floor_{i:02d}.ipynb") for i in range(count)],
                                    [units[i % len(units)] for i in range(count)]))
    floor_maxrss = maxrss_mb(resource.RUSAGE_CHILDREN)

    barrier = spawn.Barrier(workers)
    with ProcessPoolExecutor(workers, mp_context=spawn, initializer=_bound_init,
                             initargs=(str(log), barrier)) as pool:
        cpu_before = cpu_seconds()
        startup_cpu = sum(f.result() for f in [pool.submit(bound_ready) for _ in range(workers)])
        with Phase() as bound:
            bound_pages = dict(pool.map(bound_task, tasks))
    # The workers' CPU (known once they are reaped), less their start-up.
    bound_cpu = cpu_seconds() - cpu_before - startup_cpu

    with Phase() as pack:
        manifest = build.build(out=scratch / "pack", jobs=jobs, progress=False, log_file=log)
    pack_pages = {r["path"].removesuffix(".html"): (scratch / "pack" / r["path"]).read_bytes()
                  for r in manifest["reports"]}
    sizes = [len(p) for p in pack_pages.values()]
    pack_bytes = sum(p.stat().st_size for p in (scratch / "pack").iterdir())
    identical = sum(bound_pages[key] == page for key, page in pack_pages.items())

    # (d) one district, from a new process.
    program = ("import sys; from pathlib import Path; from ntm_analysis import paths; from ntm_analysis.pipeline import build; "
               "paths.BUILD_LOGS = Path(sys.argv[1]); paths.FAILED = Path(sys.argv[1]); "
               f"build.build(units=[{DISTRICT!r}], out=Path(sys.argv[2]), progress=False)")
    with Phase() as district:
        subprocess.run([sys.executable, "-c", program, str(scratch / "logs"), str(scratch / "district")],
                       check=True)

    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "usable_cpus": build.default_jobs()},
        "jobs": jobs,
        "workers": workers,
        "notebooks": count,
        "pack_seconds": round(pack.seconds, 2),
        "floor_seconds": round(floor.seconds, 2),
        "bound_seconds": round(bound.seconds, 2),
        "pack_vs_floor": round(pack.seconds / floor.seconds, 3),
        "pack_vs_bound": round(pack.seconds / bound.seconds, 3),
        "aims": {"pack_vs_floor": AIM_FLOOR, "pack_vs_bound": AIM_BOUND},
        "pack_cpu_seconds": round(pack.cpu, 1),
        "floor_cpu_seconds": round(floor.cpu, 1),
        "bound_cpu_seconds": round(bound_cpu, 1),
        "bound_startup_cpu_seconds": round(startup_cpu, 1),
        "cpu_pack_vs_floor": round(pack.cpu / floor.cpu, 3),
        "cpu_pack_vs_bound": round(pack.cpu / bound_cpu, 3),
        "district_unit": DISTRICT,
        "district_seconds": round(district.seconds, 2),
        "district_cpu_seconds": round(district.cpu, 1),
        "bound_pages_identical": identical,
        "report_bytes_max": max(sizes),
        "report_bytes_total": sum(sizes),
        "pack_bytes_total": pack_bytes,
        "floor_page_bytes": max(floor_sizes),
        "tree_peak_mb": {"pack": pack.memory.peak_mb, "floor": floor.memory.peak_mb, "bound": bound.memory.peak_mb,
                         "district": district.memory.peak_mb},
        "maxrss_self_mb": round(maxrss_mb(resource.RUSAGE_SELF), 1),
        "maxrss_children_mb_floor": round(floor_maxrss, 1),
        "maxrss_children_mb": round(maxrss_mb(resource.RUSAGE_CHILDREN), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=build.default_jobs(), help="worker processes (default: CPUs)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    r = run(args.jobs)
    paths.BENCHMARK_RESULTS.mkdir(parents=True, exist_ok=True)
    file = paths.BENCHMARK_RESULTS / f"pack-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    file.write_text(json.dumps(r, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    m = r["tree_peak_mb"]
    print(f"{r['notebooks']} reports, {r['workers']} worker(s), {r['machine']['usable_cpus']} CPU(s)")
    print(f"pack : {r['pack_seconds']:6.1f} s  cpu {r['pack_cpu_seconds']:5.1f} s  peak {m['pack']:.0f} MB")
    print(f"floor: {r['floor_seconds']:6.1f} s  cpu {r['floor_cpu_seconds']:5.1f} s  peak {m['floor']:.0f} MB"
          "  (papermill as shipped, notebooks that only import pandas + altair)")
    print(f"bound: {r['bound_seconds']:6.1f} s  cpu {r['bound_cpu_seconds']:5.1f} s  peak {m['bound']:.0f} MB"
          f"  (the same cells in imported processes; {r['bound_pages_identical']}/{r['notebooks']} pages identical)")
    print(f"pack / floor: {r['pack_vs_floor']:.2f} wall, {r['cpu_pack_vs_floor']:.2f} cpu  (aim ≤ {AIM_FLOOR})")
    print(f"pack / bound: {r['pack_vs_bound']:.2f} wall, {r['cpu_pack_vs_bound']:.2f} cpu  (aim ≤ {AIM_BOUND})")
    print(f"one district ({r['district_unit']}), new process: {r['district_seconds']:.1f} s, "
          f"cpu {r['district_cpu_seconds']:.1f} s")
    print(f"sizes: largest report {r['report_bytes_max'] / 1e6:.2f} MB, all reports {r['report_bytes_total'] / 1e6:.1f} MB")
    print(f"results: {file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
