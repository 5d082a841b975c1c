"""Test documents in the layouts units publish: the official blank Word form filled in,
that form converted to PDF by LibreOffice Writer, web-page HTML with rowspans (the
25-row layout and the 28-row one with group rows), and text copied out of those.

Only the blank form comes from ../shared; every figure is generated here.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import subprocess
import uuid
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from govinfo_xlsx.documents.labels import norm
from govinfo_xlsx.format import ReportFormat
from govinfo_xlsx.numbers import compute

SHARED = Path(__file__).resolve().parents[2] / "shared"
REALDOCS = SHARED / "realdocs"
BLANK_FORM = REALDOCS / "blank-format-template.docx"

PROSE = {
    "s1.intro": "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，政务公开工作有序推进。",
    "s1.p1": "全年主动公开政府信息，行政许可和行政处罚信息均按时公开。",
    "s1.p2": "全年依法办理政府信息公开申请，均在法定期限内答复。",
    "s1.p3": "加强政府信息公开审查，及时更新公开目录。",
    "s1.p4": "持续做好政府网站和政务新媒体的建设管理。",
    "s1.p5": "将政务公开工作纳入年度考核，开展业务培训。",
    "s5": "存在的主要问题是政策解读形式较为单一。下一步将丰富解读形式。",
    "s6": "本年度未收取信息处理费。",
}
PART_HEADINGS = {"s1.p1": "（一）主动公开情况。", "s1.p2": "（二）依申请公开情况。", "s1.p3": "（三）政府信息管理情况。",
                 "s1.p4": "（四）政府信息公开平台建设情况。", "s1.p5": "（五）监督保障情况。"}


def sample_values(fmt: ReportFormat, seed: int = 7) -> dict[str, Any]:
    """Every input of the format, consistent (一＋二＝（七）总计＋四 in every column of 表三)."""
    rnd = random.Random(seed)
    values: dict[str, Any] = {}
    t3 = fmt.table("t3")
    block = t3.blocks[0]
    total_row = next(r for r in block.rows if r.sum_of)
    outcome_rows = list(total_row.sum_of)
    for code in fmt.input_codes:
        cell = fmt.cells[code]
        if cell.table == "t3":
            continue
        if cell.kind == "money":
            values[code] = Decimal(rnd.randint(0, 999999)) / 100
        else:
            values[code] = rnd.choice([0, 0, 1, 3, 12, 150, 2345])
    for col in block.columns:
        if col.sum_of:
            continue
        outs = {r: rnd.choice([0, 0, 0, 1, 2, 7, 31]) for r in outcome_rows}
        carry_out = rnd.randint(0, 4)
        total = sum(outs.values()) + carry_out
        new = rnd.randint(0, total)
        values[f"t3.r01.{col.code}"] = new
        values[f"t3.r02.{col.code}"] = total - new
        values[f"t3.r25.{col.code}"] = carry_out
        for r, v in outs.items():
            values[f"t3.{r}.{col.code}"] = v
    return values


def _text(v: Any) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v != 0 else "0"
    return str(v)


# --------------------------------------------------------------------------
# Word: the official blank form, filled in with python-docx.


def _insert_after(paragraph: Any, text: str) -> Any:
    new = copy.deepcopy(paragraph._p)
    paragraph._p.addnext(new)
    from docx.text.paragraph import Paragraph

    p = Paragraph(new, paragraph._parent)
    for r in p.runs[1:]:
        r._r.getparent().remove(r._r)
    if p.runs:
        p.runs[0].text = text
    else:
        p.add_run(text)
    return p


def _set(paragraph: Any, text: str) -> None:
    runs = paragraph.runs
    if runs:
        runs[0].text = text
        for r in runs[1:]:
            r.text = ""
    else:
        paragraph.add_run(text)


def fill_form(fmt: ReportFormat, values: dict[str, Any], out: Path, *, org: str = "测试县人民政府", year: int = 2024,
              prose: dict[str, str] | None = None, cell_text: dict[str, str] | None = None) -> Path:
    """The official blank form filled with ``values`` (totals printed as computed unless ``cell_text`` says)."""
    import docx

    prose = prose or PROSE
    cell_text = cell_text or {}
    computed = compute(fmt, values)
    d = docx.Document(str(BLANK_FORM))
    paras = d.paragraphs
    title = next(p for p in paras if "年度报告格式模板" in p.text)
    _set(title, f"{org}{year}年政府信息公开工作年度报告")
    placeholders = [p for p in paras if p.text.strip().startswith("（文字描述")]
    # 一、总体情况: the intro, then the five parts with their headings.
    last = placeholders[0]
    _set(last, prose["s1.intro"])
    for code in ("s1.p1", "s1.p2", "s1.p3", "s1.p4", "s1.p5"):
        last = _insert_after(last, PART_HEADINGS[code] + prose[code])
    _set(placeholders[1], prose["s5"])
    _set(placeholders[2], prose["s6"])

    def put(cell: Any, code: str) -> None:
        text = cell_text.get(code, _text(computed[code]))
        cell.text = text

    t2, t3, t4 = d.tables[0], d.tables[1], d.tables[2]
    rows2 = {norm(r.path[-1]): (b, r) for b, r in fmt.table("t2").iter_rows()}
    for tr in t2.rows:
        label = norm(tr.cells[0].text)
        if label in rows2:
            block, row = rows2[label]
            for j, col in enumerate(block.columns):
                put(tr.cells[1 + j], f"t2.{row.code}.{col.code}")
    rows3 = {norm(r.path[-1]): r for _, r in fmt.table("t3").iter_rows()}
    cols3 = fmt.table("t3").blocks[0].columns
    for i in range(len(t3.rows)):
        label = norm(t3.cell(i, 2).text)
        row = rows3.get(label)
        if row is None:
            continue
        for j, col in enumerate(cols3):
            put(t3.cell(i, 3 + j), f"t3.{row.code}.{col.code}")
    cols4 = fmt.table("t4").blocks[0].columns
    for j, col in enumerate(cols4):
        put(t4.cell(3, j), f"t4.r1.{col.code}")
    d.save(str(out))
    return out


def to_pdf(docx_path: Path, outdir: Path) -> Path:
    """Convert with LibreOffice Writer (own profile directory); the PDF must exist."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is required"
    profile = outdir / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(docx_path)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(outdir)})
    pdf = outdir / (docx_path.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice did not write {pdf}"
    shutil.rmtree(profile, ignore_errors=True)
    return pdf


# --------------------------------------------------------------------------
# Web page and copied text: one row model, two renderings.

Row = list[tuple[str, int, int]]  # (text, rowspan, colspan)


def table_rows(fmt: ReportFormat, values: dict[str, Any], *, layout: int = 25, cell_text: dict[str, str] | None = None,
               labels: dict[str, str] | None = None, subtotals: dict[str, Any] | None = None,
               collapse_six: bool = False) -> list[tuple[str, list[Row]]]:
    """Tables 二, 三, 四 as rows of (text, rowspan, colspan), as a site editor lays them out.

    ``layout`` 28 prints 三、本年度办理结果's groups (（三）…（六）) as rows of their own,
    with ``subtotals`` (group label -> printed numbers by column code, default the sums).
    ``labels`` replaces printed row labels by row code; ``collapse_six`` prints （六）其他处理
    as one row with the sum of its items.
    """
    computed = compute(fmt, values)
    cell_text = cell_text or {}
    labels = labels or {}

    def v(code: str) -> str:
        return cell_text.get(code, _text(computed[code]))

    out: list[tuple[str, list[Row]]] = []
    t2 = fmt.table("t2")
    rows: list[Row] = []
    for b in t2.blocks:
        rows.append([(b.caption or "", 1, 4)])
        width = [1] * len(b.columns)
        width[-1] = 4 - len(b.columns)
        rows.append([(b.corner or "", 1, 1)] + [(c.path[-1], 1, w) for c, w in zip(b.columns, width, strict=True)])
        for r in b.rows:
            rows.append([(labels.get(r.code, r.path[-1]), 1, 1)]
                        + [(v(f"t2.{r.code}.{c.code}"), 1, w) for c, w in zip(b.columns, width, strict=True)])
    out.append((t2.title, rows))

    t3 = fmt.table("t3")
    b = t3.blocks[0]
    rows = [[(b.corner or "", 3, 3), ("申请人情况", 1, 7)],
            [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
            [(c.path[-1], 1, 1) for c in b.columns[1:6]]]
    body: list[tuple[tuple[str, ...], str, list[str] | None]] = []  # (path, row code, values)
    groups_done: set[str] = set()
    for r in b.rows:
        codes = [f"t3.{r.code}.{c.code}" for c in b.columns]
        if len(r.path) == 3 and collapse_six and r.path[1].startswith("（六）"):
            if r.path[1] in groups_done:
                continue
            groups_done.add(r.path[1])
            items = [x for x in b.rows if x.path[:2] == r.path[:2]]
            sums = [_text(sum(computed[f"t3.{x.code}.{c.code}"] for x in items)) for c in b.columns]
            body.append(((r.path[0], r.path[1]), "six", sums))
            continue
        if len(r.path) == 3 and layout == 28 and r.path[1] not in groups_done:
            groups_done.add(r.path[1])
            items = [x for x in b.rows if x.path[:2] == r.path[:2]]
            sub = (subtotals or {}).get(r.path[1])
            sums = [_text(sub[c.code]) if sub and c.code in sub else
                    _text(sum(computed[f"t3.{x.code}.{c.code}"] for x in items)) for c in b.columns]
            body.append(((r.path[0], r.path[1]), "group", sums))
        path = tuple(r.path[:-1]) + (labels.get(r.code, r.path[-1]),)
        body.append((path, r.code, [v(c) for c in codes]))
    # Lay out the labels: the outer groups span their rows.
    for i, (path, _code, vals) in enumerate(body):
        cells: Row = []
        if len(path) == 1:
            cells.append((path[0], 1, 3))
        else:
            if i == 0 or body[i - 1][0][:1] != path[:1] or len(body[i - 1][0]) == 1:
                span = 1
                while i + span < len(body) and body[i + span][0][:1] == path[:1] and len(body[i + span][0]) > 1:
                    span += 1
                cells.append((path[0], span, 1))
            if len(path) == 2:
                cells.append((path[1], 1, 2))
            else:
                if layout == 28:
                    cells.append(("", 1, 1))
                elif body[i - 1][0][:2] != path[:2]:
                    span = 1
                    while i + span < len(body) and body[i + span][0][:2] == path[:2] and len(body[i + span][0]) == 3:
                        span += 1
                    cells.append((path[1], span, 1))
                cells.append((path[2], 1, 1))
        cells += [(x, 1, 1) for x in (vals or [])]
        rows.append(cells)
    out.append((t3.title, rows))

    t4 = fmt.table("t4")
    cols = t4.blocks[0].columns
    rows = [[("行政复议", 1, 5), ("行政诉讼", 1, 10)],
            [(c.path[-1], 2, 1) for c in cols[:5]] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
            [(c.path[-1], 1, 1) for c in cols[5:]],
            [(v(f"t4.r1.{c.code}"), 1, 1) for c in cols]]
    out.append((t4.title, rows))
    return out


def _prose_html(fmt: ReportFormat, prose: dict[str, str], section: str) -> str:
    if section == "一":
        parts = [prose["s1.intro"]] + [PART_HEADINGS[c] + prose[c] for c in ("s1.p1", "s1.p2", "s1.p3", "s1.p4",
                                                                                "s1.p5")]
    elif section == "五":
        parts = [prose["s5"]]
    else:
        parts = [prose["s6"]]
    return "".join(f"<p style='text-indent:2em'>{escape(p)}</p>\n" for p in parts)


def html_report(fmt: ReportFormat, values: dict[str, Any], *, org: str = "测试县人民政府", year: int = 2024,
                prose: dict[str, str] | None = None, **kw: Any) -> str:
    """A web page as government sites publish the report (tables with rowspan/colspan)."""
    prose = prose or PROSE
    tables = dict(table_rows(fmt, values, **kw))
    html = [f"<html><head><meta charset='utf-8'><title>{org}</title><style>td{{border:1px solid}}</style></head>"
            f"<body><div class='nav'>首页 &gt; 政府信息公开年报</div><h2 style='text-align:center'>{org}<br>{year}年政府信息公开工作年度报告</h2>"]
    for sec in fmt.sections:
        head = f"{sec.number}、{sec.title}"
        html.append(f"<p><strong>{escape(head)}</strong></p>")
        if sec.kind == "prose":
            html.append(_prose_html(fmt, prose, sec.number))
        else:
            html.append("<table border='1' cellspacing='0'><tbody>")
            for row in tables[fmt.table(sec.table).title]:
                html.append("<tr>" + "".join(
                    f"<td{f' rowspan={rs}' if rs > 1 else ''}{f' colspan={cs}' if cs > 1 else ''}>"
                    f"<p>{escape(t)}</p></td>" for t, rs, cs in row) + "</tr>")
            html.append("</tbody></table>")
    html.append("<script>var x = '<td>99</td>';</script></body></html>")
    return "\n".join(html)


def text_report(fmt: ReportFormat, values: dict[str, Any], *, org: str = "测试县人民政府", year: int = 2024,
                prose: dict[str, str] | None = None, sep: str = "\t", **kw: Any) -> str:
    """The web page copied as text: one line per row, merged cells once, ``sep`` between cells."""
    prose = prose or PROSE
    tables = dict(table_rows(fmt, values, **kw))
    lines = [org, f"{year}年政府信息公开工作年度报告", ""]
    for sec in fmt.sections:
        lines.append(f"{sec.number}、{sec.title}")
        if sec.kind == "prose":
            if sec.number == "一":
                lines.append(prose["s1.intro"])
                lines += [PART_HEADINGS[c] + prose[c] for c in ("s1.p1", "s1.p2", "s1.p3", "s1.p4", "s1.p5")]
            else:
                lines.append(prose["s5" if sec.number == "五" else "s6"])
        else:
            for row in tables[fmt.table(sec.table).title]:
                lines.append(sep.join(t for t, _, _ in row))
        lines.append("")
    return "\n".join(lines) + "\n"
