"""Write the narrative annual report: Markdown, HTML for the website, Word for filing.

One neutral document model (:class:`Document`) is built from a read workbook
and the format definition: the title, sections 一 to 六 with their official
headings, the clerk's prose (each line a paragraph, nothing dropped), and each
table as a grid of cells with the same merged headers as the workbook (the
layout of :mod:`govinfo_xlsx.format`).  Markdown and HTML are rendered from
Jinja2 templates in ``document_templates/``; Word is built with python-docx.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ._io import atomic_path
from .findings import CheckReport
from .format import ReportFormat
from .numbers import Evaluation, fmt_number
from .reader import FilledWorkbook, read_workbook
from .validate import validate

__all__ = ["ConvertResult", "Document", "GridCell", "build_document", "convert", "render_html", "render_markdown",
           "write_document"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Make user text safe for XML-based outputs: control characters become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def paragraphs(text: str) -> list[str]:
    """Each line of the clerk's text is one paragraph; blank lines separate nothing."""
    return [clean_text(line.strip()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            if line.strip()]


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
    """A table as rows of anchored cells (merged cells appear once with spans)."""

    code: str
    title: str
    n_cols: int
    header_rows: int
    label_cols: int
    rows: list[list[GridCell]]
    blocks: list[dict[str, Any]]


def column_shares(n_cols: int, label_cols: int) -> list[float]:
    """Relative column widths of a table: label columns take 40 %, numbers share the rest."""
    if label_cols == 0:
        return [1 / n_cols] * n_cols
    split = {1: [1.0], 2: [0.3, 0.7], 3: [0.18, 0.27, 0.55]}.get(label_cols, [1 / label_cols] * label_cols)
    label_total = 0.3 if label_cols == 1 else 0.42
    data = (1 - label_total) / (n_cols - label_cols)
    return [label_total * x for x in split] + [data] * (n_cols - label_cols)


@dataclass
class Part:
    """A part of a prose section: an optional sub-heading and its paragraphs."""

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
class Document:
    """The report as a neutral model, rendered to Markdown, HTML or Word."""

    title: str
    sections: list[Section]
    notes: list[str] = field(default_factory=list)


def _fmt_value(v: Any) -> str:
    return "—" if v is None else fmt_number(v)


def _grid(fmt: ReportFormat, code: str, numbers: dict[str, Any]) -> Grid:
    table = fmt.table(code)
    sl = fmt.layout.sheet(table.sheet)
    anchors: dict[tuple[int, int], GridCell] = {}
    covered: set[tuple[int, int]] = set()
    top = min(lab.row for lab in sl.labels if lab.role not in ("title", "hint"))
    bottom = max(c.row for c in sl.cells)
    for lab in sl.labels:
        if lab.role in ("title", "hint"):
            continue
        anchors[(lab.row, lab.col)] = GridCell(lab.text, lab.role, lab.rowspan, lab.colspan,
                                               row=lab.row - top, col=lab.col)
        for r in range(lab.row, lab.row + lab.rowspan):
            for c in range(lab.col, lab.col + lab.colspan):
                if (r, c) != (lab.row, lab.col):
                    covered.add((r, c))
    for cell in sl.cells:
        kind = "total" if cell.role == "derived" else "number"
        anchors[(cell.row, cell.col)] = GridCell(_fmt_value(numbers.get(cell.code)), kind, 1, cell.colspan,
                                                 cell.code, row=cell.row - top, col=cell.col)
        for c in range(cell.col + 1, cell.col + cell.colspan):
            covered.add((cell.row, c))
    rows = []
    for r in range(top, bottom + 1):
        row = [anchors[(r, c)] for c in range(sl.n_cols) if (r, c) in anchors]
        rows.append(row)
    # Flattened views for Markdown: one header line per block, row labels as paths.
    blocks = []
    for block in table.blocks:
        first = block.rows[0].code
        header = ([block.corner or ""] if table.label_depth else []) + [
            fmt.cells[f"{table.code}.{first}.{c.code}"].col_label for c in block.columns]
        body = []
        for row in block.rows:
            label = " / ".join(row.path[1:] if len(row.path) > 1 and len(row.path) == table.label_depth
                               else row.path)
            vals = [_fmt_value(numbers.get(f"{table.code}.{row.code}.{c.code}")) for c in block.columns]
            body.append(([label] if table.label_depth else []) + vals)
        blocks.append({"caption": block.caption, "header": header, "rows": body, "labelled": bool(table.label_depth)})
    return Grid(table.code, table.title, sl.n_cols, sl.header_rows - top, sl.label_cols, rows, blocks)


def key_figures(wb: FilledWorkbook) -> dict[str, Any]:
    """The format's key figures (新收, 办结, 复议…) of a workbook, by id; None where unknown."""
    return wb.evaluation.figures(f.id for f in wb.format.key_figures)


def _draft(fmt: ReportFormat, code: str, ev: Evaluation) -> Part | None:
    spec = fmt.drafts.get(code)
    if spec is None:
        return None
    figs = ev.figures()
    if any(v is None for v in figs.values()) or any(ev.figure_is_blank(k) for k in figs):
        return None  # never invent a figure the tables do not hold, nor state a fact from blank cells
    zero = all(figs.get(k) == 0 for k in spec.zero_when)
    text = spec.zero_text if zero else spec.text.format(**{k: fmt_number(v) for k, v in figs.items()})
    return Part(None, [text], generated=True, marker=spec.marker)


def build_document(wb: FilledWorkbook, previous: FilledWorkbook | None = None) -> Document:
    """The report of one workbook as a neutral document model."""
    fmt = wb.format
    numbers = wb.numbers()
    sections = []
    for sec in fmt.sections:
        heading = sec.heading
        s = Section(heading)
        if sec.kind == "table":
            s.table = _grid(fmt, sec.table or "", numbers)
        else:
            for part in sec.parts:
                text = wb.prose.get(part.code, "") or ""
                # A part whose label is the section heading itself gets no sub-heading.
                sub = None if part.label == heading or part.optional else part.label
                paras = paragraphs(text)
                if not paras:
                    draft = _draft(fmt, part.code, wb.evaluation)
                    if draft is not None:
                        draft.heading = sub
                        s.parts.append(draft)
                        continue
                if paras or sub:
                    s.parts.append(Part(sub, paras))
        sections.append(s)
    doc = Document(clean_text(fmt.title_for(wb.org, wb.year if wb.year is not None else "")), sections)
    if previous is not None:
        doc.sections.append(_comparison(wb, previous))
    return doc


def _comparison(wb: FilledWorkbook, prev: FilledWorkbook) -> Section:
    fmt = wb.format
    spec = fmt.comparison
    this, last = key_figures(wb), key_figures(prev)
    headers = [h.format(prev=prev.year or "上", this=wb.year or "本") for h in spec.headers]
    rows = []
    for fig in fmt.key_figures:
        a, b = last.get(fig.id), this.get(fig.id)
        diff = "—" if a is None or b is None else (("+" if b - a > 0 else "") + fmt_number(b - a))
        rows.append([fig.label, _fmt_value(a), _fmt_value(b), diff])
    return Section(spec.title, simple_table=(headers, rows))


# ---------------------------------------------------------------------------
# Rendering.


def _template_text(name: str) -> str:
    return resources.files("govinfo_xlsx.document_templates").joinpath(name).read_text(encoding="utf-8")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>])")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])")


def md_cell(text: str) -> str:
    """Escape text for a Markdown table cell (no block markers there; newlines become spaces)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def md_escape(text: str) -> str:
    """Escape user text so Markdown shows it verbatim (CommonMark backslash escapes)."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _template_text(name)),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape
    env.filters["mdcell"] = md_cell
    env.globals["column_shares"] = column_shares
    return env


def render_markdown(doc: Document) -> str:
    """The document as Markdown (tables flattened: one header line, row labels as paths)."""
    return _env(False).get_template("report.md.j2").render(doc=doc)


def render_html(doc: Document) -> str:
    """The document as one standalone UTF-8 HTML page (no external assets; user text escaped)."""
    return _env(True).get_template("report.html.j2").render(doc=doc, css=_template_text("report.css"))


def write_document(doc: Document, out: str | os.PathLike[str]) -> None:
    """Write ``doc`` to ``out``; the suffix chooses the format (.md, .html/.htm, .docx).  Atomic."""
    suffix = Path(out).suffix.lower()
    if suffix in (".md", ".markdown"):
        data = render_markdown(doc).encode("utf-8")
    elif suffix in (".html", ".htm"):
        data = render_html(doc).encode("utf-8")
    elif suffix == ".docx":
        from .docx_writer import docx_bytes

        data = docx_bytes(doc)
    else:
        raise ValueError(f"不支持的报告格式“{suffix or '（无扩展名）'}”，请使用 .md、.html 或 .docx")
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)


@dataclass
class ConvertResult:
    """What :func:`convert` did: the workbook read, its check report, whether a file was written."""

    workbook: FilledWorkbook
    check: CheckReport
    written: bool


def convert(workbook: str | os.PathLike[str] | FilledWorkbook, out_path: str | os.PathLike[str], *,
            force: bool = False, previous: str | os.PathLike[str] | FilledWorkbook | None = None,
            year: int | None = None, strict: bool = False) -> ConvertResult:
    """Validate a workbook and write its report to ``out_path`` (format by suffix).

    Refuses (``written=False``) when the workbook has errors, unless
    ``force``.  Raises :class:`~govinfo_xlsx.errors.WorkbookError` when the
    workbook cannot be read, ``ValueError`` for an unknown suffix.

    >>> import tempfile, os
    >>> from govinfo_xlsx.template import write_workbook
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "t.xlsx")
    >>> write_workbook(p, year=2024, org="某县", prose={"s5": "问题<b>"}, values={"t2.r1.c1": 0})
    >>> convert(p, os.path.join(d, "r.html")).written
    True
    """
    suffix = Path(out_path).suffix.lower()
    if suffix not in (".md", ".markdown", ".html", ".htm", ".docx"):
        raise ValueError(f"不支持的报告格式“{suffix or '（无扩展名）'}”，请使用 .md、.html 或 .docx")
    wb = workbook if isinstance(workbook, FilledWorkbook) else read_workbook(workbook)
    prev = previous if isinstance(previous, FilledWorkbook) or previous is None else read_workbook(previous)
    rep = validate(wb, strict=strict, year=year, previous=prev)
    if rep.errors and not force:
        return ConvertResult(wb, rep, False)
    write_document(build_document(wb, prev), out_path)
    return ConvertResult(wb, rep, True)

