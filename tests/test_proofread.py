"""Prose ↔ table consistency, pinyin typos (measured on a labelled set), year-over-year report."""

import re
from pathlib import Path

import pytest

from govinfo_xlsx.proofread import (
    find_slips,
    find_typos,
    parse_number,
    prose_findings,
    stated_fee,
    typo_findings,
)
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
    replaced by another character read the same (the wrong IME candidate), from the
    shipped readings only (no jieba, no pypinyin)."""
    import random

    from govinfo_xlsx.proofread import _lexicon, _readings

    table = _readings()
    by_py: dict[str, list[str]] = {}
    for ch, rs in table.items():
        by_py.setdefault(rs[0], []).append(ch)
    lex = _lexicon()
    rnd = random.Random(7)
    cases = []
    for label, sent, _ in load_cases():
        if label != "clean":
            continue
        terms = sorted(t for t, src in lex.targets.items() if src == "lex" and 2 <= len(t) <= 4 and t in sent)
        rnd.shuffle(terms)
        for t in terms[:3]:
            i = rnd.randrange(len(t))
            if len(table.get(t[i], ())) != 1:
                continue  # a polyphonic character: which reading the term uses is not known here
            cands = sorted(set(by_py.get(table[t[i]][0], ())) - {t[i]})
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
    assert [(sl.kind, sl.text) for x in texts for sl in find_slips(x) if sl.kind != "brackets"] == []


def test_next_years_plans_are_not_a_wrong_year(tmp_path, fmt, book):
    prose = {"s5": "2024年，我局将进一步加强政策解读。2024年主动公开信息200条。"}
    _, found = _findings(tmp_path, fmt, book, prose, year=2023)
    assert [(f.rule, f.actual) for f in found] == [("prose-year", 2024)]


# ---------------------------------------------------------------------------
# Real-prose calibration: what real reports say must not alarm (issue 12).


@pytest.mark.parametrize("sentence", [
    "坚持以公开为常态、不公开为例外，持续提升公开质效。",
    "根据《中华人民共和国政府信息公开条例》规定，现向社会公布本机关2023年政府信息公开工作年度报告。",
    "推动政务公开工作提质增效。",
    "及时回应社会关切，加强政民互动。",
    "2021年度，民意乡未收到政府信息公开申请。",
    "经局领导审批后发布，对网民来信进行统一登记、转办。",
    "申请人无正当理由逾期不补正的，视为放弃申请。",
    "年度报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。",
    "法律、法规、规章和国家有关规定规定应当主动公开的其他政府信息。",
    "2023年，市住建局坚持以习近平新时代中国特色社会主义思想为指导。",
    "本年度主动公开文件数量为0。",
    "我们常常研究研究工作，一一落实，天天更新，扎扎实实推进，基本本县情况清楚。",
    "（一）主动公开。1）发布信息；2）解读政策。",
    "实现信息公开底数更清、情况更明、内容更细。",
    "以局门户网站、微信公众号为载体，及时公开工作信息。",
    "2024年，市市场监管局坚持以习近平新时代中国特色社会主义思想为指导。",
    "连生乡人民政府政府信息公开工作情况报告。",
    "按照全县政务公开工作推进会议会议精神，结合本镇实际。",
    "同时做好纸媒商务专版的深度剖析。",
    "规范工作流程，压缩办理时长，年内办件均依时办结。",
    "增强信息公开的主动性、针对性和实效性。",
    "设置了优化营商环境、12345政务服务热线等版块。",
    "加强组织领导，建立建强信息联络员队伍。",
    "依托微信和网站发布信息。",
    "通过实实在在的工作，真真正正让群众满意。",
    "未接到关于不予公开政府信息的电话咨询，也无因政府信息公开申请行政复议的案件。",
    # Uncommon but legitimate pairs that sound like a term: the suggestion does not read
    # better in its context (经信 is 经济和信息化, 置顶 pins a post).
    "结合经信工作实际，细化工作任务。",
    "网站置顶了政府信息公开年报专栏。",
    "各职能中心按权责分工报送相关信息。",
    "围绕全旗中心工作，做好政策解读。",
    "表四各“总计”为其前四项之和。",
    "提高政府信息公开的即时性、准确性和完整性。",
    # Names in quotation marks are often puns on a word: a column, platform or campaign.
    "其中通过“悦读嵩明”平台推送信息。",
    "线上组织“政在问”视频直播4期。",
    "落实“免审即享”政策。",
    "聚焦“优政、兴业、惠民”，推进政务公开。",
    # Names of places, streets and offices, and offices speaking of themselves.
    "地址：某县樟城镇县府路1号。",
    "地址：某镇迅达路29号，联系电话见下。",
    "2024年，我社在区政务网站公开信息12条。",
    "领导小组下设办公室，由馆办公室负责日常工作。",
    "民宗局政府信息公开平台运行平稳。",
    # Regional and administrative words no word list has; reduplication; a figure's unit.
    "将职责任务细化靠实，压实工作责任。",
    "克服街道析置带来的人员和工作变动。",
    "推动形成层层抓落实、级级见成效的工作合力。",
    "“i某区-蜜墩墩”平台共发布推文10篇。",
    "梳理编制本海关关区政府信息公开目录。",
    "脚踏实地地把政务公开作为一项重要工作。",
    "发布某县6.2级地震灾后重建信息12条。",
    "（一）主动公开情况 1、公开渠道与数量。",
    "微信公众号、微博、头条号分别发布信息2433、1664和2247条。",
    "及时处理答复“网留言”，回复网民咨询。",
    "贯彻落实《中华人民共和国政 府信息公开条例》。",
])
def test_real_report_wording_raises_no_warning(sentence):
    assert find_typos(sentence) == []
    assert find_slips(sentence) == []


@pytest.mark.parametrize("text, written, term", [
    ("公布行政处罚及行政执发流程图等政策文件。", "执发", "执法"),
    ("按照《年度报告格式》（过半公开办函〔2021〕30号）要求编制。", "过半", "国办"),
    ("编写公开指南，包括信息公开目录和已申请公开的途径。", "已", "依"),
])
def test_input_method_slips_real_reports_contain(text, written, term):
    assert [(t.written, t.term) for t in find_typos(text)] == [(written, term)]


@pytest.mark.parametrize("text, written, term", [
    # garbage that sounds exactly like a term
    ("本年度共受理依申请公开事项12件，依法办借12件。", "办借", "办结"),
    ("坚持日厂监测，建立问题台账。", "日厂", "日常"),
    # a known word runs across its edge (本年, 统计期), yet the context leaves no doubt
    ("本年渡报告根据《条例》编制。", "年渡", "年度"),
    # a long text in quotation marks is prose, not a name
    ("坚持“公开为常态、不公开为列外”的原则。", "列外", "例外"),
    ("落实“谁公开、谁审查、谁复责”的要求。", "复责", "负责"),
])
def test_slips_the_context_leaves_no_doubt_about(text, written, term):
    assert [(t.written, t.term) for t in find_typos(text)] == [(written, term)]


def test_a_suggestion_must_fit_its_neighbours():
    """The same two characters are a slip where the term fits its neighbours and ordinary
    text where it does not."""
    assert [(t.written, t.term) for t in find_typos("全面公开申请的办理情况，按时办借。")] == [("办借", "办结")]
    assert find_typos("办借书手续。") == []


def test_every_shipped_data_file_is_package_data():
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = Path(__file__).resolve().parent.parent
    patterns = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["govinfo_xlsx.data"]
    files = [p.name for p in (root / "govinfo_xlsx" / "data").iterdir() if p.is_file() and p.name != "__init__.py"]
    assert len(files) > 10
    assert [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)] == []


@pytest.mark.parametrize("text, kind, quoted", [
    ("我局进一步加强加强信息公开管理。", "duplicate", "加强加强"),
    ("我局本本县政务公开工作有序推进。", "duplicate", "本本"),
    ("主动公开政府政府信息情况。", "duplicate", "政府政府"),
    ("规范做好审查工作。。2025年", "duplicate", "。。"),
    ("强化信息公开管理，。定期组织学习", "duplicate", "，。"),
    ("统计期限自20231月1日起。", "date", "20231月"),
    ("统计期限自202311日起至20231231日止。", "date", "202311日"),
    ("2023全年未收到政府信息公开申请。", "date", "2023"),
    ("2021度，依托县政府门户网站公开信息。", "date", "2021"),
    ("结合本镇实际，2023主动公开信息1047条。", "date", "2023"),
    ("自2023年13月1日起施行。", "date", "13月1日"),
    ("全年共受理申请15。", "measure-word", "15"),
    ("全年收到政府信息公开申请15，均已办结。", "measure-word", "15"),
    ("认真学习《条例，推动工作。", "brackets", "《"),
    ("关于印发《年度报告格式》的通知》要求。", "brackets", "》"),
    ("依照“公开为常态，不公开为例外原则。", "brackets", "“"),
    ("（国办公开办函〔202130号）要求。", "brackets", "〔"),
])
def test_slips_real_reports_contain(text, kind, quoted):
    got = [(sl.kind, sl.text) for sl in find_slips(text)]
    assert (kind, quoted) in got, got
    sl = next(sl for sl in find_slips(text) if sl.kind == kind)
    assert text[sl.start:sl.end] == sl.text


# Wording of the same shape as the slips above that is ordinary text (each rule both ways).
@pytest.mark.parametrize("text, kind, quoted", [
    # A place's name ending in 市 before a name beginning with 城市; a word before it is a slip.
    ("及时制定《东城市城市管理局政务公开工作要点》。", "duplicate", None),
    ("印发《滨城市城市管理局信息公开指南》。", "duplicate", None),
    ("进一步加强城市城市管理信息公开。", "duplicate", "城市城市"),
    # A name ending in the office's or the place's own character, then one beginning with it.
    ("有关事项请与县民政局局办公室联系。", "duplicate", None),
    ("办理结果在木镇镇信息公开网站公开。", "duplicate", None),
    ("进一步完善区政务网网站栏目设置。", "duplicate", None),  # a website's name ends in 网
    # 作为 + 为企业: a grammar character ending a word and beginning a phrase; 这是是 is a slip.
    ("把依申请公开办理作为为群众办实事的重要举措。", "duplicate", None),
    ("这是是我局首次编制年度报告。", "duplicate", "是是"),
    # A figure that is the value of a quantity word needs no measure word; a count does.
    ("政务微信发布信息3210条、订阅量达到4567890，", "measure-word", None),
    ("政务微博发布信息1876条、关注量达到987654。", "measure-word", None),
    ("单篇最高阅读量达6021。", "measure-word", None),
    ("全年累计主动公开政府信息64，其中工作动态50条。", "measure-word", "64"),
    ("发布政务微信信息2318、视频信息121条。", "measure-word", "2318"),
    # A parenthesis that runs into a web address, or a text cut inside one.
    ("电子版可从区人民政府网站(www.example.gov.cn政府信息公开专栏下载。", "brackets", None),
    ("本年度报告电子版可从区人民政府网站（www.exam", "brackets", None),
    ("本年度报告电子版可从区人民政府网站（政府信息公开专栏下载。", "brackets", "（"),
    ("严格执行信息发布“三审制，确保内容准确。", "brackets", "“"),
    ("按照《关于做好政务公开工作的通知》（县政办函〔20235号）要求。", "brackets", "〔"),
])
def test_slips_of_real_shape_both_ways(text, kind, quoted):
    got = [sl.text for sl in find_slips(text) if sl.kind == kind]
    assert got == ([quoted] if quoted else []), got


# A character dropped from a lexicon term: real-report shapes flagged, and the ordinary
# wording that holds the same shortened string not.
@pytest.mark.parametrize("text, expected", [
    ("二是加强组织领导，推动府信息公开工作落到实处。", [("府信息公开工作", "政府信息公开工作")]),
    ("（四）府信息公开平台建设情况。", [("府信息公开", "政府信息公开")]),
    ("成立领导小组，由局长任组长，分领导任副组长。", [("分领导", "分管领导")]),
    ("全面推进政府信息公开工作，市政府信息公开平台运行平稳。", []),  # the term itself, after a name
    ("公民向本机关申请公开政府信息，依申请公开办理及时。", []),  # 申请公开: a phrase of its own
    ("坚持以公开促落实，对不公开的信息说明理由。", []),  # 以, 不 stand as words (予以公开, 不予公开)
    ("业务工作与政务公开同安排、同部署、同考核。", []),  # 同部署 is no slip for 同步部署
    ("今年共承办“两会”议提案30件，严格排查涉敏信息。", []),  # abbreviations after a word
    ("政策解读进一步提质，部门网站同步公开。", []),  # 提质, 部门网站: words of their own
])
def test_a_character_dropped_from_a_lexicon_term(text, expected):
    got = [(sl.text, sl.term) for sl in find_slips(text) if sl.kind == "dropped"]
    assert got == expected
    for sl in find_slips(text):
        assert text[sl.start:sl.end] == sl.text


def test_slips_are_located_warnings_with_the_quoted_text(tmp_path, fmt, book):
    prose = {"s1.p2": "全年共受理申请15。统计期限自20231月1日起。", "s5": "进一步加强加强培训。认真学习《条例。",
             "s6": "推动府信息公开工作。本年度未收取信息处理费。"}
    wb = read_workbook(write_filled(tmp_path / "s.xlsx", fmt, book, prose=prose))
    got = sorted((f.rule, f.cells, f.actual) for f in typo_findings(wb))
    assert got == sorted([
        ("prose-measure-word", (fmt.cells["s1.p2"].ref,), "15"),
        ("prose-date", (fmt.cells["s1.p2"].ref,), "20231月"),
        ("prose-duplicate", (fmt.cells["s5"].ref,), "加强加强"),
        ("prose-brackets", (fmt.cells["s5"].ref,), "《"),
        ("prose-dropped", (fmt.cells["s6"].ref,), "府信息公开工作"),
    ])
    msgs = {f.rule: f.message for f in typo_findings(wb)}
    assert "“年共受理申请15。统计期限自”的数字“15”后缺少量词" in msgs["prose-measure-word"]
    assert "日期“20231月”年份与月份连写，缺少“年”字" in msgs["prose-date"]
    assert "“加强加强”疑为重复输入" in msgs["prose-duplicate"]
    assert "“《”没有与之配对的书名号" in msgs["prose-brackets"]
    assert "疑似漏字：“府信息公开工作”应为“政府信息公开工作”" in msgs["prose-dropped"]
    assert [f.expected for f in typo_findings(wb) if f.rule == "prose-dropped"] == ["政府信息公开工作"]


# ---------------------------------------------------------------------------
# 六、其他需要报告的事项 and the 信息处理费.


def test_a_six_silent_on_fees_is_a_warning(tmp_path, fmt, book):
    wb, found = _findings(tmp_path, fmt, book, {"s6": "无其他需要报告的事项。"})
    assert [(f.rule, f.cells) for f in found] == [("prose-fee-missing", (fmt.cells["s6"].ref,))]
    assert "信息处理费" in found[0].message and fmt.cells["s6"].label in found[0].message
    assert stated_fee(wb) is None


def test_an_empty_six_is_the_empty_prose_warning_only(tmp_path, fmt, book):
    from govinfo_xlsx.validate import validate

    wb = read_workbook(write_filled(tmp_path / "e.xlsx", fmt, book, prose={"s6": ""}))
    rules = [f.rule for f in validate(wb).findings if fmt.cells["s6"].ref in f.cells]
    assert rules == ["empty-prose"]


@pytest.mark.parametrize("s6, amount", [
    ("本年度未收取信息处理费。", 0.0),
    ("2023年度，本机关没有收取政府信息公开信息处理费。", 0.0),
    ("本年度共收取信息处理费300元。", 300.0),
    ("依据《政府信息公开信息处理费管理办法》，本机关收取信息处理费共计0.12万元。", 1200.0),
    ("本年度收取信息处理费为1,500元，均已上缴国库。", 1500.0),
])
def test_stated_fee(tmp_path, fmt, book, s6, amount):
    wb, found = _findings(tmp_path, fmt, book, {"s6": s6})
    assert [f.rule for f in found] == []
    fee = stated_fee(wb)
    assert fee is not None and fee.amount == amount and fee.code == "s6" and fee.ref == fmt.cells["s6"].ref
    assert "信息处理费" in fee.sentence


def test_fee_stated_in_another_part(tmp_path, fmt, book):
    wb, _ = _findings(tmp_path, fmt, book, {"s1.p2": "全年未收取信息处理费。", "s6": "无。"})
    fee = stated_fee(wb)
    assert fee is not None and fee.amount == 0 and fee.code == "s1.p2"


# ---------------------------------------------------------------------------
# Prepared data: shipped, in sync with the lexicon, and enough on its own.


def test_the_shipped_data_is_built_from_the_current_lexicon():
    from govinfo_xlsx.proofread import _lexicon

    lex = _lexicon()
    lexicon = [ln.strip() for ln in (Path(__file__).resolve().parent.parent / "govinfo_xlsx" / "data" /
                                     "lexicon.txt").read_text(encoding="utf-8").splitlines()
               if re.fullmatch(r"[\u4e00-\u9fff]{2,8}", ln.strip())]
    missing = [t for t in lexicon if lex.targets.get(t) != "lex"]
    assert missing == [], "rebuild with scripts/build_proofread_data.py"
    import json

    from govinfo_xlsx.proofread import prepare_index

    shipped = json.loads((Path(__file__).resolve().parent.parent / "govinfo_xlsx" / "data" /
                          "proofread_index.json").read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(prepare_index(), ensure_ascii=False)), \
        "proofread_index.json is stale: rebuild with scripts/build_proofread_data.py"


def test_proofreading_needs_neither_jieba_nor_pypinyin(tmp_path):
    import subprocess
    import sys

    code = ("import sys\n"
            "sys.modules['jieba'] = None\nsys.modules['pypinyin'] = None\n"
            "from govinfo_xlsx.proofread import find_typos, find_slips\n"
            "print([(t.written, t.term) for t in find_typos('同时羌胡啊对重大政策的精准解读')],"
            " [s.text for s in find_slips('加强加强')])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                         cwd=Path(__file__).resolve().parent.parent, check=True).stdout
    assert out.strip() == "[('羌胡啊', '强化')] ['加强加强']"
