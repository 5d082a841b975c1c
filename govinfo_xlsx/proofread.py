"""Beyond the format: prose that agrees with the tables, and pinyin-typo proofreading.

Both produce warnings (never errors): a proofreader that cries wolf is
switched off, so every rule here prefers silence to a guess.

*Prose ↔ table.*  The format file's ``prose_checks`` declare, as data,
patterns that quote a figure of the tables (新收申请 N 件, 行政复议 N 件, …),
statements that deny one (未收到政府信息公开申请), the 主动公开 total of listed
categories, and the year pattern.  Each finding quotes the sentence, names the
prose cell and the table cell it contradicts.

*Pinyin typos.*  Clerks type with a pinyin input method and pick the wrong
candidate (羌胡啊 for 强化).  A window of two to five characters is suspected when
its pinyin is that of a suggestion target (a term of ``data/lexicon.txt`` or a frequent
word of real report prose), or one keystroke away, while its characters differ; it
is reported only when what was written is clearly not real text there (see
:func:`find_typos`).  The data is prepared once by ``scripts/build_proofread_data.py``
from jieba's dictionary, pypinyin and real report prose and shipped in ``data/``: no
segmenter or transcriber runs when checking.

*Other slips.*  Duplicated words, malformed dates, a figure without its measure word,
unbalanced brackets (:func:`find_slips`); a 六、其他需要报告的事项 silent on the
信息处理费, and the fee the prose states (:func:`stated_fee`).
"""

from __future__ import annotations

import array
import bisect
import functools
import itertools
import json
import math
import re
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from . import settings
from .findings import WARNING, Finding
from .format import ProseChecks, ReportFormat
from .numbers import fmt_number, sum_cells
from .reader import FilledWorkbook

__all__ = ["prose_findings", "typo_findings", "fee_findings", "find_typos", "find_slips", "stated_fee",
           "FeeStatement", "Slip", "Typo", "parse_number"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
NUM = ProseChecks.NUM
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n")


def parse_number(text: str) -> float | None:
    """Arabic or Chinese numerals to a number: ``"1,234"`` → 1234, ``"一百五十四"`` → 154.

    >>> parse_number("一百五十四"), parse_number("十二"), parse_number("2,345"), parse_number("两万零三")
    (154, 12, 2345, 20003)
    """
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    if text[0].isdigit():
        try:
            v = float(text)
        except ValueError:
            return None
        return int(v) if v.is_integer() else v
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _sentences(text: str) -> Iterable[str]:
    for s in _SENTENCE_END.split(text):
        s = s.strip()
        if s:
            yield s


def _table_ref(fmt: ReportFormat, cells: list[str], label: str) -> str:
    refs = "、".join(fmt.cells[c].ref for c in cells)
    return f"表中“{label}”（{refs}）"


def prose_findings(wb: FilledWorkbook) -> list[Finding]:
    """Warnings where the prose quotes a figure the tables contradict, denies one, names another
    year, or where 六、其他需要报告的事项 says nothing of the 信息处理费 (:func:`fee_findings`)."""
    fmt = wb.format
    spec = fmt.prose_checks
    if spec is None:
        return []
    numbers = wb.numbers()
    msgs = spec.messages
    out: list[Finding] = []
    figures = [(f, [spec.compile(p) for p in f.patterns]) for f in spec.figures]
    listed = spec.listed_total
    listed_re = spec.compile(listed.pattern) if listed else None
    negations = [(n, spec.compile(n.pattern)) for n in spec.negations]
    year_re = spec.compile(spec.year_pattern)
    plans_re = spec.compile(spec.plans_pattern)
    for code in spec.sections:
        text = wb.prose.get(code) or ""
        if not text.strip():
            continue
        cell = fmt.cells[code]
        part = cell.label
        for sentence in _sentences(text):
            quoted = sentence if len(sentence) <= 120 else sentence[:117] + "…"
            # A number that totals several listed categories (主动公开行政许可类、行政处罚类信息154条)
            # is checked as that total, never as the figure of the last category named.
            listed_spans: set[tuple[int, int]] = set()
            if listed_re is not None and listed is not None and listed.trigger in sentence:
                for m in listed_re.finditer(sentence):
                    cats = [k for k in listed.categories if k in m.group("list")]
                    said = parse_number(m.group("n"))
                    if len(cats) < listed.min_categories or said is None:
                        continue
                    listed_spans.add(m.span("n"))
                    cells = [c for k in cats for c in listed.categories[k]]
                    actual = sum_cells(numbers, cells)
                    if actual is None or abs(float(said) - float(actual)) < 1e-9:
                        continue
                    detail = "＋".join(f"{k} {fmt_number(sum_cells(numbers, listed.categories[k]))}" for k in cats)
                    out.append(Finding(
                        "prose-total", WARNING,
                        msgs.listed_total.format(part=part, sentence=quoted, cats="、".join(cats),
                                                    said=fmt_number(said), actual=fmt_number(actual), detail=detail),
                        (cell.ref, *(fmt.cells[c].ref for c in cells)), expected=actual, actual=said,
                        codes=(code, *cells)))
            for fig, patterns in figures:
                actual = sum_cells(numbers, fig.cells)
                if actual is None:
                    continue
                for pat in patterns:
                    matches = [m for m in pat.finditer(sentence) if m.span("n") not in listed_spans]
                    for m in matches:
                        said = parse_number(m.group("n"))
                        if said is None or abs(float(said) - float(actual)) < 1e-9:
                            continue
                        out.append(Finding(
                            "prose-figure", WARNING,
                            msgs.figure.format(part=part, sentence=quoted, label=fig.label, said=fmt_number(said),
                                               table_ref=_table_ref(fmt, list(fig.cells), fig.label),
                                                  actual=fmt_number(actual)),
                            (cell.ref, *(fmt.cells[c].ref for c in fig.cells)), expected=actual, actual=said,
                            codes=(code, *fig.cells)))
                    if matches:
                        break
            for neg, pat in negations:
                if pat.search(sentence):
                    actual = sum_cells(numbers, neg.cells)
                    if actual is not None and actual > 0:
                        out.append(Finding(
                            "prose-denial", WARNING,
                            msgs.negation.format(part=part, sentence=quoted,
                                                 table_ref=_table_ref(fmt, list(neg.cells), neg.label),
                                                    actual=fmt_number(actual)),
                            (cell.ref, *(fmt.cells[c].ref for c in neg.cells)), expected=0, actual=actual,
                            codes=(code, *neg.cells)))
            if wb.year is not None:
                for m in year_re.finditer(sentence):
                    y = int(m.group("year"))
                    # The next year is where 五 states plans (2024年，我局将…): not the reporting period.
                    if y == wb.year or (y == wb.year + 1 and plans_re.search(sentence)):
                        continue
                    out.append(Finding(
                        "prose-year", WARNING,
                        msgs.year.format(part=part, sentence=quoted, said=y, year=wb.year),
                        (cell.ref,), expected=wb.year, actual=y, codes=(code,)))
    out.extend(fee_findings(wb))
    return out


# ---------------------------------------------------------------------------
# Pinyin typos.
#
# Everything is prepared by scripts/build_proofread_data.py and shipped in
# govinfo_xlsx/data/ as plain text: character readings, suggestion targets with their
# pinyin, known words (jieba's dictionary and the words of real report prose) and the
# strings of real prose that sound like a target without being slips.  Nothing is
# segmented or transcribed at run time, and each file is read only when first needed.

# QWERTY neighbours (same row and the rows above/below), for "one keystroke away".
_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_POS = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _adjacent(a: str, b: str) -> bool:
    if a not in _POS or b not in _POS:
        return False
    (r1, c1), (r2, c2) = _POS[a], _POS[b]
    return abs(r1 - r2) <= 1 and abs(c1 - c2) <= 1 and (r1, c1) != (r2, c2)


def _one_keystroke(a: str, b: str) -> str | None:
    """How ``a`` becomes ``b`` in one keystroke: ``"indel"`` (a missing or extra letter,
    which covers an/ang, en/eng, in/ing, z/zh, c/ch, s/sh), ``"subst"`` (a neighbouring
    key), or None.

    >>> _one_keystroke("xianguan", "xiangguan"), _one_keystroke("jiefu", "jiedu"), _one_keystroke("a", "abc")
    ('indel', 'subst', None)
    """
    la, lb = len(a), len(b)
    if a == b or abs(la - lb) > 1:
        return None
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        return "subst" if len(diff) == 1 and _adjacent(a[diff[0]], b[diff[0]]) else None
    if la > lb:
        a, b = b, a
    # b is a with one letter inserted
    return "indel" if any(b[:i] + b[i + 1:] == a for i in range(len(b))) else None


def _data_lines(name: str) -> list[str]:
    text = resources.files("govinfo_xlsx.data").joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line and not line.startswith("#")]


@functools.lru_cache(maxsize=1)
def _readings() -> dict[str, tuple[str, ...]]:
    """Character → its tone-less readings, the most common first."""
    data = json.loads(resources.files("govinfo_xlsx.data").joinpath("proofread_chars.json")
                      .read_text(encoding="utf-8"))
    table: dict[str, tuple[str, ...]] = {}
    for py, chars in data["single"].items():  # characters with one reading, grouped by it
        table.update(dict.fromkeys(chars, (py,)))
    table.update((ch, tuple(rs)) for ch, rs in data["poly"].items())
    return table


@dataclass(frozen=True)
class _Lexicon:
    targets: dict[str, str]  # term -> "lex" (domain lexicon) or "corpus" (frequent in real prose)
    allowed: frozenset[str]  # written so on purpose: never a slip (一是, 二是 …)
    attested: frozenset[str]  # real prose that sounds like a target (现向, 质效 …)
    function: frozenset[str]  # very common single characters
    exact: dict[str, tuple[str, ...]]  # pinyin -> targets spelled so
    prefixes: frozenset[str]  # every beginning of a target's pinyin
    near: dict[str, tuple[tuple[str, str], ...]]  # "<position><kept syllable>|<other, or it less a letter>"
    # -> (term, pinyin) of the two-character targets that are part of a longer lexicon phrase
    phrases: frozenset[str]  # every lexicon term and allowed writing
    compounds: tuple[str, ...]  # lexicon phrases of three characters or more
    compounds_with: dict[str, tuple[str, ...]]  # term -> longer lexicon phrases that contain it
    longest: int
    dropped: dict[str, tuple[str, int, bool]]  # a lexicon term less a character -> (term, partner, head)
    near_kept: frozenset[str]  # "<position><kept syllable>" of the keys of ``near``


def prepare_index() -> dict[str, Any]:
    """The look-up index of the suggestion targets, as plain data: built once by
    ``scripts/build_proofread_data.py`` from ``lexicon.txt``, ``proofread_terms.txt``,
    ``proofread_attested.txt`` and ``proofread_function.txt`` and shipped as
    ``proofread_index.json`` (loading it takes a few milliseconds; building it, thirty)."""
    lexicon, allowed = [], set()
    for line in _data_lines("lexicon.txt"):
        line = line.strip()
        if line.startswith("!"):
            allowed.add(line[1:])
        elif 2 <= len(line) <= 8 and _HAN.fullmatch(line):
            lexicon.append(line)
    targets: dict[str, str] = {}
    exact: dict[str, list[str]] = {}
    near: dict[str, list[tuple[str, str]]] = {}
    prefixes: set[str] = set()
    for line in _data_lines("proofread_terms.txt"):
        term, source, syllables, in_phrase = line.split("\t")
        targets[term] = source
        if len(term) > 5:
            continue
        py = syllables.replace(" ", "")
        exact.setdefault(py, []).append(term)
        prefixes.update(py[:i] for i in range(1, len(py) + 1))
        # One keystroke away is only ever reported where the term completes a lexicon
        # phrase: index those terms of two characters by the syllable kept.
        sy = syllables.split(" ")
        if in_phrase == "1" and len(term) == 2 and len(sy) == 2:
            for i in (0, 1):
                kept, other = sy[i], sy[1 - i]
                for key in sorted({other, *(other[:k] + other[k + 1:] for k in range(len(other)))}):
                    near.setdefault(f"{i}{kept}|{key}", []).append((term, py))
    function = _data_lines("proofread_function.txt")[0]
    return {"targets": targets, "allowed": sorted(allowed), "attested": _data_lines("proofread_attested.txt"),
            "function": function, "exact": exact, "prefixes": sorted(prefixes),
            "near": near, "lexicon": lexicon,
            "dropped": _dropped_writings(lexicon, allowed, targets, frozenset(function), _Words())}


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    index = json.loads(resources.files("govinfo_xlsx.data").joinpath("proofread_index.json")
                       .read_text(encoding="utf-8"))
    lexicon, allowed = index["lexicon"], frozenset(index["allowed"])
    return _Lexicon(index["targets"], allowed, frozenset(index["attested"]), frozenset(index["function"]),
                    {k: tuple(v) for k, v in index["exact"].items()}, frozenset(index["prefixes"]),
                    {k: tuple(map(tuple, v)) for k, v in index["near"].items()},
                    frozenset(lexicon) | allowed, tuple(t for t in lexicon if len(t) >= 3), {},
                    max(len(t) for t in lexicon), {k: (v[0], v[1], v[2]) for k, v in index["dropped"].items()},
                    frozenset(k.split("|", 1)[0] for k in index["near"]))


class _Words:
    """Known words by class: ``"d"`` words of the domain (never a slip for another term),
    ``"c"`` other common words, ``"r"`` rare words (still real words: a slip does not cut
    through one).  Stored as sorted CRC-32 hashes, looked up by bisection."""

    def __init__(self) -> None:
        self._classes = []
        for cls in ("d", "c", "r"):
            hashes = array.array("I")
            hashes.frombytes(resources.files("govinfo_xlsx.data").joinpath(f"proofread_words_{cls}.u32").read_bytes())
            if sys.byteorder == "big":
                hashes.byteswap()
            self._classes.append((cls, hashes))

    def cls(self, word: str) -> str | None:
        """``"d"``, ``"c"``, ``"r"`` or None (not a known word)."""
        h = zlib.crc32(word.encode("utf-8"))
        for cls, hashes in self._classes:
            i = bisect.bisect_left(hashes, h)
            if i < len(hashes) and hashes[i] == h:
                return cls
        return None


@functools.lru_cache(maxsize=1)
def _words() -> _Words:
    return _Words()


@functools.lru_cache(maxsize=1)
def _tags() -> tuple[frozenset[str], frozenset[str]]:
    """(nouns one keystroke from a target, targets that are verbs)."""
    nouns, verbs = _data_lines("proofread_tags.txt")[:2]
    return frozenset(nouns.split(" ")), frozenset(verbs.split(" "))


class _LanguageModel:
    """A character bigram model of written Chinese: how likely each character is after
    the one before it, learnt from the words of jieba's and pypinyin's dictionaries and
    from real report prose (``scripts/build_proofread_data.py``), with interpolated
    absolute discounting.  Bigram counts are stored as sorted CRC-32 hashes of the two
    characters and a log-scale byte each; per character, the weight of what follows it,
    how many different characters follow it, and how many it follows."""

    def __init__(self) -> None:
        data = resources.files("govinfo_xlsx.data")
        self._keys = array.array("I")
        self._keys.frombytes(data.joinpath("proofread_lm_keys.u32").read_bytes())
        if sys.byteorder == "big":
            self._keys.byteswap()
        self._counts = data.joinpath("proofread_lm_counts.u8").read_bytes()
        _, params, chars = data.joinpath("proofread_lm_chars.txt").read_text(encoding="utf-8").split("\n")[:3]
        meta = json.loads(params)
        stats = array.array("f")
        stats.frombytes(data.joinpath("proofread_lm_stats.f32").read_bytes())
        if sys.byteorder == "big":
            stats.byteswap()
        self._discount: float = meta["discount"]
        self._step: float = meta["step"]
        # character -> (weight of what follows it, characters that follow it, characters it follows)
        self._chars: dict[str, tuple[float, float, float]] = {
            ch: (stats[3 * i], stats[3 * i + 1], stats[3 * i + 2]) for i, ch in enumerate(chars)}
        self._unseen = 0.5 / meta["continuations"]
        self._cont_total: float = meta["continuations"]

    def count(self, pair: str) -> float:
        """How often (weighted) the two characters ``pair`` follow each other in the model's sources."""
        h = zlib.crc32(pair.encode("utf-8"))
        i = bisect.bisect_left(self._keys, h)
        if i < len(self._keys) and self._keys[i] == h:
            return 2.0 ** (self._counts[i] / self._step) - 1.0
        return 0.0

    def prob(self, a: str, b: str) -> float:
        """P(b | a): ``a`` is ``^`` at the start of a run of Chinese text, ``b`` is ``$`` at its end."""
        cb = self._chars.get(b)
        unigram = (cb[2] + 0.5) / self._cont_total if cb else self._unseen
        ca = self._chars.get(a)
        if not ca or not ca[0]:
            return unigram
        total, types = ca[0], ca[1]
        return max(self.count(a + b) - self._discount, 0.0) / total + self._discount * types / total * unigram

    def gain(self, chunk: str, s: int, e: int, term: str) -> tuple[float, float]:
        """How much likelier (natural log) ``chunk`` reads with ``term`` in place of
        ``chunk[s:e]``: (at the two edges, within the window)."""
        fixed = chunk[:s] + term + chunk[e:]
        t_edges, t_inner = self._logp(fixed, s, s + len(term))
        w_edges, w_inner = self._logp(chunk, s, e)
        return t_edges - w_edges, t_inner - w_inner

    def _logp(self, text: str, s: int, e: int) -> tuple[float, float]:
        """Log-probability of the transitions into ``text[s:e]`` and out of it, and within it."""
        def lp(i: int) -> float:
            return math.log(self.prob(text[i - 1] if i > 0 else "^", text[i] if i < len(text) else "$"))
        return lp(s) + lp(e), sum(lp(i) for i in range(s + 1, e))


@functools.lru_cache(maxsize=1)
def _language_model() -> _LanguageModel:
    return _LanguageModel()


def _window_pinyins(readings: list[tuple[str, ...]]) -> list[str]:
    # The first combination is every character's most common reading.
    return ["".join(c) for c in itertools.islice(itertools.product(*readings), 16)]


@dataclass(frozen=True)
class Typo:
    """A suspected typo: its span in the text, what was written and the term meant."""

    start: int
    end: int
    written: str
    term: str


def find_typos(text: str) -> list[Typo]:
    """Suspected pinyin-input typos in ``text``, most certain first, without overlaps.

    A window of two to five characters is suspected when it is spelled in pinyin like a
    suggestion target (a term of the domain lexicon or a frequent word of real report
    prose), or one keystroke from a lexicon term, while its characters differ.  It is
    reported only when what was written is clearly not real text there:

    * garbage: not a known word, not a string attested in real report prose, and no
      known word runs across its edges (以识别 is no slip for 意识);
    * or a real word that, replaced by the term, completes a longer lexicon phrase with
      its neighbours (政策姐夫 → 政策解读).

    >>> [(t.written, t.term) for t in find_typos("同时羌胡啊对重大政策的精准解读")]
    [('羌胡啊', '强化')]
    """
    lex = _lexicon()
    table = _readings()
    exact, prefixes = lex.exact, lex.prefixes
    found: list[tuple[float, Typo]] = []
    for run in _HAN.finditer(text):
        chunk, base = run.group(), run.start()
        if _is_a_name(text, run.start(), run.end()):
            continue
        # 6.2级地震, 12件已按要求: the run begins with the unit of a figure.
        start = 1 if base > 0 and text[base - 1].isdigit() and chunk[0] in _MEASURE_WORDS else 0
        readings = [table.get(ch) or () for ch in chunk]
        first = [r[0] if r else "" for r in readings]
        n = len(chunk)
        for s in range(start, n - 1):
            # Pinyin spellings of chunk[s:e] that begin a target's pinyin, most common readings first.
            states = [r for r in readings[s] if r in prefixes]
            py = first[s]  # the most common readings only (for one keystroke away)
            for e in range(s + 2, min(s + 5, n) + 1):
                nxt = readings[e - 1]
                if not nxt:
                    break
                py += nxt[0]
                states = [q for q in (st + r for st in states for r in nxt) if q in prefixes]
                spelled = [t for q in states for t in exact.get(q, ())] if states else []
                if not spelled and (e - s != 2 or len(py) < 5):
                    if not states:
                        break  # no target's pinyin begins so: no longer window can match
                    continue
                window = chunk[s:e]
                if window in lex.targets or window in lex.allowed or window in lex.attested:
                    continue
                # Every target spelled so; those sharing more characters with the window first
                # (收岛 is a slip for 收到 rather than for 受到).
                hits = [(term, "exact") for term in dict.fromkeys(spelled)
                        if abs(len(term) - (e - s)) <= 1 and term != window]
                if len(hits) > 1:
                    hits.sort(key=lambda h: -sum(a == b for a, b in zip(window, h[0], strict=False)))
                if not hits and e - s == 2 and len(py) >= 5:
                    near = _near(py, first[s:e], window, lex)
                    hits = [near] if near else []
                for hit in hits:
                    typo = _judge(chunk, s, e, *hit, lex)
                    if typo is not None:
                        found.append((typo[0], Typo(base + typo[1], base + typo[2], typo[3], typo[4])))
                        break
    found.sort(key=lambda x: (-x[0], -(x[1].end - x[1].start), x[1].start))
    taken: list[Typo] = []
    used = bytearray(len(text))  # characters already covered by a more certain finding
    for _, t in found:
        if not any(used[t.start:t.end]):
            taken.append(t)
            used[t.start:t.end] = b"\x01" * (t.end - t.start)
    return sorted(taken, key=lambda t: t.start)


#: Measure words that follow a figure (6.2级, 12件, 3个).
_MEASURE_WORDS = frozenset("级件条个项次人家份篇期场万亿元台套名位户座批起例宗封轮")
#: Quotation marks around a name.
_QUOTES = {"“": "”", "「": "」", "『": "』", '"': '"', "‘": "’"}
#: The longest quoted text taken for a name rather than for prose.
_NAME_LENGTH = 6
#: The longest item of a quoted list taken for a slogan (“优政、兴业、惠民”).
_SLOGAN_LENGTH = 2


def _is_a_name(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is a short text in quotation marks, alone or an item of a
    list there: the name of a column, a platform or a campaign (“悦读嵩明”, “政在问”,
    “优政、兴业、惠民”), often a deliberate pun on a word."""
    if end - start > _NAME_LENGTH or start == 0 or end >= len(text):
        return False
    left, right = text[start - 1], text[end]
    if _QUOTES.get(left) == right:
        return True
    if left not in _QUOTES and left != "、" or right not in _QUOTES.values() and right != "、":
        return False
    # An item of a list: the quotation opens before it and closes after it, on the same line.
    opening = max(text.rfind(q, max(0, start - 40), start) for q in _QUOTES)
    if opening < 0 or "\n" in text[opening:start]:
        return False
    closing = _QUOTES[text[opening]]
    after = text.find(closing, end, end + 40)
    return after >= 0 and closing not in text[opening + 1:start] and "\n" not in text[end:after] and \
        all(len(item) <= _SLOGAN_LENGTH for item in text[opening + 1:after].split("、"))


def _judge(chunk: str, s: int, e: int, term: str, how: str,
           lex: _Lexicon) -> tuple[float, int, int, str, str] | None:
    """(certainty, start, end, written, term) when ``chunk[s:e]`` is a slip for ``term``, else None."""
    window = chunk[s:e]
    words = _words()
    # Report only what differs: 已申请公开 → 依申请公开 is 已 → 依.
    # Whole words only, as a reader sees them: 先关 → 相关 stays whole.
    lead = trail = 0
    if len(window) == len(term):
        while True:
            k = next((k for k in (4, 3, 2) if lead + k < len(term) - trail and window[lead:lead + k] ==
                      term[lead:lead + k] and words.cls(term[lead:lead + k])), 0)
            if not k:
                break
            lead += k
        while True:
            k = next((k for k in (4, 3, 2) if trail + k < len(term) - lead and window[len(term) - trail - k:
                      len(term) - trail] == term[len(term) - trail - k: len(term) - trail]
                      and words.cls(term[len(term) - trail - k: len(term) - trail])), 0)
            if not k:
                break
            trail += k
    ws, we = s + lead, e - trail
    written, fix = chunk[ws:we], term[lead: len(term) - trail]
    cls = words.cls(window) or (words.cls(written) if lead or trail else None)
    if cls in ("d", "c") or cls == "r" and not (lead or trail):
        # A real word: never one of the domain's own words (事项 is no slip for 时限), and only
        # when the term completes a longer lexicon phrase here.
        if cls == "d" or written in lex.allowed or not _completes_phrase(chunk, ws, we, fix, lex):
            return None
        if how != "exact" and not _noun_for_verb(written, fix):
            return None  # 坚强领导 is sound Chinese, not a slip for 加强领导
        evidence = "word"
    else:
        # Garbage: a slip must not cut through a real word (以识别, 现向社会), and a
        # keystroke slip must keep the syllables' initials or one character (先关 → 相关).
        # 也无因…: two words of grammar side by side are ordinary text, unless the
        # neighbours spell a lexicon phrase with the term (信息公开一是 → 公开意识).
        # Such garbage is still reported when the context leaves no doubt ("rescued").
        # 按权责分工, 全旗中心工作: a domain word across the edge; 永泰县樟城镇, 民宗局: a name
        across = _word_across(chunk, ws, we, words)
        crossed = across == "d"
        named = _names_a_place(chunk, ws, we)
        ordinary = across is not None or _inside_a_phrase(chunk, ws, we, lex) or \
            chunk[ws] in _UNIT_SUFFIX or any(ch in _ORGAN and ch not in fix for ch in written) or \
            written[0] in _NEGATION and fix[0] != written[0] or written[0] in _DEGREE or \
            len(written) > 2 and written[-1] in _SUFFIX and words.cls(written[:-1]) in ("c", "d") or \
            len(written) > 1 and not (lead or trail) and all(ch in lex.function or ch in _GRAMMAR
                                                               for ch in written)
        # One keystroke away is weaker evidence: the term must also complete a lexicon
        # phrase with its neighbours (公开视屏 → 公开水平), and keep the syllables' shape.
        if how != "exact":
            if ordinary or crossed or named or not (_plausible_slip(written, fix, how) and _completes_phrase(chunk, ws, we, fix, lex)):
                return None
            evidence = "near"
        else:
            evidence = "named" if named else "crossed" if crossed else "rescued" if ordinary else "sound"
            if evidence in ("sound", "rescued") and len(written) > 1 and \
                    all(w != f for w, f in zip(written, fix, strict=False)) and \
                    not _completes_phrase(chunk, ws, we, fix, lex):
                # Every character differs: an input method offers words for two syllables, so
                # garbage picked whole is rare (析置 → 细致, 靠实 → 考试 are real words of their
                # own, 由馆办公室 is 由 + 馆办公室); unless the term completes a lexicon phrase
                # (工作计制 → 工作机制).
                evidence = "reworded"
    if len(written) == 2 and written[0] == written[1]:
        return None  # 层层抓落实、级级见成效: a doubled character is the duplicate rule's to judge
    if len(written) != len(fix) and evidence not in ("named", "crossed"):
        # 羌胡啊 → 强化: the syllables were split otherwise; a shorter term reads likelier by
        # its length alone, so such a suggestion needs a margin of its own (or a name's).
        evidence = "split"
    changed = [w for w, f in zip(written, fix, strict=False) if w != f]
    if len(term) < 4 and len(written) == len(fix) and all(w in lex.function or w in _GRAMMAR for w in changed):
        # 已申请 is a real phrase; only 已申请公开 → 依申请公开 is certain: a change of
        # a very common character, or of one that is a word of its own (表四各“总计” is
        # 表四 + 各), needs the context's word in short terms.
        if evidence != "sound":
            return None
        evidence = "common"
    # Last, the context: the suggestion must read clearly better there than what was written,
    # both within the window and where it meets its neighbours (所列数局的统计 reads
    # better as 数据的, while 结合经信工作 does not read better as 精神工作).
    edges, inner = _language_model().gain(chunk, ws, we, fix)
    if not MARGINS[evidence].met(edges, inner, len(written)):
        return None
    return edges + inner, ws, we, written, fix


@dataclass(frozen=True)
class Margin:
    """How much likelier (natural log of the language model's odds) a sentence must read
    with the suggestion than as written: in all, at the window's edges (the term must fit
    its neighbours about as well as what was written), and within the window."""

    total: float
    edges: float
    inner: float
    #: How much worse the edges may read when the window gains 6 more inside than ``inner``.
    leeway: float = 2.0

    def met(self, edges: float, inner: float, length: int) -> bool:
        """Whether gains at the edges and inside a window of ``length`` characters reach the margin
        (a single character has no inside: its edges alone must)."""
        if edges + inner < self.total:
            return False
        if length == 1:
            return edges >= self.edges
        return edges >= self.edges and inner >= self.inner or \
            bool(self.leeway) and edges >= self.edges - self.leeway and inner >= self.inner + 6


#: By the kind of evidence: ``word`` a real word that completes a lexicon phrase with the
#: term (政策姐夫 → 政策解读); ``near`` garbage one keystroke from a term; ``sound`` garbage
#: that sounds exactly like one; ``rescued`` such garbage in what would otherwise read as
#: ordinary text (a known word across its edge, a name, words of grammar); ``crossed`` such
#: garbage across whose edge a domain word runs; ``common`` the change of a very common
#: character in a short term; ``split`` a window of another length than the term;
#: ``reworded`` garbage of which every character differs from the term's, where the term
#: completes no lexicon phrase; ``named`` garbage that ends a name of a place or an office or
#: begins after a place's suffix.
MARGINS = {"word": Margin(8.0, -1.0, 0.0), "near": Margin(7.0, -1.0, 2.0), "sound": Margin(3.0, -1.0, 2.0),
           "rescued": Margin(9.0, -1.0, 3.0), "crossed": Margin(13.0, -1.0, 4.0), "common": Margin(10.0, -1.0, 4.0),
           "split": Margin(10.0, -1.0, 4.0, leeway=0.0), "reworded": Margin(13.0, -1.0, 4.0),
           "named": Margin(15.0, -1.0, 4.0)}


def _word_across(chunk: str, s: int, e: int, words: _Words) -> str | None:
    """``"d"`` when a domain word of two to four characters runs across ``s`` or ``e``
    (按权责分工), ``"w"`` when another known word does (以识别 is 以 + 识别, so 以识 is no
    slip for 意识), else None.  A common two-character word counts only when the text outside
    is not itself a word ending (starting) there: 公开心息 is 公开 + 心息, whatever 开心 may
    be; a domain word or a longer one always counts (申请人无 is 申请人 + 无)."""
    n = len(chunk)
    spans = []  # (start, end, across the window's start)
    if 0 < s < n:
        spans += [(a, b, True) for a in range(max(0, s - 3), s) for b in range(s + 1, min(n, a + 4) + 1)]
    if 0 < e < n:
        spans += [(a, b, False) for b in range(e + 1, min(n, e + 3) + 1) for a in range(max(0, b - 4), e)]
    found = None
    for a, b, at_start in spans:
        cls = words.cls(chunk[a:b])
        if cls == "d":
            return "d"
        if cls and found is None:
            if at_start:  # is the text before the window a word of its own?
                outside = any(words.cls(chunk[c:s]) for c in range(max(0, s - 4), a + 1) if s - c >= 2)
            else:  # is the text after it?
                outside = any(words.cls(chunk[e:c]) for c in range(b, min(n, e + 4) + 1) if c - e >= 2)
            if b - a >= 3 or not outside:
                found = "w"
    return found


def _inside_a_phrase(chunk: str, s: int, e: int, lex: _Lexicon) -> bool:
    """True when ``chunk[s:e]`` is part of a lexicon phrase written out in full (现向社会公布)."""
    for a in range(max(0, s - lex.longest + 1), s + 1):
        for b in range(max(e, a + 3), min(len(chunk), a + lex.longest) + 1):
            if (a, b) != (s, e) and chunk[a:b] in lex.phrases:
                return True
    return False


#: Adverbs, negations, prepositions and particles that stand alone as words (besides
#: the very common characters of ``proofread_function.txt``).
_GRAMMAR = frozenset("也无都还又就才已未不没均皆亦仍再并且而及与或即便则但却曾将被把让给向从对于以为因并非否各每该其此本另依按")

#: A negation makes words of its own (业务不熟 is not 业务部署).
_NEGATION = frozenset("不没未无非别勿")

#: Suffixes that make a word of a word (实效性, 规范化, 办结率).
_SUFFIX = frozenset("性化率度式型者员家界类")
#: A degree adverb makes words of its own (内容更细 is not 内容更新).
_DEGREE = frozenset("更很最较太越挺颇极愈")
#: One character standing for an office (以局门户网站 is 以 + 局 + 门户网站, not 依据; 我社在).
_ORGAN = frozenset("局委厅办室处科股馆社院站队")

#: What follows a place name (卫辉市, 卫辉分局): a name is not a slip for a word that sounds alike.
_PLACE_SUFFIX = re.compile(r"[省市县区镇乡村州旗盟]|分局|街道|社区")


#: The administrative suffixes a place name ends with (盐城市城市管理局 is 盐城市 + 城市管理局).
_PLACE_END = frozenset("省市县区镇乡村")
#: What ends a place's or an office's name: the same character may begin what follows
#: (县民政局局办公室 is 民政局 + 局办公室, 木镇镇 is the town 木镇), so doubled it is no slip.
_NAME_END = _PLACE_END | frozenset("局委办厅处科股室")
#: A unit's own suffix (民意乡, 住建局, 2023年): a window starting with it begins after a name or a figure.
_UNIT_SUFFIX = _NAME_END | frozenset("年月日")
#: The suffixes of places' names (and of streets': 迅达路29号, 荣信路).
_PLACE_CHARS = _PLACE_END | frozenset("州旗盟路街")


def _names_a_place(chunk: str, s: int, e: int) -> bool:
    """True when ``chunk[s:e]`` is, or ends, the name of a place or an office (卫辉市, 从化区,
    迅达路, 民宗局), or begins with a place's suffix (永泰县樟城镇: what follows 县 is another name)."""
    return _PLACE_SUFFIX.match(chunk, e) is not None or chunk[s] in _PLACE_CHARS or \
        e - s > 1 and (chunk[e - 1] in _PLACE_CHARS or chunk[e - 1] in _ORGAN)



def _noun_for_verb(written: str, fix: str) -> bool:
    """A real word one keystroke from a term counts only as a noun standing where the
    term's verb belongs (政策姐夫 → 政策解读, 不断医生 → 不断提升): other near-homophone
    real words are too often right."""
    nouns, verbs = _tags()
    return written in nouns and fix in verbs


def _plausible_slip(window: str, term: str, how: str) -> bool:
    """A keystroke slip that produced garbage keeps a character of the term (内同 → 内容);
    a missing or extra letter may instead keep every syllable's initial (视屏 → 水平)."""
    if len(window) != len(term):
        return False
    if any(a == b for a, b in zip(window, term, strict=True)):
        return True
    if how != "indel":
        return False
    table = _readings()
    return [table[ch][0][:1] for ch in window] == [table[ch][0][:1] for ch in term if ch in table]


def _match(py: str, window: str, lex: _Lexicon) -> tuple[str, str] | None:
    """The target ``py`` spells exactly."""
    for term in lex.exact.get(py, ()):
        if term != window and abs(len(term) - len(window)) <= 1:
            return term, "exact"
    return None


def _near(py: str, syllables: list[str], window: str, lex: _Lexicon) -> tuple[str, str] | None:
    """A two-character target one keystroke from the window's pinyin ``py``, and how.

    A keystroke changes one syllable, so a candidate keeps the other; the changed one
    and the target's share a one-letter deletion, or one is the other less a letter."""
    for i in (0, 1):
        kept, other = syllables[i], syllables[1 - i]
        if f"{i}{kept}" not in lex.near_kept:
            continue
        for key in (other, *(other[:k] + other[k + 1:] for k in range(len(other)))):
            for term, tpy in lex.near.get(f"{i}{kept}|{key}", ()):
                if term != window:
                    how = _one_keystroke(py, tpy)
                    if how is not None:
                        return term, how
    return None


def _completes_phrase(chunk: str, s: int, e: int, term: str, lex: _Lexicon) -> bool:
    """True when ``term`` in place of ``chunk[s:e]`` forms a longer lexicon phrase with its neighbours."""
    reach = lex.longest
    left, right = chunk[max(0, s - reach): s], chunk[e: e + reach]
    fixed = left + term + right
    lo, hi = len(left), len(left) + len(term)
    phrases = lex.compounds_with.get(term)
    if phrases is None:
        phrases = lex.compounds_with[term] = tuple(c for c in lex.compounds if term in c and len(c) > len(term))
    for phrase in phrases:
        k = fixed.find(phrase)
        while k >= 0:
            if k <= lo and k + len(phrase) >= hi:
                return True
            k = fixed.find(phrase, k + 1)
    return False


# ---------------------------------------------------------------------------
# Slips of other kinds: duplicated words, malformed dates, a figure without its
# measure word, unbalanced brackets.


@dataclass(frozen=True)
class Slip:
    """A located slip: its kind (``duplicate``, ``date``, ``measure-word``, ``brackets``,
    ``dropped``), its span in the text, the text itself, what is wrong, in Chinese, and for
    a dropped character the lexicon ``term`` meant."""

    kind: str
    start: int
    end: int
    text: str
    problem: str = ""
    term: str = ""


#: Reduplications that are sound Chinese although no dictionary lists them.
_REDUPLICATION = frozenset("常天一人事件个层步年处时刚仅往渐纷频默多好看条项家户点滴紧牢实在扎严切真大稍略久源"
                           "滚勤恳兢业轰烈踏明白清楚谢哈嘻呵啦")
#: Verbs said twice on purpose (研究研究, 商量商量).
_REDUPLICATED_VERBS = frozenset("研究 学习 讨论 商量 考虑 检查 休息 活动 锻炼 整理 打扫 收拾 介绍 了解 交流 沟通 总结 "
                                "比较 思考 琢磨 体验 尝试 调查 练习 准备 打听 运动 放松 熟悉 认识 看看".split())
#: Sentence punctuation typed twice (工作。。, 管理，。); …… and —— are single marks.
_DUP_PUNCT = re.compile(r"[，。；、：,;][，。；、：]")
_DUP = re.compile(r"([\u4e00-\u9fff]{1,4}?)\1")
#: Grammar characters that end common words and begin phrases (作为为企业 is 作为 + 为企业).
#: The weighted count from which a pair of characters counts as written in real prose.
_PAIR_SEEN = 6.0
_GRAMMAR_CHARS = frozenset("为的地得是在对与和及于以把被将向从由给让同跟就都也")


def _duplicates(chunk: str, base: int) -> list[Slip]:
    words = _words()
    out = []
    for m in _DUP.finditer(chunk):
        unit, i = m.group(1), m.start()
        j = i + 2 * len(unit)
        if len(unit) == 1:
            if unit in _REDUPLICATION:
                continue
            # AABB (真真正正, 明明白白): both halves doubled on purpose.
            if i >= 2 and chunk[i - 2] == chunk[i - 1] or j + 1 < len(chunk) and chunk[j] == chunk[j + 1]:
                continue
            # 公开开展 is 公开 + 开展; 基本本县 is 基本 + 本县; but 我局本本县 is 本县 typed twice.
            ends_word = any(words.cls(chunk[a:i + 1]) for a in range(max(0, i - 3), i))
            starts_word = any(words.cls(chunk[i + 1:b]) for b in range(i + 3, min(len(chunk), i + 5) + 1))
            if ends_word and starts_word or words.cls(unit * 2) and not starts_word:
                continue
            if unit in _NAME_END or (unit in _UNIT_SUFFIX or unit == "网") and starts_word:
                continue  # 市市场监管局 is 市 (the city's) + 市场监管局; 民政局局办公室; the town 木镇镇;
                # 政务网网站 is the website 政务网 + 网站
            if unit in _GRAMMAR_CHARS and any(words.cls(chunk[a:i + 1]) in ("c", "d") for a in range(max(0, i - 3), i)):
                continue  # 作为为企业: 作为 + 为企业; 脚踏实地地把: 脚踏实地 + 地
            if unit not in _lexicon().function and unit not in _GRAMMAR_CHARS and unit not in _GRAMMAR:
                # A content character doubled where no word ends in its first copy is
                # reduplication or a name (层层抓落实、级级见成效; the mascot 蜜墩墩); where
                # the second begins a pair written in real prose, two words meet (海关关区).
                if not ends_word or j < len(chunk) and _language_model().count(unit + chunk[j]) >= _PAIR_SEEN:
                    continue
            # A known word of three characters or more that holds the pair (扎扎实实).
            if any(words.cls(chunk[a:b]) for a in range(max(0, i - 2), i + 1)
                   for b in range(j, min(len(chunk), a + 4) + 1) if b - a >= 3):
                continue
        else:
            if not words.cls(unit) or words.cls(unit * 2) or unit[0] == unit[1] or unit in _REDUPLICATED_VERBS:
                continue  # 研究研究 is sound Chinese; 清清 is handled one character at a time
            if m.group(0) in _lexicon().allowed:
                continue
            # 人民政府政府信息 is 人民政府 + 政府信息.
            k = len(unit)
            if any(words.cls(chunk[a:i + k]) for a in range(max(0, i - 3), i)) and \
                    any(words.cls(chunk[i + k:b]) for b in range(j + 1, min(len(chunk), i + k + 4) + 1)):
                continue
            # 盐城市城市管理局 is 盐城市 + 城市管理局: the first copy completes a place's name (a known
            # one, or one whose stem is no word: 滨城市), the second begins a longer name or word.
            # 加强城市城市管理 stays a slip: 加强 is a word of its own.
            if i > 0 and unit[-1] in _PLACE_END and \
                    any(words.cls(chunk[j:b]) for b in range(j + 2, min(len(chunk), j + 4) + 1)) and \
                    (any(words.cls(chunk[a:i + k]) for a in range(max(0, i - 3), i)) or
                     not any(words.cls(chunk[a:i]) for a in range(max(0, i - 4), i - 1))):
                continue
        out.append(Slip("duplicate", base + i, base + j, m.group(0)))
    return out


_DATE_RUN = re.compile(r"(?<![\d.])((?:19|20)\d{2})(\d{1,2})月")  # 20231月1日: 年 missing
_DATE_BARE = re.compile(r"(?<![\d.])((?:19|20)\d{2})(\d{2,4})日")  # 202311日, 20231231日
_YEAR_NO_NIAN = re.compile(r"(?<![\d.〔\[［(（第])((?:19|20)\d{2})(?=度|全年|上半年|下半年|以来|主动|共计|共收到|我[局镇乡县区市委办])")
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _dates(text: str) -> list[Slip]:
    out = []
    for m in _DATE_RUN.finditer(text):
        out.append(Slip("date", m.start(), m.end(), m.group(0), "年份与月份连写，缺少“年”字"))
    for m in _DATE_BARE.finditer(text):
        out.append(Slip("date", m.start(), m.end(), m.group(0), "缺少“年”“月”字"))
    for m in _YEAR_NO_NIAN.finditer(text):
        out.append(Slip("date", m.start(), m.end(1), m.group(1), "后缺少“年”字"))
    for m in _MONTH_DAY.finditer(text):
        month, day = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            out.append(Slip("date", m.start(), m.end(), m.group(0), "中的月份不存在"))
        elif not 1 <= day <= _DAYS[month - 1]:
            out.append(Slip("date", m.start(), m.end(), m.group(0), "中的日期不存在"))
    return out


#: A figure that counts what was received, handled or published, followed straight by
#: punctuation: the measure word (件, 条 …) is missing (受理申请15。).
_BARE_FIGURE = re.compile(
    r"(?:收到|受理|办结|办理|答复|公开|发布|新收|结转|转结|处理|共计|合计|累计|总计|共|达|计)"
    r"[^，。；;,、\d：:（）()“”]{0,10}?(?<![\d.%％第A-Za-z-])(\d{1,7})(?=[，。；;,、])")


#: A figure that is the value of a named quantity (阅读量达8154, 粉丝数突破2万, 办结率100): no measure word.
_QUANTITY_BEFORE = re.compile(r"(?:[量数率额]|人次)(?:已|累计|共)?(?:达到|达|为|是|突破|超过|超|逾|近|约)?$")


#: More figures of a list after a figure (、1664和2247条).
_FIGURE_LIST = re.compile(r"[、，,和及与]\s*\d")


def _bare_figures(text: str) -> list[Slip]:
    out = []
    for m in _BARE_FIGURE.finditer(text):
        if 1900 <= int(m.group(1)) <= 2100 and len(m.group(1)) == 4:
            continue  # a year
        if text[m.start(1) - 1] in "为是率" or _QUANTITY_BEFORE.search(text, max(0, m.start(1) - 8), m.start(1)):
            continue  # 数量为0。, 关注量达到1382025: the figure is a value, not a count of things
        if text[m.end(1)] in "、." and (m.start(1) == 0 or text[m.start(1) - 1] in " \u3000\n\t（(：:。；;"):
            continue  # 情况 1、公开渠道: the number of an item in a list
        if _FIGURE_LIST.match(text, m.end(1)):
            continue  # 分别发布信息2433、1664和2247条: the measure word follows the last figure
        out.append(Slip("measure-word", m.start(1), m.end(1), m.group(1)))
    return out


_OPEN = {"《": "》", "“": "”", "（": "）", "(": "）", "〔": "〕", "【": "】"}
_CLOSE = {"》": "《", "”": "“", "）": "（", ")": "（", "〕": "〔", "】": "【"}
_PAIR_NAME = {"《": "书名号", "“": "引号", "（": "括号", "〔": "六角括号", "【": "方头括号"}
#: A list marker such as 1） or （一） opens no bracket.
_LIST_MARK = re.compile(r"(?:^|(?<=[\n。；;：:，,]))\s*[0-9一二三四五六七八九十a-zA-Z]{1,3}[)）]")


#: A web address: text in it or after it is not prose (网站(www.example.gov.cn).
_URL = re.compile(r"\s*(?:(?:网址|网站|链接)[:：]\s*)?(?:https?://|www\.|[A-Za-z0-9-]+\.(?:gov|com|org|net|cn)\b)",
                  re.IGNORECASE)
#: An opening bracket this close to the end of a text that runs into a web address was
#: probably cut with the text (an excerpt, a cell pasted in part).
_URL_TAIL = 30


def _brackets(text: str) -> list[Slip]:
    marks = {m.end() - 1 for m in _LIST_MARK.finditer(text)}
    # (www.example.gov.cn …: an address, not prose, whether its parenthesis is closed or not.
    lenient = {i for i, ch in enumerate(text) if ch == "(" and _URL.match(text, i + 1)}
    stack: list[tuple[str, int]] = []
    out = []

    def unclosed(o: str, k: int) -> None:
        if k not in lenient:
            out.append(Slip("brackets", k, k + 1, text[k], f"没有与之配对的{_PAIR_NAME[o]}"))

    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append(("（" if ch == "(" else ch, i))
        elif ch in _CLOSE and i not in marks:
            want = _CLOSE[ch]
            if stack and stack[-1][0] == want:
                stack.pop()
            elif any(o == want for o, _ in stack):
                # Close the nearest matching opener; the ones opened after it were left open.
                while stack[-1][0] != want:
                    unclosed(*stack.pop())
                stack.pop()
            else:
                out.append(Slip("brackets", i, i + 1, ch, f"没有与之配对的{_PAIR_NAME[want]}"))
        elif ch == "\n":
            # A paragraph ends what a quotation or a parenthesis could span.
            for o, k in stack:
                unclosed(o, k)
            stack.clear()
    # 网站（www.example.g…: a text that ends inside a web address was cut there.
    cut = next((m.start() for m in _URL.finditer(text, max(0, len(text) - _URL_TAIL))), None)
    for o, k in stack:
        if cut is None or k < len(text) - _URL_TAIL:
            unclosed(o, k)
    return sorted(out, key=lambda x: x.start)


#: Characters that stand as words of their own (以, 同, 新 …): left alone by a dropped
#: neighbour they still read as sound text (予以公开 → 以公开, 同步部署 → 同部署).
_STANDALONE = frozenset("也无都还又就才已未不没均皆亦仍再并且而及与或即便则但却曾将被把让给向从对于以为因非否各每该"
                        "其此本另依按同跟由和的是在")


def _dropped_writings(lexicon: list[str], allowed: set[str], targets: dict[str, str], function: frozenset[str],
                      words: _Words) -> dict[str, list[Any]]:
    """Each lexicon term of four characters or more with one character dropped, where the drop
    breaks a two-character word of the term and leaves its partner alone: the shortened
    writing → [term, the partner's index in it, whether the partner was the word's head].
    Prepared with the index (``prepare_index``).

    A writing that is itself a known word or lexicon term is left out, and so is one whose
    partner is a word of its own (予以公开 → 以公开) or ends it (进一步提升 → 进一步提: the
    text goes on with another word, 进一步提质)."""
    phrases = set(lexicon) | allowed
    index: dict[str, list[Any]] = {}
    for term in sorted((t for t in phrases if len(t) >= 4 and targets.get(t) == "lex"), key=lambda t: (-len(t), t)):
        for k in range(len(term)):
            short = term[:k] + term[k + 1:]
            if short in phrases or short in targets or words.cls(short):
                continue
            for a, partner, head in ((k - 1, k - 1, True), (k, k, False)):  # the word term[a:a + 2]
                if a < 0 or a + 2 > len(term) or not words.cls(term[a:a + 2]):
                    continue
                if short[partner] in _STANDALONE or short[partner] in function or partner == len(short) - 1:
                    continue
                index.setdefault(short, [term, partner, head])
    return dict(sorted(index.items()))


@functools.lru_cache(maxsize=1)
def _dropped_index() -> tuple[dict[str, tuple[str, int, bool]], int, frozenset[str]]:
    """The dropped writings (``_dropped_writings``), the longest one's length and their first two characters."""
    index = _lexicon().dropped
    return index, max((len(w) for w in index), default=0), frozenset(w[:2] for w in index)


def _dropped(chunk: str, base: int) -> list[Slip]:
    """A character dropped from a lexicon term (推动府信息公开工作, 分领导任副组长): the term less
    one character, written where no lexicon phrase holds it and the broken word's partner
    stands alone (no known word runs through it: 部门网站 is no slip for 门户网站).

    When the partner begins the writing, the text before it could be an abbreviation's
    (涉敏信息, 两会议提案): the writing must then be of five characters or more, or begin the
    clause and keep the broken word's head (，分领导任副组长)."""
    index, longest, starts = _dropped_index()
    if not index:
        return []
    lex, words = _lexicon(), _words()
    reach = lex.longest
    n = len(chunk)
    out: list[Slip] = []
    s = 0
    while s < n - 2:
        found = None
        for e in range(min(n, s + longest), s + 2, -1) if chunk[s:s + 2] in starts else ():  # longest first
            hit = index.get(chunk[s:e])
            if hit is None:
                continue
            term, partner, head = hit
            p = s + partner
            if any(words.cls(chunk[a:b]) for a in range(max(0, p - 3), p + 1)
                   for b in range(max(p + 1, a + 2), min(n, a + 4) + 1)):
                continue  # the partner is part of a word here
            if any(chunk[a:b] in lex.phrases for a in range(max(0, s - reach + 1), s + 1)
                   for b in range(max(e, a + 2), min(n, a + reach) + 1) if (a, b) != (s, e)):
                continue  # part of a lexicon phrase written in full (依申请公开)
            if partner == 0 and e - s < 5 and (s > 0 or not head):
                continue
            found = Slip("dropped", base + s, base + e, chunk[s:e], f"应为“{term}”", term)
            break
        if found is None:
            s += 1
        else:
            out.append(found)
            s = found.end - base
    return out


def find_slips(text: str) -> list[Slip]:
    """Duplicated words and characters, malformed dates, figures without their measure
    word, unbalanced brackets and a character dropped from a lexicon term in ``text``, in order.

    >>> [(s.kind, s.text) for s in find_slips("我局加强加强管理，。20231月1日起受理申请15。《条例》")]
    [('duplicate', '加强加强'), ('duplicate', '，。'), ('date', '20231月'), ('measure-word', '15')]
    """
    out: list[Slip] = []
    for run in _HAN.finditer(text):
        out.extend(_duplicates(run.group(), run.start()))
        # “网留言”: a column's name; 中华人民共和国政 府信息公开条例: a stray space, not a drop
        if not _is_a_name(text, run.start(), run.end()) and not (run.start() > 0 and text[run.start() - 1] in " \u3000"):
            out.extend(_dropped(run.group(), run.start()))
    for m in _DUP_PUNCT.finditer(text):
        out.append(Slip("duplicate", m.start(), m.end(), m.group(0)))
    out.extend(_dates(text))
    out.extend(_bare_figures(text))
    out.extend(_brackets(text))
    return sorted(out, key=lambda x: (x.start, x.end))


# ---------------------------------------------------------------------------
# 六、其他需要报告的事项: the 信息处理费 collected.


@dataclass(frozen=True)
class FeeStatement:
    """What the prose says of the 信息处理费 collected: ``amount`` in 元 (0 when it says
    none was collected), the sentence that says so and the prose cell it is in."""

    amount: float
    sentence: str
    code: str
    ref: str


def stated_fee(wb: FilledWorkbook) -> FeeStatement | None:
    """The 信息处理费 the report's prose says was collected, or None when it says nothing.

    The fee part (六、其他需要报告的事项) is read first, then the other prose parts;
    "未收取信息处理费" is a statement of 0 元.  Reports show it next to the tables.
    """
    fmt = wb.format
    pc = fmt.prose_checks
    spec = pc.fees if pc is not None else None
    if spec is None:
        return None
    amount_res = [pc.compile(p) for p in spec.amount_patterns]
    none_re = pc.compile(spec.none_pattern)
    order = [spec.part, *(c for c in pc.sections if c != spec.part)]
    for code in order:
        text = wb.prose.get(code) or ""
        if spec.mention not in text:
            continue
        for sentence in _sentences(text):
            if spec.mention not in sentence:
                continue
            quoted = sentence if len(sentence) <= 120 else sentence[:117] + "…"
            for pat in amount_res:
                m = pat.search(sentence)
                if m is not None:
                    value = parse_number(m.group("n"))
                    if value is not None:
                        scale = 10000 if m.group("unit") == "万元" else 1
                        return FeeStatement(float(value) * scale, quoted, code, fmt.cells[code].ref)
            if none_re.search(sentence):
                return FeeStatement(0.0, quoted, code, fmt.cells[code].ref)
    return None


def fee_findings(wb: FilledWorkbook) -> list[Finding]:
    """A warning when 六、其他需要报告的事项 is written but says nothing of the 信息处理费
    (the format asks every report to state it; an empty part is already an ``empty-prose`` warning)."""
    fmt = wb.format
    pc = fmt.prose_checks
    spec = pc.fees if pc is not None else None
    if spec is None:
        return []
    code = spec.part
    text = (wb.prose.get(code) or "").strip()
    if not text or pc.compile(spec.mention_pattern).search(text):
        return []
    cell = fmt.cells[code]
    return [Finding("prose-fee-missing", WARNING, pc.messages.fee_missing.format(part=cell.label), (cell.ref,),
                    codes=(code,))]


def typo_findings(wb: FilledWorkbook) -> list[Finding]:
    """Warnings for suspected pinyin-input typos and the other slips (:func:`find_slips`) in every prose part."""
    fmt = wb.format
    spec = fmt.prose_checks
    if spec is None:
        return []
    messages = spec.messages
    msg = messages.typo
    out = []
    for code in spec.sections:
        text = wb.prose.get(code) or ""
        cell = fmt.cells[code]
        if len(text) > settings.PROOFREAD_MAX_CHARS:
            # A report's part runs to a few thousand characters; a longer cell is
            # proofread in its first part only, so a check stays quick.
            out.append(Finding("pinyin-typo", WARNING,
                               f"「{cell.label}」有 {len(text)} 字，错字检查只覆盖前 {settings.PROOFREAD_MAX_CHARS} 字。",
                               (cell.ref,), codes=(code,)))
            text = text[: settings.PROOFREAD_MAX_CHARS]
        typos = find_typos(text)
        if len(typos) > settings.MAX_TYPOS_PER_PART:
            out.append(Finding("pinyin-typo", WARNING,
                               f"「{cell.label}」中疑似拼音输入法选字错误多达 {len(typos)} 处，以下只列出前 "
                               f"{settings.MAX_TYPOS_PER_PART} 处，请通读全文。", (cell.ref,), codes=(code,)))
            typos = typos[: settings.MAX_TYPOS_PER_PART]
        for t in typos:
            out.append(Finding("pinyin-typo", WARNING,
                               msg.format(part=cell.label, context=_context(text, t.start, t.end), typo=t.written,
                                          term=t.term),
                               (cell.ref,), expected=t.term, actual=t.written, codes=(code,)))
        for sl in find_slips(text):
            rule, key = _SLIP_RULES[sl.kind]
            out.append(Finding(rule, WARNING,
                               getattr(messages, key).format(part=cell.label,
                                                             context=_context(text, sl.start, sl.end),
                                                             text=sl.text, problem=sl.problem),
                               (cell.ref,), expected=sl.term or None, actual=sl.text, codes=(code,)))
    return out


_SLIP_RULES = {"duplicate": ("prose-duplicate", "duplicate"), "date": ("prose-date", "date"),
               "measure-word": ("prose-measure-word", "measure_word"), "brackets": ("prose-brackets", "brackets"),
               "dropped": ("prose-dropped", "dropped")}


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 6): end + 6].replace("\n", " ")
