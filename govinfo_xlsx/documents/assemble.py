"""Turn paragraphs and table grids into a :class:`~govinfo_xlsx.reader.FilledWorkbook`, by label.

Every table, row and column is found from the format's labels, never by its
position in the document: a row is matched by its innermost label (exactly,
by prefix, or fuzzily with a warning), a column by its header path.  The
document's own totals are kept as published (``cached``) so the validator
compares them with the sums of their parts; the inputs are kept as printed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..findings import ERROR, WARNING, Finding
from ..format import Block, ReportFormat, Row, Table
from ..numbers import fmt_number
from ..reader import FilledWorkbook, normalise_number
from .labels import Match, best_match, norm
from .model import Extracted, Grid, Paragraph, Slot

__all__ = ["DocumentWorkbook", "assemble"]

#: What documents print for "nothing": read as 0, with a warning.
_NOTHING = {"/", "／", "—", "——", "-", "－", "–", "无", "零", "\\", "、"}
_BLANK = re.compile(r"^[\s\u3000\u00a0]*$")
_PAGE_NO = re.compile(r"^[\s\-－—–~·]*(第\s*)?\d{1,3}(\s*页)?(\s*/\s*共?\s*\d{1,3}\s*页?)?[\s\-－—–~·]*$")
#: A number followed by its column's own unit (never another unit: 元 in a 万元 column is an error).
_UNITS = {"money": re.compile(r"(.+?)(万元|万)"), "count": re.compile(r"(.+?)(件|个|项|条|次)")}
_SOURCE_NAMES = {"docx": "Word", "pdf": "PDF", "html": "网页", "text": "文本"}


@dataclass
class DocumentWorkbook(FilledWorkbook):
    """A :class:`FilledWorkbook` read from a published report (Word, PDF, web page, text).

    ``pages`` gives the PDF page of every cell code found (empty for other
    kinds); ``source_kind`` is ``docx``, ``pdf``, ``html`` or ``text``.
    """

    source_kind: str = ""
    pages: dict[str, int] = field(default_factory=dict)

    #: How a published total that differs from its parts is described (read by the validator).
    total_note = "（报告中印出的总计与各项之和不符，已按各项之和计算，请更正报告。）"

    def where(self, code: str) -> str:
        """"第 3 页" for a code found on a PDF page, else ''."""
        page = self.pages.get(code)
        return f"第 {page} 页" if page else ""


def _is_blank(text: str) -> bool:
    return bool(_BLANK.match(text or ""))


def _value_like(text: str) -> bool:
    t = unicodedata.normalize("NFKC", text or "").strip().replace("\u3000", "")
    if not t or t in _NOTHING:
        return True
    t = t.replace(",", "").replace(" ", "")
    return bool(re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)(万元|元|件|个|项|条|次)?", t))


@dataclass
class _Ctx:
    fmt: ReportFormat
    findings: list[Finding] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    cached: dict[str, Any] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)
    pages: dict[str, int] = field(default_factory=dict)
    found_rows: set[tuple[str, str]] = field(default_factory=set)
    subtotals: list[tuple[str, tuple[str, ...], str, dict[str, Any], int | None]] = field(default_factory=list)
    unknown: list[Finding] = field(default_factory=list)  # rows of the grid being read that match nothing

    def where(self, page: int | None) -> str:
        return f"（第 {page} 页）" if page else ""


# --------------------------------------------------------------------------
# Values.


def _read_value(ctx: _Ctx, code: str, text: str, page: int | None) -> None:
    fmt = ctx.fmt
    cell = fmt.cells[code]
    table = fmt.table(cell.table)
    where = table.title + "".join(f"「{x}」" for x in (cell.row_label, cell.col_label) if x)
    lines = [ln.strip().strip("\u3000\u00a0") for ln in (text or "").split("\n") if ln.strip()]
    # A number too wide for its cell wraps ("234" above "5"): its lines are one number.
    wrapped = len(lines) > 1 and all(re.fullmatch(r"[0-9０-９.,，．]+", ln) for ln in lines)
    raw = ("" if wrapped else " ").join(lines)
    target = ctx.cached if cell.role == "derived" else ctx.values
    if code in target and code not in ctx.invalid:
        ctx.findings.append(Finding("document-duplicate", WARNING,
                                    f"{where}在报告中出现了两次{ctx.where(page)}，采用第一次的数字 {fmt_number(target[code])}。",
                                    (cell.ref,), codes=(code,)))
        return
    if page:
        ctx.pages[code] = page
    if not raw:
        target[code] = None
        return
    if raw in _NOTHING:
        target[code] = Decimal(0) if cell.kind == "money" else 0
        ctx.findings.append(Finding("document-nothing", WARNING,
                                    f"{where}印为“{raw}”{ctx.where(page)}，已按 0 读取。", (cell.ref,),
                                    actual=raw, expected=0, codes=(code,)))
        return
    compact = raw.replace(" ", "")
    unit = _UNITS.get(cell.kind)
    notes_unit = []
    if unit is not None:
        m = unit.fullmatch(compact)
        if m:  # "96171.6万元" in the 万元 column, "5件" in a count column: the column's own unit only
            compact = m.group(1)
            notes_unit.append(f"带单位“{m.group(2)}”")
    num, note = normalise_number(compact, cell.kind)
    if num is None:
        target[code] = None
        if cell.role != "derived":
            ctx.invalid.add(code)
        ctx.findings.append(Finding("not-a-number", ERROR,
                                    f"{where}{ctx.where(page)}应为数字，报告中印的是“{raw}”，无法读取。", (cell.ref,),
                                    actual=raw, codes=(code,)))
        return
    target[code] = num
    notes = notes_unit + [n for n in (note or "").split("、") if n and n not in ("文本格式的数字", "首尾空格")]
    if raw.replace(" ", "") != raw:
        notes.insert(0, "数字中间有空格")
    if notes:
        ctx.findings.append(Finding("normalised-number", WARNING,
                                    f"{where}{ctx.where(page)}印为“{raw}”（{'、'.join(notes)}），已按 {fmt_number(num)} 读取。",
                                    (cell.ref,), actual=raw, expected=num, codes=(code,)))


# --------------------------------------------------------------------------
# Tables.


@dataclass
class _Header:
    """Column paths of the current header, by grid column (or in order for ragged grids)."""

    table: Table
    paths: dict[int, tuple[str, ...]]
    ordered: list[tuple[str, ...]]  # ragged: the column leaves in reading order


@functools.lru_cache(maxsize=8)
def _column_labels(fmt: ReportFormat) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in fmt.tables:
        s = out.setdefault(t.code, set())
        for b in t.blocks:
            for c in b.columns:
                s.update(norm(x) for x in c.path)
            if b.corner:
                s.add(norm(b.corner))
    return out


@functools.lru_cache(maxsize=64)
def _row_candidates(table: Table) -> tuple[tuple[object, str], ...]:
    """Each row's own label and the other spellings the format accepts for it (``aliases``)."""
    return tuple(((b_i, r.code), label) for b_i, b in enumerate(table.blocks) for r in b.rows if r.path
                 for label in (r.path[-1], *r.aliases))


@functools.lru_cache(maxsize=64)
def _group_candidates(table: Table) -> tuple[tuple[object, str], ...]:
    seen: dict[str, None] = {}
    for _, r in table.iter_rows():
        for g in r.path[:-1]:
            seen.setdefault(g, None)
    return tuple((g, g) for g in seen)


def _header_table(fmt: ReportFormat, texts: list[str], colsets: dict[str, set[str]],
                  prefer: Table | None = None) -> Table | None:
    """The table whose column labels these header texts are (None when they are not a header).

    On a tie ("总计" heads columns of 表三 and 表四) the table of the header being read wins.
    """
    best, score = None, 0
    for t in ([prefer] if prefer else []) + [t for t in fmt.tables if t is not prefer]:
        n = sum(1 for x in texts if norm(x) in colsets[t.code])
        if n > score:
            best, score = t, n
    return best if score >= 1 else None


@functools.lru_cache(maxsize=4096)
def _match_column(block: Block, path: tuple[str, ...]) -> Any:
    """The block's column whose label path this header path is: the leaf must match, ancestors decide."""
    if not path:
        return None
    leaf = path[-1]
    npath = [norm(p) for p in path]
    best, best_score, tie = None, -1.0, False
    for col in block.columns:
        m = best_match(leaf, tuple((col.code, x) for x in (col.path[-1], *col.aliases)), fuzzy=False)
        if m is None:
            continue
        score = sum(1 for anc in col.path[:-1] if norm(anc) in npath)
        if score > best_score:
            best, best_score, tie = col, score, False
        elif score == best_score:
            tie = True
    return None if tie else best


def _row_label_parts(row: list[Slot], r: int, value_cols: set[int]) -> list[str]:
    """The distinct label texts of a grid row, outer to inner (continuations included)."""
    out: list[str] = []
    seen: set[tuple[int, int]] = set()
    for c, s in enumerate(row):
        if c in value_cols or s.origin in seen:
            continue
        seen.add(s.origin)
        if not _is_blank(s.text) and not _value_like(s.text):
            out.append(s.text)
    return out


def _assemble_tables(ctx: _Ctx, grids: list[Grid]) -> set[str]:
    fmt = ctx.fmt
    colsets = _column_labels(fmt)
    header: _Header | None = None
    pending: list[tuple[list[Slot], int]] = []  # header rows being collected
    pending_table: Table | None = None
    current: Table | None = None
    tables_found: set[str] = set()
    order_warned: set[str] = set()
    carry: list[str] = []

    def flush_header() -> None:
        nonlocal header, pending, pending_table, current
        if not pending or pending_table is None:
            pending, pending_table = [], None
            return
        paths: dict[int, tuple[str, ...]] = {}
        width = max(len(r) for r, _ in pending)
        for j in range(width):
            p: list[str] = []
            for r, _ in pending:
                if j < len(r):
                    t = r[j].text
                    if not _is_blank(t) and (not p or norm(p[-1]) != norm(t)):
                        p.append(t)
            paths[j] = tuple(p)
        ordered = [tuple([s.text]) for r, _ in pending for s in r if not _is_blank(s.text)]
        if header is not None and header.table is pending_table and len(header.paths) == width:
            # The header itself broke across a page: its first rows are on the page before.
            # A column the rows here do not name keeps the name it had there.
            def names(path: tuple[str, ...]) -> bool:
                return any(_match_column(b, path) is not None for b in pending_table.blocks)

            paths = {j: (path if names(path) or not names(header.paths[j]) else header.paths[j])
                     for j, path in paths.items()}
        header = _Header(pending_table, paths, ordered)
        current = pending_table
        pending, pending_table = [], None

    for grid in grids:
        rows_before = len(ctx.found_rows)
        ctx.unknown = []
        for r, row in enumerate(grid.rows):
            page = grid.pages[r] if r < len(grid.pages) else None
            origins = {s.origin for s in row}
            texts = [s.text for c, s in enumerate(row) if s.origin == (r, c) or grid.ragged]
            nonblank = [t for t in texts if not _is_blank(t)]
            if not nonblank:
                if pending:
                    flush_header()
                if header is not None and len(origins) > 1:
                    # A blank row under a header whose table has an unlabelled row (表四 left empty).
                    _blank_row(ctx, header, row, r, page, tables_found)
                continue
            if len(origins) == 1 or (len(nonblank) == 1 and not _value_like(nonblank[0])
                                     and (grid.ragged or not _matches_row(fmt, None, nonblank[0]))
                                     and not _header_table(fmt, nonblank, colsets)):
                if pending and (grid.ragged or len(origins) > 1) and _section_heading(fmt, nonblank[0], -1) is None \
                        and not _matches_row(fmt, None, nonblank[0]):
                    pending.append((row, page))  # one word of a header split over lines ("总计")
                    continue
                if pending:
                    flush_header()
                if _PAGE_NO.match(nonblank[0]):
                    continue
                if len(nonblank) == 1 and grid.ragged and not _value_like(nonblank[0]) \
                        and _section_heading(fmt, nonblank[0], -1) is None:
                    carry.append(nonblank[0])  # a wrapped label: its rest (or its numbers) follow
                else:
                    carry.clear()
                continue
            has_values = any(_value_like(t) and not _is_blank(t) for t in nonblank)
            ht = _header_table(fmt, nonblank, colsets, pending_table)
            if pending and not has_values and not any(_matches_row(fmt, pending_table, t) for t in nonblank):
                pending.append((row, page))  # a header continues until the first row of data
                continue
            if ht is not None and not has_values and not _matches_row(fmt, ht, _last_label(nonblank)):
                if not pending:
                    pending_table = ht
                pending.append((row, page))
                continue
            if pending:
                flush_header()
            keep = _data_row(ctx, grid, r, row, page, header, current, tables_found, order_warned, carry)
            carry.clear()
            carry.extend(keep)
            if tables_found and current is None:
                current = fmt.table(sorted(tables_found)[-1])
        # Rows that match nothing count only in a grid that is one of the report's tables
        # (some row of it matched): another table in the document is not the report's.
        if len(ctx.found_rows) > rows_before:
            ctx.findings.extend(ctx.unknown)
        ctx.unknown = []
    return tables_found


def _blank_row(ctx: _Ctx, header: _Header, row: list[Slot], r: int, page: int | None,
               tables_found: set[str]) -> None:
    t = header.table
    unlabelled = [(b, rw) for b, rw in t.iter_rows() if not rw.path]
    if not unlabelled or (t.code, unlabelled[0][1].code) in ctx.found_rows:
        return
    block, row_def = unlabelled[0]
    pairs = []
    seen: set[tuple[int, int]] = set()
    for j, s in enumerate(row):
        if s.origin in seen or s.origin[0] != r:
            continue
        seen.add(s.origin)
        col = _match_column(block, header.paths.get(j, ()))
        if col is not None:
            pairs.append((col, s))
    if len(pairs) == len(block.columns):
        ctx.found_rows.add((t.code, row_def.code))
        tables_found.add(t.code)
        for col, s in pairs:
            _read_value(ctx, f"{t.code}.{row_def.code}.{col.code}", s.text, page)


def _last_label(texts: list[str]) -> str:
    labels = [t for t in texts if not _value_like(t)]
    return labels[-1] if labels else ""


def _matches_row(fmt: ReportFormat, table: Table | None, text: str) -> bool:
    tables = [table] if table is not None else list(fmt.tables)
    for t in tables:
        if best_match(text, _row_candidates(t)) or best_match(text, _group_candidates(t)):
            return True
    return False


def _find_row(fmt: ReportFormat, current: Table | None, labels: list[str]) -> tuple[Table, Block, Row, Match] | None:
    tables = [current] + [t for t in fmt.tables if t is not current] if current else list(fmt.tables)
    leaf = labels[-1]
    for t in tables:
        m = best_match(leaf, _row_candidates(t))
        if m is None:
            # Group and item in one cell: "三、本年度办理结果（一）予以公开", "（三）不予公开1.属于国家秘密".
            n, stripped = norm(leaf), True
            while m is None and stripped:
                stripped = False
                for g, _ in _group_candidates(t):
                    ng = norm(str(g))
                    if n.startswith(ng) and len(n) > len(ng):
                        n, stripped = n[len(ng):], True
                        m = best_match(n, _row_candidates(t))
                        break
        if m is not None:
            b_i, code = m.key  # type: ignore[misc]
            block = t.blocks[b_i]
            return t, block, next(x for x in block.rows if x.code == code), m
    return None


def _data_row(ctx: _Ctx, grid: Grid, r: int, row: list[Slot], page: int | None, header: _Header | None,
              current: Table | None, tables_found: set[str], order_warned: set[str], carry: list[str]) -> list[str]:
    """Read one row of a table; return the label text to keep for the next row (copied text only)."""
    fmt = ctx.fmt
    # Which positions hold values: the header's value columns (by label), or for
    # ragged rows the value-like cells at the end.
    value_cols: set[int] = set()
    if header is not None and not grid.ragged:
        for j, path in header.paths.items():
            if path and any(_match_column(b, path) is not None for b in header.table.blocks):
                value_cols.add(j)
    # Numbers at the end of the row are values even where the header names no column
    # (a header broken across pages): they must be placed or reported, never dropped.
    k = len(row)
    while k > 0 and _value_like(row[k - 1].text):
        k -= 1
    if grid.ragged or not value_cols:
        value_cols = set(range(k, len(row)))
    else:
        value_cols |= {j for j in range(k, len(row)) if j >= min(value_cols) - 1 and not _is_blank(row[j].text)}
    labels = _row_label_parts(row, r, value_cols)
    value_slots: list[tuple[int, Slot]] = []
    seen: set[tuple[int, int]] = set()
    for j in sorted(value_cols):
        if j >= len(row):
            continue
        s = row[j]
        if s.origin in seen or s.origin[0] != r:
            continue
        seen.add(s.origin)
        value_slots.append((j, s))
    table = header.table if header is not None else current
    if grid.ragged and labels and not value_slots:
        return carry + labels  # labels without numbers: the numbers (or the label's rest) follow
    own = _find_row(fmt, table, labels) if labels else None
    if grid.ragged and labels and (own is None or own[3].fuzzy) and " " in labels[-1].strip():
        # Single spaces between cells: "三、本年度办理结果 （一）予以公开" is a group and a row label.
        tokens = labels[-1].split()
        for k in range(1, len(tokens)):
            found_k = _find_row(fmt, table, ["".join(tokens[k:])])
            if found_k is not None and not found_k[3].fuzzy:
                labels = labels[:-1] + [" ".join(tokens[:k]), "".join(tokens[k:])]
                own = found_k
                break
    if carry and (own is None or own[3].fuzzy):
        # Copied text: the label wrapped onto the lines before (or the numbers onto
        # a line of their own).  The lines kept may also hold the previous row's
        # tail or a piece of a group label: the longest run of them that, joined
        # with this row's text, is a label of the format is the label.
        n = len(carry)
        windows = [(i, j) for i in range(n) for j in range(n, i, -1)]
        for fuzzy in (False, True):  # a label read exactly wins over a mistyped-looking join
            hit = next((w for w in windows if (f := _find_row(fmt, table, ["".join(carry[w[0]:w[1]])
                                                                       + "".join(labels[-1:])]))
                        and f[3].fuzzy == fuzzy), None)
            if hit is not None:
                labels = labels[:-1] + ["".join(carry[hit[0]:hit[1]]) + "".join(labels[-1:])]
                break
    if not labels:
        # A row without a label: the table whose only row has no label (表四), in a grid
        # as wide as that table's header (another table's numbers are not its).
        cands = [t for t in ([table] if table else fmt.tables) if any(not rw.path for _, rw in t.iter_rows())]
        if not cands and grid.ragged:
            # Copied text whose header was not recognised: as many numbers as 表四 has columns.
            cands = [t for t in fmt.tables for b, rw in t.iter_rows()
                     if not rw.path and len(b.columns) == len(value_slots)
                     and (t.code, rw.code) not in ctx.found_rows]
        if not cands or not value_slots or (header is not None and not grid.ragged
                                             and len(row) != len(header.paths)):
            return []
        t = cands[0]
        block, row_def = next((b, rw) for b, rw in t.iter_rows() if not rw.path)
        _assign(ctx, t, block, row_def, value_slots, header, grid.ragged, page, order_warned)
        tables_found.add(t.code)
        return []
    found = _find_row(fmt, table, labels)
    if found is None:
        for t in ([table] if table else []) + [x for x in fmt.tables if x is not table]:
            g = best_match(labels[-1], _group_candidates(t))
            if g is not None:
                _group_row(ctx, t, g.label, value_slots, header, grid.ragged, page, order_warned)
                tables_found.add(t.code)
                return []
        # Text copied cell by cell: the numbers of 表四's unlabelled row follow the last header word.
        n_vals = sum(1 for _, s in value_slots if not _is_blank(s.text))
        for t in ([table] if table else []) + [x for x in fmt.tables if x is not table]:
            free = [(b, rw) for b, rw in t.iter_rows() if not rw.path and (t.code, rw.code) not in ctx.found_rows]
            if free and grid.ragged and _header_table(fmt, [labels[-1]], _column_labels(fmt), t) is t \
                    and n_vals == len(free[0][0].columns) == len(value_slots):
                _assign(ctx, t, free[0][0], free[0][1], value_slots, None, True, page, order_warned)
                tables_found.add(t.code)
                return []
        if any(not _is_blank(s.text) for _, s in value_slots) and table is not None:
            ctx.unknown.append(Finding("document-unknown-row", ERROR,
                                        f"{table.title}中有一行“{labels[-1].strip()}”{ctx.where(page)}不是格式中的项目，"
                                        "其数字未读取；请核对表格是否按年度报告格式填写。", ()))
        return []
    t, block, row_def, m = found
    if m.fuzzy:
        ctx.findings.append(Finding("document-label", WARNING,
                                    f"{t.title}的行“{labels[-1].strip()}”{ctx.where(page)}与格式中的“{row_def.path[-1]}”"
                                    "不完全一致，已按该项目读取，请核对。",
                                    tuple(fmt.cells[f"{t.code}.{row_def.code}.{c.code}"].ref for c in block.columns[:1]),
                                    actual=labels[-1].strip(), expected=row_def.path[-1]))
    tables_found.add(t.code)
    _assign(ctx, t, block, row_def, value_slots, header if header is not None and header.table is t else None,
            grid.ragged, page, order_warned)
    return []


def _columns_for(ctx: _Ctx, t: Table, block: Block, value_slots: list[tuple[int, Slot]], header: _Header | None,
                 ragged: bool, page: int | None, order_warned: set[str], what: str) -> list[tuple[Any, Slot]] | None:
    """Pair each value with its column, by the header's labels; None (and an error) when impossible."""
    vals = [s for _, s in value_slots]
    if header is not None and not ragged:
        pairs = []
        for j, s in value_slots:
            col = _match_column(block, header.paths.get(j, ()))
            if col is not None:
                pairs.append((col, s))
        named = {c.code for c, _ in pairs}
        if pairs and len(named) == len(pairs) and (
                len(named) == len(block.columns)
                or all(_is_blank(s.text) for j, s in value_slots if _match_column(block, header.paths.get(j, ())) is None)):
            return pairs
        if pairs and len(vals) != len(block.columns):
            ctx.findings.append(Finding("document-columns", ERROR,
                                        f"{t.title}「{what}」{ctx.where(page)}有数字所在的列在表头中找不到对应的项目，"
                                        "该行未读取；请核对表头。", ()))
            return None
        # A table continued on the next page has its own column bands: the
        # header's columns, in the header's left-to-right order, still name them.
        named: list[Any] = []
        for j in sorted(header.paths):
            col = _match_column(block, header.paths[j])
            if col is not None and col not in named:
                named.append(col)
        if len(named) == len(vals) == len(block.columns):
            return list(zip(named, vals, strict=True))
    n = len(block.columns)
    if header is not None and not ragged and len(vals) == n:
        # The header names only some columns: the format's order must agree with every name it gives.
        ordered = list(zip(block.columns, value_slots, strict=True))
        if any((c := _match_column(block, header.paths.get(j, ()))) is not None and c is not col
               for col, (j, _) in ordered):
            ctx.findings.append(Finding("document-columns", ERROR,
                                        f"{t.title}「{what}」{ctx.where(page)}的表头与格式的列顺序不一致，该行未读取；请核对表头。",
                                        ()))
            return None
        _warn_order(ctx, t, page, order_warned)
        return [(col, s) for col, (_, s) in ordered]
    if ragged and len(vals) == n:
        if header is None or not _header_confirms(header, block):
            _warn_order(ctx, t, page, order_warned)
        return list(zip(block.columns, vals, strict=True))
    if not ragged and len(vals) == n:
        _warn_order(ctx, t, page, order_warned)
        return list(zip(block.columns, vals, strict=True))
    ctx.findings.append(Finding("document-columns", ERROR,
                                f"{t.title}「{what}」{ctx.where(page)}有 {len(vals)} 个数字，格式中该行有 {n} 列，"
                                "无法确定各数字所属的列，未读取；请核对表格。", ()))
    return None


def _header_confirms(header: _Header, block: Block) -> bool:
    leaves = [norm(p[-1]) for p in header.ordered]
    want = [norm(c.path[-1]) for c in block.columns]
    have = list(leaves)
    for w in want:
        if w not in have:
            return False
        have.remove(w)
    return True


def _warn_order(ctx: _Ctx, t: Table, page: int | None, order_warned: set[str]) -> None:
    if t.code in order_warned:
        return
    order_warned.add(t.code)
    ctx.findings.append(Finding("document-column-order", WARNING,
                                f"{t.title}的表头未能逐列识别{ctx.where(page)}，已按格式规定的列顺序读取数字，请核对。", ()))


def _assign(ctx: _Ctx, t: Table, block: Block, row_def: Row, value_slots: list[tuple[int, Slot]],
            header: _Header | None, ragged: bool, page: int | None, order_warned: set[str]) -> None:
    label = row_def.path[-1] if row_def.path else t.title
    pairs = _columns_for(ctx, t, block, value_slots, header, ragged, page, order_warned, label)
    ctx.found_rows.add((t.code, row_def.code))
    if pairs is None:
        for col in block.columns:
            code = f"{t.code}.{row_def.code}.{col.code}"
            if ctx.fmt.cells[code].role == "input":
                ctx.invalid.add(code)
                ctx.values[code] = None
        return
    for col, s in pairs:
        _read_value(ctx, f"{t.code}.{row_def.code}.{col.code}", s.text, page)


def _group_row(ctx: _Ctx, t: Table, group: str, value_slots: list[tuple[int, Slot]], header: _Header | None,
               ragged: bool, page: int | None, order_warned: set[str]) -> None:
    """A row printed for a group (（三）不予公开 …): a subtotal to check, or a group printed as one row."""
    items = [(b, rw) for b, rw in t.iter_rows() if group in rw.path[:-1] and not rw.sum_of]
    if not items or not any(not _is_blank(s.text) for _, s in value_slots):
        return
    block = items[0][0]
    pairs = _columns_for(ctx, t, block, value_slots, header, ragged, page, order_warned, group)
    if pairs is None:
        return
    printed: dict[str, Any] = {}
    tmp = _Ctx(ctx.fmt)
    for col, s in pairs:
        code = f"{t.code}.{items[-1][1].code}.{col.code}"
        _read_value(tmp, code, s.text, page)
        printed[col.code] = tmp.values.get(code, tmp.cached.get(code))
    ctx.subtotals.append((t.code, tuple(rw.code for _, rw in items), group, printed, page))


def _resolve_groups(ctx: _Ctx) -> None:
    """Group rows: a group printed as one row fills its items; a printed subtotal is compared with them."""
    fmt = ctx.fmt
    for tcode, rows, group, printed, page in ctx.subtotals:
        t = fmt.table(tcode)
        if not any((tcode, rc) in ctx.found_rows for rc in rows):
            # The group is printed as a single row (（六）其他处理): its items are not in the document.
            last = rows[-1]
            refs = []
            nonzero = any(v not in (None, 0) for v in printed.values())
            for ccode, v in printed.items():
                for rc in rows:
                    code = f"{tcode}.{rc}.{ccode}"
                    if ctx.fmt.cells[code].role != "input":
                        continue
                    ctx.values[code] = v if rc == last else (0 if v is not None else None)
                    if page:
                        ctx.pages[code] = page
                    refs.append(fmt.cells[code].ref)
                ctx.found_rows.update((tcode, rc) for rc in rows)
            names = "、".join(f"“{fmt.cells[f'{tcode}.{rc}.{next(iter(printed))}'].row_label}”" for rc in rows)
            if nonzero:
                msg = (f"{t.title}「{group}」只印了一行{ctx.where(page)}，没有分列各子项：已将该行数字计入"
                       f"“{fmt.cells[f'{tcode}.{last}.{next(iter(printed))}'].row_label}”，其余子项按 0 计，请核对。")
            else:
                msg = f"{t.title}「{group}」只印了一行{ctx.where(page)}，各列均为 0，已按其子项{names}均为 0 读取。"
            ctx.findings.append(Finding("document-group-row", WARNING, msg, tuple(refs[:1]), codes=tuple(
                f"{tcode}.{rc}.{c}" for rc in rows for c in printed)))
            continue
        dr = fmt.derived_relation
        for ccode, v in printed.items():
            parts = [ctx.values.get(f"{tcode}.{rc}.{ccode}", ctx.cached.get(f"{tcode}.{rc}.{ccode}")) for rc in rows]
            if v is None or any(p is None for p in parts) or fmt.cells[f"{tcode}.{rows[0]}.{ccode}"].role != "input":
                continue
            total = sum(parts, 0)
            if total != v:
                cell = fmt.cells[f"{tcode}.{rows[0]}.{ccode}"]
                ctx.findings.append(Finding(dr.id, ERROR, dr.message.format(
                    table=t.title, row=group, column=cell.col_label, left=fmt_number(v), right=fmt_number(total))
                    + ctx.where(page), (cell.ref,), expected=total, actual=v, codes=tuple(
                        f"{tcode}.{rc}.{ccode}" for rc in rows)))


def _missing(ctx: _Ctx, tables_found: set[str]) -> None:
    fmt = ctx.fmt
    for t in fmt.tables:
        if t.code not in tables_found:
            ctx.findings.append(Finding("document-table-missing", ERROR,
                                        f"报告中没有找到{t.title}（按表头和项目名称查找），该表的数字未读取。", ()))
            continue
        for b, rw in t.iter_rows():
            if (t.code, rw.code) in ctx.found_rows or rw.sum_of:
                continue
            label = rw.path[-1] if rw.path else t.title
            first = fmt.cells[f"{t.code}.{rw.code}.{b.columns[0].code}"]
            ctx.findings.append(Finding("document-row-missing", ERROR,
                                        f"{t.title}中没有找到「{label}」这一行，该行的数字未读取。", (first.ref,),
                                        codes=tuple(f"{t.code}.{rw.code}.{c.code}" for c in b.columns)))


# --------------------------------------------------------------------------
# Prose and cover.


_TITLE_MARK = re.compile(r"^\(([一二三四五六七八九十]+)\)")


def _section_heading(fmt: ReportFormat, text: str, after: int) -> int | None:
    """Index of the section this paragraph is the heading of (only sections after ``after``)."""
    t = norm(text)
    for i, sec in enumerate(fmt.sections):
        if i <= after:
            continue
        head = norm(f"{sec.number}、{sec.title}")
        if t == head or (t.startswith(head) and len(t) <= len(head) + 12):
            return i
        if t.startswith(f"{sec.number}、") and len(t) <= len(head) + 12:
            m = best_match(t, [(i, head)], cutoff=0.6)
            if m is not None:
                return i
        # Word's automatic numbering keeps "一、" out of the text: the title alone, as a line of its own.
        title = norm(sec.title)
        if t == title or (t.startswith(title) and len(t) <= len(title) + 2):
            return i
    return None


def _part_heading(parts: tuple[Any, ...], text: str, after: int) -> tuple[int, str] | None:
    """(part index, the text after the heading) when this paragraph opens a numbered part."""
    t = unicodedata.normalize("NFKC", text).strip()
    m = _TITLE_MARK.match(t.replace(" ", ""))
    if not m:
        # Word's automatic numbering keeps "（一）" out of the text: a short heading line
        # naming the next part ("主动公开情况", "政府信息公开监督保障情况").
        short = norm(text)
        if len(short) > 24 or re.search(r"[,。;，；]", short):
            return None
        for i, p in enumerate(parts):
            stem = _TITLE_MARK.sub("", norm(p.label))
            if i > after and stem and stem in short:
                return i, ""
        return None
    for i, p in enumerate(parts):
        if i <= after:
            continue
        pm = _TITLE_MARK.match(norm(p.label))
        if pm and pm.group(1) == m.group(1):
            rest = text.strip()
            k = rest.find("）") if "）" in rest[:4] else rest.find(")")
            rest = rest[k + 1:].strip() if k >= 0 else rest
            # A short title sentence ("主动公开情况。") is the heading, not content.
            cut = re.match(r"^([^。：:；;，,]{1,24})[。：:；;]\s*", rest)
            if cut and not re.search(r"\d", cut.group(1)):
                rest = rest[cut.end():]
            elif len(rest) <= 24 and not re.search(r"[，。；]", rest):
                rest = ""
            return i, rest.strip()
    return None


def _join_lines(lines: list[Paragraph]) -> str:
    """Lines of running text into paragraphs: a new paragraph at an indented line."""
    paras: list[str] = []
    for ln in lines:
        text = ln.text.strip()
        if not text:
            continue
        if ln.indent or not paras:
            paras.append(text)
        else:
            sep = " " if paras[-1][-1:].isascii() and text[:1].isascii() and paras[-1][-1:].isalnum() else ""
            paras[-1] += sep + text
    return "\n".join(paras)


_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "001123456789")


def _digit_years(text: str) -> str:
    """"二〇二四年" as "2024年" (some titles write the year in Chinese numerals)."""
    return re.sub(r"([〇零○一二三四五六七八九]{4})(?=年)", lambda m: m.group(1).translate(_CN_DIGITS), text)


def _title_regex(fmt: ReportFormat) -> re.Pattern[str]:
    parts = re.split(r"(\{org\}|\{year\})", fmt.report_title)
    rx = ""
    for p in parts:
        if p == "{org}":
            rx += r"(?P<org>.{0,60}?)"
        elif p == "{year}":
            rx += r"(?P<year>\d{4})"
        else:
            rx += r"\s*".join(re.escape(ch) for ch in p if not ch.isspace())
    rx = rx.replace(re.escape("年"), "年度?", 1)
    return re.compile(rx)


#: Lines above a title that are never part of the organisation's name: metadata ("索引号：…"), dates,
#: document numbers, page numbers (any digit), navigation and a site's own name in a page header.
_NOT_ORG = re.compile(r"[0-9０-９:：,，.。;；!！?？|/\\>＞»›<《》【】\[\]〔〕{}@#＃\-－—_=+~·•]|首页|网站|门户|网页|位置"
                      r"|专栏|目录|索引|发布|来源|日期|时间|文号|字号|浏览|打印|关闭|分享|信息公开|报告|www|http",
                      re.IGNORECASE)
#: Marks of a breadcrumb or a browser's print header on the title's own line ("当前位置：首页>…>某区2024年…").
_HEADER_MARK = re.compile(r"[0-9０-９:：,，。;；|/\\>＞»›]|首页|位置")
#: A title takes at most this many lines.
_TITLE_LINES = 3


def _title(fmt: ReportFormat, preamble: list[Paragraph]) -> tuple[str, int | None, list[Paragraph]]:
    """(organisation, year, the lines after the title) from the lines before the first section.

    The title is "{org}{year}年政府信息公开工作年度报告" over up to three lines:
    a long organisation name wraps or is set on lines of its own above the
    year ("XX市XX区" / "XX街道办事处" / "2024年…报告").  The title's end is the
    first line where the title's fixed wording is complete; lines above it
    join the name only while they read as part of a name (no digits,
    punctuation, metadata or navigation words) and the title stays within
    three lines.  No title found: ('', None, every line).
    """
    rx = _title_regex(fmt)
    texts = [_digit_years(re.sub(r"\s+", "", p.text)) for p in preamble[:10]]
    found: tuple[str, int, int] | None = None
    for end in range(1, len(texts) + 1):
        for n in range(1, _TITLE_LINES + 1):
            start = end - n
            if start < 0:
                break
            m = rx.search("".join(texts[start:end]))
            if m is None:
                continue
            org = m.group("org")
            # A browser's print header or a breadcrumb before the title ("当前位置：首页>…>某区2024年…"):
            # the name is what follows the last such mark; the real title, when it follows, wins.
            marks = list(_HEADER_MARK.finditer(org))
            if marks:
                if found is None:
                    found = (org[marks[-1].end():], int(m.group("year")), end)
                break
            while start > 0 and end - start < _TITLE_LINES and _continues_name(texts[start - 1], org):
                start -= 1
                org = texts[start] + org
            return org, int(m.group("year")), preamble[end:]
    if found is not None:
        return found[0], found[1], preamble[found[2]:]
    return "", None, list(preamble)


def _continues_name(line: str, below: str) -> bool:
    """Whether ``line`` (the line above a title's first line) is the start of the name ``below`` continues."""
    if not 2 <= len(line) <= 40 or _NOT_ORG.search(line):
        return False
    # The same name again (a running header "某区人民政府" above "某区人民政府2024年…") or a second name
    # starting like the first ("某市人民政府" above "某市商务局") is a header, not the name's first half.
    return not (below and below.startswith(line[:2]))


def _assemble_prose(ctx: _Ctx, paras: list[Paragraph]) -> tuple[dict[str, str], str, int | None]:
    fmt = ctx.fmt
    buckets: dict[str, list[Paragraph]] = {code: [] for code in fmt.prose_cells}
    preamble: list[Paragraph] = []
    sec_i = -1
    part_i = -1
    current_code: str | None = None
    for p in paras:
        if _PAGE_NO.match(p.text) or _is_blank(p.text) or norm(p.text) in ("(文字描述)",):
            continue
        h = _section_heading(fmt, p.text, sec_i)
        if h is not None:
            sec_i, part_i = h, -1
            sec = fmt.sections[h]
            current_code = sec.parts[0].code if sec.kind == "prose" and sec.parts else None
            continue
        if sec_i < 0:
            preamble.append(p)
            continue
        sec = fmt.sections[sec_i]
        if sec.kind != "prose":
            continue
        ph = _part_heading(sec.parts, p.text, part_i) if len(sec.parts) > 1 else None
        if ph is not None:
            part_i, rest = ph
            current_code = sec.parts[part_i].code
            if rest:
                buckets[current_code].append(Paragraph(rest, p.page, True))
            continue
        if current_code is not None:
            buckets[current_code].append(p)
    prose = {code: _join_lines(lines) for code, lines in buckets.items()}
    org, year, rest = _title(fmt, preamble)
    opening = _join_lines(rest)
    if opening:
        intro = next(iter(fmt.prose_cells))
        prose[intro] = (opening + ("\n" + prose[intro] if prose[intro] else "")).strip()
    return prose, org, year


# --------------------------------------------------------------------------


def assemble(ex: Extracted, fmt: ReportFormat, path: str, *, org: str | None = None,
             year: int | None = None) -> DocumentWorkbook:
    """Build the workbook data of a report from what a reader extracted."""
    ctx = _Ctx(fmt)
    grids = [it for it in ex.items if isinstance(it, Grid)]
    tables_found = _assemble_tables(ctx, grids)
    _resolve_groups(ctx)
    if not tables_found:
        from ..errors import WorkbookError

        raise WorkbookError("not-a-report",
                            "没有找到年度报告格式的表格（" + "、".join(t.title for t in fmt.tables)
                            + "）。请确认这是按《政府信息公开工作年度报告格式》编写的报告；"
                            "如果是扫描件或图片，需要先进行文字识别（OCR）。", path)
    _missing(ctx, tables_found)
    # Paragraphs in reading order: those outside tables and the full-width rows inside them.
    paras: list[Paragraph] = []
    for it in ex.items:
        if isinstance(it, Paragraph):
            paras.append(it)
        else:
            paras.extend(_grid_paragraphs(it, fmt))
    prose, title_org, title_year = _assemble_prose(ctx, paras)
    cover: dict[str, Any] = {code: "" for code in fmt.cover_cells}
    cover["cover.org"] = org if org is not None else title_org
    cover["cover.year"] = year if year is not None else title_year
    if year is not None and title_year is not None and year != title_year:
        ctx.findings.append(Finding("year-mismatch", WARNING,
                                    f"报告标题中的年度为 {title_year}，已按指定的 {year} 年度读取。",
                                    (fmt.cover_cells["cover.year"].ref,), expected=year, actual=title_year))
    cover["cover.note"] = f"由 {_SOURCE_NAMES.get(ex.kind, ex.kind)} 文件导入"
    values = {code: ctx.values.get(code) for code in fmt.input_codes}
    cached = {code: v for code, v in ctx.cached.items() if code in fmt.cells}
    meta = {"format_id": fmt.format_id, "format_version": fmt.version, "source": "document",
            "source_kind": ex.kind}
    return DocumentWorkbook(path=str(path), format=fmt, meta=meta, cover=cover, prose=prose, values=values,
                            invalid=frozenset(ctx.invalid), cached=cached,
                            overwritten=frozenset(c for c, v in cached.items() if v is not None),
                            findings=ctx.findings, source_kind=ex.kind, pages=dict(ctx.pages))


def _grid_paragraphs(grid: Grid, fmt: ReportFormat) -> list[Paragraph]:
    """Rows of a grid that are running text (one cell across the row), e.g. WPS's boxed lines."""
    out = []
    for r, row in enumerate(grid.rows):
        origins = {s.origin for s in row}
        texts = [s.text for c, s in enumerate(row) if (s.origin == (r, c) or grid.ragged) and not _is_blank(s.text)]
        if len(texts) == 1 and (len(origins) == 1 or not _value_like(texts[0])) and len(row) >= 1:
            if len(origins) == 1 or _section_heading(fmt, texts[0], -1) is not None:
                out.append(Paragraph(texts[0], grid.pages[r] if r < len(grid.pages) else None, True))
    return out
