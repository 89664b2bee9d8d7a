"""factory_boy factories for the rows most tests need. Each creates through the service the application
itself uses (``org_create``, ``account_create``, ``purchase_create``), so names are indexed, roles get their
permissions and running totals are kept, as in real use."""

from __future__ import annotations

import datetime as dt

import factory

from bangfu.accounts.services import account_create
from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import purchase_create
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation, OrgGroup
from bangfu.orgs.services import org_create

PASSWORD = "a-long-test-password"


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Units are created through the service so that their names are indexed as in real use."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试单位{n}局")
    kind = OrgKind.DEPARTMENT
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return org_create(**kwargs)


class OrgGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgGroup

    name = factory.Sequence(lambda n: f"各测试组{n}")
    kinds = factory.LazyFunction(lambda: [OrgKind.TOWN])


class UserFactory(factory.django.DjangoModelFactory):
    """An account created as the office creates it (``account_create``), with the test password."""

    class Meta:
        model = "auth.User"

    username = factory.Sequence(lambda n: f"user{n}")
    role = "coordinator"
    organisation = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return account_create(password=PASSWORD, validate=False, **kwargs)


class PurchaseFactory(factory.django.DjangoModelFactory):
    """An approved offline purchase of 布拖县 goods on 1 March 2022, recorded by ``purchase_create``."""

    class Meta:
        model = Purchase

    purchaser = factory.SubFactory(OrganisationFactory)
    date = dt.date(2022, 3, 1)
    amount_fen = 100_000
    origin = "布拖县"
    channel = Channel.OFFLINE
    status = RecordStatus.APPROVED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return purchase_create(**kwargs)
