"""The generated workbook, inspected from the file itself (openpyxl and the raw XML)."""

import hashlib
import zipfile

import openpyxl
import pytest

from govinfo_xlsx.format import defined_name
from govinfo_xlsx.template import TemplateError, write_workbook

from .helpers import consistent_values, expected_totals, write_filled


@pytest.fixture(scope="module")
def book(template_path):
    return openpyxl.load_workbook(template_path)


def test_sheets_in_report_order_and_meta_hidden(book, fmt):
    assert book.sheetnames == [s.name for s in fmt.layout.sheets]
    assert book.sheetnames[:2] == ["填报说明", "封面"]
    assert book[fmt.sheet_names["meta"]].sheet_state == "hidden"
    assert all(book[n].sheet_state == "visible" for n in book.sheetnames if n != fmt.sheet_names["meta"])


def test_structure_lock_in_workbook_xml(template_path):
    with zipfile.ZipFile(template_path) as z:
        xml = z.read("xl/workbook.xml").decode()
    assert '<workbookProtection lockStructure="1"/>' in xml
    # schema order: workbookProtection comes before bookViews
    assert xml.index("workbookProtection") < xml.index("bookViews")


def test_password_protects_sheets_and_structure(tmp_path, fmt):
    p = tmp_path / "pw.xlsx"
    write_workbook(p, fmt, password="secret")
    wb = openpyxl.load_workbook(p)
    assert wb.security.lockStructure
    assert wb.security.workbookPassword
    assert all(wb[n].protection.sheet and wb[n].protection.password for n in wb.sheetnames)


def test_every_sheet_protected_and_exactly_inputs_unlocked(book, fmt):
    inputs = {(c.sheet, c.address) for c in fmt.cells.values() if c.role == "input"}
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        for row in ws.iter_rows():
            for cell in row:
                if type(cell).__name__ == "MergedCell":
                    continue  # openpyxl gives covered cells no style of their own; LibreOffice checks them
                unlocked = cell.protection.locked is False
                assert unlocked == ((ws.title, cell.coordinate) in inputs), (ws.title, cell.coordinate)


def test_every_input_has_validation_with_chinese_prompt(book, fmt):
    for c in fmt.cells.values():
        if c.role != "input":
            continue
        dvs = [dv for dv in book[c.sheet].data_validations.dataValidation if c.address in dv.sqref]
        assert len(dvs) == 1, c.ref
        dv = dvs[0]
        expected_type = {"count": "whole", "year": "whole", "money": "decimal", "text": "textLength"}[c.kind]
        assert dv.type == expected_type
        assert dv.showErrorMessage and dv.error and dv.prompt
        assert any("\u4e00" <= ch <= "\u9fff" for ch in dv.prompt)
        if c.kind == "count":
            assert dv.formula1 == "0"


def test_defined_name_for_every_cell(book, fmt):
    for c in fmt.cells.values():
        dn = book.defined_names[defined_name(c.code)]
        sheet, addr = next(iter(dn.destinations))
        assert (sheet, addr.replace("$", "")) == (c.sheet, c.address)


def test_labels_written_where_the_layout_says(book, fmt):
    for sl in fmt.layout.sheets:
        for lab in sl.labels:
            assert book[sl.name].cell(lab.row + 1, lab.col + 1).value == lab.text


def test_same_inputs_same_bytes(tmp_path, fmt):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    vals = consistent_values(fmt)
    write_filled(a, fmt, vals)
    write_filled(b, fmt, vals)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def test_cached_results_of_filled_workbook(tmp_path, fmt):
    vals = consistent_values(fmt, seed=3)
    vals["t3.r01.c2"] += 1  # break the balance of one column (and of 总计)
    p = write_filled(tmp_path / "f.xlsx", fmt, vals)
    wb = openpyxl.load_workbook(p, data_only=True)
    totals = expected_totals(fmt, vals)
    for code in fmt.derived_codes:
        c = fmt.cells[code]
        assert wb[c.sheet][c.address].value == totals[code], code
    status = fmt.layout.status_cell
    assert wb[status.sheet].cell(status.row + 1, status.col + 1).value == "存在 2 处不一致"
    results = [wb[fmt.sheet_names["checks"]].cell(cr.row + 1, fmt.layout.checks_result_col + 1).value
               for cr in fmt.check_rows]
    assert results.count("✗") == 2


def test_formula_like_prose_is_written_as_text(tmp_path, fmt):
    hostile = "=cmd|' /C calc'!A0"
    p = write_filled(tmp_path / "h.xlsx", fmt, {}, prose={"s5": hostile, "s6": "+1+2", "s1.p1": "@SUM(A1)"})
    wb = openpyxl.load_workbook(p)
    c = fmt.cells["s5"]
    cell = wb[c.sheet][c.address]
    assert cell.value == hostile and cell.data_type == "s"


def test_xlsxwriter_refusals_raise(tmp_path, fmt):
    import io

    import xlsxwriter

    from govinfo_xlsx.template import Checked

    wb = Checked(xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True}))
    ws = wb.add_worksheet("表")
    with pytest.raises(TemplateError, match="merge_range"):
        ws.merge_range(0, 0, 0, 0, "", None)  # xlsxwriter: "Can't merge single cell", returns -1
    with pytest.raises(TemplateError, match="define_name"):
        wb.define_name("1 bad name", "=表!$A$1")
    with pytest.raises(TemplateError, match="conditional_format"):
        ws.conditional_format(0, 0, 0, 0, {"type": "no-such-type"})
    with pytest.raises(TemplateError, match="write_comment"):
        ws.write_comment(2_000_000, 0, "x")
    with pytest.raises(TemplateError, match="write_formula"):
        ws.write_formula(0, 20_000, "=1")
    assert ws.write_number(0, 0, 1) == 0
    # End to end: a prose text longer than a cell can hold is refused, not silently dropped.
    with pytest.raises(TemplateError, match="write_string"):
        write_workbook(tmp_path / "long.xlsx", fmt, prose={"s5": "长" * 40000})
    assert not (tmp_path / "long.xlsx").exists()


def test_contact_is_written_to_the_instructions(tmp_path, fmt):
    from govinfo_xlsx.cli import main
    from govinfo_xlsx.reader import read_workbook

    p = tmp_path / "c.xlsx"
    assert main(["template", "-o", str(p), "--contact", "市政务公开办 张三 0373-1234567"]) == 0
    ws = openpyxl.load_workbook(p)[fmt.sheet_names["instructions"]]
    texts = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert texts[-1] == "本次填报联系人：市政务公开办 张三 0373-1234567"
    assert read_workbook(p).findings == []
