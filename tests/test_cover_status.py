"""The workbook's own status tells the truth offline: pasted values, blank and partly blank workbooks.

Data validation stops a clerk typing "无", -3 or 1.5, but pasting bypasses it
(Excel, WPS and LibreOffice alike).  The cover and the 校验 sheet must count
and highlight such inputs with live formulas, and xlsxwriter's cached values
must say the same before any recalculation.
"""

import pytest

from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.validate import validate

from .helpers import cell_value, consistent_values, write_filled


def _status(res, fmt, which="sheets"):
    st = fmt.layout.status_cell
    return cell_value(res, st.sheet, st.row, st.col, which)


def _bad_rows(res, fmt):
    """Left values of the 校验 sheet's 填写规范 rows, after recalculation."""
    grid = res["sheets"][fmt.sheet_names["checks"]]["values"]
    first = fmt.layout.checks_first_row + len(fmt.check_rows)
    return [row[3] for row in grid[first:] if len(row) > 3 and row[1] == fmt.checks.input_rule]


def test_cached_status_as_written(tmp_path, fmt):
    vals = consistent_values(fmt, seed=3)
    empty = write_filled(tmp_path / "empty.xlsx", fmt, {})
    full = write_filled(tmp_path / "full.xlsx", fmt, vals)
    part_vals = dict(vals)
    part_vals.pop("t2.r3.c1")
    part = write_filled(tmp_path / "part.xlsx", fmt, part_vals)
    # The status the writer caches is what a previewer shows; read it back with the reader's package code.
    from govinfo_xlsx.xlsxfile import open_package

    st = fmt.layout.status_cell

    def cached(p):
        with open_package(p) as pkg:
            return pkg.read_sheet(st.sheet, st.row, st.col).cells[(st.row, st.col)].value

    assert cached(empty) == "尚未填写"
    assert cached(full) == "校验通过"
    assert cached(part) == "校验通过（1 处未填写，按 0 计）"
    rep = validate(read_workbook(empty))
    assert [f.rule for f in rep.errors] == ["empty-workbook"]
    assert "未填写" in rep.errors[0].message


@pytest.mark.libreoffice
def test_pasted_values_do_not_pass_in_libreoffice(lo, tmp_path, fmt):
    vals = consistent_values(fmt, seed=5)
    good = write_filled(tmp_path / "good.xlsx", fmt, vals)
    codes = [c for c in fmt.input_codes if fmt.cells[c].kind == "count"]
    # Pasted as a clerk would from Word or a web page: bypassing validation (as_user only checks protection).
    pasted = {codes[0]: "无", codes[1]: "—", codes[2]: "１２", codes[3]: "12", codes[4]: -3, codes[5]: 1.5}
    fills = [{"sheet": fmt.cells[c].sheet, "cell": fmt.cells[c].address, "value": v} for c, v in pasted.items()]
    money = next(c for c in fmt.input_codes if fmt.cells[c].kind == "money")
    fills_money = [{"sheet": fmt.cells[money].sheet, "cell": fmt.cells[money].address, "value": -0.5}]
    inconsistent = dict(vals)
    inconsistent["t3.r25.c3"] += 1
    bad_rel = write_filled(tmp_path / "rel.xlsx", fmt, inconsistent)
    template = write_filled(tmp_path / "blank.xlsx", fmt, {})
    one = fmt.cells[codes[0]]
    res_paste, res_money, res_rel, res_blank, res_partial = lo([
        {"file": str(good), "fill": fills, "save": str(tmp_path / "pasted.xlsx")},
        {"file": str(good), "fill": fills_money},
        {"file": str(bad_rel)},
        {"file": str(template)},
        {"file": str(good), "fill": [{"sheet": one.sheet, "cell": one.address, "value": None}]},
    ])
    assert not res_paste["refused"]
    assert _status(res_paste, fmt) == "有 6 处填写不规范"
    assert sum(_bad_rows(res_paste, fmt)) == 6
    assert _status(res_money, fmt) == "有 1 处填写不规范"
    # Precedence: an improper input hides no inconsistency but is named first; a clean one shows the relation.
    assert _status(res_rel, fmt) == "存在 2 处不一致"
    assert _status(res_blank, fmt) == "尚未填写"
    assert _status(res_partial, fmt) == "校验通过（1 处未填写，按 0 计）"
    # The cached values xlsxwriter wrote equal LibreOffice's recalculation.
    for res in (res_rel, res_blank):
        assert _status(res, fmt, "cached") == _status(res, fmt)
        checks = fmt.sheet_names["checks"]
        assert res["cached"][checks] == res["sheets"][checks]["values"]
    # The saved copy, read by the toolkit, has errors too: both sides agree it is not a clean return.
    rep = validate(read_workbook(tmp_path / "pasted.xlsx"))
    assert not rep.ok
    # Saved by LibreOffice, the file keeps the live formulas and their results for the next reader.
    from govinfo_xlsx.xlsxfile import open_package

    st = fmt.layout.status_cell
    with open_package(tmp_path / "pasted.xlsx") as pkg:
        cell = pkg.read_sheet(st.sheet, st.row, st.col).cells[(st.row, st.col)]
    assert cell.value == "有 6 处填写不规范" and cell.formula
