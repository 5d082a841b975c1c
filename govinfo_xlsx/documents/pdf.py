"""PDF with a text layer: ruled tables with their merged cells, and the running text around them.

pdfplumber (on pdfminer.six) finds the tables from the ruling lines the
word processor drew, so a merged cell is one cell and a label wrapped over
three lines stays in its cell; text outside the tables is read line by line
with its indentation (a new paragraph).  Tables split across pages become
separate grids that :mod:`.assemble` joins by their headers.  Page numbers
are dropped there.  A PDF without text (a scan) is refused: it needs OCR,
which this toolkit does not do.

Measured on the three real WPS-made reports (5–6 pages) against pypdfium2:
see docs/architecture.md, "Reading published reports".
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import WorkbookError
from .model import Extracted, Grid, Paragraph, Slot

#: Fewer characters than this on every page: a scan (images only).
_MIN_TEXT_CHARS = 20


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1 for x0, top, x1, bottom in boxes)


def _edges(values: list[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _grid(table: Any, page_no: int) -> tuple[Grid, tuple[float, float, float, float]] | None:
    """The table as a grid of slots (merged cells resolved from the cell boxes); None if it is not a table.

    Rows and columns are the bands between distinct cell edges: a cell's box
    says which bands it covers, so a merged cell is one origin and its
    continuations, whatever pdfplumber's own row grouping.
    """
    rows = table.rows
    if not rows:
        return None
    texts = table.extract()
    boxes = [(i, j, c) for i, r in enumerate(rows) for j, c in enumerate(r.cells) if c is not None]
    xs = _edges([c[0] for _, _, c in boxes] + [c[2] for _, _, c in boxes])
    ys = _edges([c[1] for _, _, c in boxes] + [c[3] for _, _, c in boxes])
    col_mid = [(xs[k] + xs[k + 1]) / 2 for k in range(len(xs) - 1)]
    row_mid = [(ys[k] + ys[k + 1]) / 2 for k in range(len(ys) - 1)]
    if not col_mid or not row_mid:
        return None
    slots: list[list[Slot | None]] = [[None] * len(col_mid) for _ in row_mid]
    for i, j, c in sorted(boxes, key=lambda b: (b[2][1], b[2][0])):
        text = (texts[i][j] if i < len(texts) and j < len(texts[i]) else "") or ""
        cols = [k for k, x in enumerate(col_mid) if c[0] <= x <= c[2]]
        rws = [k for k, y in enumerate(row_mid) if c[1] <= y <= c[3]]
        if not cols or not rws:
            continue
        origin = (rws[0], cols[0])
        for rr in rws:
            for cc in cols:
                if slots[rr][cc] is None:
                    slots[rr][cc] = Slot(text, origin)
    full = [[s if s is not None else Slot("", (r, c)) for c, s in enumerate(row)] for r, row in enumerate(slots)]
    # WPS draws boxes around lines of running text: only rows with two or more
    # cells are the table; single-cell rows around them are left to the text pass.
    multi = [r for r, row in enumerate(full) if len({s.origin for s in row}) >= 2]
    if not multi:
        return None
    first, last = multi[0], multi[-1]
    grid = Grid()
    for r in range(first, last + 1):
        grid.rows.append([Slot(s.text, (max(s.origin[0], first) - first, s.origin[1])) for s in full[r]])
        grid.pages.append(page_no)
    return grid, (xs[0], ys[first], xs[-1], ys[last + 1])


def read(path: str | os.PathLike[str]) -> Extracted:
    """Paragraph lines and table grids of a PDF, page by page in reading order."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    items: list[Any] = []
    total_chars = 0
    try:
        pdf = pdfplumber.open(path)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise WorkbookError("encrypted", "PDF 文件设有密码，无法读取；请提供未加密的文件", path) from exc
    except PDFSyntaxError as exc:
        raise WorkbookError("corrupt-file", "PDF 文件已损坏，无法读取", path) from exc
    with pdf:
        n_pages = len(pdf.pages)
        for p_i, page in enumerate(pdf.pages, start=1):
            chars = page.chars
            total_chars += len(chars)
            if not chars:
                continue
            placed: list[tuple[float, int, Any]] = []
            boxes = []
            for table in page.find_tables():
                g = _grid(table, p_i)
                if g is None:
                    continue
                grid, box = g
                boxes.append(box)
                placed.append((box[1], 1, grid))
            text_page = page.filter(lambda o: not _inside(o, boxes)) if boxes else page
            lines = text_page.extract_text_lines(return_chars=False)
            if lines:
                margin = min(ln["x0"] for ln in lines)
                for ln in lines:
                    size = max(ln["bottom"] - ln["top"], 6.0)
                    indent = ln["x0"] > margin + 1.2 * size
                    placed.append((ln["top"], 0, Paragraph(ln["text"], p_i, indent)))
            placed.sort(key=lambda x: (x[0], x[1]))
            items.extend(x[2] for x in placed)
    if total_chars < _MIN_TEXT_CHARS:
        raise WorkbookError("needs-ocr",
                            "PDF 中没有可读取的文字（可能是扫描件或图片），需要 OCR 文字识别，本工具不做 OCR；"
                            "请提供 Word 原文件或带文字层的 PDF", path)
    return Extracted(items, "pdf", n_pages)
