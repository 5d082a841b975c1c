"""The report format as a typed, frozen model, loaded from ``workbook_templates/``.

The JSON file of a format version is the single source of truth: it declares
the sheets, every label, every input and derived cell (each with a stable
code such as ``t3.r01.c1``) and every relation.  This module turns it into
frozen objects and computes, once, where every cell sits in the workbook
(:class:`Layout`).  The template writer, the reader, the validator, the report
writer and the merger all work from these objects; none of them holds a label
or a cell address of its own.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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
# The model.


@dataclass(frozen=True)
class Kind:
    """An input kind (count, money, text, year) with its limits and prompts."""

    code: str
    label: str
    decimals: int | None
    min: float | None
    max: float | None
    max_length: int | None
    prompt_title: str
    prompt: str
    error_title: str
    error: str


@dataclass(frozen=True)
class Header:
    """A row or a column of a table: its code, its label path (outer to inner), its parts if a total."""

    code: str
    path: tuple[str, ...]
    sum_of: tuple[str, ...] = ()
    #: Earlier spellings of the last label (``aliases`` in the JSON), still accepted when reading.
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else ""


Column = Header
Row = Header


@dataclass(frozen=True)
class Block:
    """One block of a table: an optional caption and corner, its columns and rows."""

    caption: str | None
    corner: str | None
    kind: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Cell:
    """A cell the toolkit reads or writes: an input or a derived (formula) cell."""

    code: str
    sheet: str
    row: int
    col: int
    kind: str  # count | money | text | year
    role: str  # input | derived
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
        return cell_ref(self.sheet, self.row, self.col)

    @property
    def address(self) -> str:
        return a1(self.row, self.col)

    @property
    def name(self) -> str:
        return defined_name(self.code)


@dataclass(frozen=True)
class LabelCell:
    """A fixed text cell (title, header, row label) that must stay as declared."""

    sheet: str
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    role: str = "label"  # title | caption | corner | header | label | hint
    aliases: tuple[str, ...] = ()  # earlier spellings a workbook may still carry

    @property
    def ref(self) -> str:
        return cell_ref(self.sheet, self.row, self.col)


@dataclass(frozen=True)
class Relation:
    """A concrete relation: ``sum(left) == sum(right)``."""

    id: str
    name: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    message: str  # template with {left} {right} and the labels below
    table: str
    row_label: str = ""
    col_label: str = ""
    derived: bool = False

    def describe(self, left: Any, right: Any, table_title: str = "") -> str:
        """The relation's Chinese message with both sides' values filled in."""
        return self.message.format(
            left=fmt_number(left),
            right=fmt_number(right),
            column=self.col_label,
            row=self.row_label,
            table=table_title,
        )


def plain_number(v: Any) -> Any:
    """A number for xlsxwriter or JSON: a whole Decimal becomes int, another Decimal float; the rest as is."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def sum_cells(numbers: Mapping[str, Any], codes: Iterable[str]) -> Any:
    """The sum of some cells' values, or None when any of them is unknown (never a silent zero)."""
    vals = [numbers.get(c) for c in codes]
    return None if any(v is None for v in vals) else sum(vals, 0)


def fmt_number(value: Any) -> str:
    """Format a number for a Chinese message: integers without ``.0``."""
    if value is None:
        return "（空）"
    if isinstance(value, Decimal):
        value = value.normalize()
        return format(value, "f")
    if isinstance(value, float):
        if value != value:  # NaN
            return "（无法计算）"
        if value.is_integer():
            return str(int(value))
        return format(round(value, 6), "g")
    return str(value)


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
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


@dataclass(frozen=True, eq=False)
class ReportFormat:
    """One version of the report format, loaded from its JSON descriptor."""

    format_id: str
    version: str
    name: str
    basis: str
    first_year: int
    last_year: int
    report_title: str
    kinds: Mapping[str, Kind]
    sheet_names: Mapping[str, str]
    instructions_title: str
    instructions: tuple[str, ...]
    cover: Mapping[str, Any]
    sections: tuple[Mapping[str, Any], ...]
    tables: tuple[Table, ...]
    relations: tuple[Relation, ...]
    carry_over: Mapping[str, Any]
    table_hint: str
    checks: Mapping[str, Any]
    descriptor: Mapping[str, Any] = field(repr=False, compare=False)
    source: str = ""

    # ---- lookups -----------------------------------------------------------

    def table(self, code: str) -> Table:
        """The table with this code (``t2``, ``t3``, ``t4``)."""
        for t in self.tables:
            if t.code == code:
                return t
        raise KeyError(code)

    @functools.cached_property
    def layout(self) -> Layout:
        """The computed layout (positions of every label and cell)."""
        return _build_layout(self)

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
        for c, parts in pending.items():
            unknown = [p for p in parts if p not in self.cells]
            if unknown:
                raise FormatError(f"{self.source}: {c} sums unknown cell {unknown[0]}")
        done: list[str] = []
        known = set(self.input_codes)
        while pending:
            ready = [c for c, parts in pending.items() if all(p in known for p in parts)]
            if not ready:
                raise FormatError(f"derived cells form a cycle: {sorted(pending)}")
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
    def fingerprint(self) -> str:
        """A hash of the layout: sheet names, labels and cell positions.

        Two workbooks with the same fingerprint have the same cells in the same
        places.  It is stored in the metadata sheet so the reader can tell a
        template of this exact layout from another version.
        """
        h = hashlib.sha256()
        h.update(f"{self.format_id}/{self.version}\n".encode())
        for s in self.layout.sheets:
            h.update(f"S|{s.name}\n".encode())
            for lab in s.labels:
                if lab.role == "hint":
                    continue  # guidance text: the reader does not compare it either
                # A label corrected with its earlier spelling kept as an alias
                # hashes as that first spelling: workbooks of earlier versions
                # keep their fingerprint (same cells in the same places).
                text = lab.aliases[0] if lab.aliases else lab.text
                h.update(f"L|{lab.row}|{lab.col}|{text}\n".encode())
            for c in s.cells:
                h.update(f"C|{c.code}|{c.row}|{c.col}|{c.kind}|{c.role}\n".encode())
        return h.hexdigest()[:16]

    def compute(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return every numeric cell's value: inputs (blank as 0) and derived totals.

        Counts stay ``int`` and money stays ``Decimal`` when given so, so the
        cached results written into a workbook are exact.
        """
        out: dict[str, Any] = {}
        for code in self.input_codes:
            v = values.get(code)
            out[code] = 0 if v is None else v
        for code in self.derived_codes:
            out[code] = sum((out[p] for p in self.cells[code].sum_of), 0)
        return out

    def title_for(self, org: str, year: Any) -> str:
        """The report's title for an organisation and year, in the format's wording."""
        return self.report_title.format(org=org or "", year=year if year not in (None, "") else "")

    def to_descriptor(self) -> dict[str, Any]:
        """Return the JSON descriptor this format was loaded from (round-trips)."""
        return json.loads(json.dumps(self.descriptor))


# --------------------------------------------------------------------------
# Loading and validating a descriptor.


def _kind(code: str, d: Mapping[str, Any]) -> Kind:
    return Kind(
        code=code,
        label=d["label"],
        decimals=d.get("decimals"),
        min=d.get("min", 0 if code in ("count", "money") else None),
        max=d.get("max"),
        max_length=d.get("max_length"),
        prompt_title=d["prompt_title"],
        prompt=d["prompt"],
        error_title=d["error_title"],
        error=d["error"],
    )


def _table(d: Mapping[str, Any]) -> Table:
    blocks = []
    for b in d["blocks"]:
        cols = tuple(
            Column(c["code"], tuple(c["path"]), tuple(c.get("sum_of_columns", ()))) for c in b["columns"]
        )
        rows = tuple(Row(r["code"], tuple(r["path"]), tuple(r.get("sum_of_rows", ())), tuple(r.get("aliases", ())))
                     for r in b["rows"])
        blocks.append(Block(b.get("caption"), b.get("corner"), b["kind"], cols, rows))
    return Table(d["code"], d["sheet"], d["title"], int(d["width"]), tuple(blocks))


def from_descriptor(d: Mapping[str, Any], source: str = "") -> ReportFormat:
    """Build and validate a :class:`ReportFormat` from a parsed descriptor."""
    try:
        kinds = {k: _kind(k, v) for k, v in d["kinds"].items()}
        tables = tuple(_table(t) for t in d["tables"])
        fmt = ReportFormat(
            format_id=d["format_id"],
            version=str(d["version"]),
            name=d["name"],
            basis=d.get("basis", ""),
            first_year=int(d["first_year"]),
            last_year=int(d["last_year"]),
            report_title=d["report_title"],
            kinds=kinds,
            sheet_names=dict(d["sheets"]),
            instructions_title=d["instructions"]["title"],
            instructions=tuple(d["instructions"]["paragraphs"]),
            cover=d["cover"],
            sections=tuple(d["sections"]),
            tables=tables,
            relations=(),
            carry_over=d.get("carry_over", {}),
            table_hint=d["table_hint"],
            checks=d["checks"],
            descriptor=d,
            source=source,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"{source}: malformed format descriptor: {exc!r}") from exc
    object.__setattr__(fmt, "relations", _relations(fmt, d))
    _check(fmt)
    return fmt


def _relations(fmt: ReportFormat, d: Mapping[str, Any]) -> tuple[Relation, ...]:
    out: list[Relation] = []
    for r in d.get("relations", ()):
        table = fmt.table(r["table"])
        if not r.get("each_column"):
            raise FormatError(f"relation {r['id']}: only each_column relations are supported")
        for col in table.blocks[0].columns:
            out.append(Relation(
                id=r["id"], name=r["name"], table=table.code,
                left=tuple(f"{table.code}.{x}.{col.code}" for x in r["left"]),
                right=tuple(f"{table.code}.{x}.{col.code}" for x in r["right"]),
                message=r["message"], col_label=col.label,
            ))
    dr = d["derived_relation"]
    for code in fmt.derived_codes:
        cell = fmt.cells[code]
        out.append(Relation(
            id=dr["id"], name=dr["name"], table=cell.table or "",
            left=(code,), right=cell.sum_of, message=dr["message"],
            row_label=cell.row_label, col_label=cell.col_label, derived=True,
        ))
    return tuple(out)


def _check(fmt: ReportFormat) -> None:
    """Validate the cross-references of a descriptor (a malformed file fails loudly)."""
    codes = set()
    for c in fmt.cells.values():
        if c.code in codes:
            raise FormatError(f"{fmt.source}: duplicate cell code {c.code}")
        codes.add(c.code)
        if c.kind not in fmt.kinds:
            raise FormatError(f"{fmt.source}: cell {c.code} has unknown kind {c.kind}")
        for p in c.sum_of:
            if p not in fmt.cells:
                raise FormatError(f"{fmt.source}: {c.code} sums unknown cell {p}")
    for r in fmt.relations:
        for code in r.left + r.right:
            if code not in fmt.cells:
                raise FormatError(f"{fmt.source}: relation {r.id} names unknown cell {code}")
    names = [s.name for s in fmt.layout.sheets]
    if len(set(names)) != len(names):
        raise FormatError(f"{fmt.source}: duplicate sheet names")
    for n in names:
        if len(n) > 31 or any(ch in n for ch in "[]:*?/\\"):
            raise FormatError(f"{fmt.source}: invalid sheet name {n!r}")
    for k in fmt.kinds.values():
        if len(k.prompt_title) > 32 or len(k.prompt) > 255 or len(k.error_title) > 32 or len(k.error) > 255:
            raise FormatError(f"{fmt.source}: prompt of kind {k.code} too long for Excel")
    for c in fmt.cells.values():
        if len(c.prompt) > 255:
            raise FormatError(f"{fmt.source}: prompt of {c.code} too long for Excel (255)")
    fmt.derived_codes  # noqa: B018 - raises on cycles


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
            labels.append(LabelCell(table.sheet, r + level, starts[pos], text, rowspan=across,
                                    colspan=colspan, role="header"))
        r += hdepth
        if header_end == 2:
            header_end = r
        body_top = r
        for pos, level, along, across, text in _spans([row.path for row in block.rows], depth):
            row = block.rows[pos]
            aliases = row.aliases if level == len(row.path) - 1 else ()
            labels.append(LabelCell(table.sheet, body_top + pos, level, text, rowspan=along,
                                    colspan=across, role="label", aliases=aliases))
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
    ins = [LabelCell(sn["instructions"], 0, 0, fmt.instructions_title, role="title")]
    for i, p in enumerate(fmt.instructions):
        ins.append(LabelCell(sn["instructions"], 2 + i, 0, p, role="hint"))
    sheets.append(SheetLayout(sn["instructions"], "instructions", tuple(ins), (), n_cols=1))
    # Cover
    cv = fmt.cover
    labels = [LabelCell(sn["cover"], 0, 0, cv["title"], colspan=2, role="title")]
    cells: list[Cell] = []
    r = 2
    for f in cv["fields"]:
        labels.append(LabelCell(sn["cover"], r, 0, f["label"], role="label"))
        cells.append(Cell(code=f"cover.{f['code']}", sheet=sn["cover"], row=r, col=1, kind=f["kind"],
                          role="input", label=f["label"], prompt=f.get("prompt", ""),
                          optional=bool(f.get("optional"))))
        r += 1
    r += 1
    labels.append(LabelCell(sn["cover"], r, 0, cv["status_label"], role="label"))
    status = Cell(code="cover.status", sheet=sn["cover"], row=r, col=1, kind="text", role="status",
                  label=cv["status_label"])
    labels.append(LabelCell(sn["cover"], r + 1, 0, cv["blank_label"], role="label"))
    blank = Cell(code="cover.blank", sheet=sn["cover"], row=r + 1, col=1, kind="count", role="status",
                 label=cv["blank_label"])
    sheets.append(SheetLayout(sn["cover"], "cover", tuple(labels), tuple(cells), n_cols=2))
    # Sections in report order: prose sheets and table sheets
    for sec in fmt.sections:
        if sec["kind"] == "table":
            sheets.append(_table_sheet(fmt, fmt.table(sec["table"])))
            continue
        name = sec["sheet"]
        labels = [LabelCell(name, 0, 0, f"{sec['number']}、{sec['title']}", colspan=2, role="title")]
        cells = []
        for i, part in enumerate(sec["parts"]):
            labels.append(LabelCell(name, 2 + i, 0, part["label"], role="label"))
            cells.append(Cell(code=part["code"], sheet=name, row=2 + i, col=1, kind="text", role="input",
                              label=part["label"], optional=bool(part.get("optional")),
                              prompt=part.get("prompt", "")))
        sheets.append(SheetLayout(name, "prose", tuple(labels), tuple(cells), n_cols=2,
                                  section=sec["number"]))
    # Checks and meta
    checks_sheet = sn["checks"]
    heads = fmt.checks["headers"]
    labels = [LabelCell(checks_sheet, 0, 0, fmt.checks["title"], colspan=len(heads), role="title")]
    for j, h in enumerate(heads):
        labels.append(LabelCell(checks_sheet, 2, j, h, role="header"))
    sheets.append(SheetLayout(checks_sheet, "checks", tuple(labels), (), header_rows=3, n_cols=len(heads)))
    meta_rows = ("format_id", "format_version", "format_name", "toolkit_version", "year", "org",
                 "layout_fingerprint")
    sheets.append(SheetLayout(sn["meta"], "meta", (), (), n_cols=2))
    return Layout(tuple(sheets), checks_result_col=len(heads) - 1, checks_first_row=3,
                  status_cell=status, blank_cell=blank, meta_rows=meta_rows)


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
            d = json.loads(entry.read_text(encoding="utf-8"))
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
