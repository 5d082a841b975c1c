"""One located finding type and the report that collects them.

Shaped after frictionless-py's errors: a stable kebab-case ``rule``, a
severity, a Chinese message, the cells involved as ``工作表!A1`` references,
and for a relation both sides' values.  :class:`CheckReport` turns into JSON
(the CLI's ``--json``) or a pandas DataFrame with a fixed column order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

__all__ = ["CheckReport", "Finding", "ERROR", "WARNING", "FINDING_COLUMNS"]

ERROR = "error"
WARNING = "warning"

#: Column order of :meth:`CheckReport.to_frame`.
FINDING_COLUMNS = ["file", "org", "year", "severity", "rule", "sheet", "cells", "message", "expected", "actual",
                   "codes"]


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@dataclass(frozen=True)
class Finding:
    """One problem, located to the cells a clerk must look at."""

    rule: str
    severity: str
    message: str
    cells: tuple[str, ...] = ()
    expected: Any = None
    actual: Any = None
    codes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def sheet(self) -> str:
        """The sheet of the first cell involved ('' when none)."""
        return self.cells[0].split("!", 1)[0] if self.cells else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "cells": list(self.cells),
            "expected": _plain(self.expected),
            "actual": _plain(self.actual),
        }


@dataclass
class CheckReport:
    """The result of checking one workbook: never raised, always returned."""

    file: str
    org: str = ""
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error."""
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity warning."""
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not block)."""
        return not self.errors

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings."""
        self.findings.extend(findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "org": self.org,
            "year": self.year,
            "ok": self.ok,
            "issues": [f.to_dict() for f in self.findings],
        }

    def to_json(self, **kw: Any) -> str:
        """The report as JSON text (the CLI's ``check --json``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    def to_frame(self) -> pd.DataFrame:
        """Findings as a DataFrame with the fixed columns :data:`FINDING_COLUMNS`."""
        rows = []
        for f in self.findings:
            d = asdict(f)
            d.update(file=self.file, org=self.org, year=self.year, sheet=f.sheet,
                     cells=" ".join(f.cells), codes=" ".join(f.codes),
                     expected=_plain(f.expected), actual=_plain(f.actual))
            rows.append(d)
        return pd.DataFrame(rows, columns=FINDING_COLUMNS)
