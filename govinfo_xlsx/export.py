"""Export a read workbook as plain data: JSON for programs, tidy CSV for analysts.

The shapes follow the format definition: a table of several blocks (表二)
becomes a mapping by row label, a table of one labelled block (表三) a list of
rows in the format's order, a table of one unlabelled row (表四) a flat list.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from .format import ReportFormat, Table
from .numbers import plain_number
from .reader import FilledWorkbook

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_dict", "to_long_frame", "to_csv"]

#: Column names of the tidy CSV (what analysts see).
LONG_COLUMNS = ["机关名称", "报告年度", "表格", "行", "列", "数值", "单元格代码"]


def _table_shape(table: Table, numbers: dict[str, Any]) -> Any:
    def row_values(block: Any, row: Any) -> list[Any]:
        return [plain_number(numbers.get(f"{table.code}.{row.code}.{c.code}")) for c in block.columns]

    if len(table.blocks) > 1:
        out: dict[str, Any] = {}
        for block, row in table.iter_rows():
            vals = row_values(block, row)
            out[row.label] = vals if len(vals) > 1 else vals[0]
        return out
    block = table.blocks[0]
    if len(block.rows) == 1 and not block.rows[0].path:
        return row_values(block, block.rows[0])
    return [row_values(block, row) for row in block.rows]


def to_dict(wb: FilledWorkbook) -> dict[str, Any]:
    """The workbook as JSON-ready data: ``org``, ``year``, ``table2``… , ``prose``, ``cover``.

    Totals are recomputed; a cell that could not be read (and every total
    depending on it) is ``None``, never a silent zero.
    """
    fmt: ReportFormat = wb.format
    numbers = wb.numbers()
    out: dict[str, Any] = {"org": wb.org, "year": wb.year, "format": f"{fmt.format_id}/{fmt.version}"}
    for table in fmt.tables:
        out["table" + table.code.lstrip("t")] = _table_shape(table, numbers)
    out["prose"] = {fmt.cells[c].label: wb.prose.get(c, "") for c in fmt.prose_cells}
    out["cover"] = {fmt.cells[c].label: wb.cover.get(c) for c in fmt.cover_cells}
    return out


def long_rows(wb: FilledWorkbook) -> list[list[Any]]:
    """Every numeric cell as one row of :data:`LONG_COLUMNS`: counts ``int``, money ``Decimal``, unknown None."""
    fmt = wb.format
    numbers = wb.numbers()
    rows = []
    for code in fmt.number_codes:
        cell = fmt.cells[code]
        table = fmt.table(cell.table or "")
        rows.append([wb.org, wb.year, table.title, cell.row_label or table.title, cell.col_label,
                     numbers.get(code), code])
    return rows


def to_long_frame(wb: FilledWorkbook) -> pd.DataFrame:
    """Every numeric cell as one row: org, year, table, row label, column label, value, code.

    The value column holds exact numbers (``int``, ``Decimal``) as objects.
    """
    import pandas as pd

    return pd.DataFrame([[*r[:5], plain_number(r[5]), r[6]] for r in long_rows(wb)], columns=LONG_COLUMNS,
                        dtype=object)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(wb: FilledWorkbook) -> str:
    """The tidy table as CSV text (write it with a UTF-8 BOM for Excel).

    Text fields that start like a formula (``=``, ``+``, ``-``, ``@``) are
    prefixed with ``'`` so that Excel or WPS opening the CSV shows them as
    text instead of running them.
    """
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerow(LONG_COLUMNS)
    for row in long_rows(wb):
        value = row[5]
        # Counts as integers (0, not 0.0), money exactly as read; an unknown cell stays empty.
        row[5] = "" if value is None else (str(value) if isinstance(value, int) else format(value, "f"))
        row[0] = _csv_safe(row[0])
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()
