"""Web pages (.html/.htm) as government sites publish them: paragraphs and tables with rowspan/colspan.

The standard library's :class:`html.parser.HTMLParser` is enough: it never
fetches anything, tolerates the broken markup of site editors (unclosed
``<td>``, ``<p>`` inside cells), and is fast.  Block elements end a
paragraph; ``<br>`` ends a line; scripts and styles are skipped.  The page's
encoding is taken from a BOM or ``<meta charset>``, else UTF-8, else GB18030
(a superset of GBK/GB2312, still common on government sites).
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

from .. import settings
from ..errors import WorkbookError
from .model import Extracted, Grid, Paragraph, Slot

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "header", "footer",
           "blockquote", "pre", "center", "dd", "dt", "caption", "title", "body"}
_SKIP = {"script", "style", "noscript", "template", "head"}
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


class _Cell:
    def __init__(self, rowspan: int, colspan: int) -> None:
        self.rowspan = rowspan
        self.colspan = colspan
        self.parts: list[str] = []


class _Table:
    def __init__(self) -> None:
        self.rows: list[list[_Cell]] = []
        self.cell: _Cell | None = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), 1000))
    except ValueError:
        return 1


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Paragraph | Grid] = []
        self.text: list[str] = []
        self.tables: list[_Table] = []
        self.skip = 0

    # Running text -----------------------------------------------------------
    def _flush(self) -> None:
        if self.tables:
            return
        text = _SPACES.sub(" ", "".join(self.text)).strip()
        self.text = []
        for line in text.split("\n"):
            if line.strip():
                self.items.append(Paragraph(line.strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        a = dict(attrs)
        if tag == "table":
            self._flush()
            self.tables.append(_Table())
        elif self.tables and tag == "tr":
            t = self.tables[-1]
            t.cell = None
            t.rows.append([])
        elif self.tables and tag in ("td", "th"):
            t = self.tables[-1]
            if not t.rows:
                t.rows.append([])
            t.cell = _Cell(_span(a.get("rowspan")), _span(a.get("colspan")))
            t.rows[-1].append(t.cell)
        elif tag == "br":
            self._add("\n")
        elif tag in _BLOCKS:
            if self.tables:
                self._add("\n")
            else:
                self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._add("\n")
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "table" and self.tables:
            t = self.tables.pop()
            grid = _grid(t)
            if self.tables:  # a table inside a cell: its text goes to the cell
                outer = self.tables[-1]
                if outer.cell is not None:
                    outer.cell.parts.append("\n".join(" ".join(s.text for s in row) for row in grid.rows))
            else:
                self.items.append(grid)
        elif self.tables and tag in ("td", "th"):
            self.tables[-1].cell = None
        elif tag in _BLOCKS and not self.tables:
            self._flush()

    def _add(self, text: str) -> None:
        if self.skip:
            return
        if self.tables:
            cell = self.tables[-1].cell
            if cell is not None:
                cell.parts.append(text)
        else:
            self.text.append(text)

    def handle_data(self, data: str) -> None:
        if self.tables:
            self._add(_SPACES.sub(" ", data))
        else:
            self._add(data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        while self.tables:
            self.handle_endtag("table")
        self._flush()


def _grid(t: _Table) -> Grid:
    """Lay the cells out on a grid: a rowspan/colspan cell covers its positions with one origin."""
    taken: dict[tuple[int, int], Slot] = {}
    for r, row in enumerate(t.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            text = "\n".join(x.strip() for x in "".join(cell.parts).split("\n") if x.strip())
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.setdefault((r + dr, c + dc), Slot(text, (r, c)))
            c += cell.colspan
    grid = Grid()
    if not taken:
        return grid
    n_rows = len(t.rows)
    width = max(c for _, c in taken) + 1
    for r in range(n_rows):
        grid.rows.append([taken.get((r, c), Slot("", (r, c))) for c in range(width)])
        grid.pages.append(None)
    return grid


def decode(data: bytes) -> str:
    """Text of a web page or text file: BOM, declared charset, UTF-8, then GB18030."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", data[:4096])
    if m:
        enc = m.group(1).decode("ascii").lower()
        if enc in ("gb2312", "gbk", "gb_2312-80"):
            enc = "gb18030"
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read(path: str | os.PathLike[str]) -> Extracted:
    """Paragraphs and tables of a web page, in document order."""
    with open(path, "rb") as fh:
        data = fh.read(settings.MAX_MEMBER_BYTES + 1)
    if len(data) > settings.MAX_MEMBER_BYTES:
        raise WorkbookError("too-large", "网页文件过大，无法读取", path)
    p = _Parser()
    p.feed(decode(data))
    p.close()
    return Extracted(p.items, "html")
