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


#: Warnings of an item (:attr:`ParsedItem.warnings`).
NO_ROLES = "未识别出牵头、责任或配合单位，请核对并补充"
NO_TARGET_ORGS = "目标“{target}”未识别出适用单位，请核对并补充"


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

    @property
    def label(self) -> str:
        """The target as a person names it: its clause, else its value ("300万元", "20%")."""
        if self.text:
            return self.text
        if self.kind == RATIO:
            return f"{json_number(self.value * 100)}%"
        return f"{json_number(self.value)}{self.unit}"

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
    #: What the parser inferred rather than read from a column, said in Chinese ("工作内容中写明了单位…").
    inferred: list[str] = field(default_factory=list)

    @property
    def qualitative(self) -> bool:
        return not self.targets

    @property
    def warnings(self) -> list[str]:
        """What the item lacks to be measured or assigned (Chinese); empty when nothing is missing."""
        found = []
        if not (self.lead or self.responsible or self.cooperating):
            found.append(NO_ROLES)
        for target in self.targets:
            if not target.orgs:
                found.append(NO_TARGET_ORGS.format(target=target.label))
        return found

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
            "inferred": list(self.inferred),
            "warnings": self.warnings,
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

    def _per_item(self, attribute: str) -> list[str]:
        lines = []
        for task in self.tasks:
            for item in task.items:
                where = f"事项{task.seq}.{item.seq}" + (f"（{item.location}）" if item.location else "")
                lines += [f"{where}：{text}" for text in getattr(item, attribute)]
        return lines

    def warnings(self) -> list[str]:
        """One line per missing role list or target unit, naming the item: "事项2.3（表格1第5行）：…"."""
        return self._per_item("warnings")

    def inferences(self) -> list[str]:
        """One line per thing the parser inferred, naming the item."""
        return self._per_item("inferred")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParsedPlan:
        """The inverse of :meth:`to_dict` (numbers back to ``Decimal`` through their text)."""
        return cls(
            title=data.get("title") or "",
            year=data.get("year"),
            notes=list(data.get("notes") or []),
            source_name=data.get("source_name") or "",
            sha256=data.get("sha256") or "",
            tasks=[
                ParsedTask(
                    seq=int(task["seq"]),
                    label=task.get("label") or "",
                    name=task["name"],
                    items=[
                        ParsedItem(
                            seq=int(item["seq"]),
                            content=item["content"],
                            lead=list(item.get("lead") or []),
                            responsible=list(item.get("responsible") or []),
                            cooperating=list(item.get("cooperating") or []),
                            deadline=item.get("deadline"),
                            location=item.get("location") or "",
                            inferred=list(item.get("inferred") or []),
                            targets=[
                                ParsedTarget(
                                    kind=target["kind"],
                                    value=Decimal(str(target["value"])),
                                    unit=target.get("unit") or "",
                                    orgs=list(target.get("orgs") or []),
                                    text=target.get("text") or "",
                                    scope=target.get("scope") or EACH,
                                    base=target.get("base") or "",
                                    base_kind=target.get("base_kind") or "",
                                    channel=target.get("channel") or "",
                                    parent=target.get("parent"),
                                )
                                for target in item.get("targets") or []
                            ],
                        )
                        for item in task.get("items") or []
                    ],
                )
                for task in data.get("tasks") or []
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "year": self.year,
            "tasks": [task.to_dict() for task in self.tasks],
            "notes": list(self.notes),
            "source_name": self.source_name,
            "sha256": self.sha256,
            "warnings": self.warnings(),
            "inferred": self.inferences(),
        }
