"""Published reports (Word, PDF, web page, copied text) read into the data model, by label.

The three real reports are read from ../shared/realdocs (never copied into the
repository); their figures below were transcribed by reading the PDFs
(pdftotext -layout), not produced by the code under test.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from govinfo_xlsx.cli import main
from govinfo_xlsx.documents import (
    DocumentWorkbook,
    compare_with_workbook,
    import_document,
    is_document,
    read_document,
)
from govinfo_xlsx.errors import WorkbookError
from govinfo_xlsx.numbers import compute
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.template import write_workbook
from govinfo_xlsx.validate import validate

from .docmaker import BLANK_FORM, PROSE, REALDOCS, fill_form, html_report, sample_values, text_report, to_pdf


def _need(path: Path) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{path} is required in CI (../shared)")
    pytest.skip(f"{path} not available")


def _need_soffice() -> None:
    if shutil.which("soffice"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice Writer (soffice) is required in CI")
    pytest.skip("LibreOffice not installed")


# --------------------------------------------------------------------------
# The real published reports: every figure, transcribed.


def one(n: int) -> list[int]:
    """A row where only 自然人 is non-zero: six inputs and the printed 总计."""
    return [n, 0, 0, 0, 0, 0, n]


def zero_rows(*codes: str) -> dict[str, list[int]]:
    return {c: one(0) for c in codes}


REAL = {
    "hongze-2024.pdf": {
        "org": "淮安市洪泽区人民政府", "year": 2024,
        "t2": {"r1": [0, 0, 0], "r2": [3, 0, 8], "r3": [9487], "r4": [2776], "r5": [84], "r6": [Decimal("7545")]},
        "t3": {"r01": one(95), "r02": one(0), "r03": one(50), "r04": one(9), "r07": one(1), "r10": one(1),
               "r11": one(1), "r13": one(31), "r14": one(1), "r16": one(1), "r24": one(95),
               **zero_rows("r05", "r06", "r08", "r09", "r12", "r15", "r17", "r18", "r19", "r20", "r25")},
        "six_one_row": True,
        "t4": [1, 1, 0, 0, 2, 1, 0, 0, 0, 1, 2, 0, 1, 0, 3],
        "errors": [],
    },
    "hongze-2023.pdf": {
        "org": "洪泽区人民政府", "year": 2023,
        "t2": {"r1": [0, 0, 0], "r2": [0, 5, 5], "r3": [550], "r4": [4119], "r5": [195],
               "r6": [Decimal("7730.28")]},
        "t3": {"r01": one(21), "r04": one(4), "r05": one(1), "r10": one(1), "r11": one(1), "r13": one(10),
               "r14": one(3), "r16": one(1), "r24": one(21),
               **zero_rows("r02", "r03", "r06", "r07", "r08", "r09", "r12", "r15", "r17", "r18", "r19", "r20",
                           "r25")},
        "six_one_row": True,
        # 行政复议 10+1 printed with 总计 0; 复议后起诉 5 printed with 总计 0.
        "t4": [10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0],
        "errors": [("total-sum", "t4.r1.c05", 0, 11), ("total-sum", "t4.r1.c15", 0, 5)],
    },
    "huaian-2024.pdf": {
        "org": "淮安市人民政府", "year": 2024,
        "t2": {"r1": [1, 0, 11], "r2": [8, 26, 66], "r3": [447228], "r4": [3985758], "r5": [88283],
               "r6": [Decimal("96171.6")]},
        "t3": {"r01": [3001, 53, 0, 0, 61, 4, 3119], "r02": one(34), "r03": [1288, 21, 0, 0, 50, 3, 1362],
               "r04": [447, 7, 0, 0, 0, 0, 454], "r05": one(2), "r06": [30, 1, 0, 0, 0, 0, 31], "r07": one(5),
               "r08": one(6), "r09": [7, 1, 0, 0, 0, 0, 8], "r10": one(12), "r11": one(9), "r12": one(105),
               "r13": [746, 12, 0, 0, 10, 1, 769], "r14": one(11), "r15": one(1), "r16": [56, 6, 0, 0, 0, 0, 62],
               "r17": one(25), "r18": one(0), "r19": one(0), "r20": one(1), "r21": [67, 3, 0, 0, 1, 0, 71],
               "r22": one(6), "r23": [108, 2, 0, 0, 0, 0, 110], "r24": [2932, 53, 0, 0, 61, 4, 3050],
               "r25": one(103)},
        "six_one_row": False,
        "t4": [72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20],
        "errors": [],
    },
}


def assert_real_figures(wb, fmt, exp) -> None:
    """Every input as published and every printed total kept (in ``cached``)."""
    got, want = {}, {}
    for row, vals in exp["t2"].items():
        block = next(b for b, r in fmt.table("t2").iter_rows() if r.code == row)
        for col, v in zip(block.columns, vals, strict=True):
            want[f"t2.{row}.{col.code}"] = v
    cols3 = fmt.table("t3").blocks[0].columns
    for row, vals in exp["t3"].items():
        for col, v in zip(cols3, vals, strict=True):
            want[f"t3.{row}.{col.code}"] = v
    if exp["six_one_row"]:
        for row in ("r21", "r22", "r23"):
            for col in cols3[:6]:
                want[f"t3.{row}.{col.code}"] = 0
    for col, v in zip(fmt.table("t4").blocks[0].columns, exp["t4"], strict=True):
        want[f"t4.r1.{col.code}"] = v
    for code in want:
        got[code] = wb.values[code] if fmt.cells[code].role == "input" else wb.cached.get(code)
    assert got == want
    # every input of the format was read (none left blank, none unreadable)
    assert [c for c in fmt.input_codes if wb.values.get(c) is None] == []
    assert wb.invalid == frozenset()
    assert (wb.org, wb.year) == (exp["org"], exp["year"])


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pdf_every_figure_exact(fmt, name):
    exp = REAL[name]
    wb = read_document(_need(REALDOCS / name))
    assert isinstance(wb, DocumentWorkbook) and wb.source_kind == "pdf"
    assert_real_figures(wb, fmt, exp)
    rep = validate(wb)
    errors = [(f.rule, f.codes[0], f.actual, f.expected) for f in rep.errors]
    assert errors == [(r, c, a, e) for r, c, a, e in exp["errors"]]
    assert all(fmt.cells[c].ref in f.cells for f, (_, c, _, _) in zip(rep.errors, exp["errors"], strict=True))


def test_real_pdf_tolerances_are_located_warnings(fmt):
    """The district's mistyped label and its （六） printed as one row: one warning each, with the page."""
    wb = read_document(_need(REALDOCS / "hongze-2024.pdf"))
    doc = [(f.rule, f.severity, f.cells) for f in wb.findings]
    assert doc == [
        ("document-label", "warning", (fmt.cells["t3.r06.c1"].ref,)),
        ("document-group-row", "warning", (fmt.cells["t3.r21.c1"].ref,)),
    ]
    assert "2.其他法律行政止公开" in wb.findings[0].message and "第 3 页" in wb.findings[0].message
    assert "（六）其他处理" in wb.findings[1].message and "第 4 页" in wb.findings[1].message
    assert wb.pages["t3.r01.c1"] == 3 and wb.pages["t4.r1.c01"] == 4
    # the city report prints every row and label as the format does: nothing to tolerate
    assert read_document(_need(REALDOCS / "huaian-2024.pdf")).findings == []


def test_real_pdf_prose_split_by_headings():
    """Each prose part is a contiguous piece of the report's own text (pdftotext as the independent
    reference), in the format's order, and no page number or table text is prose."""
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("poppler-utils not installed")
    path = _need(REALDOCS / "hongze-2024.pdf")
    wb = read_document(path)
    raw = subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(line.strip() for line in raw.splitlines() if not re.fullmatch(r"\s*-\d+-\s*", line))
    flat = re.sub(r"\s+", "", flat)
    order = ["s1.intro", "s1.p1", "s1.p2", "s1.p3", "s1.p4", "s1.p5", "s5", "s6"]
    pos = []
    for code in order:
        assert len(wb.prose[code]) > 20, code
        for para in wb.prose[code].split("\n"):
            pos.append(flat.find(re.sub(r"\s+", "", para), pos[-1] if pos else 0))
            assert pos[-1] >= 0, (code, para[:20])  # a contiguous piece of the report's text, in order
    assert "2428" in wb.prose["s1.p1"] and "17" in wb.prose["s1.p2"]  # figures the parts quote
    assert not any(re.search(r"-\d+-|信息内容|本年制发件数", t) for t in wb.prose.values())
    # the prose quotes 17 applications where table 三 says 95: the existing prose check sees it
    rep = validate(wb)
    assert [f.rule for f in rep.warnings if f.rule == "prose-figure"] == ["prose-figure"]


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pdf_copied_as_text(fmt, tmp_path, name):
    """The same report as text copied out of the PDF (pdftotext -layout): the same figures."""
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("poppler-utils not installed")
    txt = tmp_path / (Path(name).stem + ".txt")
    subprocess.run([pdftotext, "-layout", str(_need(REALDOCS / name)), str(txt)], check=True)
    wb = read_document(txt)
    assert wb.source_kind == "text"
    assert_real_figures(wb, fmt, REAL[name])
    errors = [(f.rule, f.codes[0]) for f in validate(wb).errors]
    assert errors == [(r, c) for r, c, _, _ in REAL[name]["errors"]]


# --------------------------------------------------------------------------
# Documents made here: the official form filled in, converted, published, copied.


def assert_exact(wb, fmt, values) -> None:
    assert {c: wb.values.get(c) for c in fmt.input_codes} == {c: values[c] for c in fmt.input_codes}
    totals = compute(fmt, values)
    printed = {c: v for c, v in wb.cached.items() if v is not None}
    assert printed and all(printed[c] == totals[c] for c in printed)


def test_blank_form_filled_with_python_docx(fmt, tmp_path):
    values = sample_values(fmt, seed=3)
    path = fill_form(fmt, values, tmp_path / "县政府2024年报告.docx", org="某某县人民政府", year=2024)
    wb = read_document(path)
    assert wb.source_kind == "docx" and (wb.org, wb.year) == ("某某县人民政府", 2024)
    assert_exact(wb, fmt, values)
    assert set(wb.cached) >= {"t3.r01.c7", "t3.r24.c1", "t3.r24.c7", "t4.r1.c05", "t4.r1.c10", "t4.r1.c15"}
    assert wb.prose == PROSE
    assert wb.findings == []
    assert validate(wb).errors == []


def test_word_with_automatic_heading_numbers(fmt, tmp_path):
    """Headings numbered by Word's list numbering: "一、" and "（一）" are not in the text."""
    import docx

    values = sample_values(fmt, seed=15)
    path = fill_form(fmt, values, tmp_path / "r.docx")
    d = docx.Document(str(path))
    intro = next(p for p in d.paragraphs if p.text == PROSE["s1.intro"])
    for code in ("s1.p5", "s1.p4", "s1.p3", "s1.p2", "s1.p1"):
        p = next(p for p in d.paragraphs if p.text.endswith(PROSE[code]))
        heading = p.text[: len(p.text) - len(PROSE[code])]
        p.runs[0].text, extra = PROSE[code], p.runs[1:]
        for r in extra:
            r.text = ""
        p.insert_paragraph_before(heading.split("）", 1)[1].rstrip("。"))
    for p in d.paragraphs:
        for head in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
            if p.text == head:
                p.runs[0].text = head.split("、", 1)[1]
                for r in p.runs[1:]:
                    r.text = ""
    assert intro.text == PROSE["s1.intro"]
    d.save(str(path))
    wb = read_document(path)
    assert wb.prose == PROSE
    assert_exact(wb, fmt, values)


def test_title_with_the_year_in_chinese_numerals(fmt, tmp_path):
    values = sample_values(fmt, seed=18)
    p = tmp_path / "r.html"
    page = html_report(fmt, values)
    assert "<br>2024年政府信息公开" in page
    p.write_text(page.replace("<br>2024年政府信息公开", "<br>二〇二四年度政府信息公开"), encoding="utf-8")
    wb = read_document(p)
    assert (wb.org, wb.year) == ("测试县人民政府", 2024)


def test_web_page_source_saved_as_txt(fmt, tmp_path):
    values = sample_values(fmt, seed=16)
    p = tmp_path / "网页源代码.txt"
    p.write_text("<!DOCTYPE html>\n" + html_report(fmt, values), encoding="utf-8")
    wb = read_document(p)
    assert wb.source_kind == "html"
    assert_exact(wb, fmt, values)


def test_the_blank_form_itself_reads_as_blank(fmt):
    """The official blank form: every table found, nothing filled in (not an unreadable file)."""
    wb = read_document(_need(BLANK_FORM))
    assert [f.rule for f in wb.findings] == []
    assert all(wb.values[c] is None for c in fmt.input_codes)
    assert "empty-workbook" in [f.rule for f in validate(wb).errors]


@pytest.mark.libreoffice
def test_word_converted_to_pdf_by_writer(fmt, tmp_path):
    _need_soffice()
    values = sample_values(fmt, seed=5)
    docx_path = fill_form(fmt, values, tmp_path / "report.docx")
    pdf = to_pdf(docx_path, tmp_path)
    wb = read_document(pdf)
    assert wb.source_kind == "pdf" and (wb.org, wb.year) == ("测试县人民政府", 2024)
    assert_exact(wb, fmt, values)
    assert wb.findings == []  # the table split across pages keeps its header
    assert wb.prose == PROSE
    assert len(set(wb.pages.values())) >= 2


@pytest.mark.parametrize("ruled", [False, True])
def test_pdf_of_a_web_page_printed_by_a_browser(fmt, tmp_path, ruled):
    """A page printed to PDF by a browser: tables without borders are read from the laid-out text;
    with borders (28-row layout), the browser breaks 表三's header across pages."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        if os.environ.get("CI") == "true":
            pytest.fail("headless Chromium is required in CI")
        pytest.skip("Chromium not installed")
    values = sample_values(fmt, seed=31 if ruled else 21)
    if ruled:
        page = html_report(fmt, values, layout=28).replace(
            "td{border:1px solid}", "table{border-collapse:collapse} td{border:1px solid #000}")
    else:
        page = html_report(fmt, values).replace("td{border:1px solid}", "td{border:none;padding:2px 6px}")
        page = page.replace(" border='1'", "")
    src = tmp_path / "noborder.html"
    src.write_text(page, encoding="utf-8")
    pdf = tmp_path / "noborder.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--print-to-pdf={pdf}", src.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert pdf.exists()
    wb = read_document(pdf)
    assert wb.source_kind == "pdf" and wb.org == "测试县人民政府"
    assert {c: wb.values.get(c) for c in fmt.input_codes} == {c: values[c] for c in fmt.input_codes}
    assert [f for f in wb.findings if f.severity == "error"] == []
    assert wb.prose == PROSE


@pytest.mark.libreoffice
def test_word_saved_as_web_page_and_as_text_by_writer(fmt, tmp_path):
    """Writer's HTML export, and its text export (every table cell on a line of its own)."""
    _need_soffice()
    values = sample_values(fmt, seed=17)
    docx_path = fill_form(fmt, values, tmp_path / "report.docx")
    soffice = shutil.which("soffice")
    for target in ("html", "txt:Text (encoded):UTF8"):
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                        "--convert-to", target, "--outdir", str(tmp_path), str(docx_path)],
                       check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    for suffix in (".html", ".txt"):
        out = tmp_path / f"report{suffix}"
        assert out.exists(), suffix
        wb = read_document(out)
        assert {c: wb.values.get(c) for c in fmt.input_codes} == {c: values[c] for c in fmt.input_codes}, suffix
        assert [f for f in wb.findings if f.severity == "error"] == [], suffix
        assert wb.prose == PROSE and wb.org == "测试县人民政府", suffix


@pytest.mark.libreoffice
def test_a_real_reports_figures_in_every_layout(fmt, tmp_path):
    """hongze-2023's figures (表四 总计 printed as 0 while its parts are 10+1 and 5) in the official
    Word form, and that form as PDF, web page and text by Writer: the same figures and the same two errors."""
    _need_soffice()
    exp = REAL["hongze-2023.pdf"]
    values: dict = {}
    for row, vals in exp["t2"].items():
        block = next(b for b, r in fmt.table("t2").iter_rows() if r.code == row)
        values.update({f"t2.{row}.{c.code}": v for c, v in zip(block.columns, vals, strict=True)})
    cols3 = fmt.table("t3").blocks[0].columns
    for row in (r.code for _, r in fmt.table("t3").iter_rows() if not r.sum_of):
        vals = exp["t3"].get(row, one(0))
        values.update({f"t3.{row}.{c.code}": v for c, v in zip(cols3[:6], vals[:6], strict=True)})
    cols4 = fmt.table("t4").blocks[0].columns
    values.update({f"t4.r1.{c.code}": v for c, v in zip(cols4, exp["t4"], strict=True) if not c.sum_of})
    printed = {f"t4.r1.{c.code}": str(v) for c, v in zip(cols4, exp["t4"], strict=True) if c.sum_of}
    docx_path = fill_form(fmt, values, tmp_path / "hz.docx", org="洪泽区人民政府", year=2023, cell_text=printed)
    soffice = shutil.which("soffice")
    paths = [docx_path]
    for target, suffix in (("pdf", ".pdf"), ("html", ".html"), ("txt:Text (encoded):UTF8", ".txt")):
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                        "--convert-to", target, "--outdir", str(tmp_path), str(docx_path)],
                       check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
        paths.append(tmp_path / f"hz{suffix}")
        assert paths[-1].exists(), suffix
    for path in paths:
        wb = read_document(path)
        assert {c: wb.values[c] for c in fmt.input_codes} == {c: values[c] for c in fmt.input_codes}, path.name
        assert (wb.org, wb.year) == ("洪泽区人民政府", 2023), path.name
        errors = sorted((f.rule, f.codes[0], f.actual, f.expected) for f in validate(wb).errors)
        assert errors == [("total-sum", "t4.r1.c05", 0, 11), ("total-sum", "t4.r1.c15", 0, 5)], path.name


@pytest.mark.parametrize("layout", [25, 28])
def test_web_page_with_rowspans(fmt, tmp_path, layout):
    values = sample_values(fmt, seed=layout)
    p = tmp_path / "report.html"
    p.write_text(html_report(fmt, values, layout=layout), encoding="utf-8")
    wb = read_document(p)
    assert wb.source_kind == "html" and wb.org == "测试县人民政府"
    assert_exact(wb, fmt, values)
    assert wb.findings == [] and wb.prose == PROSE


@pytest.mark.parametrize("sep,encoding", [("\t", "utf-8"), (" | ", "gb18030"), ("   ", "utf-8-sig"), (" ", "utf-8")])
def test_copied_text(fmt, tmp_path, sep, encoding):
    values = sample_values(fmt, seed=11)
    p = tmp_path / "report.txt"
    p.write_text(text_report(fmt, values, sep=sep), encoding=encoding)
    wb = read_document(p)
    assert_exact(wb, fmt, values)
    assert [f.rule for f in wb.findings if f.severity == "error"] == []
    assert wb.prose == PROSE


def _html(tmp_path, fmt, values, name="r.html", **kw):
    p = tmp_path / name
    p.write_text(html_report(fmt, values, **kw), encoding="utf-8")
    return p


def test_tolerated_forms_are_located_warnings(fmt, tmp_path):
    values = sample_values(fmt, seed=2)
    values.update({"t3.r05.c1": 12, "t2.r3.c1": 1234, "t3.r06.c2": 0, "t3.r07.c3": 0, "t3.r08.c4": 0})
    cell_text = {"t3.r05.c1": "１２", "t2.r3.c1": "1,234", "t3.r06.c2": "/", "t3.r07.c3": "—", "t3.r08.c4": "无"}
    labels = {"r13": "1、本机关 不掌握相关政府信息", "r17": "2.重复申讠青"}
    values["t3.r25.c1"] = values["t3.r25.c1"]
    wb = read_document(_html(tmp_path, fmt, values, cell_text=cell_text, labels=labels))
    assert_exact(wb, fmt, values)
    got = sorted((f.rule, f.codes[0] if f.codes else "", f.severity) for f in wb.findings)
    assert got == sorted([
        ("normalised-number", "t3.r05.c1", "warning"),
        ("normalised-number", "t2.r3.c1", "warning"),
        ("document-nothing", "t3.r06.c2", "warning"),
        ("document-nothing", "t3.r07.c3", "warning"),
        ("document-nothing", "t3.r08.c4", "warning"),
        ("document-label", "", "warning"),  # 重复申讠青: mistyped, matched with a warning
    ])
    label = next(f for f in wb.findings if f.rule == "document-label")
    assert "2.重复申讠青" in label.message and "2.重复申请" in label.message
    assert label.cells == (fmt.cells["t3.r17.c1"].ref,)


def test_units_only_the_columns_own(fmt, tmp_path):
    """"96171.6万元" in the 万元 column is read (warning); "12000元" is another unit: an error, not 12000 万元."""
    values = sample_values(fmt, seed=2)
    values.update({"t2.r6.c1": Decimal("96171.6"), "t2.r3.c1": 5})
    wb = read_document(_html(tmp_path, fmt, values, cell_text={"t2.r6.c1": "96171.6万元", "t2.r3.c1": "5件"}))
    assert (wb.values["t2.r6.c1"], wb.values["t2.r3.c1"]) == (Decimal("96171.6"), 5)
    assert sorted((f.rule, f.codes[0]) for f in wb.findings) == [("normalised-number", "t2.r3.c1"),
                                                                 ("normalised-number", "t2.r6.c1")]
    wb = read_document(_html(tmp_path, fmt, values, cell_text={"t2.r6.c1": "12000元"}))
    assert wb.invalid == frozenset({"t2.r6.c1"}) and [f.rule for f in wb.findings] == ["not-a-number"]


def test_site_page_laid_out_in_tables_gbk(fmt, tmp_path):
    """Older sites: the page is a layout table with the report's tables nested inside; GB2312 declared."""
    values = sample_values(fmt, seed=13)
    page = html_report(fmt, values).replace("<body>", "<body><table><tr><td>首页</td><td>").replace(
        "</body>", "</td></tr></table></body>").replace(
        "<meta charset='utf-8'>", "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>")
    page = page.replace("<p>规章</p>", "<p><span>规&nbsp;章</span></p>")
    p = tmp_path / "年报.htm"
    p.write_bytes(page.encode("gb18030"))
    wb = read_document(p)
    assert_exact(wb, fmt, values)
    assert wb.findings == [] and wb.prose == PROSE and wb.org == "测试县人民政府"


def test_other_tables_in_the_report_are_not_findings(fmt, tmp_path):
    """A unit's own table in the prose (公开信息分类统计) is not one of the format's: no finding, no figure."""
    values = sample_values(fmt, seed=14)
    extra = "<table><tr><td>类别</td><td>条数</td></tr><tr><td>政府文件</td><td>120</td></tr>" \
            "<tr><td>通知公告</td><td>36</td></tr></table>"
    page = html_report(fmt, values).replace("<p><strong>二、", extra + "<p><strong>二、", 1)
    page = page.replace("<p><strong>五、", extra + "<p><strong>五、", 1)
    p = tmp_path / "r.html"
    p.write_text(page, encoding="utf-8")
    wb = read_document(p)
    assert_exact(wb, fmt, values)
    assert wb.findings == []


def test_unreadable_value_is_an_error_on_its_cell(fmt, tmp_path):
    values = sample_values(fmt, seed=2)
    wb = read_document(_html(tmp_path, fmt, values, cell_text={"t3.r03.c2": "十二", "t2.r1.c2": ""}))
    assert wb.invalid == frozenset({"t3.r03.c2"}) and wb.values["t3.r03.c2"] is None
    assert wb.values["t2.r1.c2"] is None  # blank stays blank (the check says 未填写)
    err = [(f.rule, f.cells) for f in wb.findings if f.severity == "error"]
    assert err == [("not-a-number", (fmt.cells["t3.r03.c2"].ref,))]
    rep = validate(wb)
    assert ("blank-input", (fmt.cells["t2.r1.c2"].ref,)) in [(f.rule, f.cells) for f in rep.findings]
    # nothing is computed from an unknown value: the balance of that column is not claimed to fail
    assert not [f for f in rep.errors if f.rule == "t3-balance" and "t3.r03.c2" in f.codes]


def test_published_totals_are_checked_not_trusted(fmt, tmp_path):
    values = sample_values(fmt, seed=4)
    values.update({"t4.r1.c01": 10, "t4.r1.c02": 1, "t4.r1.c03": 0, "t4.r1.c04": 0})
    totals = compute(fmt, values)
    wrong = {"t4.r1.c05": "0", "t3.r24.c7": str(totals["t3.r24.c7"] + 1), "t3.r01.c7": str(totals["t3.r01.c7"] - 2)}
    wb = read_document(_html(tmp_path, fmt, values, cell_text=wrong))
    assert_exact_inputs = {c: wb.values[c] for c in fmt.input_codes} == {c: values[c] for c in fmt.input_codes}
    assert assert_exact_inputs
    rep = validate(wb)
    got = sorted((f.rule, f.codes[0], f.actual, f.expected) for f in rep.errors)
    assert got == sorted([
        ("total-sum", "t4.r1.c05", 0, 11),
        ("total-sum", "t3.r24.c7", totals["t3.r24.c7"] + 1, totals["t3.r24.c7"]),
        ("total-sum", "t3.r01.c7", totals["t3.r01.c7"] - 2, totals["t3.r01.c7"]),
    ])
    assert all("报告中印出的总计与各项之和不符" in f.message for f in rep.errors)


def test_group_rows_of_the_28_row_layout_are_checked(fmt, tmp_path):
    values = sample_values(fmt, seed=6)
    sub = {"c1": 999}
    wb = read_document(_html(tmp_path, fmt, values, layout=28, subtotals={"（四）无法提供": sub}))
    assert_exact(wb, fmt, values)
    err = [f for f in wb.findings if f.severity == "error"]
    assert [(f.rule, f.actual) for f in err] == [("total-sum", 999)]
    assert "（四）无法提供" in err[0].message
    assert err[0].codes == ("t3.r13.c1", "t3.r14.c1", "t3.r15.c1")


def test_six_printed_as_one_row_with_numbers(fmt, tmp_path):
    """（六）其他处理 as one row: the total is kept (in 3.其他) with a warning, never dropped."""
    values = sample_values(fmt, seed=8)
    values.update({"t3.r21.c1": 2, "t3.r22.c1": 1, "t3.r23.c1": 0})
    wb = read_document(_html(tmp_path, fmt, values, collapse_six=True))
    assert (wb.values["t3.r21.c1"], wb.values["t3.r22.c1"], wb.values["t3.r23.c1"]) == (0, 0, 3)
    assert wb.numbers()["t3.r24.c1"] == compute(fmt, values)["t3.r24.c1"]
    assert [f.rule for f in wb.findings] == ["document-group-row"]
    assert "计入“3.其他”" in wb.findings[0].message


def test_missing_row_and_table_are_errors_naming_them(fmt, tmp_path):
    values = sample_values(fmt, seed=9)
    html = html_report(fmt, values)
    html = html.replace("<p>2.重复申请</p>", "<p>（空行）</p>")
    cut = html.index("<strong>四、政府信息公开行政复议")
    html = html[:cut] + html[html.index("<strong>五、"):]
    p = tmp_path / "r.html"
    p.write_text(html, encoding="utf-8")
    wb = read_document(p)
    errs = [(f.rule, f.message) for f in wb.findings if f.severity == "error"]
    assert [r for r, _ in errs] == ["document-unknown-row", "document-row-missing", "document-table-missing"]
    assert "（空行）" in errs[0][1]
    assert "「2.重复申请」" in errs[1][1]
    assert "四、政府信息公开行政复议、行政诉讼情况" in errs[2][1]


def test_not_a_report_scan_and_damaged_files(tmp_path):
    import docx

    other = tmp_path / "通知.docx"
    d = docx.Document()
    d.add_paragraph("关于召开会议的通知")
    d.save(str(other))
    with pytest.raises(WorkbookError) as e:
        read_document(other)
    assert e.value.reason == "not-a-report" and "没有找到年度报告格式的表格" in str(e.value)

    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(_image_only_pdf())
    with pytest.raises(WorkbookError) as e:
        read_document(scan)
    assert e.value.reason == "needs-ocr" and "OCR" in str(e.value)
    assert pickle.loads(pickle.dumps(e.value)).reason == "needs-ocr"

    broken = tmp_path / "损坏.pdf"
    broken.write_bytes(b"%PDF-1.4\n%garbage")
    with pytest.raises(WorkbookError) as e:
        read_document(broken)
    assert e.value.reason == "corrupt-file" and "损坏" in str(e.value)

    for name, data, reason in [("空.docx", b"", "empty-file"), ("旧版.doc", b"\xd0\xcf\x11\xe0xx", "old-document-format"),
                               ("假.docx", b"not a zip at all", "corrupt-file")]:
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(WorkbookError) as e:
            read_document(p)
        assert e.value.reason == reason, name
    with pytest.raises(WorkbookError) as e:
        read_document(tmp_path / "不存在.pdf")
    assert e.value.reason == "missing"


def test_hostile_documents_end_in_a_message(fmt, tmp_path, monkeypatch):
    """Binary .txt, absurd nesting, a body over the size limit: a WorkbookError with a Chinese message."""
    binary = tmp_path / "二进制.txt"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    with pytest.raises(WorkbookError) as e:
        read_document(binary)
    assert e.value.reason == "not-a-document"

    nested = tmp_path / "嵌套.html"
    nested.write_text("<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000 + "</body></html>",
                      encoding="utf-8")
    with pytest.raises(WorkbookError) as e:
        read_document(nested)
    assert e.value.reason in ("not-a-report", "corrupt-file") and "无法读取" in str(e.value)

    big = fill_form(fmt, sample_values(fmt), tmp_path / "大.docx")
    from govinfo_xlsx import settings

    monkeypatch.setattr(settings, "MAX_MEMBER_BYTES", 10_000)
    with pytest.raises(WorkbookError) as e:
        read_document(big)
    assert e.value.reason == "too-large"


def test_cli_check_a_folder_with_reports_and_workbooks(fmt, tmp_path, capsys):
    folder = tmp_path / "各县"
    folder.mkdir()
    shutil.copy(_need(REALDOCS / "hongze-2023.pdf"), folder / "洪泽区.pdf")
    write_workbook(folder / "某县.xlsx", fmt, year=2023, org="某县", values=sample_values(fmt))
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "洪泽区.pdf" in out and "2 个错误" in out and "某县.xlsx" in out


def _image_only_pdf() -> bytes:
    """A one-page PDF with only a drawing (what a scan is to a text reader)."""
    content = b"q 0.5 g 50 50 400 600 re f Q"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_is_document():
    assert [is_document(n) for n in ("a.docx", "b.PDF", "c.htm", "d.html", "e.txt", "f.xlsx", "g.doc")] == \
        [True, True, True, True, True, False, True]


def test_document_pickles(fmt, tmp_path):
    wb = read_document(fill_form(fmt, sample_values(fmt), tmp_path / "r.docx"))
    back = pickle.loads(pickle.dumps(wb))
    assert back.values == wb.values and back.cached == wb.cached and back.prose == wb.prose


def test_compare_with_the_units_workbook(fmt, tmp_path):
    """A unit sends both: the workbook counts; every differing figure is a finding on that unit."""
    values = sample_values(fmt, seed=12)
    xlsx = tmp_path / "单位.xlsx"
    write_workbook(xlsx, fmt, year=2024, org="测试县人民政府", values=values)
    doc_values = dict(values, **{"t3.r01.c1": values["t3.r01.c1"] + 1})
    doc = read_document(fill_form(fmt, doc_values, tmp_path / "单位.docx"))
    found = compare_with_workbook(doc, read_workbook(xlsx))
    got = sorted((f.rule, f.codes[0], f.expected, f.actual) for f in found)
    v = values["t3.r01.c1"]
    t = compute(fmt, values)["t3.r01.c7"]
    assert got == sorted([("document-differs", "t3.r01.c1", v, v + 1), ("document-differs", "t3.r01.c7", t, t + 1)])
    assert compare_with_workbook(read_document(fill_form(fmt, values, tmp_path / "same.docx")),
                                 read_workbook(xlsx)) == []


def test_import_writes_a_filled_template(fmt, tmp_path):
    out = tmp_path / "洪泽区2023.xlsx"
    doc = import_document(_need(REALDOCS / "hongze-2023.pdf"), out)
    wb = read_workbook(out)
    assert (wb.org, wb.year) == ("洪泽区人民政府", 2023)
    assert {c: wb.values[c] for c in fmt.input_codes} == {c: doc.values[c] for c in fmt.input_codes}
    assert wb.prose == doc.prose
    assert validate(wb).errors == []  # totals are the template's formulas now
    import openpyxl

    ws = openpyxl.load_workbook(out)[fmt.cells["t4.r1.c05"].sheet]
    note = ws[fmt.cells["t4.r1.c05"].address].comment
    assert note is not None and "印为 0" in note.text and "各项之和为 11" in note.text


def test_cli_import_check_report_and_template_from(fmt, tmp_path, capsys):
    pdf = _need(REALDOCS / "hongze-2023.pdf")
    out = tmp_path / "导入.xlsx"
    assert main(["import", str(pdf), "-o", str(out), "--org", "淮安市洪泽区人民政府"]) == 1
    text = capsys.readouterr().out
    assert out.exists() and "报告中印出的总计与各项之和不符" in text and "报告第 4 页" in text
    assert read_workbook(out).org == "淮安市洪泽区人民政府"

    assert main(["check", str(pdf), "--json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert sorted(i["cells"][0] for i in rep["issues"] if i["severity"] == "error") == sorted(
        [fmt.cells["t4.r1.c05"].ref, fmt.cells["t4.r1.c15"].ref])
    assert "empty-cover-field" not in [i["rule"] for i in rep["issues"]]  # a report prints no 填报人

    docx_path = fill_form(fmt, sample_values(fmt, seed=1), tmp_path / "r.docx")
    assert main(["report", str(docx_path), "-o", str(tmp_path / "r.html")]) == 0
    assert "测试县人民政府" in (tmp_path / "r.html").read_text(encoding="utf-8")

    city = _need(REALDOCS / "huaian-2024.pdf")
    nxt = tmp_path / "2025.xlsx"
    assert main(["template", "--from", str(city), "-o", str(nxt)]) == 0
    wb = read_workbook(nxt)
    assert (wb.year, wb.org, wb.values["t3.r02.c1"]) == (2025, "淮安市人民政府", 103)

    assert main(["check", str(pdf), "--annotate", str(tmp_path / "a.xlsx")]) == 3
    assert main(["import", str(tmp_path / "none.pdf"), "-o", str(tmp_path / "x.xlsx")]) == 2
