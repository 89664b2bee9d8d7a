"""What the task-table parser returns: plain dataclasses, convertible to the JSON of ``plan parse --json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: Target kinds (``ParsedTarget.kind``).
AMOUNT = "amount"
RATIO = "ratio"
PER_CAPITA = "per_capita"
COUNT = "count"

#: Target scopes: every listed org must reach the value, or the listed orgs together.
EACH = "each"
TOTAL = "total"

#: Units written on targets.
UNIT_YUAN = "元"
UNIT_PER_CAPITA_YEAR = "元/人/年"
UNIT_PER_CAPITA = "元/人"
UNIT_RATIO = "比例"


class TableParseError(Exception):
    """A task table that cannot be read; the message is Chinese and names the file (and sheet/row)."""


def json_number(value: Decimal) -> int | float:
    """``Decimal`` → ``int`` when integral, else ``float`` — only at the JSON edge."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@dataclass
class ParsedTarget:
    kind: str
    value: Decimal
    unit: str
    orgs: list[str] = field(default_factory=list)
    text: str = ""
    scope: str = EACH
    base: str = ""
    base_kind: str = ""
    channel: str = ""
    parent: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": json_number(self.value),
            "unit": self.unit,
            "orgs": list(self.orgs),
            "text": self.text,
            "scope": self.scope,
            "base": self.base,
            "base_kind": self.base_kind,
            "channel": self.channel,
            "parent": self.parent,
        }


@dataclass
class ParsedItem:
    seq: int
    content: str
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    deadline: str | None = None
    targets: list[ParsedTarget] = field(default_factory=list)
    location: str = ""

    @property
    def qualitative(self) -> bool:
        return not self.targets

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "content": self.content,
            "lead": list(self.lead),
            "responsible": list(self.responsible),
            "cooperating": list(self.cooperating),
            "deadline": self.deadline,
            "targets": [target.to_dict() for target in self.targets],
            "qualitative": self.qualitative,
            "location": self.location,
        }


@dataclass
class ParsedTask:
    seq: int
    label: str
    name: str
    items: list[ParsedItem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "label": self.label,
            "name": self.name,
            "items": [item.to_dict() for item in self.items],
        }


@dataclass
class ParsedPlan:
    title: str
    year: int | None
    tasks: list[ParsedTask] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source_name: str = ""
    sha256: str = ""

    def items(self) -> list[ParsedItem]:
        return [item for task in self.tasks for item in task.items]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "year": self.year,
            "tasks": [task.to_dict() for task in self.tasks],
            "notes": list(self.notes),
            "source_name": self.source_name,
            "sha256": self.sha256,
        }
