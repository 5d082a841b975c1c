"""Write a copy of a clerk's workbook with every problem cell highlighted and commented."""

from __future__ import annotations

import os
import zipfile
from collections import defaultdict

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from . import settings
from ._io import atomic_path, same_file
from .findings import ERROR, CheckReport

__all__ = ["annotate"]

_FILLS = {
    ERROR: PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE"),
    "warning": PatternFill("solid", start_color="FFFFEB9C", end_color="FFFFEB9C"),
}


def annotate(source: str | os.PathLike[str], report: CheckReport, out: str | os.PathLike[str]) -> int:
    """Copy ``source`` to ``out`` marking each finding's cells; return the number of cells marked.

    Data, formulas, protection and validation are kept as they are; only the
    fill of a problem cell changes (red for errors, yellow for warnings) and a
    comment with the Chinese message is attached.  ``out`` must differ from
    ``source``: the clerk's own file is never overwritten.
    """
    if same_file(source, out):
        raise ValueError("标注文件不能覆盖原文件，请指定另一个输出文件名")
    # openpyxl loads every cell of every sheet: a sheet with a million pasted rows
    # would take minutes and gigabytes, so such a copy is not made.
    with zipfile.ZipFile(source) as zf:
        inflated = sum(i.file_size for i in zf.infolist())
    if inflated > settings.MAX_ANNOTATE_BYTES:
        raise ValueError(f"文件解压后有 {inflated // (1024 * 1024)} MB（表格区域外可能粘贴了大量内容），"
                         "无法生成标注副本；请删除多余内容后重试")
    wb = openpyxl.load_workbook(source)
    notes: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for f in report.findings:
        for ref in f.cells:
            sheet, _, addr = ref.rpartition("!")
            notes[(sheet, addr)].append((f.severity, f.message))
    marked = 0
    for (sheet, addr), items in notes.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][addr]
        if type(cell).__name__ == "MergedCell":
            continue
        severity = ERROR if any(s == ERROR for s, _ in items) else "warning"
        cell.fill = _FILLS[severity]
        text = "\n".join(("【错误】" if s == ERROR else "【提示】") + m for s, m in items)
        comment = Comment(text[:30000], "govinfo-xlsx")
        comment.width = 360
        comment.height = 160
        cell.comment = comment
        marked += 1
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return marked
