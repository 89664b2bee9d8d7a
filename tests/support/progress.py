"""Fixtures for the cached and live progress figures (``progress.cache``, ``progress.live``)."""

from __future__ import annotations

import pytest
from django.db import connections

from bangfu.progress import cache


@pytest.fixture
def outside_a_transaction(settings):
    """The cache and the live figures work only outside a transaction (every test runs in one): pretend,
    for reads only. ``read(fn)`` calls ``fn`` as if no transaction were open."""
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 300
    cache.cache_clear()
    wrapper = connections["default"]

    def read(fn):
        inside, wrapper.in_atomic_block = wrapper.in_atomic_block, False
        try:
            return fn()
        finally:
            wrapper.in_atomic_block = inside

    yield read
    cache.cache_clear()
