"""Time ``govinfo-xlsx check one.xlsx`` as a whole process: wall time and peak memory.

    python benchmarks/bench_check.py [WORKBOOK ...] [--runs 7]

Each run starts a fresh interpreter (``python -m govinfo_xlsx.cli check WORKBOOK``), as a
clerk's command does, so imports and the proofreader's data loading are counted.  The
peak resident set size is that of the child just started (``os.wait4`` on its pid), not
of every child ever waited for.  Reports the median and the best of the runs, and the
child's CPU time (less sensitive than wall time to other work on a shared machine).

Targets (issue 12): under 0.4 s wall and under 120 MB for one workbook, proofreading included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample-2023.xlsx"


def run_once(workbook: Path) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, exit code, CPU seconds) of one ``check`` process."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "govinfo_xlsx.cli", "check", str(workbook)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen from waiting again
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return wall, rss_mb, proc.returncode, usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workbooks", nargs="*", type=Path, default=[SAMPLE])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    for wb in args.workbooks:
        run_once(wb)  # warm the file cache and the bytecode
        results = [run_once(wb) for _ in range(args.runs)]
        walls = [r[0] for r in results]
        rss = [r[1] for r in results]
        cpu = [r[3] for r in results]
        print(f"{wb.name}: wall median {statistics.median(walls):.3f} s (best {min(walls):.3f} s), "
              f"CPU (user+sys) median {statistics.median(cpu):.3f} s, "
              f"peak RSS median {statistics.median(rss):.1f} MB (max {max(rss):.1f} MB), "
              f"exit codes {sorted({r[2] for r in results})}, {args.runs} runs; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
