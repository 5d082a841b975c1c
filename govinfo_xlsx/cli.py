"""Command line: a thin layer over the Python API.  Everything printed is Chinese.

Exit codes: 0 success / no errors, 1 errors found (or inputs excluded from a
merge), 2 the file cannot be read as a template (or nothing could be merged),
3 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .console import plain_marks, setup_streams
from .errors import WorkbookError
from .findings import ERROR, CheckReport
from .wording import combine_repeated

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE, EXIT_USAGE = 0, 1, 2, 3


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese headings (the clerks read this)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        for pattern, chinese in _ARGPARSE_MESSAGES:
            message = re.sub(pattern, chinese, message)
        sys.stderr.write(f"参数错误：{message}\n")
        raise SystemExit(EXIT_USAGE)


# argparse's own messages, in the clerks' language.
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.*)", r"缺少必填参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"argument (\S+): invalid int value: (.*)", r"参数 \1 应为整数，收到的是 \2"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"参数 \1 的取值 \2 无效，可选：\3"),
    (r"argument (\S+): expected one argument", r"参数 \1 后面需要一个值"),
    (r"^argument (\S+): (.*)", r"参数 \1：\2"),
)


def _year(text: str) -> int:
    """A report year on the command line: four digits, everywhere (``--year 24`` is refused)."""
    t = text.strip()
    if not re.fullmatch(r"\d{4}", t):
        raise argparse.ArgumentTypeError(f"年度应为四位数字，例如 2024（收到的是“{text}”）")
    return int(t)


_GUIDE_LINE = "使用指南：运行 govinfo-xlsx 帮助，列出随软件安装的中文指南及其所在位置。"
_EXIT_CODES = {
    "template": "退出码：0 已生成；2 上年工作簿无法读取；3 用法错误（如年度不是四位数字、输出文件不是 .xlsx）。",
    "check": "退出码：0 无错误（可能有提示）；1 发现错误；2 文件无法作为模板读取；3 用法错误。",
    "export": "退出码：0 已导出；2 文件无法作为模板读取；3 用法错误（如输出扩展名与 --format 不符）。",
    "report": "退出码：0 已生成；1 工作簿有错误、未生成（可加 --force）；2 文件无法读取；\n"
              "        3 用法错误（如扩展名不是 .md/.html/.docx/.pdf）或本机没有生成 PDF 所需的 LibreOffice。",
    "merge": "退出码：0 全部汇总；1 有单位未能汇总（见清单）；2 没有可以汇总的工作簿；3 用法错误。",
    "import": "退出码：0 导入成功且没有错误；1 已导入但报告中有错误（见清单）；\n"
              "        2 报告无法读取（如不存在、已损坏、扫描件、没有年度报告格式的表格）；\n"
              "        3 用法错误（如输入的是工作簿、表格、文件夹、图片或旧版 .doc，输出文件不是 .xlsx）。",
}
_EXAMPLES = {
    "template": """示例：
  govinfo-xlsx template -o 2024年模板.xlsx --year 2024 --org 某县人民政府办公室
  govinfo-xlsx template -o 2024年模板.xlsx --year 2024 --contact "县政务公开办 张三 0373-1234567"
  govinfo-xlsx template --from 2023年已填报.xlsx -o 2024年模板.xlsx""",
    "check": """示例：
  govinfo-xlsx check 红旗区.xlsx
  govinfo-xlsx check 红旗区.xlsx --year 2024 --previous 红旗区2023.xlsx
  govinfo-xlsx check 红旗区.xlsx --annotate 红旗区-标注.xlsx
  govinfo-xlsx check 红旗区.xlsx > 校验结果.txt""",
    "export": """示例：
  govinfo-xlsx export 红旗区.xlsx -o 红旗区.json
  govinfo-xlsx export 红旗区.xlsx -o 红旗区.csv          （按扩展名导出 CSV，Excel 可直接打开）""",
    "report": """示例：
  govinfo-xlsx report 红旗区.xlsx -o 年度报告.docx       （Word，含页码和落款，用于印发、归档）
  govinfo-xlsx report 红旗区.xlsx -o 年度报告.pdf        （PDF，需安装 LibreOffice）
  govinfo-xlsx report 红旗区.xlsx -o 年度报告.html       （网页，可直接发布）
  govinfo-xlsx report 红旗区.xlsx -o 正文.html --fragment （只含正文，粘贴到网站编辑器）
  govinfo-xlsx report 红旗区.xlsx -o 初稿.docx --draft    （保留“请核对后修改”的编辑提示）""",
    "import": """示例：
  govinfo-xlsx import 红旗区2023年报告.docx -o 红旗区2023.xlsx
  govinfo-xlsx import 红旗区2023年报告.pdf -o 红旗区2023.xlsx --org 红旗区人民政府办公室 --year 2023
  govinfo-xlsx check 红旗区2023年报告.pdf                （直接核对已发布的报告）""",
    "merge": """示例：
  govinfo-xlsx merge 各县报送/ -o 市汇总.xlsx --org 某市人民政府办公室 --year 2024
  govinfo-xlsx merge 各县报送/ -o 市汇总.xlsx --roster 应报单位.csv --report 汇总报告.docx""",
}


def _epilog(command: str) -> str:
    return f"{_EXAMPLES[command]}\n\n{_EXIT_CODES[command]}\n{_GUIDE_LINE}"


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="govinfo-xlsx", description="政府信息公开工作年度报告：填报模板、读取校验、报告生成与逐级汇总。",
                epilog="每个命令的说明和示例：govinfo-xlsx 命令 --help，例如 govinfo-xlsx check --help\n"
                       "退出码：0 成功；1 发现错误（汇总：有单位未能汇总）；2 文件无法读取；3 用法错误。\n"
                       + _GUIDE_LINE)
    p.add_argument("--version", action="version", version=f"govinfo-xlsx {__version__}", help="显示版本号并退出")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    t = sub.add_parser("template", help="生成受保护的 Excel 填报模板", description="生成受保护的 Excel 填报模板。", epilog=_epilog("template"))
    t.add_argument("-o", "--output", required=True, metavar="输出.xlsx", help="输出的 .xlsx 文件（使用 --roster 时为文件夹）")
    t.add_argument("--year", type=_year, metavar="年度", help="报告年度，例如 2024")
    t.add_argument("--org", default="", metavar="机关名称", help="机关名称")
    t.add_argument("--password", metavar="密码", help="工作表保护密码（可选）")
    t.add_argument("--contact", default="", metavar="联系人", help="写入填报说明的联系人和电话，例如“市政务公开办 张三 0373-1234567”")
    t.add_argument("--from", dest="previous", metavar="上年工作簿",
                   help="由上年已填报的工作簿生成本年模板：沿用封面，并把上年“结转下年度继续办理”填入本年“上年结转”")
    t.add_argument("--roster", metavar="名单", help="按名单为每个单位各生成一份模板（填好机关名称和年度），-o 为输出文件夹")

    c = sub.add_parser("check", help="读取并校验已填报的工作簿", description="读取并校验已填报的工作簿。", epilog=_epilog("check"))
    c.add_argument("file", nargs="+", metavar="工作簿", help="已填报的 .xlsx 文件；可给多个文件或文件夹，逐个单位列出结果")
    c.add_argument("--json", action="store_true", help="以 JSON 输出")
    c.add_argument("--strict", action="store_true", help="未填写的单元格视为错误")
    c.add_argument("--year", type=_year, metavar="年度", help="要求的报告年度")
    c.add_argument("--previous", metavar="上年工作簿", help="核对“上年结转”与上年“结转下年度继续办理”是否一致")
    c.add_argument("--annotate", metavar="输出.xlsx",
                   help="另存一份标注了问题单元格的工作簿；校验多个文件时为文件夹，每个单位另存标注副本和“退回意见”文本")

    e = sub.add_parser("export", help="导出数据（JSON 或 CSV）", description="导出数据（JSON 或 CSV）。", epilog=_epilog("export"))
    e.add_argument("file", metavar="工作簿", help="已填报的 .xlsx 文件")
    e.add_argument("--format", choices=["json", "csv"], help="输出格式（默认按输出文件的扩展名，否则 json）")
    e.add_argument("-o", "--output", metavar="输出文件", help="输出文件（默认打印到屏幕）")

    r = sub.add_parser("report", help="生成年度报告（Word、PDF、网页或 Markdown）", description="生成年度报告（Word、PDF、网页或 Markdown）。", epilog=_epilog("report"))
    r.add_argument("file", metavar="工作簿", help="已填报的 .xlsx 文件")
    r.add_argument("-o", "--output", required=True, metavar="报告文件",
                   help="输出文件：.docx（Word）、.pdf、.html（网页）或 .md（Markdown），按扩展名决定格式")
    r.add_argument("--force", action="store_true", help="存在错误时仍然生成")
    r.add_argument("--previous", metavar="上年工作簿", help="加入与上年主要数据的对比")
    r.add_argument("--year", type=_year, metavar="年度", help="要求的报告年度")
    r.add_argument("--draft", action="store_true",
                   help="草稿：由表格数据自动生成的段落前保留“请核对后修改”的编辑提示（默认不保留，可直接发布）")
    r.add_argument("--fragment", action="store_true",
                   help="HTML 只输出正文部分（不含 <head>），便于粘贴到网站内容管理系统的编辑器")

    i = sub.add_parser("import", help="把已发布的年度报告（Word、PDF、网页、文本）导入为填报工作簿",
                       description="把按年度报告格式编写的已发布报告（Word、PDF、网页、文本）导入为填报工作簿。",
                       epilog=_epilog("import"))
    i.add_argument("file", metavar="报告", help="按年度报告格式编写的 .docx、.pdf、.html、.htm 或 .txt 文件"
                   "（填报工作簿 .xlsx 不用导入，请直接用 check/merge）")
    i.add_argument("-o", "--output", required=True, metavar="输出.xlsx", help="输出的 .xlsx 工作簿")
    i.add_argument("--org", metavar="机关名称", help="机关名称（默认取报告标题中的名称）")
    i.add_argument("--year", type=_year, metavar="年度", help="报告年度（默认取报告标题中的年度）")

    m = sub.add_parser("merge", help="汇总多个单位的工作簿", description="汇总多个单位的工作簿。", epilog=_epilog("merge"))
    m.add_argument("inputs", nargs="+", metavar="输入", help="工作簿文件或文件夹")
    m.add_argument("-o", "--output", required=True, metavar="汇总.xlsx", help="汇总工作簿 .xlsx")
    m.add_argument("--org", default="", metavar="汇总单位名称", help="汇总单位名称")
    m.add_argument("--year", type=_year, metavar="年度", help="报告年度（默认取多数单位的年度）")
    m.add_argument("--roster", metavar="名单", help="应报单位名单（.csv 或 .xlsx，按“单位名称”“机关名称”表头找名称列）")
    m.add_argument("--prefer", action="append", default=[], metavar="文件",
                   help="同一单位报送了多份内容不同的工作簿时，采用这一份（可重复使用）")
    m.add_argument("--chase", metavar="催报清单", help="另存缺报和未汇总单位的催报清单（.xlsx 或 .csv，含联系人和电话）")
    m.add_argument("--report", metavar="报告文件", help="同时生成汇总报告：.docx、.pdf、.html 或 .md")
    m.add_argument("--jobs", type=int, default=0, metavar="N", help="并行读取的进程数（默认：全部 CPU 核）")
    m.add_argument("--strict", action="store_true", help="有任何文件未能汇总时，不生成汇总结果")
    m.add_argument("--quiet", action="store_true", help="不显示进度")
    m.add_argument("--json", action="store_true", help="以 JSON 输出汇总结果")

    h = sub.add_parser("help", aliases=["帮助"], help="列出中文使用指南及其位置，或显示其中一份",
                       description="列出随软件安装的中文使用指南及其所在位置；给出名称中的词则显示该指南全文。",
                       epilog="示例：\n  govinfo-xlsx 帮助\n  govinfo-xlsx 帮助 汇总 > 汇总与报告指南.md\n\n退出码：0 成功；3 没有这份指南。")
    h.add_argument("guide", nargs="?", metavar="指南", help="指南名称中的词，例如“填报”或“汇总”")
    return p


# ---------------------------------------------------------------------------
# Text rendering of a check report.


def render_report(rep: CheckReport, fmt_sheets: Sequence[str] = ()) -> str:
    """A check report as readable Chinese text, grouped by sheet."""
    lines = [f"文件：{rep.file}", f"机关名称：{rep.org or '（未填写）'}　报告年度：{rep.year or '（未填写）'}"]
    n_err, n_warn = len(rep.errors), len(rep.warnings)
    n_blank = sum(1 for f in rep.warnings if f.rule == "blank-input")
    if any(f.rule == "empty-workbook" for f in rep.errors):
        lines.append("结果：尚未填写（所有数字单元格均为空），不能作为报送的数据。")
    elif rep.ok and not n_warn:
        lines.append("结果：校验通过，未发现问题。")
    elif rep.ok and n_blank:
        others = f"，另有 {n_warn - n_blank} 条提示" if n_warn > n_blank else ""
        lines.append(f"结果：校验通过（无错误），但部分未填写：{n_blank} 个数字单元格为空，按 0 计{others}。")
    elif rep.ok:
        lines.append(f"结果：校验通过（无错误），有 {n_warn} 条提示。")
    else:
        lines.append(f"结果：发现 {n_err} 个错误、{n_warn} 条提示，请修改后重新提交。")
    groups: OrderedDict[str, list[Any]] = OrderedDict((s, []) for s in fmt_sheets)
    groups.setdefault("", [])
    for f in rep.findings:
        groups.setdefault(f.sheet, []).append(f)
    for sheet, items in groups.items():
        if not items:
            continue
        lines.append("")
        lines.append(f"【{sheet or '整个工作簿'}】")
        blanks = [f for f in items if f.rule == "blank-input" and f.severity != ERROR]
        shown = [f for f in items if f not in blanks]
        # One line per rule: a relation failing in four columns is said once, naming the four.
        for severity in (ERROR, None):
            group = [f for f in shown if (f.severity == ERROR) == (severity == ERROR)]
            for text, idx in combine_repeated([f.message for f in group]):
                mark = "✗ 错误" if severity == ERROR else "！提示"
                where = "、".join(dict.fromkeys(c.split("!", 1)[-1] for i in idx for c in group[i].cells))
                lines.append(f"  {mark}{'［' + where + '］' if where else ''} {text}")
        if blanks:
            addrs = [c.split("!", 1)[-1] for f in blanks for c in f.cells]
            shown = "、".join(addrs[:12]) + (f" 等 {len(addrs)} 个" if len(addrs) > 12 else "")
            lines.append(f"  ！提示 {len(addrs)} 个单元格未填写，按 0 计：{shown}")
    return "\n".join(lines) + "\n"


def _write_text(path: str | None, text: str, bom: bool = False) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    from ._io import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8-sig" if bom else "utf-8")


def _fail(exc: WorkbookError, as_json: bool = False) -> int:
    if as_json:
        # The same shape as a check report, so a caller can always read "ok" and "issues".
        issue = {"rule": exc.reason, "severity": "error", "message": str(exc), "cells": [], "expected": None,
                 "actual": None}
        print(json.dumps({"file": exc.path, "org": None, "year": None, "ok": False, "issues": [issue],
                          "error": exc.reason, "message": str(exc)}, ensure_ascii=False))
    else:
        print(str(exc), file=sys.stderr)
    return EXIT_UNREADABLE


def _wrong_suffix(path: str | None, allowed: Sequence[str], what: str) -> bool:
    """Refuse (with a message) an output whose extension does not match what is written into it."""
    if path is None:
        return False
    suffix = Path(path).suffix.lower()
    if suffix in allowed:
        return False
    said = f"扩展名是“{Path(path).suffix}”" if suffix else "没有扩展名"
    names = "、".join(allowed[:-1]) + " 或 " + allowed[-1] if len(allowed) > 1 else allowed[0]
    print(f"输出文件“{path}”{said}，但写出的是{what}：文件名应以 {names} 结尾。", file=sys.stderr)
    return True


def _same_as_input(out: str, inputs: Sequence[str]) -> bool:
    from ._io import same_file

    return any(same_file(out, i) for i in inputs)


# ---------------------------------------------------------------------------
# Commands.


def cmd_template(a: argparse.Namespace) -> int:
    """``govinfo-xlsx template``."""
    from .carryover import write_next_year
    from .format import load_format
    from .template import write_template

    if not a.roster and _wrong_suffix(a.output, [".xlsx"], " Excel 工作簿"):
        return EXIT_USAGE
    fmt = load_format()
    if a.year is not None and not fmt.first_year <= a.year <= fmt.last_year:
        print(f"报告年度应在 {fmt.first_year} 至 {fmt.last_year} 之间（{fmt.basis}适用于 {fmt.first_year} 年度起的报告）。",
              file=sys.stderr)
        return EXIT_USAGE

    if a.roster:
        from .batch import write_templates

        if a.previous:
            print("--roster 与 --from 不能同时使用。", file=sys.stderr)
            return EXIT_USAGE
        try:
            written = write_templates(a.roster, a.output, year=a.year, password=a.password, contact=a.contact)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
        print(f"已在 {a.output} 生成 {len(written)} 份填报模板（每个单位一份，已填好机关名称"
              f"{'和报告年度' if a.year else ''}）。")
        return EXIT_OK
    if a.previous:
        if _same_as_input(a.output, [a.previous]):
            print("输出文件不能覆盖上年工作簿。", file=sys.stderr)
            return EXIT_USAGE
        from .documents import is_document, read_document

        try:
            prev = read_document(a.previous) if is_document(a.previous) else a.previous
            info = write_next_year(prev, a.output, year=a.year, org=a.org or None, password=a.password)
        except WorkbookError as exc:
            return _fail(exc)
        print(f"已生成 {info['year']} 年度填报模板：{a.output}（已由上年工作簿填入“上年结转”）")
        return EXIT_OK
    write_template(a.output, year=a.year, org=a.org, password=a.password, contact=a.contact)
    print(f"已生成填报模板：{a.output}")
    return EXIT_OK


def _read_and_check(path: str, strict: bool, year: int | None, previous: str | None) -> tuple[Any, CheckReport]:
    from .documents import locate_findings, read_any
    from .validate import validate

    wb = read_any(path)
    prev = read_any(previous) if previous else None
    rep = validate(wb, strict=strict, year=year, previous=prev)
    rep.findings = locate_findings(rep.findings, wb)
    return wb, rep


def cmd_check(a: argparse.Namespace) -> int:
    """``govinfo-xlsx check``: one workbook in full, or several (files, folders) one line each."""
    from pathlib import Path

    from .documents import is_document

    if len(a.file) > 1 or Path(a.file[0]).is_dir() or (a.annotate and (Path(a.annotate).is_dir()
                                                                      or a.annotate.endswith(("/", "\\")))):
        return _check_many(a)
    a.file = a.file[0]
    if a.annotate and is_document(a.file):
        print("标注功能只适用于 .xlsx 工作簿；Word/PDF/网页报告请先用 govinfo-xlsx import 导入为工作簿。", file=sys.stderr)
        return EXIT_USAGE
    if _wrong_suffix(a.annotate, [".xlsx"], "标注后的 Excel 工作簿"):
        return EXIT_USAGE
    if a.annotate and _same_as_input(a.annotate, [a.file]):
        print("标注文件不能覆盖原文件，请指定另一个输出文件名。", file=sys.stderr)
        return EXIT_USAGE
    try:
        wb, rep = _read_and_check(a.file, a.strict, a.year, a.previous)
    except WorkbookError as exc:
        return _fail(exc, a.json)
    if a.json:
        print(rep.to_json())
    else:
        sys.stdout.write(render_report(rep, [s.name for s in wb.format.layout.sheets]))
    if a.annotate:
        from .annotate import annotate

        try:
            annotate(a.file, rep, a.annotate)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
        if not a.json:
            print(f"\n已另存标注问题单元格的工作簿：{a.annotate}")
    return EXIT_OK if rep.ok else EXIT_ERRORS


def _check_many(a: argparse.Namespace) -> int:
    from pathlib import Path

    from .batch import check_files, has_errors, return_note, safe_filename, summary_line

    if a.previous:
        print("--previous 只能用于校验单个工作簿。", file=sys.stderr)
        return EXIT_USAGE
    out_dir = Path(a.annotate) if a.annotate else None
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            print("校验多个文件时，--annotate 应为一个文件夹。", file=sys.stderr)
            return EXIT_USAGE
        if any(_same_as_input(str(out_dir), [f]) for f in a.file):
            print("标注文件夹不能是要校验的文件夹，请另选一个文件夹。", file=sys.stderr)
            return EXIT_USAGE
    items = check_files(a.file, year=a.year, strict=a.strict)
    if a.json:
        print(json.dumps([{"file": i.path, "ok": i.ok, "empty": i.empty, "blank": i.blank,
                           "skipped": i.skipped or None,
                           "error": None if i.error is None else {"rule": i.error.reason, "message": i.error.detail},
                           "report": None if i.report is None else i.report.to_dict()} for i in items],
                         ensure_ascii=False, indent=2))
    else:
        for i in items:
            print(i.line())
        print()
        print(summary_line(items))
    if out_dir is not None:
        from .annotate import annotate

        out_dir.mkdir(parents=True, exist_ok=True)
        n = 0
        for i in items:
            if not has_errors(i) and not i.blank:
                continue
            stem = safe_filename(i.org or Path(i.path).stem)
            note = out_dir / f"{stem}_退回意见.txt"
            from ._io import atomic_path

            with atomic_path(note) as tmp:
                tmp.write_text(return_note(i), encoding="utf-8-sig")
            if i.report is not None and not i.empty and Path(i.path).suffix.lower() in (".xlsx", ".xlsm"):
                try:
                    annotate(i.path, i.report, out_dir / f"{stem}_标注.xlsx")
                except ValueError as exc:
                    print(f"{Path(i.path).name}：{exc}", file=sys.stderr)
            n += 1
        if not a.json:
            print(f"已在 {out_dir} 为 {n} 个单位另存标注副本和退回意见。")
    return max((i.exit_code for i in items), default=EXIT_OK)


def cmd_export(a: argparse.Namespace) -> int:
    """``govinfo-xlsx export``."""
    from .documents import read_any
    from .export import to_csv, to_dict

    if a.output and a.format is None:
        a.format = {".csv": "csv", ".json": "json"}.get(Path(a.output).suffix.lower())
        if a.format is None and _wrong_suffix(a.output, [".json", ".csv"], " JSON 或 CSV 数据"):
            return EXIT_USAGE
    a.format = a.format or "json"
    if _wrong_suffix(a.output, [f".{a.format}"], f" {a.format.upper()} 数据（--format {a.format}）"):
        return EXIT_USAGE
    try:
        wb = read_any(a.file)
    except WorkbookError as exc:
        return _fail(exc)
    if a.output and _same_as_input(a.output, [a.file]):
        print("输出文件不能覆盖输入的工作簿。", file=sys.stderr)
        return EXIT_USAGE
    if a.format == "csv":
        _write_text(a.output, to_csv(wb), bom=bool(a.output))
    else:
        _write_text(a.output, json.dumps(to_dict(wb), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def cmd_report(a: argparse.Namespace) -> int:
    """``govinfo-xlsx report``."""
    from .office import ConversionError
    from .report import REPORT_SUFFIXES, convert

    if _wrong_suffix(a.output, REPORT_SUFFIXES, "年度报告（Word、PDF、网页或 Markdown）"):
        return EXIT_USAGE
    if a.fragment and Path(a.output).suffix.lower() not in (".html", ".htm"):
        print("--fragment 只用于网页（.html）报告。", file=sys.stderr)
        return EXIT_USAGE
    if _same_as_input(a.output, [a.file]):
        print("输出文件不能覆盖输入的工作簿。", file=sys.stderr)
        return EXIT_USAGE
    from .documents import is_document, read_any

    try:
        result = convert(read_any(a.file) if is_document(a.file) else a.file, a.output, force=a.force,
                         previous=read_any(a.previous) if a.previous and is_document(a.previous) else a.previous,
                         year=a.year, draft=a.draft, fragment=a.fragment)
    except WorkbookError as exc:
        return _fail(exc)
    except (ValueError, ConversionError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    from .documents import locate_findings

    rep = result.check
    rep.findings = locate_findings(rep.findings, result.workbook)
    if not result.written:
        sys.stdout.write(render_report(rep, [s.name for s in result.workbook.format.layout.sheets]))
        print("\n工作簿存在错误，未生成报告。请修改后重试，或使用 --force 强制生成。")
        return EXIT_ERRORS
    for text, _ in combine_repeated([f.message for f in rep.warnings if f.rule != "blank-input"]):
        print(f"！提示 {text}")
    n_blank = sum(1 for f in rep.warnings if f.rule == "blank-input")
    if n_blank:
        print(f"！部分未填写：{n_blank} 个数字单元格为空，报告中按 0 计；由空白单元格得出的段落不会自动生成。")
    if rep.errors:
        print(f"！注意：工作簿存在 {len(rep.errors)} 个错误，已按 --force 生成报告。")
    print(f"已生成报告：{a.output}")
    return EXIT_OK


def cmd_import(a: argparse.Namespace) -> int:
    """``govinfo-xlsx import``."""
    from .documents import WRONG_INPUT_REASONS, check_input, import_document, locate_findings
    from .validate import validate

    try:
        check_input(a.file)  # the wrong kind of input is said first, before anything about the output
        if _same_as_input(a.output, [a.file]):
            print("输出文件不能覆盖输入的报告。", file=sys.stderr)
            return EXIT_USAGE
        if not a.output.lower().endswith(".xlsx"):
            print("输出文件应为 .xlsx 工作簿。", file=sys.stderr)
            return EXIT_USAGE
        wb = import_document(a.file, a.output, org=a.org, year=a.year)
    except WorkbookError as exc:
        if exc.reason in WRONG_INPUT_REASONS:  # the wrong kind of input: a usage error, said as such
            print(f"无法导入 {Path(a.file).name or a.file}：{exc.detail}", file=sys.stderr)
            return EXIT_USAGE
        return _fail(exc)
    rep = validate(wb)
    rep.findings = locate_findings(rep.findings, wb)
    sys.stdout.write(render_report(rep, [s.name for s in wb.format.layout.sheets]))
    print(f"\n已导入为工作簿：{a.output}（报告中的各项数字按原样填入，总计由模板公式计算）")
    return EXIT_OK if rep.ok else EXIT_ERRORS


def cmd_merge(a: argparse.Namespace) -> int:
    """``govinfo-xlsx merge``."""
    from .merge import merge
    from .office import ConversionError
    from .report import REPORT_SUFFIXES

    if _wrong_suffix(a.output, [".xlsx"], "汇总 Excel 工作簿") or \
            _wrong_suffix(a.report, REPORT_SUFFIXES, "汇总报告（Word、PDF、网页或 Markdown）"):
        return EXIT_USAGE
    if _same_as_input(a.output, a.inputs) or (a.report and _same_as_input(a.report, a.inputs)):
        print("输出文件不能覆盖输入的工作簿。", file=sys.stderr)
        return EXIT_USAGE
    progress = not a.quiet and sys.stderr.isatty()
    try:
        res = merge(a.inputs, a.output, org=a.org, year=a.year, roster=a.roster, report=a.report,
                    jobs=a.jobs or None, strict=a.strict, progress=progress, prefer=a.prefer, chase=a.chase)
    except (ValueError, ConversionError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    if a.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(res.summary(plain_marks(sys.stdout)))
    return res.exit_code


def cmd_help(a: argparse.Namespace) -> int:
    """``govinfo-xlsx 帮助``: where the Chinese guides are, or one guide's text."""
    from .guides import GUIDES, guide_paths

    paths = guide_paths()
    if a.guide:
        hits = [p for name, p in paths.items() if a.guide in name or a.guide in GUIDES[name]]
        if not hits:
            print(f"没有名称含“{a.guide}”的指南。可选：" + "、".join(paths), file=sys.stderr)
            return EXIT_USAGE
        sys.stdout.write(hits[0].read_text(encoding="utf-8"))
        return EXIT_OK
    print("随软件安装的中文使用指南（Markdown 文本，可用记事本、WPS 或浏览器打开）：")
    for name, path in paths.items():
        print(f"  {GUIDES[name]}\n    {path}")
    if not paths:
        print("  （未找到指南文件，请查看项目主页的 docs 文件夹）")
    print("\n显示某份指南全文：govinfo-xlsx 帮助 汇总（或 填报）；每个命令的用法：govinfo-xlsx 命令 --help")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``govinfo-xlsx`` command."""
    setup_streams()
    parser = _parser()
    a = parser.parse_args(argv)
    if a.command is None:
        parser.print_help()
        return EXIT_USAGE
    handler = {"template": cmd_template, "check": cmd_check, "export": cmd_export, "report": cmd_report,
               "import": cmd_import, "merge": cmd_merge, "help": cmd_help, "帮助": cmd_help}[a.command]
    try:
        return handler(a)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except WorkbookError as exc:
        return _fail(exc)
    except BrokenPipeError:
        # The reader of a pipe stopped early (``| head``): nothing more to say, and no traceback at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        print(f"无法写入或读取文件：{exc.filename or ''}（{exc.strerror}）", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
