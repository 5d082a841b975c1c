"""Safe, fast, low-level reading of an ``.xlsx`` package.

This is the one place that touches untrusted bytes.  It

* classifies what the file really is before unzipping it (missing, empty,
  directory, old ``.xls``, encrypted workbook, ``.ods``, ``.xlsm``, CSV or
  other text renamed ``.xlsx``, truncated zip);
* refuses zip bombs from the sizes the archive declares, before inflating,
  and never inflates more than it needs (sheets are streamed and parsing
  stops once the template's rows are read);
* parses XML with expat with DTDs refused, so entity expansion and external
  entities never run;
* returns cell values, their type and whether the cell holds a formula.

Cells are read on one of two paths.  The fast path (template-sized sheets)
takes the cached values from python-calamine, which parses in Rust, and
finds with one regular-expression pass what calamine cannot say: which cells
hold a formula (the reader warns about formulas typed into inputs) or an
error value, and the merged ranges.  The expat path streams the sheet and
stops after the form; it reads huge sheets, files calamine refuses, and is
the reference the tests compare the fast path against.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote
from xml.parsers import expat

from . import settings
from .errors import WorkbookError
from .wording import LOCK_FILE_MESSAGE, is_lock_file

__all__ = ["RawCell", "SheetData", "XlsxPackage", "open_package", "parse_ref"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@functools.lru_cache(maxsize=1 << 16)
def parse_ref(ref: str) -> tuple[int, int]:
    """``"D6"`` -> ``(5, 3)`` (zero-based row, col)."""
    m = _REF.match(ref)
    if not m:
        raise ValueError(ref)
    letters, digits = m.groups()
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _unescape(text: str) -> str:
    # OOXML stores characters that XML cannot hold as _xHHHH_ (and a literal
    # "_x" as _x005F_x...).
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


class RawCell(NamedTuple):
    """A cell as stored: ``value`` is str/float/bool/None, ``type`` the OOXML ``t``."""

    value: Any
    type: str  # n | s | str | inlineStr | b | e | d
    formula: bool = False


@dataclass
class SheetData:
    """The cells read from one sheet, with its dimension and merged ranges."""

    name: str
    state: str  # visible | hidden | veryHidden
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    dimension: str = ""
    merges: set[str] | None = None  # None when not read (sheet too large)
    max_row_seen: int = -1
    fast: bool = False  # read by the fast path (calamine), not the XML parser


class _Stop(Exception):
    pass


class _Done(Exception):
    """Everything needed from a sheet has been read."""


class _Forbidden(Exception):
    pass


def _parser() -> Any:
    p = expat.ParserCreate()

    def forbid(*_: Any) -> None:
        raise _Forbidden()

    # No DTD at all: entity expansion ("billion laughs") and external entities
    # can only come through a DTD.
    p.StartDoctypeDeclHandler = forbid
    p.EntityDeclHandler = forbid
    p.ExternalEntityRefHandler = forbid
    p.buffer_text = True
    return p


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1] if ":" in name else name


# Elements that may follow <sheetData> before the merged ranges, in schema
# order (CT_Worksheet).  Anything else after sheetData (conditional formats,
# data validations, page setup: most of a template's XML) is never needed,
# so parsing stops there.
_BEFORE_MERGES = frozenset({"sheetCalcPr", "sheetProtection", "protectedRanges", "protectedRange", "scenarios",
                            "scenario", "inputCells", "autoFilter", "filterColumn", "sortState", "sortCondition",
                            "dataConsolidate", "dataRefs", "dataRef", "customSheetViews", "customSheetView",
                            "mergeCells", "mergeCell", "pane", "selection", "rowBreaks", "colBreaks", "brk",
                            "customFilters", "customFilter", "filters", "filter", "dateGroupItem", "top10",
                            "dynamicFilter", "colorFilter", "iconFilter", "extLst", "ext"})


class XlsxPackage:
    """An opened, classified ``.xlsx`` file.  Use :func:`open_package`.

    The workbook part, its sheets, shared strings and styles are found through
    the package relationships (``_rels/.rels`` -> officeDocument -> its
    ``.rels``), so a package that stores them under other part names reads.
    """

    def __init__(self, path: Path, zf: zipfile.ZipFile) -> None:
        self.path = path
        self.zf = zf
        self.sheets: list[tuple[str, str, str]] = []  # (name, part path, state)
        self.defined_names: dict[str, str] = {}
        self.workbook_protected = False
        #: Dates count from 1904-01-01 (``<workbookPr date1904="1"/>``, set by old Mac Excel).
        self.date1904 = False
        self.workbook_part = "xl/workbook.xml"
        self.shared_strings_part: str | None = None
        self.styles_part: str | None = None
        self._shared: list[str] | None = None
        self._cal: Any = None
        self._shared_plain: bool | None = None
        self._dates: dict[str, bool] | None = None
        self._read_workbook()

    def close(self) -> None:
        """Close the archive (and calamine's handle)."""
        self.zf.close()
        if self._cal:
            self._cal.close()

    def __enter__(self) -> XlsxPackage:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- helpers ---------------------------------------------------------

    def _fail(self, reason: str, detail: str) -> WorkbookError:
        return WorkbookError(reason, detail, self.path)

    def _member(self, name: str) -> zipfile.ZipInfo | None:
        try:
            return self.zf.getinfo(name)
        except KeyError:
            # Some writers use other case or a leading slash.
            low = name.lower().lstrip("/")
            for info in self.zf.infolist():
                if info.filename.lower().lstrip("/") == low:
                    return info
            return None

    def _read_small(self, name: str, required: bool = True, limit: int | None = None,
                    what: str | None = None) -> bytes | None:
        """A part inflated whole; ``what`` names it in messages (``工作表“…”``; default the part name)."""
        label = what or f"{name} "
        info = self._member(name)
        if info is None:
            if required:
                raise self._fail("not-xlsx", f"文件中缺少 {name}，不是有效的 Excel 工作簿")
            return None
        if info.file_size > (limit or settings.MAX_MEMBER_BYTES):
            raise self._fail("too-large", f"{label}解压后有 {info.file_size // (1024 * 1024)} MB，超过上限")
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
            raise self._fail("corrupt-zip", f"压缩包已损坏（{name}：{exc}）") from exc
        except NotImplementedError as exc:  # a compression method zipfile cannot inflate
            raise self._fail("corrupt-zip", f"{label}使用了本工具不支持的压缩方式（编号 {info.compress_type}），"
                                            "请在 Excel/WPS 中打开后重新保存") from exc
        except RuntimeError as exc:  # encrypted member
            raise self._fail("encrypted", "工作簿设置了密码，请在 Excel/WPS 中取消密码后另存为 .xlsx") from exc

    def _parse(self, data: bytes, start: Any, what: str, end: Any = None, text: Any = None) -> None:
        p = _parser()
        p.StartElementHandler = start
        if end is not None:
            p.EndElementHandler = end
        if text is not None:
            p.CharacterDataHandler = text
        try:
            p.Parse(data, True)
        except _Forbidden as exc:
            raise self._fail("xml-attack", f"{what} 含有 DTD/实体声明，出于安全原因拒绝读取") from exc
        except expat.ExpatError as exc:
            raise self._fail("corrupt-xml", f"{what} 的 XML 已损坏（{exc}）") from exc
        except LookupError as exc:
            raise self._unknown_encoding(exc, what + " ") from exc

    def _unknown_encoding(self, exc: LookupError, what: str) -> WorkbookError:
        """The XML declaration names an encoding no codec has (``encoding="UTr-8"``)."""
        if type(exc) is not LookupError:  # KeyError, IndexError: a bug, not the file
            raise exc
        name = str(exc).rsplit(": ", 1)[-1]
        return self._fail("corrupt-xml", f"{what}的 XML 已损坏（声明了未知的字符编码“{name}”）")

    # ---- relationships and workbook.xml --------------------------------------

    def _rels(self, source: str, required: bool) -> dict[str, tuple[str, str]]:
        """The relationships of part ``source`` (``""``: the package's): id -> (type, target part)."""
        folder, name = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", name + ".rels")
        data = self._read_small(rels_name, required=required, limit=settings.MAX_WORKBOOK_PART_BYTES)
        out: dict[str, tuple[str, str]] = {}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                out[attrs.get("Id", "")] = (attrs.get("Type", ""), _resolve(folder, attrs.get("Target", "")))

        if data is not None:
            self._parse(data, start, rels_name)
        return out

    def _read_workbook(self) -> None:
        # Excel's part names (xl/workbook.xml, xl/worksheets/sheet1.xml) are only
        # a convention: other writers choose their own, and the relationships say
        # which part is which.
        office = [t for typ, t in self._rels("", required=False).values() if typ.endswith("/officeDocument")]
        if office:
            self.workbook_part = office[0]
        elif self._member(self.workbook_part) is None:
            raise self._fail("not-xlsx", "文件中缺少 _rels/.rels（或其中没有指向工作簿的关系），不是有效的 Excel 工作簿")
        rels = self._rels(self.workbook_part, required=True)
        by_id = {rid: target for rid, (_, target) in rels.items()}
        for typ, target in rels.values():
            if typ.endswith("/sharedStrings") and self.shared_strings_part is None:
                self.shared_strings_part = target
            elif typ.endswith("/styles") and self.styles_part is None:
                self.styles_part = target
        what = self.workbook_part
        data = self._read_small(what, limit=settings.MAX_WORKBOOK_PART_BYTES) or b""
        if FAST_PATH and self._fast_workbook(data, by_id):
            return
        sheets: list[tuple[str, str, str]] = []
        names: dict[str, str] = {}
        state: dict[str, Any] = {"name": None, "buf": []}

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = _local(name)
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                sheets.append((attrs.get("name", ""), by_id.get(rid, ""), attrs.get("state", "visible")))
            elif tag == "definedName":
                state["name"] = attrs.get("name", "") if "localSheetId" not in attrs else None
                state["buf"] = []
            elif tag == "workbookProtection":
                self.workbook_protected = attrs.get("lockStructure") in ("1", "true")
            elif tag == "workbookPr":
                self.date1904 = attrs.get("date1904") in ("1", "true")

        def text(data: str) -> None:
            if state["name"] is not None:
                state["buf"].append(data)

        def end(name: str) -> None:
            if _local(name) == "definedName" and state["name"] is not None:
                names[state["name"]] = "".join(state["buf"])
                state["name"] = None

        self._parse(data, start, what, end, text)
        self.sheets = sheets
        self.defined_names = names

    def _fast_workbook(self, data: bytes, rels: dict[str, str]) -> bool:
        """Sheets and defined names of workbook.xml with regular expressions; False if unusual."""
        if b"<!DOCTYPE" in data[:4096] or b"<workbook" not in data[:4096] or _unusual(data) \
                or not _utf8(data[: data.find(b"<workbook")]):
            return False  # a DTD, a prefixed namespace, comments, single quotes: the XML parser reads it
        try:
            text = data.decode("utf-8")
            # <sheets> and <workbookPr> come before <definedNames> (CT_Workbook order).
            cut = text.find("<definedNames>")
            head, block = (text, "") if cut < 0 else (text[:cut], text[cut: text.find("</definedNames>", cut)])
            sheets = []
            for m in _SHEET_RE.finditer(head):
                attrs = dict(_ATTR_RE.findall(m.group(1)))
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
                sheets.append((_xml_text(attrs.get("name", "")), rels.get(rid, ""), attrs.get("state", "visible")))
            found = _DEFNAME_RE.findall(block)
            names = {name: value for name, attrs, value in found if "localSheetId" not in attrs}  # workbook-level
            if "&" in block:
                names = {_xml_text(name): _xml_text(value) for name, value in names.items()}
        except (UnicodeDecodeError, ValueError, OverflowError):  # bad bytes or character references:
            return False  # the XML parser says where
        if not sheets or len(sheets) != text.count("<sheet ") or len(found) != text.count("<definedName "):
            return False
        self.sheets, self.defined_names = sheets, names
        self.workbook_protected = 'lockStructure="1"' in head or 'lockStructure="true"' in head
        pr = _WORKBOOK_PR_RE.search(head)
        self.date1904 = bool(pr and _DATE1904_RE.search(pr.group(0)))
        return True

    # ---- shared strings ----------------------------------------------------

    def shared_strings(self) -> list[str]:
        """The shared strings table, parsed once."""
        if self._shared is not None:
            return self._shared
        part = self.shared_strings_part
        out: list[str] = []
        if part is not None and self._member(part) is not None:
            data = self._read_small(part) or b""
            st: dict[str, Any] = {"buf": None, "in_t": False, "skip": 0}

            def start(name: str, attrs: dict[str, str]) -> None:
                tag = _local(name)
                if tag == "si":
                    st["buf"] = []
                elif tag in ("rPh", "phoneticPr"):
                    st["skip"] += 1  # phonetic guide text is not part of the value
                elif tag == "t" and st["buf"] is not None and not st["skip"]:
                    st["in_t"] = True

            def end(name: str) -> None:
                tag = _local(name)
                if tag == "si":
                    out.append(_unescape("".join(st["buf"] or ())))
                    st["buf"] = None
                    if len(out) > settings.MAX_SHARED_STRINGS:
                        raise self._fail("too-large", "共享字符串数量超过上限")
                elif tag in ("rPh", "phoneticPr"):
                    st["skip"] -= 1
                elif tag == "t":
                    st["in_t"] = False

            def text(data: str) -> None:
                if st["in_t"]:
                    st["buf"].append(data)

            self._parse(data, start, part, end, text)
        self._shared = out
        return out

    # ---- sheets --------------------------------------------------------------

    def _calamine(self) -> Any:
        if self._cal is None:
            self._cal = False
            # calamine finds the shared strings at Excel's part name only (it would
            # read none, or another part's, under any other name).
            strings = self.shared_strings_part
            conventional = self.workbook_part == "xl/workbook.xml" and (
                strings == "xl/sharedStrings.xml" or (strings is None and self._member("xl/sharedStrings.xml") is None))
            if conventional:
                try:
                    from python_calamine import CalamineError, CalamineWorkbook

                    self._cal = CalamineWorkbook.from_path(str(self.path))
                except (CalamineError, OSError, ValueError, UnicodeError):
                    pass  # calamine refuses what expat may still read precisely
        return self._cal

    def _fast_sheet(self, sd: SheetData, info: zipfile.ZipInfo, max_row: int, max_col: int) -> bool:
        raw = self._read_small(info.filename, what=f"工作表“{sd.name}”") or b""
        root = _ROOT_RE.search(raw, 0, 4096)
        # A DTD can only stand in the prolog, before the root element; the
        # expressions read UTF-8 only.
        if root is None or b"<!" in raw[: root.start()] or not _utf8(raw[: root.start()]):
            return False
        pat = _patterns(root.group(1) or b"")
        start = raw.find(pat.open)
        end = raw.find(pat.close, start)
        if start < 0 or end < 0:
            return False
        data = raw[start:end]
        if _unusual(data) or not self._plain_shared():
            return False
        cal = self._calamine()
        if not cal:
            return False
        from python_calamine import CalamineError

        try:
            grid = cal.get_sheet_by_name(sd.name).to_python(skip_empty_area=False)
        except (CalamineError, ValueError, UnicodeError):
            return False
        cells = sd.cells
        for r, row in enumerate(grid[: max_row + 1]):
            for c, v in enumerate(row[: max_col + 1]):
                cls = v.__class__
                if cls is float:
                    cells[(r, c)] = RawCell(v, "n", False)
                elif cls is str:
                    if v:
                        cells[(r, c)] = RawCell(v, "s", False)
                elif v is not None:
                    value, t = _calamine_value(v)
                    cells[(r, c)] = RawCell(value, t, False)
        sd.max_row_seen = len(grid) - 1
        # calamine gives cached values only: which cells hold a formula or an
        # error value is read from the XML (and a cell without ``r`` sits
        # where its order puts it).
        positions: dict[int, tuple[int, int]] | None = None
        marks: list[tuple[int, int, bytes | None]] = []
        for m in pat.formula.finditer(data):
            # <f> is the first child of its <c>: the nearest cell start before it, with only
            # white space between that tag's end and the formula.
            cell = data.rfind(pat.cell, 0, m.start())
            tag_end = data.find(b">", cell)
            if cell < 0 or data[cell + len(pat.cell)] not in b" \t\r\n>" or data[tag_end - 1] == 47 \
                    or data[tag_end + 1: m.start()].strip():
                return False  # not as CT_Cell has it: the XML parser decides
            marks.append((cell, 0, None))
        if b'"e"' in data:
            marks.extend((m.start(), 1, m.group(2) or b"") for m in pat.error.finditer(data))
        for offset, _, error in sorted(marks):  # a formula cell's error after its formula
            tag = data[offset: data.index(b">", offset)]
            ref = _R_ATTR.search(tag)
            if ref is None:
                if positions is None:
                    positions = _positions(data, pat)
                r, c = positions[offset]
            else:
                try:
                    r, c = parse_ref(ref.group(1).decode("ascii"))
                except (ValueError, UnicodeDecodeError):
                    return False  # a malformed reference: the XML parser reports it
            if r > max_row or c > max_col:
                continue
            old = cells.get((r, c))
            if error is None:
                cells[(r, c)] = RawCell(old.value if old else None, old.type if old else "n", True)
            else:
                cells[(r, c)] = RawCell(error.decode("utf-8", "replace") or "#N/A", "e", bool(old and old.formula))
        dim = pat.dimension.search(raw, 0, start)
        if dim:
            sd.dimension = dim.group(1).decode("ascii", "replace")
        merges_end = raw.find(pat.merges_close, end)
        sd.merges = {x.decode("ascii", "replace") for x in pat.merge.findall(raw, end, len(raw) if merges_end < 0
                                                                               else merges_end)}
        sd.fast = True
        return True

    def _plain_shared(self) -> bool:
        """The shared strings part (read by calamine) has no DTD: checked once."""
        if self._shared_plain is None:
            part = self.shared_strings_part
            if part is None or self._member(part) is None:
                self._shared_plain = True
            else:
                data = self._read_small(part) or b""
                if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
                    raise self._fail("xml-attack", f"{part} 含有 DTD/实体声明，出于安全原因拒绝读取")
                self._shared_plain = True
        return self._shared_plain

    def date_styles(self) -> dict[str, bool]:
        """Cell styles (``s``) whose number format shows a date or time: style -> is a duration.

        A number in such a cell is what the user sees as a date; the XML
        parser returns it as one, as calamine does on the fast path.
        """
        if self._dates is None:
            custom: dict[str, str] = {}
            xfs: list[str] = []
            st = {"in": False}

            def start(tag_name: str, attrs: dict[str, str]) -> None:
                tag = _local(tag_name)
                if tag == "numFmt":
                    custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
                elif tag == "cellXfs":
                    st["in"] = True
                elif tag == "xf" and st["in"]:
                    xfs.append(attrs.get("numFmtId", "0"))

            def end(tag_name: str) -> None:
                if _local(tag_name) == "cellXfs":
                    st["in"] = False

            part = self.styles_part
            if part is not None and self._member(part) is not None:
                self._parse(self._read_small(part) or b"", start, part, end)
            dates = {}
            for i, fid in enumerate(xfs):
                kind = _format_kind(custom[fid]) if fid in custom else _BUILTIN_DATES.get(fid)
                if kind is not None:
                    dates[str(i)] = kind == "duration"
            self._dates = dates
        return self._dates

    def read_sheet(self, name: str, max_row: int, max_col: int) -> SheetData:
        """Read the cells of rows ``0..max_row`` and columns ``0..max_col`` of a sheet.

        Parsing stops at the first row beyond ``max_row``; the rest of the
        part is only scanned for merged ranges when it is of honest size.
        """
        entry = next((s for s in self.sheets if s[0] == name), None)
        if entry is None:
            raise KeyError(name)
        _, part, state = entry
        info = self._member(part) if part else None
        sd = SheetData(name=name, state=state)
        if info is None:
            raise self._fail("corrupt-zip", f"工作表“{name}”的数据（{part or '工作簿关系中没有此工作表'}）缺失")
        if FAST_PATH and info.file_size <= settings.FAST_PARSE_BYTES and self._fast_sheet(sd, info, max_row, max_col):
            return sd
        sd.cells.clear()
        shared = self.shared_strings()
        dates = self.date_styles()
        cur: dict[str, Any] = {"ref": None, "t": "n", "s": None, "f": False, "v": None, "is": None, "in": None, "len": 0,
                               "row": -1, "col": -1, "merges": set(), "after_data": False}
        cells = sd.cells

        def start(tag_name: str, attrs: dict[str, str]) -> None:
            tag = _local(tag_name)
            if tag == "c":
                ref = attrs.get("r")
                if ref:
                    r, c = parse_ref(ref)
                else:  # position implied by order
                    r, c = cur["row"], cur["col"] + 1
                cur.update(ref=(r, c), t=attrs.get("t", "n"), s=attrs.get("s"), f=False, v=None, len=0, **{"is": None})
                cur["col"] = c
            elif tag == "row":
                r = attrs.get("r")
                row = int(r) - 1 if r and r.isdigit() else cur["row"] + 1
                cur["row"] = row
                cur["col"] = -1
                sd.max_row_seen = row
                if row > max_row:
                    raise _Stop()
            elif tag == "v":
                cur["in"] = "v"
                cur["v"] = []
            elif tag == "f":
                cur["f"] = True
                cur["in"] = "f"
            elif tag == "is":
                cur["is"] = []
            elif tag == "t" and cur["is"] is not None:
                cur["in"] = "t"
            elif tag in ("rPh",):
                cur["in"] = "skip"
            elif cur["after_data"] and tag not in _BEFORE_MERGES:
                raise _Done()
            elif tag == "dimension":
                sd.dimension = attrs.get("ref", "")
            elif tag == "mergeCell":
                cur["merges"].add(attrs.get("ref", ""))

        def text(data: str) -> None:
            # Text arrives in pieces; collect them in a list (joining once is linear, adding
            # strings is quadratic) and keep no more than a cell can hold.
            where = cur["in"]
            if where == "v" or where == "t":
                parts = cur["v"] if where == "v" else cur["is"]
                if cur["len"] <= settings.MAX_CELL_CHARS:
                    parts.append(data)
                    cur["len"] += len(data)

        def end(tag_name: str) -> None:
            tag = _local(tag_name)
            if tag in ("v", "f", "t", "rPh"):
                cur["in"] = None
            elif tag == "sheetData":
                cur["after_data"] = True
            elif tag == "c":
                r, c = cur["ref"]
                if cur["v"] is None and cur["is"] is None and not cur["f"]:
                    return  # an empty, only formatted cell
                if r <= max_row and c <= max_col:
                    # One character over the limit is kept so the reader can tell the cell was cut.
                    v = None if cur["v"] is None else "".join(cur["v"])[: settings.MAX_CELL_CHARS + 1]
                    inline = None if cur["is"] is None else "".join(cur["is"])[: settings.MAX_CELL_CHARS + 1]
                    cell = _cell(cur["t"], v, inline, cur["f"], shared)
                    if cell.type == "n" and cell.value is not None and dates.get(cur["s"]) is False:
                        cell = _date_cell(cell, self.date1904)
                    cells[(r, c)] = cell

        p = _parser()
        p.StartElementHandler = start
        p.EndElementHandler = end
        p.CharacterDataHandler = text
        consumed = 0
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(64 * 1024)
                    if not chunk:
                        p.Parse(b"", True)
                        break
                    consumed += len(chunk)
                    if consumed > settings.MAX_MEMBER_BYTES:
                        raise self._fail("too-large", f"工作表“{name}”的表格区域过大（超过 "
                                                      f"{settings.MAX_MEMBER_BYTES // (1024 * 1024)} MB），拒绝读取")
                    p.Parse(chunk, False)
            sd.merges = cur["merges"]
        except _Done:
            sd.merges = cur["merges"]
        except _Stop:
            sd.merges = None  # beyond the table: merged ranges come after the rows; not read
        except _Forbidden as exc:
            raise self._fail("xml-attack", f"工作表“{name}”含有 DTD/实体声明，出于安全原因拒绝读取") from exc
        except expat.ExpatError as exc:
            raise self._fail("corrupt-xml", f"工作表“{name}”的 XML 已损坏（{exc}）") from exc
        except LookupError as exc:
            raise self._unknown_encoding(exc, f"工作表“{name}”") from exc
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise self._fail("corrupt-zip", f"压缩包已损坏（工作表“{name}”：{exc}）") from exc
        except NotImplementedError as exc:
            raise self._fail("corrupt-zip", f"工作表“{name}”使用了本工具不支持的压缩方式（编号 {info.compress_type}），"
                                            "请在 Excel/WPS 中打开后重新保存") from exc
        except RuntimeError as exc:
            raise self._fail("encrypted", "工作簿设置了密码，请取消密码后另存为 .xlsx") from exc
        except ValueError as exc:  # a malformed cell reference (parse_ref)
            raise self._fail("corrupt-xml", f"工作表“{name}”的数据已损坏（单元格地址 {exc} 无效）") from exc
        return sd


def _resolve(folder: str, target: str) -> str:
    """The zip member a relationship target names: absolute (``/xl/a.xml``) or relative to the source's folder."""
    target = unquote(target.replace("\\", "/"))
    part = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(part).lstrip("/") if part else ""


# ---------------------------------------------------------------------------
# Fast path: python-calamine reads the cached values (in Rust), and one
# regular-expression pass over the same part finds what calamine cannot say:
# which cells hold a formula or an error, the merged ranges and the
# dimension.  It is used for parts of template size; anything unusual (a
# DTD, comments, CDATA, single-quoted attributes, a calamine failure) falls
# back to the expat parser, which is the reference: tests read every fixture
# both ways and compare.

#: Set to False to always use the expat parser (tests compare both).
FAST_PATH = True



_ENCODING_RE = re.compile(rb"""encoding=["']([^"']*)""")


def _utf8(prolog: bytes) -> bool:
    """The XML declaration in ``prolog`` names UTF-8 or no encoding (which means UTF-8)."""
    m = _ENCODING_RE.search(prolog)
    return m is None or m.group(1).lower() in (b"utf-8", b"utf8")


def _unusual(data: bytes) -> bool:
    """XML the regular expressions do not read (the parser does): comments, CDATA, single-quoted attributes."""
    return b"<!--" in data or b"<![CDATA[" in data or b"='" in data


_ROOT_RE = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet\b")
_R_ATTR = re.compile(rb'\sr="([^"]*)"')


@dataclass(frozen=True)
class _Patterns:
    open: bytes
    close: bytes
    cell: bytes
    merges_close: bytes
    formula: re.Pattern[bytes]
    error: re.Pattern[bytes]
    row_or_cell: re.Pattern[bytes]
    dimension: re.Pattern[bytes]
    merge: re.Pattern[bytes]


@functools.lru_cache(maxsize=8)
def _patterns(prefix: bytes) -> _Patterns:
    """The fast path's expressions for the sheet's element prefix (``x:`` from the Open XML SDK; usually none)."""
    p = re.escape(prefix + b":") if prefix else b""
    q = prefix + b":" if prefix else b""
    return _Patterns(
        open=b"<" + q + b"sheetData",
        close=b"</" + q + b"sheetData>",
        cell=b"<" + q + b"c",
        merges_close=b"</" + q + b"mergeCells>",
        formula=re.compile(rb"<" + p + rb"f\b"),
        error=re.compile(rb"<" + p + rb"c\b([^>]*?\bt=\"e\"[^>]*)>(?:<" + p + rb"f\b[^>]*(?:/>|>[^<]*</" + p
                         + rb"f>))?(?:<" + p + rb"v>([^<]*)</" + p + rb"v>)?"),
        row_or_cell=re.compile(rb"<" + p + rb"(row|c)\b([^>]*)>"),
        dimension=re.compile(rb"<" + p + rb"dimension\b[^>]*?\bref=\"([^\"]+)\""),
        merge=re.compile(rb"<" + p + rb"mergeCell\b[^>]*?\bref=\"([^\"]+)\""),
    )


def _positions(data: bytes, pat: _Patterns) -> dict[int, tuple[int, int]]:
    """The (row, column) of every cell by its offset, for sheets whose cells omit ``r`` (legal OOXML).

    The same rule as the XML parser's: a row without ``r`` follows the previous
    row, a cell without ``r`` the previous cell of its row.
    """
    out: dict[int, tuple[int, int]] = {}
    row, col = -1, -1
    for m in pat.row_or_cell.finditer(data):
        ref = _R_ATTR.search(m.group(2))
        if m.group(1) == b"row":
            row = int(ref.group(1)) - 1 if ref and ref.group(1).isdigit() else row + 1
            col = -1
        else:
            r, col = parse_ref(ref.group(1).decode("ascii")) if ref else (row, col + 1)
            out[m.start()] = (r, col)
    return out


_SHEET_RE = re.compile(r"<sheet\b([^>]*)/>")
_ATTR_RE = re.compile(r'([\w:]+)="([^"]*)"')
# Names as Excel, WPS and LibreOffice write them (name first); others go to the XML parser.
_DEFNAME_RE = re.compile(r'<definedName name="([^"]*)"([^>]*)>([^<]*)</definedName>')
_WORKBOOK_PR_RE = re.compile(r"<workbookPr\b[^>]*>")
_DATE1904_RE = re.compile(r'\bdate1904="(?:1|true)"')
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _xml_text(text: str) -> str:
    """XML text or an attribute value, with the predefined and numeric entities resolved."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: chr(int(m.group(1)[2:], 16)) if m.group(1)[:2] in ("#x", "#X")
                       else chr(int(m.group(1)[1:])) if m.group(1)[0] == "#" else _NAMED[m.group(1)], text)


def _calamine_value(v: Any) -> tuple[Any, str]:
    if v is None or v == "":
        return None, "n"
    if isinstance(v, bool):
        return v, "b"
    if isinstance(v, (int, float)):
        return float(v), "n"
    if isinstance(v, str):
        return v, "s"
    if hasattr(v, "isoformat"):  # date, datetime, time
        return v.isoformat(), "d"
    if hasattr(v, "total_seconds"):  # timedelta
        return float(v.total_seconds()) / 86400.0, "n"
    return str(v), "s"


# Built-in number formats that show a date or time (ECMA-376 18.8.30, with the
# East Asian ones): "date", or "duration" for [h]:mm:ss.
_BUILTIN_DATES = {**{str(i): "date" for i in (*range(14, 23), *range(27, 37), 45, 47, *range(50, 59))},
                  "46": "duration"}
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.')
_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.I)


def _format_kind(code: str) -> str | None:
    """"date" when a custom number format shows a date or time, "duration" for elapsed time, else None."""
    first = _FORMAT_LITERALS.sub("", code.split(";", 1)[0])
    if _ELAPSED.search(first):
        return "duration"
    first = re.sub(r"\[[^\]]*\]", "", first)  # colours, conditions, locales
    if re.search(r"[dmyhsDMYHS]", first) or re.search(r"(?i)a/?p", first):
        return "date"
    return None


def _date_cell(cell: RawCell, date1904: bool) -> RawCell:
    """A number in a date-formatted cell as the date (or time) it shows, ISO-written as calamine gives it."""
    serial = cell.value
    if not (0 <= serial < 2958466):  # beyond 9999-12-31: Excel shows ####; keep the number
        return cell
    if serial < 1:
        moment = _dt.datetime(1900, 1, 1) + _dt.timedelta(days=serial)
        return RawCell(moment.time().isoformat(), "d", cell.formula)
    epoch = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
    moment = epoch + _dt.timedelta(days=serial)
    text = moment.date().isoformat() if serial == int(serial) else moment.isoformat()
    return RawCell(text, "d", cell.formula)


def _cell(t: str, v: str | None, inline: str | None, formula: bool, shared: list[str]) -> RawCell:
    if t == "s":
        try:
            return RawCell(shared[int(v or "")], "s", formula)
        except (ValueError, IndexError):
            return RawCell(None, "e", formula)
    if t == "inlineStr":
        return RawCell(_unescape(inline or ""), "inlineStr", formula)
    if t == "str":
        return RawCell(_unescape(v) if v is not None else None, "str", formula)
    if t == "b":
        return RawCell(v == "1", "b", formula)
    if t == "e":
        return RawCell(v, "e", formula)
    if t == "d":
        return RawCell(v, "d", formula)
    if v is None or v == "":
        return RawCell(None, "n", formula)
    try:
        return RawCell(float(v), "n", formula)
    except ValueError:
        return RawCell(v, "e", formula)


def _sniff_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
            return True
        except UnicodeDecodeError:
            return False


def open_package(path: str | os.PathLike[str]) -> XlsxPackage:
    """Open and classify ``path``; raise :class:`WorkbookError` for anything but a real ``.xlsx``."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError as exc:
        raise WorkbookError("file-not-found", "文件不存在", p) from exc
    except PermissionError as exc:
        raise WorkbookError("permission-denied", "没有读取权限", p) from exc
    except OSError as exc:
        raise WorkbookError("os-error", f"无法访问文件（{exc.strerror}）", p) from exc
    if stat.S_ISDIR(st.st_mode):
        raise WorkbookError("is-directory", "这是一个文件夹，不是 Excel 文件", p)
    if is_lock_file(p.name):
        raise WorkbookError("lock-file", LOCK_FILE_MESSAGE, p)
    if not stat.S_ISREG(st.st_mode):
        raise WorkbookError("not-a-file", "不是普通文件", p)
    if st.st_size == 0:
        raise WorkbookError("empty-file", "文件为空（0 字节）", p)
    if st.st_size > settings.MAX_FILE_BYTES:
        raise WorkbookError("too-large", f"文件有 {st.st_size // (1024 * 1024)} MB，超过 "
                                         f"{settings.MAX_FILE_BYTES // (1024 * 1024)} MB 上限", p)
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
            if head.startswith(_OLE_MAGIC):
                body = fh.read(min(st.st_size, 4 * 1024 * 1024))
                if "EncryptionInfo".encode("utf-16-le") in body or "EncryptedPackage".encode("utf-16-le") in body:
                    raise WorkbookError("encrypted", "工作簿设置了打开密码，无法读取；请在 Excel/WPS 中取消密码后"
                                                     "另存为 .xlsx 再提交", p)
                raise WorkbookError("xls-format", "这是旧版 Excel 97-2003（.xls）或 WPS（.et）文件；请用本工具生成的"
                                                  "模板填写，或在 Excel/WPS 中另存为 .xlsx", p)
            if not head.startswith(_ZIP_MAGICS):
                fh.seek(0)
                sample = fh.read(4096)
                if sample.startswith(b"%PDF"):
                    raise WorkbookError("pdf-file", "这是 PDF 文件，不是 Excel 工作簿；请提交填好的 .xlsx 模板", p)
                if sample.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
                    raise WorkbookError("html-file", "这是网页（HTML）或 XML 文件，只是扩展名像 Excel；请在 Excel/WPS 中"
                                                     "打开后另存为 .xlsx，或用本工具生成的模板填写", p)
                if b"\x00" not in sample and _sniff_text(sample[:4000]):
                    raise WorkbookError("text-file", "这是文本文件（如 CSV），不是 Excel 工作簿；只是改了扩展名不能"
                                                     "转换格式，请用本工具生成的模板填写", p)
                raise WorkbookError("not-xlsx", "不是 Excel（.xlsx）文件", p)
    except PermissionError as exc:
        raise WorkbookError("permission-denied", "没有读取权限", p) from exc
    except OSError as exc:
        raise WorkbookError("os-error", f"无法读取文件（{exc.strerror}）", p) from exc
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile as exc:
        raise WorkbookError("corrupt-zip", "文件已损坏或不完整（压缩包无法打开），请重新保存或重新发送", p) from exc
    except (OSError, ValueError, EOFError, NotImplementedError) as exc:  # NotImplemented: a damaged version field
        raise WorkbookError("corrupt-zip", f"文件已损坏（{exc}）", p) from exc
    try:
        infos = zf.infolist()
        if len(infos) > settings.MAX_MEMBERS:
            raise WorkbookError("too-large", "压缩包内文件数量异常，拒绝读取", p)
        total = sum(i.file_size for i in infos)
        if total > settings.MAX_TOTAL_BYTES:
            raise WorkbookError("zip-bomb", f"解压后将达 {total // (1024 * 1024)} MB，疑似“压缩炸弹”，拒绝读取", p)
        for i in infos:
            if i.file_size > 1024 * 1024 and i.compress_size and \
                    i.file_size / i.compress_size > settings.MAX_COMPRESSION_RATIO:
                raise WorkbookError("zip-bomb", f"{i.filename} 压缩比异常（{i.file_size // i.compress_size}:1），"
                                                "疑似“压缩炸弹”，拒绝读取", p)
        names = {i.filename for i in infos}
        if "mimetype" in names:
            mt = zf.read("mimetype")[:200]
            if b"opendocument" in mt:
                raise WorkbookError("ods-format", "这是 OpenDocument 表格（.ods）；请在 LibreOffice/WPS 中另存为"
                                                  " Excel 2007-365（.xlsx）", p)
        if "EncryptionInfo" in names or "EncryptedPackage" in names:
            raise WorkbookError("encrypted", "工作簿设置了打开密码，请取消密码后另存为 .xlsx", p)
        ct = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
        if ct is None:
            raise WorkbookError("not-xlsx", "压缩包不是 Excel 工作簿（缺少 [Content_Types].xml）", p)
        if ct.file_size > settings.MAX_MEMBER_BYTES:
            raise WorkbookError("too-large", "[Content_Types].xml 过大", p)
        ctype = zf.read(ct)
        if b"sheet.binary" in ctype:
            raise WorkbookError("xlsb-format", "这是 Excel 二进制工作簿（.xlsb）；请在 Excel/WPS 中另存为 .xlsx", p)
        if b"macroEnabled" in ctype:
            raise WorkbookError("xlsm-format", "这是含宏的工作簿（.xlsm）；出于安全原因不读取含宏文件，请另存为 .xlsx", p)
        if b"spreadsheetml.sheet.main" not in ctype and b"spreadsheetml.template.main" not in ctype:
            if b"wordprocessingml" in ctype:
                raise WorkbookError("not-xlsx", "这是 Word 文档，不是 Excel 工作簿", p)
            raise WorkbookError("not-xlsx", "不是 Excel（.xlsx）工作簿", p)
        return XlsxPackage(p, zf)
    except WorkbookError:
        zf.close()
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
        zf.close()
        raise WorkbookError("corrupt-zip", f"文件已损坏（{exc}）", p) from exc
    except RuntimeError as exc:
        zf.close()
        raise WorkbookError("encrypted", "工作簿设置了密码，请取消密码后另存为 .xlsx", p) from exc
