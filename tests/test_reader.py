"""Reading filled workbooks: normalisation of what clerks type, and tampered layouts."""

from decimal import Decimal

import openpyxl
import pytest

from govinfo_xlsx.errors import WorkbookError
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.validate import validate

from .helpers import consistent_values, fill_openpyxl, write_filled


@pytest.fixture(scope="module")
def good(tmp_path_factory, fmt):
    d = tmp_path_factory.mktemp("good")
    vals = consistent_values(fmt, seed=5)
    return write_filled(d / "good.xlsx", fmt, vals), vals


def test_reads_every_value_exactly(good, fmt):
    path, vals = good
    wb = read_workbook(path)
    assert wb.values == vals
    assert isinstance(wb.values["t2.r6.c1"], Decimal)
    assert wb.org == "测试县人民政府办公室" and wb.year == 2024
    assert wb.prose["s5"] == "五、存在的主要问题及改进情况的内容。"
    assert wb.cover["cover.date"] == "2025-01-15"
    assert validate(wb).findings == []


def test_table_frames_are_labelled(good, fmt):
    path, vals = good
    t3 = read_workbook(path).table("t3")
    assert t3.shape == (25, 7)
    row = ("一、本年新收政府信息公开申请数量", "", "")
    assert t3.loc[row, ("申请人情况", "自然人", "")] == vals["t3.r01.c1"]
    assert t3.loc[row, ("总计", "", "")] == sum(vals[f"t3.r01.c{i}"] for i in range(1, 7))
    assert list(read_workbook(path).tables) == ["t2", "t3", "t4"]
    t4 = read_workbook(path).table("t4")
    assert t4.shape == (1, 15)
    assert t4.columns[4] == ("行政复议", "总计", "")


@pytest.mark.parametrize("typed, expected, note", [
    ("12", 12, "文本格式的数字"),
    ("１２", 12, "全角数字"),
    ("1,234", 1234, "千位分隔符"),
    (" 7 ", 7, "首尾空格"),
    ("12.0", 12, "文本格式的数字"),
    ("\u30003\u3000", 3, "首尾空格"),
])
def test_normalised_text_numbers_warn_on_their_cell(tmp_path, fmt, template_path, typed, expected, note):
    code = "t3.r05.c2"
    p = fill_openpyxl(template_path, tmp_path / "n.xlsx", fmt, {code: typed})
    wb = read_workbook(p)
    assert wb.values[code] == expected
    found = [f for f in wb.findings if f.rule == "normalised-number"]
    assert [(f.cells, f.severity) for f in found] == [((fmt.cells[code].ref,), "warning")]
    assert note in found[0].message


@pytest.mark.parametrize("typed", ["无", "十二", "-", "3件", "TRUE"])
def test_non_numbers_are_errors_never_zero(tmp_path, fmt, template_path, typed):
    code = "t4.r1.c02"
    value = True if typed == "TRUE" else typed
    p = fill_openpyxl(template_path, tmp_path / "x.xlsx", fmt, {code: value})
    rep = validate(read_workbook(p))
    errs = [(f.rule, f.cells) for f in rep.errors]
    assert errs == [("not-a-number", (fmt.cells[code].ref,))]
    assert read_workbook(p).numbers()["t4.r1.c05"] is None


def test_formula_in_input_uses_cached_value_or_errors(tmp_path, fmt, template_path):
    code = "t2.r3.c1"
    p = fill_openpyxl(template_path, tmp_path / "f.xlsx", fmt, {code: "=2+3"}, formulas=True)
    wb = read_workbook(p)  # openpyxl writes no cached value
    assert [(f.rule, f.severity) for f in wb.findings] == [("formula-in-input", "error")]
    assert code in wb.invalid


def test_blank_inputs_are_warnings_or_errors_when_strict(tmp_path, template_path, fmt):
    filled = dict.fromkeys(fmt.input_codes[:3], 0)
    p = fill_openpyxl(template_path, tmp_path / "part.xlsx", fmt, filled)
    wb = read_workbook(p)
    rep = validate(wb)
    blanks = [f for f in rep.findings if f.rule == "blank-input"]
    assert rep.state == "partial" and rep.ok
    assert len(blanks) == len(fmt.input_codes) - 3 and all(f.severity == "warning" for f in blanks)
    strict = validate(wb, strict=True)
    assert len([f for f in strict.errors if f.rule == "blank-input"]) == len(fmt.input_codes) - 3


def test_an_empty_template_is_one_error_not_166_warnings(template_path, fmt):
    rep = validate(read_workbook(template_path))
    assert rep.state == "empty" and not rep.ok
    assert [(f.rule, f.cells) for f in rep.errors] == [("empty-workbook", (fmt.cells[fmt.input_codes[0]].ref,))]
    assert not [f for f in rep.findings if f.rule == "blank-input"]


def _edit_label(wb, fmt):
    wb[fmt.table("t3").sheet]["A6"] = "一、本年新收申请"


def _insert_row(wb, fmt):
    wb[fmt.table("t3").sheet].insert_rows(8)


def _delete_row(wb, fmt):
    wb[fmt.table("t2").sheet].delete_rows(5)


def _rename_sheet(wb, fmt):
    wb[fmt.table("t4").sheet].title = "表四"


def _remove_sheet(wb, fmt):
    del wb[fmt.prose_cells["s6"].sheet]


@pytest.mark.parametrize("tamper, reason, needles", [
    (_edit_label, "layout-changed", ["A6", "一、本年新收政府信息公开申请数量"]),
    (_insert_row, "layout-changed", ["三、收到和处理政府信息公开申请情况!A8", "插入了 1 行"]),
    (_delete_row, "layout-changed", ["二、主动公开政府信息情况!A5", "规章", "删除了 1 行"]),
    (_rename_sheet, "sheet-missing", ["四、政府信息公开行政复议、行政诉讼情况", "表四"]),
    (_remove_sheet, "sheet-missing", ["六、其他需要报告的事项"]),
])
def test_tampered_layout_is_refused_with_what_differs(tmp_path, fmt, template_path, tamper, reason, needles):
    wb = openpyxl.load_workbook(template_path)
    tamper(wb, fmt)
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(WorkbookError) as ei:
        read_workbook(tmp_path / "t.xlsx")
    assert ei.value.reason == reason
    for needle in needles:
        assert needle in str(ei.value)


def test_other_version_and_other_workbook(tmp_path, fmt, template_path):
    wb = openpyxl.load_workbook(template_path)
    meta = wb[fmt.sheet_names["meta"]]
    for row in meta.iter_rows():
        if row[0].value == "format_version":
            row[1].value = "2031"
    wb.save(tmp_path / "v.xlsx")
    with pytest.raises(WorkbookError) as ei:
        read_workbook(tmp_path / "v.xlsx")
    assert ei.value.reason == "unsupported-version" and "2031" in str(ei.value)

    other = openpyxl.Workbook()
    other.active["A1"] = "随便什么表"
    other.save(tmp_path / "o.xlsx")
    with pytest.raises(WorkbookError) as ei:
        read_workbook(tmp_path / "o.xlsx")
    assert ei.value.reason == "not-a-template"


def test_hidden_sheet_and_extra_sheet_warn(tmp_path, fmt, template_path):
    wb = openpyxl.load_workbook(template_path)
    wb[fmt.table("t2").sheet].sheet_state = "hidden"
    wb.create_sheet("草稿")
    wb.save(tmp_path / "h.xlsx")
    rules = {f.rule for f in read_workbook(tmp_path / "h.xlsx").findings}
    assert {"hidden-sheet", "extra-sheet"} <= rules


def test_total_overwritten_by_a_number(tmp_path, fmt, template_path):
    code = "t3.r01.c7"
    p = fill_openpyxl(template_path, tmp_path / "o.xlsx", fmt, {"t3.r01.c1": 2, code: 9})
    rep = validate(read_workbook(p))
    total = [f for f in rep.errors if f.rule == "total-sum"]
    assert [(f.cells, f.expected, f.actual) for f in total] == [((fmt.cells[code].ref,), 2, 9)]


def _both_ways(path):
    from govinfo_xlsx import xlsxfile

    out = []
    for fast in (True, False):
        xlsxfile.FAST_PATH = fast
        try:
            wb = read_workbook(path)
            out.append((wb.values, wb.invalid, wb.cached, wb.overwritten, wb.prose, wb.cover, wb.meta, wb.findings))
        except WorkbookError as exc:
            out.append(("error", exc.reason))
        finally:
            xlsxfile.FAST_PATH = True
    return out


def test_fast_path_reads_exactly_what_expat_reads(tmp_path, fmt, template_path):
    from . import corpus

    vals = consistent_values(fmt, seed=41)
    base = write_filled(tmp_path / "base.xlsx", fmt, vals, prose={"s5": "a & b < c\n第二行 _x0041_"})
    typed = fill_openpyxl(base, tmp_path / "typed.xlsx", fmt,
                          {"t3.r05.c2": "１２", "t4.r1.c02": "无", "t2.r3.c1": " 7 ", "t3.r01.c7": 99})
    c = fmt.cells["t3.r06.c3"]
    d = fmt.cells["t2.r4.c1"]
    part = corpus.sheet_part(base, c.sheet)
    part2 = corpus.sheet_part(base, d.sheet)

    def edit(name, data):
        import re

        if name == part:  # an error value typed over an input, and an inline string
            data = re.sub(rb'<c r="' + c.address.encode() + rb'"([^>]*?)(?: t="\w+")?>.*?</c>',
                          rb'<c r="' + c.address.encode() + rb'"\1 t="e"><v>#DIV/0!</v></c>', data, count=1)
        if name == part2:
            data = re.sub(rb'<c r="' + d.address.encode() + rb'"([^>]*?)>.*?</c>',
                          rb'<c r="' + d.address.encode() + rb'"\1 t="inlineStr"><is><t>3&amp;</t></is></c>',
                          data, count=1)
        return data

    odd = corpus.rewrite_zip(base, tmp_path / "odd.xlsx", edit)
    for p in (template_path, base, typed, odd):
        fast, slow = _both_ways(p)
        assert fast == slow, p.name
    fast, _ = _both_ways(odd)
    rules = {(f.rule, f.cells[0]) for f in fast[-1]}
    assert ("error-value", c.ref) in rules and ("not-a-number", d.ref) in rules


def test_split_merges_reorder_and_unprotected_sheets_still_read(tmp_path, fmt):
    vals = consistent_values(fmt, seed=44)
    src = write_filled(tmp_path / "s.xlsx", fmt, vals)
    wb = openpyxl.load_workbook(src)
    t2 = fmt.table("t2").sheet
    ws = wb[t2]
    licence = fmt.cells["t2.r3.c1"]
    ws.unmerge_cells(f"{licence.address}:{openpyxl.utils.get_column_letter(licence.col + 3)}{licence.row + 1}")
    ws.cell(licence.row + 1, licence.col + 2).value = 9  # typed into what was a covered cell
    ws.protection.sheet = False
    wb.move_sheet(fmt.table("t4").sheet, offset=-2)
    wb.save(tmp_path / "t.xlsx")
    got = read_workbook(tmp_path / "t.xlsx")
    assert got.values == vals
    rules = {(f.rule, f.severity) for f in got.findings}
    assert {("merge-split", "warning"), ("sheet-order", "warning"), ("value-outside-input", "error")} <= rules
    stray = next(f for f in got.findings if f.rule == "value-outside-input")
    assert stray.cells == (f"{t2}!{openpyxl.utils.get_column_letter(licence.col + 2)}{licence.row + 1}",)
