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
    # a million honest rows pasted below 表三
    part = sheet_part(good, fmt.table("t3").sheet)
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(100, 1_000_100))

    def huge(n: str, b: bytes) -> bytes:
        if n != part:
            return b
        b = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:J1000099"/>', b)
        return b.replace(b"</sheetData>", rows.encode() + b"</sheetData>")

    out["huge.xlsx"] = rewrite_zip(good, d / "huge.xlsx", huge)
    return out
