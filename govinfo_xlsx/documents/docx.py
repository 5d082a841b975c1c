"""Word (.docx): paragraphs and tables in body order, merged cells from the XML.

Reads ``word/document.xml`` directly with lxml (the parser python-docx itself
uses) rather than through python-docx's object model: merged cells need the
raw ``w:gridSpan`` / ``w:vMerge`` / ``w:gridBefore`` anyway, and one pass over
the XML is several times faster.  Entities are not resolved and the member
size is checked before inflating.
"""

from __future__ import annotations

import os
import zipfile

from lxml import etree

from .. import settings
from ..errors import WorkbookError
from .model import Extracted, Grid, Paragraph, Slot

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def _text(el: etree._Element) -> str:
    parts: list[str] = []
    for node in el.iter(W + "t", W + "tab", W + "br", W + "cr", W + "p"):
        tag = node.tag
        if tag == W + "t":
            parts.append(node.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag == W + "p":
            if parts:
                parts.append("\n")
        else:
            parts.append("\n")
    return "".join(parts).strip("\n")


def _grid(tbl: etree._Element) -> Grid:
    grid = Grid()
    for tr in tbl.iterchildren(W + "tr"):
        r = len(grid.rows)
        row: list[Slot] = []
        trpr = tr.find(W + "trPr")
        before = trpr.find(W + "gridBefore") if trpr is not None else None
        for _ in range(int(before.get(W + "val", "0")) if before is not None else 0):
            row.append(Slot("", (r, len(row))))
        for tc in tr.iterchildren(W + "tc"):
            pr = tc.find(W + "tcPr")
            span, vmerge = 1, None
            if pr is not None:
                gs = pr.find(W + "gridSpan")
                if gs is not None:
                    try:
                        span = max(1, int(gs.get(W + "val", "1")))
                    except ValueError:
                        span = 1
                vm = pr.find(W + "vMerge")
                if vm is not None:
                    vmerge = vm.get(W + "val", "continue")
            c0 = len(row)
            if vmerge == "continue" and r > 0 and c0 < len(grid.rows[r - 1]):
                origin = grid.rows[r - 1][c0].origin
                text = grid.rows[r - 1][c0].text
            else:
                origin, text = (r, c0), _text(tc)
            for _ in range(span):
                row.append(Slot(text, origin))
        grid.rows.append(row)
        grid.pages.append(None)
    return grid


def _walk(el: etree._Element, items: list) -> None:
    for child in el.iterchildren():
        tag = child.tag
        if tag == W + "p":
            items.append(Paragraph(_text(child)))
        elif tag == W + "tbl":
            items.append(_grid(child))
        elif tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "smartTag"):
            _walk(child, items)


def read(path: str | os.PathLike[str]) -> Extracted:
    """Paragraphs and tables of a .docx file, in body order."""
    try:
        with zipfile.ZipFile(path) as z:
            try:
                info = z.getinfo("word/document.xml")
            except KeyError as exc:
                raise WorkbookError("not-a-docx", "不是 Word 文档（缺少 word/document.xml）", path) from exc
            if info.file_size > settings.MAX_MEMBER_BYTES:
                raise WorkbookError("too-large", "Word 文档正文过大，无法读取", path)
            with z.open(info) as fh:  # the declared size may lie: never inflate more than the limit
                data = fh.read(settings.MAX_MEMBER_BYTES + 1)
            if len(data) > settings.MAX_MEMBER_BYTES:
                raise WorkbookError("too-large", "Word 文档正文过大，无法读取", path)
    except zipfile.BadZipFile as exc:
        raise WorkbookError("corrupt-file", "Word 文档已损坏或不是 .docx 文件（如是旧版 .doc，请用 Word/WPS 另存为 .docx）",
                            path) from exc
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError("corrupt-xml", f"Word 文档内容已损坏（{exc}）", path) from exc
    body = root.find(W + "body")
    items: list = []
    if body is not None:
        _walk(body, items)
    return Extracted(items, "docx")
