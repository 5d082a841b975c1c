"""Validate filled workbooks with pandas, vectorised over cells and workbooks.

Every numeric input of every workbook goes into one DataFrame (a row per
workbook, a column per cell code).  Totals are recomputed with one matrix
product from the format's derivation rules, every relation is evaluated with
another, and type checks (sign, whole numbers, decimals of money) are
column-wise masks.  Only the failing cells become :class:`Finding` objects.
The same function checks one workbook or a thousand.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import settings
from .findings import ERROR, WARNING, CheckReport, Finding
from .format import ReportFormat, fmt_number
from .reader import FilledWorkbook, _where

__all__ = ["validate", "validate_many", "input_frame"]


#: Validation computes in integers of 1/_SCALE (money has at most 4 decimals).
_SCALE = 10_000


@dataclass(frozen=True)
class _Matrices:
    inputs: tuple[str, ...]
    all_codes: tuple[str, ...]
    derive: np.ndarray  # (n_all, n_inputs): every cell as a combination of inputs
    left: np.ndarray  # (n_rel, n_all)
    right: np.ndarray  # (n_rel, n_all)

    @functools.cached_property
    def derive_i(self) -> np.ndarray:
        return self.derive.astype(np.int64)

    @functools.cached_property
    def derive_mask(self) -> np.ndarray:
        return (self.derive != 0).astype(np.int64)

    @functools.cached_property
    def left_i(self) -> np.ndarray:
        return self.left.astype(np.int64)

    @functools.cached_property
    def right_i(self) -> np.ndarray:
        return self.right.astype(np.int64)

    @functools.cached_property
    def rel_mask(self) -> np.ndarray:
        return ((self.left + self.right) != 0).astype(np.int64)


@functools.lru_cache(maxsize=8)
def _matrices(fmt: ReportFormat) -> _Matrices:
    inputs = fmt.input_codes
    all_codes = inputs + fmt.derived_codes
    pos = {c: i for i, c in enumerate(inputs)}
    expand: dict[str, np.ndarray] = {}
    for c in inputs:
        v = np.zeros(len(inputs))
        v[pos[c]] = 1.0
        expand[c] = v
    for c in fmt.derived_codes:
        expand[c] = sum((expand[p] for p in fmt.cells[c].sum_of), np.zeros(len(inputs)))
    derive = np.vstack([expand[c] for c in all_codes])
    col = {c: i for i, c in enumerate(all_codes)}
    left = np.zeros((len(fmt.relations), len(all_codes)))
    right = np.zeros_like(left)
    for i, rel in enumerate(fmt.relations):
        for c in rel.left:
            left[i, col[c]] += 1
        for c in rel.right:
            right[i, col[c]] += 1
    return _Matrices(inputs, all_codes, derive, left, right)


def input_frame(workbooks: Sequence[FilledWorkbook]) -> pd.DataFrame:
    """Numeric inputs of many workbooks as one float DataFrame (blank -> NaN marked separately)."""
    fmt = workbooks[0].format
    codes = list(fmt.input_codes)
    data = np.array(
        [[np.nan if (c in wb.invalid or wb.values.get(c) is None) else float(wb.values[c]) for c in codes]
         for wb in workbooks],
        dtype=float,
    ).reshape(len(workbooks), len(codes))
    return pd.DataFrame(data, columns=codes)


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
    """Check many workbooks of one format at once and return one report per workbook.

    ``strict`` turns blank inputs into errors; ``year`` is the expected report
    year; ``previous`` gives each workbook last year's workbook (or None) to
    check the carry-over 上年结转 = last year's 结转下年度继续办理.  ``proofread``
    adds the prose warnings (figures that contradict the tables, other years,
    pinyin typos); the merge turns it off, the check and the report keep it.
    """
    if not workbooks:
        return []
    fmt = workbooks[0].format
    if any(w.format is not fmt for w in workbooks):
        groups: dict[int, list[int]] = {}
        for i, w in enumerate(workbooks):
            groups.setdefault(id(w.format), []).append(i)
        out: list[CheckReport | None] = [None] * len(workbooks)
        for idx in groups.values():
            sub = validate_many([workbooks[i] for i in idx], strict=strict, year=year,
                                previous=[previous[i] for i in idx] if previous else None, proofread=proofread)
            for i, r in zip(idx, sub, strict=True):
                out[i] = r
        return [r for r in out if r is not None]

    m = _matrices(fmt)
    frame = input_frame(workbooks)
    raw = frame.to_numpy()
    limits = np.array([fmt.kinds[fmt.cells[c].kind].max or 1e12 for c in m.inputs], dtype=float)
    too_large = np.abs(raw) > limits  # NaN compares False
    invalid = np.array([[c in wb.invalid for c in m.inputs] for wb in workbooks], dtype=bool) | too_large
    raw = np.where(too_large, np.nan, raw)
    blank = np.isnan(raw) & ~invalid
    # Exact integer arithmetic in units of 1/SCALE: sums of counts and of 万元
    # amounts with four decimals carry no float error, and integer matrix
    # products do not start BLAS threads (which, spinning beside the merge's
    # worker processes, cost more than these tiny products).
    scaled = np.rint(np.nan_to_num(raw, nan=0.0) * _SCALE).astype(np.int64)
    full_i = scaled @ m.derive_i.T  # every cell, totals recomputed
    unknown = (invalid.astype(np.int64) @ m.derive_mask.T) > 0  # cells depending on an invalid input
    left_i = full_i @ m.left_i.T
    right_i = full_i @ m.right_i.T
    rel_unknown = (unknown.astype(np.int64) @ m.rel_mask.T) > 0
    failing = (left_i != right_i) & ~rel_unknown
    left, right = left_i / _SCALE, right_i / _SCALE
    full_df = pd.DataFrame(full_i / _SCALE, columns=list(m.all_codes))

    kinds = pd.Series({c: fmt.cells[c].kind for c in m.inputs})
    count_cols = kinds.index[kinds == "count"]
    money_cols = kinds.index[kinds == "money"]
    negative = frame.lt(0)
    not_whole = frame[count_cols].mod(1).abs().gt(1e-9)
    scaled = frame[money_cols] * 10 ** (fmt.kinds["money"].decimals or 0)
    too_precise = (scaled - scaled.round()).abs().gt(1e-6)

    reports = []
    for i, wb in enumerate(workbooks):
        rep = CheckReport(file=wb.path, org=wb.org, year=wb.year)
        rep.extend(wb.findings)
        rep.extend(_cover_findings(wb, year))
        rep.extend(_cell_findings(wb, blank[i], negative.iloc[i], not_whole.iloc[i], too_precise.iloc[i],
                                  strict, m))
        for j in np.flatnonzero(too_large[i]):
            cell = fmt.cells[m.inputs[j]]
            rep.findings.append(Finding("number-too-large", ERROR,
                                        f"{_where(cell)}（{cell.ref}）为 {fmt_number(wb.values[cell.code])}，超出合理范围"
                                        f"（最大 {fmt_number(limits[j])}），请核对。", (cell.ref,),
                                        actual=wb.values[cell.code], codes=(cell.code,)))
        rep.extend(_total_findings(wb, full_df.iloc[i]))
        for j in np.flatnonzero(failing[i]):
            rel = fmt.relations[j]
            title = fmt.table(rel.table).title if rel.table else ""
            cells = tuple(fmt.cells[c].ref for c in rel.left + rel.right)
            rep.findings.append(Finding(rel.id, ERROR, rel.describe(left[i, j], right[i, j], title), cells,
                                        expected=_num(left[i, j]), actual=_num(right[i, j]),
                                        codes=rel.left + rel.right))
        if previous and previous[i] is not None:
            rep.extend(carry_over_findings(wb, previous[i]))
        if proofread:
            from .proofread import prose_findings, typo_findings

            rep.extend(prose_findings(wb))
            rep.extend(typo_findings(wb))
        reports.append(rep)
    return reports


def _num(x: float) -> Any:
    return int(x) if float(x).is_integer() else round(float(x), 6)


def _cell_findings(wb: FilledWorkbook, blank: np.ndarray, negative: pd.Series, not_whole: pd.Series,
                   too_precise: pd.Series, strict: bool, m: _Matrices) -> list[Finding]:
    fmt = wb.format
    out = []
    for j in np.flatnonzero(blank):
        cell = fmt.cells[m.inputs[j]]
        out.append(Finding("blank-input", ERROR if strict else WARNING,
                           f"{_where(cell)}（{cell.ref}）未填写" + ("，请填写（没有发生的填 0）。" if strict else "，按 0 计。"),
                           (cell.ref,), codes=(cell.code,)))
    for code in negative.index[negative.to_numpy()]:
        cell = fmt.cells[code]
        out.append(Finding("negative-number", ERROR, f"{_where(cell)}（{cell.ref}）为负数 {fmt_number(wb.values[code])}，"
                                                     "应为不小于 0 的数。", (cell.ref,),
                           actual=wb.values[code], codes=(code,)))
    for code in not_whole.index[not_whole.to_numpy()]:
        cell = fmt.cells[code]
        out.append(Finding("not-integer", ERROR, f"{_where(cell)}（{cell.ref}）为 {fmt_number(wb.values[code])}，"
                                                 "件数应为整数。", (cell.ref,), actual=wb.values[code], codes=(code,)))
    for code in too_precise.index[too_precise.to_numpy()]:
        cell = fmt.cells[code]
        out.append(Finding("too-many-decimals", ERROR,
                           f"{_where(cell)}（{cell.ref}）为 {fmt_number(wb.values[code])}，金额以万元为单位最多保留 "
                           f"{fmt.kinds['money'].decimals} 位小数。", (cell.ref,), actual=wb.values[code], codes=(code,)))
    return out


def _total_findings(wb: FilledWorkbook, full: pd.Series) -> list[Finding]:
    """Compare totals found in the file with the recomputed ones."""
    fmt = wb.format
    out = []
    dr = fmt.descriptor["derived_relation"]
    for code, cached in wb.cached.items():
        if cached is None and code not in wb.overwritten:
            continue
        true = full[code]
        if cached is not None and abs(float(cached) - true) <= settings.TOLERANCE:
            continue
        cell = fmt.cells[code]
        title = fmt.table(cell.table).title if cell.table else ""
        msg = dr["message"].format(table=title, row=cell.row_label, column=cell.col_label,
                                   left=fmt_number(cached), right=fmt_number(true))
        if code in wb.overwritten:
            note = getattr(wb, "total_note", "（总计的公式被改成了数值，请恢复为模板中的公式或改为各项之和。）")
            out.append(Finding(dr["id"], ERROR, msg + note,
                               (cell.ref,), expected=_num(true), actual=cached, codes=(code,)))
        else:
            out.append(Finding("stale-total", WARNING,
                               msg + "（文件中保存的公式结果已过期，已按各项重新计算；用 Excel/WPS 打开并保存可刷新。）",
                               (cell.ref,), expected=_num(true), actual=cached, codes=(code,)))
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
    for code, cell in fmt.prose_cells.items():
        if not cell.optional and not (wb.prose.get(code) or "").strip():
            out.append(Finding("empty-prose", WARNING, f"「{cell.label}」（{cell.ref}）未填写。", (cell.ref,),
                               codes=(code,)))
    return out


def carry_over_findings(wb: FilledWorkbook, prev: FilledWorkbook) -> list[Finding]:
    """This year's 上年结转 must equal last year's 结转下年度继续办理, column by column."""
    fmt = wb.format
    co = fmt.carry_over
    if not co:
        return []
    out = []
    table = fmt.table(co["table"])
    this_n, prev_n = wb.numbers(), prev.numbers()
    if wb.year is not None and prev.year is not None and prev.year != wb.year - 1:
        out.append(Finding("previous-year", WARNING,
                           f"作为上年报告提供的文件年度为 {prev.year}，不是 {wb.year - 1}。", ()))
    for col in table.blocks[0].columns:
        this_code = f"{table.code}.{co['this_year']}.{col.code}"
        prev_code = f"{table.code}.{co['last_year']}.{col.code}"
        a, b = this_n.get(this_code), prev_n.get(prev_code)
        if a is None or b is None or abs(float(a) - float(b)) <= settings.TOLERANCE:
            continue
        out.append(Finding(co["id"], ERROR,
                           co["message"].format(column=fmt.cells[this_code].col_label, left=fmt_number(a),
                                                right=fmt_number(b)),
                           (fmt.cells[this_code].ref,), expected=b, actual=a, codes=(this_code,)))
    return out
