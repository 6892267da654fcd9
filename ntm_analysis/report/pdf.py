"""PDF copies of report pages, printed by headless Chromium (Debian's `chromium` package), for recipients whose
mail refuses HTML attachments.

Each print runs in a fresh profile folder with networking features off; it has a timeout, and on every exit —
success, failure, timeout, Ctrl-C — the Chromium process group is killed and the temporary folder removed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ntm_analysis.errors import ConfigError, SendError, clean

DEFAULT_TIMEOUT = 120.0  # seconds for one page
CANDIDATES = ("chromium", "chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--no-pdf-header-footer", "--print-to-pdf-no-header")  # no temp path or date printed on the pages


def chromium() -> str:
    """The Chromium executable (NTM_CHROMIUM, else `chromium` on PATH); ConfigError naming the package if absent."""
    given = os.environ.get("NTM_CHROMIUM")
    found = shutil.which(given) if given else next((p for p in map(shutil.which, CANDIDATES) if p), None)
    if not found:
        raise ConfigError("--pdf needs Chromium to print the reports, and none was found"
                          + (f" at NTM_CHROMIUM={clean(given)!r}" if given else "")
                          + ": install the Debian package `chromium` (apt-get install chromium)")
    return found


def _kill(process: subprocess.Popen) -> None:
    """End Chromium and every helper process it started (its own process group, which may outlive it)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def print_pdf(html: bytes, *, name: str = "report.html", timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The PDF of an HTML page (its bytes), printed by headless Chromium from a private temporary folder."""
    executable = chromium()
    with tempfile.TemporaryDirectory(prefix="ntm-pdf-") as folder:
        root = Path(folder)
        page, out, profile = root / Path(name).name, root / "out.pdf", root / "profile"
        page.write_bytes(html)
        command = [executable, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={out}", page.as_uri()]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SendError(f"printing {clean(name)} to PDF took more than {timeout:g} s; Chromium was stopped") \
                from None
        finally:
            _kill(process)
        data = out.read_bytes() if out.is_file() else b""
        if process.returncode != 0 or not data.startswith(b"%PDF"):
            last = (stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise SendError(f"Chromium could not print {clean(name)} to PDF (exit {process.returncode}"
                            f"{': ' + clean(last[0][:200]) if last[0] else ''})")
        return data
