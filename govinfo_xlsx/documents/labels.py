"""Label matching: the format's labels against what documents really print.

Documents write "1、" for "1.", put spaces inside labels ("商业 企业"), mix
full- and half-width forms and quotes, and sometimes mistype a label
("2.其他法律行政止公开").  :func:`norm` removes the differences that carry no
meaning; :func:`best_match` then finds a label exactly, by prefix, or by a
fuzzy comparison that the caller reports as a located warning.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_SPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_QUOTES = re.compile("[\"'“”‘’「」『』]")
_ITEM_NO = re.compile(r"^(\d+)[、.,，．]")
_ORDINAL = re.compile(r"^\(([一二三四五六七八九十]+)\)")
_SECTION_NO = re.compile(r"^([一二三四五六七八九十]+)[、.，,]")


@functools.lru_cache(maxsize=8192)
def norm(text: str) -> str:
    """A label without the differences that carry no meaning.

    >>> norm("1、属于 国家秘密") == norm("1.属于国家秘密")
    True
    >>> norm("（六）其他处理：")
    '(六)其他处理'
    >>> norm("3.危及“三安全一稳定”") == norm('3.危及"三安全一稳定"')
    True
    """
    t = unicodedata.normalize("NFKC", text or "")
    t = _SPACE.sub("", t)
    t = _QUOTES.sub("", t)
    t = _ITEM_NO.sub(r"\1.", t)
    t = re.sub(r"^([一二三四五六七八九十]+)[.，,]", r"\1、", t)
    return t.rstrip(":：")


def item_number(label: str) -> str | None:
    """The leading item number of a normalised label ("1." -> "1", "(三)" -> "三", "四、" -> "四")."""
    for rx in (_ITEM_NO, _ORDINAL, _SECTION_NO):
        m = rx.match(label)
        if m:
            return m.group(1)
    return None


@dataclass(frozen=True)
class Match:
    """The label a text was matched to; ``fuzzy`` when it is not the same label (a warning)."""

    key: object
    label: str
    fuzzy: bool
    score: float


def best_match(text: str, candidates: Iterable[tuple[object, str]], cutoff: float = 0.72, *,
               fuzzy: bool = True) -> Match | None:
    """Find the candidate label a document's text stands for.

    Exact (after :func:`norm`) first; then a candidate that the text starts
    with, or that starts with the text (a cut or an extended label, "（二）部分公开"
    for the long form); then the most similar candidate with the same item
    number, when it is clearly the best (a mistyped label).

    >>> cands = [(1, "2.其他法律行政法规禁止公开"), (2, "2.重复申请")]
    >>> m = best_match("2、其他法律行政止公开", cands); (m.key, m.fuzzy)
    (1, True)
    >>> best_match("2.没有现成信息需要另行制作", cands) is None
    True
    """
    cands = candidates if isinstance(candidates, tuple) else tuple(candidates)
    return _best_match(text, cands, cutoff, fuzzy)


@functools.lru_cache(maxsize=16384)
def _best_match(text: str, candidates: tuple[tuple[object, str], ...], cutoff: float, fuzzy: bool) -> Match | None:
    t = norm(text)
    if not t:
        return None
    cands = [(k, lab, norm(lab)) for k, lab in candidates]
    for k, lab, n in cands:
        if n == t:
            return Match(k, lab, False, 1.0)
    prefixed = [(k, lab, n) for k, lab, n in cands if n and len(min(n, t, key=len)) >= 4
                and (t.startswith(n) or n.startswith(t))]
    if len(prefixed) == 1:
        k, lab, _ = prefixed[0]
        return Match(k, lab, False, 0.99)
    if len(prefixed) > 1:  # the longest candidate the text starts with
        prefixed.sort(key=lambda c: -len(c[2]))
        k, lab, n = prefixed[0]
        if t.startswith(n):
            return Match(k, lab, False, 0.99)
    if not fuzzy:
        return None
    num = item_number(t)
    scored = []
    for k, lab, n in cands:
        if not n or item_number(n) != num:
            continue
        scored.append((difflib.SequenceMatcher(None, t, n, autojunk=False).ratio(), k, lab))
    scored.sort(key=lambda s: -s[0])
    if scored and scored[0][0] >= cutoff and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.1):
        return Match(scored[0][1], scored[0][2], True, scored[0][0])
    return None
