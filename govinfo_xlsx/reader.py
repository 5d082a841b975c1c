"""Read a filled workbook back into data, through the format definition.

:func:`read_workbook` identifies the template (metadata sheet, format
version), checks that the layout is intact (sheets, label cells, defined
names), and reads every input cell, normalising what clerks really type
(numbers stored as text, full-width digits, thousands separators, spaces,
``12.0``) with a located warning for each, and a located error for anything
that is not a number.  It never trusts a cached formula result: derived cells
are recomputed by the validator, and the cached values are kept only to be
compared.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
import os
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

from . import settings
from .errors import WorkbookError
from .findings import ERROR, WARNING, Finding
from .format import Cell, ReportFormat, a1, available_formats, cell_ref, col_letter, defined_name, quote_sheet
from .xlsxfile import RawCell, XlsxPackage, open_package, parse_ref

if TYPE_CHECKING:
    import pandas as pd

    from .numbers import Evaluation

__all__ = ["FilledWorkbook", "read_workbook", "normalise_number"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACES = re.compile(r"\s+")


@dataclass
class FilledWorkbook:
    """A filled workbook as data.  Numbers are exact: counts ``int``, money ``Decimal``.

    ``values`` holds every numeric input by code: a number, ``None`` when
    blank; codes in ``invalid`` held something that is not a number (an error
    finding says what).  ``cached`` holds the cached result found in the file
    for each derived cell (``None`` when the file has none) and
    ``overwritten`` the derived cells whose formula was replaced by a typed
    value.
    """

    path: str
    format: ReportFormat
    meta: dict[str, str]
    cover: dict[str, Any]
    prose: dict[str, str]
    values: dict[str, Any]
    invalid: frozenset[str] = frozenset()
    cached: dict[str, Any] = field(default_factory=dict)
    overwritten: frozenset[str] = frozenset()
    findings: list[Finding] = field(default_factory=list)
    #: False when the prose sheets were not read (``read_workbook(..., prose=False)``).
    prose_read: bool = True

    @property
    def org(self) -> str:
        """The cover's 机关名称."""
        return str(self.cover.get("cover.org") or "")

    @property
    def year(self) -> int | None:
        """The cover's 报告年度, when it is a year."""
        y = self.cover.get("cover.year")
        return y if isinstance(y, int) else None

    @property
    def is_rollup(self) -> bool:
        """True for a roll-up written by ``merge`` (marked in the metadata sheet, or with its 汇总明细 sheet)."""
        return bool(self.meta.get("rollup"))

    @property
    def rollup_members(self) -> tuple[str, ...]:
        """The 机关名称 of the units a roll-up sums (empty for a unit's own workbook, or when not recorded)."""
        try:
            names = json.loads(self.meta.get("rollup_members") or "[]")
        except ValueError:
            return ()
        return tuple(str(n) for n in names) if isinstance(names, list) else ()

    @functools.cached_property
    def evaluation(self) -> Evaluation:
        """The workbook's numbers evaluated by :mod:`govinfo_xlsx.numbers` (computed once)."""
        from .numbers import evaluate

        return evaluate(self.format, self.values, self.invalid, max_factor=self.max_factor)

    @property
    def max_factor(self) -> int | None:
        """How many times a kind's ``max`` a cell may hold: 1 for a unit, the number of units for a
        roll-up (its cells are sums), no bound for a roll-up whose units are not recorded."""
        if not self.is_rollup:
            return 1
        return len(self.rollup_members) or None

    def numbers(self) -> dict[str, Any]:
        """Every numeric cell: inputs (blank as 0) and recomputed totals.

        An unreadable input is ``None`` (unknown), and so is every total that
        depends on it: never a silent 0 (see :mod:`govinfo_xlsx.numbers`).
        """
        return self.evaluation.numbers()

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table as a labelled DataFrame, by table code (``t2``, ``t3``, ``t4``)."""
        numbers = self.numbers()
        return {t.code: table_frame(self.format, t.code, numbers) for t in self.format.tables}

    def table(self, code: str) -> pd.DataFrame:
        """Table ``t2``/``t3``/``t4`` as a DataFrame indexed by the format's labels.

        Rows and columns are MultiIndexes of the label paths (padded with
        ``""``), so ``df.loc[("一、本年新收政府信息公开申请数量", "", ""), ("总计", "", "")]``
        reads exactly as the printed table does.  Totals are recomputed; an
        unreadable cell and the totals that depend on it are ``None``.
        """
        return table_frame(self.format, code, self.numbers())


def _pad(path: tuple[str, ...], depth: int) -> tuple[str, ...]:
    return tuple(path) + ("",) * (depth - len(path))


def table_frame(fmt: ReportFormat, code: str, numbers: dict[str, Any]) -> pd.DataFrame:
    """Build the labelled DataFrame of one table from a code -> number mapping."""
    import pandas as pd  # only for the DataFrame API: check, report and merge do not need it

    table = fmt.table(code)
    col_paths = table.column_paths
    cdepth = max(len(p) for p in col_paths)
    rdepth = max(table.label_depth, 1)
    index, data = [], []
    for block, row in table.iter_rows():
        index.append(_pad(row.path or (table.title,), rdepth))
        by_path = {c.path: numbers.get(f"{table.code}.{row.code}.{c.code}") for c in block.columns}
        data.append([by_path.get(p) for p in col_paths])
    return pd.DataFrame(
        data,
        index=pd.MultiIndex.from_tuples(index),
        columns=pd.MultiIndex.from_tuples([_pad(p, cdepth) for p in col_paths]),
        dtype=object,
    )


# --------------------------------------------------------------------------
# Normalising what clerks type.


def normalise_number(value: Any, kind: str) -> tuple[Any, str | None]:
    """Turn a stored cell value into a number, as Excel and WPS show it.

    Returns ``(number, note)``: ``note`` is ``None`` when the value was a
    proper number, a short Chinese description of the repair when text was
    normalised, and the number is ``None`` when the value is not a number.

    A stored number is read as the application displays it, to 15
    significant digits: Excel keeps 17 (``78.459999999999994``) and keeps
    pasted computed results as they are (``37.00000000000001``); users see
    ``78.46`` and ``37``.  Then the format's rules apply: a count (or year)
    that is a whole number is that ``int``; anything else is an exact
    ``Decimal`` (the validator reports a count that is not whole and money
    with more decimals than allowed).  No float arithmetic follows.

    >>> normalise_number("１２", "count")
    (12, '全角数字')
    >>> normalise_number(" 1,234 ", "count")
    (1234, '千位分隔符、首尾空格')
    >>> normalise_number("无", "count")
    (None, None)
    >>> normalise_number(0.1, "money")
    (Decimal('0.1'), None)
    >>> normalise_number(78.459999999999994, "money"), normalise_number(37.00000000000001, "count")
    ((Decimal('78.46'), None), (37, None))
    """
    if isinstance(value, bool):
        return None, None
    if value.__class__ is float:
        if value.is_integer() and -1e15 < value < 1e15:  # the common case: shown as the whole number it is
            return (int(value), None) if kind in ("count", "year") else (Decimal(int(value)), None)
        if not math.isfinite(value):
            return None, None
        return _exact(Decimal(f"{value:.15g}"), kind), None
    if isinstance(value, int):
        return _exact(Decimal(value), kind), None
    if isinstance(value, Decimal):
        return (_exact(_displayed(value), kind), None) if value.is_finite() else (None, None)
    if not isinstance(value, str):
        return None, None
    notes = []
    text = value
    nfkc = unicodedata.normalize("NFKC", text)
    if nfkc != text:
        if any("\uff10" <= ch <= "\uff19" for ch in text):
            notes.append("全角数字")
        elif any(ch in text for ch in "，．－＋"):
            notes.append("全角符号")
        text = nfkc
    stripped = text.strip()
    if stripped != text:
        notes.append("首尾空格")
        text = stripped
    if _THOUSANDS.match(text):
        notes.insert(0, "千位分隔符")
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None, None
    try:
        d = _displayed(Decimal(text))
    except InvalidOperation:
        return None, None
    if not notes:
        notes.append("文本格式的数字")
    elif "." in text and kind == "count" and d == d.to_integral_value():
        notes.append("带小数点的整数")
    return _exact(d, kind), "、".join(notes)


_DISPLAY = Context(prec=15, rounding=ROUND_HALF_EVEN)
_ONE = Decimal(1)


def _displayed(d: Decimal) -> Decimal:
    """``d`` to Excel's 15 significant digits (what a cell shows once the text becomes a number)."""
    return d if len(d.as_tuple().digits) <= 15 else _DISPLAY.plus(d)


def _exact(d: Decimal, kind: str) -> Any:
    if kind in ("count", "year") and d == d.to_integral_value():
        return int(d)
    if d == 0:
        return Decimal(0)
    d = d.normalize()
    return d.quantize(_ONE) if d.as_tuple().exponent > 0 else d  # 50, not 5E+1


def _plain(value: float) -> str:
    """A stored number as a cell shows it in text (15 significant digits, no exponent, no ``.0``)."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.15g}"
    return format(Decimal(text), "f") if "e" in text else text


@functools.lru_cache(maxsize=4096)
def _label_forms(lab: Any) -> frozenset[str]:
    """The normalised texts a label cell may carry: its label and older wordings (aliases)."""
    return frozenset(_norm_label(t) for t in (lab.text, *lab.aliases))


@functools.lru_cache(maxsize=4096)
def _norm_label_str(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def _norm_label(text: Any) -> str:
    return _norm_label_str(str(text or ""))


def _text_value(raw: RawCell | None) -> str:
    """A cell as text (for cover and prose): numbers without ``.0``."""
    if raw is None or raw.value is None:
        return ""
    v = raw.value
    if isinstance(v, float):
        return _plain(v)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return str(v)


# --------------------------------------------------------------------------
# Identification and integrity.


def _meta_sheet_names() -> set[str]:
    return {f.sheet_names["meta"] for f in available_formats().values()}


def _identify(pkg: XlsxPackage) -> tuple[ReportFormat, dict[str, str]]:
    names = [s[0] for s in pkg.sheets]
    meta_name = next((n for n in names if n in _meta_sheet_names()), None)
    if meta_name is None:
        raise WorkbookError(
            "not-a-template",
            "不是本工具生成的填报模板（找不到模板元数据）。请用 govinfo-xlsx template 生成的模板填写，"
            f"不要新建工作簿或复制粘贴到其他文件。文件中的工作表：{'、'.join(names) or '（无）'}",
            pkg.path,
        )
    sd = pkg.read_sheet(meta_name, 50, 1)
    meta = {}
    for (r, c), cell in sd.cells.items():
        if c == 0 and isinstance(cell.value, str):
            meta[cell.value] = _text_value(sd.cells.get((r, 1)))
    fid, version = meta.get("format_id", ""), meta.get("format_version", "")
    formats = available_formats()
    if (fid, version) not in formats:
        known = {v for (f, v) in formats if f == fid}
        if known:
            raise WorkbookError(
                "unsupported-version",
                f"模板格式版本“{version or '未知'}”不受本工具支持（支持的版本：{'、'.join(sorted(known))}），"
                "请使用新版模板重新填写",
                pkg.path,
            )
        raise WorkbookError("other-template", f"不是政府信息公开工作年度报告的模板（模板标识“{fid or '未知'}”）",
                            pkg.path)
    return formats[(fid, version)], meta


def _check_sheets(pkg: XlsxPackage, fmt: ReportFormat) -> list[Finding]:
    expected = [s.name for s in fmt.layout.sheets]
    present = [s[0] for s in pkg.sheets]
    missing = [n for n in expected if n not in present]
    if missing:
        extra = [n for n in present if n not in expected]
        hint = f"；文件中多出的工作表：{'、'.join(extra)}" if extra else ""
        raise WorkbookError("sheet-missing",
                            f"模板结构被改动：缺少工作表 {'、'.join(missing)}（可能被重命名或删除）{hint}", pkg.path)
    findings = []
    known_extra = {fmt.rollup.units_sheet, fmt.rollup.sources_sheet, fmt.rollup.status_sheet}
    extra = [n for n in present if n not in expected and n not in known_extra]
    if extra:
        findings.append(Finding("extra-sheet", WARNING, f"工作簿中多出工作表 {'、'.join(extra)}，其内容不会被读取。"))
    order = [n for n in present if n in expected]
    if order != expected:
        findings.append(Finding("sheet-order", WARNING, "工作表的顺序与模板不同（不影响读取）。"))
    meta_name = fmt.sheet_names["meta"]
    for name, _, state in pkg.sheets:
        if name in expected and name != meta_name and state != "visible":
            findings.append(Finding("hidden-sheet", WARNING, f"工作表“{name}”被隐藏，请取消隐藏后核对其内容。",
                                    (f"{name}!A1",)))
    return findings


@functools.lru_cache(maxsize=8)
def _expected_names(fmt: ReportFormat) -> dict[str, tuple[Cell, set[str]]]:
    out = {}
    for cell in fmt.cells.values():
        col = col_letter(cell.col)
        forms = {f"{quote_sheet(cell.sheet)}!${col}${cell.row + 1}", f"{cell.sheet}!${col}${cell.row + 1}",
                 f"{cell.sheet}!{cell.address}", f"{quote_sheet(cell.sheet)}!{cell.address}"}
        out[defined_name(cell.code)] = (cell, forms)
    return out


@functools.lru_cache(maxsize=8)
def _written_names(fmt: ReportFormat) -> dict[str, str]:
    """Every defined name's target exactly as the template writes it (``'表'!$B$5``)."""
    return {name: f"{quote_sheet(cell.sheet)}!${col_letter(cell.col)}${cell.row + 1}"
            for name, (cell, _) in _expected_names(fmt).items()}


def _check_names(pkg: XlsxPackage, fmt: ReportFormat) -> list[str]:
    """Defined names that no longer point where the template put them."""
    names = pkg.defined_names
    if _written_names(fmt).items() <= names.items():
        return []  # every name as the template wrote it
    problems = []
    for name, (cell, forms) in _expected_names(fmt).items():
        target = names.get(name)
        if target is None:
            continue  # names may be lost by some applications; labels are checked too
        got = target.lstrip("=").strip()
        if got not in forms:
            problems.append(f"{cell.label} 应在 {cell.ref}，现在指向 {got}")
    return problems


def read_workbook(path: str | os.PathLike[str], *, prose: bool = True) -> FilledWorkbook:
    """Read a filled workbook of any shipped format version.

    ``prose=False`` skips the prose sheets (一、五、六): a roll-up sums the
    tables only, and reading three sheets fewer per unit counts in a city's
    merge.  Their parts are then empty and their labels are not compared.

    Raises :class:`~govinfo_xlsx.errors.WorkbookError` when the file cannot be
    read as one of this toolkit's templates; bad data inside a good file
    becomes findings, never an exception.

    >>> import tempfile, os
    >>> from govinfo_xlsx.template import write_workbook
    >>> p = os.path.join(tempfile.mkdtemp(), "t.xlsx")
    >>> write_workbook(p, year=2024, org="某县", values={"t3.r01.c1": 3})
    >>> wb = read_workbook(p)
    >>> wb.org, wb.year, wb.values["t3.r01.c1"], wb.numbers()["t3.r01.c7"]
    ('某县', 2024, 3, 3)
    """
    try:
        with open_package(path) as pkg:
            return _read(pkg, prose)
    except WorkbookError:
        raise
    except MemoryError as exc:
        raise WorkbookError("too-large", "文件过大，内存不足以读取", path) from exc
    except RecursionError as exc:
        raise WorkbookError("corrupt-xml", "文件结构异常（嵌套过深）", path) from exc
    except _DAMAGED as exc:  # damage the package reader did not name more precisely
        raise WorkbookError("corrupt-file", f"文件内容已损坏，无法读取（{type(exc).__name__}: {exc}）",
                            path) from exc
    # Anything else (KeyError, TypeError, ...) is a bug of this toolkit, not of
    # the file: it propagates, so that tests and users see it.


#: Exceptions that mean damaged bytes, not a bug of the reader.
_DAMAGED = (zipfile.BadZipFile, zlib.error, expat.ExpatError, UnicodeDecodeError, EOFError)


def _read(pkg: XlsxPackage, with_prose: bool = True) -> FilledWorkbook:
    fmt, meta = _identify(pkg)
    findings = _check_sheets(pkg, fmt)
    if "rollup" not in meta and fmt.rollup.units_sheet in {s[0] for s in pkg.sheets}:
        meta["rollup"] = "legacy"  # a roll-up written before roll-ups were marked: it has their sheet
    layout = fmt.layout
    raw: dict[str, dict[tuple[int, int], RawCell]] = {}
    label_diffs: list[tuple[str, int, int, str]] = []
    skipped = ("meta", "instructions", "checks") if with_prose else ("meta", "instructions", "checks", "prose")
    for sl in layout.sheets:
        if sl.role in skipped:
            continue
        max_row, max_col = _extent(fmt, sl.name)
        sd = pkg.read_sheet(sl.name, max_row, max_col)
        raw[sl.name] = sd.cells
        hinted = False  # one "rows inserted/deleted here" hint per sheet
        for lab in sl.labels:
            if lab.role == "hint":
                continue
            got = sd.cells.get((lab.row, lab.col))
            if got is not None and got.value == lab.text:
                continue
            if _norm_label(got.value if got else "") not in _label_forms(lab):
                hint = "" if hinted else _shift_hint(sd.cells, lab)
                hinted = hinted or bool(hint)
                label_diffs.append((sl.name, lab.row, lab.col,
                                    f"{lab.ref} 应为“{lab.text}”，实际为“{_text_value(got)}”{hint}"))
        if sd.dimension:
            end = sd.dimension.split(":")[-1]
            try:
                dr = parse_ref(end)[0]
            except ValueError:
                dr = 0
            if dr > max_row + 50 or sd.max_row_seen > max_row:
                findings.append(Finding(
                    "content-outside-form", WARNING,
                    f"工作表“{sl.name}”在表格区域以外还有内容（至第 {max(dr, sd.max_row_seen) + 1} 行），这些内容不会被读取。",
                    (cell_ref(sl.name, max_row + 1, 0),)))
        if sd.merges is not None and sl.role == "table":
            expected = _expected_merges(fmt, sl.name)
            split = sorted(expected - {m.upper() for m in sd.merges})
            if split:
                findings.append(Finding("merge-split", WARNING,
                                        f"工作表“{sl.name}”中 {len(split)} 处合并单元格被拆分（{'、'.join(split[:5])}），"
                                        "请核对表格是否仍与模板一致。", tuple(f"{sl.name}!{m.split(':')[0]}"
                                                                             for m in split[:5])))
    if label_diffs:
        order = {s.name: i for i, s in enumerate(layout.sheets)}
        label_diffs.sort(key=lambda d: (order[d[0]], d[1], d[2]))
        more = f"等 {len(label_diffs)} 处" if len(label_diffs) > 5 else ""
        raise WorkbookError("layout-changed",
                            "表格布局与模板不一致（可能插入或删除了行列、改动了项目名称）："
                            + "；".join(d[3] for d in label_diffs[:5]) + more, pkg.path)
    moved = _check_names(pkg, fmt)
    if moved:
        raise WorkbookError("layout-changed",
                            "单元格位置与模板不一致（可能插入或删除了行列）：" + "；".join(moved[:3])
                            + (f"等 {len(moved)} 处" if len(moved) > 3 else ""), pkg.path)
    if meta.get("layout_fingerprint") and meta["layout_fingerprint"] not in fmt.accepted_fingerprints:
        findings.append(Finding("fingerprint-mismatch", WARNING,
                                "模板版式指纹与本工具不一致（模板可能由其他版本的工具生成），已按项目名称核对通过。"))

    cover, prose, values, cached = {}, {}, {}, {}
    invalid, overwritten = set(), set()
    for cell in fmt.cells.values():
        rc = raw.get(cell.sheet, {}).get((cell.row, cell.col))
        if cell.code.startswith("cover."):
            cover[cell.code] = _read_cover(cell, rc, findings, pkg.date1904)
        elif cell.kind == "text":
            prose[cell.code] = _read_text(cell, rc, findings)
        elif cell.role == "derived":
            if rc is not None and not rc.formula and rc.value is not None:
                overwritten.add(cell.code)
            num, _ = normalise_number(rc.value, cell.kind) if rc is not None and rc.type != "e" else (None, None)
            cached[cell.code] = num
        else:
            v, bad = _read_number(cell, rc, findings)
            values[cell.code] = v
            if bad:
                invalid.add(cell.code)
        if cell.colspan > 1:
            for k in range(1, cell.colspan):
                stray = raw.get(cell.sheet, {}).get((cell.row, cell.col + k))
                if stray is not None and stray.value not in (None, ""):
                    findings.append(Finding(
                        "value-outside-input", ERROR,
                        f"「{cell.label}」的数字应填在 {cell.ref}，但 {cell_ref(cell.sheet, cell.row, cell.col + k)} "
                        f"中有内容“{_text_value(stray)}”（合并单元格可能被拆分），请移到 {cell.address}。",
                        (cell_ref(cell.sheet, cell.row, cell.col + k),), codes=(cell.code,)))
    return FilledWorkbook(
        path=str(pkg.path), format=fmt, meta=meta, cover=cover, prose=prose, values=values,
        invalid=frozenset(invalid), cached=cached, overwritten=frozenset(overwritten), findings=findings,
        prose_read=with_prose,
    )


@functools.lru_cache(maxsize=64)
def _extent(fmt: ReportFormat, sheet: str) -> tuple[int, int]:
    """Last row and column of a sheet's form (labels and cells), computed once per format."""
    sl = fmt.layout.sheet(sheet)
    max_row = max([lab.row + lab.rowspan - 1 for lab in sl.labels] + [c.row for c in sl.cells] + [0])
    max_col = max([lab.col + lab.colspan - 1 for lab in sl.labels] + [c.col + c.colspan - 1 for c in sl.cells] + [0])
    return max_row, max_col


def _shift_hint(cells: dict[tuple[int, int], RawCell], lab: Any) -> str:
    """"（似乎在第 N 行之前插入了 k 行）" when the expected label sits k rows lower or higher."""
    want = _norm_label(lab.text)
    for k in range(1, 11):
        for sign, what in ((1, "插入"), (-1, "删除")):
            got = cells.get((lab.row + sign * k, lab.col))
            if got is not None and _norm_label(got.value) == want:
                return f"（该项目出现在第 {lab.row + sign * k + 1} 行：似乎在第 {lab.row + 1} 行附近{what}了 {k} 行）"
    return ""


def _merge_ref(row: int, col: int, rowspan: int, colspan: int) -> str:
    return f"{a1(row, col)}:{a1(row + rowspan - 1, col + colspan - 1)}"


@functools.lru_cache(maxsize=64)
def _expected_merges(fmt: ReportFormat, sheet: str) -> frozenset[str]:
    sl = fmt.layout.sheet(sheet)
    out = {_merge_ref(lab.row, lab.col, lab.rowspan, lab.colspan) for lab in sl.labels
           if lab.rowspan > 1 or lab.colspan > 1}
    out |= {_merge_ref(c.row, c.col, 1, c.colspan) for c in sl.cells if c.colspan > 1}
    return frozenset(out)


def _formula_note(cell: Cell, rc: RawCell, findings: list[Finding], has_value: bool) -> bool:
    """Report a formula typed into an input cell; True when its cached value is usable."""
    if has_value:
        findings.append(Finding("formula-in-input", WARNING,
                                f"{cell.where}（{cell.ref}）中输入的是公式，已采用其计算结果 {_text_value(rc)}；"
                                "请改为直接填写数值。", (cell.ref,), codes=(cell.code,)))
        return True
    findings.append(Finding("formula-in-input", ERROR,
                            f"{cell.where}（{cell.ref}）中输入的是公式且没有计算结果，无法读取；请改为直接填写数值。",
                            (cell.ref,), codes=(cell.code,)))
    return False


def _read_number(cell: Cell, rc: RawCell | None, findings: list[Finding]) -> tuple[Any, bool]:
    if rc is None or rc.value is None or (isinstance(rc.value, str) and not rc.value.strip()):
        if rc is not None and rc.formula:
            _formula_note(cell, rc, findings, False)
            return None, True
        return None, False
    if rc.type == "e":
        findings.append(Finding("error-value", ERROR, f"{cell.where}（{cell.ref}）显示错误值 {rc.value}，请填写数字。",
                                (cell.ref,), actual=rc.value, codes=(cell.code,)))
        return None, True
    if rc.formula and not _formula_note(cell, rc, findings, True):
        return None, True
    num, note = normalise_number(rc.value, cell.kind)
    if num is None:
        hint = "没有发生的请填 0。" if isinstance(rc.value, str) else ""
        findings.append(Finding("not-a-number", ERROR,
                                f"{cell.where}（{cell.ref}）应填写数字，实际为“{_text_value(rc)}”。{hint}",
                                (cell.ref,), actual=_text_value(rc), codes=(cell.code,)))
        return None, True
    if note:
        findings.append(Finding("normalised-number", WARNING,
                                f"{cell.where}（{cell.ref}）填写的是文本“{rc.value}”（{note}），已按数字 {num} 读取；"
                                "请改为直接输入数字。", (cell.ref,), actual=rc.value, expected=num, codes=(cell.code,)))
    return num, False


def _read_text(cell: Cell, rc: RawCell | None, findings: list[Finding]) -> str:
    if rc is None:
        return ""
    if isinstance(rc.value, str) and len(rc.value) > settings.MAX_CELL_CHARS:
        findings.append(Finding("text-too-long", WARNING,
                                f"{cell.where}（{cell.ref}）的文字超过 Excel 单元格上限 {settings.MAX_CELL_CHARS} 字，"
                                f"只读取了前 {settings.MAX_CELL_CHARS} 字。", (cell.ref,), codes=(cell.code,)))
        rc = RawCell(rc.value[: settings.MAX_CELL_CHARS], rc.type, rc.formula)
    if rc.formula:
        _formula_note(cell, rc, findings, rc.value not in (None, ""))
    if rc.type == "e":
        findings.append(Finding("error-value", ERROR, f"{cell.where}（{cell.ref}）显示错误值 {rc.value}。",
                                (cell.ref,), codes=(cell.code,)))
        return ""
    return _text_value(rc)


def _read_cover(cell: Cell, rc: RawCell | None, findings: list[Finding], date1904: bool = False) -> Any:
    if cell.kind == "year":
        if rc is None or rc.value in (None, ""):
            return None
        text = _text_value(rc)
        num, note = normalise_number(re.sub(r"\s*年(度)?\s*$", "", text) if isinstance(rc.value, str) else rc.value,
                                     "year")
        if not isinstance(num, int):
            findings.append(Finding("invalid-year", ERROR, f"「{cell.label}」（{cell.ref}）应为四位数字年度，实际为“{text}”。",
                                    (cell.ref,), actual=text, codes=(cell.code,)))
            return text
        if note or (isinstance(rc.value, str) and text.strip() != str(num)):
            findings.append(Finding("normalised-number", WARNING,
                                    f"「{cell.label}」（{cell.ref}）填写的是文本“{text}”，已按年度 {num} 读取。",
                                    (cell.ref,), actual=text, expected=num, codes=(cell.code,)))
        return num
    if rc is not None and rc.type == "n" and isinstance(rc.value, float) and cell.code == "cover.date":
        return _serial_date(rc.value, date1904)
    if rc is not None and rc.type == "d" and isinstance(rc.value, str):
        return rc.value[:10]
    return _read_text(cell, rc, findings).strip()


def _serial_date(serial: float, date1904: bool = False) -> str:
    """An Excel date serial as ``YYYY-MM-DD`` (1900 or 1904 date system); other numbers as text."""
    if 20000 < serial < 80000:
        epoch = _dt.date(1904, 1, 1) if date1904 else _dt.date(1899, 12, 30)
        return (epoch + _dt.timedelta(days=int(serial))).isoformat()
    return _plain(serial)
