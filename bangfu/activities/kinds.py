"""The kinds of qualitative work and what each records. Pure Python, no Django.

Each kind lists its own fields (with type and whether required) and its **measures**: how much one record
counts toward a count target of a given unit — an exhibition is 1 场 and N 家 exhibitors, a training is
its 期 and 人次, a claim its 亩 and 户. Forms, validation, spreadsheet import and progress all read this one
registry, so a new kind is one entry here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bangfu.common.dates import parse_date
from bangfu.common.money import yuan_to_fen
from bangfu.common.numbers import parse_amount_yuan, parse_number

# Field types
TEXT, LONG_TEXT, INT, DECIMAL, MONEY, DATE, URL, CHOICE, BOOL = (
    "text", "long_text", "int", "decimal", "money", "date", "url", "choice", "bool",
)  # fmt: skip


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    public: bool = False  # may appear on the citizens' outlet directory
    help: str = ""


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    fields: tuple[FieldSpec, ...]
    measures: Mapping[str, Callable[[Mapping[str, Any]], Decimal]] = field(default_factory=dict)
    hint: str = ""  # words of an item's text that suggest this kind

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def measure(self, unit: str, details: Mapping[str, Any]) -> Decimal:
        """How much one record of this kind counts toward a count target in ``unit`` (0 if unrelated)."""
        function = self.measures.get(unit)
        return function(details) if function else Decimal(0)


def _one(_details: Mapping[str, Any]) -> Decimal:
    return Decimal(1)


def _number(name: str) -> Callable[[Mapping[str, Any]], Decimal]:
    def value(details: Mapping[str, Any]) -> Decimal:
        raw = details.get(name)
        return Decimal(str(raw)) if raw not in (None, "") else Decimal(0)

    return value


def _done(details: Mapping[str, Any]) -> Decimal:
    return Decimal(1) if details.get("done") else Decimal(0)


OUTLET_PLACES = (
    "商场",
    "超市",
    "批发市场",
    "农贸市场",
    "旅游景点",
    "饭店宾馆",
    "加油站",
    "社区",
    "机关单位",
    "其他",
)
MEDIA_TYPES = ("报纸", "电视", "广播", "网站", "新媒体")
FUND_PURPOSES = ("生产基地", "订单农业", "采购农特产品", "其他")
CLAIM_TYPES = ("土地", "经济林", "养殖场", "其他")

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "event",
            "展销推介活动",
            (
                FieldSpec(
                    "event_type", "活动类型", CHOICE, True, ("展销会", "农博会", "丰收节", "推介会", "其他")
                ),
                FieldSpec("end_date", "结束日期", DATE),
                FieldSpec("place", "地点", TEXT, True),
                FieldSpec("booths", "展位数", INT),
                FieldSpec("free_booths", "免费展位数", INT),
                FieldSpec("exhibitors", "对口地区参展商（家）", INT),
                FieldSpec("sales", "现场销售额（元）", MONEY),
            ),
            {"场": _one, "次": _one, "场次": _one, "个": _number("booths"), "家": _number("exhibitors")},
            "展会 展销 农博会 丰收节 推介",
        ),
        Kind(
            "outlet",
            "消费帮扶专柜（专区、专馆）",
            (
                FieldSpec("place_type", "场所类型", CHOICE, True, OUTLET_PLACES, public=True),
                FieldSpec("address", "地址", TEXT, True, public=True),
                FieldSpec("operator", "运营主体", TEXT, True, public=True),
                FieldSpec("opening_date", "开设日期", DATE, public=True),
                FieldSpec("status", "状态", CHOICE, True, ("营业中", "暂停", "已关闭"), public=True),
                FieldSpec("monthly_sales", "月销售额（元）", MONEY),
                FieldSpec("phone", "联系电话", TEXT, public=True),
            ),
            {"个": _one, "家": _one, "处": _one},
            "商场 超市 批发市场 农贸市场 景区 饭店 加油站 社区 专柜 专区 专馆",
        ),
        Kind(
            "media",
            "媒体宣传报道",
            (
                FieldSpec("media_type", "媒体类型", CHOICE, True, MEDIA_TYPES),
                FieldSpec("outlet", "媒体名称", TEXT, True),
                FieldSpec("link", "链接", URL),
            ),
            {"篇": _one, "次": _one, "条": _one, "期": _one},
            "媒体 报刊 电视 广播 网络 宣传 推介",
        ),
        Kind(
            "training",
            "培训",
            (
                FieldSpec("sessions", "期数", INT, True),
                FieldSpec("trainees", "培训人次", INT, True),
                FieldSpec("place", "地点", TEXT),
                FieldSpec("organiser", "组织单位", TEXT),
            ),
            {
                "期": _number("sessions"),
                "场": _number("sessions"),
                "次": _number("sessions"),
                "人次": _number("trainees"),
                "人": _number("trainees"),
            },
            "培训 电商",
        ),
        Kind(
            "enterprise",
            "企业采购原料与“万企兴万村”结对",
            (
                FieldSpec("enterprise", "企业", TEXT, True),
                FieldSpec("village", "结对村（对口地区）", TEXT),
                FieldSpec("amount", "采购金额（元）", MONEY),
                FieldSpec("product", "采购产品", TEXT),
                FieldSpec(
                    "origin", "产地", TEXT, help="如 四川省凉山州布拖县；填写金额后同时记作一条采购记录"
                ),
            ),
            {"家": _one, "个": _one, "对": _one},
            "龙头企业 原材料 万企兴万村 外贸",
        ),
        Kind(
            "claim",
            "认领（土地、经济林、养殖场）",
            (
                FieldSpec("claim_type", "认领对象", CHOICE, True, CLAIM_TYPES),
                FieldSpec("claimant", "认领方", TEXT, True),
                FieldSpec("area_mu", "面积（亩）", DECIMAL),
                FieldSpec("households", "涉及脱贫户（户）", INT),
            ),
            {"亩": _number("area_mu"), "户": _number("households"), "个": _one, "项": _one},
            "认领 土地 经济林 养殖场 种养加",
        ),
        Kind(
            "contract",
            "订销协议",
            (
                FieldSpec("parties", "签约各方", TEXT, True),
                FieldSpec("amount", "协议金额（元）", MONEY),
                FieldSpec("period", "协议期限", TEXT),
            ),
            {"份": _one, "个": _one, "项": _one},
            "订销协议 订单农业 签订",
        ),
        Kind(
            "fund",
            "专项扶持资金",
            (
                FieldSpec("recipient", "资金对象", TEXT, True),
                FieldSpec("purpose", "用途", CHOICE, True, FUND_PURPOSES),
                FieldSpec("amount", "金额（元）", MONEY, True),
            ),
            {"笔": _one, "个": _one, "家": _one},
            "专项扶持资金 生产基地 订单农业",
        ),
        Kind(
            "inspection",
            "执法检查",
            (
                FieldSpec("entities", "检查主体（家）", INT, True),
                FieldSpec("problems", "发现问题（个）", INT),
                FieldSpec("cases", "查处案件（件）", INT),
            ),
            {"次": _one, "场": _one, "家": _number("entities"), "件": _number("cases")},
            "执法 监管 检查 打击",
        ),
        Kind(
            "milestone",
            "工作节点",
            (
                FieldSpec("done", "已完成", BOOL),
                FieldSpec("document", "文件名称或文号", TEXT),
            ),
            {"项": _done, "个": _done},
            "纳入 计划 建立 机制 考核",
        ),
    )
}


class DetailsError(ValueError):
    """Details that do not fit their kind: ``errors`` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(f"{k}：{v}" for k, v in errors.items()))
        self.errors = errors


def _clean_value(spec: FieldSpec, value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.required and spec.type != BOOL:
            raise ValueError("必填")
        return False if spec.type == BOOL else None
    text = str(value).strip()
    if spec.type in (TEXT, LONG_TEXT):
        return text[:2000]
    if spec.type == URL:
        if not text.startswith(("http://", "https://")):
            raise ValueError("应为以 http:// 或 https:// 开头的链接")
        return text[:500]
    if spec.type == CHOICE:
        if text not in spec.choices:
            raise ValueError(f"应为{'、'.join(spec.choices)}之一")
        return text
    if spec.type == BOOL:
        if isinstance(value, bool):
            return value
        return text.lower() in {"1", "true", "yes", "on", "是", "已完成", "√", "y"}
    if spec.type == DATE:
        parsed = value if isinstance(value, dt.date) else parse_date(text)
        if parsed is None:
            raise ValueError(f"“{text}”不是有效日期")
        return parsed.isoformat()
    if spec.type == MONEY:
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # already fen
        yuan = parse_amount_yuan(text)
        if yuan is None or yuan < 0:
            raise ValueError(f"“{text}”不是有效金额")
        return yuan_to_fen(yuan)
    number = value if isinstance(value, Decimal) else parse_number(text)
    if number is None or number < 0:
        raise ValueError(f"“{text}”不是有效数字")
    if spec.type == INT:
        if number != number.to_integral_value():
            raise ValueError(f"“{text}”应为整数")
        return int(number)
    try:
        return str(Decimal(number).normalize())
    except InvalidOperation as exc:  # pragma: no cover - parse_number returns valid decimals
        raise ValueError(f"“{text}”不是有效数字") from exc


def clean_details(kind: Kind, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise a kind's fields: money to integer fen, dates to ISO, numbers exact."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in kind.fields:
        try:
            cleaned[spec.name] = _clean_value(spec, raw.get(spec.name))
        except ValueError as exc:
            errors[spec.name] = f"{spec.label}{str(exc) if str(exc) != '必填' else '必须填写'}"
    if (
        "free_booths" in cleaned
        and cleaned.get("booths") is not None
        and (cleaned["free_booths"] or 0) > cleaned["booths"]
    ):
        errors["free_booths"] = "免费展位数不能多于展位数"
    if errors:
        raise DetailsError(errors)
    return cleaned


def guess_kinds(text: str) -> list[str]:
    """Kinds an item's text suggests, most likely first (for the entry form's default)."""
    scores = []
    for kind in KINDS.values():
        hits = sum(1 for word in kind.hint.split() if word in text)
        if hits:
            scores.append((hits, kind.code))
    return [code for _hits, code in sorted(scores, key=lambda s: -s[0])]
