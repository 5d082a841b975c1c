"""The format descriptor: labels verbatim from the national format, codes, relations."""

import json

import pytest

from govinfo_xlsx.format import FormatError, available_formats, from_descriptor

# Transcribed independently from FORMAT.md (国办公开办函〔2021〕30号).
T3_ROWS = [
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "1.属于国家秘密", "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
    "7.属于行政执法案卷", "8.属于行政查询事项", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确", "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物",
    "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他", "（七）总计",
    "四、结转下年度继续办理",
]
T3_COLS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T4_COLS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3


def test_table3_rows_and_columns_verbatim_in_order(fmt):
    t3 = fmt.table("t3")
    assert [r.label for _, r in t3.iter_rows()] == T3_ROWS
    assert [c.label for c in t3.blocks[0].columns] == T3_COLS
    groups = {r.path[1] for _, r in t3.iter_rows() if len(r.path) == 3}
    assert groups == {"（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"}


def test_table2_and_table4_labels(fmt):
    t2 = fmt.table("t2")
    assert [b.caption for b in t2.blocks] == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项",
                                              "第二十条第（八）项"]
    assert [r.label for _, r in t2.iter_rows()] == ["规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制",
                                                   "行政事业性收费"]
    assert [c.label for c in t2.blocks[0].columns] == ["本年制发件数", "本年废止件数", "现行有效件数"]
    assert t2.blocks[3].kind == "money"
    t4 = fmt.table("t4")
    assert [c.label for c in t4.blocks[0].columns] == T4_COLS
    assert [c.path[0] for c in t4.blocks[0].columns] == ["行政复议"] * 5 + ["行政诉讼"] * 10


def test_cell_counts_and_codes(fmt):
    # 表二 10 inputs; 表三 24 rows x 6 columns of inputs; 表四 12 inputs
    assert len(fmt.input_codes) == 10 + 24 * 6 + 12
    assert len(fmt.number_codes) == 10 + 25 * 7 + 15
    assert fmt.cells["t3.r24.c7"].role == "derived"
    assert fmt.cells["t4.r1.c05"].sum_of == ("t4.r1.c01", "t4.r1.c02", "t4.r1.c03", "t4.r1.c04")
    assert set(fmt.cells["t3.r24.c1"].sum_of) == {f"t3.r{i:02d}.c1" for i in range(3, 24)}


def test_relations_cover_every_printed_rule(fmt):
    balance = [r for r in fmt.relations if r.id == "t3-balance"]
    assert len(balance) == 7
    assert balance[0].left == ("t3.r01.c1", "t3.r02.c1") and balance[0].right == ("t3.r24.c1", "t3.r25.c1")
    derived = [r for r in fmt.relations if r.derived]
    assert len(derived) == 25 + 6 + 3


def test_derived_order_puts_parts_first(fmt):
    seen = set(fmt.input_codes)
    for code in fmt.derived_codes:
        assert set(fmt.cells[code].sum_of) <= seen
        seen.add(code)


def _shipped_json() -> dict:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "workbook_templates" / "govinfo-annual-2021.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_descriptor_round_trips(fmt):
    """to_descriptor() serialises the typed objects: it equals the shipped file key for key."""
    assert fmt.to_descriptor() == _shipped_json()
    again = from_descriptor(fmt.to_descriptor(), source="copy")
    assert again.to_descriptor() == fmt.to_descriptor()
    assert again.fingerprint == fmt.fingerprint
    assert [c.ref for c in again.cells.values()] == [c.ref for c in fmt.cells.values()]


def test_typed_sections_are_objects_not_dicts(fmt):
    assert fmt.rollup.status["merged"] == "已汇总"
    assert fmt.figures["received"].sum == ("t3.r01.c7",)
    assert fmt.checks.pass_mark == "✓" and fmt.cover.status_ok == "校验通过"
    assert fmt.prose_checks is not None and fmt.prose_checks.figures[0].id == "received"
    assert fmt.sections[0].parts[1].label == "（一）主动公开"
    assert not hasattr(fmt, "descriptor")


def _set(path, value):
    def mutate(d):
        obj = d
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(d):
        obj = d
        for key in path[:-1]:
            obj = obj[key]
        del obj[path[-1]]
    return mutate


@pytest.mark.parametrize("mutate, message", [
    (_set(("key_figures", 0, "sum"), ["t3.r99.c7"]),
     "bad.json: $.key_figures[0].sum[0]: unknown cell code: 't3.r99.c7'"),
    (_set(("prose_checks", "figures", 0, "patterns", 0), "(unclosed{NUM}"),
     "bad.json: $.prose_checks.figures[0].patterns[0]: bad regular expression"),
    (_set(("rollup", "chart_figure"), "applications"),
     "bad.json: $.rollup.chart_figure: unknown key figure: 'applications'"),
    (_set(("checks", "headers"), ["序号", "校验规则", "位置", "左边值", "右边值"]),
     "bad.json: $.checks.headers: expected 6 items, found 5"),
    (_set(("rollup", "colour"), "red"), "bad.json: $.rollup.colour: unknown key: 'red'"),
    (_delete(("cover", "status_ok")), "bad.json: $.cover.status_ok: missing required key: None"),
    (_set(("first_year",), "2021"), "bad.json: $.first_year: expected an integer: '2021'"),
    (_set(("tables", 1, "blocks", 0, "rows", 23, "sum_of_rows"), ["r99"]),
     "bad.json: $.tables[1].blocks[0].rows[23].sum_of_rows: unknown row: 'r99'"),
    (_set(("kinds", "count", "prompt"), "字" * 300), "bad.json: $.kinds.count.prompt: longer than Excel's 255"),
    (_set(("sections", 0, "sheet"), "一[总体]"), "bad.json: $.sheets: illegal Excel sheet name: '一[总体]'"),
    (_set(("negations",), []), "bad.json: $.negations: unknown key: []"),
    (_set(("prose_checks", "negations", 0, "cells"), ["t3.r01.c9"]),
     "bad.json: $.prose_checks.negations[0].cells[0]: unknown cell code: 't3.r01.c9'"),
    (_set(("drafts", "s1.p2", "text"), "共{received}件，{typo}件"),
     "bad.json: $.drafts.s1.p2.text: unknown placeholder {typo}"),
    (_set(("relations", 0, "left"), ["r01", "r77"]), "bad.json: $.relations[0].left[1]: unknown row: 'r77'"),
    (_set(("carry_over", "last_year"), "r26"), "bad.json: $.carry_over.last_year: unknown row: 'r26'"),
    (_set(("sections", 1, "table"), "t9"), "bad.json: $.sections[1].table: unknown table: 't9'"),
    (_set(("prose_checks", "year_pattern"), "(?:19|20)\\d{2}"),
     "bad.json: $.prose_checks.year_pattern: pattern lacks the group (?P<year>…)"),
])
def test_malformed_descriptor_is_refused(mutate, message):
    d = _shipped_json()
    mutate(d)
    with pytest.raises(FormatError) as ei:
        from_descriptor(d, source="bad.json")
    assert str(ei.value).startswith(message)


def test_registry_lists_shipped_version():
    assert ("govinfo-annual-report", "2021") in available_formats()


def test_a_new_version_is_a_new_data_file(tmp_path, monkeypatch, fmt):
    """A format version with an extra row works end to end without code changes."""
    from govinfo_xlsx.format import FORMATS_ENV, load_format
    from govinfo_xlsx.reader import read_workbook
    from govinfo_xlsx.template import write_workbook
    from govinfo_xlsx.validate import validate

    d = fmt.to_descriptor()
    d["version"] = "2031"
    t2 = d["tables"][0]
    t2["blocks"][2]["rows"].append({"code": "r7", "path": ["行政检查"]})
    (tmp_path / "v2031.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(FORMATS_ENV, str(tmp_path))
    new = load_format("2031")
    assert new.cells["t2.r7.c1"].role == "input" and len(new.input_codes) == len(fmt.input_codes) + 1
    p = tmp_path / "new.xlsx"
    write_workbook(p, new, year=2031, org="某县", values={"t2.r7.c1": 5, "t3.r01.c1": 1})
    wb = read_workbook(p)
    assert wb.format is new and wb.values["t2.r7.c1"] == 5
    assert [f.rule for f in validate(wb).errors] == ["t3-balance", "t3-balance"]
    # the 2021 reader still reads 2021 files; a 2031 file is refused once the descriptor is gone
    monkeypatch.delenv(FORMATS_ENV)
    from govinfo_xlsx.errors import WorkbookError

    with pytest.raises(WorkbookError) as ei:
        read_workbook(p)
    assert ei.value.reason == "unsupported-version"


def test_every_rule_id_is_in_the_one_catalogue_and_the_docs(fmt):
    """Rule ids used in the code or declared by the format are catalogued in findings.RULES and docs/rules.md."""
    import re
    from pathlib import Path

    from govinfo_xlsx.findings import RULES

    root = Path(__file__).resolve().parents[1]
    used = set()
    for path in (root / "govinfo_xlsx").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'Finding\(\s*"([a-z0-9-]+)"', text))
        used |= set(re.findall(r'rule="([a-z0-9-]+)"', text))
    used |= {r.id for r in fmt.relations}
    if fmt.carry_over is not None:
        used.add(fmt.carry_over.id)
    assert used, "no rule ids found: the scan is broken"
    assert sorted(used - set(RULES)) == []
    docs = (root / "docs" / "rules.md").read_text(encoding="utf-8")
    assert sorted(r for r in RULES if f"`{r}`" not in docs) == []
