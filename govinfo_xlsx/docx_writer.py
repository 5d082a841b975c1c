"""Word output (python-docx) following Chinese official-document conventions.

A4 with the 党政机关公文格式 margins (top 37 mm, bottom 35 mm, left 28 mm,
right 26 mm); the title in 方正小标宋简体 二号, first-level headings in 黑体,
second-level in 楷体, body in 仿宋 三号 with a two-character first-line
indent and 28 pt line spacing.  Word and WPS pick the font for Chinese text
from the run's ``w:eastAsia`` attribute, not from ``w:ascii``: without it
Chinese falls back to the theme font, so every style and run sets it.
Tables reproduce the merged headers cell for cell.
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any

from docx import Document as _new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .report import Document, Grid, clean_text, column_shares

TITLE_FONT = "方正小标宋简体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "宋体"
WEST_FONT = "Times New Roman"

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
TABLE_PT = 9
TEXT_WIDTH_MM = 210 - 28 - 26


def _set_fonts(element: Any, east: str, west: str = WEST_FONT) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), west)
    fonts.set(qn("w:eastAsia"), east)


def _run(paragraph: Any, text: str, east: str, size: float, bold: bool = False,
         color: RGBColor | None = None) -> Any:
    run = paragraph.add_run(clean_text(text))  # XML cannot hold control characters
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = WEST_FONT
    if color is not None:
        run.font.color.rgb = color
    _set_fonts(run._element, east)
    return run


def _para(doc: Any, text: str, east: str = BODY_FONT, size: float = BODY_PT, *, indent: bool = True,
          align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, bold: bool = False, shade: bool = False,
          color: RGBColor | None = None) -> Any:
    p = doc.add_paragraph()
    pf = p.paragraph_format
    pf.alignment = align
    pf.first_line_indent = Pt(size * 2) if indent else None
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(28 if size >= BODY_PT else size * 1.6)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    _run(p, text, east, size, bold, color)
    if shade:
        ppr = p._p.get_or_add_pPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), "FFF2CC")
        ppr.append(shd)
    return p


def _cell_text(cell: Any, text: str, align: Any, bold: bool = False) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.paragraph_format.alignment = align
    p.paragraph_format.first_line_indent = None
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    _run(p, text, TABLE_FONT, TABLE_PT, bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _column_widths(grid: Grid, label_cols: int) -> list[float]:
    return [TEXT_WIDTH_MM * w for w in column_shares(grid.n_cols, label_cols)]


def _table(doc: Any, grid: Grid, label_cols: int) -> None:
    table = doc.add_table(rows=len(grid.rows), cols=grid.n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _column_widths(grid, label_cols)
    # Word and LibreOffice lay a table out from <w:tblGrid>, not from the cell
    # widths alone: set both, with a fixed layout so long labels wrap instead
    # of widening their column.
    for j, col in enumerate(table.columns):
        col.width = Mm(widths[j])
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            cell.width = Mm(widths[j])
    for row in grid.rows:
        for gc in row:
            r0 = gc.row
            top_left = table.cell(r0, gc.col)
            if gc.rowspan > 1 or gc.colspan > 1:
                top_left = top_left.merge(table.cell(r0 + gc.rowspan - 1, gc.col + gc.colspan - 1))
            if gc.kind in ("number", "total"):
                _cell_text(top_left, gc.text, WD_ALIGN_PARAGRAPH.RIGHT, gc.kind == "total")
            elif gc.kind == "label" or gc.kind == "caption":
                _cell_text(top_left, gc.text, WD_ALIGN_PARAGRAPH.LEFT, gc.kind == "caption")
            else:
                _cell_text(top_left, gc.text, WD_ALIGN_PARAGRAPH.CENTER)
    # Repeat the header rows on every page.
    for r in range(grid.header_rows):
        trpr = table.rows[r]._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        trpr.append(el)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _simple_table(doc: Any, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows) + 1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, h in enumerate(headers):
        _cell_text(table.cell(0, j), h, WD_ALIGN_PARAGRAPH.CENTER, True)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            _cell_text(table.cell(i, j), str(v), WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
    doc.add_paragraph()


def docx_bytes(document: Document) -> bytes:
    """Render the document model as a .docx file and return its bytes."""
    doc = _new_docx()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = WEST_FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element, BODY_FONT)
    props = doc.core_properties
    props.title = document.title
    props.author = "govinfo-xlsx"
    props.created = props.modified = _dt.datetime(2021, 1, 1)

    _para(doc, document.title, TITLE_FONT, TITLE_PT, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    doc.add_paragraph()
    for s in document.sections:
        _para(doc, s.heading, HEADING1_FONT, BODY_PT)
        for part in s.parts:
            if part.heading:
                _para(doc, part.heading, HEADING2_FONT, BODY_PT)
            if part.generated:
                _para(doc, part.marker, BODY_FONT, 12, indent=False, color=RGBColor(0x8A, 0x6D, 0x00))
            for text in part.paragraphs:
                _para(doc, text, shade=part.generated)
        if s.table is not None:
            _table(doc, s.table, s.table.label_cols)
        if s.simple_table is not None:
            _simple_table(doc, *s.simple_table)
        if s.chart is not None:
            _simple_table(doc, list(s.chart["headers"]), [[n, v] for n, v in s.chart["rows"]])
    for n in document.notes:
        _para(doc, n, BODY_FONT, 12, indent=False)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
