"""Chinese messages assembled from parts: joined cleanly, a repeated rule said once.

Findings are located one cell or one column at a time (JSON and annotations
need that), but a clerk reading four copies of the same long 勾稽 sentence,
one per column, or "…之和）。；J6 …" glued from full sentences, reads noise.
These helpers are used wherever messages are shown together (``check``'s
text report, the merge's reasons).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["LOCK_FILE_MESSAGE", "combine_repeated", "is_lock_file", "join_sentences", "summarise_findings"]

#: The one explanation of Excel's and WPS's owner file (``~$名称.xlsx``).
LOCK_FILE_MESSAGE = ("这是 Excel/WPS 打开工作簿时自动生成的临时文件（文件名以“~$”开头，只记录谁正在编辑），"
                     "不是工作簿本身；请关闭 Excel/WPS 后使用不带“~$”的原文件")


def is_lock_file(name: str) -> bool:
    """True for Excel's and WPS's owner files, named ``~$`` + the workbook's name."""
    return name.startswith("~$")


_END = "。；;，,. "


def join_sentences(parts: Iterable[str], sep: str = "；") -> str:
    """Join sentences into one: inner full stops become ``sep``, one full stop at the end.

    >>> join_sentences(["甲列不平衡（见说明）。", "乙列不平衡。"])
    '甲列不平衡（见说明）；乙列不平衡。'
    >>> join_sentences([])
    ''
    """
    items = [p.strip().rstrip(_END) for p in parts if p and p.strip().rstrip(_END)]
    return sep.join(items) + "。" if items else ""


# Slots that may differ between repetitions of one rule: a quoted name or a number
# (not the digits of a cell reference such as J6).
_SLOT = re.compile(r"「[^」]*」|(?<![A-Za-z\d.])-?\d+(?:\.\d+)?(?![\d.])")


def _skeleton(message: str) -> tuple[str, list[str]]:
    return _SLOT.sub("\x00", message), _SLOT.findall(message)


def combine_repeated(messages: Sequence[str]) -> list[tuple[str, list[int]]]:
    """Say a rule repeated across columns once: ``[(message, [indexes of the originals]), …]``.

    Messages that differ only in quoted names and numbers are one message
    listing the names and the numbers in order; the rest stay as they are.

    >>> combine_repeated(["表三「自然人」列：左为 41，右为 40，二者应相等。",
    ...                   "表三「总计」列：左为 322，右为 318，二者应相等。", "另一条。"])
    [('表三「自然人」「总计」列：左依次为 41、322，右依次为 40、318，二者应相等。', [0, 1]), ('另一条。', [2])]
    """
    groups: dict[str, list[int]] = {}
    parsed = [_skeleton(m) for m in messages]
    for i, (skel, _) in enumerate(parsed):
        groups.setdefault(skel if "\x00" in skel else f"\x01{i}", []).append(i)
    out = []
    for idx in groups.values():
        if len(idx) == 1:
            out.append((messages[idx[0]], idx))
            continue
        skel = parsed[idx[0]][0]
        slots = [[parsed[i][1][k] for i in idx] for k in range(len(parsed[idx[0]][1]))]
        pieces = skel.split("\x00")
        text = pieces[0]
        for k, values in enumerate(slots):
            if len(set(values)) == 1:
                text += values[0]
            elif values[0].startswith("「"):
                text += "".join(dict.fromkeys(values))
            else:
                # "为 41" → "依次为 41、322": the numbers follow the names' order
                if text.endswith("为 ") and not text.endswith("依次为 "):
                    text = text[:-2] + "依次为 "
                text += "、".join(values)
            text += pieces[k + 1]
        out.append((text, idx))
    return out


def _short_cell(ref: str) -> str:
    return ref.split("!", 1)[-1]


def summarise_findings(findings: Sequence[Any], limit: int = 3) -> str:
    """Findings as one Chinese sentence: cells first, a repeated rule once, at most ``limit`` of them.

    Each item reads ``D6、E6 表三「自然人」「商业企业」列：…``; items are joined
    with "；" and the count follows when some are left out.
    """
    combined = combine_repeated([f.message for f in findings])
    items = []
    for text, idx in combined[:limit]:
        cells = list(dict.fromkeys(_short_cell(findings[i].cells[0]) for i in idx if findings[i].cells))
        items.append((f"{'、'.join(cells)} " if cells else "") + text)
    summary = join_sentences(items)
    if len(combined) > limit:
        summary = summary[:-1] + f"（共 {len(findings)} 处错误）。"
    return summary
