"""govinfo-xlsx: the annual government-information-disclosure report as a protected workbook.

Generate the template, read a filled workbook back, validate it, write the
narrative report and roll up many units' workbooks, all driven by the format
definition in ``workbook_templates/``.

>>> import govinfo_xlsx
>>> govinfo_xlsx.convert.__module__, govinfo_xlsx.read_workbook.__module__
('govinfo_xlsx.report', 'govinfo_xlsx.reader')
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# The public API, imported on first use so that ``govinfo-xlsx --help`` stays fast.
_API = {
    "load_format": "format",
    "ReportFormat": "format",
    "write_template": "template",
    "write_workbook": "template",
    "write_next_year": "carryover",
    "read_workbook": "reader",
    "read_document": "documents",
    "import_document": "documents",
    "FilledWorkbook": "reader",
    "validate": "validate",
    "validate_many": "validate",
    "convert": "report",
    "build_document": "report",
    "merge": "merge",
    "MergeResult": "merge",
    "Finding": "findings",
    "CheckReport": "findings",
    "WorkbookError": "errors",
    "export_dict": ("export", "to_dict"),
    "export_csv": ("export", "to_csv"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    target = _API.get(name)
    if target is None:
        raise AttributeError(f"module 'govinfo_xlsx' has no attribute {name!r}")
    module, attr = (target, name) if isinstance(target, str) else target
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
