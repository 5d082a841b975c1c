"""The organisation and year of a published report, from a title over up to three lines.

A long 机关名称 breaks the title: the name on a line of its own above the year,
or the name itself over two lines.  Lines above the title (a page header, an
index number, the publishing body, a date, a breadcrumb, a document number)
are never part of the name.  PDFs are made here by LibreOffice Writer from the
official blank form; the copied-text variants are read without LibreOffice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from govinfo_xlsx.documents import read_document

from .docmaker import REALDOCS, fill_form, sample_values, text_report

ORG = "淮安市洪泽区高良涧街道办事处"
LONG_ORG = "江苏省淮安市洪泽区高良涧街道办事处社会事业服务中心综合管理办公室"
META = ["索引号：014211930/2025-00012", "发布机构：洪泽区高良涧街道办事处", "发布日期：2025-01-20"]

# name: (what the title paragraph's organisation part is, paragraphs above the title, Word page header, org read)
PDF_CASES = {
    "one-line": ("某某县人民政府", [], None, "某某县人民政府"),
    "split-after-org": (ORG + "\n", [], None, ORG),
    "org-split": ("江苏省淮安市洪泽区\n高良涧街道办事处\n", [], None, "江苏省淮安市洪泽区高良涧街道办事处"),
    "org-wraps": (LONG_ORG, [], None, LONG_ORG),
    "page-header": (ORG + "\n", [], "洪泽区人民政府门户网站", ORG),
    "header-paragraph": ("高良涧街道办事处\n", ["洪泽区人民政府门户网站"], None, "高良涧街道办事处"),
    "metadata": (ORG + "\n", META, None, ORG),
    "metadata-org-split": ("淮安市洪泽区\n高良涧街道办事处\n", META, None, ORG),
    "doc-number-and-date": ("高良涧街道办事处\n", ["洪高政发〔2025〕3号", "2025年1月20日"], None, "高良涧街道办事处"),
    "running-header-same-name": ("淮安市洪泽区人民政府\n", [], "淮安市洪泽区人民政府", "淮安市洪泽区人民政府"),
}


def _need_soffice() -> str:
    soffice = shutil.which("soffice")
    if soffice:
        return soffice
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice Writer (soffice) is required in CI")
    pytest.skip("LibreOffice not installed")


@pytest.fixture(scope="module")
def title_pdfs(fmt, tmp_path_factory) -> dict[str, Path]:
    """Every case as a Word report converted to PDF by Writer (one soffice run for all)."""
    soffice = _need_soffice()
    if not REALDOCS.exists():
        pytest.skip("the blank form (../shared/realdocs) is not available")
    import docx

    out = tmp_path_factory.mktemp("titles")
    values = sample_values(fmt, seed=41)
    paths = []
    for name, (org, above, header, _) in PDF_CASES.items():
        p = fill_form(fmt, values, out / f"{name}.docx", org=org)
        d = docx.Document(str(p))
        title = next(x for x in d.paragraphs if "工作年度报告" in x.text)
        for text in above:
            title.insert_paragraph_before(text)
        if header:
            d.sections[0].header.paragraphs[0].text = header
        d.save(str(p))
        paths.append(p)
    profile = out / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *map(str, paths)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(out)})
    shutil.rmtree(profile, ignore_errors=True)
    pdfs = {name: out / f"{name}.pdf" for name in PDF_CASES}
    assert all(p.exists() for p in pdfs.values())
    return pdfs


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", sorted(PDF_CASES))
def test_pdf_title_over_several_lines(fmt, title_pdfs, case):
    pdf = title_pdfs[case]
    first_page = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    wanted = PDF_CASES[case][3]
    if case == "org-wraps":  # the name really wraps in the PDF, mid-name
        lines = [ln.replace(" ", "") for ln in first_page.splitlines() if ln.strip()]
        assert not any(LONG_ORG in ln for ln in lines) and any(ln.startswith(LONG_ORG[:8]) for ln in lines)
    if PDF_CASES[case][2]:  # the page header is printed above the title
        assert first_page.index(PDF_CASES[case][2]) < first_page.index("年政府信息公开工作年度报告")
    wb = read_document(pdf)
    assert (wb.org, wb.year) == (wanted, 2024)
    # nothing of the title or of the lines above it leaks into the opening paragraph
    assert wb.prose["s1.intro"].startswith("本年度，本机关")


# Copied text: the same title logic, line by line, without LibreOffice.
TEXT_CASES = [
    (["某某县人民政府2024年政府信息公开工作年度报告"], "某某县人民政府"),
    ([ORG, "2024年政府信息公开工作年度报告"], ORG),
    (["淮安市洪泽区", "高良涧街道办事处", "2024年政府信息公开工作年度报告"], ORG),
    (["淮安市洪泽区高良涧街道", "办事处2024年政府信息公开工作年度报告"], ORG),
    (["淮安市洪泽区高良涧街道办事处2024年政府信息公", "开工作年度报告"], ORG),
    (["洪泽区人民政府门户网站", ORG, "2024年政府信息公开工作年度报告"], ORG),
    (["洪泽区人民政府门户网站", "2024年政府信息公开工作年度报告"], ""),
    ([*META, "淮安市洪泽区", "高良涧街道办事处", "2024年政府信息公开工作年度报告"], ORG),
    (["首页 > 政务公开 > 年度报告", ORG, "2024年政府信息公开工作年度报告"], ORG),
    (["当前位置：首页>信息公开>淮安市洪泽区2024年政府信息公开工作年度报告"], "淮安市洪泽区"),
    (["当前位置：首页>信息公开>洪泽区2024年政府信息公开工作年度报告", ORG, "2024年政府信息公开工作年度报告"], ORG),
    (["洪高政发〔2025〕3号", "高良涧街道办事处", "2024年政府信息公开工作年度报告"], "高良涧街道办事处"),
    (["2025年1月20日", "高良涧街道办事处", "2024年政府信息公开工作年度报告"], "高良涧街道办事处"),
    (["淮安市人民政府", "淮安市商务局", "2024年政府信息公开工作年度报告"], "淮安市商务局"),
    (["淮安市洪泽区人民政府", "办公室", "2024年政府信息公开工作年度报告"], "淮安市洪泽区人民政府办公室"),
    (["淮安市洪泽区人民政府办公室（区政务公开办）", "2024年政府信息公开工作年度报告"], "淮安市洪泽区人民政府办公室（区政务公开办）"),
]


@pytest.mark.parametrize("title,org", TEXT_CASES, ids=[str(i) for i in range(len(TEXT_CASES))])
def test_copied_text_title_lines(fmt, tmp_path, title, org):
    values = sample_values(fmt, seed=42)
    text = text_report(fmt, values, org="@@")
    assert text.startswith("@@\n2024年政府信息公开工作年度报告\n")
    p = tmp_path / "r.txt"
    p.write_text(text.replace("@@\n2024年政府信息公开工作年度报告\n", "\n".join(title) + "\n", 1), encoding="utf-8")
    wb = read_document(p)
    assert (wb.org, wb.year) == (org, 2024)
    assert wb.prose["s1.intro"].startswith("本年度，本机关")
