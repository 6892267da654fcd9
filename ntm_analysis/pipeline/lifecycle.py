"""Process lifecycle of a build: worker processes and their kernels die with the build, whatever ends it.

Three layers, each enough on its own for the common case:

- every worker asks the kernel (Linux `prctl(PR_SET_PDEATHSIG, SIGKILL)`) to kill it when the build process dies,
  and every notebook kernel does the same towards its worker (its first startup line, see `KERNEL_GUARD`);
  ipykernel's own parent poller (JPY_PARENT_PID) is a fallback for the instant before that line runs;
- every process of a build carries the build's tag in its environment (`TAG_VARIABLE`), so that `sweep()` finds
  them even after they were re-parented, and kills them;
- a janitor process (its own session, deaf to SIGINT/SIGTERM/SIGHUP) waits on a pipe from the build process; when
  the pipe closes — the build ended, or was killed, even with SIGKILL — it sweeps the tag and removes the scratch
  folder. Kernel connection files and the workers' temporary files live in the scratch folder too
  (JUPYTER_RUNTIME_DIR, TMPDIR), so nothing stays in /tmp.

This module imports only the standard library: the janitor starts in a few milliseconds.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

TAG_VARIABLE = "NTM_BUILD_TAG"
PR_SET_PDEATHSIG = 1

#: Run first in every kernel: die with the worker (SIGKILL when it goes), and exit at once if it is already gone.
KERNEL_GUARD = ("import ctypes as _c, os as _o, signal as _s; "
                "_c.CDLL(None).prctl(1, int(_s.SIGKILL)); "
                "_p = _o.environ.get('JPY_PARENT_PID'); "
                "(_p is None or _o.getppid() == int(_p)) or _o._exit(1); del _c, _o, _s, _p")


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send `sig` to this process when its parent dies; exit now if the parent is already gone."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the sweep still finds this process
            pass
    if os.getppid() != parent_pid:
        os._exit(1)


def tagged(tag: str) -> list[int]:
    """Pids of the processes whose environment carries `tag` (Linux /proc; [] elsewhere)."""
    found = []
    needle = f"{TAG_VARIABLE}={tag}".encode()
    me = os.getpid()
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return True


def sweep(tag: str, *, patience: float = 30.0) -> list[int]:
    """SIGKILL every process carrying `tag`, until none is left alive (or `patience` seconds passed)."""
    killed: list[int] = []
    deadline = time.monotonic() + patience
    while True:
        alive = [pid for pid in tagged(tag) if not _zombie(pid)]
        if not alive or time.monotonic() > deadline:
            return killed
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.05)


def remove_tree(folder: str | Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def janitor_main(argv: list[str]) -> None:
    """`python -c ... TAG SCRATCH`: wait for stdin to close, then sweep TAG and remove SCRATCH."""
    tag, scratch = argv
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        while os.read(0, 4096):
            pass
    sweep(tag)
    remove_tree(scratch)


_JANITOR = "import sys; from ntm_analysis.pipeline.lifecycle import janitor_main; janitor_main(sys.argv[1:])"
PREFIX = "ntm-build-"
OWNER = "owner-tag"


def remove_stale(prefix: str = PREFIX) -> list[Path]:
    """Remove scratch folders of builds that are gone along with their janitor (e.g. `kill -9` of every process):
    a folder named `prefix…` in the temp folder, holding an owner tag that no live process carries."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(prefix + "*"):
        try:
            tag = (folder / OWNER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue  # not one of ours, or not readable: leave it
        if tag and not tagged(tag):
            remove_tree(folder)
            removed.append(folder)
    return removed


class Session:
    """One build's processes: a scratch folder, a tag, a janitor. Use as a context manager; `env()` gives what
    every worker must carry. On exit (normal or not) every tagged process is killed and the scratch removed."""

    def __init__(self, prefix: str = PREFIX):
        remove_stale(prefix)
        self.tag = uuid.uuid4().hex
        self._deferred: list = []
        self.scratch = Path(tempfile.mkdtemp(prefix=prefix))
        self.runtime = self.scratch / "jupyter-runtime"
        self.runtime.mkdir()
        self.temp = self.scratch / "tmp"  # the workers' and kernels' TMPDIR (connection files land there too)
        self.temp.mkdir()
        read, self._pipe = os.pipe()
        try:
            environment = dict(os.environ, **{TAG_VARIABLE: self.tag})
            package_parent = str(Path(__file__).resolve().parents[2])
            environment["PYTHONPATH"] = os.pathsep.join(
                p for p in (package_parent, environment.get("PYTHONPATH")) if p)
            self.janitor = subprocess.Popen([sys.executable, "-c", _JANITOR, self.tag, str(self.scratch)],
                                            stdin=read, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True, env=environment)
            # Only now that a live process (the janitor) carries the tag: remove_stale() never takes it for gone.
            (self.scratch / OWNER).write_text(self.tag, encoding="ascii")
        except BaseException:
            os.close(self._pipe)
            remove_tree(self.scratch)
            raise
        finally:
            os.close(read)

    def env(self) -> dict[str, str]:
        """Environment variables for the workers (and so their kernels)."""
        return {TAG_VARIABLE: self.tag, "JUPYTER_RUNTIME_DIR": str(self.runtime), "TMPDIR": str(self.temp)}

    @contextlib.contextmanager
    def environment(self) -> Iterator[None]:
        """Set env() in this process while workers start (spawned workers copy the environment)."""
        saved = {k: os.environ.get(k) for k in self.env()}
        os.environ.update(self.env())
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def defer(self, function) -> None:
        """Call `function()` when the session closes, before anything left is killed (e.g. waiting for workers
        that were asked to stop)."""
        self._deferred.append(function)

    def close(self) -> None:
        """Run what was deferred, kill what is left, remove the scratch folder, let the janitor go (and wait for
        it)."""
        deferred, self._deferred = self._deferred, []
        try:
            for function in deferred:
                function()
        finally:
            sweep(self.tag)
            remove_tree(self.scratch)
            with contextlib.suppress(OSError):
                os.close(self._pipe)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.janitor.wait(timeout=60)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGHUP) raise KeyboardInterrupt in the main thread, as Ctrl-C does."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# --------------------------------------------------------------------------------------------------------------
# Worker processes: one task at a time each, over a pipe; a dead worker is noticed through its sentinel
# --------------------------------------------------------------------------------------------------------------


def _resolve(target):
    """A callable, or one named "module:name" (imported only now, in the worker)."""
    if not isinstance(target, str):
        return target
    import importlib

    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _worker_main(conn, parent_pid: int, initializer, initargs, function, boot=None) -> None:
    die_with_parent(parent_pid)
    # Ctrl-C reaches the whole foreground process group; the build process decides what happens then.
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    if boot is not None:
        _resolve(boot[0])(*boot[1])
    if initializer is not None:
        _resolve(initializer)(*initargs)
    function = _resolve(function)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        conn.send(function(*job))
    # Done: run the finalizers (the kernel's shutdown among them) and the exit handlers, then leave without
    # tearing down every imported module one by one, which the build would wait for.
    from multiprocessing import util

    util._exit_function()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class Workers:
    """`count` spawned worker processes that call `function(*job)` for each job sent to them.

    `function` and `initializer` may be named ("module:name") so that the worker imports them only when needed;
    `boot_for(i)` gives worker i a ("module:name", args) to call first of all.

    `submit(worker, job, token)` hands a job to an idle worker; `wait(timeout)` returns [(worker, result)] for finished jobs, with
    result an instance of WorkerDied when the process died instead. `kill(worker)` ends one at once (its kernel
    follows it), `close()` all of them.
    """

    def __init__(self, count: int, function, *, initializer=None, initargs=(), initargs_for=None, boot_for=None):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._procs = []
        for i in range(count):
            parent, child = context.Pipe()
            args = initargs_for(i) if initargs_for is not None else initargs
            boot = boot_for(i) if boot_for is not None else None
            proc = context.Process(target=_worker_main, args=(child, os.getpid(), initializer, args, function, boot),
                                   daemon=True)
            proc.start()
            child.close()
            self._procs.append([proc, parent, None])  # process, connection, current job
        self.started = time.monotonic()

    @property
    def idle(self) -> list[int]:
        return [i for i, (proc, _, job) in enumerate(self._procs) if job is None and proc.is_alive()]

    @property
    def busy(self) -> dict[int, object]:
        return {i: job for i, (_, _, job) in enumerate(self._procs) if job is not None}

    def submit(self, worker: int, job: tuple, token: object) -> None:
        self._procs[worker][1].send(job)
        self._procs[worker][2] = token

    def wait(self, timeout: float | None) -> list[tuple[int, object, object]]:
        """[(worker, token, result or WorkerDied)] of the jobs that ended within `timeout` seconds."""
        from multiprocessing.connection import wait

        busy = {i: self._procs[i] for i in self.busy}
        handles = {}
        for i, (proc, conn, _) in busy.items():
            handles[conn] = i
            handles[proc.sentinel] = i
        ready = wait(list(handles), timeout=timeout)
        ended = {}
        for handle in ready:
            i = handles[handle]
            proc, conn, token = self._procs[i]
            if i in ended:
                continue
            try:
                result = conn.recv() if conn.poll() else None
            except (EOFError, OSError):
                result = None
            if result is None:
                proc.join(timeout=5)
                result = WorkerDied(proc.exitcode)
            self._procs[i][2] = None
            ended[i] = (i, token, result)
        return list(ended.values())

    def kill(self, worker: int) -> None:
        proc = self._procs[worker][0]
        with contextlib.suppress(ProcessLookupError, AttributeError):
            proc.kill()
        proc.join(timeout=10)
        self._procs[worker][2] = None

    def close(self, *, force: bool = False, wait: bool = True) -> None:
        """Ask every worker to stop (`force`: kill them), and wait for them unless `wait` is False (then join()
        must follow)."""
        for proc, conn, _ in self._procs:
            if force:
                with contextlib.suppress(ProcessLookupError, AttributeError):
                    proc.kill()
            else:
                with contextlib.suppress(OSError, ValueError):
                    conn.send(None)
        if wait:
            self.join()

    def join(self) -> None:
        """Wait for the workers to end (killing one that does not within 30 s)."""
        for proc, conn, _ in self._procs:
            proc.join(timeout=30)
            if proc.is_alive():  # did not stop when asked: end it
                with contextlib.suppress(ProcessLookupError, AttributeError):
                    proc.kill()
                proc.join(timeout=10)
            with contextlib.suppress(OSError):
                conn.close()


class WorkerDied:
    """A worker process ended while running a job (killed, out of memory …)."""

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode

    def __str__(self) -> str:
        if self.exitcode is not None and self.exitcode < 0:
            with contextlib.suppress(ValueError):
                return f"the worker process was killed by {signal.Signals(-self.exitcode).name}"
        return f"the worker process ended unexpectedly (exit code {self.exitcode})"
