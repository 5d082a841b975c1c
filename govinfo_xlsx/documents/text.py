"""Text copied from a web page or a PDF (.txt): cells separated by tabs, ``|`` or runs of spaces.

Copying a table out of a browser gives one line per row with tabs between
cells (merged cells appear once, blank cells as empty fields between tabs);
copying from a PDF viewer or ``pdftotext -layout`` gives runs of spaces, and
a label that wraps puts its second half, or the row's numbers, on a line of
its own.  Lines with two or more cells are table rows; single-cell lines
inside a run of table rows stay in the grid so :mod:`.assemble` can join a
wrapped label.  Columns cannot be trusted in such text, so the grid is
``ragged``: values are read from the end of each row.
"""

from __future__ import annotations

import os
import re

from .. import settings
from ..errors import WorkbookError
from .html import decode
from .model import Extracted, Grid, Paragraph

_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SPACE_SPLIT = re.compile(r"(?:[ \u00a0]{2,}|\u3000+)")
_NUM_TOKEN = r"(?:[0-9][0-9,.]*|/|—+|无)"
_ONE_NUMBER = re.compile(rf"^(.*?[^\s0-9,.])\s+({_NUM_TOKEN})$")
_ONLY_NUMBERS = re.compile(rf"^{_NUM_TOKEN}(?:\s+{_NUM_TOKEN})+$")
_TRAILING_NUMBERS = re.compile(rf"^(.*?[^\s0-9,.])\s+({_NUM_TOKEN}(?:\s+{_NUM_TOKEN})+)$")


def _cells(line: str) -> list[str]:
    s = line.strip("\r\n")
    if "\t" in s:
        return [c.strip(" \u3000\u00a0") for c in s.strip(" ").split("\t")]
    if s.count("|") >= 2 or (s.count("|") == 1 and not s.strip().startswith("|")):
        s = s.strip()
        if s.startswith("|"):
            s = s[1:]
        if s.endswith("|"):
            s = s[:-1]
        return [c.strip(" \u3000\u00a0") for c in s.split("|")]
    cells = [c for c in _SPACE_SPLIT.split(s.strip(" \u3000\u00a0")) if c]
    if len(cells) == 1:
        # Single spaces only: "规章 0 0 3" is a label and its numbers when two or more numbers end the line.
        m = _TRAILING_NUMBERS.match(cells[0])
        if m:
            return [m.group(1).strip()] + m.group(2).split()
        if _ONLY_NUMBERS.match(cells[0]):
            return cells[0].split()
        m = _ONE_NUMBER.match(cells[0])
        if m and len(m.group(1)) <= 24 and not re.search(r"[，。；、,;]", m.group(1)):
            return [m.group(1).strip(), m.group(2)]  # "行政处罚 12": a short label and one number
    return cells


def read(path: str | os.PathLike[str]) -> Extracted:
    """Paragraph lines and table rows of a text file."""
    with open(path, "rb") as fh:
        data = fh.read(settings.MAX_MEMBER_BYTES + 1)
    if len(data) > settings.MAX_MEMBER_BYTES:
        raise WorkbookError("too-large", "文本文件过大，无法读取", path)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise WorkbookError("not-a-document", "不是文本文件（含有二进制内容）", path)
    return from_lines(decode(data).splitlines())


_NUMBER_LINE = re.compile(r"^[\s\u3000]*([+-]?[0-9０-９][0-9０-９,，.．]*\s*(万元|件)?|/|／|—+|－|-|无)[\s\u3000]*$")


def _cell_per_line(lines: list[str]) -> list[str]:
    """Text where every table cell is a line of its own (a table exported or copied cell by cell):
    each label line and the number lines after it become one tab-separated row; the short lines
    of a header before the numbers stay in the table as rows of their own."""
    out: list[str] = []
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    is_num = [bool(_NUMBER_LINE.match(lines[i])) for i in nonblank]
    # how many lines until the next number line, with no sentence in between
    ahead = [10**6] * len(nonblank)
    nxt = 10**6
    for k in range(len(nonblank) - 1, -1, -1):
        if is_num[k]:
            nxt = 0
        elif lines[nonblank[k]].rstrip().endswith(("。", "；", ";")):
            nxt = 10**6
        else:
            nxt += 1
        ahead[k] = nxt
    label_open = False
    for k, i in enumerate(nonblank):
        text = lines[i].strip()
        if is_num[k]:
            if label_open:
                out[-1] = out[-1].rstrip("\t") + "\t" + text
            else:
                out.append("\t" + text)
                label_open = True
            continue
        if ahead[k] <= 20 and len(text) <= 60:
            out.append(text + "\t")  # a row label, or a word of the header before the numbers
            label_open = True
        else:
            out.extend(["", lines[i], ""])
            label_open = False
    return out


def from_lines(lines: list[str], pages: list[int | None] | None = None, kind: str = "text") -> Extracted:
    """Paragraphs and ragged table rows from lines of text (cells split by tabs, ``|`` or runs of spaces)."""
    if not any(len(_cells(ln)) >= 2 for ln in lines) and sum(1 for ln in lines if _NUMBER_LINE.match(ln)) >= 10:
        lines, pages = _cell_per_line(lines), None
    kinds: list[tuple[str, list[str]]] = []
    for raw in lines:
        if not raw.strip() or _PIPE_RULE.match(raw):
            kinds.append(("blank", []))
            continue
        cells = _cells(raw)
        kinds.append(("row" if len(cells) >= 2 else "line", cells if len(cells) >= 2 else [raw.strip()]))
    items: list[Paragraph | Grid] = []
    grid: Grid | None = None
    previous = ""
    for i, (kind_i, cells) in enumerate(kinds):
        page = pages[i] if pages else None
        if kind_i == "blank":
            previous = ""
            continue
        if kind_i == "row":
            if grid is None:
                grid = Grid(ragged=True)
                items.append(grid)
            grid.add_row(cells, page)
            continue
        # A single-cell line between table rows (a wrapped label, a group heading) stays in the table.
        ahead = [k for k, _ in kinds[i + 1: i + 12] if k != "blank"][:4]
        if grid is not None and "row" in ahead:
            grid.add_row(cells, page)
            continue
        grid = None
        # A line copied from a PDF is cut mid-sentence: it starts a paragraph only
        # when indented, after a blank line, or after a sentence's end.
        raw = lines[i]
        starts = not previous or raw[:1] in (" ", "\u3000", "\t") or previous.rstrip()[-1:] in "。！？；：!?;:）)"
        items.append(Paragraph(cells[0], page, starts))
        previous = raw
    return Extracted(items, kind)
