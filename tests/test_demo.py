from __future__ import annotations

import pytest

from bangfu.ledger.models import ImportBatch, Purchase
from bangfu.plans.models import Plan

pytestmark = pytest.mark.django_db


def test_demo_loads_realistic_data_once(cixi_orgs, settings, tmp_path):
    from bangfu.demo import demo_load
    from bangfu.regions.services import regions_seed

    settings.BANGFU_HOME = tmp_path
    regions_seed()
    lines = list(demo_load())
    assert Plan.objects.get(year=2022).tasks.count() == 6
    purchases = Purchase.objects.count()
    assert purchases > 500
    # Ineligible origins and duplicates across a town ledger and the platform export are present.
    assert Purchase.objects.filter(origin_region__isnull=True).exists()
    assert Purchase.objects.filter(sightings__isnull=False).exists()
    assert any("coordinator" in line for line in lines)
    batches = ImportBatch.objects.count()
    list(demo_load())
    assert Purchase.objects.count() == purchases and ImportBatch.objects.count() == batches
