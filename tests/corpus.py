"""Build a corpus of hostile and broken files from a good template (all generated, nothing stored)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def rewrite_zip(src: Path, dst: Path, edit) -> Path:
    """Copy a zip, passing each member's (name, bytes) through ``edit`` (return None to drop it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def sheet_part(src: Path, sheet_name: str) -> str:
    """The zip part of a sheet, by name (via workbook.xml and its rels)."""
    with zipfile.ZipFile(src) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet name="' + re.escape(sheet_name) + r'" sheetId="\d+"(?: state="\w+")? r:id="(rId\d+)"',
                    wb).group(1)
    target = re.search(r'Id="' + rid + r'"[^>]*Target="([^"]+)"', rels) or re.search(
        r'Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def build(good: Path, d: Path, fmt) -> dict[str, Path]:
    """Every hostile case as a file; keys name the case."""
    d.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        p = d / name
        p.write_bytes(data)
        out[name] = p

    raw = good.read_bytes()
    put("empty.xlsx", b"")
    put("random.xlsx", bytes(range(256)) * 8)
    put("truncated.xlsx", raw[: len(raw) // 2])
    put("old.xls", OLE + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 2000)
    put("encrypted.xlsx", OLE + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 100
        + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2000)
    put("data.csv.xlsx", "机关名称,年度\n某县,2024\n".encode())
    put("scan.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    put("export.xls", "<html><body><table><tr><td>规章</td><td>0</td></tr></table></body></html>".encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    put("sheet.ods", buf.getvalue())
    out["macro.xlsm"] = rewrite_zip(good, d / "macro.xlsm", lambda n, b: b.replace(
        b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml") if n == "[Content_Types].xml" else b)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<Types><Override ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
    put("word.xlsx", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<Types><Override PartName="/xl/workbook.bin" '
                   'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    put("binary.xlsb", buf.getvalue())
    # zip bomb: one member inflating 200 MB of zeros
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with zipfile.ZipFile(good) as zin:
            for info in zin.infolist():
                z.writestr(info.filename, zin.read(info.filename))
        z.writestr("xl/media/bomb.bin", b"\0" * (200 * 1024 * 1024))
    put("bomb.xlsx", buf.getvalue())
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
              + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
    out["laughs.xlsx"] = rewrite_zip(good, d / "laughs.xlsx",
                                     lambda n, b: laughs.encode() if n == "xl/sharedStrings.xml" else b)
    xxe = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>')
    out["xxe.xlsx"] = rewrite_zip(good, d / "xxe.xlsx", lambda n, b: xxe.encode() if n == "xl/sharedStrings.xml" else b)
    # a damaged XML declaration naming an encoding that does not exist
    part = sheet_part(good, fmt.table("t3").sheet)
    out["encoding.xlsx"] = rewrite_zip(good, d / "encoding.xlsx", lambda n, b: b.replace(
        b'encoding="UTF-8"', b'encoding="UTF-9"', 1) if n == part else b)
    # 表三 stored with Deflate64 (method 9), which some archivers use and Python's zipfile cannot inflate
    raw_zip = bytearray(good.read_bytes())
    name = part.encode()
    for sig, method_at, name_at in ((b"PK\x03\x04", 8, 30), (b"PK\x01\x02", 10, 46)):
        at = raw_zip.find(sig)
        while at >= 0:
            if raw_zip[at + name_at: at + name_at + len(name)] == name:
                raw_zip[at + method_at: at + method_at + 2] = (9).to_bytes(2, "little")
            at = raw_zip.find(sig, at + 4)
    put("deflate64.xlsx", bytes(raw_zip))
    # a million honest rows pasted below 表三
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(100, 1_000_100))

    def huge(n: str, b: bytes) -> bytes:
        if n != part:
            return b
        b = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:J1000099"/>', b)
        return b.replace(b"</sheetData>", rows.encode() + b"</sheetData>")

    out["huge.xlsx"] = rewrite_zip(good, d / "huge.xlsx", huge)
    return out


# ---------------------------------------------------------------------------
# Other writers' conventions: a legal package written the way Excel, WPS, the
# Open XML SDK or a hand-rolled exporter writes it, derived from a good file.

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DATE_1904_OFFSET = 1462  # days between the 1900 and the 1904 date systems' epochs
_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]*)(?=[\s/>])")
_ROW = re.compile(rb"<row\b([^>]*?)(/>|>(.*?)</row>)", re.S)
_CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_NUM_V = re.compile(rb"<c\b([^>]*)>((?:<f\b[^>]*(?:/>|>[^<]*</f>))?)<v>([^<]*)</v></c>")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _drop_refs(xml: bytes, implied_only: bool = False) -> bytes:
    """Cells and rows without ``r`` (position implied by order).

    By default every ``r`` goes and gaps are filled with empty ``<row/>`` and
    ``<c/>``; with ``implied_only`` an ``r`` stays only where a gap follows
    (mixed, as some exporters write).
    """
    strip = re.compile(rb'\s+r="[^"]*"')

    def row(m: re.Match) -> bytes:
        attrs, body = m.group(1), m.group(3) or b""
        col = 0
        out = []
        for c in _CELL.finditer(body):
            ref = re.search(rb'\br="([A-Z]+)\d+"', c.group(1))
            n = _col_number(ref.group(1)) if ref else col + 1
            if n == col + 1 or not implied_only:
                out.append(b"<c/>" * (n - col - 1))
                out.append(b"<c" + strip.sub(b"", c.group(1)) + c.group(2))
            else:
                out.append(c.group(0))
            col = n
        rnum = int(re.search(rb'\br="(\d+)"', attrs).group(1))
        return b"\0%d\0<row" % rnum + attrs + b">" + b"".join(out) + b"</row>"

    start, end = xml.index(b"<sheetData"), xml.index(b"</sheetData>")
    data = _ROW.sub(row, xml[start:end])
    out, last = [], 0
    for piece in re.split(rb"\0(\d+)\0", data):
        if not piece.isdigit():
            out.append(piece)
            continue
        n = int(piece)
        if n == last + 1 or not implied_only:
            out.append(b"<row/>" * (n - last - 1))
            out.append(b"\1")  # marks the next <row: drop its r
        last = n
    text = b"".join(out)
    text = re.sub(rb"\x01<row([^>]*)>", lambda m: b"<row" + strip.sub(b"", m.group(1)) + b">", text)
    return xml[:start] + text + xml[end:]


def _prefix(xml: bytes, prefix: bytes = b"x") -> bytes:
    """Every element of the spreadsheetml namespace written with a prefix (``<x:c>``), as the Open XML SDK does."""
    if b'xmlns="' + MAIN_NS + b'"' not in xml:
        return xml
    xml = xml.replace(b'xmlns="' + MAIN_NS + b'"', b"xmlns:" + prefix + b'="' + MAIN_NS + b'"', 1)
    return _TAG.sub(lambda m: b"<" + m.group(1) + prefix + b":" + m.group(2), xml)


def _long_doubles(xml: bytes, near_integers: bool) -> bytes:
    """Numbers as Excel stores them: 17 significant digits; pasted counts as computed near-integers."""
    import math

    def cell(m: re.Match) -> bytes:
        attrs, f, v = m.groups()
        if re.search(rb'\bt="(?!n")', attrs) or not v:
            return m.group(0)
        x = float(v)
        if x.is_integer():
            if not near_integers or x == 0:
                return m.group(0)
            text = repr(math.nextafter(x, math.inf)).encode()  # 37 -> 37.00000000000001
        else:
            text = b"%.17g" % x  # 78.46 -> 78.459999999999994
        return b"<c" + attrs + b">" + f + b"<v>" + text + b"</v></c>"

    return _NUM_V.sub(cell, xml)


def rewrite_conventions(src: Path, dst: Path, fmt, *, drop_r: bool | str = False, prefix: bool = False,
                        date1904: bool = False, rename: bool | str = False, long_doubles: bool = False,
                        near_integers: bool = False) -> Path:
    """Rewrite a template-written workbook in other writers' (legal) conventions.

    ``drop_r``: cells and rows without ``r`` (``"implied"``: only where no gap follows); ``prefix``: ``<x:worksheet xmlns:x=...>``;
    ``date1904``: the 1904 date system, with 填报日期 a typed date (serial and date style);
    ``rename``: every part under other names (``xl/workbook.xml`` -> ``book/main.xml``,
    sheets -> ``book/ws/a.xml``..., found only through the relationships; ``"sheets"``: only the sheets,
    as ``xl/ws/a.xml``...);
    ``long_doubles``: 17 significant digits (``78.459999999999994``);
    ``near_integers``: whole numbers as pasted computed results (``37.00000000000001``).
    """
    import datetime as dt

    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet_parts = {sheet_part(src, s.name): s.name for s in fmt.layout.sheets}
    if date1904:
        wb = parts["xl/workbook.xml"]
        parts["xl/workbook.xml"] = re.sub(rb"<workbookPr\b", b'<workbookPr date1904="1"', wb, count=1)
        styles = parts["xl/styles.xml"]
        m = re.search(rb'<cellXfs count="(\d+)">', styles)
        date_style = int(m.group(1))
        styles = styles.replace(m.group(0), b'<cellXfs count="%d">' % (date_style + 1))
        styles = styles.replace(b"</cellXfs>", b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
                                               b'applyNumberFormat="1"/></cellXfs>')
        parts["xl/styles.xml"] = styles
        c = fmt.cells["cover.date"]
        part = next(p for p, n in sheet_parts.items() if n == c.sheet)
        shared = re.findall(rb"<si>(.*?)</si>", parts["xl/sharedStrings.xml"], re.S)

        def typed_date(m: re.Match) -> bytes:
            idx = int(re.search(rb"<v>(\d+)</v>", m.group(0)).group(1))
            text = re.sub(rb"<[^>]+>", b"", shared[idx]).decode()
            serial = (dt.date.fromisoformat(text) - dt.date(1904, 1, 1)).days
            return b'<c r="%s" s="%d"><v>%d</v></c>' % (c.address.encode(), date_style, serial)

        parts[part] = re.sub(rb'<c r="' + c.address.encode() + rb'"[^>]*>.*?</c>', typed_date, parts[part], count=1)
    for name in list(parts):
        if name in sheet_parts:
            xml = parts[name]
            if long_doubles or near_integers:
                xml = _long_doubles(xml, near_integers)
            if drop_r:
                xml = _drop_refs(xml, implied_only=drop_r == "implied")
            parts[name] = xml
        if prefix and name.endswith(".xml") and name.startswith("xl/"):
            parts[name] = _prefix(parts[name])
    if rename:
        everything = rename != "sheets"
        book = "book" if everything else "xl"
        names = {"xl/workbook.xml": "book/main.xml", "xl/sharedStrings.xml": "book/strings.xml",
                 "xl/styles.xml": "book/looks.xml", "xl/theme/theme1.xml": "book/theme.xml"} if everything else {}
        for i, p in enumerate(sorted(sheet_parts)):
            names[p] = f"{book}/ws/{chr(97 + i)}.xml"
        rels = parts.pop("xl/_rels/workbook.xml.rels")

        def target(m: re.Match) -> bytes:
            old = "xl/" + m.group(1).decode().lstrip("/").removeprefix("xl/")
            new = names.get(old, old)
            # one target absolute, the others relative to the workbook part
            return b'Target="' + (("/" + new) if new.endswith("a.xml") else new.removeprefix(book + "/")).encode() + b'"'

        rels_name = "book/_rels/main.xml.rels" if everything else "xl/_rels/workbook.xml.rels"
        parts[rels_name] = re.sub(rb'Target="([^"]+)"', target, rels)
        parts["_rels/.rels"] = parts["_rels/.rels"].replace(b'Target="xl/workbook.xml"',
                                                            b'Target="' + names.get("xl/workbook.xml", "xl/workbook.xml")
                                                            .encode() + b'"')
        ct = parts["[Content_Types].xml"]
        for old, new in names.items():
            ct = ct.replace(b'PartName="/' + old.encode() + b'"', b'PartName="/' + new.encode() + b'"')
        parts["[Content_Types].xml"] = ct
        parts = {names.get(k, k): v for k, v in parts.items()}
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dst
