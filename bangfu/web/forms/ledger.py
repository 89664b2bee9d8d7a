"""Forms of the ledger pages: the list's filters, record entry and edit, the import upload, reviews.

Forms only read and check input; the ledger services write. Unit pickers offer the user's scope only
(``ledger.access.unit_choices_for_user``), so a guessed unit id is a form error, not a way in.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bangfu.common.money import fen_to_yuan, yuan_to_fen
from bangfu.common.numbers import ID_MAX
from bangfu.ledger.access import unit_choices_for_user
from bangfu.ledger.choices import Category, Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.selectors import DEFAULT_SORT, PurchaseFilters
from bangfu.ledger.services.imports import LedgerImportError
from bangfu.ledger.services.uploads import ledger_suffixes, upload_check
from bangfu.orgs.models import Organisation
from bangfu.web.forms.units import UnitChoiceField

SORT_CHOICES = [
    ("-date", _("日期（新→旧）")),
    ("date", _("日期（旧→新）")),
    ("-amount", _("金额（大→小）")),
    ("amount", _("金额（小→大）")),
]
ELIGIBLE_CHOICES = [("", _("全部")), ("yes", _("是对口地区")), ("no", _("非对口地区或未识别"))]


class PurchaseFilterForm(forms.Form):
    unit = UnitChoiceField(
        label=_("采购单位（含下属）"), queryset=None, required=False, empty_label=_("全部单位")
    )
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *RecordStatus.choices]
    )
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", _("全部")), *Channel.choices])
    eligible = forms.ChoiceField(label=_("产地"), required=False, choices=ELIGIBLE_CHOICES)
    batch = forms.IntegerField(
        label=_("导入批次"), required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    q = forms.CharField(
        label=_("单位或产品"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("包含的文字")}),
    )
    order_no = forms.CharField(
        label=_("订单号"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("开头几位")}),
    )
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices_for_user(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def filters(self) -> PurchaseFilters:
        data = self.cleaned_data
        eligible = {"yes": True, "no": False}.get(data.get("eligible") or "")
        return PurchaseFilters(
            unit=data["unit"].pk if data.get("unit") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            eligible=eligible,
            batch=data.get("batch"),
            q=(data.get("q") or "").strip(),
            order_no=(data.get("order_no") or "").strip(),
        )

    @property
    def sort_key(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("sort") or DEFAULT_SORT
        return DEFAULT_SORT


class YuanField(forms.DecimalField):
    """An amount in 元 as offices type it: "1,280.50", "１２８０", "1280元". Exactly two decimals at most."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value)
            for junk in (",", "，", " ", "元", "¥", "￥"):
                value = value.replace(junk, "")
        return super().to_python(value)


class PurchaseForm(forms.Form):
    purchaser = UnitChoiceField(label=_("采购单位"), queryset=None, empty_label=_("请选择"), active_only=True)
    date = forms.DateField(
        label=_("采购日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = YuanField(
        label=_("金额（元）"),
        max_digits=15,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    product = forms.CharField(label=_("产品"), max_length=200)
    supplier = forms.CharField(label=_("供应商"), max_length=200, required=False)
    origin = forms.CharField(
        label=_("产地"),
        max_length=200,
        required=False,
        help_text=_("如：四川省凉山彝族自治州布拖县、布拖县。"),
    )
    channel = forms.ChoiceField(label=_("采购渠道"), choices=Channel.choices, initial=Channel.OFFLINE)
    category = forms.ChoiceField(label=_("采购类别"), choices=Category.choices, required=False)
    quantity = forms.DecimalField(
        label=_("数量"), max_digits=16, decimal_places=3, min_value=Decimal(0), required=False
    )
    quantity_unit = forms.CharField(label=_("计量单位"), max_length=20, required=False)
    order_no = forms.CharField(label=_("订单号/发票号"), max_length=100, required=False)
    remarks = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    comment = forms.CharField(
        label=_("修改说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("审核人员将看到修改前后的内容和这段说明。"),
    )

    #: Form field → the service's field name where they differ.
    SERVICE_NAMES = {"amount": "amount_fen"}

    def __init__(self, *args: Any, user: Any, purchase: Purchase | None = None, **kwargs: Any) -> None:
        if purchase is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(purchase)
        super().__init__(*args, **kwargs)
        units = unit_choices_for_user(user)
        if purchase is None:
            units = units.filter(active=True)
            del self.fields["comment"]
        elif purchase.purchaser_id is not None:
            # A record the user sees because its unit reported it may name a purchaser outside the
            # scope; it stays a valid choice for that record.
            units = (units | Organisation.objects.filter(pk=purchase.purchaser_id)).distinct()
        self.fields["purchaser"].queryset = units  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(purchase: Purchase) -> dict[str, Any]:
        return {
            "purchaser": purchase.purchaser_id,
            "date": purchase.date,
            "amount": f"{fen_to_yuan(purchase.amount_fen)}",
            "product": purchase.product,
            "supplier": purchase.supplier,
            "origin": purchase.origin,
            "channel": purchase.channel,
            "category": purchase.category,
            "quantity": purchase.quantity_text or None,
            "quantity_unit": purchase.quantity_unit,
            "order_no": purchase.order_no,
            "remarks": purchase.remarks,
        }

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as the ledger services take them (the amount in fen, exactly)."""
        data = dict(self.cleaned_data)
        data.pop("comment", None)
        data["amount_fen"] = yuan_to_fen(data.pop("amount"))
        for name in ("product", "supplier", "origin", "quantity_unit", "order_no", "remarks"):
            data[name] = (data.get(name) or "").strip()
        data["category"] = data.get("category") or ""
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's refusal next to the field it concerns (or above the form)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                field = {v: k for k, v in self.SERVICE_NAMES.items()}.get(name, name)
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("台账文件"))
    reporting_org = UnitChoiceField(
        label=_("填报单位"),
        queryset=None,
        required=False,
        empty_label=_("按文件中的“填报单位”识别"),
        active_only=True,
        help_text=_("文件中没有采购单位的行记在该单位名下；新出现的单位归入其属地。"),
    )
    year = forms.IntegerField(
        label=_("年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("填写后，其他年度的行将被拒绝。"),
    )
    channel = forms.ChoiceField(
        label=_("采购渠道"),
        required=False,
        choices=[("", _("按文件判断")), *Channel.choices],
        help_text=_("文件中没有“采购渠道”列的行按此计入；选“按文件判断”时，预览会说明判断的依据。"),
    )

    def __init__(self, *args: Any, user: Any, choose_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choose_unit:
            self.fields["reporting_org"].queryset = unit_choices_for_user(user).filter(active=True)  # type: ignore[attr-defined]
        else:
            del self.fields["reporting_org"]
        suffixes = ",".join(ledger_suffixes())
        self.fields["file"].widget.attrs["accept"] = suffixes
        self.fields["file"].help_text = _("支持 %(types)s，不超过 %(size)s MB。") % {
            "types": "、".join(ledger_suffixes()),
            "size": f"{_upload_limit_mb():.0f}",
        }

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            upload_check(upload.name, upload.size)
        except LedgerImportError as exc:
            raise ValidationError(str(exc)) from exc
        return upload


def _upload_limit_mb() -> float:
    from django.conf import settings

    return settings.BANGFU_UPLOAD_MAX_BYTES / 2**20


class IdListField(forms.Field):
    """The ids of the records ticked on a page."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("所选记录无效。")) from exc


class RecordReviewForm(forms.Form):
    ACTIONS = [
        ("approve", _("审核通过")),
        ("return", _("退回")),
        ("reopen", _("撤销审核")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = IdListField(required=True, error_messages={"required": _("请先勾选记录。")})
    comment = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class SubmitForm(forms.Form):
    ids = IdListField(required=True, error_messages={"required": _("请先勾选记录。")})


class BatchReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("全部审核通过")), ("return", _("全部退回"))])
    comment = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
