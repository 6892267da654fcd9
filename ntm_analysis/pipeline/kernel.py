"""The build's warm notebook kernel: an ipykernel started with the reports' stack already imported, and the reset
that gives every report in it the state of a fresh kernel.

`ntm_analysis.pipeline.engine` starts it with the `python3` kernelspec's own interpreter and options, `-m ipykernel_launcher`
replaced by `-c "from ntm_analysis.pipeline.kernel import main; main()"`. Nothing here runs in JupyterLab's kernels or
server: the blocked imports below apply only to this process.

Before each report the engine runs `reset(cwd)` silently (no output, no execution count). The first report in a
kernel finds it as started; every later one finds it reset to that same state:
- IPython's user namespace, output cache and execution count (`InteractiveShell.reset(new_session=True)`, then
  the names the kernel started with, such as those its exec_lines defined);
- pandas options, numpy error handling and print options, the altair theme, data transformer and renderer;
- warning filters (and the "already shown" registries, so a warning shows again), os.environ, sys.path, the working
  folder, the root logger, the locale, the decimal context and the recursion limit;
- every functools cache in the package's modules (data loaded by one report is read again by the next, so a report
  that changed a cached table in place cannot change the next one).
Modules a report imported stay imported, as in any Python process; the package's own are imported up front.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import locale
import logging
import os
import sys
import warnings
from collections.abc import Iterator

#: Modules kept out of the build's kernels and workers, and why.
#: - rfc3987_syntax: jsonschema (imported by altair and nbformat) loads it, if installed, to check the "iri" and
#:   "iri-reference" formats; it compiles its grammar on import (≈0.7 s). It is installed for jupyter-events
#:   (jsonschema[format-nongpl]), i.e. for the JupyterLab server, which keeps it. The Vega-Lite schema that altair
#:   validates against uses only "color-hex", "uri" and "uri-reference", and nbformat's schemas no format at all,
#:   so no check the build makes changes (tests/test_engine.py checks the schema). Imported deep inside
#:   papermill's imports, it also meets a CPython 3.11 slowdown (python/cpython#142183) and takes 1–2.5 s.
#: - boto3 (≈0.35 s): papermill loads it, if installed, for s3:// paths, and does without it otherwise; the build
#:   reads and writes local files only.
BLOCKED = ("rfc3987_syntax", "boto3")

#: Imported before the kernel starts: everything the two report notebooks import.
PRELOAD = ("pandas", "altair", "ntm_analysis.report.evaluation", "ntm_analysis.report.gap_report")

#: The `-c` program that replaces `-m ipykernel_launcher` in the kernelspec's command.
LAUNCH = "from ntm_analysis.pipeline.kernel import main; main()"


def block_unused() -> None:
    """Make `import` of every BLOCKED module fail with ImportError in this process (unless already imported)."""
    for name in BLOCKED:
        sys.modules.setdefault(name, None)


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """BLOCKED modules kept out of this process for a while (the build process, while it builds: its index page
    imports altair, and so jsonschema), then importable again. Modules imported meanwhile stay as they were
    imported: jsonschema then checks no "iri" format in this process, which nothing the build validates uses. When
    jsonschema is already imported, blocking would save nothing and nothing changes."""
    if "jsonschema" in sys.modules:
        yield
        return
    added = [name for name in BLOCKED if name not in sys.modules]
    block_unused()
    try:
        yield
    finally:
        for name in added:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def worker_boot(worker_log: str, environ: dict[str, str], kernel_arguments: list[str]) -> None:
    """The first thing a build worker does, before it imports the build's modules (pandas, altair, nbconvert:
    the kernel imports its own meanwhile): send its stdout/stderr, and so its kernel's, to `worker_log`, set
    `environ` (the kernel inherits it), keep BLOCKED modules out, and launch its warm kernel (engine.py)."""
    block_unused()
    try:
        fd = os.open(worker_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.update(environ)
    from ntm_analysis.pipeline import engine

    engine.start_kernel("python3", kernel_arguments, announce=False)  # logged once the worker's log is set up


def main() -> None:
    """Start the kernel like `python -m ipykernel_launcher`, with PRELOAD imported first."""
    if sys.path and sys.path[0] == "":  # as ipykernel_launcher does; IPython puts it back
        del sys.path[0]
    block_unused()
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 — only a head start: the notebook's own import reports the problem
            pass
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    # The kernel was shut down. Run the exit handlers (IPython's history among them), then leave without
    # tearing down every imported module one by one, which takes longer than the kernel's start-up.
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --------------------------------------------------------------------------------------------------------------
# The reset between reports
# --------------------------------------------------------------------------------------------------------------


class _State:
    """Process-wide settings a notebook can change, captured before the first report."""

    def __init__(self) -> None:
        import altair as alt
        import numpy as np

        self.environ = dict(os.environ)
        self.path = list(sys.path)
        self.filters = list(warnings.filters)
        self.showwarning = warnings.showwarning
        self.pandas = _pandas_options()
        self.np_err = np.geterr()
        self.np_print = np.get_printoptions()
        self.altair = {name: (registry.active, dict(registry.options)) for name, registry in _altair_registries(alt)}
        root = logging.getLogger()
        self.logging = (root.level, list(root.handlers))
        self.locale = locale.setlocale(locale.LC_ALL)
        self.decimal = decimal.getcontext().copy()
        self.recursion = sys.getrecursionlimit()

    def restore(self) -> None:
        import altair as alt
        import numpy as np
        import pandas as pd

        if os.environ != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        sys.path[:] = self.path
        warnings.resetwarnings()  # also forgets which warnings were already shown
        warnings.filters[:] = self.filters
        warnings.showwarning = self.showwarning
        for key, value in self.pandas.items():
            if pd.get_option(key) != value:
                pd.set_option(key, value)
        np.seterr(**self.np_err)
        np.set_printoptions(**self.np_print)
        for name, registry in _altair_registries(alt):
            active, options = self.altair[name]
            if registry.active != active or registry.options != options:
                registry.enable(active, **options)
        root = logging.getLogger()
        root.setLevel(self.logging[0])
        root.handlers[:] = self.logging[1]
        if locale.setlocale(locale.LC_ALL) != self.locale:
            locale.setlocale(locale.LC_ALL, self.locale)
        decimal.setcontext(self.decimal.copy())
        sys.setrecursionlimit(self.recursion)


def _pandas_options() -> dict:
    from pandas._config import config  # the registry behind pd.get_option (no public listing of the keys)

    return {key: config.get_option(key) for key in config._registered_options
            if key not in config._deprecated_options}


def _altair_registries(alt):
    return [("theme", alt.theme._themes), ("data_transformers", alt.data_transformers),
            ("renderers", alt.renderers)]


def clear_caches() -> int:
    """Empty every functools cache at the top level of the package's modules (and of their classes)."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "ntm_analysis" or name.startswith("ntm_analysis.")):
            continue
        for value in list(vars(module).values()):
            candidates = [value, *vars(value).values()] if isinstance(value, type) else [value]
            for item in candidates:
                item = getattr(item, "__func__", item)  # staticmethod / classmethod
                if hasattr(item, "cache_info") and callable(getattr(item, "cache_clear", None)):
                    item.cache_clear()
                    cleared += 1
    return cleared


_saved: _State | None = None


def reset(cwd: str) -> None:
    """Give the next report a fresh kernel's state (see the module's docstring), in the folder `cwd`."""
    global _saved
    shell = _shell()
    if _saved is None:  # the first report: the kernel is as started; remember that state
        _saved = _State()
        _saved.names = dict(shell.user_ns)  # incl. what the kernel's exec_lines defined (e.g. `altair`)
    else:
        shell.reset(new_session=True)
        for name, value in _saved.names.items():
            shell.user_ns.setdefault(name, value)
        _saved.restore()
        clear_caches()
    os.chdir(cwd)


def _shell():
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        from ntm_analysis.errors import UsageError

        raise UsageError("ntm_analysis.pipeline.kernel.reset runs only in an IPython kernel")
    return shell
