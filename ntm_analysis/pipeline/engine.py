"""`ntm-warm`: a papermill engine that runs each notebook in a kernel already started and imported.

papermill still executes every notebook (parameters, the executed notebook saved cell by cell, errors raised as
PapermillExecutionError, `execution_timeout` honoured); only the kernel differs. A build worker starts one kernel
(`start_kernel`, the first thing it does: kernel.worker_boot) while it gets ready itself. The kernel imports the
reports' stack before it starts (`ntm_analysis.pipeline.kernel.PRELOAD`), and before each report papermill's client silently runs
`ntm_analysis.pipeline.kernel.reset`, which gives the report a fresh kernel's namespace and process settings.

Why one reused kernel rather than kernels forked from an imported template: a running kernel has threads and ZMQ
sockets and cannot be forked safely; a template forked before its kernel starts would still pay, for each report,
the kernel's own start-up, the client's handshake, the loading of the data and the teardown — most of the cost this
engine removes — and would need a launcher of its own in jupyter_client. The reset is checked instead: pages from
warm kernels are byte-identical to pages from fresh ones, also after a notebook that changes the settings above
(tests/test_engine.py).

When a kernel dies, times out, or a report fails in a kernel that already ran another report, the kernel is
replaced and the report runs once more in the new, fresh kernel; what happens there is the outcome (a genuine error
is reported with its cell; nothing is retried twice). A failure in a fresh kernel is the outcome at once. Without a
warm kernel in the process, or for another kernel, the engine is papermill's own.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import threading

from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from ntm_analysis.pipeline import kernel as warm_kernel
from ntm_analysis.errors import ConfigError

log = logging.getLogger("ntm_analysis.pipeline.build.engine")  # under the build's logger: its lines go to the build log

NAME = "ntm-warm"


class WarmKernel:
    """One started kernel of the `python3` kernelspec, with the reports' stack imported; replaced when broken."""

    def __init__(self, kernel_name: str = "python3", extra_arguments: list[str] | None = None) -> None:
        self.kernel_name = kernel_name
        self.extra_arguments = list(extra_arguments or [])
        self.km = None
        self.kc = None  # the client connected to it (nbclient connects it for the first report; kept after)
        self.reports = 0  # reports run in this kernel; 0 = fresh
        self.starts = 0

    def serves(self, kernel_name: str, extra_arguments) -> bool:
        return kernel_name == self.kernel_name and list(extra_arguments or []) == self.extra_arguments

    def start(self, announce: bool = True) -> None:
        """Launch the kernel process and return at once; the first report waits until it answers. `announce`:
        log it now (else announce() does, once the worker's log is set up)."""
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        prefix = _ipc_prefix(self.starts + 1)
        if prefix is not None:
            km.transport, km.ip = "ipc", prefix
        km.kernel_spec.argv = warm_argv(km.kernel_spec.argv)
        run_sync(km.start_kernel)(extra_arguments=self.extra_arguments)
        self.km, self.reports = km, 0
        self.starts += 1
        if announce:
            self.announce()

    def announce(self) -> None:
        log.info("warm kernel %d started (pid %s)", self.starts, self.pid)

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(getattr(provisioner, "process", None), "pid", None)

    def stop(self, now: bool = False) -> None:
        """Shut the kernel down (`now`: kill it, for a kernel that is stuck or dead)."""
        if self.kc is not None:
            kc, self.kc = self.kc, None
            with contextlib.suppress(Exception):
                kc.stop_channels()
        if self.km is None:
            return
        km, self.km = self.km, None
        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=now)
            else:
                run_sync(km.cleanup_resources)()
        except Exception:  # noqa: BLE001 — a kernel that will not stop is killed
            log.exception("stopping the warm kernel failed; killing it")
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                pass

    def replace(self, why: str) -> None:
        log.warning("replacing the warm kernel (pid %s): %s", self.pid, why)
        self.stop(now=True)
        self.start()


#: Longest path a Unix socket may have (sun_path is 108 bytes on Linux, with its final NUL), with room for "-N".
_SOCKET_PATH_MAX = 100


def _ipc_prefix(start: int) -> str | None:
    """Where the kernel's five sockets go (`<prefix>-1` … `-5`), in the Jupyter runtime folder (a build's
    scratch folder): Unix sockets, not TCP ports. jupyter_client picks free TCP ports, closes them and writes
    them down; the kernel binds them only once it has started, and this one first imports the reports' stack
    (seconds, under load): meanwhile another process on the machine may take a port, and the new kernel dies
    before it answers ("Kernel died before replying to kernel_info", jupyter/jupyter_client#154). Socket files
    cannot be taken that way. None (TCP then) off POSIX, or when the path would be too long for a socket."""
    if os.name != "posix":
        return None
    from jupyter_core.paths import jupyter_runtime_dir

    folder = jupyter_runtime_dir()
    os.makedirs(folder, exist_ok=True)
    prefix = os.path.join(folder, f"ntm-kernel-{os.getpid()}-{start}")
    return prefix if len(os.fsencode(prefix)) + 3 <= _SOCKET_PATH_MAX else None


def warm_argv(argv: list[str]) -> list[str]:
    """The kernelspec's command with `-m ipykernel_launcher` replaced by the warm launcher (same interpreter and
    options). A kernelspec that does not start ipykernel that way cannot be warmed: ConfigError (a ValueError too)."""
    for i in range(len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == "ipykernel_launcher":
            return [*argv[:i], "-c", warm_kernel.LAUNCH, *argv[i + 2:]]
    raise KernelSpecError(f"kernelspec command {argv!r} does not run ipykernel_launcher")


class KernelSpecError(ConfigError, ValueError):
    """A kernelspec whose command does not start ipykernel with `-m ipykernel_launcher`."""


#: The worker's kernel (one per process), set by start_kernel.
_kernel: WarmKernel | None = None


def start_kernel(kernel_name: str = "python3", extra_arguments: list[str] | None = None,
                 announce: bool = True) -> WarmKernel:
    """Start this process's warm kernel (first thing in a build worker: kernel.worker_boot). Also keeps BLOCKED
    modules out of this process."""
    global _kernel
    warm_kernel.block_unused()
    if _kernel is None:
        _kernel = WarmKernel(kernel_name, extra_arguments)
        _kernel.start(announce=announce)
    return _kernel


def prepare_export() -> None:
    """Get this worker's export ready while its kernel starts and runs the first notebook: nbconvert's templates,
    the Vega bundle and vl-convert's drawing engine, which the first page would otherwise wait for. Nothing of it
    changes a page: each figure's SVG ids are numbered within the figure (report._scope_ids)."""
    from ntm_analysis.report import html as report

    report._exporter()
    report._bundle()
    report.render_svg({"data": {"values": [{"a": 1}]}, "mark": "point",
                       "encoding": {"x": {"field": "a", "type": "quantitative"}}}, "vi")


#: The thread running prepare_export (start_export); export_ready() waits for it.
_export_thread: threading.Thread | None = None


def start_export() -> None:
    """Run prepare_export in a thread: the worker mostly waits for its kernel meanwhile (it imports, then runs the
    first notebook), so the first report need not wait for both one after the other."""
    global _export_thread
    if _export_thread is None:
        _export_thread = threading.Thread(target=_prepare_quietly, name="ntm-export-setup", daemon=True)
        _export_thread.start()


def _prepare_quietly() -> None:
    try:
        prepare_export()
    except Exception:  # noqa: BLE001 — only a head start: the export itself reports any problem
        log.exception("getting the export ready failed")


def export_ready() -> None:
    """Wait until start_export's preparation is done (before the first page is exported)."""
    if _export_thread is not None:
        _export_thread.join()


def stop_kernel() -> None:
    """Shut down this process's warm kernel (at the worker's exit)."""
    global _kernel
    if _kernel is not None:
        _kernel.stop()
        _kernel = None


class _Client(PapermillNotebookClient):
    """papermill's client, which first resets the kernel and remembers the cell it is running. It uses the warm
    kernel's client when there is one: nbclient connects a client to the kernel for the first report, and the
    later reports keep it, rather than connecting again and waiting for the kernel's first answers each time
    (jupyter_client's wait_for_ready: ≈0.1–0.3 s). Messages of an earlier report cannot mix in: nbclient takes
    only the replies and outputs whose parent is the request it sent."""

    def __init__(self, nb_man, *, warm: WarmKernel, cwd: str, **kw):
        super().__init__(nb_man, km=warm.km, **kw)
        self.warm = warm
        self.kc = warm.kc
        self.cwd = cwd
        self.cell_index: int | None = None
        self.failed = False

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        self.warm.kc = kc
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)  # what papermill's setup_kernel calls

    def papermill_execute_cells(self):
        """papermill's loop (its client's method, which has no hook), after the reset."""
        self._reset()
        for index, cell in enumerate(self.nb.cells):
            self.cell_index = index
            try:
                self.nb_man.cell_start(cell, index)
                self.execute_cell(cell, index)
            except CellExecutionError as ex:
                self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=ex)
                self.failed = True
                break
            finally:
                self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
        self.cell_index = None

    def _reset(self) -> None:
        code = f"import ntm_analysis.pipeline.kernel\nntm_analysis.pipeline.kernel.reset({json.dumps(self.cwd)})"
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        timeout, self.timeout = self.timeout, self.startup_timeout  # not the cells' execution_timeout
        try:
            reply = self.wait_for_reply(msg_id)
        except Exception as exc:  # noqa: BLE001 — a kernel that cannot be reset is treated as dead
            raise DeadKernelError(f"the kernel did not answer the reset: {type(exc).__name__}: {exc}") from exc
        finally:
            self.timeout = timeout
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            raise DeadKernelError(f"the kernel could not be reset: {content.get('ename')}: {content.get('evalue')}")


class _Manager(NotebookExecutionManager):
    """papermill's execution manager, saving the notebook at the same moments (notebook and cell start and end)
    but as compact JSON with the C encoder, written to a temporary file and renamed into place: ≈0.7 ms for a
    report's 200 KB instead of nbformat.writes' 5 ms (a deep copy, a validation and the pure-Python indented
    encoder), some 45 times per report. These saves only serve a run that is cut short (the cell that was
    running, the outputs so far: build.running_cell); papermill itself writes the finished notebook, or the one
    whose cell failed, with nbformat as usual."""

    def save(self, **kwargs):
        if self.output_path:
            part = f"{self.output_path}.part"
            text = json.dumps(self.nb, ensure_ascii=False)  # dumps, not dump: only dumps uses the C encoder
            with open(part, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(part, self.output_path)
        self.last_save_time = self.now()


class WarmEngine(NBClientEngine):
    """papermill engine `ntm-warm` (see the module's docstring)."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        """papermill's Engine.execute_notebook, with the cheaper saves of _Manager."""
        nb_man = _Manager(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                          autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        warm = _kernel
        if warm is None or not warm.serves(kernel_name, kwargs.get("extra_arguments")):
            return super().execute_managed_notebook(
                nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                start_timeout=start_timeout, execution_timeout=execution_timeout, **kwargs)

        # The same keyword arguments as papermill's own engine gives its client.
        kwargs = remove_args(["input_path", "extra_arguments"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout, kernel_name=kernel_name, log=logging.getLogger("papermill"),
            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
        pristine = copy.deepcopy(nb_man.nb)  # as papermill prepared it: parameters injected, no outputs
        while True:
            fresh = warm.reports == 0
            warm.reports += 1
            client = _Client(nb_man, warm=warm, cwd=os.getcwd(), **final_kwargs)
            try:
                client.execute()
            except (DeadKernelError, CellTimeoutError) as exc:
                warm.replace(f"{type(exc).__name__} at cell {client.cell_index}")
                if fresh:
                    raise _located(exc, client.cell_index, nb_man.nb) from None
                log.warning("rerunning the notebook in a fresh kernel")
                _restart(nb_man, pristine)
                continue
            except Exception as exc:  # e.g. the kernel did not answer at start: the next report gets a new one
                warm.replace(f"{type(exc).__name__}: {exc}")
                raise
            if client.failed and not fresh:
                warm.replace(f"a cell failed in a kernel that had run {warm.reports - 1} report(s) before")
                log.warning("rerunning the notebook in a fresh kernel to confirm the error")
                _restart(nb_man, pristine)
                continue
            return nb_man.nb


def _restart(nb_man, pristine) -> None:
    """Put the notebook back as papermill prepared it, for another run."""
    nb_man.nb.cells = copy.deepcopy(pristine.cells)
    nb_man.nb.metadata = copy.deepcopy(pristine.metadata)
    nb_man.notebook_start()


def _located(exc: Exception, cell_index: int | None, nb) -> Exception:
    """The same exception type, its message naming the cell that was running (papermill's counting)."""
    if cell_index is None or isinstance(exc, CellTimeoutError):  # a timeout's message already shows the cell
        return exc
    source = nb.cells[cell_index].get("source", "")
    first = next((line for line in source.splitlines() if line.strip()), "")
    located = type(exc)(f"{exc} while running cell {cell_index}: {first}")
    located.cell_index = cell_index
    return located


papermill_engines.register(NAME, WarmEngine)
