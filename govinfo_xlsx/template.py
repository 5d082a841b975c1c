"""Write the protected Excel workbook of a format: blank template or filled workbook.

Everything is derived from :class:`~govinfo_xlsx.format.ReportFormat`: sheet
names, labels, merged headers, input cells, formulas, defined names, checks.
The same writer produces the clerk's blank template, next year's template with
the carry-over pre-filled, and a city roll-up (a filled template).

Every formula is written with its correct cached result: LibreOffice, WPS
previews, mail previewers and fast readers show the cached value without
recalculating, so a stale 0 would be shown as the truth.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import __version__, settings
from ._io import atomic_path
from .format import Cell, ReportFormat, a1, col_letter, defined_name, load_format, quote_sheet
from .numbers import compute, evaluate, fmt_number, plain_number

__all__ = ["BarChart", "Checked", "ListSheet", "TemplateError", "write_list_workbook", "write_workbook",
           "write_template"]

#: The workbook's default font (every cell, and the unit of column widths).
#: Excel and WPS on Chinese Windows have 宋体; LibreOffice maps it to its CJK
#: serif (Noto Serif CJK / 文泉驿) where it is missing.  With Excel's default
#: Calibri, a machine without it substitutes a wider font and the
#: fit-to-page scaling no longer holds.
CJK_FONT = "宋体"
CJK_HEADING_FONT = "黑体"
FONT_SIZE = 11
#: Paper: A4 (xlsxwriter's paper code 9).
A4 = 9
#: Width of 填报说明's one column, in characters of the default font: within
#: A4 portrait's printable 185 mm even where LibreOffice measures it with a
#: substitute font 30 % wider than 宋体 (DejaVu Sans on Linux: 9.3 px a digit).
INSTRUCTIONS_WIDTH = 70


@dataclass(frozen=True)
class BarChart:
    """A bar chart of one column of a :class:`ListSheet` (its first ``rows`` data rows)."""

    title: str
    categories_col: int
    values_col: int
    rows: int


@dataclass(frozen=True)
class ListSheet:
    """An extra sheet: an optional title line, a header row and rows of text and numbers.

    The roll-up's 汇总明细, 来源清单 and 报送情况 are such sheets.  Rows whose
    text in ``flag_col`` does not start with one of ``flag_ok`` are highlighted.
    The sheet prints one page wide (landscape, header repeated), its rows are
    as high as their wrapped text, and its protection lets rows and columns be resized.
    """

    name: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[str | int | float | Decimal | None]]
    widths: tuple[float, ...]
    title: str = ""
    chart: BarChart | None = None
    flag_col: int | None = None
    flag_ok: tuple[str, ...] = ()
    protect: bool = True


class TemplateError(RuntimeError):
    """An xlsxwriter call was refused (it warns and returns non-zero instead of raising)."""


def _ok(ret: Any, what: str) -> None:
    # xlsxwriter reports many option errors with warn() and a negative return
    # value, silently dropping the feature (e.g. an over-long validation
    # prompt drops the validation).  Turn that into an error.
    if type(ret) is int and ret < 0:
        raise TemplateError(f"xlsxwriter refused {what} (code {ret})")


def _short_repr(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Checked:
    """An xlsxwriter Workbook or Worksheet whose every refused call raises :class:`TemplateError`.

    xlsxwriter answers a bad argument (an over-long string, a one-cell merge,
    an invalid defined name, a bad conditional format) with ``warn()`` and a
    negative return code, and leaves the feature out of the file.  Through
    this wrapper every method's negative code raises instead; worksheets it
    returns are wrapped too, so roll-up sheets written by a callback are
    checked the same way.

    >>> import io, xlsxwriter
    >>> wb = Checked(xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True}))
    >>> ws = wb.add_worksheet("表")
    >>> ws.merge_range(0, 0, 0, 0, "x")
    Traceback (most recent call last):
    ...
    govinfo_xlsx.template.TemplateError: xlsxwriter refused 表.merge_range(0, 0, 0, 0, 'x') (code -1)
    """

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            # A roll-up writes tens of thousands of cells: the success path does no more than compare.
            ret = attr(*args, **kwargs)
            if type(ret) is int and ret < 0:
                where = getattr(self._target, "name", "workbook")
                shown = ", ".join(_short_repr(a) for a in args[:5])
                _ok(ret, f"{where}.{name}({shown})")
            return Checked(ret) if isinstance(ret, Worksheet) else ret

        self.__dict__[name] = call  # bound once per method, not looked up on every cell
        return call


def _ranges(cells: Sequence[Cell]) -> list[str]:
    """Cover cells of one sheet with few A1 rectangles (greedy: right, then down)."""
    todo = {(c.row, c.col) for c in cells}
    out: list[str] = []
    for row, col in sorted(todo):
        if (row, col) not in todo:
            continue
        c2 = col
        while (row, c2 + 1) in todo:
            c2 += 1
        r2 = row
        while all((r2 + 1, k) in todo for k in range(col, c2 + 1)):
            r2 += 1
        for r in range(row, r2 + 1):
            for k in range(col, c2 + 1):
                todo.discard((r, k))
        out.append(a1(row, col) if (r2, c2) == (row, col) else f"{a1(row, col)}:{a1(r2, c2)}")
    return out


def _sum_formula(fmt: ReportFormat, codes: Sequence[str], from_sheet: str | None) -> str:
    """``SUM(...)`` over cells given by code, qualified when on another sheet."""
    by_sheet: dict[str, list[Cell]] = {}
    for code in codes:
        cell = fmt.cells[code]
        by_sheet.setdefault(cell.sheet, []).append(cell)
    parts = []
    for sheet, cells in by_sheet.items():
        prefix = "" if sheet == from_sheet else quote_sheet(sheet) + "!"
        parts += [prefix + r for r in _ranges(cells)]
    return "SUM(" + ",".join(parts) + ")"


def _text_height(text: str, width_chars: float, line_pt: float = 15.0, minimum: float = 20.0) -> float:
    """Row height that shows ``text`` wrapped in a column ``width_chars`` wide.

    A CJK character takes about two width units of Excel's default font.
    """
    def units(line: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)

    # Each line wraps on its own (the whole text's length counted once per line made a
    # prose cell of six paragraphs six times too tall).
    lines = sum(max(1, math.ceil(units(line) / max(width_chars - 1, 1))) for line in text.split("\n"))
    return max(minimum, min(409.0, lines * line_pt + 4))


def _inputs_by_sheet(fmt: ReportFormat) -> dict[str, list[Cell]]:
    """Numeric input cells grouped by sheet, in format order."""
    out: dict[str, list[Cell]] = {}
    for code in fmt.input_codes:
        out.setdefault(fmt.cells[code].sheet, []).append(fmt.cells[code])
    return out


def _bad_value(fmt: ReportFormat, cell: Cell, value: Any) -> bool:
    """What the 校验 sheet's 填写规范 row counts: text, negative, not whole (or too many decimals)."""
    if value is None:
        return False
    if isinstance(value, str) or isinstance(value, bool):
        return True
    if value < 0:
        return True
    decimals = fmt.kinds[cell.kind].decimals or 0
    # As the sheet's formula tests it (ref<>ROUND(ref,decimals)): scaling a double by
    # 10**decimals first is inexact (12.3456 * 10000 = 123455.99999999999) and
    # cached 填写不规范 for proper money that LibreOffice then shows.
    return round(float(value), decimals) != float(value)


def _bad_test(fmt: ReportFormat, kind: str, ref: str) -> str:
    """A formula that is TRUE when ``ref`` (a cell or, in an array formula, a range) is not a proper input.

    ``IF`` evaluates ``INT``/``ROUND`` only for numbers, so text and error
    values never reach them (Excel, WPS and LibreOffice alike).
    """
    decimals = fmt.kinds[kind].decimals or 0
    whole = f"{ref}<>INT({ref})" if decimals == 0 else f"{ref}<>ROUND({ref},{decimals})"
    return f"IF(ISNUMBER({ref}),({ref}<0)+({whole})>0,NOT(ISBLANK({ref})))"


def _bad_count_formula(fmt: ReportFormat, sheet: str, cells: Sequence[Cell]) -> str:
    """Array formula body counting the improper inputs of one sheet."""
    by_kind: dict[str, list[Cell]] = {}
    for c in cells:
        by_kind.setdefault(c.kind, []).append(c)
    terms = [f"SUM(IF({_bad_test(fmt, kind, quote_sheet(sheet) + '!' + r)},1,0))"
             for kind, cs in by_kind.items() for r in _ranges(cs)]
    return "+".join(terms)


class _Styles:
    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": CJK_FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
        box = {**base, "border": 1, "text_wrap": True}

        def add(**kw: Any) -> Any:
            return wb.add_format(kw)

        self.title = add(**{**base, "font_name": CJK_HEADING_FONT, "bold": True, "font_size": 16, "align": "center"})
        self.hint = add(**{**base, "font_size": 10, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        self.para = add(**{**base, "text_wrap": True, "valign": "top"})
        self.header = add(**{**box, "bold": True, "align": "center", "bg_color": "#D9E1F2"})
        self.caption = add(**{**box, "bold": True, "align": "left", "bg_color": "#D9E1F2"})
        self.corner = add(**{**box, "font_size": 9, "align": "center", "bg_color": "#D9E1F2"})
        self.label = add(**{**box, "align": "left"})
        self.count_in = add(**{**box, "align": "right", "locked": False, "num_format": "0"})
        self.money_in = add(**{**box, "align": "right", "locked": False, "num_format": "0.00##"})
        self.year_in = add(**{**box, "align": "left", "locked": False, "num_format": "0"})
        self.text_in = add(**{**box, "align": "left", "locked": False, "num_format": "@"})
        self.prose_in = add(**{**box, "align": "left", "valign": "top", "locked": False, "num_format": "@"})
        self.count_out = add(**{**box, "align": "right", "bold": True, "bg_color": "#EDEDED", "num_format": "0"})
        self.money_out = add(**{**box, "align": "right", "bold": True, "bg_color": "#EDEDED",
                                "num_format": "0.00##"})
        self.status = add(**{**box, "bold": True, "bg_color": "#EDEDED"})
        self.cell = add(**box)
        self.center = add(**{**box, "align": "center"})
        self.red = add(bg_color="#FFC7CE", font_color="#9C0006")
        self.blank = add(bg_color="#FFF2CC")

    def input_for(self, kind: str, prose: bool = False) -> Any:
        if prose:
            return self.prose_in
        return {"count": self.count_in, "money": self.money_in, "year": self.year_in}.get(kind, self.text_in)


def _validation(fmt: ReportFormat, cell: Cell) -> dict[str, Any]:
    kind = fmt.kinds[cell.kind]
    opts: dict[str, Any] = {
        "input_title": kind.prompt_title,
        "input_message": cell.prompt or kind.prompt,
        "error_title": kind.error_title,
        "error_message": kind.error,
        "error_type": "stop",
        "ignore_blank": True,
    }
    if cell.kind == "count":
        opts.update(validate="integer", criteria="between", minimum=0, maximum=int(kind.max or 999999999))
    elif cell.kind == "money":
        opts.update(validate="decimal", criteria="between", minimum=0, maximum=float(kind.max or 999999999))
    elif cell.kind == "year":
        opts.update(validate="integer", criteria="between", minimum=fmt.first_year, maximum=fmt.last_year)
    else:
        opts.update(validate="length", criteria="<=", value=int(kind.max_length or 32767))
    return opts


def _protect(ws: Worksheet, password: str | None) -> None:
    ws.protect(password or "", {
        "select_locked_cells": True,
        "select_unlocked_cells": True,
        # Let clerks widen columns and heighten rows for long prose; nothing else.
        "format_columns": True,
        "format_rows": True,
    })


def _write_labels(ws: Worksheet, labels: Sequence[Any], st: _Styles) -> None:
    style = {"title": st.title, "caption": st.caption, "corner": st.corner, "header": st.header,
             "label": st.label, "hint": st.hint}
    for lab in labels:
        f = style[lab.role]
        if lab.rowspan > 1 or lab.colspan > 1:
            _ok(ws.merge_range(lab.row, lab.col, lab.row + lab.rowspan - 1, lab.col + lab.colspan - 1,
                               "", f), f"merge {lab.ref}")
        ws.write_string(lab.row, lab.col, lab.text, f)


class _SheetWriter:
    """Writes each kind of sheet of the layout; one method per ``SheetLayout.role``."""

    def __init__(self, fmt: ReportFormat, st: _Styles, values: Mapping[str, Any], computed: Mapping[str, Any],
                 cover: Mapping[str, Any], prose: Mapping[str, str], notes: Mapping[str, str],
                 meta: Mapping[str, str], contact: str = "") -> None:
        self.fmt, self.st, self.values, self.computed = fmt, st, values, computed
        self.contact = contact
        self.cover_values, self.prose_values, self.notes, self.meta_values = cover, prose, notes, meta
        self.fail_mark, self.pass_mark = fmt.checks.fail_mark, fmt.checks.pass_mark
        # Cached check results, computed as the formulas compute them.
        ev = evaluate(fmt, values, kind_rules=False)
        self.check_values = []
        for cr in fmt.check_rows:
            left, right = ev.sum(cr.relation.left), ev.sum(cr.relation.right)
            self.check_values.append((left, right, left == right))
        self.n_fail = sum(1 for *_, ok in self.check_values if not ok)
        layout = fmt.layout
        col = col_letter(layout.checks_result_col)
        first = layout.checks_first_row
        self.result_range = (f"{quote_sheet(fmt.sheet_names['checks'])}!${col}${first + 1}:"
                             f"${col}${first + len(fmt.check_rows)}")
        # Inputs that are text, negative or not whole (pasted values bypass data
        # validation): one row per input sheet on the 校验 sheet, below the relations.
        self.input_sheets = _inputs_by_sheet(fmt)
        self.bad_first = first + len(fmt.check_rows)
        self.bad_counts = [sum(1 for c in cells if _bad_value(fmt, c, values.get(c.code))) for cells in
                           self.input_sheets.values()]
        self.bad_range = (f"{quote_sheet(fmt.sheet_names['checks'])}!$D${self.bad_first + 1}:"
                          f"$D${self.bad_first + len(self.input_sheets)}")

    def instructions(self, ws: Worksheet, sl: Any) -> None:
        # One column narrower than A4 portrait's printable width: LibreOffice's
        # fit-to-page counts pages, and a single column wider than the paper
        # still counts as one page wide, so it is clipped instead of scaled.
        width = INSTRUCTIONS_WIDTH
        ws.set_column(0, 0, width)
        _write_labels(ws, sl.labels[:1], self.st)
        for lab in sl.labels[1:]:
            ws.write_string(lab.row, lab.col, lab.text, self.st.para)
            ws.set_row(lab.row, _text_height(lab.text, width))
        if self.contact:
            row = sl.labels[-1].row + 2
            text = self.fmt.instructions.contact.format(contact=self.contact)
            ws.write_string(row, 0, text, self.st.para)
            ws.set_row(row, _text_height(text, width))
        ws.set_row(0, 30)
        ws.fit_to_pages(1, 1)  # the whole of 填报说明 on one printed page
        ws.activate()

    def cover(self, ws: Worksheet, sl: Any) -> None:
        fmt, st, layout = self.fmt, self.st, self.fmt.layout
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 56)
        ws.set_row(0, 30)
        ws.fit_to_pages(1, 1)  # the cover on one printed page
        _write_labels(ws, sl.labels, st)
        for cell in sl.cells:
            _write_input(ws, fmt, cell, self.cover_values.get(cell.code), st)
            text = self.cover_values.get(cell.code)
            if isinstance(text, str) and len(text) > 20:  # a long 备注 (a roll-up's 应报/已汇总/未纳入) is shown whole
                ws.set_row(cell.row, _text_height(text, 56))
        cv = fmt.cover
        status, blank = layout.status_cell, layout.blank_cell
        fails = f'COUNTIF({self.result_range},"{self.fail_mark}")'
        bad = f"SUM({self.bad_range})"
        n_blank = sum(1 for c in fmt.input_codes if self.values.get(c) is None)
        n_bad = sum(self.bad_counts)

        def said(key: str, n: str) -> str:
            head, _, tail = getattr(cv, key).partition("{n}")
            return f'"{head}"&{n}&"{tail}"'

        blank_ref = a1(blank.row, blank.col)
        formula = (f'=IF({blank_ref}={len(fmt.input_codes)},"{cv.status_empty}",'
                   f'IF({bad}>0,{said("status_bad", bad)},'
                   f'IF({fails}>0,{said("status_fail", fails)},'
                   f'IF({blank_ref}>0,{said("status_partial", blank_ref)},"{cv.status_ok}"))))')
        if n_blank == len(fmt.input_codes):
            cached = cv.status_empty
        elif n_bad:
            cached = cv.status_bad.format(n=n_bad)
        elif self.n_fail:
            cached = cv.status_fail.format(n=self.n_fail)
        elif n_blank:
            cached = cv.status_partial.format(n=n_blank)
        else:
            cached = cv.status_ok
        _ok(ws.write_formula(status.row, status.col, formula, st.status, cached), "cover status")
        ok_text = cv.status_ok
        _ok(ws.conditional_format(status.row, status.col, status.row, status.col, {
            "type": "formula", "criteria": f'=LEFT({a1(status.row, status.col)},{len(ok_text)})<>"{ok_text}"',
            "format": st.red}), "cover status highlight")
        terms = [f"COUNTBLANK({quote_sheet(s)}!{r})" for s, cs in self.input_sheets.items() for r in _ranges(cs)]
        _ok(ws.write_formula(blank.row, blank.col, "=" + "+".join(terms), st.status, n_blank), "blank count")

    def prose(self, ws: Worksheet, sl: Any) -> None:
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 100)
        ws.set_row(0, 30)
        _write_labels(ws, sl.labels, self.st)
        for cell in sl.cells:
            text = self.prose_values.get(cell.code)
            _write_input(ws, self.fmt, cell, text, self.st, prose=True)
            height = 120 if cell.optional else 300
            if text:
                height = max(height, _text_height(text, 100))
            ws.set_row(cell.row, height)
        ws.fit_to_pages(1, 0)

    def table(self, ws: Worksheet, sl: Any) -> None:
        _write_table_sheet(ws, self.fmt, sl, self.values, self.computed, self.st, self.notes)
        # Highlight what the 校验 sheet counts as 填写不规范 (pasted text, negatives, fractions).
        by_kind: dict[str, list[Cell]] = {}
        for c in self.input_sheets.get(sl.name, []):
            by_kind.setdefault(c.kind, []).append(c)
        for kind, cells in by_kind.items():
            for r in _ranges(cells):
                top = r.split(":")[0]
                _ok(ws.conditional_format(r, {"type": "formula", "criteria": "=" + _bad_test(self.fmt, kind, top),
                                              "format": self.st.red, "stop_if_true": True}),
                    f"input highlight {r}")

    def checks(self, ws: Worksheet, sl: Any) -> None:
        fmt, st = self.fmt, self.st
        first, res_col = fmt.layout.checks_first_row, fmt.layout.checks_result_col
        widths = (6, 30, 60, 12, 12, 8)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        ws.set_row(0, 30)
        _write_labels(ws, sl.labels, st)
        for lab in sl.labels:
            if lab.role == "header":
                ws.set_row(lab.row, max(20.0, _text_height(lab.text, widths[lab.col])))
        for i, (cr, (left, right, ok)) in enumerate(zip(fmt.check_rows, self.check_values, strict=True)):
            rel, r = cr.relation, cr.row
            table_title = fmt.table(rel.table).title if rel.table else ""
            where = " ".join(x for x in (table_title, rel.row_label, rel.col_label) if x)
            # Rows carry no height of their own: LibreOffice and WPS do not grow
            # a row for wrapped text, which then overlaps the rows below.
            ws.set_row(r, max(_text_height(rel.name, widths[1]), _text_height(where, widths[2])))
            ws.write_number(r, 0, i + 1, st.center)
            ws.write_string(r, 1, rel.name, st.cell)
            ws.write_string(r, 2, where, st.cell)
            ws.write_formula(r, 3, "=" + _sum_formula(fmt, rel.left, None), st.count_out, plain_number(left))
            ws.write_formula(r, 4, "=" + _sum_formula(fmt, rel.right, None), st.count_out, plain_number(right))
            ws.write_formula(r, 5, f'=IF(ROUND({a1(r, 3)}-{a1(r, 4)},4)=0,"{self.pass_mark}","{self.fail_mark}")',
                             st.center, self.pass_mark if ok else self.fail_mark)
        for k, ((sheet, cells), n_bad) in enumerate(zip(self.input_sheets.items(), self.bad_counts, strict=True)):
            r = self.bad_first + k
            ws.write_number(r, 0, len(fmt.check_rows) + k + 1, st.center)
            ws.write_string(r, 1, fmt.checks.input_rule, st.cell)
            where = fmt.checks.input_where.format(sheet=sheet)
            ws.write_string(r, 2, where, st.cell)
            ws.set_row(r, _text_height(where, 60))
            _ok(ws.write_array_formula(r, 3, r, 3, "{=" + _bad_count_formula(fmt, sheet, cells) + "}",
                                       st.count_out, n_bad), f"input check of {sheet}")
            ws.write_number(r, 4, 0, st.count_out)
            ws.write_formula(r, 5, f'=IF({a1(r, 3)}=0,"{self.pass_mark}","{self.fail_mark}")',
                             st.center, self.pass_mark if n_bad == 0 else self.fail_mark)
        last = self.bad_first + len(self.input_sheets) - 1
        ws.conditional_format(first, 0, last, res_col, {
            "type": "formula", "criteria": f'=${col_letter(res_col)}{first + 1}="{self.fail_mark}"', "format": st.red})
        ws.freeze_panes(first, 0)
        ws.repeat_rows(0, first - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)

    def meta(self, ws: Worksheet, sl: Any) -> None:
        ws.set_column(0, 1, 30)
        for i, key in enumerate(self.meta_values):
            ws.write_string(i, 0, key)
            _ok(ws.write_string(i, 1, self.meta_values[key]), f"metadata {key}")
        ws.hide()


def write_workbook(
    path: str | os.PathLike[str],
    fmt: ReportFormat | None = None,
    *,
    year: int | None = None,
    org: str = "",
    cover: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    prose: Mapping[str, str] | None = None,
    password: str | None = None,
    notes: Mapping[str, str] | None = None,
    extra_sheets: Sequence[ListSheet] = (),
    contact: str = "",
    rollup_members: Sequence[str] | None = None,
) -> None:
    """Write a workbook of ``fmt``: the blank template, or a filled one.

    ``values`` maps numeric input codes (``t3.r01.c1``) to numbers, ``prose``
    maps prose codes to text and ``cover`` maps cover codes (``cover.filler``)
    to text; missing inputs stay blank.  ``notes`` attaches a comment to an
    input cell by code (used for the carried-over 上年结转).  ``contact`` adds
    who to ask to the 填报说明 sheet.  The file is written atomically.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.xlsx")
    >>> write_workbook(p, year=2024, org="某县人民政府办公室")
    >>> os.path.getsize(p) > 10000
    True
    """
    fmt = fmt or load_format()
    values = dict(values or {})
    prose = dict(prose or {})
    cover_values: dict[str, Any] = dict(cover or {})
    if org:
        cover_values["cover.org"] = org
    if year is not None:
        cover_values["cover.year"] = int(year)
    computed = compute(fmt, values)

    buf = io.BytesIO()
    wb = Checked(xlsxwriter.Workbook(buf, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "default_format_properties": {"font_name": CJK_FONT, "font_size": FONT_SIZE},
    }))
    created = _dt.datetime(*settings.FIXED_TIMESTAMP)
    meta = {
        "format_id": fmt.format_id,
        "format_version": fmt.version,
        "format_name": fmt.name,
        "toolkit_version": __version__,
        "layout_fingerprint": fmt.fingerprint,
    }
    # The year and the organisation live in the cover's cells only (the one place they are read);
    # the document title shown in Excel's file properties is for people.
    org_text = str(cover_values.get("cover.org", ""))
    wb.set_properties({
        "title": fmt.title_for(org_text, cover_values.get("cover.year")),
        "subject": fmt.name,
        "author": "govinfo-xlsx",
        "company": org_text,
        "comments": f"{fmt.format_id} {fmt.version}",
        "created": created,
    })
    for key in meta:
        _ok(wb.set_custom_property(f"govinfo_{key}", meta[key] or "-"), f"custom property {key}")
    if rollup_members is not None:
        meta["rollup"] = "1"
        meta["rollup_members"] = json.dumps(list(rollup_members), ensure_ascii=False)
    st = _Styles(wb)
    writer = _SheetWriter(fmt, st, values, computed, cover_values, prose, notes or {}, meta, contact)
    for sl in fmt.layout.sheets:
        ws = wb.add_worksheet(sl.name)
        ws.set_paper(A4)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.hide_gridlines(2)
        getattr(writer, sl.role)(ws, sl)
        _protect(ws, password)

    # Defined names for every input and derived cell, so readers can locate them.
    for cell in fmt.cells.values():
        wb.define_name(defined_name(cell.code), f"={quote_sheet(cell.sheet)}!${col_letter(cell.col)}${cell.row + 1}")
    for sheet in extra_sheets:
        _write_list_sheet(wb, sheet, st)
    wb.close()
    data = _add_structure_protection(buf.getvalue(), password)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _write_input(ws: Worksheet, fmt: ReportFormat, cell: Cell, value: Any, st: _Styles, prose: bool = False) -> None:
    f = st.input_for(cell.kind, prose)
    if value is None or value == "":
        ws.write_blank(cell.row, cell.col, None, f)
    elif cell.kind in ("count", "money", "year"):
        ws.write_number(cell.row, cell.col, plain_number(value), f)
    else:
        # write_string keeps user text such as "=cmd|..." as text, never a formula.
        _ok(ws.write_string(cell.row, cell.col, str(value), f), f"text of {cell.ref}")
    _ok(ws.data_validation(cell.row, cell.col, cell.row, cell.col, _validation(fmt, cell)),
        f"validation of {cell.ref}")
    ws.conditional_format(cell.row, cell.col, cell.row, cell.col, {"type": "blanks", "format": st.blank})


def _write_table_sheet(ws: Worksheet, fmt: ReportFormat, sl: Any, values: Mapping[str, Any],
                       computed: Mapping[str, Any], st: _Styles, notes: Mapping[str, str]) -> None:
    table = fmt.table(sl.section)
    depth = sl.label_cols
    data_width = 9 if table.width > 8 else 12
    label_widths = {1: [24], 2: [14, 40], 3: [10, 14, 44]}.get(depth, [16] * depth)
    for j, w in enumerate(label_widths):
        ws.set_column(j, j, w)
    col_width = {j: label_widths[j] for j in range(depth)}
    col_width.update({depth + j: data_width for j in range(table.width)})
    for col, w in _figure_widths(fmt, sl, values, computed).items():
        col_width[col] = max(col_width.get(col, data_width), w)
    for j in range(depth, depth + table.width):
        ws.set_column(j, j, col_width[j])
    ws.set_row(0, 30)
    hint = next((lab for lab in sl.labels if lab.role == "hint"), None)
    ws.set_row(1, _text_height(hint.text, sum(col_width.values()), minimum=18) if hint else 18)
    _write_labels(ws, sl.labels, st)
    # Heights for wrapped labels: the tallest need of any label in the row.
    need: dict[int, float] = {}
    for lab in sl.labels:
        if lab.role in ("label", "header", "corner") and lab.rowspan == 1:
            w = sum(col_width.get(lab.col + k, 10) for k in range(lab.colspan))
            need[lab.row] = max(need.get(lab.row, 20), _text_height(lab.text, w))
    corner_rows = [lab for lab in sl.labels if lab.role == "corner" and lab.rowspan > 1]
    for lab in corner_rows:
        w = sum(col_width.get(lab.col + k, 10) for k in range(lab.colspan))
        per_row = _text_height(lab.text, w) / lab.rowspan
        for k in range(lab.rowspan):
            need[lab.row + k] = max(need.get(lab.row + k, 20), per_row)
    for r, h in need.items():
        ws.set_row(r, h)
    for cell in sl.cells:
        last_col = cell.col + cell.colspan - 1
        if cell.role == "derived":
            f = st.money_out if cell.kind == "money" else st.count_out
            if cell.colspan > 1:
                ws.merge_range(cell.row, cell.col, cell.row, last_col, "", f)
            ws.write_formula(cell.row, cell.col, "=" + _sum_formula(fmt, cell.sum_of, cell.sheet), f,
                             plain_number(computed[cell.code]))
        else:
            f = st.input_for(cell.kind)
            if cell.colspan > 1:
                ws.merge_range(cell.row, cell.col, cell.row, last_col, "", f)
                # merge_range gives every cell of the range the (unlocked) input
                # format; only the top-left cell holds data, so the covered
                # cells are locked again: exactly the inputs stay editable.
                for k in range(cell.col + 1, last_col + 1):
                    ws.write_blank(cell.row, k, None, st.cell)
            _write_input(ws, fmt, cell, values.get(cell.code), st)
        if cell.code in notes:
            ws.write_comment(cell.row, cell.col, notes[cell.code], {"x_scale": 2, "y_scale": 1.5})
    # Relations (other than plain totals) turn their cells red when they fail.
    for rel in fmt.relations:
        if rel.derived or rel.table != table.code:
            continue
        lt = "+".join(fmt.cells[c].address for c in rel.left)
        rt = "+".join(fmt.cells[c].address for c in rel.right)
        for code in rel.left + rel.right:
            c = fmt.cells[code]
            ws.conditional_format(c.row, c.col, c.row, c.col, {
                "type": "formula", "criteria": f"=ROUND(({lt})-({rt}),4)<>0", "format": st.red})
    if len(table.blocks) == 1:
        ws.freeze_panes(sl.header_rows, depth)
    else:
        ws.freeze_panes(2, 0)
    ws.repeat_rows(0, sl.header_rows - 1)
    if table.width + depth > 5:
        ws.set_landscape()
    ws.center_horizontally()
    ws.fit_to_pages(1, 1)  # each table on one printed page, as the format prints it


def _figure_widths(fmt: ReportFormat, sl: Any, values: Mapping[str, Any],
                   computed: Mapping[str, Any]) -> dict[int, float]:
    """Column widths (Excel units) that show every figure a column can hold, never "###".

    A typed figure may have as many digits as its kind's ``max``; a total one
    more (bold, so a little wider); a figure already in the workbook at least its
    own length.  Money shows up to its decimals.
    """
    out: dict[int, float] = {}
    for cell in sl.cells:
        if cell.colspan != 1 or cell.kind not in ("count", "money"):
            continue
        kind = fmt.kinds[cell.kind]
        derived = cell.role == "derived"
        chars = len(str(int(kind.max or 0))) + (1 if derived else 0) + ((kind.decimals or 0) + 1 if kind.decimals else 0)
        value = computed.get(cell.code) if derived else values.get(cell.code)
        if value not in (None, ""):
            chars = max(chars, len(fmt_number(value)))
        width = chars * (1.15 if derived else 1.0) + 2
        out[cell.col] = max(out.get(cell.col, 0.0), width)
    return out


def _px(width_chars: float) -> int:
    """Pixels of a column ``width_chars`` wide (Excel's default font)."""
    return int(width_chars * 7 + 5)


#: Printable area of a list sheet: A4 landscape less its margins (0.4 in left/right, 0.6 in top/bottom).
LIST_PAGE_WIDTH_PT = (11.69 - 0.8) * 72
LIST_PAGE_HEIGHT_PT = (8.27 - 1.2) * 72 - 20  # less room for LibreOffice's header and footer


def _write_list_sheet(wb: Checked, spec: ListSheet, st: _Styles) -> None:
    """One :class:`ListSheet`; ``wb`` is :class:`Checked`, so every refused call raises."""
    ws = wb.add_worksheet(spec.name)
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_landscape()
    ws.hide_gridlines(2)
    ncols = len(spec.headers)
    widths = list(spec.widths) + [12] * (ncols - len(spec.widths))
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    head = 0
    if spec.title:
        ws.set_row(0, max(30, _text_height(spec.title, sum(widths) / 1.4, line_pt=20)))
        if ncols > 1:
            ws.merge_range(0, 0, 0, ncols - 1, "", st.title)
        ws.write_string(0, 0, spec.title, st.title)
        head = 1
    for j, h in enumerate(spec.headers):
        ws.write_string(head, j, h, st.header)
    header_pt = max(_text_height(h, widths[j]) for j, h in enumerate(spec.headers))
    ws.set_row(head, header_pt)
    table_pt = header_pt + (max(30, _text_height(spec.title, sum(widths) / 1.4, line_pt=20)) if spec.title else 0)
    for i, row in enumerate(spec.rows, start=head + 1):
        need = 20.0
        for j, v in enumerate(row):
            if v is None or v == "":
                ws.write_blank(i, j, None, st.label)
            elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                ws.write_number(i, j, plain_number(v), st.center if j == 0 else st.cell)
            else:
                text = str(v)
                ws.write_string(i, j, text, st.label)
                if 2 * len(text) > widths[j] - 1:  # may wrap (a CJK character is two width units)
                    need = max(need, _text_height(text, widths[j]))
        ws.set_row(i, need)
        table_pt += need
    last = head + len(spec.rows)
    if spec.flag_col is not None and spec.rows:
        col = col_letter(spec.flag_col)
        tests = ",".join(f'LEFT(${col}{head + 2},{len(ok)})="{ok}"' for ok in spec.flag_ok) or "FALSE"
        ws.conditional_format(head + 1, 0, last, ncols - 1, {
            "type": "formula", "criteria": f"=NOT(OR({tests}))", "format": st.red})
    ws.freeze_panes(head + 1, 0)
    ws.repeat_rows(head, head)
    ws.fit_to_pages(1, 0)
    print_rows = last
    if spec.chart is not None and spec.chart.rows:
        c = spec.chart
        chart = wb.add_chart({"type": "bar"})
        _ok(chart.add_series({
            "name": c.title,
            "categories": [spec.name, head + 1, c.categories_col, head + c.rows, c.categories_col],
            "values": [spec.name, head + 1, c.values_col, head + c.rows, c.values_col],
        }), f"chart of {spec.name}")
        chart.set_title({"name": c.title, "name_font": {"name": CJK_FONT, "size": 12}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})
        # As wide as the table (fit to one page wide keeps it whole), tall enough for every bar
        # but no taller than a page, and on a page of its own: below a long table it was cut
        # in two by a page break and printed under the repeated header row.
        sheet_px = sum(_px(w) for w in widths)
        width = min(sheet_px - 20, 1000)
        scale = min(1.0, LIST_PAGE_WIDTH_PT / (sheet_px * 0.75))
        page_px = (LIST_PAGE_HEIGHT_PT / scale - header_pt - 2 * 20) / 0.75
        height = min(max(300, 22 * c.rows + 80), int(page_px))
        chart.set_size({"width": width, "height": height})
        if (table_pt + 2 * 15 + height * 0.75) * scale > LIST_PAGE_HEIGHT_PT:
            ws.set_h_pagebreaks([last + 1])  # the chart would straddle the first page's end
        ws.insert_chart(a1(last + 2, 0), chart, {"x_offset": 10, "object_position": 3})
        print_rows = last + 2 + math.ceil(height / 20) + 1
    ws.print_area(0, 0, print_rows, ncols - 1)
    if spec.protect:
        ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                        "select_unlocked_cells": True})


def write_list_workbook(path: str | os.PathLike[str], sheets: Sequence[ListSheet]) -> None:
    """Write a plain workbook of list sheets (the merge's 催报清单), atomically."""
    buf = io.BytesIO()
    wb = Checked(xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "default_format_properties": {"font_name": CJK_FONT, "font_size": FONT_SIZE}}))
    wb.set_properties({"author": "govinfo-xlsx", "created": _dt.datetime(*settings.FIXED_TIMESTAMP)})
    st = _Styles(wb)
    for sheet in sheets:
        _write_list_sheet(wb, sheet, st)
    wb.close()
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.getvalue())


_WB_PR = re.compile(rb"<workbookPr\b[^>]*/>")


def _legacy_password_hash(password: str) -> str:
    """Excel's legacy 16-bit password verifier, as used for workbookPassword."""
    h = 0
    for i, ch in enumerate(password):
        v = ord(ch) << (i + 1)
        h ^= (v & 0x7FFF) | (v >> 15)
    h ^= len(password)
    h ^= 0xCE4B
    return f"{h:04X}"


def _add_structure_protection(data: bytes, password: str | None) -> bytes:
    """Add ``<workbookProtection lockStructure="1"/>`` to ``xl/workbook.xml``.

    xlsxwriter cannot write workbook structure protection; Excel and WPS honour
    it (no sheet can be added, deleted, renamed or unhidden).  LibreOffice 7.4
    ignores it, so readers must not rely on it.  Zip entries keep xlsxwriter's
    fixed timestamps so the file stays byte-identical for the same inputs.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                attrs = ' lockStructure="1"'
                if password:
                    attrs = f' workbookPassword="{_legacy_password_hash(password)}"' + attrs
                tag = f"<workbookProtection{attrs}/>".encode()
                m = _WB_PR.search(body)
                if m:
                    body = body[: m.end()] + tag + body[m.end():]
                else:
                    body = body.replace(b"<bookViews>", tag + b"<bookViews>", 1)
            zi = zipfile.ZipInfo(info.filename, date_time=settings.FIXED_TIMESTAMP)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, body)
    return out.getvalue()


def write_template(
    path: str | os.PathLike[str],
    *,
    year: int | None = None,
    org: str = "",
    password: str | None = None,
    version: str | None = None,
    contact: str = "",
) -> None:
    """Write the blank, protected template of a format version (default: newest).

    The CLI's ``govinfo-xlsx template`` is this function.
    """
    write_workbook(path, load_format(version), year=year, org=org, password=password, contact=contact)
