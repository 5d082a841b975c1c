"""Reading filled workbooks: normalisation of what clerks type, and tampered layouts."""

from decimal import Decimal

import openpyxl
import pytest

from govinfo_xlsx.errors import WorkbookError
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.validate import validate

from .helpers import consistent_values, default_prose, fill_openpyxl, write_filled


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


# ---------------------------------------------------------------------------
# Numbers as Excel and WPS show them; workbooks in other writers' conventions.


@pytest.mark.parametrize("stored, kind, expected", [
    (37.00000000000001, "count", 37),  # a pasted computed result: Excel shows 37
    (36.99999999999999, "count", 37),
    (78.459999999999994, "money", Decimal("78.46")),  # Excel writes 17 significant digits
    (0.30000000000000004, "money", Decimal("0.3")),
    (12.345600000000001, "money", Decimal("12.3456")),
    (0.12345, "money", Decimal("0.12345")),  # more decimals than allowed: kept exactly, the validator says so
    (3.5, "count", Decimal("3.5")),  # not a whole count: exact, never a float
    (2024.0000000000002, "year", 2024),
    (1e20, "count", 10**20),
    (float("inf"), "count", None),
    ("37.00000000000001", "count", 37),
    ("78.459999999999994", "money", Decimal("78.46")),
])
def test_numbers_read_as_excel_shows_them(stored, kind, expected):
    from govinfo_xlsx.reader import normalise_number

    got, _ = normalise_number(stored, kind)
    assert (type(got), got) == (type(expected), expected)


def test_money_with_too_many_decimals_is_a_located_error(tmp_path, fmt, template_path):
    code = "t2.r6.c1"
    p = fill_openpyxl(template_path, tmp_path / "m.xlsx", fmt, {code: 0.12345})
    wb = read_workbook(p)
    assert wb.values[code] == Decimal("0.12345")
    errs = [(f.rule, f.cells, f.actual) for f in validate(wb).errors]
    assert errs == [("too-many-decimals", (fmt.cells[code].ref,), Decimal("0.12345"))]


@pytest.fixture(scope="module")
def conventional(tmp_path_factory, fmt):
    """A filled workbook whose numbers hit the awkward doubles: 37, 78.46, 12.3456, 0.3."""
    vals = consistent_values(fmt, seed=13)
    vals["t2.r6.c1"] = Decimal("78.46")
    vals["t2.r1.c1"] = 37
    p = write_filled(tmp_path_factory.mktemp("conv") / "src.xlsx", fmt, vals,
                     prose=default_prose(fmt))
    return p, vals


CONVENTIONS = {
    "cells-without-r": {"drop_r": True},
    "r-only-after-gaps": {"drop_r": "implied"},
    "prefixed-namespace": {"prefix": True},
    "date-1904": {"date1904": True},
    "renamed-parts": {"rename": True},
    "renamed-sheets": {"rename": "sheets"},
    "17-digit-doubles": {"long_doubles": True},
    "pasted-near-integers": {"near_integers": True},
    "all-at-once": {"drop_r": True, "prefix": True, "date1904": True, "rename": True, "long_doubles": True,
                    "near_integers": True},
    "all-but-renamed": {"drop_r": "implied", "prefix": True, "date1904": True, "long_doubles": True,
                        "near_integers": True},
}


def _typed(values):
    return {k: (type(v).__name__, v) for k, v in values.items()}


@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_other_writers_conventions_read_exactly_on_both_paths(conventional, tmp_path, fmt, name):
    from govinfo_xlsx import xlsxfile

    from . import corpus

    src, vals = conventional
    p = corpus.rewrite_conventions(src, tmp_path / f"{name}.xlsx", fmt, **CONVENTIONS[name])
    ref = read_workbook(src)
    assert ref.findings == [] and validate(ref).findings == []
    assert ref.cached["t3.r01.c7"] == sum(vals[f"t3.r01.c{i}"] for i in range(1, 7))
    for fast in (True, False):
        xlsxfile.FAST_PATH = fast
        try:
            wb = read_workbook(p)
        finally:
            xlsxfile.FAST_PATH = True
        assert _typed(wb.values) == _typed(vals), (name, fast)
        assert _typed(wb.cached) == _typed(ref.cached), (name, fast)
        assert (wb.overwritten, wb.invalid) == (frozenset(), frozenset()), (name, fast)
        assert (wb.cover, wb.prose, wb.meta) == (ref.cover, ref.prose, ref.meta), (name, fast)
        assert wb.cover["cover.date"] == "2025-01-15" and wb.year == 2024
        assert wb.findings == [] and validate(wb).findings == [], (name, fast)


@pytest.mark.parametrize("name", ["cells-without-r", "r-only-after-gaps", "prefixed-namespace", "renamed-sheets",
                                  "all-but-renamed"])
def test_fast_path_reads_other_conventions_itself_with_formulas(conventional, tmp_path, fmt, name):
    """The fast path does not merely fall back: it reads these, formulas included, at the right cells."""
    from govinfo_xlsx.xlsxfile import open_package

    from . import corpus

    src, vals = conventional
    p = corpus.rewrite_conventions(src, tmp_path / f"{name}.xlsx", fmt, **CONVENTIONS[name])
    t3 = fmt.table("t3")
    with open_package(p) as pkg:
        sd = pkg.read_sheet(t3.sheet, 40, 12)
    assert sd.fast
    for code in fmt.derived_codes:
        c = fmt.cells[code]
        if c.sheet == t3.sheet:
            assert sd.cells[(c.row, c.col)].formula, code
    c = fmt.cells["t3.r01.c1"]
    got = sd.cells[(c.row, c.col)]
    assert (got.value, got.type, got.formula) == (pytest.approx(vals["t3.r01.c1"], rel=1e-15), "n", False)


def test_error_values_and_typed_formulas_without_r_on_the_fast_path(tmp_path, fmt, template_path):
    """A cell without ``r`` holding an error value or a typed formula is found where its order puts it."""
    import re

    from . import corpus

    vals = consistent_values(fmt, seed=17)
    base = write_filled(tmp_path / "b.xlsx", fmt, vals)
    err, typed = fmt.cells["t3.r06.c3"], fmt.cells["t3.r07.c2"]
    part = corpus.sheet_part(base, err.sheet)

    def edit(name, data):
        if name != part:
            return data
        data = re.sub(rb'<c r="' + err.address.encode() + rb'"([^>]*?)>.*?</c>',
                      rb'<c r="' + err.address.encode() + rb'"\1 t="e"><v>#DIV/0!</v></c>', data, count=1)
        return re.sub(rb'<c r="' + typed.address.encode() + rb'"([^>]*?)>.*?</c>',
                      rb'<c r="' + typed.address.encode() + rb'"\1><f>2+3</f><v>5</v></c>', data, count=1)

    odd = corpus.rewrite_zip(base, tmp_path / "odd.xlsx", edit)
    for conv in ({"drop_r": True}, {"drop_r": True, "prefix": True}):
        p = corpus.rewrite_conventions(odd, tmp_path / "c.xlsx", fmt, **conv)
        fast, slow = _both_ways(p)
        assert fast == slow
        got = {(f.rule, f.severity, f.cells) for f in fast[-1]}
        assert got == {("error-value", "error", (err.ref,)), ("formula-in-input", "warning", (typed.ref,))}
        assert fast[0][typed.code] == 5


def test_a_package_without_workbook_relationships_names_what_is_missing(tmp_path, fmt, template_path):
    from . import corpus

    p = corpus.rewrite_zip(template_path, tmp_path / "r.xlsx",
                           lambda n, b: None if n in ("_rels/.rels", "xl/_rels/workbook.xml.rels") else b)
    with pytest.raises(WorkbookError) as ei:
        read_workbook(p)
    assert ei.value.reason == "not-xlsx" and "xl/_rels/workbook.xml.rels" in str(ei.value)
    q = corpus.rewrite_conventions(template_path, tmp_path / "q.xlsx", fmt, rename=True)
    q2 = corpus.rewrite_zip(q, tmp_path / "q2.xlsx", lambda n, b: None if n == "_rels/.rels" else b)
    with pytest.raises(WorkbookError) as ei:
        read_workbook(q2)
    assert ei.value.reason == "not-xlsx" and "_rels/.rels" in str(ei.value)


def test_numbers_in_text_cells_read_as_shown(tmp_path, fmt, template_path):
    p = fill_openpyxl(template_path, tmp_path / "t.xlsx", fmt,
                      {"s5": 12.345600000000001, "cover.phone": 13812345678.0, "cover.year": 2024.0000000000002})
    wb = read_workbook(p)
    assert wb.prose["s5"] == "12.3456"
    assert wb.cover["cover.phone"] == "13812345678" and wb.year == 2024
    assert [f.rule for f in wb.findings] == []


def test_a_workbook_of_the_previous_release_reads_without_warning(tmp_path, fmt):
    """Made before 3.危及“三安全一稳定” took Chinese quotes: the ASCII label and that release's fingerprint read."""
    import openpyxl

    src = write_filled(tmp_path / "new.xlsx", fmt, consistent_values(fmt, seed=8))
    book = openpyxl.load_workbook(src)
    label = next(lab for s in fmt.layout.sheets for lab in s.labels if lab.aliases)
    assert label.aliases == ('3.危及"三安全一稳定"',)
    book[label.sheet].cell(label.row + 1, label.col + 1).value = label.aliases[0]
    meta = book[fmt.sheet_names["meta"]]
    row = next(r for r in meta.iter_rows() if r[0].value == "layout_fingerprint")
    row[1].value = "85d049ea3e201de8"
    book.save(tmp_path / "old.xlsx")
    wb = read_workbook(tmp_path / "old.xlsx")
    assert wb.findings == []
    row[1].value = "0000000000000000"
    book.save(tmp_path / "other.xlsx")
    assert [f.rule for f in read_workbook(tmp_path / "other.xlsx").findings] == ["fingerprint-mismatch"]


def test_a_count_shown_as_a_date_is_not_a_number_on_both_paths(conventional, tmp_path, fmt):
    """Excel turns "1-5" typed into a count into a date: both paths read the date the clerk sees, never 45296."""
    import re
    import zipfile

    from . import corpus

    src, _ = conventional
    base = corpus.rewrite_conventions(src, tmp_path / "d.xlsx", fmt, date1904=True)
    with zipfile.ZipFile(base) as z:  # the helper appended a date style (numFmtId 14) to cellXfs
        date_style = int(re.search(rb'<cellXfs count="(\d+)"', z.read("xl/styles.xml")).group(1)) - 1
    c = fmt.cells["t3.r01.c1"]
    part = corpus.sheet_part(src, c.sheet)
    p = corpus.rewrite_zip(base, tmp_path / "typed.xlsx", lambda n, b: re.sub(
        rb'<c r="' + c.address.encode() + rb'"[^>]*>.*?</c>',
        b'<c r="%s" s="%d"><v>45296</v></c>' % (c.address.encode(), date_style), b, count=1) if n == part else b)
    fast, slow = _both_ways(p)
    assert fast == slow
    errors = [f for f in validate(read_workbook(p)).errors]
    assert [(f.rule, f.cells) for f in errors] == [("not-a-number", (c.ref,))]
    assert "2028-01-06" in errors[0].message  # 45296 days after 1904-01-01


def test_a_merge_reads_the_tables_without_the_prose_sheets(tmp_path, fmt):
    """read_workbook(prose=False) gives the same numbers and cover, no prose and no prose warnings."""
    from govinfo_xlsx.validate import validate

    p = write_filled(tmp_path / "f.xlsx", fmt, consistent_values(fmt, seed=9), prose={})
    full, tables = read_workbook(p), read_workbook(p, prose=False)
    assert tables.values == full.values and tables.cover == full.cover and tables.cached == full.cached
    assert all(v == "" for v in tables.prose.values()) and not tables.prose_read
    assert "empty-prose" in {f.rule for f in validate(full, proofread=False).findings}
    assert "empty-prose" not in {f.rule for f in validate(tables, proofread=False).findings}
