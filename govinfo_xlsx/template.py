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
import math
import os
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import __version__, settings
from ._io import atomic_path
from .format import Cell, ReportFormat, a1, col_letter, defined_name, load_format, quote_sheet
from .numbers import compute, evaluate, plain_number

__all__ = ["TemplateError", "write_workbook", "write_template"]

CJK_FONT = "宋体"
CJK_HEADING_FONT = "黑体"


class TemplateError(RuntimeError):
    """An xlsxwriter call was refused (it warns and returns non-zero instead of raising)."""


def _ok(ret: Any, what: str) -> None:
    # xlsxwriter reports many option errors with warn() and a negative return
    # value, silently dropping the feature (e.g. an over-long validation
    # prompt drops the validation).  Turn that into an error.
    if isinstance(ret, int) and ret < 0:
        raise TemplateError(f"xlsxwriter refused {what} (code {ret})")


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
    units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    lines = sum(max(1, math.ceil(units / max(width_chars - 1, 1))) for _ in text.split("\n"))
    lines = max(lines, text.count("\n") + 1)
    return max(minimum, min(409.0, lines * line_pt + 4))


class _Styles:
    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": CJK_FONT, "font_size": 11, "valign": "vcenter"}
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

    def instructions(self, ws: Worksheet, sl: Any) -> None:
        ws.set_column(0, 0, 100)
        _write_labels(ws, sl.labels[:1], self.st)
        for lab in sl.labels[1:]:
            ws.write_string(lab.row, lab.col, lab.text, self.st.para)
            ws.set_row(lab.row, _text_height(lab.text, 100))
        if self.contact:
            row = sl.labels[-1].row + 2
            text = self.fmt.instructions.contact.format(contact=self.contact)
            ws.write_string(row, 0, text, self.st.para)
            ws.set_row(row, _text_height(text, 100))
        ws.set_row(0, 30)
        ws.fit_to_pages(1, 0)
        ws.activate()

    def cover(self, ws: Worksheet, sl: Any) -> None:
        fmt, st, layout = self.fmt, self.st, self.fmt.layout
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 56)
        ws.set_row(0, 30)
        ws.fit_to_pages(1, 0)
        _write_labels(ws, sl.labels, st)
        for cell in sl.cells:
            _write_input(ws, fmt, cell, self.cover_values.get(cell.code), st)
        ok_text = fmt.cover.status_ok
        fail_parts = fmt.cover.status_fail.split("{n}")
        status, fails = layout.status_cell, f'COUNTIF({self.result_range},"{self.fail_mark}")'
        ws.write_formula(status.row, status.col,
                         f'=IF({fails}=0,"{ok_text}","{fail_parts[0]}"&{fails}&"{fail_parts[1]}")', st.status,
                         ok_text if self.n_fail == 0 else fmt.cover.status_fail.format(n=self.n_fail))
        ws.conditional_format(status.row, status.col, status.row, status.col, {
            "type": "formula", "criteria": f'={a1(status.row, status.col)}<>"{ok_text}"', "format": st.red})
        inputs_by_sheet: dict[str, list[Cell]] = {}
        for code in fmt.input_codes:
            inputs_by_sheet.setdefault(fmt.cells[code].sheet, []).append(fmt.cells[code])
        terms = [f"COUNTBLANK({quote_sheet(s)}!{r})" for s, cs in inputs_by_sheet.items() for r in _ranges(cs)]
        blank = layout.blank_cell
        ws.write_formula(blank.row, blank.col, "=" + "+".join(terms), st.status,
                         sum(1 for c in fmt.input_codes if self.values.get(c) is None))

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

    def checks(self, ws: Worksheet, sl: Any) -> None:
        fmt, st = self.fmt, self.st
        first, res_col = fmt.layout.checks_first_row, fmt.layout.checks_result_col
        for j, w in enumerate((6, 30, 60, 12, 12, 8)):
            ws.set_column(j, j, w)
        ws.set_row(0, 30)
        _write_labels(ws, sl.labels, st)
        for i, (cr, (left, right, ok)) in enumerate(zip(fmt.check_rows, self.check_values, strict=True)):
            rel, r = cr.relation, cr.row
            table_title = fmt.table(rel.table).title if rel.table else ""
            ws.write_number(r, 0, i + 1, st.center)
            ws.write_string(r, 1, rel.name, st.cell)
            ws.write_string(r, 2, " ".join(x for x in (table_title, rel.row_label, rel.col_label) if x), st.cell)
            ws.write_formula(r, 3, "=" + _sum_formula(fmt, rel.left, None), st.count_out, plain_number(left))
            ws.write_formula(r, 4, "=" + _sum_formula(fmt, rel.right, None), st.count_out, plain_number(right))
            ws.write_formula(r, 5, f'=IF(ROUND({a1(r, 3)}-{a1(r, 4)},4)=0,"{self.pass_mark}","{self.fail_mark}")',
                             st.center, self.pass_mark if ok else self.fail_mark)
        ws.conditional_format(first, 0, first + len(fmt.check_rows) - 1, res_col, {
            "type": "formula", "criteria": f'=${col_letter(res_col)}{first + 1}="{self.fail_mark}"', "format": st.red})
        ws.freeze_panes(first, 0)
        ws.repeat_rows(0, first - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)

    def meta(self, ws: Worksheet, sl: Any) -> None:
        ws.set_column(0, 1, 30)
        for i, key in enumerate(self.fmt.layout.meta_rows):
            ws.write_string(i, 0, key)
            ws.write_string(i, 1, self.meta_values[key])
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
    extra_sheets: Callable[[Workbook, _Styles], None] | None = None,
    contact: str = "",
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
    wb = xlsxwriter.Workbook(buf, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    })
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
    st = _Styles(wb)
    writer = _SheetWriter(fmt, st, values, computed, cover_values, prose, notes or {}, meta, contact)
    for sl in fmt.layout.sheets:
        ws = wb.add_worksheet(sl.name)
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.hide_gridlines(2)
        getattr(writer, sl.role)(ws, sl)
        _protect(ws, password)

    # Defined names for every input and derived cell, so readers can locate them.
    for cell in fmt.cells.values():
        wb.define_name(defined_name(cell.code), f"={quote_sheet(cell.sheet)}!${col_letter(cell.col)}${cell.row + 1}")
    if extra_sheets is not None:
        extra_sheets(wb, st)
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
    ws.set_column(depth, depth + table.width - 1, data_width)
    col_width = {j: label_widths[j] for j in range(depth)}
    col_width.update({depth + j: data_width for j in range(table.width)})
    ws.set_row(0, 30)
    ws.set_row(1, 18)
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
    ws.fit_to_pages(1, 0)


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
