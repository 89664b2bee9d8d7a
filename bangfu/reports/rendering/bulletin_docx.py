"""The bulletin as a Word document in the layout of Party and government documents (GB/T 9704).

Pure: ``BulletinData`` and the chart's PNG in, a .docx out (python-docx). A4, margins 3.7/3.5/2.8/2.6 cm
(top/bottom/left/right); the title in 方正小标宋简体 22 pt centred; body 仿宋_GB2312 16 pt at a fixed 28 pt
line spacing with a two-character first-line indent; level-1 headings 黑体, level-2 楷体_GB2312; the
ranking table in 宋体 with its header row repeated on every page; page numbers "— 1 —" in 宋体 14 pt
(a PAGE field; odd pages right, even pages left). Fonts are only *named* (``w:eastAsia`` on styles and
runs): the office's own fonts render them, nothing is embedded or fetched.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from bangfu.common.files import atomic_path

from .bulletin_content import (
    CHART_CAPTION,
    TOWN_HEADERS,
    TOWNS_CAPTION,
    BulletinData,
    chinese_number,
    closing_paragraph,
    data_note,
    date_text,
    group_paragraph,
    intro_paragraph,
    lagging_heading,
    lagging_intro,
    lagging_paragraph,
    overall_paragraph,
    town_cells,
    towns_paragraph,
)

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_1_FONT = "黑体"
HEADING_2_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
PAGE_NUMBER_FONT = "宋体"

PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}
TEXT_WIDTH = Cm(21.0 - 2.8 - 2.6)
BODY_SIZE = Pt(16)
LINE = Pt(28)
TABLE_SIZE = Pt(10.5)
PAGE_NUMBER_SIZE = Pt(14)
RED = RGBColor(0xC0, 0x00, 0x00)
# 排名, 单位, 目标, 已完成, 完成率, 时序进度, 状态 — 15.6 cm in all.
TOWN_WIDTHS = (Cm(1.2), Cm(4.6), Cm(2.1), Cm(2.1), Cm(1.7), Cm(1.9), Cm(2.0))
_NUMERIC_COLUMNS = {2, 3, 4, 5}

# Elements that follow the one inserted, in the order the WordprocessingML schema requires.
_AFTER_OUTLINE_LEVEL = ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_PARAGRAPH_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_AFTER_CELL_SHADING = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_AFTER_TABLE_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")

# Style names (the document's own; Word shows them in the style gallery).
STYLE_TITLE = "通报标题"
STYLE_H1 = "通报一级标题"
STYLE_H2 = "通报二级标题"
STYLE_CAPTION = "通报图表标题"
STYLE_TABLE = "通报表格文字"
STYLE_PAGE_NUMBER = "通报页码"


# --- fonts and paragraphs ----------------------------------------------------------------------------


def _name_font(element: object, name: str) -> None:
    """Name ``name`` for every script of a style's or run's ``w:rPr`` (East Asian included) and drop
    the theme fonts, which would otherwise win over the names."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _first_line_indent(paragraph_format: object, chars: int, size: Pt) -> None:
    """A first-line indent of ``chars`` characters (``w:firstLineChars``, with the length as fallback)."""
    pf = paragraph_format
    pf.first_line_indent = Pt(size.pt * chars)  # type: ignore[attr-defined]
    ind = pf._element.get_or_add_pPr().get_or_add_ind()  # type: ignore[attr-defined]
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def _paragraph_style(
    document: DocumentObject,
    name: str,
    *,
    font: str,
    size: Pt,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent_chars: int = 0,
    line: Pt | None = LINE,
    outline_level: int | None = None,
    keep_with_next: bool = False,
    bold: bool = False,
) -> ParagraphStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    style.font.size = size
    style.font.bold = bold
    _name_font(style.element, font)
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.keep_with_next = keep_with_next
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
    if indent_chars:
        _first_line_indent(pf, indent_chars, size)
    else:
        pf.first_line_indent = Pt(0)
    if outline_level is not None:
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline_level))
        style.element.get_or_add_pPr().insert_element_before(level, *_AFTER_OUTLINE_LEVEL)
    return style


def _set_up_styles(document: DocumentObject) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is not None:
                for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                    fonts.attrib.pop(qn(attribute), None)
                for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                    fonts.set(qn(attribute), BODY_FONT)
            lang = rpr.find(qn("w:lang"))
            if lang is not None:
                lang.set(qn("w:val"), "en-US")
                lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.size = BODY_SIZE
    _name_font(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.widow_control = False
    _first_line_indent(pf, 2, BODY_SIZE)

    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph_style(document, STYLE_TITLE, font=TITLE_FONT, size=Pt(22), align=center, line=Pt(36))
    _paragraph_style(
        document,
        STYLE_H1,
        font=HEADING_1_FONT,
        size=BODY_SIZE,
        indent_chars=2,
        outline_level=0,
        keep_with_next=True,
    )
    _paragraph_style(
        document,
        STYLE_H2,
        font=HEADING_2_FONT,
        size=BODY_SIZE,
        indent_chars=2,
        outline_level=1,
        keep_with_next=True,
    )
    _paragraph_style(
        document, STYLE_CAPTION, font=HEADING_1_FONT, size=Pt(14), align=center, keep_with_next=True
    )
    _paragraph_style(document, STYLE_TABLE, font=TABLE_FONT, size=TABLE_SIZE, align=center, line=None)
    _paragraph_style(document, STYLE_PAGE_NUMBER, font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE, line=None)


def _add(document: DocumentObject, text: str, style: str | None = None, font: str = BODY_FONT) -> Paragraph:
    """A paragraph with the font also named on its run (as Word itself writes Chinese text)."""
    paragraph = document.add_paragraph(style=style)
    if text:
        _name_font(paragraph.add_run(text)._r, font)
    return paragraph


# --- page set-up and page numbers -----------------------------------------------------------------


def _page_field(paragraph: Paragraph) -> None:
    """A real PAGE field between em dashes ("— n —"), in 宋体."""

    def run(text: str = "") -> object:
        r = paragraph.add_run(text)
        _name_font(r._r, PAGE_NUMBER_FONT)
        r.font.size = PAGE_NUMBER_SIZE
        return r._r

    run("— ")
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run().append(begin)  # type: ignore[attr-defined]
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run().append(instruction)  # type: ignore[attr-defined]
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run().append(separate)  # type: ignore[attr-defined]
    run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run().append(end)  # type: ignore[attr-defined]
    run(" —")


def _set_up_page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance = Cm(1.5)
    section.footer_distance = Cm(2.5)
    # Odd pages carry the number on the right, even pages on the left, one character in from the edge.
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles[STYLE_PAGE_NUMBER]
        paragraph.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        else:
            paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
        _page_field(paragraph)


# --- parts -----------------------------------------------------------------------------------------


def _masthead(document: DocumentObject, data: BulletinData) -> None:
    _add(document, data.title, STYLE_TITLE, TITLE_FONT)
    issue = _add(document, data.issue_text)
    issue.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issue.paragraph_format.first_line_indent = Pt(0)
    # 发布单位 on the left, date on the right, a red rule underneath (the masthead's separator line).
    line = _add(document, f"{data.issuer}\t{date_text(data.issued)}")
    pf = line.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.left_indent = pf.right_indent = BODY_SIZE
    pf.tab_stops.add_tab_stop(TEXT_WIDTH - BODY_SIZE * 2, WD_TAB_ALIGNMENT.RIGHT)
    pf.space_after = Pt(14)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "6"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    line._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PARAGRAPH_BORDERS)


def _table_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "000000")):
            border.set(qn(key), value)
        borders.append(border)
    tbl_pr.insert_element_before(borders, *_AFTER_TABLE_BORDERS)


def _header_row(row: object) -> None:
    """Repeat the row at the top of every page, and never split it."""
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    for tag in ("w:cantSplit", "w:tblHeader"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        tr_pr.append(element)


def _shade(cell: object, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().insert_element_before(shading, *_AFTER_CELL_SHADING)  # type: ignore[attr-defined]


def _table(document: DocumentObject, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # a fixed layout: the column widths below hold
    _table_borders(table)
    _header_row(table.rows[0])
    for index, values in enumerate([list(headers), *map(list, rows)]):
        row = table.rows[index]
        if index:
            tr_pr = row._tr.get_or_add_trPr()
            cant_split = OxmlElement("w:cantSplit")
            tr_pr.append(cant_split)
        for column, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = TOWN_WIDTHS[column]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles[STYLE_TABLE]
            if index and column in _NUMERIC_COLUMNS:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(text)
            _name_font(run._r, TABLE_FONT)
            run.font.size = TABLE_SIZE
            if index == 0:
                run.font.bold = True
                _shade(cell, "D9D9D9")
    for column, width in enumerate(TOWN_WIDTHS):
        table.columns[column].width = width
    return table


def _core_properties(document: DocumentObject, data: BulletinData) -> None:
    props = document.core_properties
    props.title = data.title
    props.subject = f"{data.issue_text} {data.as_of_text}"
    props.author = data.issuer
    props.last_modified_by = data.issuer
    props.keywords = "消费帮扶;进度通报"
    props.comments = ""
    stamp = dt.datetime(data.issued.year, data.issued.month, data.issued.day, tzinfo=dt.UTC)
    props.created = props.modified = stamp
    props.revision = 1


# --- the document ------------------------------------------------------------------------------


def write_bulletin_docx(path: Path, data: BulletinData, *, chart_png: bytes | None = None) -> Path:
    document = Document()
    _set_up_styles(document)
    _set_up_page(document)
    _core_properties(document, data)
    # The template's one empty paragraph.
    body = document.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)

    _masthead(document, data)
    _add(document, intro_paragraph(data))

    numbers = iter(range(1, 20))

    def heading(text: str) -> None:
        _add(document, f"{chinese_number(next(numbers))}、{text}", STYLE_H1, HEADING_1_FONT)

    heading("总体进度")
    _add(document, overall_paragraph(data))

    heading("镇（街道）完成情况")
    _add(document, towns_paragraph(data))
    if data.towns:
        _add(document, f"表1  {TOWNS_CAPTION}", STYLE_CAPTION, HEADING_1_FONT)
        _table(document, TOWN_HEADERS, [town_cells(row) for row in data.towns])
        if chart_png:
            picture = document.add_paragraph(style=STYLE_TABLE)
            picture.paragraph_format.keep_with_next = True
            picture.paragraph_format.space_before = Pt(12)
            picture.add_run().add_picture(io.BytesIO(chart_png), width=TEXT_WIDTH)
            caption = _add(document, f"图1  {CHART_CAPTION}", STYLE_CAPTION, HEADING_1_FONT)
            caption.paragraph_format.keep_with_next = False  # a figure's caption sits below it

    heading("进度滞后单位")
    _add(document, lagging_intro(data))
    for number, item in enumerate(data.lagging, start=1):
        _add(document, f"（{chinese_number(number)}）{lagging_heading(item)}", STYLE_H2, HEADING_2_FONT)
        _add(document, lagging_paragraph(item))

    if data.groups:
        heading("基层工会和单位食堂")
        for number, group in enumerate(data.groups, start=1):
            _add(document, f"（{chinese_number(number)}）{group.name}", STYLE_H2, HEADING_2_FONT)
            for summary in group.targets:
                _add(document, group_paragraph(summary))

    heading("下步工作要求")
    _add(document, closing_paragraph(data))
    _add(document, data_note(data))

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temp:
        document.save(str(temp))
    return path
