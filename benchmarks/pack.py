"""Benchmark the report pack against its floor, in one run.

    python benchmarks/pack.py [--jobs N]

(a) pack:  `build.build()` of every unit and both reports on the demo data (what `ntm build` does);
(b) floor: the same pipeline (papermill in the same worker processes, HTML export, offline check) on as many
           notebooks that only import pandas and altair, with the same number of workers.
The ratio pack/floor says how much the reports' own work costs over starting kernels and exporting pages.
Also: CPU seconds of every process involved (this one, the workers and the kernels they reaped), which vary less
than wall time on a shared machine; report sizes (largest, total) and peak memory (maxrss of this process and of
its reaped children).
Writes benchmarks/results/pack-<timestamp>.json and prints the headline numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ntm_analysis import build, paths, reference

AIM = 1.3  # pack time / floor time, on 2 cores

FLOOR_SOURCE = "import pandas\nimport altair"


def floor_notebook(path: Path) -> Path:
    """A notebook with the same parameters cell as the reports, that only imports pandas and altair."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('lang = "vi"\nunit = "04"\ncommunes = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    nbformat.write(nb, path)
    return path


def floor_tasks(notebook: Path, count: int) -> list[build.Task]:
    units = reference.unit_codes()
    return [build.Task(key=f"floor_{i:02d}", notebook=notebook, title=f"floor {i}", lang="vi",
                       parameters={"lang": "vi", "unit": units[i % len(units)], "communes": None})
            for i in range(count)]


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def cpu_seconds() -> float:
    """User + system CPU time of this process and of every child reaped so far (workers, after each pool closes,
    include the kernels they reaped)."""
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                         resource.RUSAGE_CHILDREN)))


def run(jobs: int) -> dict:
    count = len(reference.unit_codes()) * len(build.REPORTS)
    with tempfile.TemporaryDirectory(prefix="ntm-bench-") as scratch:
        scratch = Path(scratch)
        log = scratch / "bench.log"
        notebook = floor_notebook(scratch / "floor.ipynb")

        # Warm the disk cache and the kernel's first start, unmeasured.
        build.execute(floor_tasks(notebook, 1), jobs=1, log_file=log, progress=False)

        start, cpu = time.perf_counter(), cpu_seconds()
        outcomes = build.execute(floor_tasks(notebook, count), jobs=jobs, log_file=log, progress=False)
        floor_seconds, floor_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        failed = [o for o in outcomes if not o.ok]
        if failed or len(outcomes) != count:
            raise SystemExit(f"floor run failed: {failed[0].error if failed else 'incomplete'}")
        floor_children = maxrss_mb(resource.RUSAGE_CHILDREN)

        start, cpu = time.perf_counter(), cpu_seconds()
        manifest = build.build(out=scratch / "pack", jobs=jobs, progress=False, log_file=log)
        pack_seconds, pack_cpu = time.perf_counter() - start, cpu_seconds() - cpu

        sizes = [(scratch / "pack" / r["path"]).stat().st_size for r in manifest["reports"]]
        pack_bytes = sum(p.stat().st_size for p in (scratch / "pack").iterdir())

    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "usable_cpus": build.default_jobs()},
        "jobs": jobs,
        "notebooks": count,
        "pack_seconds": round(pack_seconds, 2),
        "floor_seconds": round(floor_seconds, 2),
        "ratio": round(pack_seconds / floor_seconds, 3),
        "aim": AIM,
        "seconds_per_report": round(pack_seconds * jobs / count, 2),
        "pack_cpu_seconds": round(pack_cpu, 1),
        "floor_cpu_seconds": round(floor_cpu, 1),
        "cpu_ratio": round(pack_cpu / floor_cpu, 3),
        "report_bytes_max": max(sizes),
        "report_bytes_total": sum(sizes),
        "pack_bytes_total": pack_bytes,
        "maxrss_self_mb": round(maxrss_mb(resource.RUSAGE_SELF), 1),
        "maxrss_children_mb_floor": round(floor_children, 1),
        "maxrss_children_mb": round(maxrss_mb(resource.RUSAGE_CHILDREN), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=build.default_jobs(), help="worker processes (default: CPUs)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    result = run(args.jobs)
    paths.BENCHMARK_RESULTS.mkdir(parents=True, exist_ok=True)
    file = paths.BENCHMARK_RESULTS / f"pack-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    file.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    print(f"{result['notebooks']} reports, {result['jobs']} worker(s), {result['machine']['usable_cpus']} CPU(s)")
    print(f"pack : {result['pack_seconds']:8.1f} s  ({result['seconds_per_report']:.1f} s per report per worker)")
    print(f"floor: {result['floor_seconds']:8.1f} s  (same pipeline, notebooks that only import pandas + altair)")
    print(f"ratio: {result['ratio']:8.2f}    (aim ≤ {AIM})")
    print(f"cpu  : pack {result['pack_cpu_seconds']:.0f} s, floor {result['floor_cpu_seconds']:.0f} s, "
          f"ratio {result['cpu_ratio']:.2f}  (all processes; steadier than wall time on a shared machine)")
    print(f"sizes: largest report {result['report_bytes_max'] / 1e6:.2f} MB, "
          f"all reports {result['report_bytes_total'] / 1e6:.1f} MB")
    print(f"peak memory: this process {result['maxrss_self_mb']:.0f} MB, "
          f"largest child {result['maxrss_children_mb']:.0f} MB")
    print(f"results: {file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
