"""Beyond the format: prose that agrees with the tables, and pinyin-typo proofreading.

Both produce warnings (never errors): a proofreader that cries wolf is
switched off, so every rule here prefers silence to a guess.

*Prose ↔ table.*  The format file's ``prose_checks`` declare, as data,
patterns that quote a figure of the tables (新收申请 N 件, 行政复议 N 件, …),
statements that deny one (未收到政府信息公开申请), the 主动公开 total of listed
categories, and the year pattern.  Each finding quotes the sentence, names the
prose cell and the table cell it contradicts.

*Pinyin typos.*  Clerks type with a pinyin input method and pick the wrong
candidate (羌胡啊 for 强化).  A window of the text is suspected when its
pinyin is equal to, or one keystroke away from (a missing or extra letter,
or a neighbouring key), the pinyin of a term of the domain lexicon
(``data/lexicon.txt``) while its characters differ.  jieba's dictionary tells
real words from garbage: a window that is not a word is reported; a real
word (姐夫, 医生) only when putting the term in its place completes a longer
lexicon phrase with its neighbours (政策姐夫 → 政策解读, 不断医生 → 不断提升).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from . import settings
from .findings import WARNING, Finding
from .format import ProseChecks, ReportFormat
from .numbers import fmt_number, sum_cells
from .reader import FilledWorkbook

__all__ = ["prose_findings", "typo_findings", "find_typos", "parse_number"]

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
    """Warnings where the prose quotes a figure the tables contradict, denies one, or names another year."""
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
    return out


# ---------------------------------------------------------------------------
# Pinyin typos.

# QWERTY neighbours (same row and the rows above/below), for "one keystroke away".
_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_POS = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}


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


@dataclass(frozen=True)
class _Lexicon:
    terms: tuple[str, ...]
    allowed: frozenset[str]
    exact: dict[str, str]  # pinyin -> first term spelled so
    shorter: dict[str, tuple[str, ...]]  # a term's pinyin with one letter deleted -> terms
    wild: dict[str, tuple[tuple[str, str], ...]]  # pinyin with one letter as "*" -> (term, that letter)
    compounds: tuple[str, ...]
    domain_words: frozenset[str]  # every word that occurs inside a term
    compounds_with: dict[str, tuple[str, ...]]  # term -> longer terms that contain it
    longest: int


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    from pypinyin import lazy_pinyin

    text = resources.files("govinfo_xlsx.data").joinpath("lexicon.txt").read_text(encoding="utf-8")
    terms, allowed = [], set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            allowed.add(line[1:])
        elif re.fullmatch(r"[\u4e00-\u9fff]{2,8}", line):
            terms.append(line)
    # Indexes for one-keystroke look-ups in O(length of the pinyin), not O(lexicon):
    # deletions (a missing or extra letter) and wildcards (a substituted letter).
    exact: dict[str, str] = {}
    shorter: dict[str, list[str]] = {}
    wild: dict[str, list[tuple[str, str]]] = {}
    for t in terms:
        if len(t) > 5:
            continue
        py = "".join(lazy_pinyin(t))
        exact.setdefault(py, t)
        for i in range(len(py)):
            shorter.setdefault(py[:i] + py[i + 1:], []).append(t)
            wild.setdefault(py[:i] + "*" + py[i + 1:], []).append((t, py[i]))
    compounds_with: dict[str, tuple[str, ...]] = {}
    for t in terms:
        compounds_with[t] = tuple(c for c in terms if len(c) > len(t) and t in c)
    jb = _jieba()
    domain = {w for t in terms for w in jb.lcut(t, HMM=False) if len(w) > 1} | {t for t in terms}
    return _Lexicon(tuple(terms), frozenset(allowed), exact,
                    {k: tuple(dict.fromkeys(v)) for k, v in shorter.items()},
                    {k: tuple(dict.fromkeys(v)) for k, v in wild.items()},
                    tuple(t for t in terms if len(t) >= 3), frozenset(domain), compounds_with,
                    max(len(t) for t in terms))


@functools.lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    """Part-of-speech tags of jieba's dictionary (word → tag such as n, v, a)."""
    import os

    path = os.path.join(os.path.dirname(_jieba().__file__), "dict.txt")
    tags: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3:
                tags[parts[0]] = parts[2]
    return tags


def _word_freq(word: str) -> int:
    return int(_jieba().dt.FREQ.get(word, 0) or 0)


@functools.lru_cache(maxsize=20000)
def _readings(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    r = pinyin(ch, style=Style.NORMAL, heteronym=True)
    return tuple(dict.fromkeys(r[0])) if r and r[0] and r[0][0] != ch else ()


def _window_pinyins(text: str) -> list[str]:
    readings = [_readings(ch) for ch in text]
    if any(not r for r in readings):
        return []
    # The first combination is every character's most common reading.
    combos = itertools.islice(itertools.product(*readings), 16)
    return ["".join(c) for c in combos]


#: Jieba frequency at and above which a dictionary word counts as a real word here.
COMMON_WORD = 50
#: Single characters so common that windows made only of them are ordinary text.
_FUNCTION_FREQ = 200_000


@dataclass(frozen=True)
class Typo:
    """A suspected typo: its span in the text, what was written and the term meant."""

    start: int
    end: int
    written: str
    term: str


def find_typos(text: str) -> list[Typo]:
    """Suspected pinyin-input typos in ``text``, most certain first, without overlaps.

    >>> [(t.written, t.term) for t in find_typos("同时羌胡啊对重大政策的精准解读")]
    [('羌胡啊', '强化')]
    """
    lex = _lexicon()
    jb = _jieba()
    found: list[tuple[int, Typo]] = []
    for run in re.finditer(r"[\u4e00-\u9fff]+", text):
        chunk, base = run.group(), run.start()
        tokens = jb.lcut(chunk, HMM=False)
        bounds = list(itertools.accumulate([0] + [len(t) for t in tokens]))
        for i in range(len(tokens)):
            for j in range(i + 1, min(i + 4, len(tokens)) + 1):
                s, e = bounds[i], bounds[j]
                window = chunk[s:e]
                if not 2 <= len(window) <= 5 or window in lex.allowed or window in lex.terms:
                    continue
                if j - i > 1 and all(_word_freq(t) >= _FUNCTION_FREQ for t in tokens[i:j]):
                    continue
                for k, py in enumerate(_window_pinyins(window)):
                    # Other readings of polyphonic characters only for an exact match:
                    # one keystroke from a rare reading (这 zhei) is noise.
                    hit = _match(py, window, lex, exact_only=k > 0)
                    if hit is None:
                        continue
                    term, how = hit
                    # Report only the differing words: 政策姐夫 → 政策解读 is 姐夫 → 解读.
                    toks = list(tokens[i:j])
                    lead = trail = ""
                    while len(toks) > 1 and len(toks[0]) > 1 and term.startswith(lead + toks[0]):
                        lead += toks.pop(0)
                    while len(toks) > 1 and len(toks[-1]) > 1 and term.endswith(toks[-1] + trail):
                        trail = toks.pop() + trail
                    written = "".join(toks)
                    fix = term[len(lead): len(term) - len(trail)]
                    ws, we = s + len(lead), e - len(trail)
                    if len(written) > 1 and _word_freq(written) >= COMMON_WORD or \
                            (j - i == 1 and len(window) > 1 and _word_freq(window) > 0):
                        # A real word: never one of the domain's own words (事项 is no slip for
                        # 时限), and only when the term completes a longer lexicon phrase here.
                        if written in lex.domain_words or written in lex.allowed or \
                                not _completes_phrase(chunk, ws, we, fix, lex):
                            continue
                        if how != "exact" and not _noun_for_verb(written, fix):
                            continue  # 坚强领导 is sound Chinese, not a slip for 加强领导
                        score = 1
                    else:
                        # Garbage one keystroke from a term: the slip must keep the syllables'
                        # initials or one character (先关 → 相关, 内同 → 内容).
                        if how != "exact" and not _plausible_slip(written, fix, how):
                            continue
                        score = 3 if how == "exact" else 2
                    changed = [w for w, f in zip(written, fix, strict=False) if w != f]
                    if len(term) < 4 and len(written) == len(fix) and \
                            all(_word_freq(w) >= _FUNCTION_FREQ for w in changed):
                        break  # 已申请 is a real phrase; only 已申请公开 → 依申请公开 is certain
                    found.append((score, Typo(base + ws, base + we, written, fix)))
                    break
    found.sort(key=lambda x: (-x[0], -(x[1].end - x[1].start), x[1].start))
    taken: list[Typo] = []
    used = bytearray(len(text))  # characters already covered by a more certain finding
    for _, t in found:
        if not any(used[t.start:t.end]):
            taken.append(t)
            used[t.start:t.end] = b"\x01" * (t.end - t.start)
    return sorted(taken, key=lambda t: t.start)


def _noun_for_verb(written: str, fix: str) -> bool:
    """A real word one keystroke from a term counts only as a noun standing where the
    term's verb belongs (政策姐夫 → 政策解读, 不断医生 → 不断提升): other near-homophone
    real words are too often right."""
    tags = _word_tags()
    return tags.get(written, "").startswith("n") and tags.get(fix, "").startswith("v")


def _plausible_slip(window: str, term: str, how: str) -> bool:
    """A keystroke slip that produced garbage keeps a character of the term (内同 → 内容);
    a missing or extra letter may instead keep every syllable's initial (视屏 → 水平)."""
    if len(window) != len(term):
        return False
    if any(a == b for a, b in zip(window, term, strict=True)):
        return True
    if how != "indel":
        return False
    from pypinyin import lazy_pinyin

    return [p[:1] for p in lazy_pinyin(window)] == [p[:1] for p in lazy_pinyin(term)]


def _match(py: str, window: str, lex: _Lexicon, exact_only: bool = False) -> tuple[str, str] | None:
    """The lexicon term ``py`` spells, exactly (``"exact"``) or one keystroke away."""

    def usable(term: str) -> bool:
        return term != window and abs(len(term) - len(window)) <= 1

    term = lex.exact.get(py)
    if term is not None and usable(term):
        return term, "exact"
    if exact_only or len(py) < 5:
        return None
    for term in lex.shorter.get(py, ()):  # the window lacks a letter of the term
        if usable(term):
            return term, "indel"
    for i in range(len(py)):  # the window has one letter too many
        term = lex.exact.get(py[:i] + py[i + 1:])
        if term is not None and usable(term):
            return term, "indel"
    for i in range(len(py)):  # one letter typed with a neighbouring key
        for term, letter in lex.wild.get(py[:i] + "*" + py[i + 1:], ()):
            if usable(term) and _adjacent(py[i], letter):
                return term, "subst"
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


def typo_findings(wb: FilledWorkbook) -> list[Finding]:
    """Warnings for suspected pinyin-input typos in every prose part."""
    fmt = wb.format
    spec = fmt.prose_checks
    if spec is None:
        return []
    msg = spec.messages.typo
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
            context = text[max(0, t.start - 6): t.end + 6].replace("\n", " ")
            out.append(Finding("pinyin-typo", WARNING,
                               msg.format(part=cell.label, context=context, typo=t.written, term=t.term),
                               (cell.ref,), expected=t.term, actual=t.written, codes=(code,)))
    return out
