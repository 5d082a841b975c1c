"""Build the bundled example workbook from the published sample report's text.

    python examples/build_sample.py [REPORT.txt] [OUT.xlsx]

The text (``sample-report-2023.txt``) is a fictional report written for this project in the layout
of published reports (tab-separated tables, as copied out of a web page).  Rows and
prose parts are found by the format definition's own labels, so the script
holds no label of its own.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

from govinfo_xlsx.format import ReportFormat, load_format
from govinfo_xlsx.template import write_workbook

HERE = Path(__file__).resolve().parent


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\"“”]", "", text)


def parse_report(text: str, fmt: ReportFormat) -> dict:
    lines = text.splitlines()
    title = next(line for line in lines if line.startswith("# "))
    m = re.match(r"#\s*(.+?)\s*(\d{4})\s*年", title)
    org, year = m.group(1).strip(), int(m.group(2))

    # Prose: a heading (any level) that matches a prose part's label, or a
    # prose section title, starts that part; text runs to the next heading.
    headings: dict[str, str] = {}
    for sec in fmt.sections:
        if sec.kind != "prose":
            continue
        for i, part in enumerate(sec.parts):
            key = _norm(part.label)
            if part.optional or (len(sec.parts) > 1 and i == 0 and part.code.endswith("intro")):
                key = _norm(sec.heading)
            headings[key] = part.code
    prose: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if line.startswith("#"):
            current = headings.get(_norm(line.lstrip("#")))
            continue
        if current and line.strip():
            prose.setdefault(current, []).append(line.strip())

    # Tables: each row label, in the format's order, is looked up in the
    # lines after the previous one; the numbers are the line's trailing fields.
    values: dict = {}
    pos = 0
    normed = [_norm(line) for line in lines]
    for table in fmt.tables:
        for block, row in table.iter_rows():
            n_cols = len(block.columns)
            if row.path:
                key = _norm(row.label)
                idx = next(i for i in range(pos, len(lines)) if key in normed[i])
            else:  # an unlabelled row: the next line with enough numbers
                idx = next(i for i in range(pos, len(lines))
                           if len(re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])", lines[i])) >= n_cols
                           and not lines[i].startswith("#"))
            fields = [f.strip() for f in lines[idx].split("\t") if f.strip()]
            nums = [f for f in fields if re.fullmatch(r"\d+(\.\d+)?", f)][-n_cols:]
            for col, num in zip(block.columns, nums, strict=False):
                if not col.sum_of and not row.sum_of:
                    values[f"{table.code}.{row.code}.{col.code}"] = float(num) if "." in num else int(num)
            pos = idx + 1
    return {"org": org, "year": year, "values": values,
            "prose": {code: "\n".join(paras) for code, paras in prose.items()}}


def main(argv: list[str]) -> Path:
    src = Path(argv[1]) if len(argv) > 1 else HERE / "sample-report-2023.txt"
    out = Path(argv[2]) if len(argv) > 2 else HERE / "sample-2023.xlsx"
    fmt = load_format("2021")
    data = parse_report(src.read_text(encoding="utf-8"), fmt)
    write_workbook(out, fmt, year=data["year"], org=data["org"], values=data["values"], prose=data["prose"],
                   cover={"cover.filler": "（示例）", "cover.phone": "（示例）", "cover.date": f"{data['year'] + 1}-01-20"})
    return out


if __name__ == "__main__":
    print(main(sys.argv))
