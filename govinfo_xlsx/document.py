"""The report as a neutral document model, shared by every renderer.

:mod:`govinfo_xlsx.report` builds a :class:`Document` from a read workbook;
the Markdown and HTML renderers (Jinja2 templates) and the Word writer
(:mod:`govinfo_xlsx.docx_writer`) only render it.  This module imports no
other module of the package, so builders and renderers depend on it and not
on each other.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "Grid", "GridCell", "Part", "Section", "Signature", "chinese_date", "clean_text",
           "column_shares", "paragraphs"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Make user text safe for XML-based outputs: control characters become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def paragraphs(text: str) -> list[str]:
    """Each line of the clerk's text is one paragraph; blank lines separate nothing."""
    return [clean_text(line.strip()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            if line.strip()]


_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*)(\d{1,2})\s*(?:[-/.月]\s*)(\d{1,2})\s*日?\s*$")


def chinese_date(text: str | None, today: _dt.date | None = None) -> str:
    """A date as official documents write it (``2025年1月15日``).

    ``2025-01-15``, ``2025/1/15``, ``2025.1.15`` and ``2025年1月15日`` are
    recognised; other non-empty text is kept as the clerk wrote it; an empty
    date is ``today``.

    >>> chinese_date("2025-01-05")
    '2025年1月5日'
    >>> chinese_date("", _dt.date(2026, 2, 3))
    '2026年2月3日'
    """
    text = (text or "").strip()
    if not text:
        d = today or _dt.date.today()
        return f"{d.year}年{d.month}月{d.day}日"
    m = _DATE.match(text)
    if m:
        y, mo, da = (int(x) for x in m.groups())
        try:
            _dt.date(y, mo, da)
        except ValueError:
            return clean_text(text)
        return f"{y}年{mo}月{da}日"
    return clean_text(text)


@dataclass
class GridCell:
    """A cell of a table in a document: label or number, with its spans and grid position."""

    text: str
    kind: str  # header | label | caption | corner | number | total
    rowspan: int = 1
    colspan: int = 1
    code: str | None = None
    row: int = 0  # position in the grid (zero-based, title rows excluded)
    col: int = 0


@dataclass
class Grid:
    """A table as rows of anchored cells (merged cells appear once with spans).

    ``blocks`` is the flattened view used by Markdown: per block a caption, one
    header line (column paths joined with `` / ``) and rows whose first cell is
    the full row path.
    """

    code: str
    title: str
    n_cols: int
    header_rows: int
    label_cols: int
    rows: list[list[GridCell]]
    blocks: list[dict[str, Any]]


def column_shares(n_cols: int, label_cols: int) -> list[float]:
    """Relative column widths of a table: label columns take 30–42 %, numbers share the rest."""
    if label_cols == 0:
        return [1 / n_cols] * n_cols
    split = {1: [1.0], 2: [0.3, 0.7], 3: [0.18, 0.27, 0.55]}.get(label_cols, [1 / label_cols] * label_cols)
    label_total = 0.3 if label_cols == 1 else 0.42
    data = (1 - label_total) / (n_cols - label_cols)
    return [label_total * x for x in split] + [data] * (n_cols - label_cols)


@dataclass
class Part:
    """A part of a prose section: an optional sub-heading and its paragraphs.

    ``generated`` marks a paragraph written from the tables; ``marker`` is the
    editor's note shown with it in a draft only (empty in published output).
    """

    heading: str | None
    paragraphs: list[str]
    generated: bool = False
    marker: str = ""


@dataclass
class Section:
    """A section of the report: prose parts, a format table, or an extra table or chart."""

    heading: str
    parts: list[Part] = field(default_factory=list)
    table: Grid | None = None
    chart: dict[str, Any] | None = None  # {"title", "headers": [name, value], "rows": [(name, value)]}
    simple_table: tuple[list[str], list[list[str]]] | None = None


@dataclass
class Signature:
    """The 落款: the issuing body and the date, printed at the end of the report."""

    org: str
    date: str


@dataclass
class Document:
    """The report as a neutral model, rendered to Markdown, HTML or Word."""

    title: str
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    signature: Signature | None = None
