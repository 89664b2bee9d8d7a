"""Bad input gives a Chinese TableParseError naming the file — never a library traceback."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bangfu.plans.parsing import TableParseError, parse_table, parse_text


def _error(path: Path) -> str:
    with pytest.raises(TableParseError) as caught:
        parse_table(path)
    return str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    message = _error(tmp_path / "不存在的表.docx")
    assert message == "无法读取文件 不存在的表.docx：文件不存在"


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "表格.xlsx"
    folder.mkdir()
    assert _error(folder).startswith("无法读取文件 表格.xlsx：")


@pytest.mark.parametrize("name", ["坏文件.docx", "坏文件.xlsx", "坏文件.xls"])
def test_garbage_bytes_with_an_office_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not an office document \x00\x01\x02" * 20)
    message = _error(path)
    assert message.startswith(f"无法读取文件 {name}：文件已损坏或不是有效的")


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "假的.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "假的.docx" in _error(path)


def test_truncated_docx(tmp_path: Path) -> None:
    from tests.plans.fixtures import Table, write_docx

    path = write_docx(tmp_path / "截断.docx", Table(rows=[["序号", "工作内容", "责任单位"]]))
    path.write_bytes(path.read_bytes()[:500])
    assert _error(path).startswith("无法读取文件 截断.docx：")


def test_xlsx_without_a_header_names_the_sheets(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "数据"
    workbook.active.append(["姓名", "金额"])
    workbook.active.append(["张三", 100])
    workbook.create_sheet("空表")
    path = tmp_path / "没有表头.xlsx"
    workbook.save(path)
    message = _error(path)
    assert message.startswith("文件 没有表头.xlsx 中未找到任务分解表（需要包含“工作内容”等表头）")
    assert "工作表“数据”" in message and "工作表“空表”" in message


def test_docx_without_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("2022年消费帮扶工作任务分解表")
    path = tmp_path / "只有标题.docx"
    document.save(str(path))
    assert _error(path) == "文件 只有标题.docx 中未找到任务分解表（需要包含“工作内容”等表头）"


def test_text_without_a_table(tmp_path: Path) -> None:
    path = tmp_path / "说明.txt"
    path.write_text("这是一段说明文字。\n没有表格。\n", encoding="utf-8")
    assert "说明.txt" in _error(path)
    empty = tmp_path / "空.txt"
    empty.write_bytes(b"")
    assert "空.txt" in _error(empty)


def test_header_without_any_item(tmp_path: Path) -> None:
    path = tmp_path / "只有表头.txt"
    path.write_text("\t序号\n\t工作内容\n\t责任单位\n", encoding="utf-8")
    assert _error(path) == "文件 只有表头.txt 的任务分解表中没有任何工作内容行"


def test_legacy_word_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "旧格式.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert "另存为 .docx" in _error(path)


def test_parse_text_error_names_the_source() -> None:
    with pytest.raises(TableParseError, match="粘贴内容"):
        parse_text("随便写点什么", source_name="粘贴内容")


def test_worksheet_with_a_header_but_no_rows_is_named(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "分解表"
    workbook.active.append(["序号", "工作任务", "工作内容", "责任单位"])
    path = tmp_path / "空表.xlsx"
    workbook.save(path)
    assert _error(path) == "文件 空表.xlsx 的工作表“分解表”中没有任何工作内容行"
