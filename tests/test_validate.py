"""Every relation failing on its own, type checks, year, and many workbooks at once."""

import pytest

from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.validate import validate, validate_many

from .helpers import consistent_values, expected_totals, write_filled


@pytest.fixture(scope="module")
def base(fmt):
    return consistent_values(fmt, seed=9)


@pytest.mark.parametrize("col", ["c1", "c2", "c3", "c4", "c5", "c6"])
def test_each_balance_column_fails_alone(tmp_path, fmt, base, col):
    vals = dict(base)
    vals[f"t3.r17.{col}"] += 1  # one more 重复申请 than the column can hold
    rep = validate(read_workbook(write_filled(tmp_path / "b.xlsx", fmt, vals)))
    failed = [(f.rule, f.cells[0]) for f in rep.errors]
    # the column itself and the 总计 column (which sums all columns) break
    assert failed == [("t3-balance", fmt.cells[f"t3.r01.{col}"].ref), ("t3-balance", fmt.cells["t3.r01.c7"].ref)]
    f = rep.errors[0]
    assert f.expected == f.actual - 1
    assert f.cells == tuple(fmt.cells[f"t3.{r}.{col}"].ref for r in ("r01", "r02", "r24", "r25"))
    assert fmt.cells[f"t3.r01.{col}"].col_label in f.message


def test_sign_integrality_and_decimals(tmp_path, fmt, base):
    vals = dict(base)
    vals["t2.r1.c1"] = -1
    vals["t4.r1.c01"] = 2.5
    from decimal import Decimal

    vals["t2.r6.c1"] = Decimal("1.23456")
    rep = validate(read_workbook(write_filled(tmp_path / "s.xlsx", fmt, vals)))
    got = sorted((f.rule, f.cells[0]) for f in rep.errors)
    assert got == sorted([
        ("negative-number", fmt.cells["t2.r1.c1"].ref),
        ("not-integer", fmt.cells["t4.r1.c01"].ref),
        ("too-many-decimals", fmt.cells["t2.r6.c1"].ref),
    ])


def test_year_checks(tmp_path, fmt, base):
    wb = read_workbook(write_filled(tmp_path / "y.xlsx", fmt, base, year=2024))
    assert validate(wb, year=2024).ok
    rep = validate(wb, year=2025)
    assert [(f.rule, f.expected, f.actual) for f in rep.errors] == [("year-mismatch", 2025, 2024)]
    old = read_workbook(write_filled(tmp_path / "o.xlsx", fmt, base, year=2021))
    assert validate(old).ok


def test_empty_cover_and_prose_are_warnings(tmp_path, fmt, base):
    wb = read_workbook(write_filled(tmp_path / "e.xlsx", fmt, base, prose={}, cover={}))
    rep = validate(wb)
    assert rep.ok
    rules = [f.rule for f in rep.warnings]
    assert rules.count("empty-prose") == len([c for c in fmt.prose_cells.values() if not c.optional])
    assert rules.count("empty-cover-field") == 3


def test_validate_many_equals_one_by_one(tmp_path, fmt, base):
    books = []
    for i in range(4):
        vals = consistent_values(fmt, seed=100 + i)
        if i % 2:
            vals["t3.r01.c1"] += i
        books.append(read_workbook(write_filled(tmp_path / f"m{i}.xlsx", fmt, vals)))
    many = validate_many(books)
    assert [r.to_dict() for r in many] == [validate(b).to_dict() for b in books]
    assert [r.ok for r in many] == [True, False, True, False]


def test_carry_over_check(tmp_path, fmt, base):
    prev_vals = dict(base)
    prev = read_workbook(write_filled(tmp_path / "p.xlsx", fmt, prev_vals, year=2023))
    this_vals = consistent_values(fmt, seed=10)
    this = read_workbook(write_filled(tmp_path / "t.xlsx", fmt, this_vals, year=2024))
    rep = validate(this, previous=prev)
    mism = [f for f in rep.errors if f.rule == "carry-over"]
    expected_cols = [c for c in ("c1", "c2", "c3", "c4", "c5", "c6", "c7")
                     if expected_totals(fmt, this_vals)[f"t3.r02.{c}"] != expected_totals(fmt, prev_vals)[f"t3.r25.{c}"]]
    assert expected_cols
    assert [f.cells[0] for f in mism] == [fmt.cells[f"t3.r02.{c}"].ref for c in expected_cols]


def test_report_frame_has_fixed_columns(tmp_path, fmt, base):
    from govinfo_xlsx.findings import FINDING_COLUMNS

    vals = dict(base)
    vals["t3.r01.c1"] += 1
    rep = validate(read_workbook(write_filled(tmp_path / "f.xlsx", fmt, vals)))
    df = rep.to_frame()
    assert list(df.columns) == FINDING_COLUMNS
    assert set(df["rule"]) == {"t3-balance"}


def test_absurdly_large_number_is_an_error_not_an_overflow(tmp_path, fmt, base):
    vals = dict(base)
    vals["t3.r03.c1"] = 1e300
    rep = validate(read_workbook(write_filled(tmp_path / "big.xlsx", fmt, vals)))
    assert [(f.rule, f.cells[0]) for f in rep.errors] == [("number-too-large", fmt.cells["t3.r03.c1"].ref)]


def _derived_codes():
    from govinfo_xlsx.format import load_format

    return load_format("2021").derived_codes


@pytest.mark.parametrize("code", _derived_codes())
def test_each_total_fails_alone_when_overwritten(tmp_path_factory, fmt, base, code):
    from .helpers import fill_openpyxl

    d = tmp_path_factory.mktemp("tot")
    good = write_filled(d / "g.xlsx", fmt, base)
    true = expected_totals(fmt, base)[code]
    p = fill_openpyxl(good, d / "o.xlsx", fmt, {code: true + 1})
    rep = validate(read_workbook(p))
    assert [(f.rule, f.cells, f.expected, f.actual) for f in rep.errors] == [
        ("total-sum", (fmt.cells[code].ref,), true, true + 1)]
