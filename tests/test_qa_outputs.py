"""Held-out audits of the outputs as a clerk and a city office see them (big figures, money to 4 decimals).

Each test drives a real program (LibreOffice, pdftotext) on data unlike the other tests' small fills.
"""

import collections
import re
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from govinfo_xlsx.cli import main
from govinfo_xlsx.reader import read_workbook

from .helpers import consistent_values, expected_totals, fill_openpyxl, need_libreoffice, write_filled

_FIGURE = re.compile(r"(?<![\d.#])\d+(?:\.\d+)?(?![\d.])")


def _big_values(fmt):
    """A consistent fill with nine- and ten-digit figures (every relation still holds) and money to 4 decimals."""
    vals = consistent_values(fmt, seed=7)
    for code in list(vals):
        if code.startswith("t3."):
            vals[code] *= 12345679
        elif fmt.cells[code].kind == "count":
            vals[code] += 123456789
    vals["t2.r6.c1"] = Decimal("12.3456")
    return vals


def _pdftotext(path, first=None, last=None):
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first), "-l", str(last)]
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.mark.libreoffice
def test_word_and_pdf_report_keep_every_big_figure_on_one_line(fmt, tmp_path):
    """Nine-digit figures in 表三/表四 wrapped in their narrow Word columns ("37037|037"), so the
    printed report showed two numbers where there is one and the PDF's text lacked 177 figures."""
    need_libreoffice()
    vals = _big_values(fmt)
    path = write_filled(tmp_path / "big.xlsx", fmt, vals, org="河南省新乡市牧野区人民政府办公室政务公开与信息化建设服务中心")
    out = tmp_path / "big.pdf"
    assert main(["report", str(path), "-o", str(out)]) == 0
    found = collections.Counter(_FIGURE.findall(_pdftotext(out)))
    numbers = expected_totals(fmt, vals)
    want = collections.Counter(str(numbers[c]) for c in fmt.cells if fmt.cells[c].table is not None)
    missing = want - found
    assert not missing, missing


@pytest.mark.libreoffice
def test_typed_figures_print_in_full_on_one_page_per_table(fmt, tmp_path):
    """A blank template in which a clerk types the largest counts the format allows: LibreOffice
    computes the totals and prints them; 表四's 总计 columns showed "###" (column too narrow)."""
    need_libreoffice()
    blank = tmp_path / "blank.xlsx"
    assert main(["template", "-o", str(blank), "--year", "2024", "--org", "测试县"]) == 0
    t4 = fmt.table("t4")
    top = fmt.kinds["count"].max
    typed = {c: top for c in fmt.input_codes if fmt.cells[c].table == t4.code}
    filled = fill_openpyxl(blank, tmp_path / "typed.xlsx", fmt, typed)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(filled)],
                   capture_output=True, text=True, timeout=240)
    pdf = tmp_path / "typed.pdf"
    assert pdf.exists(), "LibreOffice did not convert typed.xlsx"
    sheet_pages = collections.Counter()
    texts = {}
    for page in range(1, _pages(pdf) + 1):
        text = _pdftotext(pdf, page, page)
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        title = next((s.name for s in fmt.layout.sheets if s.name in first_line), first_line.strip())
        sheet_pages[title] += 1
        texts.setdefault(title, "")
        texts[title] += text
    for table in ("t2", "t3", "t4"):
        name = next(s.name for s in fmt.layout.sheets if s.section == table)
        assert sheet_pages[name] == 1, (name, sheet_pages)
    t4_sheet = next(s.name for s in fmt.layout.sheets if s.section == "t4")
    assert "###" not in texts[t4_sheet]
    figures = collections.Counter(_FIGURE.findall(texts[t4_sheet]))
    total = str(top * 4)  # each 总计 of 表四 adds four typed figures
    assert figures[str(top)] == len(typed)
    assert figures[total] == 3, texts[t4_sheet]


def test_template_widths_follow_the_figures_already_in_a_workbook(fmt, tmp_path):
    """A filled (or rolled-up) workbook whose totals are longer than the format's bound still shows them."""
    vals = _big_values(fmt)
    path = write_filled(tmp_path / "big.xlsx", fmt, vals)
    wb = openpyxl.load_workbook(path)
    numbers = read_workbook(path).numbers()
    for code, cell in fmt.cells.items():
        if cell.table is None or cell.colspan != 1:
            continue
        ws = wb[cell.sheet]
        letter = re.match(r"[A-Z]+", cell.address).group(0)
        width = ws.column_dimensions[letter].width
        # openpyxl groups equal neighbouring columns under the first letter
        if not ws.column_dimensions[letter].customWidth:
            width = next(d.width for k, d in ws.column_dimensions.items() if d.min <= cell.col + 1 <= d.max)
        assert width >= len(str(numbers[code])) + 2, (code, numbers[code], width)


_MEASURE = """<script>
window.addEventListener("load", () => {
  const bad = [];
  for (const td of document.querySelectorAll("td")) {
    const range = document.createRange();
    range.selectNodeContents(td);
    const text = range.getBoundingClientRect(), box = td.getBoundingClientRect();
    const lines = range.getClientRects().length;
    if (text.left < box.left - 0.5 || text.right > box.right + 0.5 || lines > 1) bad.push(td.textContent);
  }
  document.body.setAttribute("data-spilled", bad.length + ":" + bad.slice(0, 5).join(","));
});
</script>"""


def test_html_big_figures_stay_whole_without_head(fmt, tmp_path):
    """With fixed column shares a nine-digit figure spilled into its neighbour: 表四 showed
    "123456860123456824…" as one run of digits.  The body alone (as a CMS keeps it), in Chromium
    at a desktop width: every figure on one line inside its own cell (a wide table scrolls)."""
    if not shutil.which("/usr/bin/chromium"):
        pytest.skip("Chromium not installed")
    vals = _big_values(fmt)
    path = write_filled(tmp_path / "big.xlsx", fmt, vals, prose={"s6": "无。"})
    out = tmp_path / "r.html"
    assert main(["report", str(path), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    body = re.search(r"<body[^>]*>(.*)</body>", html, re.S).group(1)
    assert "<style" not in body
    page = tmp_path / "body.html"
    page.write_text('<meta charset="utf-8"><body>' + body + _MEASURE + "</body>", encoding="utf-8")
    dom = subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                          "--no-first-run", "--disable-background-networking", "--disable-component-update",
                          "--disable-sync", f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1000,800",
                          "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    spilled = re.search(r'data-spilled="([^"]*)"', dom)
    assert spilled, dom[:300]
    assert spilled.group(1).startswith("0:"), spilled.group(1)
    n_figures = sum(1 for c in fmt.cells.values() if c.table is not None)
    assert len(re.findall(r"<td\b", dom)) >= n_figures


def test_rollup_chart_prints_whole_on_a_page_of_its_own(tmp_path):
    """Below 40 units' rows the chart straddled a page break (cut in two, drawn under the repeated
    header).  It now starts on a new page and is no taller than a printed A4 landscape page."""
    import zipfile

    from govinfo_xlsx.template import BarChart, ListSheet, write_list_workbook

    widths = (6, 30, 10, 12, 12)
    rows = [[i + 1, f"测试市第{i}个单位政务公开与信息化建设服务中心综合科", 2024, 100 + i, 0] for i in range(60)]
    sheet = ListSheet("汇总明细", ("序号", "机关名称", "年度", "本年新收申请（件）", "行政复议（件）"), rows, widths,
                      chart=BarChart("各单位本年新收申请数量", 1, 3, len(rows)))
    path = tmp_path / "list.xlsx"
    write_list_workbook(path, [sheet])
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    breaks = [int(b) for b in re.findall(r'<brk id="(\d+)"', sheet_xml)]
    anchor_row = int(re.search(r"<xdr:from>.*?<xdr:row>(\d+)</xdr:row>", drawing, re.S).group(1))
    header_and_rows = 1 + len(rows)
    assert breaks and header_and_rows <= max(breaks) <= anchor_row  # a page break between the rows and the chart
    # the anchor spans rows below the table, all of the sheet's default height
    default_row = float(re.search(r'defaultRowHeight="([\d.]+)"', sheet_xml).group(1))
    to_row, to_off = (int(x) for x in re.search(
        r"<xdr:to>.*?<xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff>", drawing, re.S).groups())
    assert not re.search(rf'<row r="{anchor_row + 1}"[^>]*ht=', sheet_xml)
    height_pt = (to_row - anchor_row) * default_row + to_off / 12700
    sheet_pt = sum(w * 7 + 5 for w in widths) * 0.75
    scale = min(1.0, (297 - 2 * 10.16) / 25.4 * 72 / sheet_pt)  # fit to one page wide, 0.4 in side margins
    page_pt = (210 - 2 * 15.24) / 25.4 * 72  # 0.6 in top and bottom margins
    assert height_pt * scale <= page_pt, (height_pt, scale)


def test_rollup_word_names_take_at_most_two_lines(tmp_path):
    """The roll-up Word's per-unit table gave 35 mm to names of 27 characters (four lines each);
    such a table now gets a landscape page where a name takes at most two lines."""
    import io

    import docx
    from docx.enum.section import WD_ORIENT

    from govinfo_xlsx.document import Document, Section, Signature
    from govinfo_xlsx.docx_writer import docx_bytes

    headers = ["机关名称"] + [f"指标{k}（件）" for k in range(9)]
    names = [f"测试市第{i:02d}个单位政务公开与信息化建设服务中心综合科" for i in range(30)]
    rows = [[n] + [str(1000 + k) for k in range(9)] for n in names]
    document = Document("某市2024年政府信息公开工作年度报告",
                        [Section("一、总体情况", simple_table=None), Section("汇总明细", simple_table=(headers, rows))],
                        signature=Signature("某市人民政府办公室", "2025年1月15日"))
    d = docx.Document(io.BytesIO(docx_bytes(document)))
    table = d.tables[-1]
    name_mm = table.columns[0].width.mm if table.columns[0].width else table.rows[0].cells[0].width.mm
    char_mm = 9 * 25.4 / 72  # 9 pt CJK characters, one em each
    assert name_mm - 2 >= len(names[0]) * char_mm / 2, name_mm
    # the 落款 is not alone: it shares the last section with the table
    assert d.paragraphs[-1].text == "2025年1月15日"
    assert d.sections[-1].orientation == WD_ORIENT.LANDSCAPE


def test_rollup_may_sum_past_a_units_bound(fmt, tmp_path, capsys):
    """Two valid units of nine-digit counts: their roll-up holds sums over 999999999 and was
    refused by check (and by report without --force) as 超出合理范围, its sums unknown."""
    vals = _big_values(fmt)
    units = tmp_path / "units"
    units.mkdir()
    write_filled(units / "a.xlsx", fmt, vals, org="甲县人民政府办公室")
    write_filled(units / "b.xlsx", fmt, vals, org="乙县人民政府办公室")
    roll = tmp_path / "roll.xlsx"
    assert main(["merge", str(units), "-o", str(roll), "--org", "某市人民政府办公室"]) == 0
    capsys.readouterr()
    assert main(["check", str(roll)]) == 0, capsys.readouterr().out
    numbers = read_workbook(roll).numbers()
    single = expected_totals(fmt, vals)
    over = [c for c in fmt.input_codes if single[c] * 2 > fmt.kinds[fmt.cells[c].kind].max]
    assert over  # the case this test is about
    assert all(numbers[c] == single[c] * 2 for c in fmt.number_codes)
    # a unit's own workbook keeps its bound
    one = write_filled(tmp_path / "one.xlsx", fmt, {**vals, over[0]: single[over[0]] * 2})
    assert main(["check", str(one)]) == 1
    assert "超出合理范围（最大 999999999）" in capsys.readouterr().out


@pytest.mark.parametrize("money", ["12.3456", "12.3457", "0.0003", "99.9999"])
def test_cached_cover_status_accepts_money_to_four_decimals(fmt, tmp_path, money):
    """The cover's cached 校验状态 (what LibreOffice shows: it does not recalculate) said
    "有 1 处填写不规范" for 12.3456 万元, because 12.3456 * 10000 is not a whole double."""
    vals = consistent_values(fmt, seed=3)
    vals["t2.r6.c1"] = Decimal(money)
    path = write_filled(tmp_path / "m.xlsx", fmt, vals)
    wb = openpyxl.load_workbook(path, data_only=True)
    status = fmt.layout.status_cell
    cached = wb[fmt.sheet_names["cover"]].cell(row=status.row + 1, column=status.col + 1).value
    assert cached == fmt.cover.status_ok
    assert main(["check", str(path)]) == 0


def test_row_heights_fit_long_cover_note_and_paragraphs(fmt, tmp_path):
    """A roll-up's long 备注 sat in a 20 pt row (LibreOffice drew it over the rows around it);
    a prose cell of eight short paragraphs was made as tall as eight times the whole text."""
    note = "收到 40 个单位的报送，已汇总 40 个。已汇总：" + "、".join(f"测试市第{i}个单位" for i in range(40))
    para = "本年度坚持以人民为中心推进政务公开工作，" * 3  # 60 characters: two lines of the 100-wide cell
    vals = consistent_values(fmt, seed=2)
    prose = {c: f"{fmt.cells[c].label}。" for c in fmt.prose_cells}
    prose["s5"] = "\n".join([para] * 8)
    path = write_filled(tmp_path / "n.xlsx", fmt, vals, prose=prose,
                        cover={"cover.note": note, "cover.date": "2025-01-15"})
    wb = openpyxl.load_workbook(path)
    c = fmt.cells["cover.note"]
    ws = wb[c.sheet]
    width = ws.column_dimensions[re.match(r"[A-Z]+", c.address).group(0)].width
    lines = -(-len(note) * 2 // int(width))  # CJK characters are two width units; at least this many lines
    assert ws.row_dimensions[c.row + 1].height >= lines * 12, (ws.row_dimensions[c.row + 1].height, lines)
    p = fmt.cells["s5"]
    height = wb[p.sheet].row_dimensions[p.row + 1].height
    assert 16 * 12 <= height < 409, height  # eight paragraphs of two lines each, not Excel's 409 pt maximum
