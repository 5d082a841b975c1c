"""Roll-up: sums, every input accounted for, roster completeness, roll-ups of roll-ups."""

import json
from decimal import Decimal

import pytest

from govinfo_xlsx.cli import main
from govinfo_xlsx.export import to_dict
from govinfo_xlsx.merge import merge
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.validate import validate

from .helpers import assert_totals_in_libreoffice, consistent_values, write_filled


def _units(d, fmt, n, prefix="县", year=2024, seed0=0):
    paths = []
    for i in range(n):
        vals = consistent_values(fmt, seed=seed0 + i)
        vals["t2.r6.c1"] = Decimal("0.1") + Decimal(i) / 10000  # sums that drift in binary floats
        paths.append(write_filled(d / f"{prefix}{i}.xlsx", fmt, vals, org=f"{prefix}{i}", year=year))
    return paths


def _export_sum(paths):
    total = None
    for p in paths:
        d = to_dict(read_workbook(p))
        flat = json.loads(json.dumps([d["table2"], d["table3"], d["table4"]]))
        total = flat if total is None else _add(total, flat)
    return total


def _add(a, b):
    if isinstance(a, dict):
        return {k: _add(a[k], b[k]) for k in a}
    if isinstance(a, list):
        return [_add(x, y) for x, y in zip(a, b, strict=True)]
    return a + b


def _close(a, b):
    if isinstance(a, dict):
        return all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == pytest.approx(b, abs=1e-9)


def test_sums_equal_sum_of_exports_and_money_is_exact(tmp_path, fmt):
    paths = _units(tmp_path, fmt, 5)
    res = merge(paths, tmp_path / "out" / "市.xlsx", org="某市", jobs=2)
    assert res.exit_code == 0 and len(res.merged) == 5
    city = to_dict(read_workbook(tmp_path / "out" / "市.xlsx"))
    assert _close([city["table2"], city["table3"], city["table4"]], _export_sum(paths))
    assert res.totals["t2.r6.c1"] == Decimal("0.501")  # 5 x 0.1 + (0+1+2+3+4)/10000 exactly
    assert city["org"] == "某市" and city["year"] == 2024
    rep = validate(read_workbook(tmp_path / "out" / "市.xlsx"))
    assert rep.ok and not [f for f in rep.findings if f.rule in ("blank-input", "extra-sheet", "stale-total")]


def test_rollup_of_rollups_equals_one_step(tmp_path, fmt):
    a = _units(tmp_path, fmt, 3, prefix="甲县")
    b = _units(tmp_path, fmt, 2, prefix="乙县", seed0=50)
    merge(a, tmp_path / "甲市.xlsx", org="甲市", jobs=1)
    merge(b, tmp_path / "乙市.xlsx", org="乙市", jobs=1)
    two_step = merge([tmp_path / "甲市.xlsx", tmp_path / "乙市.xlsx"], tmp_path / "省.xlsx", org="某省", jobs=1)
    one_step = merge(a + b, tmp_path / "省1.xlsx", org="某省", jobs=1)
    assert two_step.exit_code == 0
    assert two_step.totals == one_step.totals
    assert to_dict(read_workbook(tmp_path / "省.xlsx"))["table3"] == to_dict(read_workbook(tmp_path / "省1.xlsx"))["table3"]


def test_every_input_accounted_for(tmp_path, fmt):
    d = tmp_path / "in"
    d.mkdir()
    good = _units(d, fmt, 3)
    write_filled(d / "重复.xlsx", fmt, consistent_values(fmt, seed=1), org="县1")
    write_filled(d / "去年.xlsx", fmt, consistent_values(fmt, seed=7), org="县7", year=2023)
    bad_vals = consistent_values(fmt, seed=8)
    bad_vals["t3.r01.c1"] += 1
    write_filled(d / "有错.xlsx", fmt, bad_vals, org="县8")
    (d / "坏.xlsx").write_bytes(b"PK\x03\x04broken")
    (d / "旧.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (d / "~$县0.xlsx").write_bytes(b"lock")
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n县0\n县1\n县2\n县8\n县9\n", encoding="utf-8")
    out = tmp_path / "市.xlsx"
    res = merge([d], out, org="某市", roster=roster, year=2024, jobs=2)
    status = {__import__("os").path.basename(u.path): u.status for u in res.units}
    assert status == {
        "县0.xlsx": "merged", "县1.xlsx": "duplicate", "县2.xlsx": "merged", "重复.xlsx": "duplicate",
        "去年.xlsx": "other-year", "有错.xlsx": "invalid", "坏.xlsx": "unreadable", "旧.xls": "unreadable",
        "~$县0.xlsx": "skipped",
    }
    assert res.exit_code == 1
    assert res.missing == ["县9"] and sorted(res.not_merged) == ["县1", "县8"]
    assert res.completeness == pytest.approx(2 / 5)
    assert res.totals["t3.r01.c1"] == sum(read_workbook(p).values["t3.r01.c1"] for p in (good[0], good[2]))
    # the 来源清单 sheet lists every input with its status
    import openpyxl

    wb = openpyxl.load_workbook(out)
    src = wb["来源清单"]
    rows = [[c.value for c in r] for r in src.iter_rows(min_row=2)]
    assert len(rows) == len(res.units)
    assert {(__import__("os").path.basename(r[1]), r[4]) for r in rows} >= {("坏.xlsx", "未汇总：无法读取"),
                                                                          ("县0.xlsx", "已汇总")}
    assert wb["汇总明细"]._charts  # a native bar chart


def test_duplicate_with_an_invalid_copy_is_not_guessed(tmp_path, fmt):
    good = _units(tmp_path, fmt, 1)[0]
    bad_vals = consistent_values(fmt, seed=90)
    bad_vals["t3.r01.c1"] += 1
    bad = write_filled(tmp_path / "县0-旧.xlsx", fmt, bad_vals, org="县0")
    res = merge([good, bad], tmp_path / "o.xlsx", jobs=1)
    assert [u.status for u in res.units] == ["duplicate", "duplicate"] and res.exit_code == 2
    assert "另有错误" in res.units[1].reason and "另有错误" not in res.units[0].reason


def test_same_file_twice_is_read_once_and_reported(tmp_path, fmt):
    paths = _units(tmp_path, fmt, 2)
    res = merge([paths[0], paths[1], paths[0]], tmp_path / "o.xlsx", jobs=1)
    assert [u.status for u in res.units] == ["merged", "merged", "skipped"] and res.exit_code == 0
    assert read_workbook(tmp_path / "o.xlsx").org == "o"  # named after the file when --org is not given
    assert "重复指定" in res.units[2].reason
    assert res.totals["t3.r01.c1"] == sum(read_workbook(p).values["t3.r01.c1"] for p in paths)


def test_strict_and_nothing_merged(tmp_path, fmt):
    paths = _units(tmp_path, fmt, 2)
    (tmp_path / "坏.xlsx").write_bytes(b"")
    out = tmp_path / "o.xlsx"
    res = merge(paths + [tmp_path / "坏.xlsx"], out, strict=True, jobs=1)
    assert res.exit_code == 1 and not out.exists()
    res = merge([tmp_path / "坏.xlsx"], out, jobs=1)
    assert res.exit_code == 2 and not out.exists()


def test_merge_cli_json_and_report(tmp_path, fmt, capsys):
    paths = _units(tmp_path, fmt, 3)
    out = tmp_path / "市.xlsx"
    code = main(["merge", *map(str, paths), "-o", str(out), "--org", "某市", "--report", str(tmp_path / "市.html"),
                 "--json", "--quiet"])
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["merged"] == 3 and d["excluded"] == 0 and d["units"][0]["status"] == "merged"
    html = (tmp_path / "市.html").read_text(encoding="utf-8")
    assert "汇总明细" in html and "县0" in html and 'class="bar"' in html
    assert main(["merge", str(paths[0]), "-o", str(paths[0])]) == 3


@pytest.mark.libreoffice
def test_rollup_recalculates_in_libreoffice(lo, tmp_path, fmt):
    paths = _units(tmp_path, fmt, 3)
    out = tmp_path / "市.xlsx"
    res = merge(paths, out, org="某市", jobs=1)
    (r,) = lo([{"file": str(out)}])
    for sheet, cached in r["cached"].items():
        assert cached == r["sheets"][sheet]["values"], sheet
    assert_totals_in_libreoffice(r, fmt, res.totals, "校验通过")
