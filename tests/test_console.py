"""Any console: nothing printed can crash on an encoding (cp936, gbk, ascii, utf-8; redirected and piped)."""

import io
import os
import subprocess
import sys

import pytest

from govinfo_xlsx.console import HANDLER, plain_marks

from .helpers import consistent_values, write_filled


def test_symbols_degrade_to_text():
    out = io.BytesIO()
    stream = io.TextIOWrapper(out, encoding="cp936", errors=HANDLER)
    stream.write("✗ 错误 ✓ 通过 \udce9 😀\n")
    stream.flush()
    assert out.getvalue().decode("cp936") == "[错] 错误 √ 通过 ? ?\n"
    assert plain_marks(stream)["✗"] == "[错]"


@pytest.fixture(scope="module")
def files(tmp_path_factory, fmt):
    d = tmp_path_factory.mktemp("console")
    vals = consistent_values(fmt)
    bad = dict(vals)
    bad["t3.r01.c1"] += 1
    write_filled(d / "好.xlsx", fmt, vals, org="好单位")
    write_filled(d / "错.xlsx", fmt, bad, org="错单位✓")  # a symbol in user text too
    (d / "坏.xlsx").write_bytes(b"broken")
    return d


def _commands(d):
    return [
        (["check", str(d / "错.xlsx")], 1),
        (["check", str(d)], 2),
        (["export", str(d / "好.xlsx"), "--format", "csv"], 0),
        (["report", str(d / "错.xlsx"), "-o", str(d / "r.md")], 1),
        (["merge", str(d), "-o", str(d / "out" / "市.xlsx"), "--org", "市", "--quiet"], 1),
        (["template", "-o", str(d / "t.xlsx"), "--org", "某县"], 0),
        (["check", str(d / "无此文件.xlsx")], 2),
    ]


_DRIVER = """
import json, sys
from govinfo_xlsx.cli import main
codes = []
for args in json.loads(sys.argv[1]):
    try:
        codes.append(main(args))
    except SystemExit as exc:
        codes.append(exc.code)
    sys.stdout.flush()
sys.stderr.write("RC=" + json.dumps(codes))
"""


def test_every_command_on_every_console(files):
    """Each command in a real interpreter whose streams Python set up from PYTHONIOENCODING."""
    import json

    (files / "out").mkdir(exist_ok=True)
    commands = _commands(files)
    arg = json.dumps([a for a, _ in commands], ensure_ascii=False)
    runs = []
    # cp936 (Chinese Windows) both redirected and piped; the others one way each.
    for enc, redirected in (("cp936", True), ("cp936", False), ("gbk", False), ("ascii", True), ("utf-8", False)):
        env = {**os.environ, "PYTHONIOENCODING": enc}
        target = open(files / f"out-{enc}-{redirected}.txt", "wb") if redirected else subprocess.PIPE
        p = subprocess.Popen([sys.executable, "-c", _DRIVER, arg], stdout=target, stderr=subprocess.PIPE,
                             env=env)
        runs.append((enc, p, target))
    for enc, p, target in runs:
        out, err = p.communicate(timeout=300)
        if target is not subprocess.PIPE:
            target.close()
            out = (files / f"out-{enc}-True.txt").read_bytes()
        text = err.decode("utf-8", "replace")
        assert "Traceback" not in text, (enc, text)
        assert p.returncode == 0, (enc, text)
        assert json.loads(text.rsplit("RC=", 1)[1]) == [rc for _, rc in commands], enc
        shown = out.decode("utf-8" if enc == "ascii" else enc)  # a console that cannot show Chinese gets UTF-8
        assert "校验" in shown and "已生成填报模板" in shown
        assert ("[错]" if enc in ("cp936", "gbk") else "✗") in shown
        assert "文件不存在" in err.decode("utf-8" if enc == "ascii" else enc)


def test_a_pipe_closed_early_is_no_traceback(files):
    """``govinfo-xlsx … | head -1``: the reader stops, the command ends quietly."""
    code = ("import sys\nimport govinfo_xlsx.cli as c\n"
            "def many(a):\n    [print('校验 ✗ 第', i, '行') for i in range(200000)]\n    return 0\n"
            "c.cmd_check = many\nsys.exit(c.main(['check', 'x']))\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={**os.environ, "PYTHONIOENCODING": "cp936"})
    assert p.stdout is not None and p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read() if p.stderr is not None else b""
    assert p.wait(timeout=60) == 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err
