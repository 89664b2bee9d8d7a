"""The bulletin as a workbook: 概况 / 镇街排名 / 滞后单位 / 明细, with native Excel charts. Pure:
``BulletinData`` in, .xlsx out (openpyxl).

Money in 万元 cells (``#,##0.00``), rates as percentages; every table has its header frozen and a filter.
Text is never read as a formula: a value starting with = + - @ or a tab is written as a text cell marked
the way Excel marks text typed after an apostrophe (``quotePrefix``), so a unit called "=cmd|…" shows as
exactly that and is never evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bangfu.common.files import atomic_path

from .bulletin_content import (
    CHART_CAPTION,
    TOWNS_CAPTION,
    BulletinData,
    closing_paragraph,
    data_note,
    date_text,
    lagging_intro,
    overall_paragraph,
    towns_paragraph,
    wan,
)
from .progress_xlsx import HEADERS as DETAIL_HEADERS
from .progress_xlsx import STATUS_FILLS
from .progress_xlsx import WIDTHS as DETAIL_WIDTHS

WAN = "#,##0.00"
PERCENT = "0.0%"
COUNT = "0"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FONT = "宋体"


def put(sheet: Worksheet, row: int, column: int, value: object, number_format: str | None = None) -> Cell:
    """Write one cell; text that a spreadsheet would take for a formula is stored as plain text."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell


def _title(sheet: Worksheet, title: str, subtitle: str, width: int) -> None:
    put(sheet, 1, 1, title).font = Font(name=_FONT, bold=True, size=14)
    put(sheet, 2, 1, subtitle).font = Font(name=_FONT, size=10, color="595959")
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 24


def _header(sheet: Worksheet, row: int, headers: Sequence[str], first_column: int = 1) -> None:
    for offset, text in enumerate(headers):
        cell = put(sheet, row, first_column + offset, text)
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER


def _row(
    sheet: Worksheet,
    row: int,
    values: Sequence[object],
    formats: Sequence[str | None],
    first_column: int = 1,
) -> None:
    for offset, (value, number_format) in enumerate(zip(values, formats, strict=True)):
        cell = put(sheet, row, first_column + offset, value, number_format)
        cell.border = _BORDER
        cell.font = Font(name=_FONT)


def _status_fill(sheet: Worksheet, row: int, column: int, status: str) -> None:
    fill = STATUS_FILLS.get(status)
    if fill:
        sheet.cell(row=row, column=column).fill = PatternFill("solid", fgColor=fill)


def _widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _print_setup(sheet: Worksheet, header_row: int, landscape: bool = True) -> None:
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


# --- sheets --------------------------------------------------------------------------------------

SUMMARY_HEADERS = (
    "类别", "事项", "目标", "应统计（家）", "已报送基数（家）", "免于考核（家）", "已完成", "正常", "滞后",
    "严重滞后", "应采购（万元）", "已采购（万元）", "完成率",
)  # fmt: skip
SUMMARY_FORMATS = (None, None, None, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, WAN, WAN, PERCENT)


def _overview(sheet: Worksheet, data: BulletinData) -> None:
    width = len(SUMMARY_HEADERS)
    _title(
        sheet,
        data.title,
        f"{data.issue_text}　　{data.issuer}　　{date_text(data.issued)}　　（数据{data.as_of_text}，金额单位：万元）",
        width,
    )
    _header(sheet, 3, ("指标", "数值"))
    o = data.overall
    figures: list[tuple[str, object, str | None]] = [
        ("数据截至", date_text(data.as_of), None),
        ("时序进度", o.time_progress, PERCENT),
        ("金额类目标（项）", o.amount_lines, COUNT),
        ("金额类目标应完成（万元）", wan(o.required_fen), WAN),
        ("金额类目标已完成（万元）", wan(o.achieved_fen), WAN),
        ("金额类目标完成率", o.rate, PERCENT),
        ("目标总数（条）", o.lines, COUNT),
        *((f"其中：{s.label}（条）", s.count, COUNT) for s in o.statuses),
    ]
    row = 4
    for label, value, number_format in figures:
        _row(sheet, row, (label, value), (None, number_format))
        row += 1

    if data.groups:
        row += 1
        put(sheet, row, 1, "基层工会和单位食堂").font = Font(name=_FONT, bold=True, size=12)
        row += 1
        _header(sheet, row, SUMMARY_HEADERS)
        row += 1
        for group in data.groups:
            for s in group.targets:
                rate = Decimal(s.achieved_fen) / Decimal(s.required_fen) if s.required_fen else None
                values = (
                    group.name, s.item, s.label, s.units, s.bases_reported, s.exempt, s.done, s.normal,
                    s.lagging, s.severe, wan(s.required_fen), wan(s.achieved_fen), rate,
                )  # fmt: skip
                _row(sheet, row, values, SUMMARY_FORMATS)
                row += 1

    row += 1
    put(sheet, row, 1, "说明").font = Font(name=_FONT, bold=True, size=12)
    for text in (
        overall_paragraph(data),
        towns_paragraph(data).replace("具体见表1、图1。", "具体见“镇街排名”表。"),
        lagging_intro(data),
        closing_paragraph(data),
        data_note(data),
    ):
        row += 1
        cell = put(sheet, row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(name=_FONT)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.row_dimensions[row].height = 15 * (1 + len(text) // 70)

    _widths(sheet, (26, 16, 34, 12, 16, 14, 8, 8, 8, 9, 14, 14, 9))
    sheet.freeze_panes = "A4"
    _print_setup(sheet, 3)


RANKING_HEADERS = ("排名", "单位", "事项", "目标（万元）", "已完成（万元）", "完成率", "时序进度", "状态")
RANKING_FORMATS = (COUNT, None, None, WAN, WAN, PERCENT, PERCENT, None)
RATE_COLUMN, EXPECTED_COLUMN, UNIT_COLUMN = 6, 7, 2


def _ranking(sheet: Worksheet, data: BulletinData) -> None:
    _title(sheet, TOWNS_CAPTION, f"{data.as_of_text}（金额单位：万元）", len(RANKING_HEADERS))
    _header(sheet, 3, RANKING_HEADERS)
    for row, town in enumerate(data.towns, start=4):
        values = (
            town.rank, town.unit, town.item, town.required_wan, town.achieved_wan, town.rate, town.expected,
            town.status_label,
        )  # fmt: skip
        _row(sheet, row, values, RANKING_FORMATS)
        _status_fill(sheet, row, len(RANKING_HEADERS), town.status)
    last = 3 + len(data.towns)
    _widths(sheet, (7, 24, 7, 14, 14, 10, 10, 10))
    sheet.freeze_panes = "C4"
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(RANKING_HEADERS))}{last}"
    _print_setup(sheet, 3)
    if data.towns:
        _ranking_chart(sheet, last)


def _ranking_chart(sheet: Worksheet, last: int) -> None:
    """A column chart of completion rates with the time progress as a line, on one percentage axis."""
    categories = Reference(sheet, min_col=UNIT_COLUMN, min_row=4, max_row=last)
    bars = BarChart()
    bars.type = "col"
    bars.grouping = "clustered"
    bars.title = CHART_CAPTION
    bars.style = 10
    bars.add_data(Reference(sheet, min_col=RATE_COLUMN, min_row=3, max_row=last), titles_from_data=True)
    bars.set_categories(categories)
    bars.y_axis.title = "完成率"
    bars.y_axis.number_format = "0%"
    bars.y_axis.scaling.min = 0
    bars.x_axis.title = "单位"
    bars.gapWidth = 60
    bars.series[0].graphicalProperties.solidFill = "4472C4"
    bars.dataLabels = DataLabelList(
        showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
    )
    bars.dataLabels.numFmt = "0.0%"
    bars.dataLabels.position = "outEnd"

    line = LineChart()
    line.add_data(Reference(sheet, min_col=EXPECTED_COLUMN, min_row=3, max_row=last), titles_from_data=True)
    line.set_categories(categories)
    series = line.series[0]
    series.graphicalProperties.line.solidFill = "C00000"
    series.graphicalProperties.line.dashStyle = "dash"
    series.graphicalProperties.line.width = 19050  # 1.5 pt in EMU
    series.marker.symbol = "dash"
    series.smooth = False

    bars += line
    # Newer Excel hides axes that are not explicitly shown.
    bars.x_axis.delete = False
    bars.y_axis.delete = False
    bars.legend.position = "b"
    bars.width = max(18.0, 1.2 * (last - 3))
    bars.height = 12.0
    sheet.add_chart(bars, f"{get_column_letter(len(RANKING_HEADERS) + 2)}3")


LAGGING_HEADERS = ("事项", "事项内容", "单位", "目标", "已完成", "完成率", "时序进度", "状态")
LAGGING_FORMATS = (None, None, None, None, None, PERCENT, PERCENT, None)


def _lagging(sheet: Worksheet, data: BulletinData) -> None:
    _title(sheet, "进度滞后单位", f"{data.as_of_text}　{lagging_intro(data)}", len(LAGGING_HEADERS))
    _header(sheet, 3, LAGGING_HEADERS)
    row = 4
    for item in data.lagging:
        for line in item.lines:
            values = (
                item.item, item.content, line.unit, line.target_label, line.achieved_text, line.rate,
                line.expected, line.status_label,
            )  # fmt: skip
            _row(sheet, row, values, LAGGING_FORMATS)
            sheet.cell(row=row, column=2).alignment = Alignment(wrap_text=False)
            _status_fill(sheet, row, len(LAGGING_HEADERS), line.status)
            row += 1
    _widths(sheet, (7, 40, 26, 28, 22, 10, 10, 10))
    sheet.freeze_panes = "A4"
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(LAGGING_HEADERS))}{max(row - 1, 3)}"
    _print_setup(sheet, 3)


DETAIL_FORMATS = (None, None, None, None, None, WAN, WAN, PERCENT, PERCENT, None, None, COUNT)


def _details(sheet: Worksheet, data: BulletinData) -> None:
    _title(sheet, "各目标、各单位完成明细", f"{data.as_of_text}（金额单位：万元）", len(DETAIL_HEADERS))
    _header(sheet, 3, DETAIL_HEADERS)
    for row, line in enumerate(data.details, start=4):
        values = (
            line.task, line.item, line.org, line.kind_label, line.target_text, line.required_wan,
            line.achieved_wan, line.rate, line.expected, line.status_label, line.rank, line.records,
        )  # fmt: skip
        _row(sheet, row, values, DETAIL_FORMATS)
        _status_fill(sheet, row, 10, line.status)
    _widths(sheet, DETAIL_WIDTHS)
    sheet.freeze_panes = "D4"
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(DETAIL_HEADERS))}{3 + len(data.details)}"
    _print_setup(sheet, 3)


def write_bulletin_xlsx(path: Path, data: BulletinData) -> Path:
    workbook = Workbook()
    overview = workbook.active
    overview.title = "概况"
    _overview(overview, data)
    _ranking(workbook.create_sheet("镇街排名"), data)
    _lagging(workbook.create_sheet("滞后单位"), data)
    _details(workbook.create_sheet("明细"), data)
    workbook.properties.title = data.title
    workbook.properties.creator = data.issuer
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temp:
        workbook.save(temp)
    return path
