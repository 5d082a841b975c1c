"""Rosters of the units expected to report, as offices keep them, and matching names to them.

A roster is a .csv (UTF-8 with or without BOM, GBK/GB18030, any line ends)
or the first sheet of an .xlsx, as a city office keeps it: title rows above
the header ("2024年度政务公开年报报送名单"), a 序号 column, extra columns
(联系人, 电话).  The header row and the name column are found by their labels;
without a recognisable header the name column is the one holding the most
names (not numbers).  Names are compared after NFKC and without whitespace;
near-misses get the closest roster name as a suggestion, never a silent match.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["RosterEntry", "RosterError", "closest", "match_file", "norm_name", "read_roster_entries"]

#: Header labels of the name column, the contact and the phone column (compared normalised).
NAME_LABELS = ("机关名称", "单位名称", "单位", "名称", "机关", "部门名称", "部门", "报送单位", "填报单位", "单位全称",
               "应报单位", "机构名称")
CONTACT_LABELS = ("联系人", "填报人", "经办人", "负责人", "姓名")
PHONE_LABELS = ("联系电话", "电话", "手机", "联系方式", "电话号码", "手机号码")
NUMBER_LABELS = ("序号", "编号", "No", "No.", "#")

_HEADER_SCAN = 30  # rows searched for the header


class RosterError(ValueError):
    """The roster cannot be read (Chinese message)."""


@dataclass(frozen=True)
class RosterEntry:
    """One expected unit: its name, and contact and phone when the roster has them."""

    name: str
    contact: str = ""
    phone: str = ""


def norm_name(name: str) -> str:
    """A name as compared: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", str(name)).split())


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _rows_csv(p: Path) -> list[list[str]]:
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly everything
        raise RosterError(f"名单文件 {p.name} 的编码无法识别，请另存为 UTF-8 CSV")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)]


def _rows_xlsx(p: Path) -> list[list[str]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:
        raise RosterError(f"无法读取名单文件 {p.name}（{type(exc).__name__}），请确认是 .xlsx 文件") from exc
    try:
        ws = wb.worksheets[0]
        rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(max_col=30, values_only=True)]
    finally:
        wb.close()
    return rows


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"\d+[.、]?", text))


def _find_col(header: list[str], labels: tuple[str, ...]) -> int | None:
    normed = [norm_name(h) for h in header]
    for label in labels:  # most specific label first
        if label in normed:
            return normed.index(label)
    for j, h in enumerate(normed):
        if any(h.startswith(label) or h.endswith(label) for label in labels[:3]) and not _is_number(h):
            return j
    return None


def read_roster_entries(path: str | os.PathLike[str]) -> list[RosterEntry]:
    """The expected units of a roster file, in its order, without duplicates.

    Raises :class:`RosterError` (a ``ValueError``) with a Chinese message when
    the file cannot be read or holds no names.
    """
    p = Path(path)
    if not p.exists():
        raise RosterError(f"找不到名单文件：{p}")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        rows = _rows_csv(p)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(p)
    else:
        raise RosterError(f"名单文件应为 .csv 或 .xlsx：{p.name}（.xls、.et 请先另存为 .xlsx）")
    rows = [r for r in rows if any(c for c in r)]
    header_at, name_col = None, None
    for i, row in enumerate(rows[:_HEADER_SCAN]):
        col = _find_col(row, NAME_LABELS)
        if col is not None:
            header_at, name_col = i, col
            break
    contact_col = phone_col = None
    if header_at is not None:
        header = rows[header_at]
        contact_col = _find_col(header, CONTACT_LABELS)
        phone_col = _find_col(header, PHONE_LABELS)
        body = rows[header_at + 1:]
    else:
        # No header: the column holding the most names (text that is not a number) is the name column;
        # a title row (one filled cell above a table of several) is dropped.
        width = max((len(r) for r in rows), default=0)
        score = [sum(1 for r in rows if j < len(r) and r[j] and not _is_number(r[j])) for j in range(width)]
        if not score or max(score) == 0:
            raise RosterError(f"名单文件 {p.name} 中没有找到单位名称")
        name_col = score.index(max(score))
        body = rows
        filled = [sum(1 for c in r if c) for r in rows]
        typical = sorted(filled)[len(filled) // 2] if filled else 1
        while body and typical > 1 and sum(1 for c in body[0] if c) == 1:
            body = body[1:]
    assert name_col is not None
    out: list[RosterEntry] = []
    seen: set[str] = set()

    def get(r: list[str], j: int | None) -> str:
        return r[j] if j is not None and j < len(r) else ""

    for r in body:
        name = get(r, name_col)
        key = norm_name(name)
        if not key or _is_number(key) or key in (norm_name(x) for x in NAME_LABELS):
            continue
        if re.search(r"(合计|总计|小计|共计)$", key) or (len(key) > 4 and re.search(r"(名单|名册|清单)$", key)):
            continue
        if key in seen:
            continue
        seen.add(key)
        out.append(RosterEntry(name.strip(), get(r, contact_col), get(r, phone_col)))
    if not out:
        raise RosterError(f"名单文件 {p.name} 中没有找到单位名称（表头应有“机关名称”或“单位名称”一列）")
    return out


_NOISE = re.compile(r"(\d{4}年?度?|政府信息公开|工作|年度|年报|报告|填报|模板|汇总|终稿|定稿|最终版?|修改版?|修订|副本|"
                    r"copy|final|v\d+|\(\d+\)|（\d+）|[-_—–.、()（）\[\]【】\s])", re.IGNORECASE)


def _core(text: str) -> str:
    return _NOISE.sub("", norm_name(text))


#: Words every unit's name shares (and their abbreviations): a near-miss is judged on the rest,
#: the place and the office (牧野区政府办 is 牧野区人民政府办公室, not 红旗区人民政府办公室).
_GENERIC = re.compile(r"人民政府|政府|办公室|办公厅|管理委员会|管委会|委员会|人民|办|局|委")


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def name_similarity(a: str, b: str) -> float:
    """How likely two unit names mean the same unit, 0–1: the distinctive part counts most.

    >>> name_similarity("牧野区政府办", "牧野区人民政府办公室") >= 0.9
    True
    >>> name_similarity("牧野区人民政府办公室", "红旗区人民政府办公室") < 0.5
    True
    """
    ka, kb = norm_name(a), norm_name(b)
    if not ka or not kb:
        return 0.0
    da, db = _GENERIC.sub("", ka), _GENERIC.sub("", kb)
    whole = difflib.SequenceMatcher(None, ka, kb).ratio()
    core = difflib.SequenceMatcher(None, da, db).ratio() if da and db else whole
    score = 0.7 * core + 0.3 * whole
    short, long = sorted((ka, kb), key=len)
    if da and da == db:
        score = max(score, 0.9)
    elif _is_subsequence(short, long) and len(short) >= 3:
        score = max(score, 0.8)
    return score


def closest(name: str, candidates: list[str], cutoff: float = 0.5) -> str | None:
    """The candidate closest to ``name`` (for "可能是…" hints), or None when nothing is close.

    >>> closest("牧野区人民政府办公室", ["红旗区人民政府办公室", "牧野区政府办", "获嘉县人民政府办公室"])
    '牧野区政府办'
    """
    if not norm_name(name) or not candidates:
        return None
    best, best_score = None, cutoff
    for c in candidates:
        score = name_similarity(name, c)
        if score > best_score:
            best, best_score = c, score
    return best


def match_file(filename: str, names: list[str]) -> str | None:
    """The roster name a file is about, judged by its file name (for files whose cover cannot be read).

    The name whose text appears in the file name (or the file name's core in
    the name) wins, the longest first; otherwise the closest name above a high cutoff.
    """
    stem = Path(filename).stem.removeprefix("~$")
    core = _core(stem)
    if len(core) < 2:
        return None
    inside = [n for n in names if len(norm_name(n)) >= 2 and norm_name(n) in norm_name(stem)]
    if inside:
        return max(inside, key=lambda n: len(norm_name(n)))
    around = [n for n in names if core in norm_name(n)]
    if len(around) == 1:
        return around[0]
    if around:
        return None  # 红旗区 could be any of several 红旗区 units: not guessed
    # The longest run of characters the file name shares with a name (获嘉县2024年报 → 获嘉县…), when unique.
    shared = []
    for n in names:
        key = norm_name(n)
        m = difflib.SequenceMatcher(None, core, key, autojunk=False).find_longest_match(0, len(core), 0, len(key))
        shared.append((m.size, n))
    shared.sort(reverse=True)
    if shared and shared[0][0] >= 3 and (len(shared) == 1 or shared[1][0] < shared[0][0]):
        return shared[0][1]
    return None
