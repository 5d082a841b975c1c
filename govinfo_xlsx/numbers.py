"""All arithmetic on the format's cells, in one place.

Every total, relation, figure and roll-up sum of the toolkit is computed here
and nowhere else, exactly: each number is held as an integer in units of
``1 / fmt.scale`` (the scale comes from the format: 10 ** the most decimals a
number kind allows, 10 000 for 万元 with four decimals), so counts and money
add up without float error and without BLAS threads.

One meaning of blank, zero and unreadable, used by check, export, report,
merge and carry-over alike:

* **zero** is zero.
* **blank** (an input nobody filled) counts as 0 in every sum and relation;
  the check warns about each blank cell, and a workbook whose number inputs
  are *all* blank is 未填写 (:attr:`Evaluation.state` is ``"empty"``): it is an
  error to check, excluded from a merge and refused by a report.  No sentence
  is ever generated from a blank-only figure.
* **unreadable** (text, an error value, a number that breaks its kind's rule
  such as a negative count or a fraction of a case, or money with more
  decimals than allowed) is *unknown*: the cell carries an error finding,
  every total that depends on it is unknown (``None``), a relation with an
  unknown side is not evaluated, a figure that depends on it is unknown (shown
  as "—"), exports leave it empty.  It is never a silent 0.

>>> from govinfo_xlsx.format import load_format
>>> fmt = load_format("2021")
>>> ev = evaluate(fmt, {"t3.r01.c1": 3, "t3.r01.c2": 2})
>>> ev.value("t3.r01.c7"), ev.figure("received"), ev.state
(5, 5, 'partial')
>>> evaluate(fmt, {"t3.r01.c1": 3}, unknown={"t3.r01.c2"}).value("t3.r01.c7") is None
True
>>> evaluate(fmt, {"t2.r6.c1": Decimal("0.1"), "t2.r1.c1": 1}).value("t2.r6.c1")
Decimal('0.1')
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .format import Relation, ReportFormat

__all__ = [
    "Evaluation",
    "compute",
    "evaluate",
    "fmt_number",
    "kind_problem",
    "plain_number",
    "sum_cells",
    "sum_evaluations",
]

Number = int | Decimal


# --------------------------------------------------------------------------
# Scales: exact integers of 1/scale.


def to_units(fmt: ReportFormat, value: Any) -> int | None:
    """``value`` as an integer of ``1/fmt.scale``; None when it is not exactly representable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value * fmt.scale
    try:
        d = Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not d.is_finite():
        return None
    scaled = d * fmt.scale
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def from_units(fmt: ReportFormat, units: int | None, kind: str) -> Number | None:
    """The number ``units / fmt.scale`` as its kind holds it: a count ``int``, money ``Decimal``."""
    if units is None:
        return None
    if kind == "money":
        d = Decimal(units) / fmt.scale
        return d.normalize() if d != 0 else Decimal(0)
    q, r = divmod(units, fmt.scale)
    return q if r == 0 else Decimal(units) / fmt.scale


def kind_problem(fmt: ReportFormat, kind: str, value: Any) -> str | None:
    """The rule a number breaks for its kind, or None.

    ``negative-number``, ``not-integer`` (a count with a fraction),
    ``too-many-decimals`` (money beyond the allowed decimals) or
    ``number-too-large``; the checks report each as an error on the cell.

    >>> from govinfo_xlsx.format import load_format
    >>> fmt = load_format("2021")
    >>> [kind_problem(fmt, "count", v) for v in (3, -1, Decimal("1.5"))]
    [None, 'negative-number', 'not-integer']
    >>> kind_problem(fmt, "money", Decimal("1.23456"))
    'too-many-decimals'
    """
    spec = fmt.kinds[kind]
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        return None
    d = value if isinstance(value, Decimal) else Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if spec.min is not None and d < Decimal(repr(spec.min)):
        return "negative-number"
    if spec.max is not None and d > Decimal(repr(spec.max)):
        return "number-too-large"
    decimals = spec.decimals or 0
    if d != d.quantize(Decimal(1).scaleb(-decimals), rounding="ROUND_DOWN"):
        return "not-integer" if decimals == 0 else "too-many-decimals"
    return None


# --------------------------------------------------------------------------
# Evaluation of one workbook (or one roll-up).


@dataclass(frozen=True)
class _Plan:
    """What a format needs for arithmetic, computed once: positions, derivations, relations."""

    inputs: tuple[str, ...]
    kinds: dict[str, str]
    derived: tuple[tuple[str, tuple[str, ...]], ...]
    relations: tuple[Relation, ...]
    #: Inclusive bounds of a whole number per input code (the fast path of the kind rules).
    int_bounds: dict[str, tuple[float, float]]
    #: The kind of each relation's sums: money when any cell is money.
    relation_kinds: tuple[str, ...]


@functools.lru_cache(maxsize=8)
def _plan(fmt: ReportFormat) -> _Plan:
    kinds = {c: fmt.cells[c].kind for c in fmt.number_codes}
    bounds = {}
    for c in fmt.input_codes:
        spec = fmt.kinds[kinds[c]]
        bounds[c] = (-float("inf") if spec.min is None else spec.min, float("inf") if spec.max is None else spec.max)
    return _Plan(
        inputs=fmt.input_codes,
        kinds=kinds,
        derived=tuple((c, fmt.cells[c].sum_of) for c in fmt.derived_codes),
        relations=fmt.relations,
        int_bounds=bounds,
        relation_kinds=tuple("money" if any(kinds[c] == "money" for c in r.left + r.right) else "count"
                             for r in fmt.relations),
    )


def _add(units: Mapping[str, int | None], codes: Iterable[str]) -> int | None:
    total = 0
    for c in codes:
        u = units[c]
        if u is None:
            return None
        total += u
    return total


class Evaluation:
    """Every numeric cell of one workbook (or roll-up), exact, with blank and unknown tracked.

    Built by :func:`evaluate` or :func:`sum_evaluations`; read with
    :meth:`value`, :meth:`numbers`, :meth:`sum`, :meth:`figure` and
    :meth:`relation_results`.
    """

    __slots__ = ("format", "units", "blank", "unknown", "problems")

    def __init__(self, fmt: ReportFormat, units: dict[str, int | None], blank: frozenset[str],
                 unknown: frozenset[str], problems: dict[str, str] | None = None) -> None:
        self.format = fmt
        #: Every numeric cell (inputs and totals) in units of 1/scale; None when unknown.
        self.units = units
        #: Inputs left blank (they count as 0).
        self.blank = blank
        #: Inputs that could not be read exactly (they and their totals are unknown).
        self.unknown = unknown
        #: Inputs whose number breaks its kind's rule, with the rule id (:func:`kind_problem`).
        self.problems = problems or {}

    # ---- values ----------------------------------------------------------

    def value(self, code: str) -> Number | None:
        """The exact value of a numeric cell (``int`` count, ``Decimal`` money), None when unknown."""
        return from_units(self.format, self.units[code], _plan(self.format).kinds[code])

    def numbers(self) -> dict[str, Number | None]:
        """Every numeric cell by code: inputs (blank as 0) and totals; None where unknown."""
        kinds = _plan(self.format).kinds
        return {c: from_units(self.format, u, kinds[c]) for c, u in self.units.items()}

    def sum(self, codes: Iterable[str]) -> Number | None:
        """The exact sum of some cells, None when any of them is unknown."""
        codes = tuple(codes)
        total = _add(self.units, codes)
        kind = "money" if any(_plan(self.format).kinds[c] == "money" for c in codes) else "count"
        return from_units(self.format, total, kind)

    def figure(self, figure_id: str) -> Number | None:
        """A declared figure (``received``, ``fees`` …): the sum of its cells, None when unknown."""
        return self.sum(self.format.figures[figure_id].sum)

    def figures(self, ids: Iterable[str] | None = None) -> dict[str, Number | None]:
        """Several figures by id (all declared figures by default)."""
        return {i: self.figure(i) for i in (self.format.figures if ids is None else ids)}

    def figure_is_blank(self, figure_id: str) -> bool:
        """True when every input behind a figure is blank (so no fact may be stated from it)."""
        inputs = _inputs_of(self.format, self.format.figures[figure_id].sum)
        return bool(inputs) and inputs <= self.blank

    @property
    def state(self) -> str:
        """``"empty"`` (every number input blank: 未填写), ``"partial"`` (some blank) or ``"complete"``."""
        n = len(_plan(self.format).inputs)
        if len(self.blank) >= n:
            return "empty"
        return "partial" if self.blank else "complete"

    # ---- relations -------------------------------------------------------

    def relation_results(self) -> list[tuple[Relation, Number, Number]]:
        """Every relation whose two sides are known, with both sides' values."""
        return self._relations(failing_only=False)

    def failing(self) -> list[tuple[Relation, Number, Number]]:
        """The relations that do not hold (sides known and different)."""
        return self._relations(failing_only=True)

    def _relations(self, failing_only: bool) -> list[tuple[Relation, Number, Number]]:
        plan, units, fmt = _plan(self.format), self.units, self.format
        out = []
        for rel, kind in zip(plan.relations, plan.relation_kinds, strict=True):
            left, right = _add(units, rel.left), _add(units, rel.right)
            if left is None or right is None or (failing_only and left == right):
                continue
            out.append((rel, from_units(fmt, left, kind), from_units(fmt, right, kind)))
        return out

    def input_units(self) -> tuple[int | None, ...]:
        """The inputs as a compact vector of units (the merge's per-unit record)."""
        return tuple(self.units[c] for c in _plan(self.format).inputs)


@functools.lru_cache(maxsize=4096)
def _inputs_of_cached(fmt: ReportFormat, codes: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for c in codes:
        cell = fmt.cells[c]
        out |= _inputs_of_cached(fmt, cell.sum_of) if cell.sum_of else {c}
    return frozenset(out)


def _inputs_of(fmt: ReportFormat, codes: Sequence[str]) -> frozenset[str]:
    return _inputs_of_cached(fmt, tuple(codes))


def _derive(fmt: ReportFormat, units: dict[str, int | None]) -> None:
    for code, parts in _plan(fmt).derived:
        units[code] = _add(units, parts)


def evaluate(fmt: ReportFormat, values: Mapping[str, Any], unknown: Iterable[str] = (), *,
             kind_rules: bool = True) -> Evaluation:
    """Evaluate one workbook's inputs: ``values`` maps input codes to numbers (None or absent = blank).

    Codes in ``unknown`` could not be read; a value that breaks its kind's
    rule (:func:`kind_problem`) or is not exactly representable is unknown
    too.  With ``kind_rules=False`` every representable number counts as it
    is, as a spreadsheet's formulas add it (a negative count included).
    """
    plan = _plan(fmt)
    unknown = set(unknown)
    blank = set()
    problems: dict[str, str] = {}
    units: dict[str, int | None] = {}
    scale = fmt.scale
    for code in plan.inputs:
        if code in unknown:
            units[code] = None
            continue
        v = values.get(code)
        if v is None:
            blank.add(code)
            units[code] = 0
            continue
        if type(v) is int:  # the common case, checked without Decimal
            lo, hi = plan.int_bounds[code]
            problem = None if lo <= v <= hi else ("negative-number" if v < lo else "number-too-large")
            u: int | None = v * scale
        else:
            problem = kind_problem(fmt, plan.kinds[code], v)
            u = to_units(fmt, v)
        if problem is not None:
            problems[code] = problem
            if kind_rules:
                u = None
        if u is None:
            unknown.add(code)
        units[code] = u
    _derive(fmt, units)
    return Evaluation(fmt, units, frozenset(blank), frozenset(unknown), problems)


def compute(fmt: ReportFormat, values: Mapping[str, Any]) -> dict[str, Number | None]:
    """Every numeric cell's value from some inputs (blank as 0), as the template's formulas compute it.

    >>> from govinfo_xlsx.format import load_format
    >>> compute(load_format("2021"), {"t4.r1.c01": 2, "t4.r1.c02": 1})["t4.r1.c05"]
    3
    """
    return evaluate(fmt, values, kind_rules=False).numbers()


def sum_evaluations(fmt: ReportFormat, parts: Sequence[Evaluation | Sequence[int | None]]) -> Evaluation:
    """The roll-up of several units: their inputs added cell by cell, totals derived again.

    ``parts`` are evaluations or their :meth:`Evaluation.input_units`
    vectors.  An input blank in every unit stays blank; an input unknown in
    any unit is unknown in the sum (a merge excludes such units first).
    """
    plan = _plan(fmt)
    n = len(plan.inputs)
    sums: list[int | None] = [0] * n
    blank_in_all = [True] * n
    for part in parts:
        vec = part.input_units() if isinstance(part, Evaluation) else part
        blank = part.blank if isinstance(part, Evaluation) else frozenset()
        for i, u in enumerate(vec):
            s = sums[i]
            sums[i] = None if (s is None or u is None) else s + u
        if isinstance(part, Evaluation):
            for i, c in enumerate(plan.inputs):
                if c not in blank:
                    blank_in_all[i] = False
        else:
            blank_in_all = [False] * n
    units = dict(zip(plan.inputs, sums, strict=True))
    _derive(fmt, units)
    blank = frozenset(c for c, b in zip(plan.inputs, blank_in_all, strict=True) if b) if parts else frozenset(plan.inputs)
    unknown = frozenset(c for c, s in zip(plan.inputs, sums, strict=True) if s is None)
    return Evaluation(fmt, units, blank, unknown)


# --------------------------------------------------------------------------
# Presenting numbers.


def sum_cells(numbers: Mapping[str, Any], codes: Iterable[str]) -> Any:
    """The sum of some already-evaluated cells' values, or None when any of them is unknown.

    For callers that hold :meth:`Evaluation.numbers` rather than the evaluation.
    """
    vals = [numbers.get(c) for c in codes]
    return None if any(v is None for v in vals) else sum(vals, 0)


def plain_number(v: Any) -> Any:
    """A number for xlsxwriter or JSON: a whole Decimal becomes int, another Decimal float; the rest as is."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def fmt_number(value: Any) -> str:
    """A number as a Chinese message or a report prints it: integers without ``.0``, no float noise.

    >>> fmt_number(Decimal("12.3400")), fmt_number(37.00000000000001), fmt_number(None)
    ('12.34', '37', '（空）')
    """
    if value is None:
        return "（空）"
    if isinstance(value, Decimal):
        value = value.normalize()
        return format(value, "f")
    if isinstance(value, float):
        if value != value:  # NaN
            return "（无法计算）"
        # As Excel shows a double: 15 significant digits.
        return format(Decimal(f"{value:.15g}").normalize(), "f")
    return str(value)
