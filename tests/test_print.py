"""The template as a clerk prints it: LibreOffice's PDF of the workbook, page by page."""

import re
import subprocess
import zipfile

import openpyxl
import pytest

from govinfo_xlsx.office import convert_with_soffice
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.template import CJK_FONT, write_workbook

from .helpers import consistent_values, need_libreoffice


@pytest.fixture(scope="module")
def printed(tmp_path_factory, fmt):
    """The template of a long-named unit with a contact line, printed to PDF by LibreOffice."""


    need_libreoffice()
    d = tmp_path_factory.mktemp("print")
    p = d / "t.xlsx"
    write_workbook(p, fmt, year=2024, org="某某省某某市某某县人民政府办公室政务公开科", contact="县政务公开办 张三 0373-1234567")
    pdf = convert_with_soffice(p, "pdf", d)
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                          check=True).stdout).group(1))
    pages = [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout for i in range(1, n + 1)]
    return pages


def _first_line(page: str) -> str:
    return next((line.strip() for line in page.splitlines() if line.strip()), "")


@pytest.mark.libreoffice
def test_each_table_the_cover_and_the_instructions_print_on_one_page(printed, fmt):
    titles = [_first_line(p) for p in printed]
    one_page = [fmt.instructions.title, fmt.cover.title] + [t.title for t in fmt.tables]
    for title in one_page:
        assert titles.count(title) == 1, (title, titles)
    # nothing cut at the margin: the last row of 表三 and the last paragraph of 填报说明 are there
    t3 = next(p for p in printed if _first_line(p) == fmt.table("t3").title)
    assert "四、结转下年度继续办理" in t3 and "3.其他" in t3
    instructions = next(p for p in printed if _first_line(p) == fmt.instructions.title)
    flat = re.sub(r"\s+", "", instructions)
    for paragraph in fmt.instructions.paragraphs:
        assert re.sub(r"\s+", "", paragraph) in flat
    assert "张三" in instructions


def test_default_font_is_cjk(template_path):
    with zipfile.ZipFile(template_path) as z:
        styles = z.read("xl/styles.xml").decode("utf-8")
    first_font = re.search(r"<font>.*?</font>", styles, re.S).group(0)
    assert f'<name val="{CJK_FONT}"/>' in first_font and "Calibri" not in styles


def test_check_rows_are_tall_enough_for_their_wrapped_text(template_path, fmt):
    ws = openpyxl.load_workbook(template_path)[fmt.sheet_names["checks"]]
    widths = [ws.column_dimensions[c].width for c in "ABC"]
    for cr in fmt.check_rows:
        r = cr.row + 1
        height = ws.row_dimensions[r].height
        assert height is not None, r
        for col, width in ((2, widths[1]), (3, widths[2])):
            text = ws.cell(r, col).value
            units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
            lines = -(-units // int(width - 1))
            assert height >= lines * 14, (r, text, height)


def test_instructions_name_the_colours_the_inputs_have(template_path, fmt):
    wb = openpyxl.load_workbook(template_path)
    hint = fmt.table_hint
    assert "浅黄色" in hint and "白色单元格为填报项" not in hint
    # every input starts blank and is highlighted light yellow by the "blanks" rule until filled
    ws = wb[fmt.table("t3").sheet]
    fills = {rule.dxf.fill.bgColor.rgb for rng in ws.conditional_formatting for rule in rng.rules
             if rule.type == "containsBlanks"}
    assert fills == {"FFFFF2CC"}
    assert all("浅黄色" in p or "白色" not in p for p in fmt.instructions.paragraphs)


def test_old_ascii_quoted_label_still_reads(tmp_path, fmt):
    """Workbooks made before the label became 3.危及“三安全一稳定” carry ASCII quotes."""
    label = "3.危及“三安全一稳定”"
    assert any(lab.text == label and lab.aliases == ('3.危及"三安全一稳定"',)
               for lab in fmt.layout.sheet(fmt.table("t3").sheet).labels)
    new = tmp_path / "new.xlsx"
    vals = consistent_values(fmt, seed=3)
    write_workbook(new, fmt, year=2024, org="某县", values=vals)
    old = tmp_path / "old.xlsx"
    with zipfile.ZipFile(new) as src, zipfile.ZipFile(old, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                assert label.encode() in data
                data = data.replace(label.encode(), '3.危及&quot;三安全一稳定&quot;'.encode())
            dst.writestr(info, data)
    wb = read_workbook(old)
    assert wb.values == read_workbook(new).values
    assert not [f for f in wb.findings if f.rule in ("layout-changed", "fingerprint-mismatch")]
    # a really different label is still refused
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(new) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(label.encode(), "3.危及安全".encode())
            dst.writestr(info, data)
    from govinfo_xlsx.errors import WorkbookError

    with pytest.raises(WorkbookError, match="3.危及安全"):
        read_workbook(bad)
