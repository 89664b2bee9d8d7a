from __future__ import annotations

import pytest


@pytest.fixture
def cixi_orgs(db):
    """The shipped Cixi unit list, loaded as `bangfu init` loads it."""
    from django.conf import settings

    from bangfu.orgs.services import orgs_load_file

    return orgs_load_file(settings.BASE_DIR / "data" / "cixi_orgs.json")
