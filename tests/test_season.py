"""A city office's reporting season end to end: no wrong total, no unit or file unaccounted for."""

import csv
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from govinfo_xlsx.batch import check_files, return_note, write_templates
from govinfo_xlsx.cli import main
from govinfo_xlsx.merge import merge
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.report import build_document, convert, render_markdown
from govinfo_xlsx.roster import RosterError, match_file, read_roster_entries

from .helpers import consistent_values, expected_totals, fill_openpyxl, write_filled

CITY = "新乡市人民政府办公室"
UNITS = ["红旗区人民政府办公室", "卫滨区人民政府办公室", "牧野区人民政府办公室", "凤泉区人民政府办公室"]
OTHERS = ["原阳县人民政府办公室", "获嘉县人民政府办公室", "封丘县人民政府办公室", "辉县市人民政府办公室",
          "长垣市人民政府办公室", "延津县人民政府办公室", "卫辉市人民政府办公室"]


def _sheet_rows(path, name):
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
    wb.close()
    return rows


@pytest.fixture(scope="module")
def season(tmp_path_factory, fmt):
    """A folder of returns as a city office finds it, and the roll-up of it."""
    root = tmp_path_factory.mktemp("season")
    d = root / "returns"
    d.mkdir()
    vals = {u: consistent_values(fmt, seed=i + 1) for i, u in enumerate(UNITS)}
    for u in UNITS[:3]:
        write_filled(d / f"{u[:3]}.xlsx", fmt, vals[u], org=u, cover={"cover.filler": f"{u[:2]}联系人",
                                                                       "cover.phone": "0373-555"})
    shutil.copy(d / "红旗区.xlsx", d / "红旗区 - 副本.xlsx")  # byte-identical copy
    draft = merge([d / "红旗区.xlsx", d / "卫滨区.xlsx"], root / "draft.xlsx", org=CITY, jobs=1)
    assert draft.written
    shutil.copy(root / "draft.xlsx", d / "市汇总（草稿）.xlsx")  # an old draft roll-up saved among the returns
    write_filled(d / "凤泉区.xlsx", fmt, {}, org=UNITS[3])  # an empty template, cover filled
    codes = [c for c in fmt.input_codes if fmt.cells[c].kind == "count"]
    write_filled(d / "原阳县.xlsx", fmt, vals[UNITS[0]], org=OTHERS[0])
    fill_openpyxl(d / "原阳县.xlsx", d / "原阳县.xlsx", fmt, {codes[0]: "无", codes[1]: "—", codes[2]: "１２"})
    write_filled(d / "延津县.xlsx", fmt, vals[UNITS[1]], org=OTHERS[5], year=2023)
    (d / "获嘉县2024年报.docx").write_bytes(b"PK\x03\x04 a Word report")
    (d / "封丘县年度报告.pdf").write_bytes(b"%PDF-1.4\n")
    with zipfile.ZipFile(d / "辉县市.zip", "w") as z:
        z.writestr("辉县市.xlsx", "x")
    (d / "~$牧野区.xlsx").write_bytes(b"\x00" * 165)
    (d / "长垣市.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    roster = root / "名单.csv"
    lines = ["2024年度政务公开年报报送名单,,,", "序号,单位名称,联系人,电话"]
    lines += [f"{i},{u},王{i},1390000{i:04d}" for i, u in enumerate(UNITS + OTHERS, 1)]
    roster.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    out = root / "市汇总.xlsx"
    res = merge([d], out, org=CITY, roster=roster, report=root / "报告.md", chase=root / "催报.csv", jobs=2)
    expected = {c: sum(expected_totals(fmt, vals[u])[c] for u in UNITS[:3]) for c in fmt.input_codes + fmt.derived_codes}
    return {"root": root, "dir": d, "res": res, "out": out, "expected": expected, "roster": roster}


def test_city_totals_equal_the_good_units_exactly(season, fmt):
    wb = read_workbook(season["out"])
    numbers = wb.numbers()
    assert {c: numbers[c] for c in season["expected"]} == season["expected"]
    assert season["res"].exit_code == 1
    assert wb.is_rollup and sorted(wb.rollup_members) == sorted(UNITS[:3])
    # The per-unit sheet: each merged unit's 本年新收, and nothing for a unit that was not summed.
    rows = _sheet_rows(season["out"], fmt.rollup.units_sheet)
    col = 3 + [f.id for f in fmt.key_figures].index("received")
    merged = [r for r in rows[1:] if r[-1] == "已汇总"]
    assert sum(r[col] for r in merged) == season["expected"]["t3.r01.c7"] and len(merged) == 3
    assert all(r[col] is None for r in rows[1:] if r[-1] != "已汇总")


def test_every_file_has_its_status(season):
    res = season["res"]
    by_name = {Path(u.path).name: u for u in res.units}
    assert set(by_name) == {p.name for p in season["dir"].iterdir()}
    status = {n: u.status for n, u in by_name.items()}
    assert status == {
        "红旗区.xlsx": "merged", "红旗区 - 副本.xlsx": "copy", "卫滨区.xlsx": "merged", "牧野区.xlsx": "merged",
        "市汇总（草稿）.xlsx": "rollup", "凤泉区.xlsx": "empty", "原阳县.xlsx": "invalid", "延津县.xlsx": "other-year",
        "获嘉县2024年报.docx": by_name["获嘉县2024年报.docx"].status, "封丘县年度报告.pdf": by_name["封丘县年度报告.pdf"].status,
        "辉县市.zip": "not-workbook", "~$牧野区.xlsx": "skipped", "长垣市.xls": "unreadable"}
    assert status["获嘉县2024年报.docx"] in ("document", "unreadable")
    assert "汇总它会重复计算" in by_name["市汇总（草稿）.xlsx"].reason
    assert "内容完全相同" in by_name["红旗区 - 副本.xlsx"].reason
    assert "内含 辉县市.xlsx" in by_name["辉县市.zip"].reason
    # Unreadable files are matched to roster units by their names.
    assert by_name["长垣市.xls"].unit == "长垣市人民政府办公室"
    assert by_name["获嘉县2024年报.docx"].unit == "获嘉县人民政府办公室"


def test_rollup_workbook_states_completeness(season):
    res = season["res"]
    rows = _sheet_rows(season["out"], "报送情况")
    assert "应报 11 个单位，已汇总 3 个，未纳入 8 个" in rows[0][0]
    by_unit = {r[1]: r for r in rows[2:]}
    for u in UNITS + OTHERS:
        assert u in by_unit, u
    assert by_unit["卫辉市人民政府办公室"][2] == "缺报"
    assert by_unit["凤泉区人民政府办公室"][2] == "未汇总：未填写"
    assert by_unit["长垣市人民政府办公室"][2] == "未汇总：无法读取"
    assert by_unit["红旗区人民政府办公室"][2] == "已汇总"
    assert "市汇总（草稿）.xlsx" in by_unit  # a file of no roster unit is listed too
    wb = read_workbook(season["out"])
    assert "应报 11 个单位，已汇总 3 个，未纳入 8 个" in wb.cover["cover.note"]
    assert "卫辉市人民政府办公室（缺报）" in wb.cover["cover.note"]
    assert res.missing == ["卫辉市人民政府办公室"]
    report = (season["root"] / "报告.md").read_text(encoding="utf-8")
    assert "应报 11 个单位，已汇总 3 个，未纳入 8 个" in report
    for u in UNITS + OTHERS:
        assert u in report


def test_chase_list_has_contacts(season):
    rows = list(csv.reader((season["root"] / "催报.csv").read_text(encoding="utf-8-sig").splitlines()))
    by_unit = {r[1]: r for r in rows[1:]}
    assert set(by_unit) == {"凤泉区人民政府办公室", *OTHERS}
    assert by_unit["卫辉市人民政府办公室"][4:6] == ["王11", "13900000011"]  # from the roster: no cover
    assert by_unit["凤泉区人民政府办公室"][4:6] == ["张三", "0373-1234567"]  # from its cover


def test_county_rollups_into_a_province_still_merge(tmp_path, fmt):
    a = [write_filled(tmp_path / f"甲{i}.xlsx", fmt, consistent_values(fmt, seed=i), org=f"甲县{i}") for i in range(2)]
    merge(a, tmp_path / "甲市.xlsx", org="甲市", jobs=1)
    b = write_filled(tmp_path / "乙市.xlsx", fmt, consistent_values(fmt, seed=9), org="乙市")
    prov = merge([tmp_path / "甲市.xlsx", b], tmp_path / "省.xlsx", org="某省", jobs=1)
    assert prov.exit_code == 0 and len(prov.merged) == 2
    # The same county roll-up given with one of its own units: the units would count twice.
    again = merge([tmp_path / "甲市.xlsx", a[0], b], tmp_path / "省2.xlsx", org="某省", jobs=1)
    st = {Path(u.path).name: u.status for u in again.units}
    assert st["甲市.xlsx"] == "rollup" and st["甲0.xlsx"] == "merged"
    assert "甲县0" in next(u.reason for u in again.units if u.status == "rollup")


def test_differing_copies_and_prefer(tmp_path, fmt):
    v1, v2 = consistent_values(fmt, seed=1), consistent_values(fmt, seed=2)
    p1 = write_filled(tmp_path / "红旗区.xlsx", fmt, v1, org="红旗区")
    p2 = write_filled(tmp_path / "红旗区（修改）.xlsx", fmt, v2, org="红旗区")
    other = write_filled(tmp_path / "卫滨区.xlsx", fmt, v1, org="卫滨区")
    res = merge([p1, p2, other], tmp_path / "市.xlsx", org="市", jobs=1)
    assert [u.status for u in res.units[:2]] == ["duplicate", "duplicate"]
    assert "--prefer" in res.units[0].reason
    res = merge([p1, p2, other], tmp_path / "市.xlsx", org="市", jobs=1, prefer=[p2])
    st = {Path(u.path).name: u.status for u in res.units}
    assert st == {"红旗区.xlsx": "superseded", "红旗区（修改）.xlsx": "merged", "卫滨区.xlsx": "merged"}
    assert res.totals["t3.r01.c7"] == expected_totals(fmt, v2)["t3.r01.c7"] + expected_totals(fmt, v1)["t3.r01.c7"]
    assert res.exit_code == 0


def test_rosters_as_offices_keep_them(tmp_path):
    names = ["红旗区人民政府办公室", "卫滨区人民政府办公室"]
    # GBK, CRLF, title row, 序号 column
    p = tmp_path / "a.csv"
    p.write_bytes("新乡市2024年度报送名单\r\n序号,单位名称,联系人,联系电话\r\n1,红旗区人民政府办公室,张三,123\r\n"
                  "2,卫滨区人民政府办公室,李四,456\r\n".encode("gbk"))
    entries = read_roster_entries(p)
    assert [e.name for e in entries] == names and entries[1].phone == "456" and entries[0].contact == "张三"
    # UTF-8 with BOM, no header at all, 序号 first
    p = tmp_path / "b.csv"
    p.write_bytes("\ufeff1,红旗区人民政府办公室\n2,卫滨区人民政府办公室\n".encode())
    assert [e.name for e in read_roster_entries(p)] == names
    # .xlsx with a merged title row, a blank row, extra columns before the names
    x = openpyxl.Workbook()
    ws = x.active
    ws.append(["2024年度政府信息公开工作年度报告报送名单"])
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["序号", "区县", "单位名称", "联系人", "电话"])
    ws.append([1, "红旗区", "红旗区人民政府办公室", "张三", 13900001111])
    ws.append([2, "卫滨区", "卫滨区人民政府办公室", "李四", None])
    ws.append(["合计", None, None, None, None])
    x.save(tmp_path / "c.xlsx")
    entries = read_roster_entries(tmp_path / "c.xlsx")
    assert [e.name for e in entries] == names and entries[0].phone == "13900001111"
    p = tmp_path / "d.csv"
    p.write_bytes(b"")
    with pytest.raises(RosterError, match="没有找到单位名称"):
        read_roster_entries(p)
    assert match_file("~$长垣市.xlsx", ["长垣市人民政府办公室", "长垣县"]) == "长垣市人民政府办公室"
    assert match_file("红旗区.xls", ["红旗区人民政府办公室", "红旗区教育局"]) is None  # ambiguous: not guessed


def test_short_roster_name_gets_a_hint(tmp_path, fmt):
    p = write_filled(tmp_path / "红旗区.xlsx", fmt, consistent_values(fmt), org="红旗区人民政府办公室")
    roster = tmp_path / "r.csv"
    roster.write_text("单位名称\n红旗区政府办\n", encoding="utf-8")
    res = merge([p], tmp_path / "市.xlsx", org="市", roster=roster, jobs=1)
    assert res.missing == ["红旗区政府办"]
    assert res.suggestions == {"红旗区人民政府办公室": "红旗区政府办"}
    assert "最接近的是“红旗区政府办”" in res.summary()


def test_empty_workbook_is_refused_everywhere(tmp_path, fmt, capsys):
    p = write_filled(tmp_path / "空.xlsx", fmt, {})
    assert main(["check", str(p)]) == 1
    assert "尚未填写" in capsys.readouterr().out
    assert not convert(p, tmp_path / "r.md").written
    assert convert(p, tmp_path / "r.md", force=True).written
    # Even when forced, no paragraph states "未收到申请" from blank cells.
    assert "未收到" not in (tmp_path / "r.md").read_text(encoding="utf-8")
    vals = consistent_values(fmt)
    zero = {c: (0 if fmt.cells[c].kind == "count" else vals[c]) for c in fmt.input_codes}
    doc = render_markdown(build_document(read_workbook(write_filled(tmp_path / "零.xlsx", fmt, zero, prose={}))))
    assert "本年度未收到政府信息公开申请" in doc  # zeros that were typed are a fact


def test_batch_templates_and_check(tmp_path, fmt, capsys):
    roster = tmp_path / "名单.csv"
    roster.write_text("序号,单位名称\n1,红旗区人民政府办公室\n2,卫滨区/开发区管委会\n", encoding="utf-8")
    assert main(["template", "--roster", str(roster), "-o", str(tmp_path / "模板"), "--year", "2024"]) == 0
    made = sorted(p.name for p in (tmp_path / "模板").iterdir())
    assert made == ["卫滨区_开发区管委会.xlsx", "红旗区人民政府办公室.xlsx"]
    wb = read_workbook(tmp_path / "模板" / "卫滨区_开发区管委会.xlsx")
    assert (wb.org, wb.year) == ("卫滨区/开发区管委会", 2024)
    # A folder of returns: one good, one empty (a template as sent out), one with errors, one unreadable.
    d = tmp_path / "收到"
    d.mkdir()
    write_filled(d / "好.xlsx", fmt, consistent_values(fmt), org="好单位")
    shutil.copy(tmp_path / "模板" / "红旗区人民政府办公室.xlsx", d / "红旗区.xlsx")
    bad = consistent_values(fmt)
    bad["t3.r01.c1"] += 1
    write_filled(d / "错.xlsx", fmt, bad, org="错单位")
    (d / "坏.xlsx").write_bytes(b"not a zip")
    capsys.readouterr()
    rc = main(["check", str(d), "--annotate", str(tmp_path / "退回")])
    out = capsys.readouterr().out
    assert rc == 2
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert any(ln.startswith("✓ 好.xlsx") for ln in lines)
    assert any("红旗区.xlsx" in ln and "尚未填写" in ln for ln in lines)
    assert any("错.xlsx" in ln and "个错误" in ln for ln in lines)
    assert any("坏.xlsx" in ln and "无法读取" in ln for ln in lines)
    assert "共 4 个文件：校验通过 1 个，有错误 1 个，尚未填写 1 个，无法读取 1 个。" in out
    back = sorted(p.name for p in (tmp_path / "退回").iterdir())
    assert "错单位_标注.xlsx" in back and "错单位_退回意见.txt" in back and "红旗区人民政府办公室_退回意见.txt" in back
    note = (tmp_path / "退回" / "错单位_退回意见.txt").read_text(encoding="utf-8-sig")
    assert note.startswith("错单位：") and "请修改后重新报送" in note and "D6" in note
    items = check_files([d / "好.xlsx"])
    assert "未发现错误" in return_note(items[0])


def test_write_templates_refuses_bad_roster(tmp_path):
    with pytest.raises(ValueError, match="名单文件"):
        write_templates(tmp_path / "无.csv", tmp_path / "out")


def test_reports_sent_as_word_are_read_and_compared(tmp_path, fmt):
    """A unit that sent only its Word report is imported; one that sent both is counted from its workbook."""
    pytest.importorskip("govinfo_xlsx.documents")
    from .docmaker import fill_form, sample_values

    va, vb = sample_values(fmt, seed=3), sample_values(fmt, seed=4)
    write_filled(tmp_path / "甲县.xlsx", fmt, va, org="甲县人民政府")
    fill_form(fmt, va, tmp_path / "甲县报告.docx", org="甲县人民政府", year=2024)
    fill_form(fmt, vb, tmp_path / "乙县报告.docx", org="乙县人民政府", year=2024)
    fill_form(fmt, vb, tmp_path / "丙县2023年报告.docx", org="丙县人民政府", year=2023)  # another year's report
    res = merge([tmp_path], tmp_path / "out" / "市.xlsx", org="市", jobs=1)
    st = {Path(u.path).name: u for u in res.units}
    assert st["甲县.xlsx"].status == "merged"
    assert st["甲县报告.docx"].status == "compared" and "一致" in st["甲县报告.docx"].reason
    assert st["乙县报告.docx"].status == "merged" and st["乙县报告.docx"].status_key() == "imported"
    assert st["丙县2023年报告.docx"].status == "other-year"
    assert res.totals["t3.r01.c7"] == expected_totals(fmt, va)["t3.r01.c7"] + expected_totals(fmt, vb)["t3.r01.c7"]
    rows = _sheet_rows(tmp_path / "out" / "市.xlsx", "报送情况")
    assert any(r[1] == "乙县人民政府" and r[2] == "已汇总（由 Word/PDF 导入）" for r in rows)


def test_unmarked_old_rollup_is_recognised(tmp_path, fmt):
    """A roll-up written before roll-ups were marked: its 汇总明细 sheet and its cover's member list give it away."""
    from govinfo_xlsx.template import ListSheet, write_workbook

    va, vb = consistent_values(fmt, seed=1), consistent_values(fmt, seed=2)
    a = write_filled(tmp_path / "甲.xlsx", fmt, va, org="甲县")
    b = write_filled(tmp_path / "乙.xlsx", fmt, vb, org="乙县")
    summed = {c: va[c] + vb[c] for c in fmt.input_codes}
    old = tmp_path / "旧汇总.xlsx"
    write_workbook(old, fmt, year=2024, org="丙市", values=summed, cover={"cover.note": "汇总 2 个单位：甲县、乙县"},
                   extra_sheets=[ListSheet(fmt.rollup.units_sheet, ("序号",), [[1]], (6,))])
    wb = read_workbook(old)
    assert wb.is_rollup and wb.rollup_members == ()
    res = merge([a, b, old], tmp_path / "out.xlsx", org="某省", jobs=1)
    st = {Path(u.path).name: u.status for u in res.units}
    assert st == {"甲.xlsx": "merged", "乙.xlsx": "merged", "旧汇总.xlsx": "rollup"}
    assert res.totals["t3.r01.c7"] == expected_totals(fmt, va)["t3.r01.c7"] + expected_totals(fmt, vb)["t3.r01.c7"]


def test_merge_cli_chase_and_prefer(tmp_path, fmt, capsys):
    (tmp_path / "in").mkdir()
    write_filled(tmp_path / "in" / "甲.xlsx", fmt, consistent_values(fmt, seed=1), org="甲县")
    p2 = write_filled(tmp_path / "in" / "甲（改）.xlsx", fmt, consistent_values(fmt, seed=2), org="甲县")
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,联系人,电话\n甲县,张三,111\n乙县,李四,222\n", encoding="utf-8")
    args = ["merge", str(tmp_path / "in"), "-o", str(tmp_path / "市.xlsx"), "--org", "市", "--roster", str(roster),
            "--chase", str(tmp_path / "催报.xlsx"), "--quiet", "--jobs", "1"]
    assert main(args) == 2  # both copies of 甲县 differ: nothing to merge
    assert main(args + ["--prefer", str(p2)]) == 1  # 乙县 is still missing
    out = capsys.readouterr().out
    assert "已按 --prefer 选用" in out and "已生成催报清单" in out
    rows = _sheet_rows(tmp_path / "催报.xlsx", "催报清单")
    assert rows[2][1:3] == ["乙县", "缺报"] and rows[2][4:6] == ["李四", "222"]
    assert main(args + ["--prefer", str(tmp_path / "无.xlsx")]) == 3


def test_file_names_from_a_windows_archive(tmp_path, fmt):
    """Names unpacked on Linux from a Windows zip are GBK bytes: read, shown decoded, nothing crashes."""
    import os

    d = os.fsencode(tmp_path / "in")
    os.mkdir(d)
    src = write_filled(tmp_path / "x.xlsx", fmt, consistent_values(fmt), org="红旗区人民政府办公室")
    shutil.copy(src, os.path.join(d, "红旗区.xlsx".encode("gbk")))
    with open(os.path.join(d, "说明".encode("gbk") + b"\x07.txt"), "wb") as fh:
        fh.write(b"x")
    res = merge([tmp_path / "in"], tmp_path / "out.xlsx", org="市", report=tmp_path / "r.docx", jobs=1)
    assert res.written and len(res.merged) == 1
    files = [r[1] for r in _sheet_rows(tmp_path / "out.xlsx", fmt.rollup.sources_sheet)[1:]]
    assert any(f.endswith("/红旗区.xlsx") for f in files) and any("说明" in f for f in files)
    assert "说明\ufffd.txt" in res.summary()


def test_units_merged_outside_the_roster_are_stated_with_the_sum(tmp_path, fmt):
    """A sum that holds units the roster does not list says so on the cover and in the report's first section."""
    names = ["红旗区人民政府办公室", "牧野区人民政府办公室", "卫滨区人民政府办公室"]
    for i, n in enumerate(names):
        write_filled(tmp_path / "in" / f"{i}.xlsx", fmt, consistent_values(fmt, seed=70 + i), org=n)
    roster = tmp_path / "r.csv"
    roster.write_text("单位名称\n红旗区人民政府办公室\n牧野区政府办\n卫滨区人民政府办公室\n", encoding="utf-8")
    res = merge([tmp_path / "in"], tmp_path / "市.xlsx", org="某市", roster=roster, jobs=1,
                report=tmp_path / "市.md")
    assert res.unexpected == ["牧野区人民政府办公室"] and res.suggestions == {"牧野区人民政府办公室": "牧野区政府办"}
    said = "另有名单以外的 1 个单位已汇总并计入各项数字：牧野区人民政府办公室（请核对名单或单位名称）"
    assert said in str(read_workbook(tmp_path / "市.xlsx").cover["cover.note"])
    assert said in (tmp_path / "市.md").read_text(encoding="utf-8")
