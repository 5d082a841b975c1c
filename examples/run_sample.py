"""The main job on the bundled sample: template, sample workbook, check, reports.

    python examples/run_sample.py [OUT_DIR]

Writes into OUT_DIR (default ``out/``): the blank template, the sample
report's filled workbook, its check result, and the report in every format
the toolkit writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from govinfo_xlsx.cli import main as cli

HERE = Path(__file__).resolve().parent


def run(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    import build_sample

    workbook = build_sample.main(["", str(HERE / "sample-report-2023.txt"), str(out_dir / "sample-2023.xlsx")])
    steps = [
        ["template", "-o", str(out_dir / "template-2024.xlsx"), "--year", "2024"],
        ["check", str(workbook)],
        ["export", str(workbook), "-o", str(out_dir / "sample-2023.json")],
    ]
    try:
        import govinfo_xlsx.report  # noqa: F401

        for suffix in ("md", "html", "docx"):
            steps.append(["report", str(workbook), "-o", str(out_dir / f"sample-2023.{suffix}")])
    except ImportError:
        pass
    for args in steps:
        print(f"$ govinfo-xlsx {' '.join(args)}")
        code = cli(args)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")))
