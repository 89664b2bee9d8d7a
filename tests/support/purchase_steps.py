"""Random sequences of every service that writes purchases, for property tests (hypothesis): entry, import
with duplicates, refunds and completions, review, reopen, edit, deletion and a unit merge. A step is one
of :data:`operation`'s tuples; :func:`apply` carries it out among the given units (by name)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from django.core.exceptions import ValidationError
from hypothesis import strategies as st

from bangfu.ledger.models import Purchase
from bangfu.ledger.services import (
    ledger_import,
    purchase_approve,
    purchase_create,
    purchase_delete,
    purchase_reopen,
    purchase_return,
    purchase_submit,
    purchase_update,
)
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import OrgError, org_merge
from tests.ledger.builders import write_csv

#: The units of the totals test (made by its world).
UNITS = ("周巷镇人民政府", "周巷镇中心小学", "观海卫镇人民政府", "慈溪市财政局")
ORIGINS = ("布拖县", "", "昭觉县", "浙江省宁波市慈溪市")
CHANNELS = ("832", "offline", "other")


def unit(index: int, units: Sequence[str] = UNITS) -> Organisation:
    return Organisation.objects.get(name=units[index % len(units)])


_rows = st.lists(
    st.tuples(
        st.integers(0, 3),  # purchaser
        st.integers(1, 12),  # month
        st.integers(-3, 30),  # amount ×100 元 (≤ 0 with an existing order: a refund)
        st.integers(0, 3),  # origin
        st.integers(0, 6),  # order number (0: none)
    ),
    min_size=1,
    max_size=6,
)
operation = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 3), st.integers(1, 12), st.integers(1, 50), st.integers(0, 3), st.sampled_from(["draft", "submitted", "approved"]), st.integers(0, 2)),
    st.tuples(st.just("import"), _rows, st.integers(0, 2)),
    st.tuples(st.just("submit"), st.integers(0, 99)),
    st.tuples(st.just("approve"), st.integers(0, 99)),
    st.tuples(st.just("return"), st.integers(0, 99)),
    st.tuples(st.just("reopen"), st.integers(0, 99)),
    st.tuples(st.just("edit"), st.integers(0, 99), st.integers(1, 12), st.integers(1, 50), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("merge"), st.integers(0, 3), st.integers(0, 3)),
)  # fmt: skip


def pick(index: int, **filters: object) -> Purchase | None:
    records = list(Purchase.objects.filter(**filters).order_by("pk"))
    return records[index % len(records)] if records else None


def apply(step: tuple, world: dict, folder: Path, counter: list[int], units: Sequence[str] = UNITS) -> None:
    """Carry out one step; ``world`` holds two coordinators (``office`` and ``other``, for four eyes)."""
    office, other = world["office"], world["other"]
    kind = step[0]
    if kind == "create":
        _k, who, month, amount, origin, status, channel = step
        with contextlib.suppress(ValidationError):  # an invalid value: refused, nothing changed
            purchase_create(
                purchaser=unit(who, units), date=dt.date(2022, month, 10), amount_fen=amount * 100_00,
                origin=ORIGINS[origin], channel=CHANNELS[channel], status=status,
            )  # fmt: skip
    elif kind == "import":
        _k, rows, channel = step
        counter[0] += 1
        header = ["采购单位", "采购日期", "商品名称", "产地", "金额", "订单号", "采购渠道"]
        lines = [
            [units[who % len(units)], f"2022-{month:02d}-05", "苦荞茶", ORIGINS[origin], str(amount * 100) if amount else "-100",
             f"P-{number}" if number else "", ["832平台", "线下采购", ""][channel]]
            for who, month, amount, origin, number in rows
        ]  # fmt: skip
        path = write_csv(folder / f"台账{counter[0]}.csv", [header, *lines])
        ledger_import(path=path, status="submitted" if counter[0] % 2 else "approved")
    elif kind in ("submit", "approve", "return", "reopen"):
        wanted = {
            "submit": ["draft", "returned"],
            "approve": ["submitted"],
            "return": ["submitted"],
            "reopen": ["approved"],
        }
        record = pick(step[1], status__in=wanted[kind])
        if record is None:
            return
        action = {"submit": purchase_submit, "approve": purchase_approve}.get(kind)
        if action is not None:
            action([record], user=other if kind == "approve" else office)
        else:
            {"return": purchase_return, "reopen": purchase_reopen}[kind](
                [record], user=other, comment="请核实"
            )
    elif kind == "edit":
        _k, index, month, amount, origin, who = step
        record = pick(index, amount_fen__gt=0, refunds__isnull=True)
        if record is None:
            return
        with contextlib.suppress(ValidationError):  # a duplicate order number and amount: refused
            purchase_update(
                record, user=office, date=dt.date(2022, month, 20), amount_fen=amount * 100_00,
                origin=ORIGINS[origin], purchaser=unit(who, units),
            )  # fmt: skip
    elif kind == "delete":
        record = pick(step[1], status__in=["draft", "returned"], refunds__isnull=True)
        if record is not None:
            purchase_delete(record, user=office)
    elif kind == "merge":
        _k, a, b = step
        source, into = unit(a, units), unit(b, units)
        if source.pk != into.pk and source.active and into.active:
            with contextlib.suppress(OrgError):  # e.g. both hold the same role of an item: refused, unchanged
                org_merge(source, into=into)
