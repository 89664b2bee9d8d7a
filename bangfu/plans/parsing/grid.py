"""The shape every reader produces: a rectangular grid of cells that remember their merged area."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """One grid position. ``origin`` is the top-left position of the merged area it belongs to.

    A merged area repeats its text in every position it covers (as python-docx does), so a reader of
    one row sees the text of a task cell spanning five rows, and can still tell it is not a new cell.
    """

    text: str
    origin: tuple[int, int]


@dataclass
class Grid:
    """One table (a Word table, a worksheet or a text extraction) and the paragraphs around it."""

    name: str
    rows: list[list[Cell]]
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    #: Whether merged areas are known. A text extraction leaves merged positions empty instead.
    merged: bool = True

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def location(self, row: int) -> str:
        return f"{self.name}第{row + 1}行"


def is_own(cell: Cell, row: int, col: int) -> bool:
    """Whether ``cell`` at (row, col) starts its merged area (is not covered by a cell above or left)."""
    return cell.origin == (row, col)


def is_vertical_continuation(cell: Cell, row: int) -> bool:
    return cell.origin[0] < row


def is_horizontal_continuation(cell: Cell, col: int) -> bool:
    return cell.origin[1] < col


def make_grid(name: str, values: list[list[str]], *, merged: bool, before: list[str] | None = None) -> Grid:
    """A grid of unmerged cells from plain rows of text, padded to a rectangle."""
    width = max((len(row) for row in values), default=0)
    rows = [
        [Cell(row[col] if col < len(row) else "", (r, col)) for col in range(width)]
        for r, row in enumerate(values)
    ]
    return Grid(name=name, rows=rows, before=list(before or []), merged=merged)


def apply_merges(grid: Grid, ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> Grid:
    """Spread the text of each merged range ``((top, left), (bottom, right))`` over the area it covers."""
    rows = grid.rows
    bottom = max((end[0] for _, end in ranges), default=-1)
    right = max((end[1] for _, end in ranges), default=-1)
    width = max(grid.width, right + 1)
    while len(rows) <= bottom:
        rows.append([])
    for r, row in enumerate(rows):
        row.extend(Cell("", (r, col)) for col in range(len(row), width))
    for (top, left), (low, far) in ranges:
        text = rows[top][left].text
        for r in range(top, low + 1):
            for col in range(left, far + 1):
                rows[r][col] = Cell(text, (top, left))
    return grid
