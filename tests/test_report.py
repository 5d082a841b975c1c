"""Reports: every number round-trips through HTML, Word and Markdown; user text stays text."""

import io
import re
import subprocess
import zipfile

import docx
import pandas as pd
import pytest

from govinfo_xlsx.cli import main
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.report import build_document, convert, md_escape

from .helpers import consistent_values, expected_totals, write_filled

HOSTILE = {
    "s1.p1": "<script>alert('x')</script>第一段\n第二段 & 第三个<b>粗</b>",
    "s1.p3": "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "s1.p4": "长" * 20000,
    "s1.p5": "表情😀🎉\n# 不是标题\n- 不是列表",
    "s5": "+1+2\n@SUM(A1)\n-3",
    "s6": "控制字符\x07在此",
}


@pytest.fixture(scope="module")
def filled(tmp_path_factory, fmt):
    d = tmp_path_factory.mktemp("rep")
    vals = consistent_values(fmt, seed=21)
    from decimal import Decimal

    vals["t2.r6.c1"] = Decimal("12.3456")
    return write_filled(d / "f.xlsx", fmt, vals, prose=HOSTILE), vals, d


def _expected_cells(fmt, vals):
    totals = expected_totals(fmt, vals)
    return {code: float(v) for code, v in totals.items()}


def test_html_tables_round_trip_every_number(filled, fmt):
    path, vals, d = filled
    out = d / "r.html"
    assert convert(path, out).written
    html = out.read_text(encoding="utf-8")
    expected = _expected_cells(fmt, vals)
    # every number cell carries its code; read the cells with pandas' HTML parser
    cells = re.findall(r'<td class="(?:number|total)"[^>]*data-code="([^"]+)">([^<]*)</td>', html)
    assert {c for c, _ in cells} == set(fmt.number_codes)
    for code, text in cells:
        assert float(text) == pytest.approx(expected[code]), code
    t3 = pd.read_html(io.StringIO(html), attrs={"id": "t3"})[0]
    body = t3.iloc[:, -7:].to_numpy(dtype=float)
    assert body.shape == (25, 7)
    for i, (_, row) in enumerate(fmt.table("t3").iter_rows()):
        for j, col in enumerate(fmt.table("t3").blocks[0].columns):
            assert body[i, j] == expected[f"t3.{row.code}.{col.code}"]
    t4 = pd.read_html(io.StringIO(html), attrs={"id": "t4"})[0]
    assert list(t4.iloc[0].astype(float)) == [expected[f"t4.r1.c{i:02d}"] for i in range(1, 16)]


def test_html_is_standalone_and_escaped(filled):
    path, vals, d = filled
    out = d / "r.html"
    convert(path, out)
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;粗&lt;/b&gt;" in html
    assert "<link" not in html and "src=" not in html
    assert "表情😀🎉" in html and "长" * 20000 in html
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;点我&#34;)" in html
    assert "\x07" not in html
    assert "@media print" in html
    # each line of the clerk's text is its own paragraph
    assert re.search(r"<p[^>]*>第二段 &amp; 第三个&lt;b&gt;粗&lt;/b&gt;</p>", html)


def test_docx_tables_and_text(filled, fmt):
    path, vals, d = filled
    out = d / "r.docx"
    assert convert(path, out).written
    document = docx.Document(str(out))
    expected = _expected_cells(fmt, vals)
    t3 = document.tables[1]
    for i, (_, row) in enumerate(fmt.table("t3").iter_rows()):
        cells = t3.rows[3 + i].cells
        got = [float(c.text) for c in cells[-7:]]
        assert got == [expected[f"t3.{row.code}.{c.code}"] for c in fmt.table("t3").blocks[0].columns]
        assert cells[2].text == row.path[-1]
    t4 = document.tables[2]
    assert [float(c.text) for c in t4.rows[-1].cells] == [expected[f"t4.r1.c{i:02d}"] for i in range(1, 16)]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "<script>alert('x')</script>第一段" in text
    assert '=HYPERLINK("http://evil.example","点我")' in text
    assert "表情😀🎉" in text and "长" * 20000 in text
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in xml and 'w:eastAsia="方正小标宋简体"' in xml
    assert "<w:fldSimple" not in xml  # no field (formula) came from user text


def test_markdown_shows_text_verbatim(filled, fmt):
    path, vals, d = filled
    out = d / "r.md"
    assert convert(path, out).written
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# 测试县人民政府办公室2024年政府信息公开工作年度报告")
    assert "\\<script\\>" in md and "\\# 不是标题" in md and "\\- 不是列表" in md
    assert md_escape("1.属于") == "1\\.属于"
    row = next(line for line in md.splitlines() if line.startswith("| 一、本年新收"))
    nums = [c.strip() for c in row.strip("| ").split("|")][1:]
    totals = expected_totals(fmt, vals)
    assert [int(x) for x in nums] == [totals[f"t3.r01.c{i}"] for i in range(1, 8)]


def test_report_refuses_workbook_with_errors_unless_forced(tmp_path, fmt, capsys):
    vals = consistent_values(fmt, seed=22)
    vals["t3.r01.c1"] += 1
    p = write_filled(tmp_path / "e.xlsx", fmt, vals)
    out = tmp_path / "e.html"
    assert main(["report", str(p), "-o", str(out)]) == 1
    assert not out.exists()
    assert "第一项加第二项之和" in capsys.readouterr().out
    assert main(["report", str(p), "-o", str(out), "--force"]) == 0
    assert out.exists()
    assert main(["report", str(p), "-o", str(tmp_path / "e.txt"), "--force"]) == 3


def test_generated_paragraph_when_part_empty(tmp_path, fmt):
    vals = consistent_values(fmt, seed=23)
    p = write_filled(tmp_path / "g.xlsx", fmt, vals, prose={"s5": "问题"})
    doc = build_document(read_workbook(p), draft=True)
    part = next(pt for s in doc.sections for pt in s.parts if pt.heading == "（二）依申请公开")
    assert part.generated and "自动生成" in part.marker
    published = build_document(read_workbook(p))
    same = next(pt for s in published.sections for pt in s.parts if pt.heading == "（二）依申请公开")
    assert same.generated and same.marker == "" and same.paragraphs == part.paragraphs
    totals = expected_totals(fmt, vals)
    assert f"新收政府信息公开申请{totals['t3.r01.c7']}件" in part.paragraphs[0]
    assert f"结转下年度继续办理{totals['t3.r25.c7']}件" in part.paragraphs[0]


def test_sample_report_carries_every_figure_and_paragraph(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    src = (root / "examples" / "sample-report-2023.txt").read_text(encoding="utf-8")
    out = tmp_path / "s.html"
    assert convert(root / "examples" / "sample-2023.xlsx", out).written
    html = out.read_text(encoding="utf-8")
    paras = [line.strip() for line in src.splitlines()
             if line.strip() and not line.startswith(("#", ">", "(")) and "\t" not in line]
    import html as htmllib

    text = htmllib.unescape(html)
    for p in paras:
        if re.fullmatch(r"[\d\s]+", p):
            continue
        assert p in text, p[:30]
    assert 'data-code="t2.r3.c1">128<' in html and 'data-code="t2.r4.c1">17<' in html


@pytest.mark.libreoffice
def test_docx_converts_to_pdf_in_libreoffice(filled, tmp_path):
    from .helpers import need_libreoffice

    need_libreoffice()
    path, vals, d = filled
    out = tmp_path / "r.docx"
    convert(path, out)
    from govinfo_xlsx.office import convert_with_soffice

    convert_with_soffice(out, "pdf", tmp_path)  # raises with soffice's message when no PDF is written
    pdf = tmp_path / "r.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10000
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "收到和处理政府信息公开申请情况" in text and "存在的主要问题及改进情况" in text
    assert "<script>alert('x')</script>第一段" in text


def test_control_characters_in_org_name_do_not_break_reports(tmp_path, fmt):
    p = write_filled(tmp_path / "c.xlsx", fmt, consistent_values(fmt, seed=24), org="某县\x07<b>办公室</b>")
    for suffix in ("md", "html", "docx"):
        out = tmp_path / f"c.{suffix}"
        assert convert(p, out).written
    assert "某县\ufffd&lt;b&gt;办公室&lt;/b&gt;" in (tmp_path / "c.html").read_text(encoding="utf-8")
    assert docx.Document(str(tmp_path / "c.docx")).paragraphs[0].text.startswith("某县\ufffd<b>办公室</b>")


def test_bundled_sample_workbook_is_built_from_the_bundled_text(tmp_path):
    """examples/sample-2023.xlsx is what examples/build_sample.py makes today (regenerate it when the template changes)."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "examples"))
    try:
        import build_sample
    finally:
        sys.path.pop(0)
    out = build_sample.main(["", str(root / "examples" / "sample-report-2023.txt"), str(tmp_path / "s.xlsx")])
    assert out.read_bytes() == (root / "examples" / "sample-2023.xlsx").read_bytes(), \
        "run: python examples/build_sample.py examples/sample-report-2023.txt examples/sample-2023.xlsx"


@pytest.mark.parametrize("six, note", [
    ("本年度共收取信息处理费1250元。", "注：据「六、其他需要报告的事项」，本年度收取信息处理费 1250 元。"),
    ("本年度未收取信息处理费。", "注：据「六、其他需要报告的事项」，本年度未收取信息处理费。"),
    ("无其他需要报告的事项。", None),
])
def test_the_stated_information_fee_is_shown_with_table_three(tmp_path, fmt, six, note):
    from .helpers import default_prose

    prose = {**default_prose(fmt), "s6": six}
    p = write_filled(tmp_path / "f.xlsx", fmt, consistent_values(fmt, seed=5), prose=prose)
    doc = build_document(read_workbook(p))
    notes = {s.heading: [x for part in s.parts for x in part.paragraphs] for s in doc.sections if s.table is not None}
    expected = [note] if note else []
    assert notes == {"二、主动公开政府信息情况": [], "三、收到和处理政府信息公开申请情况": expected,
                     "四、政府信息公开行政复议、行政诉讼情况": []}
    out = tmp_path / "r.html"
    assert convert(p, out).written
    assert (note in out.read_text(encoding="utf-8")) if note else ("信息处理费" not in out.read_text(encoding="utf-8")
                                                                  .replace(six, ""))
