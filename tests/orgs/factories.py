from __future__ import annotations

import factory

from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation, OrgGroup
from bangfu.orgs.services import org_create


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
