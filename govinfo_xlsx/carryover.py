"""Year to year: next year's template from last year's workbook.

The cover is carried over and 上年结转 is filled from last year's
结转下年度继续办理, column by column (still editable, with a comment saying
where each figure came from).  The check side lives in
:func:`govinfo_xlsx.validate.carry_over_findings`.
"""

from __future__ import annotations

import os
from typing import Any

from .reader import FilledWorkbook, read_workbook
from .template import write_workbook

__all__ = ["write_next_year"]


def write_next_year(previous: str | os.PathLike[str] | FilledWorkbook, out: str | os.PathLike[str], *,
                    year: int | None = None, org: str | None = None, password: str | None = None) -> dict[str, Any]:
    """Write next year's template from last year's filled workbook (or report already read); return what was carried.

    Raises :class:`~govinfo_xlsx.errors.WorkbookError` when ``previous`` cannot be read.
    """
    prev = previous if isinstance(previous, FilledWorkbook) else read_workbook(previous)
    previous = prev.path
    fmt = prev.format
    new_year = year if year is not None else (prev.year + 1 if prev.year else None)
    numbers = prev.numbers()
    values: dict[str, Any] = {}
    notes: dict[str, str] = {}
    co = fmt.carry_over
    table = fmt.table(co.table) if co is not None else None
    for col in table.blocks[0].columns if table is not None and co is not None else ():
        this_code = f"{table.code}.{co.this_year}.{col.code}"
        last_code = f"{table.code}.{co.last_year}.{col.code}"
        if fmt.cells[this_code].role != "input" or last_code not in numbers:
            continue
        v = numbers[last_code]
        if v is None:
            continue
        values[this_code] = v
        notes[this_code] = (f"由上年（{prev.year or '年度未填'}）工作簿 {os.path.basename(str(previous))} 的"
                            f"“{prev.format.cells[last_code].row_label}”带入：{v}。如有变化可直接修改。")
    cover = {c: prev.cover.get(c) for c in ("cover.filler", "cover.phone") if prev.cover.get(c)}
    write_workbook(out, fmt, year=new_year, org=org if org is not None else prev.org, cover=cover,
                   values=values, password=password, notes=notes)
    return {"year": new_year, "org": org if org is not None else prev.org, "values": values}
