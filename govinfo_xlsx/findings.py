"""One located finding type and the report that collects them.

Shaped after frictionless-py's errors: a stable kebab-case ``rule``, a
severity, a Chinese message, the cells involved as ``工作表!A1`` references,
and for a relation both sides' values.  :class:`CheckReport` turns into JSON
(the CLI's ``--json``) or a pandas DataFrame with a fixed column order.

:data:`RULES` is the one catalogue of rule ids (docs/rules.md lists it too).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CheckReport", "Finding", "ERROR", "WARNING", "FINDING_COLUMNS", "RULES", "STATES"]

ERROR = "error"
WARNING = "warning"

#: Every rule id a finding can carry, with what it means (the one catalogue; docs/rules.md lists it).
#: Ids declared by the format file (its relations, ``derived_relation`` and ``carry_over``) are
#: listed too, so a report can be read without the format at hand.
RULES: dict[str, str] = {
    # reading the file
    "extra-sheet": "工作簿中多出工作表（其内容不读取）",
    "sheet-order": "工作表顺序与模板不同",
    "hidden-sheet": "工作表被隐藏",
    "fingerprint-mismatch": "模板版式指纹与本工具不一致",
    "content-outside-form": "表格区域以外还有内容",
    "merge-split": "合并单元格被拆分",
    "value-outside-input": "数字填在了被拆分的合并单元格中",
    "text-too-long": "文字超过单元格上限",
    "formula-in-input": "填报单元格中输入了公式",
    "error-value": "单元格显示错误值",
    "not-a-number": "数字单元格中填写的不是数字",
    "normalised-number": "文本格式的数字已按数字读取",
    "invalid-year": "报告年度不是有效的四位年度",
    # numbers
    "empty-workbook": "统计表全部未填写（未填写）",
    "blank-input": "数字单元格未填写（按 0 计）",
    "negative-number": "负数",
    "not-integer": "件数不是整数",
    "too-many-decimals": "金额小数位数过多",
    "number-too-large": "数值超出合理范围",
    "stale-total": "文件中保存的总计已过期（已重新计算）",
    "total-sum": "总计不等于各项之和",
    "t3-balance": "表三勾稽关系：一＋二＝（七）总计＋四",
    "carry-over": "本年上年结转与上年结转下年度不一致",
    "previous-year": "作为上年报告提供的文件年度不对",
    # cover and prose
    "empty-cover-field": "封面项目未填写",
    "year-mismatch": "报告年度与要求的年度不符",
    "empty-prose": "文字部分未填写",
    "prose-figure": "正文引用的数字与统计表不一致",
    "prose-total": "正文列举的合计与统计表不一致",
    "prose-denial": "正文称“未发生”但统计表不为 0",
    "prose-year": "正文中的年度与报告年度不一致",
    "pinyin-typo": "疑似拼音输入法选字错误",
    # published reports read from Word, PDF, web pages and text (govinfo_xlsx.documents)
    "document-label": "报告中的项目名称与格式不完全一致（已按最接近的项目读取）",
    "document-nothing": "报告中印为“/”“—”“无”，已按 0 读取",
    "document-group-row": "报告把一组项目印成一行（如（六）其他处理）",
    "document-duplicate": "报告中同一项目出现两次",
    "document-unknown-row": "报告表格中有格式以外的行",
    "document-columns": "报告表格一行的数字个数与格式的列数不符",
    "document-column-order": "报告的表头未能逐列识别，按格式的列顺序读取",
    "document-table-missing": "报告中没有找到某张统计表",
    "document-row-missing": "报告表格中缺少某一行",
    "document-differs": "单位的 Word/PDF 报告与其工作簿的数字不一致",
    "prose-duplicate": "正文中疑似重复输入的字词",
    "prose-date": "正文中的日期写法有误（缺少“年”“月”、月日不存在）",
    "prose-measure-word": "正文中的数字后缺少量词",
    "prose-brackets": "正文中的书名号、引号或括号不配对",
    "prose-dropped": "正文中的固定用语疑似漏字",
    "prose-fee-missing": "“其他需要报告的事项”未说明信息处理费的收取情况",
}

#: The fill states of a workbook (:attr:`govinfo_xlsx.numbers.Evaluation.state`) in the format's words.
STATES: dict[str, str] = {"empty": "未填写", "partial": "部分未填写", "complete": "已填写"}

#: Column order of :meth:`CheckReport.to_frame`.
FINDING_COLUMNS = ["file", "org", "year", "severity", "rule", "sheet", "cells", "message", "expected", "actual",
                   "codes"]


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@dataclass(frozen=True)
class Finding:
    """One problem, located to the cells a clerk must look at."""

    rule: str
    severity: str
    message: str
    cells: tuple[str, ...] = ()
    expected: Any = None
    actual: Any = None
    codes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def sheet(self) -> str:
        """The sheet of the first cell involved ('' when none)."""
        return self.cells[0].split("!", 1)[0] if self.cells else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "cells": list(self.cells),
            "expected": _plain(self.expected),
            "actual": _plain(self.actual),
        }


@dataclass
class CheckReport:
    """The result of checking one workbook: never raised, always returned."""

    file: str
    org: str = ""
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)
    #: ``"empty"`` (未填写), ``"partial"`` (部分未填写) or ``"complete"``; None when unknown.
    state: str | None = None

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error."""
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity warning."""
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not block)."""
        return not self.errors

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings."""
        self.findings.extend(findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "org": self.org,
            "year": self.year,
            "ok": self.ok,
            "state": self.state,
            "issues": [f.to_dict() for f in self.findings],
        }

    def to_json(self, **kw: Any) -> str:
        """The report as JSON text (the CLI's ``check --json``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    def to_frame(self) -> pd.DataFrame:
        """Findings as a DataFrame with the fixed columns :data:`FINDING_COLUMNS`."""
        import pandas as pd  # the DataFrame API only; checking needs no pandas

        rows = []
        for f in self.findings:
            d = asdict(f)
            d.update(file=self.file, org=self.org, year=self.year, sheet=f.sheet,
                     cells=" ".join(f.cells), codes=" ".join(f.codes),
                     expected=_plain(f.expected), actual=_plain(f.actual))
            rows.append(d)
        return pd.DataFrame(rows, columns=FINDING_COLUMNS)
