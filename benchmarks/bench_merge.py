"""Benchmark: merge time against the raw python-calamine parse time of the same files.

    python benchmarks/bench_merge.py [N] [--jobs J] [--dir DIR]

Generates N filled workbooks (once; reused from DIR when present), then in one
run measures (1) the raw parse of every file with python-calamine alone,
reading every sheet, and (2) ``govinfo_xlsx.merge.merge`` of the same files,
and prints both, their ratio, and the peak memory of the merge's processes.
Besides wall-clock time it prints CPU time (this process and its workers):
on a shared machine the wall-clock ratio moves with the load, the CPU ratio
much less.  It measures the checkout it lives in, whatever is installed.
Timings live here, never in the unit tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def generate(d: Path, n: int) -> list[Path]:
    from helpers import consistent_values, write_filled

    from govinfo_xlsx.format import load_format

    fmt = load_format()
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = d / f"unit{i:05d}.xlsx"
        if not p.exists():
            write_filled(p, fmt, consistent_values(fmt, seed=i), org=f"单位{i:05d}")
        paths.append(p)
    return paths


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def raw_parse(paths: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds of python-calamine reading every sheet of every file."""
    from python_calamine import CalamineWorkbook

    t, c = time.perf_counter(), _cpu()
    for p in paths:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - t, _cpu() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "govinfo-bench"))
    a = ap.parse_args()
    import govinfo_xlsx
    from govinfo_xlsx.merge import merge

    t = time.perf_counter()
    paths = generate(Path(a.dir) / str(a.n), a.n)
    print(f"code: {Path(govinfo_xlsx.__file__).parent}")
    print(f"files: {len(paths)} (generated/reused in {time.perf_counter() - t:.1f} s)")
    raw_parse(paths[: min(20, len(paths))])  # warm the page cache
    raw, raw_cpu = raw_parse(paths)
    out = Path(tempfile.mkdtemp()) / "rollup.xlsx"
    t, c = time.perf_counter(), _cpu()
    res = merge([str(p) for p in paths], out, org="基准", jobs=a.jobs or None)
    merged, merged_cpu = time.perf_counter() - t, _cpu() - c
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    n = len(paths)
    print(f"raw calamine parse : {raw:8.2f} s  ({raw / n * 1000:.2f} ms/file), CPU {raw_cpu:.2f} s")
    print(f"merge              : {merged:8.2f} s  ({merged / n * 1000:.2f} ms/file), CPU {merged_cpu:.2f} s, "
          f"merged {len(res.merged)}")
    print(f"ratio merge / raw  : {merged / raw:8.2f}  (CPU {merged_cpu / raw_cpu:.2f})")
    print(f"peak RSS           : main {peak_self:.0f} MiB, largest worker {peak_children:.0f} MiB")
    shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
