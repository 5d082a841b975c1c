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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ._io import atomic_path
from .document import (
    Document,
    Grid,
    GridCell,
    Part,
    Section,
    Signature,
    chinese_date,
    clean_text,
    column_shares,
    paragraphs,
)
from .findings import CheckReport
from .format import ReportFormat
from .numbers import Evaluation, fmt_number
from .reader import FilledWorkbook, read_workbook
from .validate import validate

__all__ = ["REPORT_SUFFIXES", "ConvertResult", "Document", "GridCell", "build_document", "convert", "render_html",
           "render_markdown", "write_document"]

#: Report formats by file suffix.
REPORT_SUFFIXES = (".docx", ".pdf", ".html", ".htm", ".md", ".markdown")


def unsupported_suffix(out: str | os.PathLike[str]) -> str:
    """The Chinese message for a report file name whose suffix is not a report format."""
    suffix = Path(out).suffix
    return (f"不支持的报告格式“{suffix or '（无扩展名）'}”：报告文件名应以 .md（Markdown）、.html（网页）、"
            ".docx（Word）或 .pdf 结尾")

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
        # Column headers keep their grouping (申请人情况 / 法人或其他组织 / 商业企业);
        # every row label is its full path, so rows read the same at any depth.
        header = ([block.corner or ""] if table.label_depth else []) + [
            " / ".join(c.path) if c.path else fmt.cells[f"{table.code}.{first}.{c.code}"].col_label
            for c in block.columns]
        body = []
        for row in block.rows:
            label = " / ".join(row.path)
            vals = [_fmt_value(numbers.get(f"{table.code}.{row.code}.{c.code}")) for c in block.columns]
            body.append(([label] if table.label_depth else []) + vals)
        blocks.append({"caption": block.caption, "header": header, "rows": body, "labelled": bool(table.label_depth)})
    return Grid(table.code, table.title, sl.n_cols, sl.header_rows - top, sl.label_cols, rows, blocks)


def key_figures(wb: FilledWorkbook) -> dict[str, Any]:
    """The format's key figures (新收, 办结, 复议…) of a workbook, by id; None where unknown."""
    return wb.evaluation.figures(f.id for f in wb.format.key_figures)


def _draft(fmt: ReportFormat, code: str, ev: Evaluation, draft: bool) -> Part | None:
    spec = fmt.drafts.get(code)
    if spec is None:
        return None
    figs = ev.figures()
    if any(v is None for v in figs.values()) or any(ev.figure_is_blank(k) for k in figs):
        return None  # never invent a figure the tables do not hold, nor state a fact from blank cells
    zero = all(figs.get(k) == 0 for k in spec.zero_when)
    text = spec.zero_text if zero else spec.text.format(**{k: fmt_number(v) for k, v in figs.items()})
    # The editor's note belongs to a draft; published output carries the text only.
    return Part(None, [text], generated=True, marker=spec.marker if draft else "")


def build_document(wb: FilledWorkbook, previous: FilledWorkbook | None = None, *, draft: bool = False) -> Document:
    """The report of one workbook as a neutral document model.

    A prose part left empty whose format declares a draft paragraph gets one
    written from the tables; ``draft`` keeps the editor's note that marks it
    (never in published output).  The 落款 is the cover's 机关名称 and its
    填报日期 in Chinese (today when the date is blank).
    """
    fmt = wb.format
    numbers = wb.numbers()
    sections = []
    for sec in fmt.sections:
        heading = sec.heading
        s = Section(heading)
        if sec.kind == "table":
            s.table = _grid(fmt, sec.table or "", numbers)
            fee_note = _fee_note(wb, sec.table)
            if fee_note:
                s.parts.append(Part(None, [fee_note]))
        else:
            for part in sec.parts:
                text = wb.prose.get(part.code, "") or ""
                # A part whose label is the section heading itself gets no sub-heading.
                sub = None if part.label == heading or part.optional else part.label
                paras = paragraphs(text)
                if not paras:
                    generated = _draft(fmt, part.code, wb.evaluation, draft)
                    if generated is not None:
                        generated.heading = sub
                        s.parts.append(generated)
                        continue
                if paras or sub:
                    s.parts.append(Part(sub, paras))
        sections.append(s)
    doc = Document(clean_text(fmt.title_for(wb.org, wb.year if wb.year is not None else "")), sections)
    if wb.org:
        doc.signature = Signature(clean_text(wb.org), chinese_date(str(wb.cover.get("cover.date") or "")))
    if previous is not None:
        doc.sections.append(_comparison(wb, previous))
    return doc


def _fee_note(wb: FilledWorkbook, table: str | None) -> str:
    """The 信息处理费 the prose states, in the words the format gives for showing it with ``table``."""
    pc = wb.format.prose_checks
    spec = pc.fees if pc is not None else None
    if spec is None or spec.shown_with is None or spec.shown_with != table:
        return ""
    from .proofread import stated_fee

    fee = stated_fee(wb)
    if fee is None:
        return ""
    part = wb.format.cells[fee.code].label
    if not fee.amount:
        return clean_text(spec.none_note.format(part=part))
    return clean_text(spec.note.format(part=part, amount=fmt_number(fee.amount)))


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


def render_html(doc: Document, *, fragment: bool = False) -> str:
    """The document as one standalone UTF-8 HTML page (no external assets; user text escaped).

    Every table, cell, heading and paragraph carries its style inline, so the
    body pasted into a CMS rich-text editor (which drops ``<head>``) keeps
    its borders.  ``fragment`` returns only the report's ``<div>``, for pasting.
    """
    return _env(True).get_template("report.html.j2").render(doc=doc, css=_template_text("report.css"),
                                                            fragment=fragment)


def check_output(out: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a report file this machine cannot write.

    Raises ``ValueError`` for a suffix that is not a report format and
    :class:`~govinfo_xlsx.office.ConversionError` for a PDF without LibreOffice.
    """
    suffix = Path(out).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(unsupported_suffix(out))
    if suffix == ".pdf":
        from .office import NO_SOFFICE, ConversionError, soffice_path

        if soffice_path() is None:
            raise ConversionError(NO_SOFFICE)


def _docx_to_pdf(doc: Document) -> bytes:
    import tempfile

    from .docx_writer import docx_bytes
    from .office import convert_with_soffice

    with tempfile.TemporaryDirectory(prefix="govinfo-pdf-") as d:
        src = Path(d) / "report.docx"
        src.write_bytes(docx_bytes(doc))
        return convert_with_soffice(src, "pdf", d).read_bytes()


def write_document(doc: Document, out: str | os.PathLike[str], *, fragment: bool = False) -> None:
    """Write ``doc`` to ``out``; the suffix chooses the format (.md, .html/.htm, .docx, .pdf).  Atomic.

    PDF is the Word output converted by LibreOffice; without LibreOffice it
    raises :class:`~govinfo_xlsx.office.ConversionError` (Chinese message).
    ``fragment`` writes HTML without ``<html>``/``<head>``, for a CMS editor.
    """
    suffix = Path(out).suffix.lower()
    if suffix in (".md", ".markdown"):
        data = render_markdown(doc).encode("utf-8")
    elif suffix in (".html", ".htm"):
        data = render_html(doc, fragment=fragment).encode("utf-8")
    elif suffix == ".docx":
        from .docx_writer import docx_bytes

        data = docx_bytes(doc)
    elif suffix == ".pdf":
        data = _docx_to_pdf(doc)
    else:
        raise ValueError(unsupported_suffix(out))
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
            year: int | None = None, strict: bool = False, draft: bool = False,
            fragment: bool = False) -> ConvertResult:
    """Validate a workbook and write its report to ``out_path`` (format by suffix).

    Refuses (``written=False``) when the workbook has errors, unless
    ``force``.  Raises :class:`~govinfo_xlsx.errors.WorkbookError` when the
    workbook cannot be read, ``ValueError`` for an unknown suffix,
    :class:`~govinfo_xlsx.office.ConversionError` when a PDF cannot be made.
    ``draft`` keeps the editor's notes on generated paragraphs; ``fragment``
    writes HTML without ``<head>`` (see :func:`render_html`).

    >>> import tempfile, os
    >>> from govinfo_xlsx.template import write_workbook
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "t.xlsx")
    >>> write_workbook(p, year=2024, org="某县", prose={"s5": "问题<b>"}, values={"t2.r1.c1": 0})
    >>> convert(p, os.path.join(d, "r.html")).written
    True
    """
    check_output(out_path)
    wb = workbook if isinstance(workbook, FilledWorkbook) else read_workbook(workbook)
    prev = previous if isinstance(previous, FilledWorkbook) or previous is None else read_workbook(previous)
    rep = validate(wb, strict=strict, year=year, previous=prev)
    if rep.errors and not force:
        return ConvertResult(wb, rep, False)
    write_document(build_document(wb, prev, draft=draft), out_path, fragment=fragment)
    return ConvertResult(wb, rep, True)

