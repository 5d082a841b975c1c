"""Publishable outputs: HTML for a CMS, Word for filing, PDF, Markdown; rendered by real programs."""

import collections
import os
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import docx
import pytest

from govinfo_xlsx.cli import main
from govinfo_xlsx.document import chinese_date
from govinfo_xlsx.office import ConversionError, convert_with_soffice
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.report import build_document, convert, render_html, render_markdown

from .helpers import consistent_values, expected_totals, need_libreoffice, write_filled

MARKER = "【本段由表三、表四数据自动生成，请核对后修改】"


@pytest.fixture(scope="module")
def filled(tmp_path_factory, fmt):
    d = tmp_path_factory.mktemp("outputs")
    vals = consistent_values(fmt, seed=31)
    # 依申请公开 (s1.p2) left empty: the report writes it from the tables.
    path = write_filled(d / "f.xlsx", fmt, vals, org="某县人民政府办公室",
                        cover={"cover.date": "2025/1/8"},
                        prose={"s1.p1": "本年度主动公开政府信息。", "s5": "问题。", "s6": "无。"})
    return path, vals, d


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self.tables: list[str] = []

    def handle_starttag(self, tag, attrs):
        style = dict(attrs).get("style") or ""
        if tag in ("td", "th"):
            self.cells.append((tag, style))
        elif tag == "table":
            self.tables.append(style)


def test_html_every_cell_carries_its_border_inline(filled, fmt):
    path, _, _ = filled
    doc = build_document(read_workbook(path))
    for fragment in (False, True):
        html = render_html(doc, fragment=fragment)
        parser = _Cells()
        parser.feed(html)
        n_numbers = sum(1 for c in fmt.cells.values() if c.table is not None)
        assert len(parser.cells) > n_numbers
        assert all(re.search(r"border:\s*1px solid", style) for _, style in parser.cells)
        assert parser.tables and all("border-collapse: collapse" in s for s in parser.tables)
    frag = render_html(doc, fragment=True)
    assert "<head>" not in frag and "<html" not in frag and "<style>" not in frag


def _dark_lines(pdf, tmp_path) -> int:
    """Horizontal rules across at least half the page width, on every page (pdftoppm greyscale PGM)."""
    subprocess.run(["pdftoppm", "-gray", "-r", "50", str(pdf), str(tmp_path / "g")], check=True, timeout=120)
    lines = 0
    for pgm in sorted(tmp_path.glob("g*.pgm")):
        data = pgm.read_bytes()
        magic, w, h, maxval, pixels = data.split(maxsplit=4)
        assert magic == b"P5" and int(maxval) == 255
        w, h = int(w), int(h)
        for y in range(h):
            row = pixels[y * w:(y + 1) * w]
            if sum(1 for px in row if px < 140) > w / 2:
                lines += 1
    return lines


def _chromium() -> str | None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None and os.environ.get("CI") == "true":
        pytest.fail("headless Chromium is required in CI")
    return exe


def test_html_without_head_keeps_table_borders_in_chromium(filled, tmp_path):
    """A CMS editor drops <head>: the page without it must still draw every table's grid."""
    exe = _chromium()
    if exe is None:
        pytest.skip("headless Chromium not installed")
    path, _, _ = filled
    html = render_html(build_document(read_workbook(path)))
    headless = re.sub(r"<head>.*?</head>", "<head><meta charset=\"utf-8\"></head>", html, flags=re.S)
    assert "<style>" not in headless and "border" in headless
    pdfs = {}
    for name, text in (("nohead", headless), ("plain", re.sub(r'(style|border)="[^"]*"', "", headless))):
        page = tmp_path / f"{name}.html"
        page.write_text(text, encoding="utf-8")
        pdfs[name] = tmp_path / f"{name}.pdf"
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}/chr-{name}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdfs[name]}", page.as_uri()],
                       capture_output=True, timeout=120)
        assert pdfs[name].exists()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # 表三 alone has 28 horizontal rules across its width; 表二 and 表四 add more.  Without the
    # inline styles (the control) there are none.
    assert _dark_lines(pdfs["nohead"], tmp_path / "a") >= 30
    assert _dark_lines(pdfs["plain"], tmp_path / "b") < 5


def test_published_output_has_no_editors_note_and_draft_has(filled, tmp_path):
    import io

    from govinfo_xlsx.docx_writer import docx_bytes

    path, _, _ = filled
    wb = read_workbook(path)
    published, draft = build_document(wb), build_document(wb, draft=True)

    def texts(doc):
        word = docx.Document(io.BytesIO(docx_bytes(doc)))
        return {"md": render_markdown(doc), "html": render_html(doc),
                "docx": "\n".join(p.text for p in word.paragraphs)}

    for kind, text in texts(published).items():
        assert "本年度共新收政府信息公开申请" in text, kind  # the generated paragraph itself is published
        assert "自动生成" not in text and "请核对" not in text, kind
    for kind, text in texts(draft).items():
        assert MARKER in text, kind
    # the command line: published by default, the note only with --draft
    assert main(["report", str(path), "-o", str(tmp_path / "pub.html")]) == 0
    assert main(["report", str(path), "-o", str(tmp_path / "draft.html"), "--draft"]) == 0
    assert MARKER not in (tmp_path / "pub.html").read_text(encoding="utf-8")
    assert MARKER in (tmp_path / "draft.html").read_text(encoding="utf-8")


def _footer_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))


def test_word_is_ready_for_filing(filled, tmp_path):
    path, _, _ = filled
    out = tmp_path / "r.docx"
    assert convert(path, out).written
    footers = _footer_xml(out)
    assert footers.count("PAGE") == 2 and footers.count("— ") == 2 and footers.count(" —") == 2
    d = docx.Document(str(out))
    # every row of every table stays on one page; header rows repeat
    for table in d.tables:
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(docx.oxml.ns.qn("w:cantSplit")) is not None
    # headings (一、…, （一）…) are kept with the paragraph that follows
    heads = [p for p in d.paragraphs if re.match(r"^[一二三四五六]、|^（[一二三四五六七]）", p.text)]
    assert len(heads) >= 10 and all(p.paragraph_format.keep_with_next for p in heads)
    # 落款: the body, then the cover's date in Chinese
    texts = [p.text for p in d.paragraphs if p.text.strip()]
    assert texts[-2:] == ["某县人民政府办公室", "2025年1月8日"]


def test_signature_date_is_today_when_cover_date_blank(tmp_path, fmt):
    p = write_filled(tmp_path / "n.xlsx", fmt, consistent_values(fmt, seed=2), org="某乡人民政府",
                     cover={"cover.date": ""})
    doc = build_document(read_workbook(p))
    assert doc.signature is not None and doc.signature.org == "某乡人民政府"
    assert doc.signature.date == chinese_date("")
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", doc.signature.date)
    assert chinese_date("2025年01月05日") == "2025年1月5日" and chinese_date("2025-02-30") == "2025-02-30"
    assert chinese_date("2025.12.31") == "2025年12月31日" and chinese_date("年底") == "年底"


def test_markdown_table3_keeps_column_groups_and_full_row_paths(filled, fmt):
    path, _, _ = filled
    md = render_markdown(build_document(read_workbook(path)))
    header = next(line for line in md.splitlines() if "自然人" in line)
    assert "申请人情况 / 自然人" in header and "申请人情况 / 法人或其他组织 / 商业企业" in header
    t3 = fmt.table("t3")
    for _, row in t3.iter_rows():
        assert re.search(r"^\| " + re.escape(" / ".join(row.path)) + r" \|", md, re.M), row.path


@pytest.mark.libreoffice
def test_pdf_holds_every_figure(filled, tmp_path):


    need_libreoffice()
    path, vals, _ = filled
    out = tmp_path / "r.pdf"
    assert main(["report", str(path), "-o", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    found = collections.Counter(re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])", text))
    fmt = read_workbook(path).format
    numbers = expected_totals(fmt, vals)
    want = collections.Counter(str(numbers[c]) for c in fmt.cells if fmt.cells[c].table is not None)
    missing = want - found
    assert not missing, missing
    pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 2
    assert re.search(r"—\s*1\s*—", text)


def test_pdf_without_libreoffice_says_so_in_chinese(filled, tmp_path, monkeypatch, capsys):
    path, _, _ = filled
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice here
    out = tmp_path / "r.pdf"
    with pytest.raises(ConversionError, match="LibreOffice"):
        convert(path, out)
    assert main(["report", str(path), "-o", str(out)]) == 3
    assert "需要 LibreOffice" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.libreoffice
def test_soffice_refusal_is_an_error_with_its_message(tmp_path):
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice not installed")
    bad = tmp_path / "missing.docx"  # soffice exits 0 for a file it cannot load
    with pytest.raises(ConversionError, match="未能生成 missing.pdf"):
        convert_with_soffice(bad, "pdf", tmp_path)


# ---------------------------------------------------------------------------
# Command line: suffixes, years, lock files, messages, help.


@pytest.mark.parametrize("args, out", [
    (["template", "-o", "{d}/t.docx"], "t.docx"),
    (["template", "-o", "{d}/t"], "t"),
    (["check", "{wb}", "--annotate", "{d}/a.pdf"], "a.pdf"),
    (["export", "{wb}", "-o", "{d}/x.txt"], "x.txt"),
    (["export", "{wb}", "--format", "csv", "-o", "{d}/x.json"], "x.json"),
    (["report", "{wb}", "-o", "{d}/r.doc"], "r.doc"),
    (["report", "{wb}", "-o", "{d}/r.md", "--fragment"], "r.md"),
    (["merge", "{wb}", "-o", "{d}/m.xls"], "m.xls"),
    (["merge", "{wb}", "-o", "{d}/m.xlsx", "--report", "{d}/m.txt"], "m.txt"),
])
def test_every_command_refuses_an_output_suffix_that_does_not_match(filled, tmp_path, capsys, args, out):
    path, _, _ = filled
    argv = [a.format(d=tmp_path, wb=path) for a in args]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert out in err or "--fragment" in err
    assert not list(tmp_path.iterdir())


def test_export_suffix_chooses_the_format(filled, tmp_path):
    path, _, _ = filled
    assert main(["export", str(path), "-o", str(tmp_path / "x.csv")]) == 0
    assert not (tmp_path / "x.csv").read_text(encoding="utf-8-sig").lstrip().startswith("{")
    assert main(["export", str(path), "-o", str(tmp_path / "x.json")]) == 0
    assert (tmp_path / "x.json").read_text(encoding="utf-8").startswith("{")


@pytest.mark.parametrize("command", ["template -o {d}/t.xlsx", "check {wb}", "report {wb} -o {d}/r.md",
                                     "merge {wb} -o {d}/m.xlsx"])
@pytest.mark.parametrize("year", ["24", "02024", "2O24", "２０２４年"])
def test_years_are_four_digits_everywhere(filled, tmp_path, capsys, command, year):
    path, _, _ = filled
    argv = command.format(d=tmp_path, wb=path).split() + ["--year", year]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 3
    assert f"年度应为四位数字，例如 2024（收到的是“{year}”）" in capsys.readouterr().err


def test_lock_file_is_explained_the_same_everywhere(filled, tmp_path, capsys):
    from govinfo_xlsx.merge import merge
    from govinfo_xlsx.wording import LOCK_FILE_MESSAGE

    path, _, _ = filled
    lock = tmp_path / "~$红旗区.xlsx"
    lock.write_bytes(b"\x0c\x00\xe5\xbc\xa0\xe4\xb8\x89" + b"\x00" * 100)  # what Excel writes: the editor's name
    assert main(["check", str(lock)]) == 2
    assert LOCK_FILE_MESSAGE in capsys.readouterr().err
    res = merge([str(tmp_path)], tmp_path / "m.xlsx", org="某市", progress=False)
    assert [u.reason for u in res.units if u.path == str(lock)] == [LOCK_FILE_MESSAGE]


def test_a_rule_failing_in_several_columns_is_said_once(tmp_path, fmt, capsys):
    from govinfo_xlsx.merge import merge

    vals = consistent_values(fmt, seed=7)
    for code in ("t3.r01.c1", "t3.r01.c2", "t3.r02.c3"):
        vals[code] += 1
    p = write_filled(tmp_path / "u" / "bad.xlsx", fmt, vals, org="某县")
    assert main(["check", str(p)]) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "勾稽关系为" in line]
    assert len(lines) == 1 and lines[0].count("勾稽关系为") == 1
    assert "「自然人」「商业企业」「科研机构」「总计」列" in lines[0]
    res = merge([str(tmp_path / "u")], tmp_path / "m.xlsx", org="某市", progress=False)
    reason = next(u.reason for u in res.units if u.path == str(p))
    assert reason.count("勾稽关系为") == 1 and "。；" not in reason and "）；" not in reason
    assert reason.startswith("D6、E6、F6、J6 表三「自然人」「商业企业」「科研机构」「总计」列") and reason.endswith("。")


@pytest.mark.parametrize("command", ["template", "check", "export", "report", "merge"])
def test_every_command_help_has_examples_exit_codes_and_the_guides(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"示例：\n  govinfo-xlsx {command} " in out
    assert "退出码：0" in out and "3 用法错误" in out
    assert "govinfo-xlsx 帮助" in out


def test_help_command_locates_and_prints_the_guides(capsys):
    from pathlib import Path

    from govinfo_xlsx.guides import GUIDES, guide_paths

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    assert main(["帮助"]) == 0
    out = capsys.readouterr().out
    paths = guide_paths()
    assert set(paths) == set(GUIDES)
    for path in paths.values():
        assert str(path) in out and path.is_file()
    assert main(["help", "汇总"]) == 0
    assert capsys.readouterr().out == paths["用户指南-汇总与报告.md"].read_text(encoding="utf-8")
    assert main(["帮助", "没有这份"]) == 3
    # the wheel ships docs/ as govinfo_xlsx.guide_docs, with every guide
    root = Path(__file__).resolve().parent.parent
    conf = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert conf["package-dir"]["govinfo_xlsx.guide_docs"] == "docs"
    assert "govinfo_xlsx.guide_docs" in conf["packages"]
    globs = conf["package-data"]["govinfo_xlsx.guide_docs"]
    for name in GUIDES:
        assert (root / "docs" / name).is_file() and any(Path(name).match(g) for g in globs)


def test_rollup_word_has_a_wide_name_column_and_no_fake_chart(tmp_path, fmt):
    from docx.shared import Mm

    from govinfo_xlsx.merge import merge

    names = [f"某某省某某市某某县人民政府办公室第{i}单位" for i in range(3)]
    for i, name in enumerate(names):
        write_filled(tmp_path / "in" / f"u{i}.xlsx", fmt, consistent_values(fmt, seed=40 + i), org=name)
    res = merge([str(tmp_path / "in")], tmp_path / "city.xlsx", org="某市", report=tmp_path / "city.docx",
                progress=False)
    assert res.written
    d = docx.Document(str(tmp_path / "city.docx"))
    # 报送情况 (who is in and who is not), the three format tables and the per-unit table; no chart copy
    assert len(d.tables) == len(fmt.tables) + 2
    units = d.tables[-1]
    assert [units.cell(i + 1, 0).text for i in range(3)] == names
    widths = [c.width for c in units.rows[0].cells]
    assert widths[0] >= Mm(34) and widths[0] == max(widths)
    assert all(w >= Mm(12.9) for w in widths[1:])


def test_merge_pdf_report_without_libreoffice_is_refused_before_any_work(filled, tmp_path, monkeypatch, capsys):
    path, _, _ = filled
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["merge", str(path), "-o", str(tmp_path / "m.xlsx"), "--report", str(tmp_path / "m.pdf")]) == 3
    assert "需要 LibreOffice" in capsys.readouterr().err
    assert not (tmp_path / "m.xlsx").exists()
