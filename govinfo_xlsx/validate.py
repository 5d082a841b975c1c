"""Validate filled workbooks: every relation, type, blank, year and total, as located findings.

The arithmetic is :mod:`govinfo_xlsx.numbers`'s (exact integers, one meaning
of blank and unreadable); this module decides what is wrong and says so in
the format's words, one :class:`~govinfo_xlsx.findings.Finding` per problem,
located to the cell a clerk must fix.  The same function checks one workbook
or a thousand (the merge runs it in worker processes); it needs no pandas, so
a one-file ``check`` starts at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from .findings import ERROR, WARNING, CheckReport, Finding
from .format import ReportFormat
from .numbers import Evaluation, fmt_number, plain_number
from .reader import FilledWorkbook

__all__ = ["validate", "validate_many", "carry_over_findings"]


def validate(wb: FilledWorkbook, *, strict: bool = False, year: int | None = None,
             previous: FilledWorkbook | None = None, proofread: bool = True) -> CheckReport:
    """Check one workbook; see :func:`validate_many`.

    >>> import tempfile, os
    >>> from govinfo_xlsx.template import write_workbook
    >>> from govinfo_xlsx.reader import read_workbook
    >>> p = os.path.join(tempfile.mkdtemp(), "t.xlsx")
    >>> write_workbook(p, year=2024, org="某县", values={"t3.r01.c1": 3})
    >>> [(f.rule, f.cells[0]) for f in validate(read_workbook(p)).errors][:1]
    [('t3-balance', '三、收到和处理政府信息公开申请情况!D6')]
    """
    return validate_many([wb], strict=strict, year=year, previous=[previous] if previous else None,
                         proofread=proofread)[0]


def validate_many(workbooks: Sequence[FilledWorkbook], *, strict: bool = False, year: int | None = None,
                  previous: Sequence[FilledWorkbook | None] | None = None,
                  proofread: bool = True) -> list[CheckReport]:
    """Check many workbooks and return one report per workbook, in order.

    ``strict`` turns blank inputs into errors; ``year`` is the expected report
    year; ``previous`` gives each workbook last year's workbook (or None) to
    check the carry-over 上年结转 = last year's 结转下年度继续办理.  ``proofread``
    adds the prose warnings (figures that contradict the tables, other years,
    typos); the merge turns it off, the check and the report keep it.
    """
    reports = []
    for i, wb in enumerate(workbooks):
        prev = previous[i] if previous else None
        reports.append(_validate_one(wb, strict=strict, year=year, previous=prev, proofread=proofread))
    return reports


def _validate_one(wb: FilledWorkbook, *, strict: bool, year: int | None, previous: FilledWorkbook | None,
                  proofread: bool) -> CheckReport:
    ev = wb.evaluation
    rep = CheckReport(file=wb.path, org=wb.org, year=wb.year, state=ev.state)
    rep.extend(wb.findings)
    rep.extend(_cover_findings(wb, year))
    rep.extend(_cell_findings(wb, ev, strict))
    rep.extend(_total_findings(wb, ev))
    rep.extend(_relation_findings(wb.format, ev))
    if previous is not None:
        rep.extend(carry_over_findings(wb, previous))
    if proofread:
        from .proofread import prose_findings, typo_findings

        rep.extend(prose_findings(wb))
        rep.extend(typo_findings(wb))
    return rep


def _cell_findings(wb: FilledWorkbook, ev: Evaluation, strict: bool) -> list[Finding]:
    fmt = wb.format
    out = []
    if ev.state == "empty":
        cells = [fmt.cells[c] for c in fmt.input_codes]
        out.append(Finding("empty-workbook", ERROR,
                           f"统计表（表二、表三、表四）的 {len(cells)} 个数字单元格全部未填写（{cells[0].ref} 起），"
                           "工作簿尚未填写，不能作为报送结果；没有发生的请填 0。",
                           (cells[0].ref,), codes=tuple(c.code for c in cells)))
    else:
        for code in fmt.input_codes:
            if code not in ev.blank:
                continue
            cell = fmt.cells[code]
            out.append(Finding("blank-input", ERROR if strict else WARNING,
                               f"{cell.where}（{cell.ref}）未填写" + ("，请填写（没有发生的填 0）。" if strict else "，按 0 计。"),
                               (cell.ref,), codes=(code,)))
    messages = {
        "negative-number": "为负数 {v}，应为不小于 0 的数。",
        "not-integer": "为 {v}，件数应为整数。",
        "too-many-decimals": f"为 {{v}}，金额以万元为单位最多保留 {fmt.kinds['money'].decimals} 位小数。",
        "number-too-large": "为 {v}，超出合理范围（最大 {max}），请核对。",
    }
    for code, problem in ev.problems.items():
        v = wb.values.get(code)
        cell = fmt.cells[code]
        limit = fmt.kinds[cell.kind].max
        if limit is not None and wb.max_factor:
            limit = limit * wb.max_factor
        text = messages[problem].format(v=fmt_number(v), max=fmt_number(limit))
        out.append(Finding(problem, ERROR, f"{cell.where}（{cell.ref}）{text}", (cell.ref,),
                           actual=v, codes=(code,)))
    return out


def _total_findings(wb: FilledWorkbook, ev: Evaluation) -> list[Finding]:
    """Compare the totals found in the file with the recomputed ones."""
    fmt = wb.format
    dr = fmt.derived_relation
    out = []
    for code, cached in wb.cached.items():
        if cached is None and code not in wb.overwritten:
            continue
        true = ev.value(code)
        if true is None or (cached is not None and cached == true):
            continue
        cell = fmt.cells[code]
        title = fmt.table(cell.table).title if cell.table else ""
        msg = dr.message.format(table=title, row=cell.row_label, column=cell.col_label,
                                left=fmt_number(cached), right=fmt_number(true)).replace("「」", "")  # 表四's row has no label
        if code in wb.overwritten:
            note = getattr(wb, "total_note", "（总计的公式被改成了数值，请恢复为模板中的公式或改为各项之和。）")
            out.append(Finding(dr.id, ERROR, msg + note,
                               (cell.ref,), expected=true, actual=cached, codes=(code,)))
        else:
            out.append(Finding("stale-total", WARNING,
                               msg + "（文件中保存的公式结果已过期，已按各项重新计算；用 Excel/WPS 打开并保存可刷新。）",
                               (cell.ref,), expected=true, actual=cached, codes=(code,)))
    return out


def _relation_findings(fmt: ReportFormat, ev: Evaluation) -> list[Finding]:
    out = []
    for rel, left, right in ev.failing():
        if rel.derived:
            continue  # totals are recomputed; a wrong total in the file is reported by _total_findings
        title = fmt.table(rel.table).title if rel.table else ""
        cells = tuple(fmt.cells[c].ref for c in rel.left + rel.right)
        msg = rel.message.format(left=fmt_number(left), right=fmt_number(right), column=rel.col_label,
                                 row=rel.row_label, table=title)
        out.append(Finding(rel.id, ERROR, msg, cells, expected=left, actual=right, codes=rel.left + rel.right))
    return out


def _cover_findings(wb: FilledWorkbook, year: int | None) -> list[Finding]:
    fmt = wb.format
    out = []
    for code, cell in fmt.cover_cells.items():
        v = wb.cover.get(code)
        if v in (None, "") and not cell.optional:
            out.append(Finding("empty-cover-field", WARNING, f"封面「{cell.label}」（{cell.ref}）未填写。",
                               (cell.ref,), codes=(code,)))
    ycell = fmt.cover_cells.get("cover.year")
    y = wb.year
    if ycell is not None and y is not None and not (fmt.first_year <= y <= fmt.last_year):
        out.append(Finding("invalid-year", ERROR,
                           f"「{ycell.label}」（{ycell.ref}）为 {y}；本格式（{fmt.basis}）适用于 {fmt.first_year} 年度及以后的报告。",
                           (ycell.ref,), actual=y, codes=(ycell.code,)))
    if year is not None and ycell is not None and y != year:
        out.append(Finding("year-mismatch", ERROR,
                           f"「{ycell.label}」（{ycell.ref}）为 {y if y is not None else '（空）'}，与要求的 {year} 年度不符。",
                           (ycell.ref,), expected=year, actual=y, codes=(ycell.code,)))
    for code, cell in fmt.prose_cells.items() if wb.prose_read else ():
        if not cell.optional and not (wb.prose.get(code) or "").strip():
            out.append(Finding("empty-prose", WARNING, f"「{cell.label}」（{cell.ref}）未填写。", (cell.ref,),
                               codes=(code,)))
    return out


def carry_over_findings(wb: FilledWorkbook, prev: FilledWorkbook) -> list[Finding]:
    """This year's 上年结转 must equal last year's 结转下年度继续办理, column by column.

    An unknown cell on either side is not compared (its own error says why).
    """
    fmt = wb.format
    co = fmt.carry_over
    if co is None:
        return []
    out = []
    table = fmt.table(co.table)
    this_ev, prev_ev = wb.evaluation, prev.evaluation
    if wb.year is not None and prev.year is not None and prev.year != wb.year - 1:
        out.append(Finding("previous-year", WARNING,
                           f"作为上年报告提供的文件年度为 {prev.year}，不是 {wb.year - 1}。", ()))
    for col in table.blocks[0].columns:
        this_code = f"{table.code}.{co.this_year}.{col.code}"
        prev_code = f"{table.code}.{co.last_year}.{col.code}"
        a, b = this_ev.value(this_code), prev_ev.value(prev_code)
        if a is None or b is None or a == b:
            continue
        out.append(Finding(co.id, ERROR,
                           co.message.format(column=fmt.cells[this_code].col_label, left=fmt_number(a),
                                             right=fmt_number(b)),
                           (fmt.cells[this_code].ref,), expected=plain_number(b), actual=plain_number(a),
                           codes=(this_code,)))
    return out
