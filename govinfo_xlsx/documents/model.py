"""What every document reader produces: paragraphs and table grids in reading order.

A reader (Word, PDF, HTML, text) only turns its file into this neutral
structure; everything about the report format (which table, which row, which
column) is decided later, by label, in :mod:`.assemble`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Slot:
    """One position of a table grid: the text of the cell that covers it and that cell's origin.

    A merged cell covers several positions; every one of them carries the
    origin ``(row, col)`` of the merged cell, so a position whose origin is
    another row is a vertical continuation and one whose origin is another
    column of the same row a horizontal one.
    """

    text: str
    origin: tuple[int, int]


@dataclass
class Paragraph:
    """A paragraph (Word, HTML) or a line (PDF, text) of running text.

    ``indent`` is True for a PDF line that starts further right than the body
    text (a new paragraph); readers that know their paragraphs leave it True.
    """

    text: str
    page: int | None = None
    indent: bool = True


@dataclass
class Grid:
    """A table: rows of slots, the page of each row (PDF), and whether columns line up.

    ``ragged`` grids come from copied text, where blank cells and merged cells
    leave no trace, so positions cannot be trusted; values are then taken from
    the end of each row.
    """

    rows: list[list[Slot]] = field(default_factory=list)
    pages: list[int | None] = field(default_factory=list)
    ragged: bool = False

    def add_row(self, texts: list[str], page: int | None = None) -> None:
        """Append a row of plain cells (no merging)."""
        r = len(self.rows)
        self.rows.append([Slot(t, (r, c)) for c, t in enumerate(texts)])
        self.pages.append(page)


Item = Paragraph | Grid


@dataclass
class Extracted:
    """Everything a reader found in a file, in reading order."""

    items: list[Item]
    kind: str  # docx | pdf | html | text
    pages: int | None = None
