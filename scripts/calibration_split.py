"""Split the calibration corpus (one JSON file per page: {"url", "text"}) into a tuning
and a held-out set, by URL, and record the split in tests/data/calibration_urls.txt.

The texts themselves stay outside the repository (third-party prose); only the URLs
and what is derived from them are committed.

    python scripts/calibration_split.py /work/corpus/pages
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

URLS = Path(__file__).resolve().parent.parent / "tests" / "data" / "calibration_urls.txt"


def split_of(url: str) -> str:
    """``tune`` for 60 % of URLs, ``heldout`` for the rest, fixed by the URL alone."""
    return "tune" if int(hashlib.sha1(url.encode("utf-8")).hexdigest(), 16) % 10 < 6 else "heldout"


def load_split() -> dict[str, str]:
    """URL → split, as recorded in the repository."""
    out = {}
    for line in URLS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            split, url = line.split("\t", 1)
            out[url] = split
    return out


def pages(folder: Path, split: str | None = None) -> list[dict]:
    """The pages of ``folder`` (optionally only those of one split), sorted by URL."""
    recorded = load_split() if URLS.exists() else {}
    out = []
    for p in sorted(folder.glob("*.json")):
        page = json.loads(p.read_text(encoding="utf-8"))
        s = recorded.get(page["url"]) or split_of(page["url"])
        if split is None or s == split:
            out.append(page)
    return sorted(out, key=lambda pg: pg["url"])


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    recorded = load_split() if URLS.exists() else {}
    for page in pages(folder):
        recorded.setdefault(page["url"], split_of(page["url"]))
    lines = ["# Real report prose used to calibrate the proofreader (texts kept outside the repository).",
             "# split<TAB>url; 'tune' pages derive the shipped vocabulary, 'heldout' pages only measure it."]
    lines += [f"{s}\t{u}" for u, s in sorted(recorded.items(), key=lambda x: (x[1] != "tune", x[0]))]
    URLS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n = sum(1 for s in recorded.values() if s == "tune")
    print(f"{len(recorded)} URLs: {n} tune, {len(recorded) - n} heldout")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
