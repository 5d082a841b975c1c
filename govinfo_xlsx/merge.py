"""Roll-up: merge many units' workbooks into one filled workbook of the same format.

Every input is accounted for: merged, or excluded with its reason (unreadable,
errors, other year, duplicate 机关名称, no 机关名称).  Reading dominates the
cost, so files are read and validated in worker processes, in chunks, and
each worker returns only a compact vector of numbers per unit.  Numbers are
summed exactly as integers: counts as they are, 万元 amounts scaled to
1/10000 万元 (one yuan), so a thousand fees add up without float drift.
Memory holds one small vector per unit (for duplicates and the per-unit
sheet), never a workbook.

The roll-up is written by the template writer itself, so it is a filled
template with every formula live: it passes ``check``, ``export`` and
``report``, and can be merged again (counties → city → province).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import multiprocessing as mp
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import settings
from ._io import atomic_path, same_file
from .errors import WorkbookError
from .format import ReportFormat, load_format
from .numbers import fmt_number, sum_evaluations
from .reader import FilledWorkbook, read_workbook
from .roster import RosterEntry, closest, match_file, norm_name, read_roster_entries
from .validate import validate_many
from .wording import LOCK_FILE_MESSAGE, is_lock_file, summarise_findings

__all__ = ["MergeResult", "UnitRecord", "UnitStatus", "collect_inputs", "merge", "read_roster"]


@dataclass
class UnitRecord:
    """One input file and what became of it.

    ``status`` is one of ``merged``, ``invalid``, ``empty``, ``unreadable``,
    ``other-year``, ``duplicate``, ``superseded``, ``copy``, ``rollup``,
    ``no-org``, ``document``, ``compared``, ``not-workbook``, ``skipped``;
    ``blank`` counts the number cells left blank (counted as 0) of a merged unit.
    """

    path: str
    status: str
    reason: str = ""
    org: str = ""
    year: int | None = None
    errors: int = 0
    warnings: int = 0
    vector: tuple[int | None, ...] | None = field(default=None, repr=False)  # Evaluation.input_units()
    blank: int = 0
    kind: str = "workbook"  # workbook | document | other
    contact: str = ""
    phone: str = ""
    rollup: bool = False
    members: tuple[str, ...] = ()
    unit: str = ""  # the roster unit this file belongs to ("" when none)
    note: str = ""  # what a merged unit's status should also say (a byte-identical copy was skipped)
    figures: dict[str, Any] | None = field(default=None, repr=False)  # key figures, computed in the worker

    def status_key(self) -> str:
        """The key of the status text: merged units say whether they were partly blank or imported."""
        if self.status == "merged":
            if self.kind == "document":
                return "imported"
            if self.blank:
                return "partial"
        return self.status

    def status_text(self, labels: dict[str, str]) -> str:
        """The status as a clerk reads it (with the number of blank cells of a partly blank unit)."""
        text = labels.get(self.status_key(), self.status)
        if self.status == "merged" and self.blank:
            text = text.replace("部分未填写", f"{self.blank} 处未填写")
        return text

    def to_dict(self, status_labels: dict[str, str]) -> dict[str, Any]:
        return {"file": self.path, "org": self.org, "year": self.year, "status": self.status,
                "status_text": self.status_text(status_labels), "reason": self.reason, "note": self.note,
                "errors": self.errors, "warnings": self.warnings, "blank": self.blank, "unit": self.unit,
                "contact": self.contact, "phone": self.phone}




@functools.lru_cache(maxsize=1)
def _documents() -> Any:
    """The document reader (Word/PDF/HTML reports), or None while it is not installed."""
    try:
        from . import documents
    except ImportError:
        return None
    return documents if hasattr(documents, "read_document") else None


def _is_document(path: str | os.PathLike[str]) -> bool:
    """A report (Word/PDF/web page) rather than a workbook: the document reader decides when installed."""
    docs = _documents()
    if docs is not None and hasattr(docs, "is_document"):
        return bool(docs.is_document(path))
    return Path(path).suffix.lower() in DOCUMENT_SUFFIXES


def _legacy_members(wb: FilledWorkbook) -> tuple[str, ...]:
    """Members of a roll-up written before roll-ups were marked: its cover note "汇总 N 个单位：A、B"."""
    note = str(wb.cover.get("cover.note") or "")
    _, sep, names = note.partition("：")
    return tuple(n.strip() for n in names.split("、") if n.strip()) if sep else ()


def _read_chunk(args: tuple[list[str], int | None]) -> list[UnitRecord]:
    """Worker: read and validate a chunk of files, return compact records.

    Blank inputs count as 0 (a warning); only errors exclude a unit.  A file
    recognised as a Word/PDF/HTML report is read by the document reader when
    it is installed.
    """
    paths, year = args
    out: list[UnitRecord] = []
    books: list[FilledWorkbook] = []
    index: list[int] = []
    docs = _documents()
    for p in paths:
        is_doc = _is_document(p)
        try:
            if is_doc:
                if docs is None:
                    out.append(UnitRecord(p, "document", "本版本尚不能读取 Word/PDF/网页格式的报告，请报送 Excel 工作簿",
                                          kind="document"))
                    continue
                wb = docs.read_document(p)  # its year from its title, never assumed
            else:
                wb = read_workbook(p, prose=False)  # a roll-up sums tables: the prose sheets are not read
        except WorkbookError as exc:
            out.append(UnitRecord(p, "unreadable", exc.detail, kind="document" if is_doc else "workbook"))
            continue
        except Exception as exc:  # a reader bug must not lose the other files of the merge
            out.append(UnitRecord(p, "unreadable", f"读取时发生内部错误（{type(exc).__name__}）"))
            continue
        index.append(len(out))
        members = wb.rollup_members or (_legacy_members(wb) if wb.is_rollup else ())
        out.append(UnitRecord(p, "pending", org=wb.org, year=wb.year, kind="document" if is_doc else "workbook",
                              contact=str(wb.cover.get("cover.filler") or ""),
                              phone=str(wb.cover.get("cover.phone") or ""), rollup=wb.is_rollup,
                              members=members))
        books.append(wb)
    if books:
        fmt = load_format()
        for i, wb, rep in zip(index, books, validate_many(books, year=year, proofread=False), strict=True):
            rec = out[i]
            rec.errors, rec.warnings = len(rep.errors), len(rep.warnings)
            rules = {f.rule for f in rep.errors}
            if wb.format is not fmt:
                rec.status, rec.reason = "unreadable", f"格式版本 {wb.format.version} 与汇总格式 {fmt.version} 不同"
            elif "empty-workbook" in rules:
                rec.status, rec.reason = "empty", "所有数字单元格均未填写（可能报送了空白模板）"
            elif rep.errors:
                if rules == {"year-mismatch"}:
                    said = f"报告年度为 {wb.year}" if wb.year is not None else "封面未填写报告年度"
                    rec.status, rec.reason = "other-year", f"{said}，汇总年度为 {year}"
                else:
                    rec.status = "invalid"
                    rec.reason = summarise_findings(rep.errors)
            elif not wb.org.strip():
                rec.status, rec.reason = "no-org", "封面未填写机关名称，无法确认是哪个单位"
            else:
                rec.status = "ok"
                rec.blank = sum(1 for f in rep.warnings if f.rule == "blank-input")
                rec.vector = wb.evaluation.input_units()
                rec.figures = wb.evaluation.figures([f.id for f in fmt.key_figures])
    return out


#: Files read as workbooks (the reader explains the ones it cannot read: .xls, .et, .ods, .csv, .xlsb).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv", ".xlsb", ".ett", ".xltx")
#: Reports sent instead of (or besides) a workbook.
DOCUMENT_SUFFIXES = (".docx", ".doc", ".wps", ".pdf", ".html", ".htm", ".ofd")
_ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz")
_SYSTEM_FILES = ("thumbs.db", "desktop.ini", ".ds_store")


def _archive_contents(p: Path, limit: int = 5) -> str:
    """"（内含 甲.xlsx、乙.xlsx）" for a .zip (its directory only, nothing inflated), else ""."""
    import zipfile

    if p.suffix.lower() != ".zip":
        return ""
    try:
        with zipfile.ZipFile(p) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return "（无法打开）"
    names = []
    for i in infos:
        name = i.filename
        if not i.flag_bits & 0x800:  # not marked UTF-8: Chinese Windows wrote it in GBK
            try:
                name = name.encode("cp437").decode("gbk")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        names.append(name.rsplit("/", 1)[-1])
    if not names:
        return "（空）"
    more = f" 等 {len(names)} 个文件" if len(names) > limit else ""
    return f"（内含 {'、'.join(names[:limit])}{more}）"


def collect_inputs(inputs: Sequence[str | os.PathLike[str]], exclude: Sequence[str] = ()) -> tuple[list[str], list[UnitRecord]]:
    """Expand files and folders; return (files to read, records of inputs that are not read).

    Folders are searched recursively and every file found is accounted for:
    workbooks and reports (Word/PDF/HTML) are read; archives, lock files
    (``~$``), other files and the merge's own outputs are recorded with a
    reason, so that nothing sent vanishes.
    """
    files: list[str] = []
    skipped: list[UnitRecord] = []
    seen: set[str] = set()

    def add(p: Path, explicit: bool) -> None:
        key = os.path.realpath(p)
        if key in seen:
            if explicit:
                skipped.append(UnitRecord(str(p), "skipped", "同一个文件被重复指定，只读取一次"))
            return
        seen.add(key)
        suffix = p.suffix.lower()
        if is_lock_file(p.name):
            skipped.append(UnitRecord(str(p), "skipped", LOCK_FILE_MESSAGE, kind="other"))
        elif any(same_file(p, e) for e in exclude):
            skipped.append(UnitRecord(str(p), "skipped", "这是本次汇总的输出文件或名单文件", kind="other"))
        elif p.name.lower() in _SYSTEM_FILES:
            skipped.append(UnitRecord(str(p), "skipped", "操作系统生成的文件", kind="other"))
        elif suffix in _ARCHIVES:
            skipped.append(UnitRecord(str(p), "not-workbook", "压缩包" + _archive_contents(p)
                                      + "：请解压后把其中的工作簿放入汇总文件夹", kind="other"))
        elif explicit or suffix in WORKBOOK_SUFFIXES or _is_document(p):
            files.append(str(p))
        else:
            skipped.append(UnitRecord(str(p), "not-workbook", f"不是工作簿（{suffix or '无扩展名'} 文件），未读取",
                                      kind="other"))

    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file())
            if not found:
                skipped.append(UnitRecord(str(p), "skipped", "文件夹是空的", kind="other"))
            for f in found:
                add(f, False)
        else:
            add(p, True)  # missing paths are read and reported as unreadable
    return files, skipped


def _norm_name(name: str) -> str:
    return norm_name(name)


def read_roster(path: str | os.PathLike[str]) -> list[str]:
    """The expected units' names (see :func:`govinfo_xlsx.roster.read_roster_entries`)."""
    return [e.name for e in read_roster_entries(path)]


@dataclass
class UnitStatus:
    """One unit of the season: a roster unit, or a unit (or unidentified file) found without one."""

    name: str
    status: str  # a status key (see UnitRecord), or "missing"
    files: list[UnitRecord] = field(default_factory=list)
    reason: str = ""
    contact: str = ""
    phone: str = ""
    in_roster: bool = True
    counts: bool = True  # an expected unit (应报): a roster unit, or without a roster a unit that sent something

    @property
    def included(self) -> bool:
        return self.status in ("merged", "partial", "imported")


@dataclass
class MergeResult:
    """What a merge did: every input's record, the sums, completeness against the roster."""

    format: ReportFormat
    output: str | None
    year: int | None
    org: str
    units: list[UnitRecord]
    totals: dict[str, Any]
    roster: list[str] | None = None
    missing: list[str] = field(default_factory=list)
    not_merged: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    report: str | None = None
    written: bool = False
    season: list[UnitStatus] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)  # a name not in the roster -> closest roster name
    chase: str | None = None

    @property
    def merged(self) -> list[UnitRecord]:
        """Inputs summed into the roll-up."""
        return [u for u in self.units if u.status == "merged"]

    @property
    def excluded(self) -> list[UnitRecord]:
        """Inputs not summed (failed or skipped)."""
        return [u for u in self.units if u.status != "merged"]

    @property
    def completeness(self) -> float | None:
        """Share of the roster's units that were merged (None without a roster)."""
        if not self.roster:
            return None
        return sum(1 for s in self.season if s.in_roster and s.included) / len(self.roster)

    @property
    def expected(self) -> int:
        """应报: the roster's units, or without a roster the units (and unidentified files) found."""
        return sum(1 for s in self.season if s.counts)

    @property
    def not_included(self) -> list[UnitStatus]:
        """Units (roster or not) with nothing summed, and unidentified files that were sent as a return."""
        return [s for s in self.season if s.counts and not s.included]

    @property
    def exit_code(self) -> int:
        """0 every input merged, 1 some excluded, 2 nothing merged.

        Skipped entries (a lock file, the same path given twice, the merge's
        own output, a byte-identical copy) are listed but are not inputs that failed.
        """
        if not self.merged:
            return 2
        return 1 if self.failed or self.missing else 0

    @property
    def failed(self) -> list[UnitRecord]:
        """Inputs that could not be merged (excluded, not merely skipped)."""
        return [u for u in self.units if u.status not in ("merged", "skipped", "copy", "compared", "superseded")]

    def status_labels(self) -> dict[str, str]:
        """Chinese names of the statuses, from the format file."""
        return dict(self.format.rollup.status)

    def completeness_text(self) -> str:
        """"应报 N 个单位，已汇总 M 个，未纳入 K 个" (the cover's 备注, the report's first lines)."""
        spec = self.format.rollup
        template = spec.completeness if self.roster is not None else spec.completeness_no_roster
        n_in = sum(1 for s in self.season if s.counts and s.included)
        return template.format(expected=self.expected, merged=n_in, excluded=len(self.not_included))

    def outside_roster_text(self) -> str:
        """"另有名单以外的 N 个单位已汇总…：甲、乙" or "" (a sum larger than the roster's units says so)."""
        template = self.format.rollup.outside_roster
        if not self.unexpected or not template:
            return ""
        return template.format(n=len(self.unexpected), names="、".join(self.unexpected))

    def not_included_text(self) -> str:
        """"未纳入：甲（缺报）、乙（未汇总：校验有错误）" or ""."""
        labels = self.status_labels()
        items = [f"{s.name}（{labels.get(s.status, s.status)}）" for s in self.not_included]
        return self.format.rollup.not_included.format(names="、".join(items)) if items else ""

    def to_dict(self) -> dict[str, Any]:
        labels = self.status_labels()
        return {
            "output": self.output if self.written else None,
            "org": self.org, "year": self.year,
            "merged": len(self.merged), "excluded": len(self.excluded),
            "expected": self.expected, "not_included": [s.name for s in self.not_included],
            "completeness_text": self.completeness_text(),
            "units": [u.to_dict(labels) for u in self.units],
            "season": [{"unit": s.name, "status": s.status, "status_text": labels.get(s.status, s.status),
                        "in_roster": s.in_roster, "reason": s.reason, "files": [f.path for f in s.files],
                        "contact": s.contact, "phone": s.phone} for s in self.season],
            "roster": {"expected": len(self.roster), "missing": self.missing, "not_merged": self.not_merged,
                       "unexpected": self.unexpected, "suggestions": self.suggestions,
                       "completeness": self.completeness} if self.roster is not None else None,
            "report": self.report,
            "chase": self.chase,
        }

    def summary(self, marks: Mapping[str, str] | None = None) -> str:
        """A readable Chinese summary for the command line (``marks`` replaces symbols, e.g. ``{"✗": "[错]"}``)."""
        labels = self.status_labels()
        lines = [f"汇总单位：{self.org or '（未指定）'}　报告年度：{self.year or '（未确定）'}",
                 f"共 {len(self.units)} 个文件：已汇总 {len(self.merged)} 个，未汇总 {len(self.excluded)} 个。",
                 self.completeness_text() + "。"]
        partial = [u for u in self.merged if u.blank or u.note or u.kind == "document"]
        if partial:
            lines.append("")
            lines.append("已汇总但需注意：")
            for u in partial:
                text = u.status_text(labels) + (f"；{u.note}" if u.note else "")
                lines.append(f"  ！ {readable(u.path)}（{u.org}）：{text}")
        if self.excluded:
            lines.append("")
            lines.append("未汇总的文件：")
            for u in self.excluded:
                who = f"（{u.org}）" if u.org else (f"（按文件名应为 {u.unit}）" if u.unit else "")
                mark = "－" if u.status in ("skipped", "copy", "compared", "superseded", "not-workbook") else "✗"
                lines.append(f"  {mark} {readable(u.path)}{who}：{u.status_text(labels)}。{readable(u.reason)}")
        if self.roster is not None:
            lines.append("")
            rate = self.completeness or 0.0
            lines.append(f"应报 {len(self.roster)} 个单位，完整率 {rate:.1%}。")
            if self.missing:
                lines.append(f"  缺报（没有收到任何文件）：{'、'.join(self.missing)}")
            if self.not_merged:
                lines.append(f"  已报送但未汇总（原因见上）：{'、'.join(self.not_merged)}")
            if self.unexpected:
                lines.append(f"  不在名单内（已汇总）：{'、'.join(self.unexpected)}")
            for got, near in self.suggestions.items():
                lines.append(f"  提示：“{got}”不在名单内，名单中最接近的是“{near}”，请核对名称。")
        lines.append("")
        if self.written:
            lines.append(f"已生成汇总工作簿：{self.output}（“{self.format.rollup.status_sheet}”工作表列出每个单位和文件）")
        elif not self.merged:
            lines.append("没有可以汇总的工作簿，未生成汇总结果。")
        else:
            lines.append("因使用 --strict 且有文件未汇总，未生成汇总结果。")
        if self.report:
            lines.append(f"已生成汇总报告：{self.report}")
        if self.chase:
            lines.append(f"已生成催报清单：{self.chase}")
        text = "\n".join(lines) + "\n"
        for symbol, plain in (marks or {}).items():
            text = text.replace(symbol, plain)
        return text


def _progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    sys.stderr.write(f"\r读取进度 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _run(files: list[str], year: int | None, jobs: int, progress: bool) -> Iterator[UnitRecord]:
    chunk = max(1, min(settings.MERGE_CHUNK, -(-len(files) // max(jobs * 4, 1))))
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    done = 0
    if jobs <= 1 or len(chunks) <= 1:
        results: Iterable[list[UnitRecord]] = (_read_chunk((c, year)) for c in chunks)
        pool = None
    else:
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        pool = ctx.Pool(processes=min(jobs, len(chunks)))
        results = pool.imap_unordered(_read_chunk, [(c, year) for c in chunks])
    try:
        for recs in results:
            for r in recs:
                done += 1
                yield r
            if progress:
                _progress(done, len(files))
    finally:
        if pool is not None:
            pool.close()
            pool.join()


def _digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _resolve_rollups(records: list[UnitRecord], org: str) -> None:
    """Exclude a roll-up that would count units twice: one of this merge's own, or one whose units are inputs."""
    own = _norm_name(org)
    units = {_norm_name(r.org) for r in records if r.status in ("ok", "invalid") and not r.rollup and r.org}
    for r in records:
        if not r.rollup or r.status not in ("ok", "invalid", "empty"):
            continue
        also = [m for m in r.members if _norm_name(m) in units]
        if own and _norm_name(r.org) == own:
            r.status, r.vector = "rollup", None
            r.reason = (f"这是“{r.org}”的汇总表（机关名称与本次汇总单位相同，可能是此前生成的草稿），"
                        "汇总它会重复计算，已排除")
        elif also:
            r.status, r.vector = "rollup", None
            shown = "、".join(also[:5]) + (f"等 {len(also)} 个单位" if len(also) > 5 else "")
            r.reason = f"这是“{r.org}”的汇总表，其中的 {shown} 也作为单独的文件输入，汇总它会重复计算，已排除"


_COPY_NAME = re.compile(r"(副本|copy|拷贝|复制|\(\d+\)|（\d+）)", re.IGNORECASE)


def _resolve_duplicates(records: list[UnitRecord], year: int | None, prefer: Sequence[str]) -> None:
    """Two files of one unit for the year: byte-identical copies count once; otherwise ``prefer`` decides.

    Neither is guessed at, even when one of them has errors (it may be the
    corrected resubmission of the other).
    """
    by_org: dict[str, list[UnitRecord]] = {}
    for r in records:
        if r.status in ("ok", "invalid") and r.org.strip() and r.year == year and r.kind == "workbook":
            by_org.setdefault(_norm_name(r.org), []).append(r)
    for group in by_org.values():
        if len(group) < 2:
            continue
        # Byte-identical copies (红旗区.xlsx and 红旗区 - 副本.xlsx): keep the first, note the others.
        digests: dict[str, UnitRecord] = {}
        distinct: list[UnitRecord] = []
        # The original before its copies: "红旗区.xlsx" before "红旗区 - 副本.xlsx" and "红旗区(1).xlsx".
        group.sort(key=lambda g: (bool(_COPY_NAME.search(Path(g.path).stem)), len(Path(g.path).name), g.path))
        for g in group:
            d = _digest(g.path)
            if d in digests:
                first = digests[d]
                g.status, g.vector = "copy", None
                g.reason = f"与 {Path(first.path).name} 内容完全相同，只汇总一次"
                first.note = (first.note + "、" if first.note else "另有相同副本 ") + Path(g.path).name
            else:
                digests[d] = g
                distinct.append(g)
        if len(distinct) < 2:
            continue
        chosen = [g for g in distinct if any(same_file(g.path, p) for p in prefer)]
        names = "、".join(Path(g.path).name for g in distinct)
        if len(chosen) == 1:
            keep = chosen[0]
            for g in distinct:
                if g is not keep:
                    g.status, g.vector = "superseded", None
                    g.reason = f"机关名称“{g.org}”另有 {Path(keep.path).name}，已按 --prefer 选用该文件"
            continue
        for g in distinct:
            also = f"；此文件另有错误：{g.reason}" if g.status == "invalid" else ""
            g.status, g.vector = "duplicate", None
            g.reason = (f"机关名称“{g.org}”在 {len(distinct)} 个内容不同的文件中出现（{names}），均未汇总，"
                        f"请确认保留哪一份（merge --prefer 文件名 指定采用的文件）{also}")


def _compare_documents(records: list[UnitRecord]) -> None:
    """A unit that sent a workbook and a report: the workbook counts, the report is compared with it."""
    workbooks = {_norm_name(r.org): r for r in records if r.kind == "workbook" and r.org
                 and r.status in ("ok", "invalid", "duplicate", "superseded", "copy", "other-year")}
    docs = _documents()
    for r in records:
        if r.kind != "document" or r.status not in ("ok", "invalid") or _norm_name(r.org) not in workbooks:
            continue
        wbrec = workbooks[_norm_name(r.org)]
        r.status, r.vector = "compared", None
        reason = f"同一单位另报送了工作簿 {Path(wbrec.path).name}，以工作簿为准"
        if docs is not None and hasattr(docs, "compare_with_workbook"):
            try:
                findings = docs.compare_with_workbook(docs.read_document(r.path), read_workbook(wbrec.path))
            except (WorkbookError, OSError) as exc:
                findings, reason = [], reason + f"（未能比对：{exc}）"
            if findings:
                reason += "；报告与工作簿不一致：" + summarise_findings(findings)
            elif "未能比对" not in reason:
                reason += "；报告中的数字与工作簿一致"
        r.reason = reason


def _season(result: MergeResult, entries: list[RosterEntry] | None) -> None:
    """Every roster unit and every file, matched: the 报送情况 of the roll-up and of the report."""
    names = [e.name for e in entries] if entries is not None else []
    by_key = {_norm_name(n): n for n in names}
    for u in result.units:
        if u.org and _norm_name(u.org) in by_key:
            u.unit = by_key[_norm_name(u.org)]
        elif names and (not u.org or u.kind == "document"):
            # Unreadable, a lock file, or a report whose 机关名称 was taken from its title: judged by the file name.
            u.unit = match_file(u.path, names) or ""
    rank = {"merged": 0, "compared": 1, "copy": 1, "superseded": 1, "invalid": 2, "duplicate": 2, "rollup": 2,
            "empty": 3, "other-year": 3, "no-org": 4, "unreadable": 4, "document": 4, "not-workbook": 5,
            "skipped": 6}
    season: list[UnitStatus] = []

    def status_of(files: list[UnitRecord]) -> tuple[str, str]:
        real = [f for f in files if f.status not in ("copy", "compared", "superseded")] or files
        best = min(real, key=lambda f: rank.get(f.status, 9))
        if best.status == "skipped":  # only a lock file (or the like): nothing was sent
            return "missing", "只找到 " + "、".join(Path(f.path).name for f in files) + f"（{best.reason}）"
        return best.status_key(), best.reason

    def contact_of(files: list[UnitRecord], entry: RosterEntry | None) -> tuple[str, str]:
        for f in files:
            if f.contact or f.phone:
                return f.contact, f.phone
        return (entry.contact, entry.phone) if entry is not None else ("", "")

    grouped: dict[str, list[UnitRecord]] = {}
    for u in result.units:
        if u.unit:
            grouped.setdefault(u.unit, []).append(u)
    outside = sorted({u.org for u in result.units if u.org and _norm_name(u.org) not in by_key})
    # Name hints compare every pair: skipped when the roster plainly does not fit the files (a wrong roster).
    hints = len(outside) * len(names) <= 100_000
    for e in entries or []:
        files = grouped.get(e.name, [])
        if files:
            st, why = status_of(files)
            contact, phone = contact_of(files, e)
            season.append(UnitStatus(e.name, st, files, why, contact, phone))
        else:
            near = closest(e.name, outside) if hints else None
            hint = f"；收到的“{near}”不在名单内，可能就是该单位，请核对名称" if near else ""
            season.append(UnitStatus(e.name, "missing", [], "没有收到该单位的任何文件" + hint, e.contact, e.phone))
    # Units and files outside the roster (or all of them, without a roster).
    by_org: dict[str, list[UnitRecord]] = {}
    loose: list[UnitRecord] = []
    for u in result.units:
        if u.unit:
            continue
        if u.org and u.rollup and u.status == "rollup":
            loose.append(u)
        elif u.org:
            by_org.setdefault(_norm_name(u.org), []).append(u)
        else:
            loose.append(u)
    for files in by_org.values():
        st, why = status_of(files)
        contact, phone = contact_of(files, None)
        name = files[0].org
        if names:
            near = closest(name, names) if hints else None
            if near is not None:
                result.suggestions[name] = near
                why = (why + "；" if why else "") + f"不在名单内，名单中最接近的是“{near}”"
            else:
                why = (why + "；" if why else "") + "不在名单内"
        season.append(UnitStatus(name, st, files, why, contact, phone, in_roster=False, counts=not names))
    for u in loose:
        # A file of no known unit: counts as a unit only without a roster and when it was sent as a return.
        sent = u.status not in ("skipped", "not-workbook", "rollup", "compared", "copy", "superseded")
        season.append(UnitStatus(Path(u.path).name, u.status_key(), [u], u.reason, u.contact, u.phone,
                                 in_roster=False, counts=not names and sent))
    result.season = season
    if entries is not None:
        result.missing = [s.name for s in season if s.in_roster and s.status == "missing"]
        result.not_merged = [s.name for s in season if s.in_roster and s.files and not s.included
                             and s.status != "missing"]
        result.unexpected = [s.name for s in season if not s.in_roster and s.included]


def merge(inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str], *, org: str = "",
          year: int | None = None, roster: str | os.PathLike[str] | None = None,
          report: str | os.PathLike[str] | None = None, jobs: int | None = None, strict: bool = False,
          progress: bool = False, prefer: Sequence[str | os.PathLike[str]] = (),
          chase: str | os.PathLike[str] | None = None) -> MergeResult:
    """Merge workbooks (files or folders) into the roll-up workbook ``output``.

    Returns a :class:`MergeResult` accounting for every input file and every
    roster unit.  The roll-up is written unless nothing could be merged, or
    ``strict`` and some input was excluded.  ``report`` also writes the
    roll-up's report (.md/.html/.docx/.pdf); ``chase`` writes the list of units
    still to chase (.xlsx or .csv).  ``prefer`` names, for a unit that sent
    two different workbooks, the one that counts.  Without ``org`` the roll-up
    is named after the output file (a roll-up needs a 机关名称 to be merged
    again).  Raises ``ValueError`` for a bad roster, report or chase suffix,
    ``office.ConversionError`` for a PDF report without LibreOffice.
    """
    fmt = load_format()
    org = org.strip() or Path(output).stem
    if report is not None:
        from .report import check_output

        check_output(report)  # before any work: a report suffix or a PDF this machine cannot write
    if chase is not None and Path(chase).suffix.lower() not in (".xlsx", ".csv"):
        raise ValueError(f"催报清单应为 .xlsx 或 .csv：{Path(chase).name}")
    for p in prefer:
        if not Path(p).is_file():
            raise ValueError(f"--prefer 指定的文件不存在：{p}")
    entries = read_roster_entries(roster) if roster is not None else None
    exclude = [str(output)] + [str(x) for x in (report, roster, chase) if x]
    files, skipped = collect_inputs(inputs, exclude)
    jobs = jobs or os.cpu_count() or 1
    records = list(_run(files, year, jobs, progress))
    order = {p: i for i, p in enumerate(files)}
    records.sort(key=lambda r: order.get(r.path, 0))

    candidates = [r for r in records if r.status == "ok" and not (r.rollup and _norm_name(r.org) == _norm_name(org))]
    if year is None and candidates:
        counts = Counter(r.year for r in candidates)
        year = sorted(counts.items(), key=lambda kv: (-kv[1], -(kv[0] or 0)))[0][0]
    for r in records:
        if r.status == "ok" and r.year != year:
            said = f"报告年度为 {r.year}" if r.year is not None else "封面未填写报告年度"
            r.status, r.reason, r.vector = "other-year", f"{said}，本次汇总年度为 {year}", None
    _resolve_rollups(records, org)
    _compare_documents(records)
    _resolve_duplicates(records, year, [str(p) for p in prefer])
    vectors = []
    for r in records:
        if r.status == "ok" and r.vector is not None:
            r.status = "merged"
            vectors.append(r.vector)
    units = records + skipped
    total = sum_evaluations(fmt, vectors)
    summed = {c: total.value(c) for c in fmt.input_codes}
    result = MergeResult(fmt, str(output), year, org, units, total.numbers(),
                         [e.name for e in entries] if entries is not None else None)
    _season(result, entries)
    if chase is not None:
        _write_chase(result, chase)
        result.chase = str(chase)
    if not result.merged or (strict and result.failed):
        return result
    _write_rollup(result, summed)
    result.written = True
    if report is not None:
        from .report import build_document, write_document

        doc = build_document(_as_workbook(result, summed))
        doc.sections[:0] = [rollup_scope_section(result)]
        doc.sections.extend(rollup_sections(result))
        write_document(doc, report)
        result.report = str(report)
    return result


def _cover_note(result: MergeResult) -> str:
    merged = [u.org for u in result.merged]
    parts = [result.completeness_text() + "。", "已汇总：" + "、".join(merged) + "。"]
    if result.outside_roster_text():
        parts.append(result.outside_roster_text() + "。")
    if result.not_included:
        parts.append(result.not_included_text() + "。")
    note = readable("".join(parts))
    return note if len(note) <= 2000 else note[:1990] + "……（详见报送情况）"


def _as_workbook(result: MergeResult, summed: dict[str, Any]) -> FilledWorkbook:
    """The roll-up as the report sees it, from the sums already made (the output is not read back)."""
    fmt = result.format
    cover = {c: "" for c in fmt.cover_cells}
    cover.update({"cover.org": result.org, "cover.year": result.year, "cover.note": _cover_note(result)})
    return FilledWorkbook(path=result.output or "", format=fmt, meta={"rollup": "1"}, cover=cover,
                          prose={c: "" for c in fmt.prose_cells}, values=dict(summed))


def readable(text: str) -> str:
    """A file name or message as people read it, safe for every output.

    On Linux a name unpacked from a Windows archive is GBK bytes that Python
    holds as surrogate escapes: each path part is decoded as UTF-8 or GB18030
    (else replaced); control characters become U+FFFD.
    """
    from .document import clean_text

    if any("\udc80" <= ch <= "\udcff" for ch in text):
        parts = []
        for part in text.split("/"):
            raw = part.encode("utf-8", "surrogateescape")
            for enc in ("utf-8", "gb18030"):
                try:
                    part = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                part = raw.decode("utf-8", "replace")
            parts.append(part)
        text = "/".join(parts)
    return clean_text(text.encode("utf-8", "replace").decode("utf-8"))


def _readable_rows(rows: list[list[Any]]) -> list[list[Any]]:
    return [[readable(v) if isinstance(v, str) else v for v in r] for r in rows]


def _status_rows(result: MergeResult) -> list[list[Any]]:
    """Rows of the 报送情况 sheet / table: every unit, then every file of no unit."""
    labels = result.status_labels()
    rows: list[list[Any]] = []
    for i, s in enumerate(result.season, start=1):
        files = "、".join(Path(f.path).name for f in s.files)
        rows.append([i, s.name, labels.get(s.status, s.status), files, s.reason, s.contact, s.phone])
    return _readable_rows(rows)


def _write_rollup(result: MergeResult, values: dict[str, Any]) -> None:
    from .template import BarChart, ListSheet, write_workbook

    fmt = result.format
    spec = fmt.rollup
    labels = result.status_labels()
    figures = fmt.key_figures
    ok_prefix = tuple(labels[k] for k in ("merged",))

    status_sheet = ListSheet(spec.status_sheet, tuple(spec.status_headers), _status_rows(result),
                             (6, 28, 22, 30, 48, 10, 14),
                             title=f"{result.org} {result.year or ''} 年度报送情况：{result.completeness_text()}",
                             flag_col=2, flag_ok=ok_prefix)

    rows = [u for u in result.units if u.org and u.status in ("merged", "invalid", "other-year", "duplicate",
                                                              "superseded", "empty")]
    rows.sort(key=lambda u: u.status != "merged")  # merged units first: the chart plots them
    unit_rows: list[list[Any]] = []
    for i, u in enumerate(rows, start=1):
        kf = (u.figures or {}) if u.vector is not None else {}  # figures only of what was summed
        unit_rows.append([i, u.org, u.year] + [kf.get(f.id) for f in figures] + [u.status_text(labels)])
    heads = tuple(spec.units_headers[:3]) + tuple(f.label for f in figures) + (spec.units_headers[3],)
    chart_col = 3 + next(j for j, f in enumerate(figures) if f.id == spec.chart_figure)
    n_merged = sum(1 for u in rows if u.status == "merged")
    units_sheet = ListSheet(spec.units_sheet, heads, _readable_rows(unit_rows), (6, 28, 8) + (12,) * len(figures) + (24,),
                            chart=BarChart(spec.chart_title, 1, chart_col, n_merged) if n_merged else None,
                            flag_col=len(heads) - 1, flag_ok=ok_prefix)

    src_rows = [[i, u.path, u.org, u.year, u.status_text(labels), "；".join(x for x in (u.reason, u.note) if x)]
                for i, u in enumerate(result.units, start=1)]
    sources = ListSheet(spec.sources_sheet, tuple(spec.sources_headers), _readable_rows(src_rows), (6, 40, 26, 8, 22, 60),
                        flag_col=4, flag_ok=ok_prefix + (labels["skipped"], labels["copy"][:3]))
    write_workbook(result.output or "", fmt, year=result.year, org=result.org,
                   cover={"cover.note": _cover_note(result), "cover.date": ""}, values=values,
                   extra_sheets=[status_sheet, units_sheet, sources],
                   rollup_members=[u.org for u in result.merged])


def _write_chase(result: MergeResult, path: str | os.PathLike[str]) -> None:
    """The units to chase (missing or not merged) with whom to call, as .xlsx or .csv."""
    spec = result.format.rollup
    labels = result.status_labels()
    rows = []
    for s in result.season:
        if s.included or not s.counts:
            continue
        rows.append([len(rows) + 1, s.name, labels.get(s.status, s.status), s.reason, s.contact, s.phone,
                     "、".join(Path(f.path).name for f in s.files)])
    heads = list(spec.chase_headers)
    rows = _readable_rows(rows)
    if Path(path).suffix.lower() == ".csv":
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(heads)
        w.writerows(rows)
        with atomic_path(path) as tmp:
            tmp.write_bytes(buf.getvalue().encode("utf-8-sig"))  # Excel opens a BOM-marked CSV as UTF-8
        return
    from .template import ListSheet, write_list_workbook

    title = f"{result.org} {result.year or ''} 年度催报清单（{result.completeness_text()}）"
    write_list_workbook(path, [ListSheet("催报清单", tuple(heads), rows, (6, 28, 22, 48, 10, 14, 30), title=title,
                                                   protect=False)])


def rollup_scope_section(result: MergeResult) -> Any:
    """The roll-up report's first section: how complete the sum is, so a partial sum never reads as the whole."""
    from .report import Part, Section

    paras = [f"本报告数据由{result.org}汇总所属单位报送的工作簿生成。{result.completeness_text()}。"]
    if result.outside_roster_text():
        paras.append(result.outside_roster_text() + "。")
    if result.not_included:
        paras.append(result.not_included_text() + "。以上单位的数据未计入本报告的各项数字。")
    return Section("汇总范围说明", parts=[Part(None, [readable(p) for p in paras])])


def rollup_sections(result: MergeResult) -> list[Any]:
    """Report sections of a roll-up: 报送情况, the per-unit table and a bar chart of applications."""
    from .document import Section

    fmt = result.format
    spec = fmt.rollup
    figures = fmt.key_figures
    headers = [spec.units_headers[1]] + [f.label for f in figures]
    rows, chart_rows = [], []
    merged = result.merged
    for u in merged:
        kf = u.figures or {}
        rows.append([readable(u.org)] + [fmt_number(kf.get(f.id)) for f in figures])
        chart_rows.append((readable(u.org), kf.get(spec.chart_figure) or 0))
    status_heads = list(spec.status_headers[1:5])
    status_rows = [[str(x) for x in r[1:5]] for r in _status_rows(result)]
    status = Section(f"{spec.status_sheet}（{result.completeness_text()}）", simple_table=(status_heads, status_rows))
    table = Section(spec.units_sheet, simple_table=(headers, rows))
    chart = Section(spec.chart_title, chart={"title": spec.chart_title, "headers": headers[:2],
                                                "rows": chart_rows})
    return [status, table, chart]
