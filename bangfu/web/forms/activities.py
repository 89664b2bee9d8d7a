"""Forms of the activity pages: the entry form built from a kind's fields, the list's and the outlet
directory's filters, evidence upload, the import upload, review.

Forms read and check input; ``activities.kinds`` holds each kind's validation (Chinese messages) and the
activity services write. Unit pickers offer the user's scope only, so a guessed unit id is a form error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bangfu.activities.access import unit_choices_for_user
from bangfu.activities.kinds import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    KINDS,
    LONG_TEXT,
    MONEY,
    OUTLET_PLACES,
    URL,
    DetailsError,
    FieldSpec,
    Kind,
    clean_details,
)
from bangfu.activities.models import Activity
from bangfu.activities.selectors import ActivityFilters, OutletFilters
from bangfu.activities.services import EVIDENCE_MAX_BYTES
from bangfu.common.money import fen_to_yuan
from bangfu.ledger.choices import RecordStatus
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Item
from bangfu.web.forms.progress import DateInput
from bangfu.web.forms.units import UnitChoiceField

OUTLET_STATUSES = KINDS["outlet"].field("status").choices
KIND_CHOICES = [(kind.code, kind.label) for kind in KINDS.values()]


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        content = obj.content if len(obj.content) <= 40 else f"{obj.content[:40]}…"
        return f"{obj.task.seq}.{obj.seq} {content}"


# --- the entry form --------------------------------------------------------------------------------

COMMON_FIELDS = ("organisation", "item", "title", "date", "description", "public")


def detail_field_name(spec: FieldSpec) -> str:
    """The form field of a kind's field: its own name, unless a common field already has it."""
    return f"detail_{spec.name}" if spec.name in COMMON_FIELDS else spec.name


def _detail_field(spec: FieldSpec) -> forms.Field:
    """A form field for one of a kind's fields. Values are checked by ``kinds.clean_details``, which
    reads what offices type (１２, 1,280.50, 12.5万, 2022年9月25日); the widget only helps to type them."""
    required = spec.required and spec.type != BOOL
    common: dict[str, Any] = {
        "label": spec.label,
        "required": required,
        "help_text": spec.help,
        "error_messages": {"required": f"{spec.label}必须填写"},
    }
    if spec.type == BOOL:
        return forms.BooleanField(**{**common, "required": False})
    if spec.type == CHOICE:
        common["error_messages"]["invalid_choice"] = f"{spec.label}应为{'、'.join(spec.choices)}之一"
        return forms.ChoiceField(choices=[("", "请选择"), *((c, c) for c in spec.choices)], **common)
    if spec.type == LONG_TEXT:
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if spec.type == DATE:
        return forms.CharField(max_length=20, widget=DateInput(), **common)
    if spec.type == URL:
        return forms.CharField(
            max_length=500, widget=forms.URLInput(attrs={"placeholder": "https://"}), **common
        )
    if spec.type in (INT, DECIMAL, MONEY):
        mode = "numeric" if spec.type == INT else "decimal"
        if spec.type == MONEY and not spec.help:
            common["help_text"] = _("单位：元；可填“12.5万”。")
        return forms.CharField(max_length=30, widget=forms.TextInput(attrs={"inputmode": mode}), **common)
    return forms.CharField(max_length=200, **common)


def _initial_value(spec: FieldSpec, value: Any) -> Any:
    """A stored value (money in fen, dates ISO) as the form shows it."""
    if value is None:
        return None
    if spec.type == MONEY:
        return f"{fen_to_yuan(int(value))}"
    return value


class ActivityForm(forms.Form):
    """A record of one kind: the common fields (unit, item, name, date, description; the public flag for
    outlets) and the kind's own fields."""

    organisation = UnitChoiceField(
        label=_("填报单位"), queryset=None, empty_label=_("请选择"),
        error_messages={"required": _("请选择填报单位"), "invalid_choice": _("该单位不在本单位管辖范围内")},
    )  # fmt: skip
    item = ItemChoiceField(
        label=_("工作事项"), queryset=None, required=False, empty_label=_("（不关联事项）"),
        error_messages={"invalid_choice": _("请选择当前任务分解表中的事项")},
    )  # fmt: skip
    title = forms.CharField(label=_("名称"), max_length=200, error_messages={"required": _("名称必须填写")})
    date = forms.DateField(
        label=_("日期"), widget=DateInput(),
        error_messages={"required": _("日期必须填写"), "invalid": _("请填写有效日期")},
    )  # fmt: skip
    description = forms.CharField(
        label=_("情况说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(
        label=_("在公众专柜名录中展示"),
        required=False,
        help_text=_(
            "审核通过后，名称、场所类型、地址、运营主体、开设日期、状态和联系电话向公众公开；月销售额等不公开。"
        ),
    )

    def __init__(
        self,
        *args: Any,
        kind: Kind,
        user: Any,
        items: QuerySet[Item],
        activity: Activity | None = None,
        **kwargs: Any,
    ) -> None:
        if activity is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(activity)
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.activity = activity
        units = unit_choices_for_user(user)
        if activity is None:
            units = units.filter(active=True)
        else:
            units = (units | Organisation.objects.filter(pk=activity.organisation_id)).distinct()
            if activity.item_id is not None:
                items = (items | Item.objects.filter(pk=activity.item_id)).distinct()
        self.fields["organisation"].queryset = units  # type: ignore[attr-defined]
        self.fields["item"].queryset = items.select_related("task")  # type: ignore[attr-defined]
        if kind.code != "outlet":
            del self.fields["public"]
        elif activity is None and "public" not in self.initial:
            self.initial["public"] = True
        for spec in kind.fields:
            self.fields[detail_field_name(spec)] = _detail_field(spec)
        self.details: dict[str, Any] = {}

    @staticmethod
    def initial_for(activity: Activity) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "organisation": activity.organisation_id,
            "item": activity.item_id,
            "title": activity.title,
            "date": activity.date,
            "description": activity.description,
            "public": activity.public,
        }
        for spec in KINDS[activity.kind].fields:
            initial[detail_field_name(spec)] = _initial_value(spec, activity.details.get(spec.name))
        return initial

    @property
    def common_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in COMMON_FIELDS if name in self.fields]

    @property
    def detail_fields(self) -> list[forms.BoundField]:
        return [self[detail_field_name(spec)] for spec in self.kind.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = {spec.name: data.get(detail_field_name(spec)) for spec in self.kind.fields}
        try:
            self.details = clean_details(self.kind, raw)
        except DetailsError as exc:
            for name, message in exc.errors.items():
                spec = next((s for s in self.kind.fields if s.name == name), None)
                field = detail_field_name(spec) if spec is not None else None
                if field is not None and field in self.errors:
                    continue  # already reported (e.g. 必须填写)
                self.add_error(field, message)
        return data

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as the activity services take them."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "organisation": data["organisation"],
            "item": data.get("item"),
            "title": data["title"].strip(),
            "date": data["date"],
            "description": (data.get("description") or "").strip(),
            "details": self.details,
        }
        if "public" in self.fields:
            fields["public"] = bool(data.get("public"))
        return fields

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's refusal next to the field it concerns (or above the form)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        names = {spec.name: detail_field_name(spec) for spec in self.kind.fields}
        for name, errors in exc.error_dict.items():
            field = names.get(name, name)
            for error in errors:
                self.add_error(field if field in self.fields else None, error)


class ItemPickForm(forms.Form):
    """The item a new record is filed under (the entry page is reloaded with it; its text suggests the
    kind)."""

    item = ItemChoiceField(
        label=_("工作事项"), queryset=None, required=False, empty_label=_("（不关联事项）")
    )

    def __init__(self, *args: Any, items: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items  # type: ignore[attr-defined]


# --- lists ------------------------------------------------------------------------------------------


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *KIND_CHOICES])
    unit = UnitChoiceField(
        label=_("单位（含下属）"), queryset=None, required=False, empty_label=_("全部单位")
    )
    item = ItemChoiceField(label=_("工作事项"), queryset=None, required=False, empty_label=_("全部事项"))
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *RecordStatus.choices]
    )
    q = forms.CharField(
        label=_("名称"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("包含的文字")}),
    )

    def __init__(self, *args: Any, user: Any, items: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices_for_user(user)  # type: ignore[attr-defined]
        self.fields["item"].queryset = items  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def filters(self) -> ActivityFilters:
        if not (self.is_bound and self.is_valid()):
            return ActivityFilters()
        data = self.cleaned_data
        return ActivityFilters(
            kind=data.get("kind") or "",
            unit=data["unit"].pk if data.get("unit") else None,
            item=data["item"].pk if data.get("item") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            status=data.get("status") or "",
            q=(data.get("q") or "").strip(),
        )

    @property
    def kind_code(self) -> str:
        return self.filters().kind


class OutletFilterForm(forms.Form):
    """The outlet directory's filters; ``towns`` are the town-level units (镇、街道、管委会)."""

    place_type = forms.ChoiceField(
        label=_("场所类型"), required=False, choices=[("", _("全部")), *((p, p) for p in OUTLET_PLACES)]
    )
    town = forms.TypedChoiceField(label=_("镇（街道）"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label=_("营业状态"), required=False, choices=[("", _("全部")), *((s, s) for s in OUTLET_STATUSES)]
    )
    q = forms.CharField(
        label=_("名称"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("包含的文字")}),
    )

    def __init__(self, *args: Any, towns: list[Organisation], public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", _("全部"))] + [(o.pk, o.name) for o in towns]  # type: ignore[attr-defined]
        if public:
            del self.fields["status"]  # the public directory lists open outlets only

    def filters(self) -> OutletFilters:
        if not (self.is_bound and self.is_valid()):
            return OutletFilters()
        data = self.cleaned_data
        return OutletFilters(
            place_type=data.get("place_type") or "",
            town=data.get("town"),
            status=data.get("status") or "",
            q=(data.get("q") or "").strip(),
        )


# --- evidence, import, review -------------------------------------------------------------------------


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("佐证材料"),
        help_text=_("PDF、图片（PNG、JPG、GIF）或 Office 文件（Word、Excel、PowerPoint），不超过 20 MB。"),
        error_messages={"required": _("请选择要上传的文件"), "empty": _("上传的文件是空文件")},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = min(EVIDENCE_MAX_BYTES, settings.BANGFU_UPLOAD_MAX_BYTES)
        if upload.size > limit:  # refused before it is read into memory
            raise ValidationError(_("文件超过 %(mb)s MB。") % {"mb": limit // (1024 * 1024)})
        return upload


class ActivityImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("记录类型"), choices=[("", _("请选择")), *KIND_CHOICES])
    file = forms.FileField(
        label=_("文件"),
        help_text=_(
            "Excel（.xlsx/.xls）或 CSV：一行一条记录，需有“名称”“日期”两列，其余列按所选类型的字段名称。"
        ),
    )
    organisation = UnitChoiceField(
        label=_("默认填报单位"),
        queryset=None,
        required=False,
        empty_label=_("（按文件中的“单位”列）"),
        active_only=True,
        help_text=_("文件中没有“单位”列或该列为空时，记入此单位。"),
    )
    item = ItemChoiceField(
        label=_("默认工作事项"),
        queryset=None,
        required=False,
        empty_label=_("（按文件中的“事项编号”列）"),
        help_text=_("文件中没有“事项编号”列或该列为空时，记入此事项。"),
    )

    SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")

    def __init__(self, *args: Any, user: Any, items: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = unit_choices_for_user(user).filter(active=True)  # type: ignore[attr-defined]
        self.fields["item"].queryset = items  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(self.SUFFIXES):
            raise ValidationError(_("只接受 Excel（.xlsx、.xls）或 CSV 文件。"))
        if upload.size > settings.BANGFU_UPLOAD_MAX_BYTES:
            raise ValidationError(_("文件过大。"))
        return upload


class ActivityReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("审核通过")), ("return", _("退回"))])
