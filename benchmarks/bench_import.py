"""Benchmark: importing published reports (PDF and Word), and the choice of PDF library.

    python benchmarks/bench_import.py [--repeat N]

For each real PDF in ../shared/realdocs it measures, in one run,

1. ``read_document`` (pypdfium2: characters and ruling lines from PDFium, our table finder);
2. the same pipeline with pdfplumber's table finder and text (pdfminer.six) instead,
   when pdfplumber is installed (it is not a dependency);

and checks both against the figures transcribed in tests/test_documents.py
(exactness: inputs and printed totals that differ).  It also times a Word
file (the official blank form filled in) and prints the targets: a six-page
PDF under 1.5 s, Word under 0.3 s.  Timings live here, never in the unit tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govinfo_xlsx.documents.model import Extracted, Grid, Paragraph, Slot  # noqa: E402
from govinfo_xlsx.documents.pdf import table_grid  # noqa: E402
from govinfo_xlsx.errors import WorkbookError  # noqa: E402

_MIN_TEXT_CHARS = 20


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1 for x0, top, x1, bottom in boxes)


def _edges(values: list[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _grid(table: Any, page_no: int) -> tuple[Grid, tuple[float, float, float, float]] | None:
    """The table as a grid of slots (merged cells resolved from the cell boxes); None if it is not a table.

    Rows and columns are the bands between distinct cell edges: a cell's box
    says which bands it covers, so a merged cell is one origin and its
    continuations, whatever pdfplumber's own row grouping.
    """
    rows = table.rows
    if not rows:
        return None
    texts = table.extract()
    boxes = [(i, j, c) for i, r in enumerate(rows) for j, c in enumerate(r.cells) if c is not None]
    xs = _edges([c[0] for _, _, c in boxes] + [c[2] for _, _, c in boxes])
    ys = _edges([c[1] for _, _, c in boxes] + [c[3] for _, _, c in boxes])
    col_mid = [(xs[k] + xs[k + 1]) / 2 for k in range(len(xs) - 1)]
    row_mid = [(ys[k] + ys[k + 1]) / 2 for k in range(len(ys) - 1)]
    if not col_mid or not row_mid:
        return None
    slots: list[list[Slot | None]] = [[None] * len(col_mid) for _ in row_mid]
    for i, j, c in sorted(boxes, key=lambda b: (b[2][1], b[2][0])):
        text = (texts[i][j] if i < len(texts) and j < len(texts[i]) else "") or ""
        cols = [k for k, x in enumerate(col_mid) if c[0] <= x <= c[2]]
        rws = [k for k, y in enumerate(row_mid) if c[1] <= y <= c[3]]
        if not cols or not rws:
            continue
        origin = (rws[0], cols[0])
        for rr in rws:
            for cc in cols:
                if slots[rr][cc] is None:
                    slots[rr][cc] = Slot(text, origin)
    full = [[s if s is not None else Slot("", (r, c)) for c, s in enumerate(row)] for r, row in enumerate(slots)]
    return table_grid(full, page_no, xs, ys)


def pdfplumber_read(path: str | os.PathLike[str]) -> Extracted:
    """The same extraction with pdfplumber's table finder (the alternative measured here)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    items: list[Any] = []
    total_chars = 0
    try:
        pdf = pdfplumber.open(path)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise WorkbookError("encrypted", "PDF 文件设有密码，无法读取；请提供未加密的文件", path) from exc
    except PDFSyntaxError as exc:
        raise WorkbookError("corrupt-file", "PDF 文件已损坏，无法读取", path) from exc
    with pdf:
        n_pages = len(pdf.pages)
        for p_i, page in enumerate(pdf.pages, start=1):
            chars = page.chars
            total_chars += len(chars)
            if not chars:
                continue
            placed: list[tuple[float, int, Any]] = []
            boxes = []
            for table in page.find_tables():
                g = _grid(table, p_i)
                if g is None:
                    continue
                grid, box = g
                boxes.append(box)
                placed.append((box[1], 1, grid))
            text_page = page.filter(lambda o, b=boxes: not _inside(o, b)) if boxes else page
            lines = text_page.extract_text_lines(return_chars=False)
            if lines:
                margin = min(ln["x0"] for ln in lines)
                for ln in lines:
                    size = max(ln["bottom"] - ln["top"], 6.0)
                    indent = ln["x0"] > margin + 1.2 * size
                    placed.append((ln["top"], 0, Paragraph(ln["text"], p_i, indent)))
            placed.sort(key=lambda x: (x[0], x[1]))
            items.extend(x[2] for x in placed)
    if total_chars < _MIN_TEXT_CHARS:
        raise WorkbookError("needs-ocr",
                            "PDF 中没有可读取的文字（可能是扫描件或图片），需要 OCR 文字识别，本工具不做 OCR；"
                            "请提供 Word 原文件或带文字层的 PDF", path)
    return Extracted(items, "pdf", n_pages)


def _expected() -> dict[str, Any]:
    import tests.test_documents as td  # tests is a package (its modules import each other relatively)

    return td.REAL


def _wrong_figures(wb: Any, fmt: Any, exp: dict[str, Any]) -> int:
    """How many transcribed figures the reading got wrong (0 = exact)."""
    from tests.test_documents import assert_real_figures

    try:
        assert_real_figures(wb, fmt, exp)
        return 0
    except AssertionError:
        pass
    bad = 0
    cols3 = fmt.table("t3").blocks[0].columns
    for row, vals in exp["t3"].items():
        for col, v in zip(cols3, vals, strict=True):
            code = f"t3.{row}.{col.code}"
            got = wb.values.get(code) if fmt.cells[code].role == "input" else wb.cached.get(code)
            bad += got != v
    for col, v in zip(fmt.table("t4").blocks[0].columns, exp["t4"], strict=True):
        code = f"t4.r1.{col.code}"
        got = wb.values.get(code) if fmt.cells[code].role == "input" else wb.cached.get(code)
        bad += got != v
    for row, vals in exp["t2"].items():
        block = next(b for b, r in fmt.table("t2").iter_rows() if r.code == row)
        for col, v in zip(block.columns, vals, strict=True):
            bad += wb.values.get(f"t2.{row}.{col.code}") != v
    return bad


def _best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    os.chdir(ROOT)
    from govinfo_xlsx.documents import read_document
    from govinfo_xlsx.documents.assemble import assemble
    from govinfo_xlsx.format import load_format

    fmt = load_format()
    realdocs = ROOT.parent / "shared" / "realdocs"
    expected = _expected()
    try:
        import pdfplumber  # noqa: F401
        have_plumber = True
    except ImportError:
        have_plumber = False
    print(f"{'file':18} {'pages':>5} {'pypdfium2 s':>12} {'wrong':>6} {'pdfplumber s':>13} {'wrong':>6}")
    for name in sorted(expected):
        path = realdocs / name
        if not path.exists():
            print(f"{name}: not found in {realdocs}")
            continue
        read_document(path)  # warm up imports
        t_ours = _best(lambda p=path: read_document(p), a.repeat)
        wb = read_document(path)
        wrong = _wrong_figures(wb, fmt, expected[name])
        line = f"{name:18} {len(set(wb.pages.values())) and _pages(path):>5} {t_ours:12.3f} {wrong:6d}"
        if have_plumber:
            t_pl = _best(lambda p=path: assemble(pdfplumber_read(p), fmt, str(p)), max(1, a.repeat // 2))
            wrong_pl = _wrong_figures(assemble(pdfplumber_read(path), fmt, str(path)), fmt, expected[name])
            line += f" {t_pl:13.3f} {wrong_pl:6d}"
        print(line)
    sys.path.insert(0, str(ROOT / "tests"))
    from docmaker import BLANK_FORM, fill_form, sample_values

    if BLANK_FORM.exists():
        with tempfile.TemporaryDirectory() as d:
            p = fill_form(fmt, sample_values(fmt), Path(d) / "report.docx")
            read_document(p)
            t = _best(lambda: read_document(p), a.repeat)
            print(f"{'Word (filled form)':18} {'':>5} {t:12.3f}")
    print("targets: six-page text PDF < 1.5 s, Word < 0.3 s")


def _pages(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


if __name__ == "__main__":
    main()
