"""Word output (python-docx) following Chinese official-document conventions.

A4 with the 党政机关公文格式 margins (top 37 mm, bottom 35 mm, left 28 mm,
right 26 mm); the title in 方正小标宋简体 二号, first-level headings in 黑体,
second-level in 楷体, body in 仿宋 三号 with a two-character first-line
indent and 28 pt line spacing.  Word and WPS pick the font for Chinese text
from the run's ``w:eastAsia`` attribute, not from ``w:ascii``: without it
Chinese falls back to the theme font, so every style and run sets it.
Tables reproduce the merged headers cell for cell; their rows never split
across pages and header rows repeat.  Headings stay with the paragraph that
follows them.  Page numbers sit in the footer as 公文 write them ("— 1 —", 四号
宋体, odd pages right and even pages left, one character in from the edge).
The report ends with its 落款 (issuing body over the date, the date four
characters in from the right).
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

from .document import Document, Grid, Signature, clean_text, column_shares

TITLE_FONT = "方正小标宋简体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "宋体"
WEST_FONT = "Times New Roman"

PAGE_NUMBER_FONT = "宋体"
PAGE_NUMBER_PT = 14  # 四号
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
          color: RGBColor | None = None, keep_with_next: bool = False) -> Any:
    p = doc.add_paragraph()
    pf = p.paragraph_format
    pf.keep_with_next = keep_with_next
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


def _fixed_layout(table: Any) -> None:
    """Fixed layout (long labels wrap instead of widening their column) and 1 mm cell margins.

    Word's default 1.9 mm left and right margins leave a 10 mm column of
    表四 (15 number columns on A4 portrait) too narrow for a bold "420".
    """
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "57")  # twips: 1 mm
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    # Word refuses elements out of the schema's order: both go before <w:tblLook>.
    look = tblpr.find(qn("w:tblLook"))
    for el in (layout, mar):
        if look is not None:
            look.addprevious(el)
        else:
            tblpr.append(el)


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
    _fixed_layout(table)
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            cell.width = Mm(widths[j])
    # python-docx's table.cell() walks the whole table on every call (quadratic:
    # seconds for 表三); take the cells once.  Merges never overlap, so the other
    # cells' elements stay valid while each range is merged.
    cells = table._cells
    n = grid.n_cols
    for row in grid.rows:
        for gc in row:
            r0 = gc.row
            top_left = cells[r0 * n + gc.col]
            if gc.rowspan > 1 or gc.colspan > 1:
                top_left = top_left.merge(cells[(r0 + gc.rowspan - 1) * n + gc.col + gc.colspan - 1])
            if gc.kind in ("number", "total"):
                _cell_text(top_left, gc.text, WD_ALIGN_PARAGRAPH.RIGHT, gc.kind == "total")
            elif gc.kind == "label" or gc.kind == "caption":
                _cell_text(top_left, gc.text, WD_ALIGN_PARAGRAPH.LEFT, gc.kind == "caption")
            else:
                _cell_text(top_left, gc.text, WD_ALIGN_PARAGRAPH.CENTER)
    _rows_unsplit(table, grid.header_rows)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _rows_unsplit(table: Any, header_rows: int) -> None:
    """No row breaks across a page (w:cantSplit); the first ``header_rows`` repeat on every page."""
    for r, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        trpr.append(el)
        if r < header_rows:
            el = OxmlElement("w:tblHeader")
            el.set(qn("w:val"), "true")
            trpr.append(el)


def _simple_table(doc: Any, headers: list[str], rows: list[list[str]]) -> None:
    """A plain table: a name column wide enough for a unit's full name, numbers sharing the rest."""
    n = len(headers)
    table = doc.add_table(rows=len(rows) + 1, cols=n)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _simple_widths(headers, rows)
    _fixed_layout(table)
    for j, col in enumerate(table.columns):
        col.width = Mm(widths[j])
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            cell.width = Mm(widths[j])
    for j, h in enumerate(headers):
        _cell_text(table.cell(0, j), h, WD_ALIGN_PARAGRAPH.CENTER, True)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            _cell_text(table.cell(i, j), str(v), WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
    _rows_unsplit(table, 1)
    doc.add_paragraph()


def _text_mm(text: str, pt: float = TABLE_PT) -> float:
    """Width of one line of ``text``: CJK one em, other characters 0.62 em (wide enough for the
    metric substitutes LibreOffice uses where Times New Roman is missing)."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.62 for ch in text) * pt * 0.3528


def _simple_widths(headers: list[str], rows: list[list[str]]) -> list[float]:
    """Number columns as wide as their longest value and "（件）" (never wrapped); the name column takes the rest."""
    n = len(headers)
    if n == 1:
        return [TEXT_WIDTH_MM]
    numbers = [max([13.0] + [_text_mm(str(r[j])) + 3.0 for r in rows]) for j in range(1, n)]
    name = TEXT_WIDTH_MM - sum(numbers)
    if name < TEXT_WIDTH_MM * 0.22:  # very many or very long numbers: shrink them, keep names legible
        name = TEXT_WIDTH_MM * 0.22
        numbers = [w * (TEXT_WIDTH_MM - name) / sum(numbers) for w in numbers]
    return [name] + numbers


def _field(paragraph: Any, instruction: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES…) whose result Word, WPS and LibreOffice compute when laying out."""
    def part(tag: str, **attrs: str) -> None:
        run = _run(paragraph, "", PAGE_NUMBER_FONT, size)
        el = OxmlElement(tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        if tag == "w:instrText":
            el.text = instruction
        run._r.append(el)

    part("w:fldChar", **{"w:fldCharType": "begin"})
    part("w:instrText", **{"xml:space": "preserve"})
    part("w:fldChar", **{"w:fldCharType": "separate"})
    _run(paragraph, "1", PAGE_NUMBER_FONT, size)
    part("w:fldChar", **{"w:fldCharType": "end"})


def _page_numbers(doc: Any) -> None:
    """公文 page numbers: "— N —" in 四号宋体, odd pages right and even pages left, one character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    sec = doc.sections[0]
    for footer, align in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT), (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.paragraph_format.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            p.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
        _run(p, "— ", PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        _field(p, " PAGE ", PAGE_NUMBER_PT)
        _run(p, " —", PAGE_NUMBER_FONT, PAGE_NUMBER_PT)


def _width_in_chars(text: str) -> float:
    return sum(1.0 if ord(ch) > 0x2E7F else 0.5 for ch in text)


def _signature(doc: Any, sig: Signature) -> None:
    """落款: the date four characters in from the right, the body centred over it (GB/T 9704)."""
    doc.add_paragraph()
    doc.add_paragraph()
    date_indent = 4.0
    org_indent = max(0.0, date_indent + (_width_in_chars(sig.date) - _width_in_chars(sig.org)) / 2)
    for text, indent in ((sig.org, org_indent), (sig.date, date_indent)):
        p = _para(doc, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, keep_with_next=text == sig.org)
        p.paragraph_format.right_indent = Pt(BODY_PT * indent)


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

    _page_numbers(doc)

    _para(doc, document.title, TITLE_FONT, TITLE_PT, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
          keep_with_next=True)
    doc.add_paragraph().paragraph_format.keep_with_next = True
    for s in document.sections:
        if s.chart is not None and not (s.parts or s.table or s.simple_table):
            # A chart in Word would only repeat a column of the table above
            # it as a second table; the HTML draws it, Word leaves it out.
            continue
        _para(doc, s.heading, HEADING1_FONT, BODY_PT, keep_with_next=True)
        for part in s.parts:
            if part.heading:
                _para(doc, part.heading, HEADING2_FONT, BODY_PT, keep_with_next=True)
            if part.marker:
                _para(doc, part.marker, BODY_FONT, 12, indent=False, color=RGBColor(0x8A, 0x6D, 0x00),
                      keep_with_next=True)
            for text in part.paragraphs:
                _para(doc, text, shade=bool(part.marker))
        if s.table is not None:
            _table(doc, s.table, s.table.label_cols)
        if s.simple_table is not None:
            _simple_table(doc, *s.simple_table)
    for n in document.notes:
        _para(doc, n, BODY_FONT, 12, indent=False)
    if document.signature is not None:
        _signature(doc, document.signature)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
