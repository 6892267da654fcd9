"""One exception hierarchy for the package.

NtmError
├── DataError      a data file is unreadable or invalid; carries every Problem found
├── UnitError      an administrative unit code that is not in the reference list
├── BuildError     a report failed to build (unit, notebook, cell, error)
├── SendError      composing or sending email failed
│   └── PartialDelivery   some messages went, others did not
├── OutputError    the pack, its log or lock cannot be written (permissions, full disk, long name, busy)
├── ConfigError    missing or invalid settings
│   ├── FolderRefused     --out is not a folder a build may replace
│   └── i18n.LanguageError   a language with no catalogue (also a ValueError)
└── UsageError     a public function called with an argument it cannot use (also a ValueError)
    └── NotFound          an id that names nothing: a figure, a topic, a criterion (also a KeyError)

Public functions raise only these (tests/test_errors.py calls each with a bad argument). The builtin bases of
UsageError and NotFound keep `except ValueError` / `except KeyError` in callers working.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class NtmError(Exception):
    """Base class for every error this package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file. `row` is the row number as a spreadsheet shows it (header = 1)."""

    file: str
    row: int | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = [Path(self.file).name]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.message}"
        if self.value is not None and self.value != "":
            text += f" (value: {self.value!r})"
        return clean(text)  # names and values come from files: no escape codes reach a terminal


class DataError(NtmError):
    """A data file failed to read or validate. `problems` lists every problem, not just the first."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in {self.problems[0].file}" if lines else "invalid data"
        super().__init__(head + ":\n" + "\n".join(f"  - {line}" for line in lines))


class UnitError(NtmError):
    """An administrative unit code not found in the reference list of Cao Bằng's units."""


class BuildError(NtmError):
    """A report failed to build."""

    def __init__(self, *, unit: str, notebook: str, cell: int | None, error: str, executed: str | None = None):
        self.unit, self.notebook, self.cell, self.error, self.executed = unit, notebook, cell, error, executed
        where = f"unit {unit}, notebook {notebook}" + (f", cell {cell}" if cell is not None else "")
        kept = f"\n  executed notebook kept at: {executed}" if executed else ""
        super().__init__(f"{where}: {error}{kept}")


class SendError(NtmError):
    """Composing or sending email failed."""


class PartialDelivery(SendError):
    """Some messages went, others did not; `delivery` (send.Delivery) says which. Retry with `--resume`."""

    def __init__(self, message: str, delivery=None):
        super().__init__(message)
        self.delivery = delivery


class ConfigError(NtmError):
    """Missing or invalid settings (environment variables, config file)."""


class UsageError(NtmError, ValueError):
    """A public function called with an argument it cannot use: an unknown method, empty data, a missing column,
    a value out of range. Also a ValueError, for callers that validate arguments."""


class NotFound(UsageError, KeyError):
    """An id that names nothing (a figure, a topic, a criterion, a name in a formula). Also a KeyError."""

    __str__ = Exception.__str__  # the message as written (KeyError would quote it)


class OutputError(NtmError):
    """The output (pack folder, log, lock) cannot be written: permissions, full disk, name too long, busy …"""


class FolderRefused(ConfigError):
    """The --out folder is not one a build may replace. `files` lists what would be at risk."""

    def __init__(self, message: str, files: list[str] | None = None):
        self.files = list(files or [])
        shown = "".join(f"\n  - {clean(f)}" for f in self.files[:50])
        more = f"\n  … and {len(self.files) - 50} more" if len(self.files) > 50 else ""
        super().__init__(message + shown + more)


_ERRNO_TEXT = {
    "EACCES": "permission denied", "EPERM": "operation not permitted", "EROFS": "read-only file system",
    "ENOSPC": "no space left on the device", "EDQUOT": "disk quota exceeded", "ENAMETOOLONG": "name too long",
    "ENOENT": "no such file or folder", "ENOTDIR": "not a folder", "EISDIR": "is a folder",
    "EEXIST": "already exists", "ENOTEMPTY": "folder not empty", "EXDEV": "on another file system",
}


def os_failure(error: OSError, doing: str) -> OutputError:
    """An OutputError for an OS failure, in words: 'cannot write X: no space left on the device'."""
    import errno

    code = errno.errorcode.get(error.errno or 0, "")
    reason = _ERRNO_TEXT.get(code) or error.strerror or type(error).__name__
    where = error.filename if error.filename is not None else ""
    text = f"{doing}: {reason}" + (f" ({clean(str(where))})" if where and str(where) not in doing else "")
    failure = OutputError(text)
    failure.errno = error.errno
    return failure


def clean(text: object) -> str:
    """`text` safe for a terminal or a log line: control characters (escape codes, newlines, DEL, C1, bidi
    overrides …) shown as escapes like \\x1b or \\n; everything printable, Vietnamese included, kept as is."""
    import unicodedata

    out = []
    for char in str(text):
        if char.isprintable() and unicodedata.category(char) not in {"Cf", "Zl", "Zp"}:
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)
