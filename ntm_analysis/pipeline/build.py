"""`ntm build`: run the report notebooks for many units in parallel and publish them as one pack, atomically.

A pack is a folder (default `outputs/reports`):

    index.html                      landing page: every report with its headline figures
    manifest.json                   every report, index.html and every input file (sha256), the software
    <unit>_<report>_<lang>.html     one self-contained offline page per unit and report, e.g. 04_evaluation_vi.html
    .ntm-pack.json                  the marker: pack id and every file the build wrote (only such folders are
                                    ever replaced)

The inputs are read once into a snapshot the kernels read (so the manifest's sha256 are of the bytes used).
Each notebook runs through papermill in a worker process (lifecycle.py: workers and kernels die with the build);
the pages are exported with `report.export_html`. Nothing is written into the pack folder until every report
succeeded: the pack is assembled in a folder beside it and swapped in with one atomic rename (renameat2
RENAME_EXCHANGE). A failure, Ctrl-C or SIGTERM leaves the previous pack untouched; a lock keeps a second build
out. The log (`<pack>.log`) and the executed notebook of a failed report (`<pack>.failed/`) are kept beside the
pack, so that two builds of the same inputs give byte-identical packs.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click

from ntm_analysis import i18n, paths
from ntm_analysis.pipeline import kernel as warm_kernel, lifecycle
from ntm_analysis.data import reference
from ntm_analysis.report import kinds
from ntm_analysis.report.kinds import report_filename
from ntm_analysis.errors import (BuildError, ConfigError, DataError, FolderRefused, OutputError, Problem, clean,
                     os_failure)
from ntm_analysis.pipeline.project import Project

log = logging.getLogger(__name__)

HEADLINES_MIME = "application/vnd.ntm.headlines+json"
MANIFEST = "manifest.json"
INDEX = "index.html"

LABELS = i18n.catalogue("build")


def t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


# --------------------------------------------------------------------------------------------------------------
# Pure helpers: names, titles, headlines, manifest, index page
# --------------------------------------------------------------------------------------------------------------


def check_reports(reports: Iterable[str] | None, registry: kinds.Registry | None = None) -> list[str]:
    """The report kinds to build, in the canonical order (reports.REPORTS); None → all. An unknown kind raises
    ConfigError."""
    known = kinds.kinds(registry)
    wanted = known if reports is None else list(dict.fromkeys(reports))
    unknown = [r for r in wanted if r not in known]
    if unknown or not wanted:
        raise ConfigError(f"unknown report kind {unknown[0]!r}: expected {', '.join(known)}" if unknown
                          else "no report kind selected")
    return [r for r in known if r in wanted]


def check_units(units: Iterable[str] | None) -> list[str]:
    """Validated unit codes without duplicates (UnitError for an unknown one); None → province + all districts."""
    if units is None:
        return reference.unit_codes()
    checked = list(dict.fromkeys(reference.check_unit(u) for u in units))
    if not checked:
        raise ConfigError("no unit selected")
    return checked


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refusing any name that would resolve outside `folder`."""
    root = folder.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise ConfigError(f"refusing to write {name!r} outside {root}")
    return target


def default_title(unit: str, report: str, lang: str, registry: kinds.Registry | None = None) -> str:
    return kinds.title(report, reference.unit_name(unit, lang), lang, registry)


def harvest_headlines(nb: dict) -> tuple[str | None, list[dict]]:
    """The headline figures a notebook displayed (mimetype application/vnd.ntm.headlines+json): (title, items).

    Read from the executed notebook's outputs, never recomputed. Items keep label, value and note as text.
    """
    title, items = None, []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            bundle = output.get("data", {}).get(HEADLINES_MIME)
            if bundle is None:
                continue
            if isinstance(bundle, str):
                bundle = json.loads(bundle)
            title = title or bundle.get("title")
            for item in bundle.get("items", []):
                items.append({k: "" if item.get(k) is None else str(item.get(k)) for k in ("label", "value", "note")})
    return title, items


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_entry(*, unit: str, report: str, lang: str, html_bytes: bytes, title: str, headlines: list[dict],
                 registry: kinds.Registry | None = None) -> dict:
    """One report's line in the manifest."""
    return {
        "unit": unit,
        "unit_name": reference.unit_name(unit, lang),
        "report": report,
        "lang": lang,
        "path": report_filename(unit, report, lang, registry),
        "sha256": sha256(html_bytes),
        "title": title,
        "headlines": headlines,
    }


def assemble_manifest(*, reports: list[dict], inputs: list[dict], lang: str, synthetic: bool,
                      registry: kinds.Registry | None = None) -> dict:
    """The manifest: reports sorted by (unit, report), inputs by path; plus the pack's language and whether the
    commune data behind it is synthetic (the index page and `ntm send` show a notice then)."""
    return {
        "lang": lang,
        "synthetic": bool(synthetic),
        "reports": sorted(reports, key=lambda r: (r["unit"], kinds.order(r["report"], registry), r["report"])),
        "inputs": sorted(inputs, key=lambda i: i["path"]),
    }


def manifest_json(manifest: dict) -> str:
    """Stable JSON: sorted keys, indent 2, UTF-8 text as is, trailing newline."""
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def display_path(path: Path, root: Path | None = None) -> str:
    """A path relative to the project root (`root`, default the current project's) when inside it (POSIX style),
    else absolute."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(Path(root if root is not None else paths.ROOT).resolve()).as_posix()
    except ValueError:
        return str(resolved)


def index_html(manifest: dict, communes_file: Path | None = None, registry: kinds.Registry | None = None) -> str:
    """The pack's landing page, in the pack's language: province first, then districts by code; every report with
    its headline figures and a relative link (templates/pack/index.html.j2). Self-contained: the report pages'
    stylesheet inlined, no scripts, no network references."""
    from ntm_analysis.report import render

    lang = manifest["lang"]
    order = {code: i for i, code in enumerate(reference.unit_codes())}
    units: dict[str, dict] = {}
    for entry in sorted(manifest["reports"], key=lambda r: (order.get(r["unit"], len(order)), r["unit"],
                                                     kinds.order(r["report"], registry), r["report"])):
        unit = units.setdefault(entry["unit"], {"code": entry["unit"], "name": entry["unit_name"], "reports": []})
        unit["reports"].append({"path": entry["path"], "label": kinds.label(entry["report"], lang, registry),
                                "headlines": entry["headlines"]})
    compare = ""
    if communes_file is not None:  # the districts compared in one table
        from ntm_analysis.report import release
        compare = render.trusted(release.index_section(manifest, communes_file, registry))
    return render.render("pack/index.html.j2", lang=lang, title=t("index_title", lang),
                         lead=t("index_lead", lang, count=len(manifest["reports"])),
                         synthetic=t("synthetic", lang) if manifest.get("synthetic") else "",
                         compare=compare, units=list(units.values()), open=t("open", lang),
                         footer=t("manifest", lang, file=MANIFEST), stylesheet=render.trusted(render.stylesheet()))


# --------------------------------------------------------------------------------------------------------------
# Running notebooks in worker processes (process lifecycle: lifecycle.py)
# --------------------------------------------------------------------------------------------------------------

#: Per-cell and whole-report time limits, in seconds (`--timeout`, `--report-timeout`).
DEFAULT_CELL_TIMEOUT = 300
DEFAULT_REPORT_TIMEOUT = 1800


@dataclass(frozen=True)
class Limits:
    """How long one cell, and one whole report, may run (seconds; None: no limit)."""

    cell: float | None = DEFAULT_CELL_TIMEOUT
    report: float | None = DEFAULT_REPORT_TIMEOUT


@dataclass(frozen=True)
class Task:
    """One notebook to execute and export. `key` names its files (e.g. '04_evaluation_vi'). `notebook` is the
    notebook as the analyst has it (named in errors); `run` the copy that is executed (default: `notebook`)."""

    key: str
    notebook: Path
    parameters: dict
    title: str
    lang: str
    unit: str = ""
    report: str = ""
    run: Path | None = None
    #: The names the page may link to inside the pack (reports.pack_link, taken when the build is planned: the
    #: spawned worker does not see kinds registered at run time).
    links: str = ""

    @property
    def source(self) -> Path:
        return self.run or self.notebook


@dataclass(frozen=True)
class Outcome:
    """What a worker returns: the page and its headlines, or where and why it failed."""

    key: str
    seconds: float
    html: str | None = None
    title: str | None = None
    headlines: list = field(default_factory=list)
    executed: str | None = None
    cell: int | None = None
    cell_source: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


_LOG_FORMAT = "%(asctime)s %(processName)s %(levelname)s %(message)s"


class _CleanFormatter(logging.Formatter):
    """Log messages with control characters escaped (a newline in a file name cannot forge a log line)."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        record.msg, record.args = clean(record.getMessage()), None
        return super().format(record)


def _worker_boot(worker_log: str, root: str | None) -> tuple:
    """What a worker runs first (kernel.worker_boot, before it imports this module): its stdout/stderr, and so
    its kernel's, go to its own log file in the scratch folder (the build log collects it at the end, so that
    kernel chatter never reaches the terminal nor fails on a broken log); the kernel reads the inputs from the
    build's snapshot (`root`, as NTM_ROOT) and inherits DEFER_SVG (the worker draws the charts' static SVGs when
    it exports the pages, see report/html.py); then the worker launches its warm kernel, which imports while the
    worker imports its own modules."""
    environ = {_DEFER_SVG: "1", **({"NTM_ROOT": root} if root else {})}
    return "ntm_analysis.pipeline.kernel:worker_boot", (worker_log, environ, KERNEL_ARGUMENTS)


#: report.html.DEFER_SVG, named here so that a worker need not import the report stack before its kernel starts
#: (tests/test_build.py checks both names agree, and that kernels leave the SVGs to the worker).
_DEFER_SVG = "NTM_DEFER_SVG"


def _worker_init() -> None:
    """After _worker_boot: the worker's log lines go to its log file; its export is readied in a thread while
    the kernel imports and runs the first notebook (the first export waits for it); the kernel is shut down when
    the worker exits."""
    from ntm_analysis.pipeline import engine

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CleanFormatter(_LOG_FORMAT))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    kept = engine.start_kernel("python3", KERNEL_ARGUMENTS)
    kept.announce()
    engine.start_export()  # in a thread: the first notebook runs meanwhile; export_ready() before its page
    from multiprocessing import util

    util.Finalize(None, engine.stop_kernel, exitpriority=10)  # when the worker exits


#: Run by every kernel before the notebook (nothing in it changes what a notebook computes).
#: - lifecycle.KERNEL_GUARD: the kernel dies with its worker (PR_SET_PDEATHSIG).
#: - Importing altair first, at the top level, sidesteps a CPython 3.11 slowdown (python/cpython#142183, fixed in
#:   3.13): imported deep inside the reports' own modules, jsonschema's grammar set-up keeps crossing a frame-stack
#:   chunk boundary and maps and unmaps it some 140 000 times, 1–2 s per kernel. The notebooks import altair
#:   anyway; this only changes where.
#: - gc.freeze(): what the kernel and altair created so far lives as long as the kernel, so the garbage collector
#:   need not walk it again in every full collection, nor at exit (≈0.6–0.9 s per kernel).
KERNEL_PRELOAD = (lifecycle.KERNEL_GUARD, "import altair", "import gc; gc.freeze()")
KERNEL_ARGUMENTS = [f"--IPKernelApp.exec_lines={line}" for line in KERNEL_PRELOAD]
#: A worker costs a kernel and an export engine to start (≈2–3 s of CPU): it pays off from this many reports on.
REPORTS_PER_WORKER = 3


def execute_notebook(source: Path, executed: Path, *, parameters: dict, cell_timeout: float | None):
    """The one papermill call, through the worker's warm kernel (engine.py): returns the executed notebook."""
    import papermill

    from ntm_analysis.pipeline import engine

    return papermill.execute_notebook(
        str(source), str(executed), parameters=parameters, kernel_name="python3",
        engine_name=engine.NAME, progress_bar=False, log_output=False, cwd=str(source.parent),
        execution_timeout=cell_timeout, extra_arguments=KERNEL_ARGUMENTS,
    )


def run_task(task: Task, scratch: str, cell_timeout: float | None = DEFAULT_CELL_TIMEOUT) -> Outcome:
    """Execute one notebook and export it to HTML (runs in a worker process). Never raises: a failure is an
    Outcome naming the cell (as the analyst's notebook counts them) and the error."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from ntm_analysis.pipeline import engine
    from ntm_analysis.report import html as report

    executed = Path(scratch) / f"{task.key}.ipynb"
    start = time.monotonic()
    log.info("start %s (%s)", task.key, task.notebook)
    try:
        nb = execute_notebook(task.source, executed, parameters=task.parameters, cell_timeout=cell_timeout)
        title, headlines = harvest_headlines(nb)
        title = title or task.title
        engine.export_ready()
        page = report.export_html(nb, title=title, lang=task.lang)
        link = re.compile(task.links) if task.links else kinds.pack_link()
        refs = [r for r in report.check_offline(page) if not link.match(r)]  # links to the pack's own pages
        if refs:
            log.error("failed %s: network references %s", task.key, refs)
            return Outcome(task.key, time.monotonic() - start, executed=str(executed),
                           error=f"the page references the network: {', '.join(sorted(set(refs))[:5])}")
    except PapermillExecutionError as exc:
        first = next((line for line in str(exc.source).splitlines() if line.strip()), "")
        log.error("failed %s at cell %s: %s: %s", task.key, exc.cell_index, exc.ename, exc.evalue)
        return Outcome(task.key, time.monotonic() - start, executed=str(executed),
                       cell=source_cell_index(task.source, exc.cell_index), cell_source=first,
                       error=f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # noqa: BLE001 — any failure becomes a reported outcome, never a lost worker
        cell, first = running_cell(executed, task.source)
        if isinstance(exc, CellTimeoutError):
            error = f"the cell did not finish within {cell_timeout:g} s (--timeout)"
        elif isinstance(exc, DeadKernelError):
            error = f"the kernel died while running the cell ({exc})"
        else:
            error = f"{type(exc).__name__}: {exc}"
        log.error("failed %s at cell %s: %s", task.key, cell, error)
        return Outcome(task.key, time.monotonic() - start, executed=str(executed) if executed.exists() else None,
                       cell=cell, cell_source=first, error=error)
    seconds = time.monotonic() - start
    log.info("end %s in %.1f s", task.key, seconds)
    return Outcome(task.key, seconds, html=page, title=title, headlines=headlines)


def source_cell_index(notebook: Path, executed_index: int) -> int:
    """Papermill counts cells in the executed notebook, where it inserted the injected-parameters cell right after
    the `parameters` cell (or first, if there is none). Return the index in the notebook as the analyst has it."""
    import nbformat  # imported here: importing this module stays light (see kernel.BLOCKED)

    cells = nbformat.read(notebook, as_version=4).cells
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    injected = tagged[0] + 1 if tagged else 0
    return executed_index - 1 if executed_index > injected else executed_index


def running_cell(executed: Path, notebook: Path) -> tuple[int | None, str | None]:
    """The cell a run was in when it stopped (the last one papermill marked as started in the notebook it saves
    at every cell start), as (index in the analyst's notebook, first line); (None, None) if unknown."""
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # noqa: BLE001 — not written yet, or cut short: the cell is unknown
        return None, None
    started = [i for i, c in enumerate(cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return None, None
    index = started[-1]
    first = next((line for line in cells[index].source.splitlines() if line.strip()), "")
    try:
        return source_cell_index(notebook, index), first
    except Exception:  # noqa: BLE001
        return index, first


class _NoBar:
    def update(self, n: int) -> None:
        pass


@contextlib.contextmanager
def _progress(total: int, *, label: str, show: bool) -> Iterator:
    if not show:
        yield _NoBar()
        return
    with click.progressbar(length=total, label=label, show_eta=True, show_pos=True,
                           file=sys.stderr) as bar:
        yield bar


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(tasks: int, jobs: int | None) -> int:
    """At most `jobs` (default: usable CPUs) workers, each with at least REPORTS_PER_WORKER reports (one unit's
    two reports: one worker)."""
    return max(1, min(jobs or default_jobs(), tasks // REPORTS_PER_WORKER))


def execute(tasks: list[Task], *, jobs: int | None, log_file: Path | None = None, progress: bool = True,
            label: str = "", limits: Limits = Limits(), session: lifecycle.Session | None = None,
            root: Path | None = None, failed_dir: Path | None = None, meanwhile=None) -> list[Outcome]:
    """Run `tasks` in `jobs` worker processes (spawned, so nothing of this process leaks into them).

    Stops scheduling new tasks after the first failure; tasks already running finish. A report running longer
    than `limits.report` is stopped (its worker killed). Returns the outcomes of the tasks that ran, in task order;
    the executed notebooks of failed tasks are kept in `failed_dir`. Ctrl-C (or SIGTERM) kills the workers and
    their kernels at once and re-raises KeyboardInterrupt; nothing is left running or in the scratch folder.
    `meanwhile()` is called once, when the first report is done (work for this process while the others run). The
    workers are asked to stop at the end and waited for when the session closes: their kernels' shutdown
    overlaps what the caller does next.
    """
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()  # before the tag is set: it serves this process, not one build
    own = session is None
    session = session or lifecycle.Session()
    try:
        with session.environment():
            outcomes = _run_all(tasks, jobs=jobs, progress=progress, label=label, limits=limits, session=session,
                                root=root, meanwhile=meanwhile)
        kept = {key: _keep_failed(o, failed_dir) for key, o in outcomes.items() if not o.ok}
        return [kept.get(task.key, outcomes[task.key]) for task in tasks if task.key in outcomes]
    finally:
        _collect_worker_logs(session.scratch, log_file)
        if own:
            session.close()


def _run_all(tasks, *, jobs, progress, label, limits, session, root, meanwhile=None) -> dict[str, Outcome]:
    count = worker_count(len(tasks), jobs)
    scratch = session.scratch
    # By name: a spawned worker imports this module only after its boot has launched the kernel.
    pool = lifecycle.Workers(count, f"{__name__}:run_task", initializer=f"{__name__}:_worker_init",
                             boot_for=lambda i: _worker_boot(str(scratch / f"worker-{i}.log"),
                                                             str(root) if root else None))
    outcomes: dict[str, Outcome] = {}
    queue = iter(tasks)
    started: dict[str, float] = {}
    failed = False
    try:
        with _progress(len(tasks), label=label, show=progress) as bar:
            def record(outcome: Outcome) -> None:
                nonlocal failed, meanwhile
                outcomes[outcome.key] = outcome
                failed = failed or not outcome.ok
                bar.update(1)
                if meanwhile is not None:
                    meanwhile, call = None, meanwhile
                    call()

            def feed() -> None:
                for worker in pool.idle:
                    task = None if failed else next(queue, None)
                    if task is None:
                        return
                    pool.submit(worker, (task, str(scratch), limits.cell), task)
                    started[task.key] = time.monotonic()

            feed()
            while pool.busy:
                timeout = None
                if limits.report:
                    ends = [started[t.key] + limits.report for t in pool.busy.values()]
                    timeout = max(0.0, min(ends) - time.monotonic())
                for _, task, result in pool.wait(timeout):
                    if isinstance(result, Outcome):
                        record(result)
                    else:  # the worker died (killed, out of memory …): say in which cell
                        cell, first = running_cell(scratch / f"{task.key}.ipynb", task.source)
                        log.error("failed %s: %s", task.key, result)
                        record(Outcome(task.key, time.monotonic() - started[task.key], cell=cell, cell_source=first,
                                       executed=_existing(scratch / f"{task.key}.ipynb"), error=str(result)))
                if limits.report:
                    now = time.monotonic()
                    for worker, task in list(pool.busy.items()):
                        if now - started[task.key] >= limits.report:
                            pool.kill(worker)  # its kernel dies with it
                            cell, first = running_cell(scratch / f"{task.key}.ipynb", task.source)
                            error = f"the report did not finish within {limits.report:g} s (--report-timeout)"
                            log.error("failed %s at cell %s: %s", task.key, cell, error)
                            record(Outcome(task.key, now - started[task.key], cell=cell, cell_source=first,
                                           executed=_existing(scratch / f"{task.key}.ipynb"), error=error))
                feed()
    except BaseException:
        pool.close(force=True)
        raise
    pool.close(wait=False)  # they stop (and shut their kernels down) while this process goes on
    session.defer(pool.join)
    return outcomes


def _prefetch_index_modules() -> None:
    """Import what the index page needs (the report stack, altair among it: ≈1 s) in a thread, while the
    workers start and run, rather than after the last report. A failure here is left to the real import."""
    def load() -> None:
        with contextlib.suppress(Exception):
            import ntm_analysis.report.release  # noqa: F401

    threading.Thread(target=load, name="ntm-prefetch", daemon=True).start()


def _existing(path: Path) -> str | None:
    return str(path) if path.exists() else None


def _collect_worker_logs(scratch: Path, log_file: Path | None) -> None:
    """Append what the workers and kernels wrote to the build log (never fails the build)."""
    if log_file is None:
        return
    for part in sorted(Path(scratch).glob("worker-*.log")):
        with contextlib.suppress(OSError):
            text = part.read_text(encoding="utf-8", errors="backslashreplace")
            if text:
                with open(log_file, "a", encoding="utf-8") as handle:
                    handle.write(f"----- {part.stem} (worker and kernel output) -----\n")
                    handle.write("".join(clean(line) + "\n" for line in text.splitlines()))


def _keep_failed(outcome: Outcome, folder: Path | None) -> Outcome:
    """Copy a failed task's executed notebook to `folder`; the outcome then points there (or nowhere, if the
    copy cannot be written: the failure itself is what matters)."""
    if not outcome.executed or not Path(outcome.executed).exists():
        return outcome
    target = None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = inside(folder, f"{outcome.key}.ipynb")
            shutil.copyfile(outcome.executed, target)
        except (OSError, ConfigError) as exc:
            log.warning("could not keep the executed notebook of %s: %s", outcome.key, exc)
            target = None
    return Outcome(outcome.key, outcome.seconds, executed=str(target) if target else None, cell=outcome.cell,
                   cell_source=outcome.cell_source, error=outcome.error)


# --------------------------------------------------------------------------------------------------------------
# The pack folder: what a build may replace, the lock, and the one atomic publishing step
# --------------------------------------------------------------------------------------------------------------

#: Written by the build into every pack: the pack id and every file the build wrote, with its sha256.
MARKER = ".ntm-pack.json"
#: Rough size of a report page, for the free-space check before the work starts (largest real page: 1,23 MB).
PAGE_BYTES_ESTIMATE = 2_000_000


def pack_marker(files: dict[str, bytes]) -> bytes:
    """The marker for a pack of `files`: id = sha256 of the manifest (the same inputs give the same bytes)."""
    listed = {name: sha256(data) for name, data in sorted(files.items())}
    body = {"ntm_pack": 1, "pack_id": sha256(files.get(MANIFEST, b"")), "files": listed}
    return (json.dumps(body, sort_keys=True, indent=2) + "\n").encode("utf-8")


def read_marker(folder: Path) -> dict | None:
    """The marker of a pack folder, or None when `folder` holds none (or an unreadable one)."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("ntm_pack") != 1 or not isinstance(marker.get("files"), dict):
        return None
    return marker


@dataclass(frozen=True)
class Target:
    """The folder a build publishes to: `path` (symlinks resolved), whether it exists, and what is in it that
    the build did not write (`foreign`) or that changed since (`changed`)."""

    given: Path
    path: Path
    exists: bool
    foreign: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


def inspect_target(out: Path) -> Target:
    """Look at `out` (resolving a symlink to the folder it names). Refuses (FolderRefused) a file, and a folder
    that is not empty and holds no pack marker, listing its files: only a build's own pack is ever replaced."""
    given = Path(out)
    path = Path(os.path.realpath(given))
    if os.path.lexists(path) and not path.is_dir():
        raise FolderRefused(f"{clean(given)} exists and is not a folder")
    if not path.exists():
        return Target(given, path, False)
    try:
        names = sorted(os.listdir(path))
    except OSError as exc:
        raise os_failure(exc, f"cannot read the folder {clean(path)}") from None
    if not names:
        return Target(given, path, True)
    marker = read_marker(path)
    if marker is None:
        raise FolderRefused(f"{clean(given)} is not a report pack (it has no {MARKER}, which every build writes) and "
                            "is not empty: refusing to replace it. Choose an empty or new folder. It holds:", names)
    listed = marker["files"]
    foreign = [n for n in names if n not in listed and n != MARKER]
    changed = []
    for name, digest in listed.items():
        file = path / name
        if os.path.lexists(file) and (file.is_symlink() or not file.is_file() or file_sha256(file) != digest):
            changed.append(name)
    return Target(given, path, True, tuple(foreign), tuple(changed))


def check_replace(target: Target, *, force: bool, writes: Iterable[str], inputs: Iterable[Path]) -> None:
    """Refuse (FolderRefused) to replace `target` when an input file is inside it (always), when it holds files the
    build did not write or that changed since (unless `force`: they are then kept — moved into the new pack — and
    never removed), or when such a file has the name of one the build writes (always)."""
    if target.exists:
        inside_pack = [str(f) for f in inputs if Path(os.path.realpath(f)).is_relative_to(target.path)]
        if inside_pack:
            raise FolderRefused(f"an input file of this build is inside {clean(target.given)}, which a build "
                                "replaces: refusing. Move it out of the pack folder first:", inside_pack)
    if target.changed and not force:
        raise FolderRefused(f"{clean(target.given)} is a report pack, but these files changed since it was built "
                            "(use --force to replace them anyway):", list(target.changed))
    if target.foreign:
        clash = sorted(set(target.foreign) & (set(writes) | {MARKER}))
        if clash:
            raise FolderRefused(f"{clean(target.given)} holds files the build did not write with the names of files "
                                "it writes; move them away first:", clash)
        if not force:
            raise FolderRefused(f"{clean(target.given)} is a report pack but also holds files the build did not write; "
                                "move them away, or use --force to replace the pack and keep them:",
                                list(target.foreign))


def _dispose(folder: Path, into: Path | None) -> list[str]:
    """Remove a replaced or unfinished pack folder: its own files (those its marker lists) are deleted, anything
    else is moved into `into` (the current pack) and never deleted. Returns what had to stay where it was."""
    marker = read_marker(folder) or {"files": {}}
    ours = set(marker["files"]) | {MARKER}
    kept = []
    for name in sorted(os.listdir(folder)):
        entry = folder / name
        if name in ours and not (entry.is_dir() and not entry.is_symlink()):
            if name != MARKER:
                entry.unlink()
            continue
        if into is not None and into.is_dir() and not os.path.lexists(into / name):
            os.rename(entry, into / name)
        else:
            kept.append(name)
    if (folder / MARKER).exists():
        (folder / MARKER).unlink()
    if not kept:
        folder.rmdir()
    return kept


def _leftovers(target: Path) -> list[Path]:
    """Folders an interrupted publish may have left beside `target`, oldest first."""
    prefixes = (f".{target.name}.new-", f".{target.name}.old-")
    found = [p for p in target.parent.iterdir() if p.name.startswith(prefixes) and p.is_dir() and not p.is_symlink()]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def recover(target: Path) -> list[str]:
    """Finish what an interrupted publish left: if the pack folder is missing while the previous pack is beside
    it, put that back; then dispose of every leftover folder (their foreign files go into the pack). Returns what
    was done, for the log. Nothing a user wrote is deleted."""
    done = []
    if not os.path.lexists(target):
        previous = [p for p in _leftovers(target) if p.name.startswith(f".{target.name}.old-")]
        if previous:
            os.rename(previous[-1], target)
            done.append(f"restored the previous pack {target} from {previous[-1].name}")
    for folder in _leftovers(target):
        kept = _dispose(folder, target if target.is_dir() else None)
        done.append(f"cleaned up {folder.name}" + (f" (kept, could not move: {', '.join(kept)})" if kept else ""))
    return done


AT_FDCWD = -100
RENAME_EXCHANGE = 2


def _renameat2_exchange(one: Path, two: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE). False when the platform or the file
    system cannot (then nothing happened); OSError for a real failure."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    if function(AT_FDCWD, os.fsencode(one), AT_FDCWD, os.fsencode(two), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(two))


#: Set to False to use the two-rename fallback (platforms without renameat2; tests).
USE_RENAMEAT2 = True


def _swap(staging: Path, target: Path) -> Path:
    """Put `staging` at `target`; return where the previous `target` folder now is (to be disposed of)."""
    if USE_RENAMEAT2 and _renameat2_exchange(staging, target):
        log.info("swapped %s in with renameat2(RENAME_EXCHANGE)", target)
        return staging
    log.info("renameat2 unavailable: swapping %s in with two renames", target)
    # Fallback: two renames. Between them the pack folder is missing; recover() puts the old one back.
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.replace(target, old)  # onto the empty placeholder
    try:
        os.rename(staging, target)
    except BaseException:
        os.replace(old, target)
        raise
    return old


@contextlib.contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the few instructions that must not be split (the swap). A signal that arrives
    meanwhile is consumed once the swap is done and logged: the new pack is then published, and saying otherwise
    would misstate what happened."""
    blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        while blocked & signal.sigpending():
            caught = signal.sigtimedwait(blocked, 0)
            if caught is None:
                break
            log.warning("signal %s arrived while publishing; the publish was completed", caught.si_signo)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def publish(files: dict[str, bytes], out: Path | Target, *, force: bool = False) -> Path:
    """Write `files` (plus the pack marker) into a new folder beside the pack folder and swap it in, in one step.

    `out` is a path or an inspected Target. The pack folder is the old pack or the new one at every moment; the
    old pack's own files are then deleted and anything else in it moved into the new pack. The new folder gets
    the old one's permissions. Returns the pack folder (symlinks resolved). OS failures raise OutputError.
    """
    target = out if isinstance(out, Target) else inspect_target(Path(out))
    check_replace(target, force=force, writes=files, inputs=())
    path = target.path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(path.stat().st_mode) if target.exists else 0o777 & ~_umask()
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
    except OSError as exc:
        raise os_failure(exc, f"cannot prepare the pack folder {clean(path)}") from None
    swapped = None
    try:
        (staging / MARKER).write_bytes(pack_marker(files))  # first: a leftover is always recognisable
        for name, data in sorted(files.items()):
            inside(staging, name).write_bytes(data)
        staging.chmod(mode)
        with _no_interrupt():  # the swap and the clean-up of the old folder are not split by Ctrl-C
            if target.exists:
                swapped = _swap(staging, path)
            else:
                os.rename(staging, path)
                swapped = path
            if swapped is not path:
                _finish(swapped, path)
    except OSError as exc:
        raise os_failure(exc, f"cannot write the pack {clean(path)}") from None
    finally:
        if swapped is None and staging.exists():
            with contextlib.suppress(OSError):
                _dispose(staging, None)
    return path


def _finish(old: Path, path: Path) -> None:
    """Dispose of the replaced pack's folder (its foreign files move into the new pack); a failure here is logged,
    not raised: the new pack is published, and the next build finishes the clean-up."""
    try:
        kept = _dispose(old, path)
    except OSError as exc:
        log.warning("the previous pack's folder %s could not be cleaned up (%s); the next build will", old, exc)
    else:
        if kept:
            log.warning("kept %s in %s: could not move into the pack", ", ".join(kept), old)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def locked(target: Path) -> Iterator[Path]:
    """Hold the lock of the pack folder `target` (a file `.NAME.lock` beside it, fcntl.flock): a second build
    into the same folder is refused at once (OutputError) rather than racing."""
    lock = target.parent / f".{target.name}.lock"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise os_failure(exc, f"cannot write beside the pack folder {clean(target)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"another build is writing {clean(target)} right now (lock {clean(lock)} is held); "
                              "wait until it ends, or build into another folder") from None
        yield lock
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race with a waiting build)


def check_names(target: Path, log_file: Path | None) -> None:
    """Names the build will create beside the pack folder must fit the file system (checked before any work)."""
    longest = f".{target.name}.new-XXXXXXXX"
    for part in target.parts:
        if len(os.fsencode(part)) > 255:
            raise OutputError(f"a folder name in {clean(target)} is too long ({len(os.fsencode(part))} bytes; "
                              "file systems allow 255)")
    existing = next(p for p in [target.parent, *target.parent.parents] if os.path.isdir(p))
    try:
        limit = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(longest)) > limit:
        raise OutputError(f"the pack folder's name is too long ({len(os.fsencode(target.name))} bytes): the build "
                          f"writes '.NAME.new-…' beside it, and this file system allows {limit} bytes per name")
    if log_file is not None and len(os.fsencode(Path(log_file).name)) > limit:
        raise OutputError(f"the log file's name is too long ({len(os.fsencode(Path(log_file).name))} bytes; "
                          f"at most {limit})")


def check_space(target: Path, *, reports: int) -> None:
    """Enough free space beside the pack folder for the new pack (checked before any notebook runs)."""
    try:
        free = shutil.disk_usage(target.parent).free
    except OSError as exc:
        raise os_failure(exc, f"cannot check the free space beside {clean(target)}") from None
    need = reports * PAGE_BYTES_ESTIMATE + 1_000_000
    if free < need:
        raise OutputError(f"not enough free space beside {clean(target)}: about {need / 1e6:.0f} MB needed for "
                          f"{reports} report(s), {free / 1e6:.1f} MB free")


# --------------------------------------------------------------------------------------------------------------
# Inputs (read once, snapshot for the kernels) and provenance
# --------------------------------------------------------------------------------------------------------------

#: Dependencies whose versions the manifest records.
KEY_DEPENDENCIES = ("papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client", "pandas",
                    "altair", "vl-convert-python", "babel", "pandera", "openpyxl", "jinja2", "click")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(folder: Path, patterns: Iterable[str]) -> str:
    """One sha256 over the files of `folder` matching `patterns`: relative path and content of each, sorted."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()
                    and "__pycache__" not in p.parts})
    for file in files:
        digest.update(file.relative_to(folder).as_posix().encode() + b"\0" + bytes.fromhex(file_sha256(file)))
    return digest.hexdigest()


def git_commit(root: Path) -> str:
    """The commit checked out at `root` (with '-dirty' when tracked files changed), or 'unknown'."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--verify", "HEAD")
    if not commit or len(commit) != 40:
        return "unknown"
    status = git("status", "--porcelain", "--untracked-files=no")
    return commit + ("-dirty" if status else "")


def software() -> dict:
    """What built the pack: package version, git commit, Python and key dependency versions, and sha256 over the
    package's own code (Python modules and templates)."""
    from importlib import metadata

    from ntm_analysis import __version__

    versions = {}
    for name in KEY_DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    package = Path(__file__).resolve().parents[1]
    return {
        "package": "ntm-analysis",
        "version": __version__,
        "git_commit": git_commit(paths.ROOT),
        "python": platform.python_version(),
        "dependencies": versions,
        "code_sha256": tree_sha256(package, ["**/*.py", "templates/**/*", "catalogues/**/*"]),
    }


@dataclass(frozen=True)
class Snapshot:
    """The inputs of a build, read once: copied into `root` (a project-shaped folder the kernels use as NTM_ROOT),
    with the sha256 of the very bytes copied. `communes` is the commune file's copy (None: the default data)."""

    root: Path
    inputs: list[dict]
    communes: Path | None
    notebooks: dict[str, Path]


def _copy_once(source: Path, target: Path) -> str:
    """Copy `source` to `target` reading it once; the sha256 of the bytes written."""
    data = Path(source).read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return sha256(data)


def snapshot_inputs(root: Path, *, communes_file: Path | None, notebooks: dict[str, Path],
                    project: Project | None = None) -> Snapshot:
    """Copy every data file of `project` (its data/; default the current project), the notebooks to run, and the
    commune file (with its .meta.json) into `root`. A missing or unreadable input raises DataError naming it."""
    inputs = paths.inputs(project)
    entries = []
    problems = []

    def take(source: Path, relative: str, shown: str) -> Path:
        target = root / relative
        try:
            entries.append({"path": shown, "sha256": _copy_once(source, target)})
        except OSError as exc:
            problems.append(Problem(str(source), None, None, None, f"cannot read the input file ({exc.strerror})"))
        return target

    required = [*inputs.required(), *notebooks.values()] + ([Path(communes_file)] if communes_file else [])
    missing = [Problem(str(f), None, None, None, "input file not found") for f in required if not Path(f).is_file()]
    if missing:
        raise DataError(missing)
    data_root = inputs.data
    for file in sorted(p for p in data_root.rglob("*") if p.is_file()):
        relative = file.relative_to(inputs.root).as_posix()
        take(file, relative, display_path(file, inputs.root))
    copies: dict[str, Path] = {}
    for kind, notebook in sorted(notebooks.items()):
        same = next((c for k, c in copies.items() if Path(notebooks[k]).resolve() == Path(notebook).resolve()), None)
        if same is not None:
            copies[kind] = same
            continue
        relative = f"notebooks/{Path(notebook).name}"
        if any(c == root / relative for c in copies.values()):
            relative = f"notebooks/{kind}-{Path(notebook).name}"
        copies[kind] = take(Path(notebook), relative, display_path(notebook, inputs.root))
    copy = None
    if communes_file is not None:
        source = Path(communes_file).resolve()
        if not source.is_relative_to(data_root.resolve()):
            copy = take(source, f"inputs/{source.name}", display_path(source, inputs.root))
            meta = source.with_name(source.stem + ".meta.json")
            if meta.is_file():
                take(meta, f"inputs/{meta.name}", display_path(meta, inputs.root))
        else:
            copy = root / source.relative_to(inputs.root.resolve())
    if problems:
        raise DataError(problems)
    return Snapshot(root, entries, copy, copies)


def input_files(*, communes_file: Path, notebooks: Iterable[Path], project: Project | None = None) -> list[Path]:
    """Every file the reports depend on (`project` default: the current one). A missing one raises DataError
    naming it."""
    files = [*paths.inputs(project).required(), Path(communes_file), *notebooks]
    missing = [Problem(str(f), None, None, None, "input file not found") for f in files if not Path(f).is_file()]
    if missing:
        raise DataError(missing)
    meta = Path(communes_file).with_name(Path(communes_file).stem + ".meta.json")
    return files + ([meta] if meta.is_file() else [])


# --------------------------------------------------------------------------------------------------------------
# The build itself
# --------------------------------------------------------------------------------------------------------------


def plan(*, units: list[str], reports: list[str], lang: str, communes: str | None,
         notebooks: dict[str, Path] | None = None, registry: kinds.Registry | None = None) -> list[Task]:
    """One task per (unit, report), in the order of the manifest. `notebooks`: the copies to run, by kind."""
    tasks, links = [], kinds.pack_link(registry).pattern
    for unit in units:
        for kind in reports:
            name = report_filename(unit, kind, lang, registry)
            tasks.append(Task(key=name.removesuffix(".html"), notebook=kinds.notebook(kind, registry),
                              parameters={"lang": lang, "unit": unit, "communes": communes},
                              title=default_title(unit, kind, lang, registry), lang=lang, unit=unit, report=kind,
                              run=(notebooks or {}).get(kind), links=links))
    return tasks


def _failure(task: Task, outcome: Outcome, originals: dict[str, str] | None = None) -> BuildError:
    """The BuildError of a failed report. `originals` maps the snapshot's copies back to the files the user has
    (a DataError from a kernel names the copy it read, which is gone once the build ends)."""
    error = outcome.error or "unknown error"
    for copy, original in (originals or {}).items():
        error = error.replace(copy, original)
    if outcome.cell_source:
        error += f"\n  cell {outcome.cell} begins: {outcome.cell_source}"
    return BuildError(unit=task.unit, notebook=display_path(task.notebook), cell=outcome.cell, error=error,
                      executed=outcome.executed)


def default_log_file(out: Path) -> Path:
    """The build log beside the pack folder: `reports/` → `reports.log`."""
    target = Path(os.path.realpath(out))
    return target.parent / f"{target.name}.log"


def failed_folder(out: Path) -> Path:
    """Where the executed notebooks of failed reports are kept: beside the pack, `reports/` → `reports.failed/`."""
    target = Path(os.path.realpath(out))
    return target.parent / f"{target.name}.failed"


class _SafeFileHandler(logging.Handler):
    """Writes the build log; a failure to write (full disk, permissions) is remembered, never raised: the log
    must not turn a build's result into another one."""

    def __init__(self, file: Path):
        super().__init__()
        self.file = Path(file)
        self.error: OSError | None = None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.file, "w", encoding="utf-8"):
                pass  # the log of this build only; appended to, so that worker output can join it
            self.stream = open(self.file, "a", encoding="utf-8")
        except OSError as exc:
            self.error, self.stream = exc, None

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(self.format(record) + "\n")
            self.stream.flush()
        except (OSError, ValueError) as exc:
            if isinstance(exc, OSError) and self.error is None:
                self.error = exc
            with contextlib.suppress(OSError, ValueError):
                self.stream.close()
            self.stream = None

    def close(self) -> None:
        if self.stream is not None:
            with contextlib.suppress(OSError, ValueError):
                self.stream.close()
            self.stream = None
        super().close()


@contextlib.contextmanager
def _logging_to(log_file: Path) -> Iterator[_SafeFileHandler]:
    handler = _SafeFileHandler(log_file)
    handler.setFormatter(_CleanFormatter(_LOG_FORMAT))
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        handler.close()


#: Filled by build(): whether the log could be written (the command line warns when not).
last_log_error: OSError | None = None


def build(*, units: Iterable[str] | None = None, lang: str = "vi", out: Path | str | None = None,
          communes: Path | str | None = None, jobs: int | None = None, reports: Iterable[str] | None = None,
          progress: bool = True, log_file: Path | None = None, force: bool = False,
          limits: Limits = Limits(), project: Project | None = None) -> dict:
    """Build the pack for `units` (default: the province and every district) and `reports` (default: all of the
    project's kinds) in `lang`, into `out` (default: the project's pack folder), with `jobs` worker processes (default: usable CPUs). Every step is
    logged to `log_file` (default: beside the pack, `<out>.log`). Returns the manifest.

    Before anything runs: arguments (UnitError/ConfigError), the pack folder (FolderRefused: only a build's own
    pack is replaced, never a file the build did not write; `force` replaces a pack holding such files and keeps
    them), the lock (OutputError if another build writes there), names and free space (OutputError), the inputs,
    read once into a snapshot the kernels use (DataError for an invalid commune file). Then BuildError if a report
    fails, naming unit, notebook and cell; the previous pack is then left as it was. Ctrl-C or SIGTERM raise
    KeyboardInterrupt, with the previous pack untouched and no process or scratch file left.
    """
    global last_log_error
    project = project if project is not None else Project.current()
    registry = project.reports
    units = check_units(units)
    reports = check_reports(reports, registry)
    lang = i18n.check_lang(lang)
    out = Path(out) if out is not None else project.pack
    last_log_error = None
    check_names(Path(os.path.abspath(out)), Path(log_file) if log_file is not None else None)
    published: list[dict] = []
    try:
        with warm_kernel.blocked():  # what the kernels do without, this process does too (see kernel.BLOCKED)
            return _build(units=units, reports=reports, lang=lang, out=out, communes=communes, jobs=jobs,
                          progress=progress, log_file=log_file, force=force, limits=limits, published=published,
                          project=project)
    except OSError as exc:  # anything not foreseen below: still a message, never a traceback
        raise os_failure(exc, f"cannot build into {clean(out)}") from None
    except KeyboardInterrupt:
        if published:  # the signal came after the new pack was in place: that is what happened
            return published[0]
        raise


def _build(*, units, reports, lang, out, communes, jobs, progress, log_file, force, limits, published,
           project) -> dict:
    global last_log_error
    registry = project.reports
    path = Path(os.path.realpath(out))
    log_file = Path(log_file) if log_file is not None else default_log_file(out)
    names = [report_filename(u, k, lang, registry) for u in units for k in reports] + [MANIFEST, INDEX]
    inputs_given = [Path(communes)] if communes is not None else []
    # Refusals come first, before anything is written anywhere.
    check_replace(inspect_target(out), force=force, writes=names, inputs=inputs_given)
    if Path(os.path.realpath(log_file)).is_relative_to(path):
        raise FolderRefused(f"the log {clean(log_file)} would be inside the pack folder: choose another --log")
    notebooks = {kind: kinds.notebook(kind, registry) for kind in reports}
    for nb in notebooks.values():
        if not nb.is_file():
            raise DataError(Problem(str(nb), None, None, None, "input file not found"))

    with locked(path), lifecycle.sigterm_as_interrupt(), lifecycle.Session() as session:
        try:
            recovered = recover(path)
        except OSError as exc:
            raise os_failure(exc, f"cannot clean up after an interrupted build beside {clean(path)}") from None
        target = inspect_target(out)
        check_replace(target, force=force, writes=names, inputs=inputs_given)
        check_space(path, reports=len(units) * len(reports))

        snap = snapshot_inputs(session.scratch / "root", communes_file=Path(communes) if communes else None,
                               notebooks=notebooks, project=project)
        synthetic = _communes_synthetic(snap)
        tasks = plan(units=units, reports=reports, lang=lang, notebooks=snap.notebooks, registry=registry,
                     communes=str(snap.communes) if snap.communes else None)

        with _logging_to(log_file) as log_handler:
            try:
                started = time.monotonic()
                for line in recovered:
                    log.warning("%s", line)
                shown_default = display_path(project.inputs.demo_communes, project.root)
                log.info("build %d report(s) into %s: units %s, reports %s, lang %s, communes %s, jobs %s, "
                         "cell timeout %s s, report timeout %s s", len(tasks), path, " ".join(units),
                         " ".join(reports), lang, communes or shown_default,
                         jobs or default_jobs(), limits.cell, limits.report)
                try:
                    outcomes = execute(tasks, jobs=jobs, log_file=None, progress=progress,
                                       label=t("progress", lang), limits=limits, session=session, root=snap.root,
                                       failed_dir=failed_folder(out), meanwhile=_prefetch_index_modules)
                except KeyboardInterrupt:
                    log.error("interrupted: nothing written to %s", path)
                    raise
                finally:
                    log_handler.flush()
                    if log_handler.stream is not None:
                        log_handler.stream.flush()
                    _collect_worker_logs(session.scratch, log_file if log_handler.stream is not None else None)
                by_key = {task.key: task for task in tasks}
                originals = {str(snap.root / "data"): str(project.inputs.data)}
                if snap.communes is not None:
                    originals[str(snap.communes)] = str(Path(communes).resolve())
                failures = [_failure(by_key[o.key], o, originals) for o in outcomes if not o.ok]
                for failure in failures:
                    log.error("FAILED %s", failure)
                if failures:  # (without a failure, every task ran)
                    log.error("build failed: %s left untouched", path)
                    raise failures[0]

                files, entries = {}, []
                for task, outcome in zip(tasks, outcomes):
                    data = outcome.html.encode("utf-8")
                    name = report_filename(task.unit, task.report, lang, registry)
                    files[name] = data
                    entries.append(report_entry(unit=task.unit, report=task.report, lang=lang, html_bytes=data,
                                                title=outcome.title or task.title, headlines=outcome.headlines,
                                                registry=registry))
                manifest = assemble_manifest(reports=entries, inputs=snap.inputs, lang=lang, synthetic=synthetic,
                                             registry=registry)
                manifest["software"] = software()
                compared = snap.communes or paths.Inputs(snap.root).demo_communes
                files[INDEX] = index_html(manifest, compared, registry).encode("utf-8")
                manifest["index"] = {"path": INDEX, "sha256": sha256(files[INDEX])}
                files[MANIFEST] = manifest_json(manifest).encode("utf-8")
                publish(files, target, force=force)
                published.append(manifest)
                log.info("published %d report(s) to %s in %.1f s", len(entries), path, time.monotonic() - started)
            finally:
                last_log_error = log_handler.error
    return manifest


def _communes_synthetic(snap: Snapshot) -> bool:
    """Validate the commune data the kernels will read (the snapshot copy; DataError if invalid) and say whether
    it is synthetic (by content, see synthetic.py)."""
    from ntm_analysis.data import communes as communes_module

    file = snap.communes or paths.Inputs(snap.root).demo_communes
    frame = communes_module.read(file)
    return communes_module.is_synthetic(frame)
