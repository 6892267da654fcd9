"""One exception hierarchy for the package.

NtmError
├── DataError      a data file is unreadable or invalid; carries every Problem found
├── UnitError      an administrative unit code that is not in the reference list
├── BuildError     a report failed to build (unit, notebook, cell, error)
├── SendError      composing or sending email failed
└── ConfigError    missing or invalid settings
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
        return text


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


class ConfigError(NtmError):
    """Missing or invalid settings (environment variables, config file)."""
