"""`ntm build`: run the report notebooks for many units in parallel and publish them as one pack, atomically.

A pack is a folder (default `outputs/reports`):

    index.html                      landing page: every report with its headline figures
    manifest.json                   every report (sha256, title, headlines) and every input file (sha256)
    <unit>_<report>_<lang>.html     one self-contained offline page per unit and report, e.g. 04_evaluation_vi.html

Each notebook runs through papermill in a worker process; the pages are exported with `report.export_html`.
Nothing is written into the pack folder until every report succeeded: the pack is assembled in a temporary
folder beside it and swapped in with two renames. A failure or Ctrl-C leaves the previous pack untouched.
The build log and the executed notebook of a failed report are kept outside the pack (`paths.BUILD_LOGS`,
`paths.FAILED`), so that two builds of the same inputs give byte-identical packs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import itertools
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import click
import nbformat

from . import i18n, paths, reference
from .errors import BuildError, ConfigError, DataError, Problem

log = logging.getLogger(__name__)

#: The report kinds a pack can hold (a fixed set: file names are built only from these).
REPORTS: tuple[str, ...] = ("evaluation", "gap")
HEADLINES_MIME = "application/vnd.ntm.headlines+json"
MANIFEST = "manifest.json"
INDEX = "index.html"
#: A page's links to the index and to other reports of the pack: navigation within the pack, not the network.
PACK_LINK = re.compile(r"^(index|\d{2,3}_(evaluation|gap)_(vi|en))\.html$")

LABELS = {
    "title_evaluation": {
        "vi": "Kết quả xây dựng nông thôn mới giai đoạn 2017–2021 — {unit}",
        "en": "New Rural Development results 2017–2021 — {unit}",
    },
    "title_gap": {
        "vi": "Khoảng cách đến mục tiêu nông thôn mới 2021–2025 — {unit}",
        "en": "Gap to the 2021–2025 New Rural Development targets — {unit}",
    },
    "report_evaluation": {"vi": "Đánh giá kết quả 2017–2021", "en": "Evaluation 2017–2021"},
    "report_gap": {"vi": "Khoảng cách đến mục tiêu 2021–2025", "en": "Gap to the 2021–2025 targets"},
    "index_title": {
        "vi": "Báo cáo Chương trình xây dựng nông thôn mới tỉnh Cao Bằng",
        "en": "New Rural Development programme reports, Cao Bằng province",
    },
    "index_lead": {
        "vi": "{count} báo cáo theo đơn vị hành chính. Số liệu lấy từ Báo cáo của Sở Nông nghiệp và Phát triển "
        "nông thôn tỉnh Cao Bằng ngày 20/07/2022 về kết quả 2017–2021 và kế hoạch 2021–2025.",
        "en": "{count} reports by administrative unit. Figures come from the report of Cao Bằng's Department of "
        "Agriculture and Rural Development dated 20/07/2022 on results 2017–2021 and the 2021–2025 plan.",
    },
    "synthetic": {
        "vi": "DỮ LIỆU MÔ PHỎNG: số liệu cấp xã dùng trong các báo cáo này là dữ liệu tổng hợp để minh họa, "
        "KHÔNG phải số liệu chính thức.",
        "en": "SYNTHETIC DATA: the commune-level figures used in these reports are synthetic demonstration data, "
        "NOT official figures.",
    },
    "open": {"vi": "Mở báo cáo", "en": "Open the report"},
    "manifest": {
        "vi": "Danh sách tệp, dữ liệu đầu vào và mã kiểm tra SHA-256: {file}",
        "en": "Files, inputs and SHA-256 checksums: {file}",
    },
    "progress": {"vi": "Đang tạo báo cáo", "en": "Building reports"},
}


def t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


# --------------------------------------------------------------------------------------------------------------
# Pure helpers: names, titles, headlines, manifest, index page
# --------------------------------------------------------------------------------------------------------------


def check_reports(reports: Iterable[str] | None) -> list[str]:
    """The report kinds to build, in the canonical order; None → all. An unknown kind raises ConfigError."""
    wanted = list(REPORTS) if reports is None else list(dict.fromkeys(reports))
    unknown = [r for r in wanted if r not in REPORTS]
    if unknown or not wanted:
        raise ConfigError(f"unknown report kind {unknown[0]!r}: expected {', '.join(REPORTS)}" if unknown
                          else "no report kind selected")
    return [r for r in REPORTS if r in wanted]


def check_units(units: Iterable[str] | None) -> list[str]:
    """Validated unit codes without duplicates (UnitError for an unknown one); None → province + all districts."""
    if units is None:
        return reference.unit_codes()
    checked = list(dict.fromkeys(reference.check_unit(u) for u in units))
    if not checked:
        raise ConfigError("no unit selected")
    return checked


def report_filename(unit: str, report: str, lang: str) -> str:
    """`04_evaluation_vi.html`, built only from a code that passed check_unit, a known report kind and language."""
    code = reference.check_unit(unit)
    if not code.isdigit() or report not in REPORTS:
        raise ConfigError(f"cannot name a report for unit {unit!r}, report {report!r}")
    return f"{code}_{report}_{i18n.check_lang(lang)}.html"


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refusing any name that would resolve outside `folder`."""
    root = folder.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise ConfigError(f"refusing to write {name!r} outside {root}")
    return target


def default_title(unit: str, report: str, lang: str) -> str:
    return t(f"title_{report}", lang, unit=reference.unit_name(unit, lang))


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


def report_entry(*, unit: str, report: str, lang: str, html_bytes: bytes, title: str, headlines: list[dict]) -> dict:
    """One report's line in the manifest."""
    return {
        "unit": unit,
        "unit_name": reference.unit_name(unit, lang),
        "report": report,
        "lang": lang,
        "path": report_filename(unit, report, lang),
        "sha256": sha256(html_bytes),
        "title": title,
        "headlines": headlines,
    }


def assemble_manifest(*, reports: list[dict], inputs: list[dict], lang: str, synthetic: bool) -> dict:
    """The manifest: reports sorted by (unit, report), inputs by path; plus the pack's language and whether the
    commune data behind it is synthetic (the index page and `ntm send` show a notice then)."""
    return {
        "lang": lang,
        "synthetic": bool(synthetic),
        "reports": sorted(reports, key=lambda r: (r["unit"], r["report"])),
        "inputs": sorted(inputs, key=lambda i: i["path"]),
    }


def manifest_json(manifest: dict) -> str:
    """Stable JSON: sorted keys, indent 2, UTF-8 text as is, trailing newline."""
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def display_path(path: Path) -> str:
    """A path relative to the project root when inside it (POSIX style), else absolute."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        return str(resolved)


_INDEX_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#1f2933;max-width:60rem;margin:0 auto;padding:1.5rem;
line-height:1.45}
h1{font-size:1.6rem;margin:0 0 .5rem}h2{font-size:1.25rem;border-bottom:2px solid #2b6c8f;padding-bottom:.2rem;
margin-top:2rem}h3{font-size:1.05rem;margin:.2rem 0 .5rem}a{color:#1d5a7a}
.lead{color:#52606d}.notice{background:#fff4e5;border-left:5px solid #c2410c;padding:.75rem 1rem;margin:1rem 0;
font-weight:bold}.reports{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.report{border:1px solid #d9e2ec;border-radius:6px;padding:.8rem 1rem}
.headlines{margin:0;display:grid;grid-template-columns:1fr auto;gap:.2rem .8rem;font-size:.92rem}
.headlines dt{color:#52606d}.headlines dd{margin:0;text-align:right;font-weight:bold}
.headlines .note{display:block;font-weight:normal;color:#7b8794;font-size:.8rem}
footer{margin-top:2rem;color:#7b8794;font-size:.85rem}
@media print{.report{break-inside:avoid}}
""".strip()


def index_html(manifest: dict, communes_file: Path | None = None) -> str:
    """The pack's landing page, in the pack's language: province first, then districts by code; every report with
    its headline figures and a relative link. Self-contained: inline CSS, no scripts, no network references."""
    lang = manifest["lang"]
    e = html.escape
    order = {code: i for i, code in enumerate(reference.unit_codes())}
    units: dict[str, list[dict]] = {}
    for entry in sorted(manifest["reports"], key=lambda r: (order.get(r["unit"], len(order)), r["unit"], r["report"])):
        units.setdefault(entry["unit"], []).append(entry)

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(t('index_title', lang))}</title><style>{_INDEX_CSS}</style></head>",
        "<body>",
        f"<header><h1>{e(t('index_title', lang))}</h1>",
        f'<p class="lead">{e(t("index_lead", lang, count=len(manifest["reports"])))}</p></header>',
    ]
    if manifest.get("synthetic"):
        parts.append(f'<p class="notice" role="note">{e(t("synthetic", lang))}</p>')
    parts.append("<main>")
    if communes_file is not None:  # the districts compared in one table
        from . import release
        parts.append(release.index_section(manifest, communes_file))
    for code, entries in units.items():
        parts.append(f'<section class="unit" id="unit-{e(code)}"><h2>{e(entries[0]["unit_name"])}</h2>')
        parts.append('<div class="reports">')
        for entry in entries:
            parts.append(f'<article class="report"><h3><a href="{e(entry["path"])}">'
                         f'{e(t("report_" + entry["report"], lang))}</a></h3>')
            if entry["headlines"]:
                parts.append('<dl class="headlines">')
                for item in entry["headlines"]:
                    note = f'<span class="note">{e(item["note"])}</span>' if item.get("note") else ""
                    parts.append(f"<dt>{e(item['label'])}</dt><dd>{e(item['value'])}{note}</dd>")
                parts.append("</dl>")
            parts.append(f'<p><a href="{e(entry["path"])}">{e(t("open", lang))} →</a></p></article>')
        parts.append("</div></section>")
    parts.append("</main>")
    parts.append(f'<footer><p>{e(t("manifest", lang, file=MANIFEST))}</p></footer>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------------------------
# Running notebooks in worker processes
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One notebook to execute and export. `key` names its files (e.g. '04_evaluation_vi')."""

    key: str
    notebook: Path
    parameters: dict
    title: str
    lang: str
    unit: str = ""
    report: str = ""


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


def _worker_init(log_file: str) -> None:
    """Send the worker's stdout/stderr to the build log; kernels inherit them, so their chatter stays out of
    the terminal. Log lines from the worker go there too. Kernels also inherit DEFER_SVG: the worker draws the
    charts' static SVGs when it exports the pages (see report.py)."""
    from . import report

    os.environ[report.DEFER_SVG] = "1"
    fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


_LOG_FORMAT = "%(asctime)s %(processName)s %(levelname)s %(message)s"

#: Run by every kernel before the notebook (nothing in it changes what a notebook computes).
#: - Importing altair first, at the top level, sidesteps a CPython 3.11 slowdown (python/cpython#142183, fixed in
#:   3.13): imported deep inside the reports' own modules, jsonschema's grammar set-up keeps crossing a frame-stack
#:   chunk boundary and maps and unmaps it some 140 000 times, 1–2 s per kernel. The notebooks import altair
#:   anyway; this only changes where.
#: - gc.freeze(): what the kernel and altair created so far lives as long as the kernel, so the garbage collector
#:   need not walk it again in every full collection, nor at exit (≈0.6–0.9 s per kernel).
KERNEL_PRELOAD = ("import altair", "import gc; gc.freeze()")


def run_task(task: Task, scratch: str) -> Outcome:
    """Execute one notebook with papermill and export it to HTML (runs in a worker process)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from . import report

    executed = Path(scratch) / f"{task.key}.ipynb"
    start = time.monotonic()
    log.info("start %s (%s)", task.key, task.notebook)
    try:
        nb = papermill.execute_notebook(
            str(task.notebook), str(executed), parameters=task.parameters, kernel_name="python3",
            progress_bar=False, log_output=False, cwd=str(task.notebook.parent),
            extra_arguments=[f"--IPKernelApp.exec_lines={line}" for line in KERNEL_PRELOAD],
        )
        title, headlines = harvest_headlines(nb)
        title = title or task.title
        page = report.export_html(nb, title=title, lang=task.lang)
        refs = [r for r in report.check_offline(page) if not PACK_LINK.match(r)]  # links to the pack's own pages
        if refs:
            log.error("failed %s: network references %s", task.key, refs)
            return Outcome(task.key, time.monotonic() - start, executed=str(executed),
                           error=f"the page references the network: {', '.join(sorted(set(refs))[:5])}")
    except PapermillExecutionError as exc:
        first = next((line for line in str(exc.source).splitlines() if line.strip()), "")
        log.error("failed %s at cell %s: %s: %s", task.key, exc.cell_index, exc.ename, exc.evalue)
        return Outcome(task.key, time.monotonic() - start, executed=str(executed),
                       cell=source_cell_index(task.notebook, exc.cell_index), cell_source=first,
                       error=f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # noqa: BLE001 — any failure becomes a reported outcome, never a lost worker
        log.exception("failed %s", task.key)
        return Outcome(task.key, time.monotonic() - start, executed=str(executed) if executed.exists() else None,
                       error=f"{type(exc).__name__}: {exc}")
    seconds = time.monotonic() - start
    log.info("end %s in %.1f s", task.key, seconds)
    return Outcome(task.key, seconds, html=page, title=title, headlines=headlines)


def source_cell_index(notebook: Path, executed_index: int) -> int:
    """Papermill counts cells in the executed notebook, where it inserted the injected-parameters cell right after
    the `parameters` cell (or first, if there is none). Return the index in the notebook as the analyst has it."""
    cells = nbformat.read(notebook, as_version=4).cells
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    injected = tagged[0] + 1 if tagged else 0
    return executed_index - 1 if executed_index > injected else executed_index


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


def execute(tasks: list[Task], *, jobs: int | None, log_file: Path, progress: bool = True,
            label: str = "") -> list[Outcome]:
    """Run `tasks` in `jobs` worker processes (spawned, so nothing of this process leaks into them).

    Stops scheduling new tasks after the first failure; tasks already running finish. Returns the outcomes of
    the tasks that ran, in task order. Ctrl-C cancels what has not started and waits for the running notebooks
    (which the terminal's Ctrl-C interrupts too) so that no kernel is left behind, then re-raises.
    """
    workers = max(1, min(jobs or default_jobs(), len(tasks)))
    outcomes: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="ntm-build-", ignore_cleanup_errors=True) as scratch, \
            ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_worker_init, initargs=(str(log_file),)) as pool, \
            _progress(len(tasks), label=label, show=progress) as bar:
        # Submit no more than there are workers: the pool would otherwise queue tasks it can no longer cancel.
        queue = iter(tasks)
        running: dict[Future, Task] = {pool.submit(run_task, task, scratch): task
                                       for task in itertools.islice(queue, workers)}
        failed = False
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    task = running.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as exc:  # the worker itself died (e.g. killed for lack of memory)
                        outcome = Outcome(task.key, 0.0, error=f"worker process failed: {type(exc).__name__}: {exc}")
                    outcomes[outcome.key] = outcome
                    bar.update(1)
                    failed = failed or not outcome.ok
                    following = None if failed else next(queue, None)
                    if following is not None:
                        running[pool.submit(run_task, following, scratch)] = following
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # running notebooks end; their kernels shut down
            raise
        # Keep the executed notebooks of failed tasks before the scratch folder goes.
        kept = {key: _keep_failed(o) for key, o in outcomes.items() if not o.ok}
    return [kept.get(task.key, outcomes[task.key]) for task in tasks if task.key in outcomes]


def _keep_failed(outcome: Outcome) -> Outcome:
    """Copy a failed task's executed notebook to paths.FAILED; the outcome then points there."""
    if not outcome.executed or not Path(outcome.executed).exists():
        return outcome
    paths.FAILED.mkdir(parents=True, exist_ok=True)
    target = inside(paths.FAILED, f"{outcome.key}.ipynb")
    shutil.copyfile(outcome.executed, target)
    return Outcome(outcome.key, outcome.seconds, executed=str(target), cell=outcome.cell,
                   cell_source=outcome.cell_source, error=outcome.error)


# --------------------------------------------------------------------------------------------------------------
# Inputs, publishing, and the build itself
# --------------------------------------------------------------------------------------------------------------


def input_files(*, communes_file: Path, notebooks: Iterable[Path]) -> list[Path]:
    """Every file the reports depend on. A missing one raises DataError naming it."""
    files = [paths.REPORT_TEXT, paths.REPORT_ORIGIN, paths.FACTS_CSV, paths.CRITERIA_CSV, paths.UNITS_CSV,
             paths.REFERENCE_ORIGIN, Path(communes_file), *notebooks]
    missing = [Problem(str(f), None, None, None, "input file not found") for f in files if not Path(f).is_file()]
    if missing:
        raise DataError(missing)
    meta = Path(communes_file).with_name(Path(communes_file).stem + ".meta.json")
    return files + ([meta] if meta.is_file() else [])


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_target(out: Path) -> None:
    """Only an absent folder, an empty one, or a previous pack may be replaced: never someone's other files."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise ConfigError(f"{out} is not empty and holds no {MANIFEST}: it is not a report pack, refusing to replace it")


@contextlib.contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C for the few instructions that must not be split (the swap)."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def publish(files: dict[str, bytes], out: Path) -> None:
    """Write `files` into a new folder beside `out` and swap it in: old → backup, new → out, delete backup.

    `out` is either the old pack or the new one at every moment; on any failure the new folder is removed.
    """
    out = Path(out).absolute()
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    backup: Path | None = None
    try:
        staging.chmod(0o755)
        for name, data in sorted(files.items()):
            inside(staging, name).write_bytes(data)
        with _no_interrupt():
            if out.exists():
                backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
                os.replace(out, backup)  # onto the empty placeholder
                try:
                    os.replace(staging, out)
                except BaseException:
                    os.replace(backup, out)
                    backup = None
                    raise
            else:
                os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def _communes_source(communes_path: str | Path | None) -> tuple[Path, str | None, bool]:
    """(file, notebook parameter, synthetic?) for the commune data; an invalid file raises DataError."""
    from . import communes as communes_module

    if communes_path is None:
        frame = communes_module.load_default()
        return paths.DEMO_COMMUNES, None, communes_module.is_synthetic(frame)
    file = Path(communes_path).resolve()
    frame = communes_module.read(file)
    return file, str(file), communes_module.is_synthetic(frame)


def plan(*, units: list[str], reports: list[str], lang: str, communes: str | None) -> list[Task]:
    """One task per (unit, report), in the order of the manifest."""
    tasks = []
    for unit in units:
        for kind in reports:
            name = report_filename(unit, kind, lang)
            tasks.append(Task(key=name.removesuffix(".html"), notebook=Path(paths.REPORT_NOTEBOOKS[kind]),
                              parameters={"lang": lang, "unit": unit, "communes": communes},
                              title=default_title(unit, kind, lang), lang=lang, unit=unit, report=kind))
    return tasks


def _failure(task: Task, outcome: Outcome) -> BuildError:
    error = outcome.error or "unknown error"
    if outcome.cell_source:
        error += f"\n  cell {outcome.cell} begins: {outcome.cell_source}"
    return BuildError(unit=task.unit, notebook=display_path(task.notebook), cell=outcome.cell, error=error,
                      executed=outcome.executed)


def new_log_file() -> Path:
    paths.BUILD_LOGS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return paths.BUILD_LOGS / f"build-{stamp}.log"


@contextlib.contextmanager
def _logging_to(log_file: Path) -> Iterator[None]:
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        handler.close()


def build(*, units: Iterable[str] | None = None, lang: str = "vi", out: Path | str | None = None,
          communes: Path | str | None = None, jobs: int | None = None, reports: Iterable[str] | None = None,
          progress: bool = True, log_file: Path | None = None) -> dict:
    """Build the pack for `units` (default: the province and every district) and `reports` (default: all) in
    `lang`, into `out` (default paths.PACK), with `jobs` worker processes (default: usable CPUs). Every step is
    logged to `log_file` (default: a new file in paths.BUILD_LOGS). Returns the manifest.

    Raises UnitError/ConfigError for bad arguments and DataError for an invalid commune file before running
    anything; BuildError if a report fails (the previous pack is then left as it was).
    """
    units = check_units(units)
    reports = check_reports(reports)
    lang = i18n.check_lang(lang)
    out = Path(out) if out is not None else paths.PACK
    _check_target(out.absolute())
    communes_file, communes_param, synthetic = _communes_source(communes)
    tasks = plan(units=units, reports=reports, lang=lang, communes=communes_param)
    notebooks = [Path(paths.REPORT_NOTEBOOKS[kind]) for kind in reports]
    inputs = [{"path": display_path(f), "sha256": file_sha256(f)}
              for f in input_files(communes_file=communes_file, notebooks=notebooks)]

    log_file = log_file or new_log_file()
    with _logging_to(log_file):
        started = time.monotonic()
        log.info("build %d report(s) into %s: units %s, reports %s, lang %s, communes %s, jobs %s",
                 len(tasks), out, " ".join(units), " ".join(reports), lang, communes_file, jobs or default_jobs())
        try:
            outcomes = execute(tasks, jobs=jobs, log_file=log_file, progress=progress, label=t("progress", lang))
        except KeyboardInterrupt:
            log.error("interrupted: nothing written to %s", out)
            raise
        by_key = {task.key: task for task in tasks}
        failures = [_failure(by_key[o.key], o) for o in outcomes if not o.ok]
        for failure in failures:
            log.error("FAILED %s", failure)
        if failures:  # (without a failure, every task ran)
            log.error("build failed: %s left untouched", out)
            raise failures[0]

        files, entries = {}, []
        for task, outcome in zip(tasks, outcomes):
            data = outcome.html.encode("utf-8")
            name = report_filename(task.unit, task.report, lang)
            files[name] = data
            entries.append(report_entry(unit=task.unit, report=task.report, lang=lang, html_bytes=data,
                                        title=outcome.title or task.title, headlines=outcome.headlines))
        manifest = assemble_manifest(reports=entries, inputs=inputs, lang=lang, synthetic=synthetic)
        files[MANIFEST] = manifest_json(manifest).encode("utf-8")
        files[INDEX] = index_html(manifest, communes_file).encode("utf-8")
        publish(files, out)
        log.info("published %d report(s) to %s in %.1f s", len(entries), out, time.monotonic() - started)
    return manifest
