"""``govinfo-xlsx import`` given the wrong kind of input: a usage error (exit 3) saying what the file is
and which command reads it; a report that cannot be read stays exit 2."""

from __future__ import annotations

import pytest

from govinfo_xlsx.cli import main
from govinfo_xlsx.documents import WRONG_INPUT_REASONS, check_input
from govinfo_xlsx.errors import WorkbookError
from govinfo_xlsx.template import write_template

from .docmaker import html_report, sample_values, text_report


def _import(capsys, path, out) -> tuple[int, str, str]:
    code = main(["import", str(path), "-o", str(out)])
    got = capsys.readouterr()
    return code, got.out, got.err


def test_workbook_given_to_import_is_a_usage_error(tmp_path, capsys):
    wb = tmp_path / "单位.xlsx"
    write_template(wb, year=2024, org="某县")
    out = tmp_path / "导入.xlsx"
    code, stdout, err = _import(capsys, wb, out)
    assert code == 3 and stdout == ""
    assert err.startswith("无法导入 单位.xlsx：这是 Excel 工作簿，不是已发布的年度报告。")
    assert "govinfo-xlsx check" in err and "govinfo-xlsx merge" in err
    assert not out.exists()
    # the input is what is wrong: said first, even when the output is wrong too
    code, _, err = _import(capsys, wb, tmp_path / "导入.docx")
    assert code == 3 and "这是 Excel 工作簿" in err and ".xlsx 工作簿" not in err


@pytest.mark.parametrize("name,data,said", [
    ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, ["旧版 Excel 工作簿（.xls）", "另存为 .xlsx", "check"]),
    ("单位.xlsm", b"PK\x03\x04", ["Excel 工作簿（.xlsm）", "check", "merge"]),
    ("名单.csv", "单位名称,联系人\n某县,张三\n".encode("gbk"), ["CSV 表格", "govinfo-xlsx template", "--roster"]),
    ("扫描.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, ["图片", "OCR"]),
    ("报告.zip", b"PK\x05\x06" + b"\0" * 18, ["压缩包", "解压"]),
    ("报告.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 100, ["旧版 Word 文档（.doc）", "另存为 .docx"]),
    ("报告.foo", "某县2024年政府信息公开工作年度报告".encode(), ["扩展名为“.foo”", ".docx", ".pdf", ".html", ".txt"]),
])
def test_other_kinds_of_file_are_usage_errors(tmp_path, capsys, name, data, said):
    p = tmp_path / name
    p.write_bytes(data)
    code, stdout, err = _import(capsys, p, tmp_path / "导入.xlsx")
    assert code == 3 and stdout == ""
    assert err.startswith(f"无法导入 {name}：")
    for text in said:
        assert text in err, (name, text, err)
    assert not (tmp_path / "导入.xlsx").exists()


def test_a_folder_is_a_usage_error(tmp_path, capsys):
    folder = tmp_path / "各单位报告"
    folder.mkdir()
    (folder / "某县.pdf").write_bytes(b"%PDF-1.4\n")
    code, _, err = _import(capsys, folder, tmp_path / "导入.xlsx")
    assert code == 3
    assert err.startswith("无法导入 各单位报告：这是一个文件夹，不是报告文件。")
    assert "govinfo-xlsx check" in err and "govinfo-xlsx merge" in err


def test_a_workbook_renamed_to_txt_is_said_to_be_a_workbook(tmp_path, capsys):
    p = tmp_path / "复制.txt"
    write_template(p.with_suffix(".xlsx"), year=2024, org="某县")
    p.write_bytes(p.with_suffix(".xlsx").read_bytes())
    code, _, err = _import(capsys, p, tmp_path / "导入.xlsx")
    assert code == 3 and "文件内容是 Excel 工作簿（扩展名却是“.txt”）" in err and "check" in err


def test_txt_is_read_as_copied_text_and_an_unreadable_report_stays_exit_2(fmt, tmp_path, capsys):
    good = tmp_path / "复制的报告.txt"
    good.write_text(text_report(fmt, sample_values(fmt, seed=3)), encoding="utf-8")
    code, stdout, _ = _import(capsys, good, tmp_path / "导入.xlsx")
    assert code == 0 and "已导入为工作簿" in stdout and (tmp_path / "导入.xlsx").exists()

    notice = tmp_path / "通知.txt"
    notice.write_text("关于召开政务公开工作会议的通知\n各乡镇：定于下周召开会议。\n", encoding="utf-8")
    code, _, err = _import(capsys, notice, tmp_path / "通知.xlsx")
    assert code == 2 and "没有找到年度报告格式的表格" in err

    code, _, err = _import(capsys, tmp_path / "不存在.pdf", tmp_path / "x.xlsx")
    assert code == 2 and "文件不存在" in err


def test_a_web_page_saved_without_suffix_is_still_read(fmt, tmp_path, capsys):
    page = tmp_path / "下载的网页"
    page.write_text(html_report(fmt, sample_values(fmt, seed=4)), encoding="utf-8")
    code, stdout, _ = _import(capsys, page, tmp_path / "导入.xlsx")
    assert code == 0 and "已导入为工作簿" in stdout


def test_check_input_and_the_help_name_the_exit_codes(tmp_path, capsys):
    for name in ("a.xlsx", "a.xls", "a.csv", "a.doc"):
        with pytest.raises(WorkbookError) as e:
            check_input(tmp_path / name)  # by the name alone: the file need not exist
        assert e.value.reason in WRONG_INPUT_REASONS, name
    with pytest.raises(WorkbookError) as e:
        check_input(tmp_path)
    assert e.value.reason == "is-directory"
    with pytest.raises(WorkbookError) as e:
        check_input(tmp_path / "不存在.pdf")
    assert e.value.reason == "missing" and "missing" not in WRONG_INPUT_REASONS
    with pytest.raises(SystemExit) as ex:
        main(["import", "--help"])
    assert ex.value.code == 0
    out = capsys.readouterr().out
    assert "3 用法错误（如输入的是工作簿、表格、文件夹、图片或旧版 .doc" in out
    assert "2 报告无法读取" in out
