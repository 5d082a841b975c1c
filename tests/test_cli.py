"""The command line end to end: exit codes, JSON shapes, outputs."""

import json

import pytest

from govinfo_xlsx.cli import main

from .helpers import consistent_values, expected_totals, write_filled


def test_template_then_check_blank(tmp_path, capsys):
    """A template nobody filled is 未填写: an error, not a pass (blank cells are not a report)."""
    out = tmp_path / "模板.xlsx"
    assert main(["template", "-o", str(out), "--year", "2024", "--org", "某县"]) == 0
    capsys.readouterr()
    assert main(["check", str(out)]) == 1
    text = capsys.readouterr().out
    assert "校验通过" not in text and "全部未填写" in text
    assert main(["check", str(out), "--json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["state"] == "empty" and [i["rule"] for i in d["issues"] if i["severity"] == "error"] == ["empty-workbook"]


def test_partly_blank_workbook_is_a_warning_named_as_such(tmp_path, fmt, capsys):
    vals = consistent_values(fmt, seed=3)
    vals["t4.r1.c01"] = None
    p = write_filled(tmp_path / "f.xlsx", fmt, vals)
    assert main(["check", str(p), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["state"] == "partial"
    assert [(i["rule"], i["severity"]) for i in d["issues"]] == [("blank-input", "warning")]
    assert main(["check", str(p), "--strict"]) == 1


def test_check_json_shape_and_exit_code(tmp_path, fmt, capsys):
    vals = consistent_values(fmt, seed=2)
    vals["t3.r25.c4"] += 1
    p = write_filled(tmp_path / "f.xlsx", fmt, vals)
    assert main(["check", str(p), "--json", "--year", "2024"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert set(d) == {"file", "org", "year", "ok", "state", "issues"}
    assert d["ok"] is False and d["year"] == 2024
    assert [i["rule"] for i in d["issues"]] == ["t3-balance", "t3-balance"]
    issue = d["issues"][0]
    assert set(issue) == {"rule", "severity", "message", "cells", "expected", "actual"}
    assert issue["cells"][0] == fmt.cells["t3.r01.c4"].ref
    assert issue["actual"] - issue["expected"] == 1


def test_check_unreadable_exits_2(tmp_path, capsys):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04garbage")
    assert main(["check", str(bad)]) == 2
    assert "坏.xlsx" in capsys.readouterr().err
    assert main(["check", str(bad), "--json"]) == 2
    d = json.loads(capsys.readouterr().out)
    assert d["ok"] is False and d["error"] == "corrupt-zip"
    assert [(i["rule"], i["severity"]) for i in d["issues"]] == [("corrupt-zip", "error")]


def test_export_json_matches_format_order(tmp_path, fmt, capsys):
    vals = consistent_values(fmt, seed=4)
    p = write_filled(tmp_path / "f.xlsx", fmt, vals)
    assert main(["export", str(p)]) == 0
    d = json.loads(capsys.readouterr().out)
    totals = expected_totals(fmt, vals)
    assert d["table2"]["规章"] == [vals["t2.r1.c1"], vals["t2.r1.c2"], vals["t2.r1.c3"]]
    assert d["table2"]["行政许可"] == vals["t2.r3.c1"]
    assert d["table2"]["行政事业性收费"] == pytest.approx(float(vals["t2.r6.c1"]))
    assert len(d["table3"]) == 25 and all(len(r) == 7 for r in d["table3"])
    assert d["table3"][23] == [totals[f"t3.r24.c{i}"] for i in range(1, 8)]
    assert d["table3"][24][0] == vals["t3.r25.c1"]
    assert d["table4"] == [totals[f"t4.r1.c{i:02d}"] for i in range(1, 16)]
    assert d["prose"]["（一）主动公开"] == "（一）主动公开的内容。"


def test_export_csv_is_tidy(tmp_path, fmt):
    import pandas as pd

    vals = consistent_values(fmt, seed=4)
    p = write_filled(tmp_path / "f.xlsx", fmt, vals)
    out = tmp_path / "f.csv"
    assert main(["export", str(p), "--format", "csv", "-o", str(out)]) == 0
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == len(fmt.number_codes)
    row = df[df["单元格代码"] == "t3.r01.c1"].iloc[0]
    assert (row["行"], row["列"], row["数值"]) == ("一、本年新收政府信息公开申请数量", "自然人", vals["t3.r01.c1"])


def test_annotate_marks_cells_and_keeps_the_original(tmp_path, fmt):
    import openpyxl

    vals = consistent_values(fmt, seed=6)
    vals["t3.r01.c2"] += 1
    p = write_filled(tmp_path / "f.xlsx", fmt, vals)
    before = p.read_bytes()
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(p), "--annotate", str(out)]) == 1
    assert p.read_bytes() == before
    wb = openpyxl.load_workbook(out)
    c = fmt.cells["t3.r01.c2"]
    cell = wb[c.sheet][c.address]
    assert "第一项加第二项之和" in cell.comment.text
    assert cell.value == vals["t3.r01.c2"]
    assert wb[c.sheet].protection.sheet
    assert main(["check", str(p), "--annotate", str(p)]) == 3
    assert p.read_bytes() == before


def test_next_year_template_carries_over(tmp_path, fmt):
    from govinfo_xlsx.reader import read_workbook
    from govinfo_xlsx.validate import validate

    vals = consistent_values(fmt, seed=8)
    last = write_filled(tmp_path / "2023.xlsx", fmt, vals, year=2023)
    new = tmp_path / "2024.xlsx"
    assert main(["template", "--from", str(last), "-o", str(new)]) == 0
    wb = read_workbook(new)
    assert wb.year == 2024 and wb.org == "测试县人民政府办公室"
    for i in range(1, 7):
        assert wb.values[f"t3.r02.c{i}"] == vals[f"t3.r25.c{i}"]
    assert [f.rule for f in validate(wb, previous=read_workbook(last)).errors if f.rule == "carry-over"] == []


def test_csv_export_neutralises_formula_like_org_names(tmp_path, fmt):
    from govinfo_xlsx.export import to_csv
    from govinfo_xlsx.reader import read_workbook

    p = write_filled(tmp_path / "f.xlsx", fmt, consistent_values(fmt, seed=4), org="=cmd|' /C calc'!A0")
    text = to_csv(read_workbook(p))
    assert "\n'=cmd|' /C calc'!A0," in text.replace('"', "")
    assert "\n=cmd" not in text


def test_template_refuses_a_year_outside_the_format(tmp_path, capsys):
    assert main(["template", "-o", str(tmp_path / "t.xlsx"), "--year", "2019"]) == 3
    assert "2021" in capsys.readouterr().err
    assert not (tmp_path / "t.xlsx").exists()
