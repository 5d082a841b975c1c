"""The report format as a typed, frozen model, loaded from ``workbook_templates/``.

The JSON file of a format version is the single source of truth: it declares
the sheets, every label, every input and derived cell (each with a stable
code such as ``t3.r01.c1``), every relation, the figures reports quote and
the patterns that tie prose to tables.  This module turns *every* section of
it into frozen, typed objects and checks them when the file is loaded: an
unknown key, a missing key, a value of the wrong type, an unknown cell code,
an unknown figure, a bad regular expression or a wrong number of headers is a
:class:`FormatError` naming the file, the JSON path and the bad value.
:meth:`ReportFormat.to_descriptor` serialises the objects back (not the input),
so a round trip proves nothing was dropped.

It also computes, once, where every cell sits in the workbook
(:class:`Layout`).  The template writer, the reader, the validator, the report
writer and the merger all work from these objects; none of them holds a label
or a cell address of its own, and none reads the JSON.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import string
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "Block",
    "Cell",
    "Column",
    "FormatError",
    "Header",
    "Kind",
    "LabelCell",
    "Layout",
    "Relation",
    "ReportFormat",
    "Row",
    "Table",
    "available_formats",
    "cell_ref",
    "col_letter",
    "defined_name",
    "from_descriptor",
    "load_format",
]


class FormatError(ValueError):
    """The format definition file itself is malformed (a developer error)."""


# --------------------------------------------------------------------------
# Small helpers about spreadsheet addresses.


def col_letter(col: int) -> str:
    """Return the column letters for a zero-based column index (0 -> ``A``)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """Return the A1 address of a zero-based (row, col)."""
    return f"{col_letter(col)}{row + 1}"


def cell_ref(sheet: str, row: int, col: int) -> str:
    """Return the user-facing reference ``工作表!A1`` used in findings."""
    return f"{sheet}!{a1(row, col)}"


def quote_sheet(sheet: str) -> str:
    """Quote a sheet name for use inside a formula."""
    return "'" + sheet.replace("'", "''") + "'"


def defined_name(code: str) -> str:
    """Return the workbook defined name of a cell code (``t3.r01.c1`` -> ``GI_t3_r01_c1``).

    Dots are legal in Excel names, but a name such as ``t3.r01`` starts like a
    cell reference in some applications; a prefix and underscores are safe in
    Excel, WPS and LibreOffice alike.
    """
    return "GI_" + code.replace(".", "_")


# --------------------------------------------------------------------------
# Typed loading.  Each dataclass below mirrors one object of the JSON file:
# its fields are the JSON keys (``json=`` names a key that is not a valid or
# clear attribute name), a field without a default is required, and a field
# marked ``key`` is filled from the key of the mapping that holds the object.


def _f(default: Any = dataclasses.MISSING, *, json: str | None = None, key: bool = False) -> Any:
    meta = {"json": json, "key": key}
    if isinstance(default, tuple | type(None) | str | int | float | bool) or default is dataclasses.MISSING:
        return field(default=default, metadata=meta)
    return field(default_factory=lambda: default, metadata=meta)


def _json_name(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("json") or f.name


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _load(tp: Any, value: Any, path: str, key: str | None = None) -> Any:
    """Build a value of type ``tp`` from parsed JSON, or raise naming ``path``."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _load(args[0], value, path, key)
    if origin is tuple:
        if not isinstance(value, list):
            raise _bad(path, "应为数组 (expected an array)", value)
        inner = typing.get_args(tp)[0]
        return tuple(_load(inner, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (Mapping, dict):
        if not isinstance(value, dict):
            raise _bad(path, "expected an object", value)
        inner = typing.get_args(tp)[1]
        return {k: _load(inner, v, f"{path}.{k}", key=k) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise _bad(path, "expected an object", value)
        hints = _hints(tp)
        fields = [f for f in dataclasses.fields(tp) if f.init]
        known = {_json_name(f) for f in fields if not f.metadata.get("key")}
        unknown = sorted(set(value) - known)
        if unknown:
            raise _bad(f"{path}.{unknown[0]}", "unknown key", value[unknown[0]])
        kwargs = {}
        for f in fields:
            if f.metadata.get("key"):
                kwargs[f.name] = key
                continue
            name = _json_name(f)
            if name not in value:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise _bad(f"{path}.{name}", "missing required key", None)
                continue
            kwargs[f.name] = _load(hints[f.name], value[name], f"{path}.{name}")
        return tp(**kwargs)
    if tp is bool:
        if not isinstance(value, bool):
            raise _bad(path, "expected true or false", value)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(path, "expected an integer", value)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(path, "expected a number", value)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _bad(path, "expected a string", value)
        return value
    raise TypeError(f"unsupported descriptor type {tp!r} at {path}")  # a bug in this module


def _dump(obj: Any) -> Any:
    """The JSON value of a typed object: the inverse of :func:`_load` (defaults are left out)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in dataclasses.fields(obj):
            if not f.init or f.metadata.get("key"):
                continue
            v = getattr(obj, f.name)
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING)
            if v == default:
                continue
            out[_json_name(f)] = _dump(v)
        return out
    if isinstance(obj, tuple):
        return [_dump(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: _dump(v) for k, v in obj.items()}
    return obj


class _PathError(Exception):
    def __init__(self, path: str, problem: str, value: Any) -> None:
        super().__init__(path, problem, value)
        self.path, self.problem, self.value = path, problem, value


def _bad(path: str, problem: str, value: Any) -> _PathError:
    return _PathError(path, problem, value)


# --------------------------------------------------------------------------
# The declared model: one class per object of the descriptor.


@dataclass(frozen=True, kw_only=True)
class Kind:
    """An input kind (count, money, text, year) with its limits and the prompts of its data validation."""

    code: str = _f(key=True)
    label: str
    decimals: int | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    prompt_title: str
    prompt: str
    error_title: str
    error: str


@dataclass(frozen=True, kw_only=True)
class Instructions:
    """The 填报说明 sheet: title, numbered paragraphs and the contact line (``{contact}``)."""

    title: str
    paragraphs: tuple[str, ...]
    contact: str


@dataclass(frozen=True, kw_only=True)
class ChecksSheet:
    """The 校验 sheet: its title, six column headers and the pass/fail marks."""

    title: str
    headers: tuple[str, ...]
    pass_mark: str = _f(json="pass")
    fail_mark: str = _f(json="fail")
    input_rule: str  # the 填写规范 rows: inputs that are text, negative or not whole
    input_where: str  # "{sheet}：…"


@dataclass(frozen=True, kw_only=True)
class CoverField:
    """One field of the cover (机关名称, 报告年度, …)."""

    code: str
    label: str
    kind: str
    max_length: int | None = None
    optional: bool = False
    prompt: str = ""


@dataclass(frozen=True, kw_only=True)
class Cover:
    """The cover sheet: its fields and the wording of its status cells."""

    title: str
    fields: tuple[CoverField, ...]
    status_label: str
    blank_label: str
    status_ok: str
    status_fail: str  # "{n}" relations fail
    status_empty: str  # no number filled in
    status_bad: str  # "{n}" inputs are text, negative or not whole (pasted past validation)
    status_partial: str  # "{n}" inputs blank, counted as 0


@dataclass(frozen=True, kw_only=True)
class ProsePart:
    """One prose part of a section (``s1.p1`` （一）主动公开 …)."""

    code: str
    label: str
    optional: bool = False
    prompt: str = ""


@dataclass(frozen=True, kw_only=True)
class Section:
    """One of the report's six sections: prose (with parts, on its own sheet) or a table."""

    number: str
    title: str
    kind: str
    sheet: str | None = None
    parts: tuple[ProsePart, ...] = ()
    table: str | None = None

    @property
    def heading(self) -> str:
        """The section heading as printed (``一、总体情况``)."""
        return f"{self.number}、{self.title}"


@dataclass(frozen=True, kw_only=True)
class Header:
    """A row or a column of a table block: its code, its label path (outer to inner), its parts if a
    total, and older wordings of its label that workbooks of earlier versions carry."""

    code: str
    path: tuple[str, ...]
    sum_of: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The innermost label."""
        return self.path[-1] if self.path else ""


@dataclass(frozen=True, kw_only=True)
class Column(Header):
    """A column of a table block (a total names its parts in ``sum_of_columns``)."""

    sum_of: tuple[str, ...] = _f((), json="sum_of_columns")


@dataclass(frozen=True, kw_only=True)
class Row(Header):
    """A row of a table block (a total names its parts in ``sum_of_rows``)."""

    sum_of: tuple[str, ...] = _f((), json="sum_of_rows")




@dataclass(frozen=True, kw_only=True)
class Block:
    """One block of a table: an optional caption and corner, its columns and rows."""

    caption: str | None = None
    corner: str | None = None
    kind: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table of the format (表二, 表三, 表四) on its own sheet."""

    code: str
    sheet: str
    title: str
    width: int
    blocks: tuple[Block, ...]

    @property
    def label_depth(self) -> int:
        """How many label columns the table has (the depth of its row paths)."""
        return max((len(r.path) for b in self.blocks for r in b.rows), default=0)

    def iter_rows(self) -> Iterable[tuple[Block, Row]]:
        """Every (block, row) of the table in order."""
        for block in self.blocks:
            for row in block.rows:
                yield block, row

    @property
    def column_paths(self) -> list[tuple[str, ...]]:
        """Distinct column paths in first-seen order (the union over blocks)."""
        seen: dict[tuple[str, ...], None] = {}
        for block in self.blocks:
            for column in block.columns:
                seen.setdefault(column.path, None)
        return list(seen)


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A figure reports quote: the sum of some cells (``received`` = 表三 一、本年新收 总计)."""

    id: str
    label: str = ""
    sum: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Draft:
    """A paragraph generated from figures for a prose part left empty (marked as a draft)."""

    code: str = _f(key=True)
    marker: str
    text: str
    zero_text: str
    zero_when: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Rollup:
    """The roll-up workbook's extra sheets and the statuses of its inputs."""

    units_sheet: str
    sources_sheet: str
    status_sheet: str  # 报送情况: every roster unit and every file
    note: str
    units_headers: tuple[str, ...]
    sources_headers: tuple[str, ...]
    status_headers: tuple[str, ...]
    chase_headers: tuple[str, ...]
    completeness: str  # "{expected} {merged} {excluded}"
    completeness_no_roster: str
    not_included: str  # "{names}"
    outside_roster: str = ""  # "{n} {names}": units merged that the roster does not list
    chart_title: str
    chart_figure: str
    status: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The year-over-year comparison appended to a report: title and four headers."""

    title: str
    headers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ProseFigure:
    """A figure the prose may quote, the cells it must agree with and the patterns that find it."""

    id: str
    label: str
    cells: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ListedTotal:
    """A total quoted over several listed categories (主动公开行政许可、行政处罚信息 154 条)."""

    trigger: str
    pattern: str
    categories: Mapping[str, tuple[str, ...]]
    min_categories: int


@dataclass(frozen=True, kw_only=True)
class Negation:
    """A denial in the prose (未收到申请) that contradicts a non-zero cell."""

    id: str
    pattern: str
    cells: tuple[str, ...]
    label: str


@dataclass(frozen=True, kw_only=True)
class ProseMessages:
    """Message templates of the prose checks."""

    figure: str
    listed_total: str
    negation: str
    year: str
    typo: str
    duplicate: str
    date: str
    measure_word: str
    brackets: str
    dropped: str
    fee_missing: str


@dataclass(frozen=True, kw_only=True)
class ProseFees:
    """Where and how the prose states the 信息处理费 collected (六、其他需要报告的事项)."""

    part: str
    mention: str
    mention_pattern: str
    amount_patterns: tuple[str, ...]
    none_pattern: str
    #: Reports show the stated fee with this table (表三: the applications it was charged on) ...
    shown_with: str | None = None
    #: ... in these words: ``{amount}`` in 元 and ``{part}``, the prose part that states it.
    note: str = ""
    none_note: str = ""


@dataclass(frozen=True, kw_only=True)
class ProseChecks:
    """Patterns that tie the prose to the tables, declared as data."""

    sections: tuple[str, ...]
    figures: tuple[ProseFigure, ...] = ()
    listed_total: ListedTotal | None = None
    negations: tuple[Negation, ...] = ()
    year_pattern: str
    plans_pattern: str = "(?!)"
    fees: ProseFees | None = None
    messages: ProseMessages

    #: The placeholder of a number in the patterns of ``figures`` and ``listed_total``.
    NUM: typing.ClassVar[str] = r"(?P<n>\d[\d,，]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)"

    def compile(self, pattern: str) -> re.Pattern[str]:
        """A declared pattern compiled, with ``{NUM}`` standing for a number."""
        return _compile(pattern.replace("{NUM}", self.NUM))


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True, kw_only=True)
class RelationSpec:
    """A declared relation: ``sum(left rows) == sum(right rows)`` in each column of a table."""

    id: str
    table: str
    each_column: bool
    left: tuple[str, ...]
    right: tuple[str, ...]
    name: str
    message: str


@dataclass(frozen=True, kw_only=True)
class DerivedRelation:
    """The rule "a total equals the sum of its parts", with its message."""

    id: str
    name: str
    message: str


@dataclass(frozen=True, kw_only=True)
class CarryOver:
    """This year's 上年结转 row must equal last year's 结转下年度 row, column by column."""

    id: str
    table: str
    this_year: str
    last_year: str
    message: str


# --------------------------------------------------------------------------
# Cells and labels of the computed layout.


@dataclass(frozen=True)
class Cell:
    """A cell the toolkit reads or writes: an input or a derived (formula) cell."""

    code: str
    sheet: str
    row: int
    col: int
    kind: str  # count | money | text | year
    role: str  # input | derived | status
    label: str  # human description: row and column labels
    table: str | None = None
    row_code: str | None = None
    col_code: str | None = None
    row_label: str = ""
    col_label: str = ""
    sum_of: tuple[str, ...] = ()
    colspan: int = 1
    rowspan: int = 1
    optional: bool = False
    prompt: str = ""

    @property
    def ref(self) -> str:
        """``工作表!A1``, as findings show it."""
        return cell_ref(self.sheet, self.row, self.col)

    @property
    def address(self) -> str:
        """``A1`` on its sheet."""
        return a1(self.row, self.col)

    @property
    def name(self) -> str:
        """The workbook's defined name of this cell."""
        return defined_name(self.code)

    @property
    def where(self) -> str:
        """The cell described in the format's words, for messages: 「行」「列」 or 「标签」."""
        if self.table:
            return "".join(f"「{p}」" for p in (self.row_label, self.col_label) if p)
        return f"「{self.label}」"


@dataclass(frozen=True)
class LabelCell:
    """A fixed text cell (title, header, row label) that must stay as declared.

    ``aliases`` are earlier wordings of the same label that workbooks made by
    earlier versions carry and that still read.
    """

    sheet: str
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    role: str = "label"  # title | caption | corner | header | label | hint
    aliases: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        """``工作表!A1``, as findings show it."""
        return cell_ref(self.sheet, self.row, self.col)


@dataclass(frozen=True)
class Relation:
    """A concrete relation: ``sum(left) == sum(right)``, with its message template."""

    id: str
    name: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    message: str  # template with {left} {right} {column} {row} {table}
    table: str
    row_label: str = ""
    col_label: str = ""
    derived: bool = False


# --------------------------------------------------------------------------
# Layout: where every cell sits.  Computed from the model, never declared twice.


@dataclass(frozen=True)
class SheetLayout:
    """Where every label and cell of one sheet sits, and how the sheet is used (its role)."""

    name: str
    role: str  # instructions | cover | prose | table | checks | meta
    labels: tuple[LabelCell, ...]
    cells: tuple[Cell, ...]
    header_rows: int = 0  # rows to repeat when printing / freeze
    label_cols: int = 0
    n_cols: int = 2
    section: str | None = None  # table code or section number


@dataclass(frozen=True)
class CheckRow:
    """A relation and its row on the 校验 sheet."""

    relation: Relation
    row: int


@dataclass(frozen=True)
class Layout:
    """The computed layout of the whole workbook."""

    sheets: tuple[SheetLayout, ...]
    checks_result_col: int
    checks_first_row: int
    status_cell: Cell
    blank_cell: Cell
    meta_rows: tuple[str, ...]

    def sheet(self, name: str) -> SheetLayout:
        """The layout of the sheet with this name."""
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


#: The sheet roles every format must name in ``sheets``.
SHEET_ROLES = ("instructions", "cover", "checks", "meta")
#: The rows of the hidden metadata sheet, in order.
META_ROWS = ("format_id", "format_version", "format_name", "toolkit_version", "layout_fingerprint")


@dataclass(frozen=True, kw_only=True, eq=False)
class ReportFormat:
    """One version of the report format, loaded from its JSON descriptor (every section typed)."""

    format_id: str
    version: str
    name: str
    basis: str = ""
    first_year: int
    last_year: int
    report_title: str
    kinds: Mapping[str, Kind]
    sheet_names: Mapping[str, str] = _f(json="sheets")
    instructions: Instructions
    table_hint: str
    checks: ChecksSheet
    cover: Cover
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    key_figures: tuple[Figure, ...] = ()
    draft_figures: tuple[Figure, ...] = ()
    drafts: Mapping[str, Draft] = _f({})
    rollup: Rollup
    comparison: Comparison
    prose_checks: ProseChecks | None = None
    relation_specs: tuple[RelationSpec, ...] = _f((), json="relations")
    derived_relation: DerivedRelation
    carry_over: CarryOver | None = None
    #: Fingerprints of earlier releases' templates of this same layout (other guidance wording):
    #: their workbooks read without a fingerprint warning.
    earlier_fingerprints: tuple[str, ...] = ()
    source: str = field(default="", init=False, compare=False)

    # ---- lookups -----------------------------------------------------------

    def table(self, code: str) -> Table:
        """The table with this code (``t2``, ``t3``, ``t4``)."""
        for t in self.tables:
            if t.code == code:
                return t
        raise KeyError(code)

    @functools.cached_property
    def figures(self) -> dict[str, Figure]:
        """Every declared figure (key figures and draft figures) by id."""
        return {f.id: f for f in (*self.key_figures, *self.draft_figures)}

    @functools.cached_property
    def layout(self) -> Layout:
        """The computed layout (positions of every label and cell)."""
        return _build_layout(self)

    @functools.cached_property
    def relations(self) -> tuple[Relation, ...]:
        """Every concrete relation: the declared ones per column, then "total = sum of parts" per derived cell."""
        return _relations(self)

    @functools.cached_property
    def check_rows(self) -> tuple[CheckRow, ...]:
        """One row of the 校验 sheet per relation."""
        first = self.layout.checks_first_row
        return tuple(CheckRow(rel, first + i) for i, rel in enumerate(self.relations))

    @functools.cached_property
    def cells(self) -> dict[str, Cell]:
        """Every input and derived cell by code, in workbook order."""
        return {c.code: c for s in self.layout.sheets for c in s.cells}

    @functools.cached_property
    def number_codes(self) -> tuple[str, ...]:
        """Codes of every numeric table cell (inputs and derived), in order."""
        return tuple(c.code for c in self.cells.values() if c.table and c.kind in ("count", "money"))

    @functools.cached_property
    def input_codes(self) -> tuple[str, ...]:
        """Codes of the numeric input cells, in workbook order."""
        return tuple(c for c in self.number_codes if self.cells[c].role == "input")

    @functools.cached_property
    def derived_codes(self) -> tuple[str, ...]:
        """Derived codes in an order where every cell comes after its parts."""
        pending = {c: self.cells[c].sum_of for c in self.number_codes if self.cells[c].role == "derived"}
        done: list[str] = []
        known = set(self.input_codes)
        while pending:
            ready = [c for c, parts in pending.items() if all(p in known for p in parts)]
            if not ready:
                raise FormatError(f"{self.source}: derived cells form a cycle or sum unknown cells: {sorted(pending)}")
            for c in ready:
                done.append(c)
                known.add(c)
                del pending[c]
        return tuple(done)

    @functools.cached_property
    def cover_cells(self) -> dict[str, Cell]:
        """The cover's cells by code (``cover.org`` …)."""
        return {c.code: c for c in self.cells.values() if c.code.startswith("cover.")}

    @functools.cached_property
    def prose_cells(self) -> dict[str, Cell]:
        """The prose parts' cells by code (``s1.p1`` … ``s6``)."""
        return {c.code: c for c in self.cells.values() if c.kind == "text" and c.table is None
                and not c.code.startswith("cover.")}

    @functools.cached_property
    def scale(self) -> int:
        """The one integer scale of exact arithmetic: 10 ** the most decimals any number kind allows."""
        return 10 ** max((k.decimals or 0) for k in self.kinds.values() if k.code in ("count", "money"))

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the layout: sheet names, labels and cell positions.

        Two workbooks with the same fingerprint have the same cells in the same
        places.  It is stored in the metadata sheet so the reader can tell a
        template of this exact layout from another version.
        """
        return self._fingerprint(older=False)

    @functools.cached_property
    def accepted_fingerprints(self) -> frozenset[str]:
        """This layout's fingerprint, the one under its older label wordings, and earlier releases' ones."""
        return frozenset({self.fingerprint, self._fingerprint(older=True), *self.earlier_fingerprints})

    def _fingerprint(self, older: bool) -> str:
        h = hashlib.sha256()
        h.update(f"{self.format_id}/{self.version}\n".encode())
        for s in self.layout.sheets:
            h.update(f"S|{s.name}\n".encode())
            for lab in s.labels:
                if lab.role == "hint":
                    continue  # guidance text (填报说明, the tables' hint): the reader does not compare it either
                text = lab.aliases[0] if older and lab.aliases else lab.text
                h.update(f"L|{lab.row}|{lab.col}|{text}\n".encode())
            for c in s.cells:
                h.update(f"C|{c.code}|{c.row}|{c.col}|{c.kind}|{c.role}\n".encode())
        return h.hexdigest()[:16]

    def title_for(self, org: str, year: Any) -> str:
        """The report's title for an organisation and year, in the format's wording."""
        return self.report_title.format(org=org or "", year=year if year not in (None, "") else "")

    def to_descriptor(self) -> dict[str, Any]:
        """The JSON descriptor of this format, serialised from the typed objects (round-trips)."""
        return _dump(self)


# --------------------------------------------------------------------------
# Loading and checking a descriptor.


def from_descriptor(d: Mapping[str, Any], source: str = "") -> ReportFormat:
    """Build a :class:`ReportFormat` from a parsed descriptor and check every cross-reference.

    Any mistake raises :class:`FormatError` naming the file, the JSON path and
    the bad value:

    >>> d = load_format("2021").to_descriptor()
    >>> d["key_figures"][0]["sum"] = ["t3.r99.c7"]
    >>> from_descriptor(d, "x.json")
    Traceback (most recent call last):
    ...
    govinfo_xlsx.format.FormatError: x.json: $.key_figures[0].sum[0]: unknown cell code: 't3.r99.c7'
    """
    try:
        fmt = _load(ReportFormat, dict(d), "$")
        object.__setattr__(fmt, "source", source)
        _check(fmt)
    except _PathError as exc:
        raise FormatError(f"{source}: {exc.path}: {exc.problem}: {exc.value!r}") from None
    return fmt


def _relations(fmt: ReportFormat) -> tuple[Relation, ...]:
    out: list[Relation] = []
    for r in fmt.relation_specs:
        table = fmt.table(r.table)
        for col in table.blocks[0].columns:
            out.append(Relation(
                id=r.id, name=r.name, table=table.code,
                left=tuple(f"{table.code}.{x}.{col.code}" for x in r.left),
                right=tuple(f"{table.code}.{x}.{col.code}" for x in r.right),
                message=r.message, col_label=col.label,
            ))
    dr = fmt.derived_relation
    for code in fmt.derived_codes:
        cell = fmt.cells[code]
        out.append(Relation(
            id=dr.id, name=dr.name, table=cell.table or "",
            left=(code,), right=cell.sum_of, message=dr.message,
            row_label=cell.row_label, col_label=cell.col_label, derived=True,
        ))
    return tuple(out)


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _check(fmt: ReportFormat) -> None:
    """Check what types alone cannot: codes, ids, counts, patterns and templates that must agree."""

    def template(path: str, text: str, allowed: Iterable[str]) -> None:
        try:
            names = _placeholders(text)
        except ValueError:
            raise _bad(path, "malformed message template", text) from None
        unknown = names - set(allowed)
        if unknown:
            raise _bad(path, f"unknown placeholder {{{sorted(unknown)[0]}}}", text)

    def pattern(path: str, text: str, needs_num: bool = False) -> None:
        if needs_num and "{NUM}" not in text:
            raise _bad(path, "pattern lacks {NUM}", text)
        try:
            re.compile(text.replace("{NUM}", ProseChecks.NUM))
        except re.error as exc:
            raise _bad(path, f"bad regular expression ({exc})", text) from None

    def count(path: str, items: tuple[Any, ...], n: int) -> None:
        if len(items) != n:
            raise _bad(path, f"expected {n} items, found {len(items)}", list(items))

    def one_of(path: str, value: str, allowed: Iterable[str], what: str) -> None:
        if value not in set(allowed):
            raise _bad(path, f"unknown {what}", value)

    if fmt.first_year > fmt.last_year:
        raise _bad("$.first_year", "after last_year", fmt.first_year)
    for code in ("count", "money"):
        one_of("$.kinds", code, fmt.kinds, "kind (count and money are required)")
    for k in fmt.kinds.values():
        for name, limit in (("prompt_title", 32), ("prompt", 255), ("error_title", 32), ("error", 255)):
            if len(getattr(k, name)) > limit:  # Excel drops a data validation whose texts are longer
                raise _bad(f"$.kinds.{k.code}.{name}", f"longer than Excel's {limit} characters", getattr(k, name))
    for role in SHEET_ROLES:
        one_of("$.sheets", role, fmt.sheet_names, "sheet role (instructions, cover, checks, meta are required)")
    template("$.report_title", fmt.report_title, ("org", "year"))
    template("$.instructions.contact", fmt.instructions.contact, ("contact",))
    count("$.checks.headers", fmt.checks.headers, 6)
    template("$.cover.status_fail", fmt.cover.status_fail, ("n",))
    cover_codes = [f.code for f in fmt.cover.fields]
    for need in ("org", "year"):
        one_of("$.cover.fields", need, cover_codes, "cover field (org and year are required)")
    for i, cf in enumerate(fmt.cover.fields):
        one_of(f"$.cover.fields[{i}].kind", cf.kind, fmt.kinds, "kind")
        if len(cf.prompt) > 255:
            raise _bad(f"$.cover.fields[{i}].prompt", "longer than Excel's 255 characters", cf.prompt)
    table_codes = [t.code for t in fmt.tables]
    for i, sec in enumerate(fmt.sections):
        p = f"$.sections[{i}]"
        one_of(f"{p}.kind", sec.kind, ("prose", "table"), "section kind")
        if sec.kind == "table":
            one_of(f"{p}.table", sec.table or "", table_codes, "table")
        elif not sec.sheet or not sec.parts:
            raise _bad(p, "a prose section needs a sheet and parts", sec.title)
        for j, part in enumerate(sec.parts):
            if len(part.prompt) > 255:
                raise _bad(f"{p}.parts[{j}].prompt", "longer than Excel's 255 characters", part.prompt)
    for i, t in enumerate(fmt.tables):
        for j, b in enumerate(t.blocks):
            one_of(f"$.tables[{i}].blocks[{j}].kind", b.kind, fmt.kinds, "kind")
            cols = [c.code for c in b.columns]
            rows = [r.code for r in b.rows]
            for k, c in enumerate(b.columns):
                for x in c.sum_of:
                    one_of(f"$.tables[{i}].blocks[{j}].columns[{k}].sum_of_columns", x, cols, "column")
            for k, r in enumerate(b.rows):
                for x in r.sum_of:
                    one_of(f"$.tables[{i}].blocks[{j}].rows[{k}].sum_of_rows", x, rows, "row")
            if len(b.columns) > t.width:
                raise _bad(f"$.tables[{i}].blocks[{j}].columns", f"more columns than the table's width {t.width}",
                           cols)

    # Layout-level checks: unique codes and sheet names (the layout is computed here once).
    seen: set[str] = set()
    for s in fmt.layout.sheets:
        for c in s.cells:
            if c.code in seen:
                raise _bad("$", "duplicate cell code", c.code)
            seen.add(c.code)
    names = [s.name for s in fmt.layout.sheets]
    for n in names:
        if names.count(n) > 1:
            raise _bad("$.sheets", "duplicate sheet name", n)
        if len(n) > 31 or any(ch in n for ch in "[]:*?/\\"):
            raise _bad("$.sheets", "illegal Excel sheet name", n)
    fmt.derived_codes  # noqa: B018 - raises on cycles

    numbers = set(fmt.number_codes)
    prose = set(fmt.prose_cells)

    def cells(path: str, codes: tuple[str, ...]) -> None:
        for k, c in enumerate(codes):
            one_of(f"{path}[{k}]", c, numbers, "cell code")

    figure_ids: list[str] = []
    for key in ("key_figures", "draft_figures"):
        for i, fig in enumerate(getattr(fmt, key)):
            cells(f"$.{key}[{i}].sum", fig.sum)
            if fig.id in figure_ids:
                raise _bad(f"$.{key}[{i}].id", "duplicate figure id", fig.id)
            figure_ids.append(fig.id)
    for code, dr in fmt.drafts.items():
        one_of("$.drafts", code, prose, "prose part")
        template(f"$.drafts.{code}.text", dr.text, figure_ids)
        for k, fid in enumerate(dr.zero_when):
            one_of(f"$.drafts.{code}.zero_when[{k}]", fid, figure_ids, "figure")
    ru = fmt.rollup
    one_of("$.rollup.chart_figure", ru.chart_figure, [f.id for f in fmt.key_figures], "key figure")
    count("$.rollup.units_headers", ru.units_headers, 4)
    count("$.rollup.sources_headers", ru.sources_headers, 6)
    template("$.rollup.note", ru.note, ("n",))
    template("$.rollup.outside_roster", ru.outside_roster, ("n", "names"))
    count("$.comparison.headers", fmt.comparison.headers, 4)
    for k, h in enumerate(fmt.comparison.headers):
        template(f"$.comparison.headers[{k}]", h, ("prev", "this"))

    for i, r in enumerate(fmt.relation_specs):
        p = f"$.relations[{i}]"
        one_of(f"{p}.table", r.table, table_codes, "table")
        if not r.each_column:
            raise _bad(f"{p}.each_column", "only each_column relations are supported", r.each_column)
        t = fmt.table(r.table)
        rows = [row.code for row in t.blocks[0].rows]
        for side in ("left", "right"):
            for k, x in enumerate(getattr(r, side)):
                one_of(f"{p}.{side}[{k}]", x, rows, "row")
        template(f"{p}.message", r.message, ("left", "right", "column", "row", "table"))
    template("$.derived_relation.message", fmt.derived_relation.message, ("left", "right", "column", "row", "table"))
    if fmt.carry_over is not None:
        co = fmt.carry_over
        one_of("$.carry_over.table", co.table, table_codes, "table")
        rows = [row.code for row in fmt.table(co.table).blocks[0].rows]
        one_of("$.carry_over.this_year", co.this_year, rows, "row")
        one_of("$.carry_over.last_year", co.last_year, rows, "row")
        template("$.carry_over.message", co.message, ("left", "right", "column"))

    pc = fmt.prose_checks
    if pc is not None:
        for k, code in enumerate(pc.sections):
            one_of(f"$.prose_checks.sections[{k}]", code, prose, "prose part")
        for i, fig in enumerate(pc.figures):
            cells(f"$.prose_checks.figures[{i}].cells", fig.cells)
            for k, pat in enumerate(fig.patterns):
                pattern(f"$.prose_checks.figures[{i}].patterns[{k}]", pat, needs_num=True)
        if pc.listed_total is not None:
            lt = pc.listed_total
            pattern("$.prose_checks.listed_total.pattern", lt.pattern, needs_num=True)
            if "(?P<list>" not in lt.pattern:
                raise _bad("$.prose_checks.listed_total.pattern", "pattern lacks the group (?P<list>…)", lt.pattern)
            for name, codes in lt.categories.items():
                cells(f"$.prose_checks.listed_total.categories.{name}", codes)
        for i, neg in enumerate(pc.negations):
            pattern(f"$.prose_checks.negations[{i}].pattern", neg.pattern)
            cells(f"$.prose_checks.negations[{i}].cells", neg.cells)
        pattern("$.prose_checks.year_pattern", pc.year_pattern)
        if "(?P<year>" not in pc.year_pattern:
            raise _bad("$.prose_checks.year_pattern", "pattern lacks the group (?P<year>…)", pc.year_pattern)
        pattern("$.prose_checks.plans_pattern", pc.plans_pattern)
        if pc.fees is not None and pc.fees.shown_with is not None:
            one_of("$.prose_checks.fees.shown_with", pc.fees.shown_with, table_codes, "table")
            template("$.prose_checks.fees.note", pc.fees.note, ("amount", "part"))
            template("$.prose_checks.fees.none_note", pc.fees.none_note, ("part",))
        msgs = pc.messages
        template("$.prose_checks.messages.figure", msgs.figure, ("part", "sentence", "label", "said", "table_ref",
                                                                  "actual"))
        template("$.prose_checks.messages.listed_total", msgs.listed_total,
                 ("part", "sentence", "cats", "said", "actual", "detail"))
        template("$.prose_checks.messages.negation", msgs.negation, ("part", "sentence", "table_ref", "actual"))
        template("$.prose_checks.messages.year", msgs.year, ("part", "sentence", "said", "year"))
        template("$.prose_checks.messages.typo", msgs.typo, ("part", "context", "typo", "term"))
        for key in ("duplicate", "date", "measure_word", "brackets", "dropped"):
            template(f"$.prose_checks.messages.{key}", getattr(msgs, key), ("part", "context", "text", "problem"))
        template("$.prose_checks.messages.fee_missing", msgs.fee_missing, ("part",))
        if pc.fees is not None:
            one_of("$.prose_checks.fees.part", pc.fees.part, pc.sections, "prose part")
            pattern("$.prose_checks.fees.mention_pattern", pc.fees.mention_pattern)
            pattern("$.prose_checks.fees.none_pattern", pc.fees.none_pattern)
            for k, pat in enumerate(pc.fees.amount_patterns):
                pattern(f"$.prose_checks.fees.amount_patterns[{k}]", pat, needs_num=True)
                if "(?P<unit>" not in pat:
                    raise _bad(f"$.prose_checks.fees.amount_patterns[{k}]", "pattern lacks the group (?P<unit>…)", pat)


# --------------------------------------------------------------------------
# Layout computation.


def _spans(paths: list[tuple[str, ...]], depth: int) -> list[tuple[int, int, int, int, str]]:
    """Merge cells for a list of label paths laid out along one axis.

    Returns ``(pos, level, span_along, span_across, text)``: consecutive items
    that share a path prefix share one merged cell at that level; a path
    shorter than ``depth`` has its last element stretched across the remaining
    levels (as the printed format does for 一、 二、 and 四、).
    """
    out = []
    for level in range(depth):
        i = 0
        while i < len(paths):
            p = paths[i]
            if len(p) <= level:
                i += 1
                continue
            j = i + 1
            while j < len(paths) and len(paths[j]) > level and paths[j][: level + 1] == p[: level + 1] \
                    and len(p) > level + 1 and len(paths[j]) > level + 1:
                j += 1
            across = depth - level if len(p) == level + 1 else 1
            out.append((i, level, j - i, across, p[level]))
            i = j
    return out


def _short_names(paths: Mapping[Any, tuple[str, ...]]) -> dict[Any, str]:
    """The shortest path suffix that tells each item apart from the others.

    Table 四 repeats 结果维持 under three headings, so its columns are named
    ``复议后起诉·结果维持``; table 三's rows are unique by their own label.
    """
    out = {}
    distinct = set(paths.values())
    for code, path in paths.items():
        for k in range(1, len(path) + 1):
            suffix = path[-k:]
            if sum(1 for p in distinct if p[-k:] == suffix) == 1:
                break
        out[code] = "·".join(path[-k:]) if path else ""
    return out


def _table_sheet(fmt: ReportFormat, table: Table) -> SheetLayout:
    labels: list[LabelCell] = []
    cells: list[Cell] = []
    depth = table.label_depth
    total_cols = depth + table.width
    row_names = _short_names({r.code: r.path for _, r in table.iter_rows()})
    col_names = _short_names({(bi, c.code): c.path for bi, b in enumerate(table.blocks) for c in b.columns})
    labels.append(LabelCell(table.sheet, 0, 0, table.title, colspan=total_cols, role="title"))
    labels.append(LabelCell(table.sheet, 1, 0, fmt.table_hint, colspan=total_cols, role="hint"))
    r = 2
    header_end = r
    for bi, block in enumerate(table.blocks):
        if block.caption:
            labels.append(LabelCell(table.sheet, r, 0, block.caption, colspan=total_cols, role="caption"))
            r += 1
        hdepth = max(len(c.path) for c in block.columns)
        # column start positions and spans: the last column takes the remaining width
        starts, spans = [], []
        for i, _ in enumerate(block.columns):
            starts.append(depth + i)
            spans.append(1 if i < len(block.columns) - 1 else table.width - i)
        if block.corner and depth:
            labels.append(LabelCell(table.sheet, r, 0, block.corner, rowspan=hdepth, colspan=depth, role="corner"))
        for pos, level, along, across, text in _spans([c.path for c in block.columns], hdepth):
            colspan = sum(spans[pos: pos + along])
            col = block.columns[pos]
            labels.append(LabelCell(table.sheet, r + level, starts[pos], text, rowspan=across,
                                    colspan=colspan, role="header",
                                    aliases=col.aliases if level == len(col.path) - 1 else ()))
        r += hdepth
        if header_end == 2:
            header_end = r
        body_top = r
        for pos, level, along, across, text in _spans([row.path for row in block.rows], depth):
            row = block.rows[pos]
            labels.append(LabelCell(table.sheet, body_top + pos, level, text, rowspan=along,
                                    colspan=across, role="label",
                                    aliases=row.aliases if level == len(row.path) - 1 else ()))
        for i, row in enumerate(block.rows):
            for j, col in enumerate(block.columns):
                code = f"{table.code}.{row.code}.{col.code}"
                if col.sum_of and row.sum_of:
                    # Both a row and a column total: sum along the row, whose
                    # parts are themselves column totals (same value either way).
                    sum_of = tuple(f"{table.code}.{row.code}.{x}" for x in col.sum_of)
                elif col.sum_of:
                    sum_of = tuple(f"{table.code}.{row.code}.{x}" for x in col.sum_of)
                elif row.sum_of:
                    sum_of = tuple(f"{table.code}.{x}.{col.code}" for x in row.sum_of)
                else:
                    sum_of = ()
                cells.append(Cell(
                    code=code, sheet=table.sheet, row=body_top + i, col=starts[j],
                    kind=block.kind, role="derived" if sum_of else "input",
                    label=" ".join(x for x in (table.title, " ".join(row.path), "/".join(col.path)) if x),
                    table=table.code, row_code=row.code, col_code=col.code,
                    row_label=row_names[row.code], col_label=col_names[(bi, col.code)],
                    sum_of=sum_of, colspan=spans[j],
                ))
        r = body_top + len(block.rows)
    return SheetLayout(table.sheet, "table", tuple(labels), tuple(cells), header_rows=header_end,
                       label_cols=depth, n_cols=total_cols, section=table.code)


def _build_layout(fmt: ReportFormat) -> Layout:
    sheets: list[SheetLayout] = []
    sn = fmt.sheet_names
    # Instructions
    ins = [LabelCell(sn["instructions"], 0, 0, fmt.instructions.title, role="title")]
    for i, p in enumerate(fmt.instructions.paragraphs):
        ins.append(LabelCell(sn["instructions"], 2 + i, 0, p, role="hint"))
    sheets.append(SheetLayout(sn["instructions"], "instructions", tuple(ins), (), n_cols=1))
    # Cover
    cv = fmt.cover
    labels = [LabelCell(sn["cover"], 0, 0, cv.title, colspan=2, role="title")]
    cells: list[Cell] = []
    r = 2
    for f in cv.fields:
        labels.append(LabelCell(sn["cover"], r, 0, f.label, role="label"))
        cells.append(Cell(code=f"cover.{f.code}", sheet=sn["cover"], row=r, col=1, kind=f.kind,
                          role="input", label=f.label, prompt=f.prompt, optional=f.optional))
        r += 1
    r += 1
    labels.append(LabelCell(sn["cover"], r, 0, cv.status_label, role="label"))
    status = Cell(code="cover.status", sheet=sn["cover"], row=r, col=1, kind="text", role="status",
                  label=cv.status_label)
    labels.append(LabelCell(sn["cover"], r + 1, 0, cv.blank_label, role="label"))
    blank = Cell(code="cover.blank", sheet=sn["cover"], row=r + 1, col=1, kind="count", role="status",
                 label=cv.blank_label)
    sheets.append(SheetLayout(sn["cover"], "cover", tuple(labels), tuple(cells), n_cols=2))
    # Sections in report order: prose sheets and table sheets
    for sec in fmt.sections:
        if sec.kind == "table":
            sheets.append(_table_sheet(fmt, fmt.table(sec.table or "")))
            continue
        name = sec.sheet or ""
        labels = [LabelCell(name, 0, 0, sec.heading, colspan=2, role="title")]
        cells = []
        for i, part in enumerate(sec.parts):
            labels.append(LabelCell(name, 2 + i, 0, part.label, role="label"))
            cells.append(Cell(code=part.code, sheet=name, row=2 + i, col=1, kind="text", role="input",
                              label=part.label, optional=part.optional, prompt=part.prompt))
        sheets.append(SheetLayout(name, "prose", tuple(labels), tuple(cells), n_cols=2, section=sec.number))
    # Checks and meta
    checks_sheet = sn["checks"]
    heads = fmt.checks.headers
    labels = [LabelCell(checks_sheet, 0, 0, fmt.checks.title, colspan=len(heads), role="title")]
    for j, h in enumerate(heads):
        labels.append(LabelCell(checks_sheet, 2, j, h, role="header"))
    sheets.append(SheetLayout(checks_sheet, "checks", tuple(labels), (), header_rows=3, n_cols=len(heads)))
    sheets.append(SheetLayout(sn["meta"], "meta", (), (), n_cols=2))
    return Layout(tuple(sheets), checks_result_col=len(heads) - 1, checks_first_row=3,
                  status_cell=status, blank_cell=blank, meta_rows=META_ROWS)


# --------------------------------------------------------------------------
# Registry of shipped formats.


def _templates_dir() -> Any:
    """The folder of format descriptors: inside the wheel, or the source tree."""
    try:
        pkg = resources.files("govinfo_xlsx.workbook_templates")
        if any(p.name.endswith(".json") for p in pkg.iterdir()):
            return pkg
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    return Path(__file__).resolve().parent.parent / "workbook_templates"


#: Extra folders of format descriptors, separated by os.pathsep (a new format
#: version can be tried before it is shipped).
FORMATS_ENV = "GOVINFO_XLSX_FORMATS"


def available_formats() -> dict[tuple[str, str], ReportFormat]:
    """Every known format, keyed by ``(format_id, version)``.

    The shipped descriptors, plus those in the folders named by the
    environment variable ``GOVINFO_XLSX_FORMATS``.
    """
    return _load_formats(os.environ.get(FORMATS_ENV, ""))


@functools.lru_cache(maxsize=8)
def _load_formats(extra: str) -> dict[tuple[str, str], ReportFormat]:
    out: dict[tuple[str, str], ReportFormat] = {}
    folders = [_templates_dir()] + [Path(p) for p in extra.split(os.pathsep) if p]
    for folder in folders:
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if not entry.name.endswith(".json"):
                continue
            try:
                d = json.loads(entry.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise FormatError(f"{entry.name}: not valid JSON ({exc})") from None
            fmt = from_descriptor(d, source=entry.name)
            out[(fmt.format_id, fmt.version)] = fmt
    if not out:
        raise FormatError(f"no format descriptors found in {folders}")
    return out


def load_format(version: str | None = None, format_id: str = "govinfo-annual-report") -> ReportFormat:
    """Load a shipped format version (the newest when ``version`` is None).

    >>> fmt = load_format("2021")
    >>> fmt.cells["t3.r01.c1"].ref
    '三、收到和处理政府信息公开申请情况!D6'
    """
    formats = available_formats()
    if version is None:
        candidates = sorted(v for (fid, v) in formats if fid == format_id)
        if not candidates:
            raise KeyError(format_id)
        version = candidates[-1]
    return formats[(format_id, str(version))]
