"""Prepare the proofreader's data files shipped in ``govinfo_xlsx/data/`` (a developer step).

The proofreader runs without jieba and pypinyin: everything it needs is prepared here,
once, from

* jieba's dictionary (word frequencies, part-of-speech tags) and pypinyin (readings),
* ``govinfo_xlsx/data/lexicon.txt`` (the domain lexicon, hand-kept),
* the *tuning* half of the calibration corpus (real published report prose, kept outside the
  repository; see ``tests/data/calibration_urls.txt``): its frequent words become suggestion
  targets and known vocabulary, and the strings in it that sound like a target are
  recorded as attested real usage (质效, 现向社会公布 …).

Outputs (UTF-8 text or flat binary arrays, each loaded in a few milliseconds):

``proofread_chars.json``  character → its tone-less readings, the most common first (characters
                          with one reading grouped by it, the others listed)
``proofread_terms.txt``   suggestion targets: term, source (``lex`` = lexicon, ``corpus``)
``proofread_words_{d,c,r}.u32`` known words (jieba frequency ≥ 5, or from the corpus/lexicon) as
                          sorted CRC-32 hashes, one file a class: ``d`` domain word, ``c`` common
                          (jieba frequency ≥ 50), ``r`` rare
``proofread_tags.txt``    the nouns one keystroke from a target, and the targets that are verbs
``proofread_function.txt`` the very common single characters (的, 和, 已 …)
``proofread_index.json``  the targets' look-up index (``proofread.prepare_index``), loaded at run time
``proofread_attested.txt`` strings of real prose that sound like a target but are not slips

    python scripts/build_proofread_data.py /work/corpus/pages
"""

from __future__ import annotations

import array
import collections
import itertools
import json
import logging
import os
import re
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "govinfo_xlsx" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_split import pages  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]+")
#: Jieba frequency from which a word counts as known (the rarest entries are mostly names).
KNOWN_FREQ = 5
#: Jieba frequency from which a known word is common.
COMMON_FREQ = 50
#: Occurrences in the tuning pages from which a word is a word of the corpus.
CORPUS_COUNT = 2
#: Jieba frequency from which a word of the corpus is a suggestion target (not a name);
#: the language model keeps the wider set of targets from raising false warnings.
TARGET_FREQ = 300
#: Jieba frequency of the single characters that are function words (的, 和, 已 …).
FUNCTION_FREQ = 60_000


def lexicon() -> tuple[list[str], list[str]]:
    terms, allowed = [], []
    for line in (DATA / "lexicon.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            allowed.append(line[1:])
        elif re.fullmatch(r"[\u4e00-\u9fff]{2,8}", line):
            terms.append(line)
    return terms, allowed


def main(argv: list[str]) -> int:
    import jieba
    from pypinyin import Style, pinyin

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    corpus = Path(argv[0]) if argv else None
    # Experiments may derive the data from every page of a folder (``all``); the shipped
    # data comes from the tuning half only.
    split: str | None = "tune" if len(argv) < 2 or argv[1] == "tune" else None

    def readings(ch: str) -> tuple[str, ...]:
        r = pinyin(ch, style=Style.NORMAL, heteronym=True)
        return tuple(dict.fromkeys(r[0])) if r and r[0] and r[0][0] != ch else ()

    # jieba's dictionary: frequency and tag of every word.
    freq: dict[str, int] = {}
    tags: dict[str, str] = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and HAN.fullmatch(parts[0]):
                freq[parts[0]] = int(parts[1])
                tags[parts[0]] = parts[2]

    terms, allowed = lexicon()
    # Words of the tuning corpus: frequent ones become targets and known vocabulary.
    texts = [p["text"] for p in pages(corpus, split)] if corpus else []
    counts: collections.Counter[str] = collections.Counter()
    for text in texts:
        for run in HAN.findall(text):
            for w in jieba.lcut(run, HMM=False):
                if 2 <= len(w) <= 4:
                    counts[w] += 1
    corpus_words = sorted(w for w, n in counts.items() if n >= CORPUS_COUNT)
    targets = {t: "lex" for t in terms}
    for w in corpus_words:
        # A corpus word is a target only when it is an established word (not a name).
        if w not in targets and freq.get(w, 0) >= TARGET_FREQ:
            targets[w] = "corpus"

    # pypinyin's phrase list names current words jieba's dictionary lacks (时长, 专版).
    from pypinyin.phrases_dict import phrases_dict

    phrases = {w for w in phrases_dict if 2 <= len(w) <= 4 and HAN.fullmatch(w)}
    known = {w for w, f in freq.items() if 2 <= len(w) <= 4 and f >= KNOWN_FREQ} | phrases
    known |= set(corpus_words) | {t for t in terms if len(t) <= 4} | {a for a in allowed if 2 <= len(a) <= 4}
    # Parts of lexicon phrases are domain words too (公开事项 → 事项).
    for t in terms:
        for w in jieba.lcut(t, HMM=False):
            if 2 <= len(w) <= 4:
                known.add(w)

    # Readings of every character the data and ordinary text can hold.
    chars = {ch for w in itertools.chain(known, targets, *texts) for ch in w if HAN.fullmatch(ch)}
    chars |= {w for w, f in freq.items() if len(w) == 1 and f >= 10}
    # A character's readings: its most common one, and those it has in common words
    # (行 xing, hang); a rare reading (信 shen) would make ordinary text sound like a term.
    from pypinyin import lazy_pinyin

    used: dict[str, set[str]] = collections.defaultdict(set)
    for w in itertools.chain((w for w, f in freq.items() if 2 <= len(w) <= 4 and f >= COMMON_FREQ), phrases):
        for ch, py in zip(w, lazy_pinyin(w), strict=False):
            used[ch].add(py)
    table = {}
    for ch in sorted(chars):
        rs = readings(ch)
        if rs:
            table[ch] = (rs[0], *(r for r in rs[1:] if r in used[ch]))

    def spellings(w: str, limit: int = 8) -> list[str]:
        rs = [table.get(ch, ()) for ch in w]
        if any(not r for r in rs):
            return []
        return ["".join(c) for c in itertools.islice(itertools.product(*rs), limit)]

    target_py = collections.defaultdict(set)
    for t in targets:
        for py in spellings(t, 1):
            target_py[py].add(t)

    # Known words that sound exactly like a target: keep their tags (noun for verb rule).
    sounding = {w for w in known if w not in targets and any(py in target_py for py in spellings(w, 4))}

    # Strings of real prose that sound like a target: attested usage, never a slip, when
    # written so in two pages or more (a slip in one page is not usage).
    attested = collections.Counter()
    for text in texts:
        seen_here = set()
        for run in HAN.findall(text):
            for n in (2, 3, 4):
                for i in range(len(run) - n + 1):
                    s = run[i:i + n]
                    if s in targets:
                        continue
                    if s not in seen_here and any(py in target_py for py in spellings(s, 4)):
                        attested[s] += 1
                        seen_here.add(s)
    attested = collections.Counter({s: n for s, n in attested.items() if n >= 2})

    single: dict[str, str] = {}
    for ch, rs in table.items():
        if len(rs) == 1:
            single[rs[0]] = single.get(rs[0], "") + ch
    chars_json = {"single": dict(sorted(single.items())),
                  "poly": {ch: list(rs) for ch, rs in table.items() if len(rs) > 1}}
    (DATA / "proofread_chars.json").write_text(
        json.dumps(chars_json, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    old = DATA / "proofread_chars.txt"
    if old.exists():
        old.unlink()
    compounds = [t for t in terms if len(t) >= 3]

    def in_phrase(t: str) -> int:
        return int(any(t in c and c != t for c in compounds))

    (DATA / "proofread_terms.txt").write_text(
        "# 建议目标词\t来源（lex 领域词表，corpus 校准语料常用词）\t拼音（按字，空格分隔）\t是否为更长词组的一部分（1/0）；"
        "由 scripts/build_proofread_data.py 生成。\n"
        + "".join(f"{t}\t{src}\t{' '.join(lazy_pinyin(t))}\t{in_phrase(t)}\n" for t, src in sorted(targets.items())),
        encoding="utf-8")
    function = sorted(w for w, f in freq.items() if len(w) == 1 and f >= FUNCTION_FREQ)
    (DATA / "proofread_function.txt").write_text(
        "# 极常用单字（的、了、和……）：只改动这些字的“错字”只在四字以上的词中报告。\n" + "".join(function) + "\n",
        encoding="utf-8")
    # Domain words: never taken for a slip of another term.
    domain = set(corpus_words) | set(targets) | {a for a in allowed if 2 <= len(a) <= 4}
    for t in terms:
        domain.update(w for w in jieba.lcut(t, HMM=False) if 2 <= len(w) <= 4)
    # Part-of-speech tags of the words within one keystroke of a target, and of the targets.
    near = collections.defaultdict(set)
    for py in target_py:
        near[py].add(py)
        for i in range(len(py)):
            near[py[:i] + py[i + 1:]].add(py)
    def close(w: str) -> bool:
        for q in spellings(w, 1):
            if q in near or any(q[:i] + q[i + 1:] in near for i in range(len(q))):
                return True
        return False
    tagged = {w: tags[w] for w in known if w in tags and (w in targets or close(w))}
    by_class: dict[str, list[str]] = {"d": [], "c": [], "r": []}
    for w in sorted(known):
        by_class["d" if w in domain else "c" if freq.get(w, 0) >= COMMON_FREQ or w in phrases else "r"].append(w)
    # Known words as sorted CRC-32 hashes (little-endian uint32): loaded in microseconds and
    # looked up by bisection; a collision (about 3 in 100,000 look-ups) only makes a string known.
    for cls, ws in by_class.items():
        hashes = array.array("I", sorted({zlib.crc32(w.encode("utf-8")) for w in ws}))
        if sys.byteorder == "big":
            hashes.byteswap()
        (DATA / f"proofread_words_{cls}.u32").write_bytes(hashes.tobytes())
    old = DATA / "proofread_words.txt"
    if old.exists():
        old.unlink()
    nouns = sorted(w for w, t in tagged.items() if t.startswith("n"))
    verbs = sorted(w for w, t in tagged.items() if t.startswith("v") and w in targets)
    (DATA / "proofread_tags.txt").write_text(
        "# 第一行：与目标词读音相近的名词；第二行：是动词的目标词（“名词误作动词”的判断用）；"
        "由 scripts/build_proofread_data.py 生成。\n" + " ".join(nouns) + "\n" + " ".join(verbs) + "\n",
        encoding="utf-8")
    (DATA / "proofread_attested.txt").write_text(
        "# 校准语料（真实年报）中与目标词同音、但并非错字的写法；由 scripts/build_proofread_data.py 生成。\n"
        + "".join(f"{s}\n" for s in sorted(attested)), encoding="utf-8")
    write_language_model(freq, phrases, terms, texts)
    # Last, the look-up index of the targets, from the files just written.
    sys.path.insert(0, str(ROOT))
    from govinfo_xlsx.proofread import prepare_index

    (DATA / "proofread_index.json").write_text(
        json.dumps(prepare_index(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(table)} chars, {len(targets)} targets ({len(corpus_words)} corpus words), "
          f"{len(known)} known words ({len(sounding)} sound like a target, {len(tagged)} tagged), "
          f"{len(attested)} attested, "
          f"{len(allowed)} allowed")
    return 0


#: Weights of the language model's sources: a dictionary word counts as
#: ``1 + log2(frequency + 1) / 4`` sentences, a phrase of pypinyin's list as one, a run of
#: real report prose (and a lexicon term) as ``DOMAIN_WEIGHT``.
DOMAIN_WEIGHT = 3.0
#: Absolute discount of the bigram model.
DISCOUNT = 0.75
#: Counts are stored as round(STEP * log2(1 + count)) in one byte.
STEP = 8.0


def write_language_model(freq: dict[str, int], phrases: set[str], terms: list[str], texts: list[str]) -> None:
    """``proofread_lm_*``: the character bigram model of ``proofread._LanguageModel``."""
    import math

    counts: collections.Counter[str] = collections.Counter()

    def add(run: str, weight: float) -> None:
        run = "^" + run + "$"
        for i in range(len(run) - 1):
            counts[run[i:i + 2]] += weight

    for w, f in freq.items():
        if len(w) >= 2:
            add(w, 1 + math.log2(f + 1) / 4)
    for w in phrases:
        add(w, 1.0)
    for t in terms:
        add(t, DOMAIN_WEIGHT)
    for text in texts:
        for run in HAN.findall(text):
            add(run, DOMAIN_WEIGHT)
    total: collections.Counter[str] = collections.Counter()
    types: collections.Counter[str] = collections.Counter()
    cont: collections.Counter[str] = collections.Counter()
    by_hash: dict[int, float] = {}
    for pair, n in counts.items():
        total[pair[0]] += n
        types[pair[0]] += 1
        cont[pair[1]] += 1
        h = zlib.crc32(pair.encode("utf-8"))
        by_hash[h] = by_hash.get(h, 0.0) + n
    keys = array.array("I", sorted(by_hash))
    quantised = bytes(min(255, round(STEP * math.log2(1 + by_hash[h]))) for h in keys)
    if sys.byteorder == "big":
        keys.byteswap()
    (DATA / "proofread_lm_keys.u32").write_bytes(keys.tobytes())
    (DATA / "proofread_lm_counts.u8").write_bytes(quantised)
    chars = sorted(set(total) | set(cont))
    meta = {"discount": DISCOUNT, "step": STEP, "continuations": sum(cont.values()) + 0.5 * 4000}
    (DATA / "proofread_lm_chars.txt").write_text(
        "# 语言模型的字表：第二行为参数，第三行为字（与 proofread_lm_stats.f32 逐字对应）；"
        "由 scripts/build_proofread_data.py 生成。\n" + json.dumps(meta) + "\n" + "".join(chars) + "\n",
        encoding="utf-8")
    stats = array.array("f", [x for ch in chars for x in (total[ch], types[ch], cont[ch])])
    if sys.byteorder == "big":
        stats.byteswap()
    (DATA / "proofread_lm_stats.f32").write_bytes(stats.tobytes())
    old = DATA / "proofread_lm_chars.json"
    if old.exists():
        old.unlink()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
