"""Prose ↔ table consistency, pinyin typos (measured on a labelled set), year-over-year report."""

from pathlib import Path

import pytest

from govinfo_xlsx.proofread import find_typos, parse_number, prose_findings, typo_findings
from govinfo_xlsx.reader import read_workbook

from .helpers import consistent_values, expected_totals, write_filled

CASES = Path(__file__).resolve().parent / "data" / "proofread_cases.tsv"


def load_cases():
    out = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        expected = set()
        if parts[0] == "typo":
            expected = {tuple(x.split(">")) for x in parts[2].split(";")}
        out.append((parts[0], parts[1], expected))
    return out


def score():
    """(precision, recall, true positives, false positives, false negatives) on the labelled set."""
    tp = fp = fn = 0
    for _label, sentence, expected in load_cases():
        got = {(t.written, t.term) for t in find_typos(sentence)}
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp, fp, fn


def test_typo_precision_and_recall_on_labelled_set():
    precision, recall, tp, fp, fn = score()
    assert precision >= 0.9, (precision, fp)
    assert recall >= 0.75, (recall, fn)


def test_sample_report_typos_are_found():
    text = (Path(__file__).resolve().parent.parent / "examples" / "sample-report-2023.txt").read_text(encoding="utf-8")
    got = {(t.written, t.term) for t in find_typos(text)}
    # The slips planted in the bundled (fictional) sample, one per line of its prose.
    assert {("计制", "机制"), ("节读", "解读"), ("专拦", "专栏"), ("陪训", "培训"), ("减查", "检查"),
            ("提生", "提升")} <= got


def test_enumerations_are_not_typos():
    assert find_typos("一是加强组织领导。二是注重政策解读。三是强化平台建设。") == []


@pytest.mark.parametrize("text, value", [("154", 154), ("一百五十四", 154), ("十二", 12), ("两千零八", 2008),
                                         ("1,234", 1234), ("0.5", 0.5), ("三万五千", 35000)])
def test_chinese_and_arabic_numbers(text, value):
    assert parse_number(text) == value


@pytest.fixture()
def book(tmp_path, fmt):
    vals = consistent_values(fmt, seed=61)
    vals["t2.r3.c1"], vals["t2.r4.c1"], vals["t2.r5.c1"] = 134, 20, 0
    for code in fmt.input_codes:
        if code.startswith("t4."):
            vals[code] = 0
    vals["t4.r1.c01"] = 1
    return vals


def _findings(tmp_path, fmt, vals, prose, year=2023):
    wb = read_workbook(write_filled(tmp_path / "p.xlsx", fmt, vals, prose=prose, year=year))
    return wb, prose_findings(wb)


def test_prose_figures_that_contradict_the_tables(tmp_path, fmt, book):
    totals = expected_totals(fmt, book)
    received = totals["t3.r01.c7"]
    prose = {
        "s1.p1": "2022年我局主动公开行政许可类、行政处罚类信息150条。",
        "s1.p2": f"本年度共收到政府信息公开申请{received + 1}件，结转下年度继续办理{totals['t3.r25.c7']}件。"
                 "全年未发生行政复议。",
        "s5": "行政许可134件，行政处罚二十件。",
    }
    wb, found = _findings(tmp_path, fmt, book, prose)
    got = sorted((f.rule, f.cells[0], f.actual) for f in found)
    assert got == sorted([
        ("prose-year", fmt.cells["s1.p1"].ref, 2022),
        ("prose-total", fmt.cells["s1.p1"].ref, 150),
        ("prose-figure", fmt.cells["s1.p2"].ref, received + 1),
        ("prose-denial", fmt.cells["s1.p2"].ref, 1),
    ])
    total = next(f for f in found if f.rule == "prose-total")
    assert "行政许可 134＋行政处罚 20" in total.message and total.expected == 154
    fig = next(f for f in found if f.rule == "prose-figure")
    assert fmt.cells["t3.r01.c7"].ref in fig.cells and "收到政府信息公开申请" in fig.message


def test_prose_that_agrees_is_not_flagged(tmp_path, fmt, book):
    totals = expected_totals(fmt, book)
    prose = {
        "s1.p1": "2023年度，我局主动公开行政许可类、行政处罚类信息154条。2021年以来持续推进。",
        "s1.p2": f"全年共收到政府信息公开申请{totals['t3.r01.c7']}件，上年结转{totals['t3.r02.c7']}件，"
                 f"行政复议1件，未发生行政诉讼。",
        "s6": "2023年，未收取信息处理费。",
    }
    _, found = _findings(tmp_path, fmt, book, prose)
    assert found == []


def test_typo_findings_locate_the_prose_cell(tmp_path, fmt, book):
    wb = read_workbook(write_filled(tmp_path / "t.xlsx", fmt, book, prose={"s5": "一是重大政策姐夫工作有待提高。"}))
    found = typo_findings(wb)
    assert [(f.cells, f.actual, f.expected) for f in found] == [((fmt.cells["s5"].ref,), "姐夫", "解读")]


def test_check_and_report_show_prose_warnings(tmp_path, fmt, book, capsys):
    from govinfo_xlsx.cli import main

    p = write_filled(tmp_path / "c.xlsx", fmt, book, prose={"s1.p1": "同时羌胡啊对重大政策的精准解读。"}, year=2023)
    assert main(["check", str(p)]) == 0
    out = capsys.readouterr().out
    assert "“羌胡啊”疑为“强化”之误" in out


def test_report_with_previous_year_comparison(tmp_path, fmt, book):
    from govinfo_xlsx.report import convert

    last = write_filled(tmp_path / "2022.xlsx", fmt, consistent_values(fmt, seed=62), year=2022)
    this = write_filled(tmp_path / "2023.xlsx", fmt, book, year=2023)
    out = tmp_path / "r.md"
    res = convert(this, out, previous=last, force=True)
    assert res.written
    md = out.read_text(encoding="utf-8")
    assert "附：与上年主要数据对比" in md and "| 项目 | 2022年 | 2023年 | 增减 |" in md
    t_last, t_this = expected_totals(fmt, consistent_values(fmt, seed=62)), expected_totals(fmt, book)
    diff = t_this["t3.r01.c7"] - t_last["t3.r01.c7"]
    row = next(line for line in md.splitlines() if line.startswith("| 本年新收申请"))
    assert row.split("|")[2].strip() == str(t_last["t3.r01.c7"]) and row.split("|")[4].strip() == (
        f"+{diff}" if diff > 0 else str(diff))


@pytest.mark.parametrize("sentence, rule, said", [
    ("本年度新收政府信息公开申请共计十二件。", "prose-figure", 12),
    ("共受理依申请公开事项8件。", "prose-figure", 8),
    ("行政许可事项办理4512件。", "prose-figure", 4512),
    ("无依申请公开事项。", "prose-denial", None),
    ("行政复议和行政诉讼均为0件。", "prose-figure", 0),
    ("收到申请后5个工作日内答复。", None, None),
    ("主动公开行政许可类、行政处罚类信息 154 条。", None, None),
    ("本年度共有行政复议案件3件。", "prose-figure", 3),
])
def test_prose_phrasings(tmp_path, fmt, book, sentence, rule, said):
    vals = dict(book)
    for code in fmt.input_codes:  # 表三 received 7; 复议 1; 许可 134 / 处罚 20 as in the fixture
        if code.startswith("t3."):
            vals[code] = 0
    vals["t3.r01.c1"], vals["t3.r03.c1"] = 7, 7
    wb, found = _findings(tmp_path, fmt, vals, {"s1.p2": sentence})
    got = [(f.rule, f.actual) for f in found]
    if rule is None:
        assert got == []
    elif rule == "prose-denial":
        assert got == [("prose-denial", 7)]
    else:
        assert (rule, said) in got


def _synthetic_cases():
    """Homophone slips planted in the clean sentences: one character of a lexicon term
    replaced by another common character with the same pinyin (the wrong IME candidate)."""
    import random

    from pypinyin import lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    from govinfo_xlsx.proofread import _lexicon, _word_freq

    lex = _lexicon()
    by_py: dict[str, set[str]] = {}
    for cp in pinyin_dict:
        ch = chr(cp)
        if _word_freq(ch) >= 2000:
            by_py.setdefault(lazy_pinyin(ch)[0], set()).add(ch)
    rnd = random.Random(7)
    cases = []
    for label, sent, _ in load_cases():
        if label != "clean":
            continue
        terms = sorted(t for t in lex.terms if 2 <= len(t) <= 4 and t in sent)
        rnd.shuffle(terms)
        for t in terms[:3]:
            i = rnd.randrange(len(t))
            cands = sorted(by_py.get(lazy_pinyin(t[i])[0], set()) - {t[i]})
            if cands:
                pos = sent.index(t)
                cases.append((sent[:pos] + t[:i] + rnd.choice(cands) + t[i + 1:] + sent[pos + len(t):], pos + i))
    return cases


def test_synthetic_homophone_slips():
    cases = _synthetic_cases()
    assert len(cases) >= 100
    found = extra = 0
    for text, pos in cases:
        got = find_typos(text)
        found += any(g.start <= pos < g.end for g in got)
        extra += sum(1 for g in got if not g.start <= pos < g.end)
    assert found / len(cases) >= 0.85, found / len(cases)
    assert extra <= 2, extra


def test_the_formats_own_wording_raises_no_alarm(fmt):
    texts = []

    def walk(x):
        if isinstance(x, str):
            texts.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk({k: v for k, v in fmt.to_descriptor().items() if k != "prose_checks"})
    assert len(texts) > 200
    assert [(t.written, t.term) for x in texts for t in find_typos(x)] == []


def test_next_years_plans_are_not_a_wrong_year(tmp_path, fmt, book):
    prose = {"s5": "2024年，我局将进一步加强政策解读。2024年主动公开信息200条。"}
    _, found = _findings(tmp_path, fmt, book, prose, year=2023)
    assert [(f.rule, f.actual) for f in found] == [("prose-year", 2024)]
