"""Web pages (.html/.htm) as government sites publish them: paragraphs and tables with rowspan/colspan.

Parsed with lxml's HTML parser (libxml2: tolerant of the broken markup of site
editors, never fetches anything).  Older sites lay the whole page out in
tables, with the report's tables nested inside: only tables that contain no
other table are data tables; the cells of layout tables are read like any
other block of text.  Block elements and ``<br>`` end a line; scripts and
styles are skipped.  The encoding is taken from a BOM or ``<meta charset>``,
else UTF-8, else GB18030 (a superset of GBK/GB2312, still common on
government sites).
"""

from __future__ import annotations

import os
import re
from typing import Any

from lxml import etree, html

from .. import settings
from ..errors import WorkbookError
from .model import Extracted, Grid, Paragraph, Slot

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
           "footer", "blockquote", "pre", "center", "dd", "dt", "dl", "caption", "title", "body", "table", "tbody",
           "thead", "tfoot", "tr", "td", "th", "form", "main", "nav", "aside", "hr", "address", "figure"}
_SKIP = {"script", "style", "noscript", "template", "head", "select", "button", "iframe", "object"}
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), 1000))
    except ValueError:
        return 1


def _lines(el: Any, out: list[str]) -> None:
    """The text of an element as lines: blocks and <br> break lines, spaces collapse."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.lower() in _SKIP:
        return
    block = tag.lower() in _BLOCKS
    if block or tag.lower() == "br":
        out.append("\n")
    if el.text and tag:
        out.append(_SPACES.sub(" ", el.text))
    for child in el:
        _lines(child, out)
        if child.tail:
            out.append(_SPACES.sub(" ", child.tail))
    if block:
        out.append("\n")


def _text(el: Any) -> str:
    parts: list[str] = []
    _lines(el, parts)
    return "\n".join(x.strip() for x in "".join(parts).split("\n") if x.strip())


def _grid(table: Any) -> Grid:
    """Lay the cells out on a grid: a rowspan/colspan cell covers its positions with one origin."""
    rows = [tr for tr in table.iter("tr") if tr.getparent() is table or tr.getparent().getparent() is table]
    taken: dict[tuple[int, int], Slot] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rs, cs = _span(cell.get("rowspan")), _span(cell.get("colspan"))
            slot = Slot(_text(cell), (r, c))
            for dr in range(rs):
                for dc in range(cs):
                    taken.setdefault((r + dr, c + dc), slot)
            c += cs
    grid = Grid()
    if not taken:
        return grid
    width = max(c for _, c in taken) + 1
    for r in range(len(rows)):
        grid.rows.append([taken.get((r, c), Slot("", (r, c))) for c in range(width)])
        grid.pages.append(None)
    return grid


def _walk(el: Any, items: list[Paragraph | Grid], buf: list[str]) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if not tag or tag in _SKIP:
        return
    if tag == "table" and not el.xpath(".//table"):
        _flush(items, buf)
        items.append(_grid(el))
        return
    block = tag in _BLOCKS
    if block:
        _flush(items, buf)
    if tag == "br":
        buf.append("\n")
    if el.text:
        buf.append(_SPACES.sub(" ", el.text))
    for child in el:
        _walk(child, items, buf)
        if child.tail:
            buf.append(_SPACES.sub(" ", child.tail))
    if block:
        _flush(items, buf)


def _flush(items: list[Paragraph | Grid], buf: list[str]) -> None:
    text = "".join(buf)
    buf.clear()
    for line in text.split("\n"):
        if line.strip():
            items.append(Paragraph(line.strip()))


def decode(data: bytes) -> str:
    """Text of a web page or text file: BOM, declared charset, UTF-8, then GB18030."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", data[:4096])
    if m:
        enc = m.group(1).decode("ascii").lower()
        if enc in ("gb2312", "gbk", "gb_2312-80", "x-gbk"):
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
    text = _XML_DECL.sub("", decode(data))
    if not text.strip():
        raise WorkbookError("empty-file", "网页文件没有内容", path)
    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise WorkbookError("corrupt-file", f"网页内容无法解析（{exc}）", path) from exc
    items: list[Paragraph | Grid] = []
    buf: list[str] = []
    _walk(root, items, buf)
    _flush(items, buf)
    return Extracted(items, "html")
