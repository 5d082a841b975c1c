"""The one exception type: a file that cannot be read as a workbook of ours.

Bad *data* never raises; it becomes a :class:`~govinfo_xlsx.findings.Finding`.
Only a file that cannot be read at all (missing, broken, encrypted, another
kind of file, another template, a changed layout) raises
:class:`WorkbookError`, with a Chinese message naming the file and the reason.
It pickles cleanly, so the merge can read in worker processes.
"""

from __future__ import annotations

import os

__all__ = ["WorkbookError"]


class WorkbookError(Exception):
    """A workbook that cannot be read.  ``reason`` is a stable kebab-case id.

    >>> e = WorkbookError("empty-file", "文件为空（0 字节）", "a.xlsx")
    >>> str(e)
    '无法读取 a.xlsx：文件为空（0 字节）'
    >>> import pickle; pickle.loads(pickle.dumps(e)).reason
    'empty-file'
    """

    def __init__(self, reason: str, detail: str, path: str | os.PathLike[str] = "") -> None:
        super().__init__(reason, detail, str(path))
        self.reason = reason
        self.detail = detail
        self.path = str(path)

    def __str__(self) -> str:
        name = os.path.basename(self.path) or self.path
        return f"无法读取 {name}：{self.detail}" if name else self.detail

    def to_dict(self) -> dict[str, str]:
        return {"file": self.path, "reason": self.reason, "message": str(self)}
