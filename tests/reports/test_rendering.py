"""The bulletin's renderers on content made in the test (pure: no database): the Word layout, the
workbook's sheets, formats and native charts, formula-safe text, the chart image, LibreOffice."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Cm, Pt
from openpyxl import load_workbook
from PIL import Image

from bangfu.reports.rendering import bulletin_docx as layout
from bangfu.reports.rendering.bulletin_chart import STATUS_COLOURS, cjk_font_path, town_chart_png
from bangfu.reports.rendering.bulletin_content import TOWN_HEADERS, chinese_number, percent_text
from bangfu.reports.rendering.bulletin_docx import write_bulletin_docx
from bangfu.reports.rendering.bulletin_xlsx import write_bulletin_xlsx

from .builders import EVIL, sample
from .reading import W, convert_to_pdf, east_asia_fonts, read_part, soffice, zip_parts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def chart() -> bytes:
    data = sample()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = town_chart_png(data.towns, title="各镇（街道）完成率与时序进度（截至2022年6月30日）")
    glyph_warnings = [
        str(w.message) for w in caught if "Glyph" in str(w.message) or "missing" in str(w.message)
    ]
    assert glyph_warnings == []
    return png


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory, chart) -> Path:
    return write_bulletin_docx(tmp_path_factory.mktemp("docx") / "通报.docx", sample(), chart_png=chart)


@pytest.fixture(scope="module")
def xlsx_path(tmp_path_factory) -> Path:
    return write_bulletin_xlsx(tmp_path_factory.mktemp("xlsx") / "通报表.xlsx", sample())


# --- chart ------------------------------------------------------------------------------------------


def test_chart_font_ships_in_the_mplfonts_package():
    path = cjk_font_path()
    assert path.is_file() and path.parent.parent.name == "mplfonts"


def test_chart_is_a_png_with_bars_in_status_colours(chart):
    assert chart.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(chart))
    assert image.format == "PNG"
    assert image.width >= 800 and image.height >= 300  # 6.1 in at 150 dpi
    counts = {colour: n for n, colour in image.convert("RGB").getcolors(maxcolors=1 << 24) or []}
    assert len(counts) > 50  # anti-aliased text and lines, not a blank canvas
    for status in ("normal", "lagging", "severe"):
        colour = STATUS_COLOURS[status].lstrip("#")
        rgb = tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
        assert counts.get(rgb, 0) > 200, status


def test_chart_with_cjk_text_raises_no_glyph_warning():
    data = sample()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "Glyph … missing from font(s)" warning fails the test
        png = town_chart_png(data.towns[:1], title="镇街道管委会完成率（严重滞后）")
        empty = town_chart_png((), title="暂无")
    assert png.startswith(PNG_SIGNATURE) and empty.startswith(PNG_SIGNATURE)


# --- Word ------------------------------------------------------------------------------------------


def _close(a: int | None, b: int) -> bool:
    return a is not None and abs(a - b) <= Cm(0.01)


def test_docx_page_is_a4_with_official_margins(docx_path):
    section = Document(str(docx_path)).sections[0]
    assert _close(section.page_width, Cm(21.0)) and _close(section.page_height, Cm(29.7))
    assert _close(section.top_margin, Cm(3.7)) and _close(section.bottom_margin, Cm(3.5))
    assert _close(section.left_margin, Cm(2.8)) and _close(section.right_margin, Cm(2.6))


def test_docx_title_body_and_heading_fonts(docx_path):
    document = Document(str(docx_path))
    paragraphs = document.paragraphs
    title = paragraphs[0]
    assert title.text == "2022年全市消费帮扶工作进度通报"
    assert title.style.name == layout.STYLE_TITLE
    assert title.style.font.size == Pt(22)
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert paragraphs[1].text == "第6期"
    assert "慈溪市对口支援办" in paragraphs[2].text and "2022年7月5日" in paragraphs[2].text

    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    pf = normal.paragraph_format
    assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY and pf.line_spacing == Pt(28)
    ind = normal.element.pPr.find(f"{W}ind")
    assert ind.get(f"{W}firstLineChars") == "200"

    def east_asia(style_name: str) -> str:
        return document.styles[style_name].element.rPr.rFonts.get(f"{W}eastAsia")

    assert east_asia("Normal") == "仿宋_GB2312"
    assert east_asia(layout.STYLE_TITLE) == "方正小标宋简体"
    assert east_asia(layout.STYLE_H1) == "黑体"
    assert east_asia(layout.STYLE_H2) == "楷体_GB2312"
    assert east_asia(layout.STYLE_TABLE) == "宋体"

    headings = [p.text for p in paragraphs if p.style.name == layout.STYLE_H1]
    assert headings[:3] == ["一、总体进度", "二、镇（街道）完成情况", "三、进度滞后单位"]
    assert any(p.style.name == layout.STYLE_H2 and p.text.startswith("（一）") for p in paragraphs)
    body = [p for p in paragraphs if p.style.name == "Normal" and p.text.startswith("截至")]
    assert (
        body
        and "应完成采购750.00万元，已完成232.35万元，完成率31.0%，慢于时序进度18.6个百分点" in body[0].text
    )


def test_docx_names_fonts_and_embeds_none(docx_path):
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"} <= east_asia_fonts(docx_path)
    parts = zip_parts(docx_path)
    assert not [p for p in parts if p.startswith("word/fonts/") or p.endswith((".odttf", ".ttf", ".otf"))]
    assert "embedTrueTypeFonts" not in read_part(docx_path, "word/settings.xml")


def test_docx_ranking_table(docx_path):
    table = Document(str(docx_path)).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert tuple(rows[0]) == TOWN_HEADERS
    assert rows[1] == ["1", "周巷镇", "300.00", "160.00", "53.3%", "49.6%", "正常"]
    assert rows[2][1] == EVIL and rows[2][2:5] == ["150.00", "60.00", "40.0%"]
    assert rows[3][1:5] == ["龙山镇（滨海区管委会）", "300.00", "12.35", "4.1%"]
    header = table.rows[0]._tr
    assert header.trPr.find(f"{W}tblHeader") is not None  # repeated on every page
    borders = table._tbl.tblPr.find(f"{W}tblBorders")
    assert borders is not None and borders.find(f"{W}insideH").get(f"{W}val") == "single"
    for row in table.rows:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                assert run.font.name == "宋体"
                assert run._r.rPr.rFonts.get(f"{W}eastAsia") == "宋体"
                assert Pt(10.5) <= run.font.size <= Pt(12)


def test_docx_footer_has_a_page_field_between_dashes(docx_path):
    document = Document(str(docx_path))
    section = document.sections[0]
    for footer in (section.footer, section.even_page_footer):
        paragraph = footer.paragraphs[0]
        xml = paragraph._p.xml
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        instructions = [e.text.strip() for e in paragraph._p.iter(f"{W}instrText")]
        assert instructions == ["PAGE"]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        for run in paragraph.runs:
            assert run._r.rPr.rFonts.get(f"{W}eastAsia") == "宋体" and run.font.size == Pt(14)
    assert section.footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert section.even_page_footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_docx_has_the_chart_picture(docx_path, chart):
    document = Document(str(docx_path))
    assert len(document.inline_shapes) == 1
    images = [p for p in document.part.package.parts if p.content_type == "image/png"]
    assert [image.blob for image in images] == [chart]
    assert any(p.text.startswith("图1") for p in document.paragraphs)


def test_docx_lagging_units_and_group_summaries(docx_path):
    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert "（一）事项2.2：采购对口地区农特产品300万元" in text
    assert "严重滞后1个：龙山镇（滨海区管委会）（完成率4.1%）" in text
    assert f"滞后1个：{EVIL}（完成率40.0%）" in text
    assert "事项1.1“法定节假日慰问品总金额的20%”：应统计3家，已报送基数2家（1家尚未报送）" in text
    assert "其中免于考核或由代表单位统计1家" in text


def test_docx_without_towns_lagging_or_groups(tmp_path):
    path = write_bulletin_docx(
        tmp_path / "空.docx", sample(towns=False, groups=False, lagging=False), chart_png=None
    )
    document = Document(str(path))
    assert document.tables == [] and len(document.inline_shapes) == 0
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本期没有镇（街道）金额类目标" in text and "均不低于时序进度" in text
    assert "基层工会和单位食堂" not in text


# --- Excel -----------------------------------------------------------------------------------------


def test_xlsx_sheets_and_frozen_headers(xlsx_path):
    workbook = load_workbook(xlsx_path)
    assert workbook.sheetnames == ["概况", "镇街排名", "滞后单位", "明细"]
    frozen = {name: workbook[name].freeze_panes for name in workbook.sheetnames}
    assert frozen == {"概况": "A4", "镇街排名": "C4", "滞后单位": "A4", "明细": "D4"}
    for name in ("镇街排名", "滞后单位", "明细"):
        assert workbook[name].auto_filter.ref.startswith("A3:")


def test_xlsx_number_formats(xlsx_path):
    workbook = load_workbook(xlsx_path)
    ranking = workbook["镇街排名"]
    assert [c.value for c in ranking[3]] == [
        "排名",
        "单位",
        "事项",
        "目标（万元）",
        "已完成（万元）",
        "完成率",
        "时序进度",
        "状态",
    ]
    first = ranking[4]
    assert first[3].value == 300 and first[4].value == 160
    assert first[3].number_format == first[4].number_format == "#,##0.00"
    assert first[5].number_format == first[6].number_format == "0.0%"
    assert first[5].value == pytest.approx(160 / 300)
    assert ranking["E6"].value == pytest.approx(12.345678)  # exact 万元; the format shows 12.35

    overview = workbook["概况"]
    figures = {row[0].value: row[1] for row in overview.iter_rows(min_row=4, max_col=2) if row[0].value}
    assert figures["金额类目标应完成（万元）"].value == 750
    assert figures["金额类目标应完成（万元）"].number_format == "#,##0.00"
    assert figures["金额类目标完成率"].number_format == "0.0%"
    assert figures["其中：基数未填报（条）"].value == 4

    details = workbook["明细"]
    assert details["F4"].number_format == "#,##0.00" and details["H4"].number_format == "0.0%"


def test_xlsx_has_a_native_bar_and_line_chart_on_the_ranking_sheet(xlsx_path):
    workbook = load_workbook(xlsx_path)
    assert len(workbook["镇街排名"]._charts) >= 1
    charts = [p for p in zip_parts(xlsx_path) if p.startswith("xl/charts/chart")]
    assert len(charts) == 1
    xml = read_part(xlsx_path, charts[0])
    assert re.search(r"<(c:)?barChart>", xml) and re.search(r"<(c:)?lineChart>", xml)
    assert "'镇街排名'!$F$4:$F$6" in xml and "'镇街排名'!$G$4:$G$6" in xml  # rates, time progress
    assert "'镇街排名'!$B$4:$B$6" in xml  # categories: the units


def test_xlsx_text_is_never_a_formula(xlsx_path):
    workbook = load_workbook(xlsx_path)
    seen = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == EVIL:
                    seen += 1
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t")):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate)
    assert seen >= 3  # ranking, lagging, details
    assert workbook["明细"]["C6"].value == "+1 Street" and workbook["明细"]["C6"].data_type == "s"
    for part in zip_parts(xlsx_path):
        if part.startswith("xl/worksheets/sheet"):
            assert "<f>" not in read_part(xlsx_path, part)


# --- words -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五")])
def test_chinese_numbers(n, text):
    assert chinese_number(n) == text


def test_percent_text_rounds_half_up():
    from decimal import Decimal

    assert percent_text(Decimal("0.12345")) == "12.3%" and percent_text(Decimal("0.12350")) == "12.4%"
    assert percent_text(None) == "—"


# --- LibreOffice -----------------------------------------------------------------------------------


@pytest.mark.skipif(
    soffice() is None, reason="LibreOffice (soffice) is not on PATH; PDF rendering not checked"
)
def test_libreoffice_renders_both_files_to_pdf(docx_path, xlsx_path, tmp_path):
    result = convert_to_pdf([docx_path, xlsx_path], tmp_path / "pdf", tmp_path / "profile")
    assert result.returncode == 0, result.stderr
    for name in ("通报.pdf", "通报表.pdf"):
        pdf = tmp_path / "pdf" / name
        assert pdf.exists(), result.stdout + result.stderr
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF") and len(data) > 5000
