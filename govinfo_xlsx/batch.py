"""The season's batch jobs: a template per roster unit, checking a folder of returns, 退回意见.

``write_templates`` writes one template per unit of a roster with 机关名称 and
year filled in.  ``check_files`` reads and checks many files (or folders) and
gives one :class:`CheckedFile` per file; ``return_note`` is the plain text a
city office sends back to a unit whose workbook must be corrected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import WorkbookError
from .findings import ERROR, CheckReport
from .merge import readable
from .roster import read_roster_entries

__all__ = ["CheckedFile", "check_files", "has_errors", "return_note", "safe_filename", "summary_line",
           "write_templates"]

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str) -> str:
    """A unit name as a file name on Windows (characters Windows refuses become "_")."""
    out = _UNSAFE.sub("_", name).strip().rstrip(".")
    return out[:120] or "未命名单位"


def write_templates(roster: str | os.PathLike[str], folder: str | os.PathLike[str], *, year: int | None = None,
                    password: str | None = None, contact: str = "") -> list[Path]:
    """One template per roster unit in ``folder`` (``<机关名称>.xlsx``), 机关名称 and year filled in.

    Raises ``ValueError`` (a :class:`~govinfo_xlsx.roster.RosterError`) for an unreadable roster.
    """
    from .template import write_template

    entries = read_roster_entries(roster)
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for e in entries:
        stem = safe_filename(e.name)
        base, k = stem, 2
        while stem.lower() in used:
            stem, k = f"{base}（{k}）", k + 1
        used.add(stem.lower())
        path = out_dir / f"{stem}.xlsx"
        write_template(path, year=year, org=e.name, password=password, contact=contact)
        written.append(path)
    return written


@dataclass
class CheckedFile:
    """One file of a batch check: its report, or why it could not be read (``error``)."""

    path: str
    report: CheckReport | None = None
    error: WorkbookError | None = None
    skipped: str = ""  # a file listed but not checked (a lock file, not a workbook), with the reason

    @property
    def org(self) -> str:
        return (self.report.org or "") if self.report is not None else ""

    @property
    def empty(self) -> bool:
        """No number filled in at all (尚未填写)."""
        return self.report is not None and any(f.rule == "empty-workbook" for f in self.report.errors)

    @property
    def blank(self) -> int:
        """Number cells left blank (counted as 0) in a workbook that is otherwise filled."""
        if self.report is None:
            return 0
        return sum(1 for f in self.report.findings if f.rule == "blank-input")

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok

    @property
    def exit_code(self) -> int:
        """0 passed, 1 errors (or nothing filled in), 2 unreadable; a skipped file counts as 0."""
        if self.error is not None:
            return 2
        if self.report is None:
            return 0
        return 0 if self.report.ok else 1

    def line(self) -> str:
        """One line for the console: mark, file, unit, verdict."""
        name = readable(Path(self.path).name)
        who = f"（{self.org}）" if self.org else ""
        if self.skipped:
            return f"－ {name}：未校验，{self.skipped}"
        if self.error is not None:
            return f"✗ {name}：无法读取。{self.error.detail}"
        assert self.report is not None
        rep = self.report
        if self.empty:
            return f"✗ {name}{who}：尚未填写（所有数字单元格均为空）"
        if not rep.ok:
            return f"✗ {name}{who}：{len(rep.errors)} 个错误、{len(rep.warnings)} 条提示"
        extra = f"，{self.blank} 处未填写（按 0 计）" if self.blank else ""
        others = len(rep.warnings) - self.blank
        tips = f"，{others} 条提示" if others else ""
        return f"{'！' if extra or tips else '✓'} {name}{who}：校验通过{extra}{tips}"


def check_files(inputs: Sequence[str | os.PathLike[str]], *, year: int | None = None,
                strict: bool = False) -> list[CheckedFile]:
    """Read and check every file given or found in the folders given, in order."""
    from .documents import read_any
    from .merge import collect_inputs
    from .validate import validate_many

    files, skipped = collect_inputs(inputs)
    out: list[CheckedFile] = []
    books = []
    index = []
    for p in files:
        try:
            wb = read_any(p)  # a workbook, or a published report (Word/PDF/web page/text)
        except WorkbookError as exc:
            out.append(CheckedFile(p, error=exc))
            continue
        index.append(len(out))
        out.append(CheckedFile(p))
        books.append(wb)
    for i, rep in zip(index, validate_many(books, strict=strict, year=year), strict=True):
        out[i].report = rep
    for s in skipped:
        out.append(CheckedFile(s.path, skipped=s.reason))
    return out


def summary_line(items: Sequence[CheckedFile]) -> str:
    """"共 N 个文件：校验通过 a 个（其中 b 个部分未填写），有错误 c 个，尚未填写 d 个，无法读取 e 个，未校验 f 个。"."""
    n_ok = sum(1 for i in items if i.ok)
    n_partial = sum(1 for i in items if i.ok and i.blank)
    n_empty = sum(1 for i in items if i.empty)
    n_err = sum(1 for i in items if i.report is not None and not i.ok and not i.empty)
    n_bad = sum(1 for i in items if i.error is not None)
    n_skip = sum(1 for i in items if i.skipped)
    parts = [f"校验通过 {n_ok} 个" + (f"（其中 {n_partial} 个部分未填写）" if n_partial else ""),
             f"有错误 {n_err} 个", f"尚未填写 {n_empty} 个", f"无法读取 {n_bad} 个"]
    if n_skip:
        parts.append(f"未校验 {n_skip} 个")
    return f"共 {len(items)} 个文件：" + "，".join(parts) + "。"


def return_note(item: CheckedFile, sender: str = "") -> str:
    """The plain text 退回意见 for one unit: what to correct, cell by cell, in the clerk's words."""
    name = readable(Path(item.path).name)
    lines = []
    if item.error is not None:
        lines += [f"你单位报送的文件《{name}》无法读取：{item.error.detail}", "",
                  "请使用下发的 Excel 填报模板（.xlsx）填写后重新报送。"]
    else:
        assert item.report is not None
        rep = item.report
        head = f"{rep.org}：" if rep.org else ""
        lines.append(f"{head}你单位报送的《{name}》经校验，")
        if item.empty:
            lines.append("所有数字单元格均未填写（尚未填写），请填写后重新报送；没有发生的事项请填 0。")
        elif rep.errors:
            lines.append(f"存在以下 {len(rep.errors)} 处问题，请修改后重新报送：")
            for k, f in enumerate(rep.errors, start=1):
                where = "、".join(f.cells)
                lines.append(f"{k}. {'［' + where + '］' if where else ''}{f.message}")
        else:
            lines.append("未发现错误。")
        if item.blank and not item.empty:
            lines.append("")
            lines.append(f"另有 {item.blank} 个数字单元格未填写，汇总时按 0 计；没有发生的事项请填 0。")
        others = [f for f in rep.warnings if f.rule != "blank-input"]
        if others:
            lines.append("")
            lines.append("以下情况请核对（不影响汇总）：")
            for k, f in enumerate(others, start=1):
                lines.append(f"{k}. {f.message}")
    if sender:
        lines += ["", sender]
    return "\n".join(lines) + "\n"


def has_errors(item: CheckedFile) -> bool:
    """True when the unit must correct and resend (errors, nothing filled in, or unreadable)."""
    return item.error is not None or (item.report is not None and any(f.severity == ERROR
                                                                      for f in item.report.findings))
