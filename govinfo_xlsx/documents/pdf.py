"""PDF with a text layer: ruled tables with their merged cells, and the running text around them.

Built on pypdfium2 (Google's PDFium, the PDF engine of Chrome): characters
with their boxes and the page's path objects come from compiled code, about
ten times faster than pdfminer.six, on which pdfplumber is built (measured on
the three real WPS-made reports: docs/importing-reports.md, "PDF: pypdfium2
rather than pdfplumber").  The table finding is ours and small:

1. every stroked line and thin filled rectangle is a horizontal or vertical
   edge; edges that touch form one table;
2. the distinct edge positions cut the table into bands; two neighbouring
   bands are one cell unless an edge separates them, so a merged cell is one
   origin and its continuations;
3. each character goes to the cell under its centre; characters outside the
   tables are running text, grouped into lines (an indented line starts a
   paragraph).

WPS boxes lines of running text too: only rows with two or more cells count
as table.  Tables split across pages become separate grids that
:mod:`.assemble` joins by their headers; page numbers are dropped there.  A
PDF without text (a scan) is refused: it needs OCR, which this toolkit does
not do.
"""

from __future__ import annotations

import ctypes
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .. import settings
from ..errors import WorkbookError
from .model import Extracted, Grid, Paragraph, Slot

#: Fewer characters than this in the whole file: a scan (images only).
_MIN_TEXT_CHARS = 20
#: Edges closer than this (points) are the same line.
_TOL = 2.0
#: Thickest stroke or filled rectangle still read as a ruling line (points).
_THIN = 2.5


@dataclass
class _Char:
    ch: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class _Edge:
    lo: float  # start along the edge
    hi: float  # end along the edge
    at: float  # position across (y of a horizontal edge, x of a vertical one)


def _chars(textpage: object, height: float) -> list[_Char]:
    import pypdfium2.raw as raw

    tp = textpage.raw  # type: ignore[attr-defined]
    out = []
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    for i in range(raw.FPDFText_CountChars(tp)):
        code = raw.FPDFText_GetUnicode(tp, i)
        if code in (0, 10, 13, 0xFFFE, 0xFFFF) or raw.FPDFText_IsGenerated(tp, i):
            continue
        if not raw.FPDFText_GetCharBox(tp, i, left, right, bottom, top):
            continue
        ch = chr(code)
        if code == 32 or code == 0x3000:
            ch = " "
        out.append(_Char(ch, left.value, height - top.value, right.value, height - bottom.value))
    return out


def _edges(page: object, height: float) -> tuple[list[_Edge], list[_Edge]]:
    """Horizontal and vertical ruling edges of a page, in top-down coordinates."""
    import pypdfium2.raw as raw

    hs: list[_Edge] = []
    vs: list[_Edge] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_PATH,)):  # type: ignore[attr-defined]
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h <= _THIN and w > _THIN:
            hs.append(_Edge(left, right, height - (top + bottom) / 2))
            continue
        if w <= _THIN and h > _THIN:
            vs.append(_Edge(height - top, height - bottom, (left + right) / 2))
            continue
        n = raw.FPDFPath_CountSegments(obj.raw)
        if n < 2 or n > 400:
            continue
        raw.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
        if not stroke.value:
            continue  # a filled area (cell shading), not a line
        m = obj.get_matrix()
        pts: list[tuple[float, float]] = []
        start: tuple[float, float] | None = None
        for k in range(n):
            seg = raw.FPDFPath_GetPathSegment(obj.raw, k)
            raw.FPDFPathSegment_GetPoint(seg, x, y)
            px = m.a * x.value + m.c * y.value + m.e
            py = height - (m.b * x.value + m.d * y.value + m.f)
            kind = raw.FPDFPathSegment_GetType(seg)
            if kind == raw.FPDF_SEGMENT_MOVETO or not pts:
                start = (px, py)
                pts = [(px, py)]
            else:
                pts.append((px, py))
                _add_segment(pts[-2], pts[-1], hs, vs)
            if raw.FPDFPathSegment_GetClose(seg) and start is not None:
                _add_segment(pts[-1], start, hs, vs)
    return hs, vs


def _add_segment(a: tuple[float, float], b: tuple[float, float], hs: list[_Edge], vs: list[_Edge]) -> None:
    if abs(a[1] - b[1]) <= _TOL and abs(a[0] - b[0]) > _TOL:
        hs.append(_Edge(min(a[0], b[0]), max(a[0], b[0]), (a[1] + b[1]) / 2))
    elif abs(a[0] - b[0]) <= _TOL and abs(a[1] - b[1]) > _TOL:
        vs.append(_Edge(min(a[1], b[1]), max(a[1], b[1]), (a[0] + b[0]) / 2))


def _merge(edges: list[_Edge]) -> list[_Edge]:
    """Collinear, touching edges as one (edges within _TOL across are on one line)."""
    out: list[_Edge] = []
    lines: list[list[_Edge]] = []
    for e in sorted(edges, key=lambda e: e.at):
        if lines and e.at - lines[-1][0].at <= _TOL:
            lines[-1].append(e)
        else:
            lines.append([e])
    for line in lines:
        at = sum(e.at for e in line) / len(line)
        merged: list[_Edge] = []
        for e in sorted(line, key=lambda e: e.lo):
            if merged and e.lo <= merged[-1].hi + _TOL:
                merged[-1].hi = max(merged[-1].hi, e.hi)
            else:
                merged.append(_Edge(e.lo, e.hi, at))
        out.extend(merged)
    return out


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _TOL:
            out.append(v)
    return out


def _components(hs: list[_Edge], vs: list[_Edge]) -> list[tuple[list[_Edge], list[_Edge]]]:
    """Groups of edges that touch each other: one group per table."""
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.lo - _TOL <= v.at <= h.hi + _TOL and v.lo - _TOL <= h.at <= v.hi + _TOL:
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[_Edge], list[_Edge]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def _covers(edges: list[_Edge], at: float, pos: float) -> bool:
    return any(abs(e.at - at) <= _TOL and e.lo - _TOL <= pos <= e.hi + _TOL for e in edges)


def _cell_text(chars: list[_Char]) -> str:
    return "\n".join(_line_text(line) for line in _lines(chars))


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters grouped into lines, each sorted left to right.

    Glyph boxes are tight: a comma sits low and is short, so a character joins
    a line when their vertical extents overlap (by half the smaller height),
    not when their centres are close.
    """
    lines: list[tuple[list[float], list[_Char]]] = []  # ([top, bottom], chars)
    for c in sorted(chars, key=lambda c: (c.top, c.x0)):
        if c.ch == " " and not lines:
            continue
        h = max(c.bottom - c.top, 0.5)
        for ext, line in reversed(lines[-3:]):
            overlap = min(ext[1], c.bottom) - max(ext[0], c.top)
            if overlap >= 0.5 * min(h, ext[1] - ext[0]) or (c.ch == " " and overlap > 0):
                line.append(c)
                if c.ch != " ":
                    ext[0], ext[1] = min(ext[0], c.top), max(ext[1], c.bottom)
                break
        else:
            lines.append(([c.top, c.bottom], [c]))
    out = [sorted(line, key=lambda c: c.x0) for _, line in lines]
    out.sort(key=lambda ln: min(c.top for c in ln))
    return out


def _line_text(line: list[_Char]) -> str:
    return "".join(c.ch for c in line).strip()


def _table(hs: list[_Edge], vs: list[_Edge], chars: list[_Char], page_no: int,
           used: set[int]) -> tuple[Grid, tuple[float, float, float, float]] | None:
    xs = _cluster([v.at for v in vs])
    ys = _cluster([h.at for h in hs])
    if len(xs) < 2 or len(ys) < 2:
        return None
    # A table broken by a page often has no closing (or opening) rule on the
    # page: the vertical rules reach past the last horizontal one.  Close it.
    low, high = min(v.lo for v in vs), max(v.hi for v in vs)
    if high > ys[-1] + 3 * _TOL:
        ys.append(high)
        hs = hs + [_Edge(xs[0], xs[-1], high)]
    if low < ys[0] - 3 * _TOL:
        ys.insert(0, low)
        hs = hs + [_Edge(xs[0], xs[-1], low)]
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = {(r, c): (r, c) for r in range(nr) for c in range(nc)}

    def find(k: tuple[int, int]) -> tuple[int, int]:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nr):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(nc - 1):
            if not _covers(vs, xs[c + 1], ymid):
                union((r, c), (r, c + 1))
    for c in range(nc):
        xmid = (xs[c] + xs[c + 1]) / 2
        for r in range(nr - 1):
            if not _covers(hs, ys[r + 1], xmid):
                union((r, c), (r + 1, c))
    origin = {k: find(k) for k in parent}
    # Characters to cells.
    per_cell: dict[tuple[int, int], list[_Char]] = {}
    import bisect

    for idx, ch in enumerate(chars):
        if not (xs[0] <= ch.cx <= xs[-1] and ys[0] <= ch.cy <= ys[-1]):
            continue
        c = min(max(bisect.bisect_right(xs, ch.cx) - 1, 0), nc - 1)
        r = min(max(bisect.bisect_right(ys, ch.cy) - 1, 0), nr - 1)
        per_cell.setdefault(origin[(r, c)], []).append(ch)
        used.add(idx)
    text = {k: _cell_text(v) for k, v in per_cell.items()}
    full = [[Slot(text.get(origin[(r, c)], ""), origin[(r, c)]) for c in range(nc)] for r in range(nr)]
    return table_grid(full, page_no, xs, ys)


def table_grid(full: list[list[Slot]], page_no: int, xs: list[float], ys: list[float]) -> Any:
    """The table of a ruled box's cells: its rows of two or more cells, with the box they span.

    WPS draws boxes around lines of running text too: single-cell rows around a
    table are left to the text pass.  Returns ``(grid, (x0, y0, x1, y1))`` or None.
    """
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
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise WorkbookError("encrypted", "PDF 文件设有密码，无法读取；请提供未加密的文件", path) from exc
        raise WorkbookError("corrupt-file", f"PDF 文件已损坏，无法读取（{msg}）", path) from exc
    items: list[Grid | Paragraph] = []
    total_chars = 0
    try:
        n_pages = len(doc)
        if n_pages > settings.MAX_DOCUMENT_PAGES:
            raise WorkbookError("too-large", f"PDF 有 {n_pages} 页，超过年度报告的合理页数（{settings.MAX_DOCUMENT_PAGES} 页），"
                                "未读取", path)
        for p_i in range(n_pages):
            page = doc[p_i]
            height = page.get_height()
            textpage = page.get_textpage()
            chars = _chars(textpage, height)
            textpage.close()
            total_chars += sum(1 for c in chars if not c.ch.isspace())
            if not chars:
                page.close()
                continue
            hs, vs = _edges(page, height)
            page.close()
            placed: list[tuple[float, int, Grid | Paragraph]] = []
            used: set[int] = set()
            regions = []
            for gh, gv in _components(_merge(hs), _merge(vs)):
                got = _table(gh, gv, chars, p_i + 1, used_tmp := set())
                if got is None:
                    continue
                grid, box = got
                regions.append(box)
                used |= {i for i in used_tmp if box[1] - 1 <= chars[i].cy <= box[3] + 1}
                placed.append((box[1], 1, grid))
            rest = [c for i, c in enumerate(chars) if i not in used]
            lines = [ln for ln in _lines(rest) if _line_text(ln)]
            if lines:
                # The body's left edge: where most lines start (a wide table's
                # caption or a centred title must not move it).
                starts = Counter(round(ln[0].x0) for ln in lines if len(ln) >= 6) or Counter(
                    round(ln[0].x0) for ln in lines)
                top = max(starts.values())
                margin = min(x for x, n in starts.items() if n == top)
                for ln in lines:
                    first = next(c for c in ln if c.ch != " ")
                    size = max(first.bottom - first.top, 6.0)
                    placed.append((ln[0].top, 0, Paragraph(_line_text(ln), p_i + 1, first.x0 > margin + 1.2 * size)))
            placed.sort(key=lambda x: (x[0], x[1]))
            items.extend(x[2] for x in placed)
    finally:
        doc.close()
    if total_chars < _MIN_TEXT_CHARS:
        raise WorkbookError("needs-ocr",
                            "PDF 中没有可读取的文字（可能是扫描件或图片），需要 OCR 文字识别，本工具不做 OCR；"
                            "请提供 Word 原文件或带文字层的 PDF", path)
    return Extracted(items, "pdf", n_pages)


def read_layout(path: str | os.PathLike[str]) -> Extracted:
    """The PDF as laid-out text (wide gaps between characters become cell breaks), for tables without rules.

    Used when the ruled reading misses rows or tables: :mod:`.text` then reads
    the lines as copied text would be read (ragged rows, values from the end).
    """
    import pypdfium2 as pdfium

    from .text import from_lines

    doc = pdfium.PdfDocument(str(path))
    lines: list[str] = []
    pages: list[int | None] = []
    try:
        for p_i in range(min(len(doc), settings.MAX_DOCUMENT_PAGES)):
            page = doc[p_i]
            textpage = page.get_textpage()
            chars = _chars(textpage, page.get_height())
            textpage.close()
            page.close()
            body = [ln for ln in _lines(chars) if _line_text(ln)]
            if not body:
                continue
            margin = Counter(round(ln[0].x0) for ln in body).most_common(1)[0][0]
            for ln in body:
                size = max(max(c.bottom - c.top for c in ln), 6.0)
                out = "  " if ln[0].x0 > margin + 1.2 * size else ""
                prev: _Char | None = None
                for c in ln:
                    if prev is not None and c.x0 - prev.x1 > 0.9 * size:
                        out += "   "  # a gap wider than a character: the next cell
                    out += c.ch
                    prev = c
                lines.append(out.rstrip())
                pages.append(p_i + 1)
            lines.append("")
            pages.append(p_i + 1)
    finally:
        doc.close()
    return from_lines(lines, pages, kind="pdf")
