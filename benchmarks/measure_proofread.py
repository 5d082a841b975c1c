"""Measure the proofreader on a folder of real report prose.

    python benchmarks/measure_proofread.py /work/corpus/pages [--split heldout|tune|all] [--show]

The folder holds one file per page: JSON ``{"url": ..., "text": ...}`` or plain ``.txt``.
With ``--split`` the pages are filtered by ``tests/data/calibration_urls.txt`` (pages not
recorded there count as held-out).  Three measurements:

1. **False warnings on real prose.**  Every warning the proofreader raises on published
   text (pinyin typos and the other slips) is false, per 20,000 characters, unless it is on
   a real slip of ``tests/data/calibration_slips.tsv`` (checked by hand); those are counted
   as real slips found.  ``--show`` lists every warning to check new ones by hand.
2. **Recall on planted same-pinyin slips.**  In each sentence, one character of a word the
   proofreader knows as a suggestion target is replaced by another common character read
   the same (the wrong input-method candidate), seeded; a slip is found when a reported
   typo covers it.  Stray warnings in the planted sentences are counted too.
3. **The bundled sample's slips** (examples/sample-report-2023.txt): which are found.

Needs jieba and pypinyin (developer tools) only to choose the planted characters.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from govinfo_xlsx.proofread import _lexicon, _readings, find_slips, find_typos  # noqa: E402

SAMPLE = ROOT / "examples" / "sample-report-2023.txt"
#: The input-method slips planted in the bundled (fictional) sample, as (written, meant).
SAMPLE_SLIPS = {("计制", "机制"), ("节读", "解读"), ("专拦", "专栏"), ("陪训", "培训"), ("减查", "检查"),
                ("提生", "提升")}


def load(folder: Path, split: str) -> list[dict]:
    from calibration_split import load_split

    recorded = load_split()
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix == ".json":
            page = json.loads(p.read_text(encoding="utf-8"))
        elif p.suffix == ".txt":
            page = {"url": p.name, "text": p.read_text(encoding="utf-8")}
        else:
            continue
        if split == "all" or recorded.get(page["url"], "heldout") == split:
            # Stored pages are excerpts: what follows the last full stop may be cut mid-sentence.
            end = max(page["text"].rfind("。"), page["text"].rfind("；"))
            if end > 0:
                page["text"] = page["text"][: end + 1]
            out.append(page)
    return out


def known_slips() -> dict[str, set[tuple[str, str]]]:
    """url → {(kind, slip as written)} of the real slips checked by hand."""
    out: dict[str, set[tuple[str, str]]] = {}
    for line in (ROOT / "tests" / "data" / "calibration_slips.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            url, kind, quoted = line.split("\t")
            out.setdefault(url, set()).add((kind, quoted))
    return out


def warnings_of(text: str) -> list[tuple[str, int, int, str]]:
    out = [("pinyin-typo", t.start, t.end, f"{t.written}→{t.term}") for t in find_typos(text)]
    out += [(s.kind, s.start, s.end, f"{s.text} {s.problem}".strip()) for s in find_slips(text)]
    return out


def planted(pages: list[dict], seed: int = 7, per_page: int = 12, words: str = "targets",
            ) -> list[tuple[str, int, str, str]]:
    """(sentence with a slip, position, written character, meant character).

    ``words`` chooses the words a slip is planted in: ``targets`` (the proofreader's own
    suggestion targets) or ``common`` (any word of two to four characters of jieba's
    dictionary with a frequency of 100 or more: words the proofreader may not know)."""
    import logging

    import jieba
    from pypinyin import lazy_pinyin

    jieba.setLogLevel(logging.WARNING)
    # Common characters by reading: the candidates an input method offers first.
    all_freq = {w: int(f) for w, f in (ln.split()[:2] for ln in open(Path(jieba.__file__).parent / "dict.txt",
                                                                         encoding="utf-8"))}
    freq = {w: f for w, f in all_freq.items() if len(w) == 1}
    by_py: dict[str, list[str]] = {}
    for ch, r in _readings().items():
        if freq.get(ch, 0) >= 2000:
            by_py.setdefault(r[0], []).append(ch)
    targets = set(t for t in _lexicon().targets if 2 <= len(t) <= 4)
    if words == "common":
        targets = {w for w, f in all_freq.items() if 2 <= len(w) <= 4 and f >= 100 and re.fullmatch(r"[\u4e00-\u9fff]+", w)}
    rnd = random.Random(seed)
    out = []
    for page in pages:
        sentences = [s for s in re.split(r"(?<=[。；！？\n])", page["text"]) if len(s.strip()) >= 8]
        rnd.shuffle(sentences)
        n = 0
        for sent in sentences:
            words = [w for w in jieba.lcut(sent, HMM=False) if w in targets]
            if not words:
                continue
            word = rnd.choice(words)
            pos = sent.index(word)
            i = rnd.randrange(len(word))
            reading = lazy_pinyin(word)[i]
            cands = sorted(set(by_py.get(reading, ())) - {word[i]})
            if not cands:
                continue
            ch = rnd.choice(cands)
            out.append((sent[:pos + i] + ch + sent[pos + i + 1:], pos + i, ch, word[i]))
            n += 1
            if n >= per_page:
                break
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--split", default="heldout", choices=["heldout", "tune", "all"])
    ap.add_argument("--show", action="store_true", help="list every warning with its context")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--plant", default="targets", choices=["targets", "common"],
                    help="plant slips in the proofreader's targets or in any common word")
    args = ap.parse_args(argv)

    pages = load(args.folder, args.split)
    chars = sum(len(re.findall(r"[\u4e00-\u9fff]", p["text"])) for p in pages)
    known = known_slips()
    present = sum(1 for p in pages for _, quoted in known.get(p["url"], ()) if quoted in p["text"])
    t0 = time.perf_counter()
    flags = []
    for page in pages:
        for kind, s, e, what in warnings_of(page["text"]):
            real = (kind, page["text"][s:e]) in known.get(page["url"], set())
            flags.append((kind, page["url"], page["text"][max(0, s - 8): e + 8].replace("\n", " "), what, real,
                          page["text"][s:e]))
    elapsed = time.perf_counter() - t0
    false = [f for f in flags if not f[4]]
    real_found = {(f[0], f[1], f[5]) for f in flags if f[4]}
    by_kind: dict[str, int] = {}
    for kind, *_ in false:
        by_kind[kind] = by_kind.get(kind, 0) + 1
    print(f"real prose ({args.split}): {len(pages)} pages, {chars} Chinese characters, "
          f"proofread in {elapsed:.2f} s")
    print(f"  false warnings: {len(false)} = {len(false) / max(chars, 1) * 20000:.2f} per 20,000 characters "
          f"{by_kind}")
    print(f"  real slips (tests/data/calibration_slips.tsv): {len(real_found)} found of {present} "
          f"in these pages ({sum(1 for p in pages for k, q in known.get(p['url'], ()) if k == 'other' and q in p['text'])}"
          f" of a kind no rule looks for)")
    if args.show:
        for kind, url, ctx, what, real, _ in flags:
            print(f"    [{kind}{' real' if real else ' FALSE'}] {what}  …{ctx}…  {url}")

    cases = planted(pages, seed=args.seed, words=args.plant)
    found = stray = 0
    missed = []
    for text, pos, ch, meant in cases:
        got = find_typos(text)
        hit = any(t.start <= pos < t.end for t in got)
        found += hit
        stray += sum(1 for t in got if not t.start <= pos < t.end)
        if not hit:
            missed.append((text[max(0, pos - 6): pos + 6], ch, meant))
    print(f"planted same-pinyin slips (seed {args.seed}, in {args.plant} words): {found}/{len(cases)} found, "
          f"recall {found / max(len(cases), 1):.3f}; {stray} stray warnings in those sentences")
    if args.show:
        for ctx, ch, meant in missed:
            print(f"    missed {ch}→{meant}  …{ctx}…")

    got = {(t.written, t.term) for t in find_typos(SAMPLE.read_text(encoding="utf-8"))}
    print(f"bundled sample: {len(SAMPLE_SLIPS & got)}/{len(SAMPLE_SLIPS)} slips found "
          f"{sorted(SAMPLE_SLIPS & got)}; missed {sorted(SAMPLE_SLIPS - got)}; other {sorted(got - SAMPLE_SLIPS)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
