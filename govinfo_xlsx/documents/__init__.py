"""Read published reports (Word, PDF, web page, copied text) into the toolkit's data model.

Most units write the annual report in Word from the official blank form and
publish it as a web page or PDF.  :func:`read_document` reads such a report
into a :class:`~govinfo_xlsx.reader.FilledWorkbook` (a
:class:`DocumentWorkbook`), so checking, reports and roll-ups work on it
unchanged.  Tables, rows and columns are found by their labels in the format,
never by position; every tolerance that changes how a value is read is a
located warning, every unreadable value a located error.

One module per input kind (:mod:`.docx`, :mod:`.pdf`, :mod:`.html`,
:mod:`.text`) produces paragraphs and table grids (:mod:`.model`);
:mod:`.assemble` maps them onto the format with the label matching of
:mod:`.labels`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import WorkbookError
from ..findings import ERROR, Finding
from ..format import ReportFormat, load_format
from ..numbers import fmt_number
from ..reader import FilledWorkbook

if TYPE_CHECKING:
    from .assemble import DocumentWorkbook


def __getattr__(name: str) -> Any:
    # The document readers load on first use: ``check`` of a workbook asks only is_document().
    if name == "DocumentWorkbook":
        from .assemble import DocumentWorkbook

        return DocumentWorkbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DOCUMENT_SUFFIXES",
    "DocumentWorkbook",
    "WRONG_INPUT_REASONS",
    "check_input",
    "compare_with_workbook",
    "import_document",
    "is_document",
    "locate_findings",
    "read_any",
    "read_document",
]

#: File suffixes read as published documents, and the reader of each.
DOCUMENT_SUFFIXES: Mapping[str, str] = {".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html",
                                        ".txt": "text"}
_OLD_FORMATS = {".doc": "旧版 Word 文档（.doc）请用 Word/WPS 另存为 .docx 后再导入",
                ".wps": "WPS 文字文档（.wps）请另存为 .docx 后再导入",
                ".rtf": "RTF 文档请用 Word/WPS 另存为 .docx 后再导入",
                ".odt": "ODT 文档请用 LibreOffice/WPS 另存为 .docx 后再导入",
                ".mht": "网页存档（.mht）请在浏览器中另存为 .html 后再导入",
                ".mhtml": "网页存档（.mhtml）请在浏览器中另存为 .html 后再导入"}


def is_document(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is read as a published report (.docx, .pdf, .html, .htm, .txt) rather than a workbook.

    >>> is_document("县政府2024年报告.PDF"), is_document("填报.xlsx")
    (True, False)
    """
    suffix = Path(path).suffix.lower()
    return suffix in DOCUMENT_SUFFIXES or suffix in _OLD_FORMATS


_SUPPORTED = "import 只导入 Word（.docx）、PDF（.pdf）、网页（.html、.htm）或文本（.txt）格式的年度报告"
_WORKBOOK_USE = "检查填报工作簿请用 govinfo-xlsx check，汇总多个单位的工作簿请用 govinfo-xlsx merge"
#: Inputs that are not reports at all, by suffix: what they are and what to do instead.
_NOT_REPORTS = {
    ".xlsx": f"这是 Excel 工作簿，不是已发布的年度报告。{_SUPPORTED}；{_WORKBOOK_USE}。",
    ".xlsm": f"这是 Excel 工作簿（.xlsm），不是已发布的年度报告。{_SUPPORTED}；{_WORKBOOK_USE}。",
    ".xls": f"这是旧版 Excel 工作簿（.xls），不是已发布的年度报告。{_SUPPORTED}；"
            "填报工作簿请用 Excel/WPS 另存为 .xlsx 后用 govinfo-xlsx check 检查、govinfo-xlsx merge 汇总。",
    ".et": f"这是 WPS 表格文件（.et），不是已发布的年度报告。{_SUPPORTED}；"
           "填报工作簿请用 WPS 另存为 .xlsx 后用 govinfo-xlsx check 检查、govinfo-xlsx merge 汇总。",
    ".ods": f"这是 ODS 表格（.ods），不是已发布的年度报告。{_SUPPORTED}；"
            "填报工作簿请另存为 .xlsx 后用 govinfo-xlsx check 检查、govinfo-xlsx merge 汇总。",
    ".csv": f"这是 CSV 表格，不是已发布的年度报告。{_SUPPORTED}；数字请填入填报模板（govinfo-xlsx template 生成）"
            "后用 govinfo-xlsx check 检查；应报单位名单请在 govinfo-xlsx merge 中用 --roster 指定。",
    ".zip": "这是压缩包，请先解压，再逐份导入其中的报告（检查或汇总解压后的文件夹请用 govinfo-xlsx check 或 merge）。",
    ".rar": "这是压缩包，请先解压，再逐份导入其中的报告（检查或汇总解压后的文件夹请用 govinfo-xlsx check 或 merge）。",
    ".7z": "这是压缩包，请先解压，再逐份导入其中的报告（检查或汇总解压后的文件夹请用 govinfo-xlsx check 或 merge）。",
    **{s: "这是图片，本工具不做文字识别（OCR）；请提供报告的 Word 原文件、带文字层的 PDF 或网页。"
       for s in (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp")},
}
_FOLDER = ("这是一个文件夹，不是报告文件。import 一次导入一份报告，请指定其中的 .docx、.pdf、.html、.htm 或 .txt 文件；"
           "检查或汇总整个文件夹请用 govinfo-xlsx check 或 govinfo-xlsx merge。")

#: Reasons of a :class:`~govinfo_xlsx.errors.WorkbookError` meaning the input is not a report at all
#: (a workbook, a table, a folder, an old-format document, another kind of file): the user chose the
#: wrong input, which the ``import`` command answers as a usage error, not as an unreadable report.
WRONG_INPUT_REASONS = frozenset({"wrong-input", "is-directory", "old-document-format"})


def _zip_kind(path: Path) -> str | None:
    """'workbook' for an Excel package, 'docx' for a Word one, None when the names do not tell."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist()[:10_000])
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "xl/workbook.xml" in names:
        return "workbook"
    if "word/document.xml" in names:
        return "docx"
    return None


def check_input(path: str | os.PathLike[str]) -> None:
    """Refuse, before reading anything, an input that cannot be a report: missing, a folder, an
    old-format document, a workbook, a table, an archive or an image (by its suffix).

    Raises :class:`~govinfo_xlsx.errors.WorkbookError`; its ``reason`` is in
    :data:`WRONG_INPUT_REASONS` except for ``missing``.

    >>> try:
    ...     check_input("单位.xlsx")
    ... except WorkbookError as exc:
    ...     print(exc.reason, exc.detail.split("。")[0])
    wrong-input 这是 Excel 工作簿，不是已发布的年度报告
    """
    suffix = Path(path).suffix.lower()
    if suffix in _OLD_FORMATS:
        raise WorkbookError("old-document-format", _OLD_FORMATS[suffix], path)
    p = Path(path)
    if p.is_dir():
        raise WorkbookError("is-directory", _FOLDER, path)
    if suffix in _NOT_REPORTS:
        raise WorkbookError("wrong-input", _NOT_REPORTS[suffix], path)
    if not p.exists():
        raise WorkbookError("missing", "文件不存在", path)


def _kind(path: str | os.PathLike[str]) -> str:
    check_input(path)
    suffix = Path(path).suffix.lower()
    p = Path(path)
    size = p.stat().st_size
    if size == 0:
        raise WorkbookError("empty-file", "文件为空（0 字节）", path)
    from .. import settings

    if size > settings.MAX_FILE_BYTES:
        raise WorkbookError("too-large", f"文件过大（{size // (1024 * 1024)} MB）", path)
    with open(p, "rb") as fh:
        head = fh.read(8)
    # The content decides over the suffix: a PDF saved as .txt is still a PDF.
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if suffix != ".docx" and _zip_kind(p) == "workbook":
            raise WorkbookError("wrong-input", f"文件内容是 Excel 工作簿（扩展名却是“{p.suffix}”），"
                                f"不是已发布的年度报告。{_SUPPORTED}；{_WORKBOOK_USE}。", path)
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError("old-document-format", "这是旧版 Office 文件（.doc/.xls），请另存为 .docx 后再导入", path)
    kind = DOCUMENT_SUFFIXES.get(suffix)
    if kind in ("text", None):
        with open(p, "rb") as fh:
            start = fh.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<meta", b"<head")):
            kind = "html"  # a web page's source saved as .txt, or saved without its suffix
    if kind is None:
        said = f"扩展名为“{p.suffix}”" if p.suffix else "没有扩展名"
        raise WorkbookError("wrong-input", f"不是可导入的报告文件（{said}）：{_SUPPORTED}。", path)
    if kind in ("pdf", "docx"):
        raise WorkbookError("corrupt-file", f"文件内容不是 {suffix} 格式（可能已损坏或扩展名错误）", path)
    return kind


def read_document(path: str | os.PathLike[str], fmt: ReportFormat | None = None, *, org: str | None = None,
                  year: int | None = None) -> DocumentWorkbook:
    """Read a published report written in the official format.

    ``org`` and ``year`` override what the report's title says.  Raises
    :class:`~govinfo_xlsx.errors.WorkbookError` (Chinese message) for a file
    that cannot be read: damaged, a scan without a text layer (needs OCR), or
    no table of the format found.  A top-level function of plain arguments,
    so it runs in worker processes; the result pickles.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "r.txt")
    >>> _ = open(p, "w", encoding="utf-8").write("某县2024年政府信息公开工作年度报告\\n"
    ...     "四、政府信息公开行政复议、行政诉讼情况\\n行政复议\\t行政诉讼\\n"
    ...     + "\\t".join(["1", "0", "0", "0", "1"] + ["0"] * 10) + "\\n")
    >>> wb = read_document(p)
    >>> wb.org, wb.year, wb.values["t4.r1.c01"], wb.cached["t4.r1.c05"]
    ('某县', 2024, 1, 1)
    """
    kind = _kind(path)
    fmt = fmt or load_format()
    try:
        if kind == "docx":
            from .docx import read as reader
        elif kind == "pdf":
            from .pdf import read as reader
        elif kind == "html":
            from .html import read as reader
        else:
            from .text import read as reader
        extracted = reader(path)
        from .assemble import assemble

        if kind != "pdf":
            return assemble(extracted, fmt, str(path), org=org, year=year)
        return _read_pdf(path, extracted, fmt, org, year)
    except WorkbookError:
        raise
    except MemoryError as exc:
        raise WorkbookError("too-large", "文件过大，内存不足以读取", path) from exc
    except RecursionError as exc:
        raise WorkbookError("corrupt-file", "文件结构异常（嵌套过深）", path) from exc
    except Exception as exc:  # a damaged file must end in a message, never a traceback
        raise WorkbookError("corrupt-file", f"文件内容已损坏，无法读取（{type(exc).__name__}: {exc}）", path) from exc


def _structure_errors(wb: DocumentWorkbook | None) -> int:
    if wb is None:
        return 10**6
    return sum(1 for f in wb.findings if f.severity == ERROR and (f.rule.startswith("document-") or
                                                                  f.rule == "not-a-number"))


def _read_pdf(path: str | os.PathLike[str], extracted: Any, fmt: ReportFormat, org: str | None,
              year: int | None) -> DocumentWorkbook:
    """A PDF by its ruled tables; when that misses rows or tables (no rules drawn), by its laid-out text too.

    The reading with fewer structural errors (missing tables/rows, unplaced
    numbers) is kept; the ruled one on a tie.
    """
    from .assemble import assemble
    from .pdf import read_layout

    first: DocumentWorkbook | None
    try:
        first = assemble(extracted, fmt, str(path), org=org, year=year)
    except WorkbookError:
        first = None
    if first is not None and _structure_errors(first) == 0:
        return first
    try:
        second: DocumentWorkbook | None = assemble(read_layout(path), fmt, str(path), org=org, year=year)
    except WorkbookError:
        second = None
    if second is not None and _structure_errors(second) < _structure_errors(first):
        return second
    if first is None:
        return assemble(extracted, fmt, str(path), org=org, year=year)  # raises the reason
    return first


def read_any(path: str | os.PathLike[str], *, org: str | None = None, year: int | None = None) -> FilledWorkbook:
    """A workbook of ours (:func:`~govinfo_xlsx.reader.read_workbook`) or a published report (:func:`read_document`)."""
    if is_document(path):
        return read_document(path, org=org, year=year)
    from ..reader import read_workbook

    return read_workbook(path)


#: Cover fields a published report does not print (asked for by the workbook's cover only).
_NOT_PRINTED = ("cover.filler", "cover.phone", "cover.date")


def locate_findings(findings: list[Finding], wb: FilledWorkbook) -> list[Finding]:
    """Findings of a document as its reader needs them.

    Adds the PDF page to findings about the document's cells ("（报告第 3 页）")
    and drops "cover field empty" for fields a published report never prints
    (填报人, 联系电话, 填报日期).  Workbooks pass through unchanged.
    """
    if not is_document(wb.path):
        return findings  # a workbook: the document readers need not load
    from .assemble import DocumentWorkbook

    if not isinstance(wb, DocumentWorkbook):
        return findings
    pages = wb.pages
    out = []
    for f in findings:
        if f.rule == "empty-cover-field" and set(f.codes) <= set(_NOT_PRINTED):
            continue
        ps = sorted({pages[c] for c in f.codes if c in pages})
        if ps and "页）" not in f.message:
            where = "、".join(str(p) for p in ps)
            f = Finding(f.rule, f.severity, f"{f.message}（报告第 {where} 页）", f.cells, f.expected, f.actual, f.codes)
        out.append(f)
    return out


def compare_with_workbook(document: FilledWorkbook, workbook: FilledWorkbook) -> list[Finding]:
    """Figure by figure differences between a unit's report and its workbook (the workbook counts).

    Every input cell and every total the document prints is compared; each
    difference is an error located on the workbook's cell.
    """
    fmt = workbook.format
    out: list[Finding] = []
    name = os.path.basename(document.path)
    doc_numbers = document.numbers()
    wb_numbers = workbook.numbers()
    for code in fmt.number_codes:
        cell = fmt.cells[code]
        if cell.role == "input":
            if code in document.invalid:
                continue
            d = document.values.get(code)
        else:
            d = document.cached.get(code)
        if d is None:
            continue
        w = wb_numbers.get(code)
        if w is None or Decimal(str(d)) == Decimal(str(w)):
            continue
        title = fmt.table(cell.table).title if cell.table else ""
        page = document.where(code) if hasattr(document, "where") else ""
        out.append(Finding("document-differs", ERROR,
                           f"{title}{''.join(f'「{x}」' for x in (cell.row_label, cell.col_label) if x)}："
                           f"工作簿为 {fmt_number(w)}，"
                           f"报告 {name}{'（' + page + '）' if page else ''}中为 {fmt_number(d)}，二者应一致。",
                           (cell.ref,), expected=w, actual=d, codes=(code,)))
    del doc_numbers
    for code in ("cover.year",):
        a, b = workbook.cover.get(code), document.cover.get(code)
        if a is not None and b is not None and a != b:
            cell = fmt.cells[code]
            out.append(Finding("document-differs", ERROR,
                               f"「{cell.label}」：工作簿为 {a}，报告 {name} 中为 {b}，二者应一致。", (cell.ref,),
                               expected=a, actual=b, codes=(code,)))
    return out


def import_document(path: str | os.PathLike[str], out_xlsx: str | os.PathLike[str], *,
                    fmt: ReportFormat | None = None, org: str | None = None, year: int | None = None,
                    password: str | None = None) -> DocumentWorkbook:
    """Read a report and write it as a filled workbook of the template; return what was read.

    Inputs are written as published; totals are the template's formulas (a
    published total that differs from its parts is a finding of the check,
    not a value in the workbook).
    """
    from ..template import write_workbook

    wb = read_document(path, fmt, org=org, year=year)
    values: dict[str, Any] = {c: v for c, v in wb.values.items() if v is not None and c not in wb.invalid}
    cover = {c: v for c, v in wb.cover.items() if v not in (None, "") and c not in ("cover.org", "cover.year")}
    notes = {}
    computed = wb.numbers()
    for code, printed in wb.cached.items():
        if printed is not None and code in computed and Decimal(str(printed)) != Decimal(str(computed[code])):
            notes[code] = (f"报告 {os.path.basename(str(path))} 中此处印为 {fmt_number(printed)}，"
                           f"各项之和为 {fmt_number(computed[code])}；工作簿按各项之和计算。")
    write_workbook(out_xlsx, wb.format, year=wb.year, org=wb.org, cover=cover, values=values, prose=wb.prose,
                   password=password, notes=notes)
    return wb
