"""Reading a county list (e.g. the 832 counties) from .xlsx/.xls/.csv. Pure Python, no Django."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bangfu.common.tables import TableReadError, table_rows
from bangfu.common.text import name_key

RegionFileError = TableReadError

_HEADERS = {
    "province": ("省", "省份", "省（区、市）", "省(区、市)", "省级"),
    "prefecture": ("市", "市（州）", "市(州)", "市州", "地市", "地区", "州", "市级", "地级市"),
    "county": (
        "县",
        "县（市、区）",
        "县(市、区)",
        "县区",
        "区县",
        "县名",
        "县（区）",
        "县(区)",
        "县级",
        "名称",
    ),
    "is_832": ("832", "是否832", "832平台", "是否832平台县", "脱贫县"),
}
_YES = {"是", "√", "✓", "y", "yes", "1", "true", "832"}


@dataclass(frozen=True)
class CountyRow:
    row: int
    province: str
    prefecture: str
    county: str
    is_832: bool


def _columns(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = name_key(cell)
        for field, names in _HEADERS.items():
            if field not in found and key in {name_key(n) for n in names}:
                found[field] = index
    return found


def _cell(cells: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def read_county_rows(path: Path) -> Iterator[CountyRow]:
    """County rows under a header naming at least the county column; blank rows are left out."""
    columns: dict[str, int] | None = None
    for _sheet, number, cells in table_rows(Path(path)):
        if columns is None:
            candidate = _columns(cells)
            if "county" in candidate:
                columns = candidate
            continue

        if not any(c.strip() for c in cells):
            continue
        yield CountyRow(
            row=number,
            province=_cell(cells, columns, "province"),
            prefecture=_cell(cells, columns, "prefecture"),
            county=_cell(cells, columns, "county"),
            is_832=name_key(_cell(cells, columns, "is_832")).lower() in _YES,
        )
    if columns is None:
        raise RegionFileError(f"文件“{Path(path).name}”中未找到“县”列（表头应包含 省、市（州）、县）。")
