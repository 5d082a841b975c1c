"""Test helpers: fills, totals computed independently of the toolkit, LibreOffice and CLI runners.

Imported by the tests (pytest advises against importing from conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from govinfo_xlsx.format import ReportFormat
from govinfo_xlsx.template import write_workbook

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"


def expected_totals(fmt: ReportFormat, values: dict[str, Any]) -> dict[str, Any]:
    """Every numeric cell from some inputs (blank as 0), summed here from the format's declared parts.

    Independent of :mod:`govinfo_xlsx.numbers`, so a test comparing the two can fail.
    """
    out: dict[str, Any] = {}

    def value(code: str) -> Any:
        if code not in out:
            parts = fmt.cells[code].sum_of
            out[code] = sum((value(p) for p in parts), 0) if parts else (values.get(code) or 0)
        return out[code]

    for code in fmt.number_codes:
        value(code)
    return out


def consistent_values(fmt: ReportFormat, seed: int = 1) -> dict[str, Any]:
    """A fill where every relation holds: outcomes and carry-over balance 一+二 per column."""
    import random

    rnd = random.Random(seed)
    values: dict[str, Any] = {}
    t3 = fmt.table("t3").blocks[0]
    rel = next(r for r in fmt.relation_specs if r.id == "t3-balance")
    summed_rows = next(r.sum_of for r in t3.rows if r.sum_of)
    for col in t3.columns:
        if col.sum_of:
            continue
        outcome = {r: rnd.randint(0, 5) for r in summed_rows}
        carry = rnd.randint(0, 3)
        total = sum(outcome.values()) + carry
        received = rnd.randint(0, total)
        left_rows = rel.left
        values[f"t3.{left_rows[0]}.{col.code}"] = received
        values[f"t3.{left_rows[1]}.{col.code}"] = total - received
        for r, v in outcome.items():
            values[f"t3.{r}.{col.code}"] = v
        values[f"t3.{rel.right[1]}.{col.code}"] = carry
    for code in fmt.input_codes:
        if code in values:
            continue
        kind = fmt.cells[code].kind
        values[code] = Decimal(rnd.randint(0, 99999)) / 10000 if kind == "money" else rnd.randint(0, 200)
    return values


def default_prose(fmt: ReportFormat) -> dict[str, str]:
    """Plain prose for every part; 六 states the 信息处理费, as the format asks."""
    prose = {c: f"{fmt.cells[c].label}的内容。" for c in fmt.prose_cells}
    prose["s6"] = "本年度未收取信息处理费。无其他需要报告的事项。"
    return prose


def write_filled(path: Path, fmt: ReportFormat, values: dict[str, Any], **kw: Any) -> Path:
    prose = kw.pop("prose", default_prose(fmt))
    cover = kw.pop("cover", {"cover.filler": "张三", "cover.phone": "0373-1234567", "cover.date": "2025-01-15"})
    write_workbook(path, fmt, year=kw.pop("year", 2024), org=kw.pop("org", "测试县人民政府办公室"),
                   values=values, prose=prose, cover=cover, **kw)
    return path


def fill_openpyxl(src: Path, dst: Path, fmt: ReportFormat, cells: dict[str, Any], formulas: bool = False) -> Path:
    """Fill cells (by code or by 'Sheet!A1') with openpyxl; text stays text unless ``formulas``."""
    wb = openpyxl.load_workbook(src)
    for key, value in cells.items():
        if "!" in key:
            sheet, addr = key.split("!")
        else:
            c = fmt.cells[key]
            sheet, addr = c.sheet, c.address
        cell = wb[sheet][addr]
        cell.value = value
        if isinstance(value, str) and not formulas:
            cell.data_type = "s"
    wb.save(dst)
    return dst


# ---------------------------------------------------------------------------
# LibreOffice


def libreoffice_available() -> bool:
    """Calc, Writer (reports are converted to PDF from Word) and python3-uno are all installed."""
    soffice = shutil.which("soffice")
    if not soffice or not os.path.exists(SYSTEM_PYTHON):
        return False
    program = Path(os.path.realpath(soffice)).parent
    if not all((program / lib).exists() for lib in ("libsclo.so", "libswlo.so")):
        return False  # libreoffice-calc-nogui / libreoffice-writer-nogui
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


def need_libreoffice() -> None:
    if libreoffice_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice Calc and Writer with python3-uno are required in CI (real-application tests are "
                    "never skipped)")
    pytest.skip("LibreOffice (soffice with Calc and Writer, python3-uno) not installed")


def run_libreoffice(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run jobs through tests/lo_uno.py under Debian's python3 (which has uno)."""
    need_libreoffice()
    proc = subprocess.run([SYSTEM_PYTHON, str(HERE / "lo_uno.py")], input=json.dumps(jobs, ensure_ascii=False),
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f"LibreOffice helper failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def cell_value(result: dict[str, Any], sheet: str, row: int, col: int, which: str = "sheets") -> Any:
    grid = result[which][sheet] if which == "cached" else result[which][sheet]["values"]
    if row >= len(grid) or col >= len(grid[row]):
        return ""
    return grid[row][col]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govinfo_xlsx.cli", *args], capture_output=True, text=True,
                          timeout=120)


def assert_totals_in_libreoffice(result: dict[str, Any], fmt: ReportFormat, totals: dict[str, Any],
                                 status: str) -> None:
    """Every derived cell as LibreOffice computed it equals ours, and the cover status reads ``status``."""
    for code in fmt.derived_codes:
        c = fmt.cells[code]
        assert cell_value(result, c.sheet, c.row, c.col) == pytest.approx(float(totals[code])), code
    st = fmt.layout.status_cell
    assert cell_value(result, st.sheet, st.row, st.col) == status
