"""Reading base values (法定节假日慰问品总金额, 职工人数, 食堂采购预算, 无食堂 …) from a spreadsheet.

Pure Python, no Django. One row per unit; a row that cannot be read comes back with ``error`` set (a
Chinese reason naming the sheet, row and column) instead of being dropped. A value cell holding "—",
"-", "/", "无", "不适用" or nothing has no value (it is not an error); a unit whose 有无食堂 says 无 (or
无食堂 says 是) is exempt from the canteen target whatever its budget cell says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bangfu.common.money import yuan_to_fen
from bangfu.common.numbers import is_no_value, parse_amount_yuan, parse_number
from bangfu.common.tables import TableReadError, column_report, table_rows
from bangfu.common.text import name_key

BaseFileError = TableReadError

HEADERS: dict[str, tuple[str, ...]] = {
    "unit": ("单位名称", "单位", "工会名称", "基层工会名称", "食堂名称", "预算单位", "预算单位名称", "单位全称"),
    "year": ("年度", "年份"),
    "holiday_gift": ("法定节假日慰问品总金额", "节日慰问品总金额", "慰问品总金额", "节日慰问品总额", "慰问品金额", "法定节假日慰问品金额"),
    "members": ("职工人数", "会员人数", "人数", "在册会员数", "职工（会员）人数", "工会会员人数"),
    "budget": ("食堂采购预算", "食材采购预算", "采购预算", "食堂食材采购预算", "年度食材采购预算", "食堂采购预算资金", "采购预算资金"),
    "no_canteen": ("无食堂", "是否无食堂"),
    "has_canteen": ("是否有食堂", "有无食堂", "有食堂"),
    "representative": ("代表单位", "共用食堂代表单位", "共用食堂的代表单位"),
    "counts_for": ("计入单位", "采购计入单位", "服务单位", "所属单位"),
}  # fmt: skip
#: Each field's name in the column report.
LABELS = {
    "unit": "单位名称",
    "year": "年度",
    "holiday_gift": "法定节假日慰问品总金额",
    "members": "职工人数",
    "budget": "食堂采购预算",
    "no_canteen": "无食堂",
    "has_canteen": "有无食堂",
    "representative": "共用食堂代表单位",
    "counts_for": "采购计入单位",
}
_YES = {"是", "有", "√", "✓", "y", "yes", "1", "true"}
_NO = {"否", "无", "×", "x", "n", "no", "0", "false", ""}


@dataclass(frozen=True)
class BaseRow:
    sheet: str
    row: int
    unit: str = ""
    year: int | None = None
    holiday_gift_fen: int | None = None
    member_count: int | None = None
    food_budget_fen: int | None = None
    no_canteen: bool | None = None
    representative: str = ""
    counts_for: str = ""
    error: str = ""


def _match_header(cell: str) -> tuple[str, Decimal] | None:
    """(field, 元 per unit of the column) of a header cell such as "食堂采购预算（万元）"."""
    key = name_key(cell)
    scale = Decimal(10_000) if "万元" in key else Decimal(1)
    bare = key.replace("(万元)", "").replace("(元)", "").replace("(人)", "")
    for field, names in HEADERS.items():
        if bare in {name_key(n) for n in names}:
            return field, scale
    return None


def _layout(cells: list[str]) -> dict[str, tuple[int, Decimal]] | None:
    found: dict[str, tuple[int, Decimal]] = {}
    for index, cell in enumerate(cells):
        matched = _match_header(cell)
        if matched and matched[0] not in found:
            found[matched[0]] = (index, matched[1])
    return found if "unit" in found and len(found) > 1 else None


def _flag(text: str) -> bool | None:
    key = name_key(text).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def _row(
    sheet: str, number: int, cells: list[str], layout: dict[str, tuple[int, Decimal]], headers: list[str]
) -> BaseRow:
    def cell(field: str) -> str:
        index = layout.get(field, (None, None))[0]
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def where(field: str) -> str:
        return f"工作表“{sheet}”第{number}行“{headers[layout[field][0]]}”列"

    def flag_cell(field: str) -> str:
        """A yes/no cell; a dash or "不适用" there says nothing (but "无" is an answer)."""
        text = cell(field)
        return "" if is_no_value(text) and name_key(text).lower() not in _YES | _NO else text

    values: dict[str, object] = {"unit": cell("unit")}
    for field, invert in (("no_canteen", False), ("has_canteen", True)):
        if field in layout:
            text = flag_cell(field)
            flag = _flag(text)
            if flag is None:
                return BaseRow(sheet, number, error=f"{where(field)}：“{cell(field)}”应为“是”或“否”")
            if text or not invert:
                values["no_canteen"] = (not flag) if invert else flag
    for field, target in (("holiday_gift", "holiday_gift_fen"), ("budget", "food_budget_fen")):
        text = cell(field)
        if is_no_value(text):
            continue  # "—", "/", "无", "不适用": no value, not a mistake
        yuan = parse_amount_yuan(text, unit_hint="万元" if layout[field][1] != 1 else "元")
        if yuan is None or yuan < 0:
            if field == "budget" and values.get("no_canteen"):
                continue  # a unit without a canteen is exempt whatever its budget cell says
            return BaseRow(sheet, number, error=f"{where(field)}：“{text}”不是有效金额")
        values[target] = yuan_to_fen(yuan)
    if not is_no_value(text := cell("members")):
        count = parse_number(text)
        if count is None or count < 0 or count != count.to_integral_value():
            return BaseRow(sheet, number, error=f"{where('members')}：“{text}”不是有效人数")
        values["member_count"] = int(count)
    if not is_no_value(text := cell("year")):
        year = parse_number(text.rstrip("年"))
        if year is None or not 2000 <= year <= 2100:
            return BaseRow(sheet, number, error=f"{where('year')}：“{text}”不是有效年度")
        values["year"] = int(year)
    for field in ("representative", "counts_for"):
        values[field] = "" if is_no_value(cell(field)) else cell(field)
    return BaseRow(sheet, number, **values)  # type: ignore[arg-type]


def read_base_rows(path: Path, columns: list[dict[str, object]] | None = None) -> Iterator[BaseRow]:
    """Rows under the first header that names a unit column and at least one value column. ``columns``,
    when given, receives every header column of each sheet with the field it was taken for (or 未识别)."""
    layouts: dict[str, tuple[dict[str, tuple[int, Decimal]], list[str]]] = {}
    found = False
    for sheet, number, cells in table_rows(Path(path)):
        if sheet not in layouts:
            layout = _layout(cells)
            if layout:
                layouts[sheet] = (layout, cells)
                found = True
                if columns is not None:
                    columns.extend(column_report(sheet, cells, {k: v[0] for k, v in layout.items()}, LABELS))
            continue
        layout, headers = layouts[sheet]
        if not any(c.strip() for c in cells):
            continue
        unit = cells[layout["unit"][0]].strip() if layout["unit"][0] < len(cells) else ""
        if (
            not unit
            or name_key(unit) in {"合计", "小计", "总计"}
            or unit.startswith(("备注", "注：", "注:", "说明"))
        ):
            continue
        yield _row(sheet, number, cells, layout, headers)
    if not found:
        raise BaseFileError(
            f"文件“{Path(path).name}”中未找到基数表头（需要“单位名称”和“慰问品总金额”“职工人数”“食堂采购预算”等列）。"
        )
