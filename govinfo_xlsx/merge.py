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
import multiprocessing as mp
import os
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import settings
from ._io import same_file
from .errors import WorkbookError
from .format import ReportFormat, a1, load_format
from .numbers import fmt_number, plain_number, sum_evaluations
from .reader import FilledWorkbook, read_workbook
from .validate import validate_many

__all__ = ["MergeResult", "UnitRecord", "collect_inputs", "merge", "read_roster"]

#: Files looked at inside a folder: workbooks, and things clerks send instead of one.
FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv")


@dataclass
class UnitRecord:
    """One input file and what became of it."""

    path: str
    status: str  # merged | invalid | unreadable | other-year | duplicate | no-org | skipped
    reason: str = ""
    org: str = ""
    year: int | None = None
    errors: int = 0
    warnings: int = 0
    vector: tuple[int | None, ...] | None = field(default=None, repr=False)  # Evaluation.input_units()

    def to_dict(self, status_labels: dict[str, str]) -> dict[str, Any]:
        return {"file": self.path, "org": self.org, "year": self.year, "status": self.status,
                "status_text": status_labels.get(self.status, self.status), "reason": self.reason,
                "errors": self.errors, "warnings": self.warnings}


def _summarise(messages: Iterable[str], limit: int = 3) -> str:
    items = list(messages)
    text = "；".join(items[:limit])
    return text + (f"（共 {len(items)} 处错误）" if len(items) > limit else "")


def _read_chunk(args: tuple[list[str], int | None]) -> list[UnitRecord]:
    """Worker: read and validate a chunk of files, return compact records.

    Blank inputs count as 0 (a warning); only errors exclude a unit.
    """
    paths, year = args
    out: list[UnitRecord] = []
    books: list[FilledWorkbook] = []
    index: list[int] = []
    for p in paths:
        try:
            wb = read_workbook(p)
        except WorkbookError as exc:
            out.append(UnitRecord(p, "unreadable", exc.detail))
            continue
        except Exception as exc:  # a reader bug must not lose the other files of the merge
            out.append(UnitRecord(p, "unreadable", f"读取时发生内部错误（{type(exc).__name__}）"))
            continue
        index.append(len(out))
        out.append(UnitRecord(p, "pending", org=wb.org, year=wb.year))
        books.append(wb)
    if books:
        fmt = load_format()
        for i, wb, rep in zip(index, books, validate_many(books, year=year, proofread=False), strict=True):
            rec = out[i]
            rec.errors, rec.warnings = len(rep.errors), len(rep.warnings)
            if wb.format is not fmt:
                rec.status, rec.reason = "unreadable", f"格式版本 {wb.format.version} 与汇总格式 {fmt.version} 不同"
            elif rep.errors:
                year_errors = [f for f in rep.errors if f.rule == "year-mismatch"]
                if year_errors and len(year_errors) == len(rep.errors):
                    said = f"报告年度为 {wb.year}" if wb.year is not None else "封面未填写报告年度"
                    rec.status, rec.reason = "other-year", f"{said}，汇总年度为 {year}"
                else:
                    rec.status = "invalid"
                    rec.reason = _summarise(f"{f.cells[0].split('!')[-1] if f.cells else ''} {f.message}".strip()
                                            for f in rep.errors)
            elif not wb.org.strip():
                rec.status, rec.reason = "no-org", "封面未填写机关名称，无法确认是哪个单位"
            else:
                rec.status = "ok"
                rec.vector = wb.evaluation.input_units()
    return out


def collect_inputs(inputs: Sequence[str | os.PathLike[str]], exclude: Sequence[str] = ()) -> tuple[list[str], list[UnitRecord]]:
    """Expand files and folders; return (files to read, records of inputs that are not read).

    Folders are searched recursively for workbooks and for the files clerks
    send instead of one (.xls, .et, .ods, .xlsm, .csv), so that these are
    reported rather than silently ignored.  Excel's ``~$`` lock files and the
    merge's own outputs are skipped with a reason.
    """
    files: list[str] = []
    skipped: list[UnitRecord] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.realpath(p)
        if key in seen:
            skipped.append(UnitRecord(str(p), "skipped", "同一个文件被重复指定，只读取一次"))
            return
        seen.add(key)
        if p.name.startswith("~$"):
            skipped.append(UnitRecord(str(p), "skipped", "Excel/WPS 打开文件时生成的临时文件"))
        elif any(same_file(p, e) for e in exclude):
            skipped.append(UnitRecord(str(p), "skipped", "这是本次汇总的输出文件或名单文件"))
        else:
            files.append(str(p))

    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in FOLDER_SUFFIXES)
            if not found:
                skipped.append(UnitRecord(str(p), "skipped", "文件夹中没有 .xlsx 工作簿"))
            for f in found:
                add(f)
        else:
            add(p)  # missing paths are read and reported as unreadable
    return files, skipped


def _norm_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def read_roster(path: str | os.PathLike[str]) -> list[str]:
    """The expected units: the first column of a .csv (UTF-8 or GB18030) or of an .xlsx's first sheet."""
    p = Path(path)
    names: list[str] = []
    if p.suffix.lower() == ".csv":
        raw = p.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError(f"名单文件 {p.name} 的编码无法识别，请保存为 UTF-8 CSV")
        names = [row[0] for row in csv.reader(text.splitlines()) if row]
    elif p.suffix.lower() == ".xlsx":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:
            raise ValueError(f"无法读取名单文件 {p.name}（{exc}）") from exc
        ws = wb.worksheets[0]
        names = [str(r[0]) for r in ws.iter_rows(max_col=1, values_only=True) if r and r[0] not in (None, "")]
        wb.close()
    else:
        raise ValueError(f"名单文件应为 .csv 或 .xlsx：{p.name}")
    names = [n.strip() for n in names if str(n).strip()]
    if names and _norm_name(names[0]) in ("机关名称", "单位名称", "单位", "名称"):
        names = names[1:]
    return names


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
        expected = {_norm_name(n) for n in self.roster}
        got = {_norm_name(u.org) for u in self.merged} & expected
        return len(got) / len(expected)

    @property
    def exit_code(self) -> int:
        """0 every input merged, 1 some excluded, 2 nothing merged.

        Skipped entries (a lock file, the same path given twice, the merge's
        own output) are listed but are not inputs that failed.
        """
        if not self.merged:
            return 2
        return 1 if self.failed else 0

    @property
    def failed(self) -> list[UnitRecord]:
        """Inputs that could not be merged (excluded, not merely skipped)."""
        return [u for u in self.units if u.status not in ("merged", "skipped")]

    def status_labels(self) -> dict[str, str]:
        """Chinese names of the statuses, from the format file."""
        return dict(self.format.rollup.status)

    def to_dict(self) -> dict[str, Any]:
        labels = self.status_labels()
        return {
            "output": self.output if self.written else None,
            "org": self.org, "year": self.year,
            "merged": len(self.merged), "excluded": len(self.excluded),
            "units": [u.to_dict(labels) for u in self.units],
            "roster": {"expected": len(self.roster), "missing": self.missing, "not_merged": self.not_merged,
                       "unexpected": self.unexpected,
                       "completeness": self.completeness} if self.roster is not None else None,
            "report": self.report,
        }

    def summary(self) -> str:
        """A readable Chinese summary for the command line."""
        labels = self.status_labels()
        lines = [f"汇总单位：{self.org or '（未指定）'}　报告年度：{self.year or '（未确定）'}",
                 f"共 {len(self.units)} 个输入文件：已汇总 {len(self.merged)} 个，未汇总 {len(self.excluded)} 个。"]
        if self.excluded:
            lines.append("")
            lines.append("未汇总的文件：")
            for u in self.excluded:
                who = f"（{u.org}）" if u.org else ""
                lines.append(f"  ✗ {u.path}{who}：{labels.get(u.status, u.status)}。{u.reason}")
        if self.roster is not None:
            lines.append("")
            rate = self.completeness or 0.0
            lines.append(f"应报 {len(self.roster)} 个单位，完整率 {rate:.1%}。")
            if self.missing:
                lines.append(f"  缺报（没有收到工作簿）：{'、'.join(self.missing)}")
            if self.not_merged:
                lines.append(f"  已报送但未汇总（原因见上）：{'、'.join(self.not_merged)}")
            if self.unexpected:
                lines.append(f"  不在名单内（已汇总）：{'、'.join(self.unexpected)}")
        lines.append("")
        if self.written:
            lines.append(f"已生成汇总工作簿：{self.output}")
        elif not self.merged:
            lines.append("没有可以汇总的工作簿，未生成汇总结果。")
        else:
            lines.append("因使用 --strict 且有文件未汇总，未生成汇总结果。")
        if self.report:
            lines.append(f"已生成汇总报告：{self.report}")
        return "\n".join(lines) + "\n"


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


def merge(inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str], *, org: str = "",
          year: int | None = None, roster: str | os.PathLike[str] | None = None,
          report: str | os.PathLike[str] | None = None, jobs: int | None = None, strict: bool = False,
          progress: bool = False) -> MergeResult:
    """Merge workbooks (files or folders) into the roll-up workbook ``output``.

    Returns a :class:`MergeResult` accounting for every input.  The roll-up
    is written unless nothing could be merged, or ``strict`` and some input
    was excluded.  ``report`` also writes the roll-up's report (.md/.html/.docx).
    Without ``org`` the roll-up is named after the output file (a roll-up
    needs a 机关名称 to be merged again).  Raises ``ValueError`` for a bad
    roster or report suffix.
    """
    fmt = load_format()
    org = org.strip() or Path(output).stem
    if report is not None and Path(report).suffix.lower() not in (".md", ".markdown", ".html", ".htm", ".docx"):
        raise ValueError(f"不支持的报告格式“{Path(report).suffix}”，请使用 .md、.html 或 .docx")
    roster_names = read_roster(roster) if roster is not None else None
    exclude = [str(output)] + ([str(report)] if report else []) + ([str(roster)] if roster else [])
    files, skipped = collect_inputs(inputs, exclude)
    jobs = jobs or os.cpu_count() or 1
    records = list(_run(files, year, jobs, progress))
    order = {p: i for i, p in enumerate(files)}
    records.sort(key=lambda r: order.get(r.path, 0))

    candidates = [r for r in records if r.status == "ok"]
    if year is None and candidates:
        counts = Counter(r.year for r in candidates)
        year = sorted(counts.items(), key=lambda kv: (-kv[1], -(kv[0] or 0)))[0][0]
    for r in candidates:
        if r.year != year:
            said = f"报告年度为 {r.year}" if r.year is not None else "封面未填写报告年度"
            r.status, r.reason, r.vector = "other-year", f"{said}，本次汇总年度为 {year}", None
    # Two files of one unit for the year: neither is guessed at, even when one
    # of them has errors (it may be the corrected resubmission of the other).
    by_org: dict[str, list[UnitRecord]] = {}
    for r in records:
        if r.status in ("ok", "invalid") and r.org.strip() and r.year == year:
            by_org.setdefault(_norm_name(r.org), []).append(r)
    for group in by_org.values():
        if len(group) > 1:
            names = "、".join(Path(g.path).name for g in group)
            for g in group:
                also = f"；此文件另有错误：{g.reason}" if g.status == "invalid" else ""
                g.status, g.vector = "duplicate", None
                g.reason = (f"机关名称“{g.org}”在 {len(group)} 个文件中出现（{names}），均未汇总，"
                            f"请确认保留哪一份{also}")
    vectors = []
    for r in records:
        if r.status == "ok" and r.vector is not None:
            r.status = "merged"
            vectors.append(r.vector)
    units = records + skipped
    total = sum_evaluations(fmt, vectors)
    summed = {c: total.value(c) for c in fmt.input_codes}
    result = MergeResult(fmt, str(output), year, org, units, total.numbers(), roster_names)
    if roster_names is not None:
        expected = {_norm_name(n): n for n in roster_names}
        merged_names = {_norm_name(u.org): u.org for u in result.merged}
        sent = {_norm_name(u.org) for u in result.units if u.org}
        result.missing = [n for k, n in expected.items() if k not in sent]
        result.not_merged = [n for k, n in expected.items() if k in sent and k not in merged_names]
        result.unexpected = [n for k, n in merged_names.items() if k not in expected]
    if not result.merged or (strict and result.failed):
        return result
    _write_rollup(result, summed)
    result.written = True
    if report is not None:
        from .report import build_document, write_document

        doc = build_document(read_workbook(output))
        doc.sections.extend(rollup_sections(result))
        write_document(doc, report)
        result.report = str(report)
    return result


def _key_figures_many(fmt: ReportFormat, vectors: list[tuple[int | None, ...]]) -> list[dict[str, Any]]:
    """Key figures of many units, each from its input vector."""
    ids = [f.id for f in fmt.key_figures]
    return [sum_evaluations(fmt, [v]).figures(ids) for v in vectors]


def _write_rollup(result: MergeResult, values: dict[str, Any]) -> None:
    from .template import write_workbook

    fmt = result.format
    spec = fmt.rollup
    labels = result.status_labels()
    figures = fmt.key_figures
    merged = result.merged
    note = spec.note.format(n=len(merged)) + "：" + "、".join(u.org for u in merged)

    def extra(wb: Any, st: Any) -> None:
        ws = wb.add_worksheet(spec.units_sheet)
        heads = list(spec.units_headers[:3]) + [f.label for f in figures] + [spec.units_headers[3]]
        for j, h in enumerate(heads):
            ws.write_string(0, j, h, st.header)
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 30)
        ws.set_column(2, len(heads) - 1, 12)
        rows = [u for u in result.units if u.org and u.status in ("merged", "invalid", "other-year", "duplicate")]
        with_vec = [u for u in rows if u.vector is not None]
        kfs = dict(zip(map(id, with_vec), _key_figures_many(fmt, [u.vector for u in with_vec]), strict=True))
        for i, u in enumerate(rows, start=1):
            ws.write_number(i, 0, i, st.center)
            ws.write_string(i, 1, u.org, st.label)
            if u.year is not None:
                ws.write_number(i, 2, u.year, st.center)
            else:
                ws.write_blank(i, 2, None, st.center)
            if u.vector is not None:
                kf = kfs[id(u)]
                for j, f in enumerate(figures):
                    ws.write_number(i, 3 + j, plain_number(kf[f.id]), st.cell)
            else:
                for j in range(len(figures)):
                    ws.write_blank(i, 3 + j, None, st.cell)
            ws.write_string(i, 3 + len(figures), labels.get(u.status, u.status), st.label)
        ws.freeze_panes(1, 2)
        n_merged_rows = len(rows)
        if n_merged_rows:
            chart_col = 3 + next(j for j, f in enumerate(figures) if f.id == spec.chart_figure)
            chart = wb.add_chart({"type": "bar"})
            chart.add_series({
                "name": spec.chart_title,
                "categories": [spec.units_sheet, 1, 1, n_merged_rows, 1],
                "values": [spec.units_sheet, 1, chart_col, n_merged_rows, chart_col],
            })
            chart.set_title({"name": spec.chart_title, "name_font": {"name": "宋体", "size": 12}})
            chart.set_legend({"none": True})
            chart.set_y_axis({"reverse": True})
            chart.set_size({"width": 720, "height": max(300, 22 * n_merged_rows + 80)})
            ws.insert_chart(a1(n_merged_rows + 2, 1), chart)
        ws.protect("", {"format_columns": True})

        src = wb.add_worksheet(spec.sources_sheet)
        heads = spec.sources_headers
        for j, h in enumerate(heads):
            src.write_string(0, j, h, st.header)
        for j, w in enumerate((6, 50, 30, 10, 20, 80)):
            src.set_column(j, j, w)
        for i, u in enumerate(result.units, start=1):
            src.write_number(i, 0, i, st.center)
            src.write_string(i, 1, u.path, st.label)
            src.write_string(i, 2, u.org, st.label)
            if u.year is not None:
                src.write_number(i, 3, u.year, st.center)
            else:
                src.write_blank(i, 3, None, st.center)
            src.write_string(i, 4, labels.get(u.status, u.status), st.label)
            src.write_string(i, 5, u.reason, st.label)
        src.freeze_panes(1, 0)
        src.protect("", {"format_columns": True})

    write_workbook(result.output or "", fmt, year=result.year, org=result.org,
                   cover={"cover.note": note[:2000], "cover.date": ""}, values=values, extra_sheets=extra)


def rollup_sections(result: MergeResult) -> list[Any]:
    """Report sections of a roll-up: the per-unit table and a bar chart of applications."""
    from .report import Section, clean_text

    fmt = result.format
    spec = fmt.rollup
    figures = fmt.key_figures
    headers = [spec.units_headers[1]] + [f.label for f in figures]
    rows, chart_rows = [], []
    merged = result.merged
    for u, kf in zip(merged, _key_figures_many(fmt, [u.vector for u in merged]), strict=True):
        rows.append([clean_text(u.org)] + [fmt_number(kf.get(f.id)) for f in figures])
        chart_rows.append((clean_text(u.org), kf.get(spec.chart_figure) or 0))
    table = Section(spec.units_sheet, simple_table=(headers, rows))
    chart = Section(spec.chart_title, chart={"title": spec.chart_title, "headers": headers[:2],
                                                "rows": chart_rows})
    return [table, chart]
