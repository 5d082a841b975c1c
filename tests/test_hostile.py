"""Hostile and broken inputs: a precise error for each, nothing lost, never a traceback."""

import os
import subprocess
import sys

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govinfo_xlsx.errors import WorkbookError
from govinfo_xlsx.export import to_dict
from govinfo_xlsx.merge import merge
from govinfo_xlsx.reader import read_workbook
from govinfo_xlsx.validate import validate

from . import corpus
from .helpers import consistent_values, expected_totals, write_filled

EXPECTED = {
    "empty.xlsx": "empty-file",
    "random.xlsx": "not-xlsx",
    "truncated.xlsx": "corrupt-zip",
    "old.xls": "xls-format",
    "encrypted.xlsx": "encrypted",
    "data.csv.xlsx": "text-file",
    "scan.xlsx": "pdf-file",
    "export.xls": "html-file",
    "sheet.ods": "ods-format",
    "macro.xlsm": "xlsm-format",
    "word.xlsx": "not-xlsx",
    "binary.xlsb": "xlsb-format",
    "bomb.xlsx": "zip-bomb",
    "laughs.xlsx": "xml-attack",
    "xxe.xlsx": "xml-attack",
    "encoding.xlsx": "corrupt-xml",
    "deflate64.xlsx": "corrupt-zip",
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory, fmt):
    d = tmp_path_factory.mktemp("hostile")
    good = write_filled(d / "good.xlsx", fmt, consistent_values(fmt, seed=31), org="好单位")
    return good, corpus.build(good, d / "corpus", fmt)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_file_has_its_reason(cases, name):
    _, files = cases
    with pytest.raises(WorkbookError) as ei:
        read_workbook(files[name])
    assert ei.value.reason == EXPECTED[name]
    assert name in str(ei.value) and "无法读取" in str(ei.value)


@pytest.mark.parametrize("name, says", [
    ("encoding.xlsx", "的 XML 已损坏（声明了未知的字符编码“UTF-9”）"),
    ("deflate64.xlsx", "使用了本工具不支持的压缩方式（编号 9）"),
])
def test_damage_the_package_reader_names_is_located_on_both_paths(cases, fmt, name, says):
    """An unknown XML encoding or an unsupported compression names the sheet, on the fast and the expat path."""
    from govinfo_xlsx import xlsxfile

    _, files = cases
    for fast in (True, False):
        xlsxfile.FAST_PATH = fast
        try:
            with pytest.raises(WorkbookError) as ei:
                read_workbook(files[name])
        finally:
            xlsxfile.FAST_PATH = True
        assert f"工作表“{fmt.table('t3').sheet}”{says}" in str(ei.value)


def test_missing_and_directory(tmp_path):
    for path, reason in ((tmp_path / "没有.xlsx", "file-not-found"), (tmp_path, "is-directory")):
        with pytest.raises(WorkbookError) as ei:
            read_workbook(path)
        assert ei.value.reason == reason


def test_unreadable_permission(tmp_path, cases, monkeypatch):
    from govinfo_xlsx import xlsxfile

    p = tmp_path / "locked.xlsx"
    p.write_bytes(cases[0].read_bytes())

    def denied(*a, **k):  # CI runs as root, which reads any file whatever its mode
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(xlsxfile, "open", denied, raising=False)
    with pytest.raises(WorkbookError) as ei:
        read_workbook(p)
    assert ei.value.reason == "permission-denied"


def test_huge_honest_sheet_reads_with_a_warning(cases, fmt):
    good, files = cases
    wb = read_workbook(files["huge.xlsx"])
    assert wb.values == read_workbook(good).values
    warn = [f for f in wb.findings if f.rule == "content-outside-form"]
    assert len(warn) == 1 and fmt.table("t3").sheet in warn[0].message


def test_cli_exit_2_names_file_without_traceback(cases, capsys):
    from govinfo_xlsx.cli import main

    _, files = cases
    for name, path in sorted(files.items()):
        if name == "huge.xlsx":
            continue
        for cmd in (["check"], ["export"], ["report", "-o", str(path) + ".html"]):
            code = main([cmd[0], str(path), *cmd[1:]])
            err = capsys.readouterr().err
            assert code == 2, (name, cmd, err)
            assert "Traceback" not in err and name in err and "无法读取" in err, (name, cmd, err)


def _run_measured(args: list[str]) -> tuple[int, str, float]:
    """Run the CLI in a child process: exit code, stderr and that child's own peak memory (MiB)."""
    with subprocess.Popen([sys.executable, "-m", "govinfo_xlsx.cli", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE) as proc:
        err = proc.stderr.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss / 1024


@pytest.mark.parametrize("name, cmd", [("bomb.xlsx", "check"), ("laughs.xlsx", "report"), ("truncated.xlsx", "export")])
def test_a_real_process_exits_2_without_traceback_within_memory(cases, tmp_path, name, cmd):
    _, files = cases
    args = [cmd, str(files[name])] + (["-o", str(tmp_path / "r.html")] if cmd == "report" else [])
    code, err, peak_mib = _run_measured(args)
    assert code == 2 and name in err and "Traceback" not in err, err
    assert peak_mib < 500


def test_merge_keeps_good_files_and_lists_every_bad_one(cases, tmp_path, fmt):
    good, files = cases
    out = tmp_path / "市.xlsx"
    bad = [p for n, p in files.items() if n != "huge.xlsx"]
    res = merge([good, *bad], out, org="某市", jobs=2)
    by_name = {os.path.basename(u.path): u for u in res.units}
    assert by_name["good.xlsx"].status == "merged"
    for name in EXPECTED:
        assert by_name[name].status == "unreadable" and by_name[name].reason, name
    assert len(res.units) == len(bad) + 1 and res.exit_code == 1
    assert to_dict(read_workbook(out))["table3"] == to_dict(read_workbook(good))["table3"]


def test_formula_typed_into_input_with_cached_value(tmp_path, fmt):
    import xlsxwriter  # noqa: F401

    from govinfo_xlsx import template

    p = tmp_path / "f.xlsx"
    template.write_workbook(p, fmt, year=2024, org="某县")
    # a clerk typed =2+3 into 行政许可 and Excel saved the result 5
    c = fmt.cells["t2.r3.c1"]

    def edit(n, b):
        if n != corpus.sheet_part(p, c.sheet):
            return b
        import re

        return re.sub(rb'<c r="' + c.address.encode() + rb'" s="(\d+)"/>',
                      rb'<c r="' + c.address.encode() + rb'" s="\1"><f>2+3</f><v>5</v></c>', b)

    q = corpus.rewrite_zip(p, tmp_path / "g.xlsx", edit)
    wb = read_workbook(q)
    assert wb.values["t2.r3.c1"] == 5
    assert [(f.rule, f.severity, f.cells) for f in wb.findings] == [("formula-in-input", "warning", (c.ref,))]


def test_formula_like_prose_never_becomes_a_formula(tmp_path, fmt):
    hostile = {"s5": "=cmd|' /C calc'!A0", "s6": "+SUM(1,2)", "s1.p1": "-2+3", "s1.p2": "@A1",
               "s1.p3": "<img src=x onerror=alert(1)>", "s1.p4": "x" * 32767}
    p = write_filled(tmp_path / "p.xlsx", fmt, consistent_values(fmt, seed=3), prose=hostile)
    wb = read_workbook(p)
    assert {k: wb.prose[k] for k in hostile} == hostile
    ann = tmp_path / "ann.xlsx"
    from govinfo_xlsx.annotate import annotate

    rep = validate(wb)
    annotate(p, rep, ann)
    book = openpyxl.load_workbook(ann)
    for code, text in hostile.items():
        c = fmt.cells[code]
        assert book[c.sheet][c.address].value == text and book[c.sheet][c.address].data_type == "s"


# ---------------------------------------------------------------------------
# Property-based: random fills round-trip; random corruption never escapes as a traceback.

count = st.integers(min_value=0, max_value=10**6)
money = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_fills_round_trip(tmp_path_factory, fmt, data):
    values = {}
    for code in fmt.input_codes:
        if data.draw(st.booleans()):
            values[code] = data.draw(money if fmt.cells[code].kind == "money" else count)
    p = write_filled(tmp_path_factory.mktemp("prop") / "r.xlsx", fmt, values)
    wb = read_workbook(p)
    assert {k: v for k, v in wb.values.items() if v is not None} == {
        k: (v.normalize() if hasattr(v, "normalize") else v) for k, v in values.items()}
    exported = to_dict(wb)
    totals = expected_totals(fmt, values)
    assert exported["table3"][23][6] == totals["t3.r24.c7"]


#: Exceptions that are bugs of the reader, never a description of a damaged file.
PROGRAMMING_ERRORS = (KeyError, TypeError, IndexError, AttributeError, NameError, AssertionError, UnboundLocalError)


def _mutate_member(good, dst, data):
    """Damage the XML of one part (after inflating it): the parsers, not zlib, meet the damage."""
    import zipfile

    with zipfile.ZipFile(good) as z:
        names = sorted(n for n in z.namelist() if n.endswith((".xml", ".rels")))
    target = data.draw(st.sampled_from(names))

    def edit(name, raw):
        if name != target:
            return raw
        raw = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(raw) - 1))
            how = data.draw(st.sampled_from(["byte", "cut", "dup"]))
            if how == "byte":
                raw[i] = data.draw(st.sampled_from(b'<>/"=&;#x0123456789 rRcCftsve:_\xff\x00'))
            elif how == "cut":
                del raw[i: i + data.draw(st.integers(1, 40))]
            else:
                raw[i:i] = raw[i: i + data.draw(st.integers(1, 40))]
        return bytes(raw)

    return corpus.rewrite_zip(good, dst, edit)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_corruption_is_a_located_error_or_a_read(tmp_path_factory, cases, data):
    from govinfo_xlsx import xlsxfile

    good, _ = cases
    raw = bytearray(good.read_bytes())
    how = data.draw(st.sampled_from(["flip", "truncate", "cell", "xml"]))
    d = tmp_path_factory.mktemp("corrupt")
    p = d / "c.xlsx"
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 20))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] ^= data.draw(st.integers(1, 255))
        p.write_bytes(bytes(raw))
    elif how == "truncate":
        p.write_bytes(bytes(raw[: data.draw(st.integers(0, len(raw) - 1))]))
    elif how == "xml":
        _mutate_member(good, p, data)
    else:
        from govinfo_xlsx.format import load_format

        fmt = load_format()
        code = data.draw(st.sampled_from(fmt.input_codes))
        value = data.draw(st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30), st.floats(allow_nan=False), st.booleans(),
                                    st.integers(-10**12, 10**12)))
        from .helpers import fill_openpyxl

        fill_openpyxl(good, p, fmt, {code: value})
    # Both read paths; a reader bug (KeyError, TypeError, ...) propagates and fails this test.
    xlsxfile.FAST_PATH = data.draw(st.booleans())
    try:
        wb = read_workbook(p)
    except WorkbookError as exc:
        assert exc.reason and str(exc)
        assert not isinstance(exc.__cause__, PROGRAMMING_ERRORS), exc.__cause__
        return
    finally:
        xlsxfile.FAST_PATH = True
    rep = validate(wb)
    for f in rep.findings:
        assert f.rule and f.message


def test_a_reader_bug_is_not_disguised_as_a_damaged_file(cases, monkeypatch):
    from govinfo_xlsx import reader

    good, _ = cases

    def bug(*_):
        raise KeyError("t3.r99.c7")

    monkeypatch.setattr(reader, "_check_names", bug)
    with pytest.raises(KeyError):
        read_workbook(good)


def test_a_giant_cell_is_cut_at_excels_limit_with_a_warning(tmp_path, fmt, cases):
    import random
    import re

    good, _ = cases
    c = fmt.cells["s5"]
    part = corpus.sheet_part(good, c.sheet)
    rnd = random.Random(3)
    big = "".join(chr(rnd.randint(0x4E00, 0x9FFF)) for _ in range(3_000_000))  # 9 MB, hardly compressible

    def edit(name, data):
        if name != part:
            return data
        return re.sub(rb'<c r="' + c.address.encode() + rb'"[^>]*?(?:/>|>.*?</c>)',
                      b'<c r="' + c.address.encode() + b'" t="inlineStr"><is><t>' + big.encode() + b"</t></is></c>",
                      data, count=1, flags=re.S)

    wb = read_workbook(corpus.rewrite_zip(good, tmp_path / "giant.xlsx", edit))
    assert wb.prose["s5"] == big[:32767]
    assert [(f.rule, f.cells) for f in wb.findings] == [("text-too-long", (c.ref,))]


def test_a_failed_run_leaves_the_previous_output_and_no_temporary_file(tmp_path, fmt, cases, monkeypatch):
    from govinfo_xlsx import docx_writer
    from govinfo_xlsx.report import convert

    good, _ = cases
    out = tmp_path / "报告.docx"
    out.write_bytes(b"previous good report")

    def boom(doc):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(docx_writer, "docx_bytes", boom)
    with pytest.raises(RuntimeError):
        convert(good, out)
    assert out.read_bytes() == b"previous good report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["报告.docx"]


def test_an_interrupted_write_keeps_the_old_file(tmp_path):
    from govinfo_xlsx._io import atomic_path

    out = tmp_path / "市.xlsx"
    out.write_bytes(b"old roll-up")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(out) as tmp:
            tmp.write_bytes(b"half a new rol")
            raise KeyboardInterrupt
    assert out.read_bytes() == b"old roll-up"
    assert [p.name for p in tmp_path.iterdir()] == ["市.xlsx"]


def test_annotate_refuses_a_huge_workbook_quickly(cases, tmp_path, capsys):
    from govinfo_xlsx.cli import main

    _, files = cases
    code = main(["check", str(files["huge.xlsx"]), "--annotate", str(tmp_path / "a.xlsx")])
    assert code == 3 and "无法生成标注副本" in capsys.readouterr().err
    assert not (tmp_path / "a.xlsx").exists()
