"""The address of the client behind the reverse proxy: the lock-out after failed logins (django-axes)
counts failures per user name *and* address, and the audit trail records who changed what from where.

Behind a proxy every request comes from the proxy's address, so every client would share one lock-out
counter. The proxy names the client in ``X-Forwarded-For`` (nginx: ``$proxy_add_x_forwarded_for``
appends the address it was contacted from). Only a request that really comes from a trusted proxy
(``BANGFU_TRUSTED_PROXIES``) is read that way, and from the right: the right-most address that is not a
trusted proxy is the client, whatever a client put further left to pose as someone else.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or, for a request from a trusted proxy, the right-most
    address of ``X-Forwarded-For`` that is not a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = _trusted_proxies(tuple(settings.BANGFU_TRUSTED_PROXIES))
    if not trusted or not _is_trusted(remote, trusted):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops[-20:]):
        address = _address(hop)
        if address is None:
            break  # not written by our proxies: stop at the last address they vouch for
        if not _is_trusted(address, trusted):
            return address
        remote = address
    return remote


@cache
def _trusted_proxies(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted(address: str | None, trusted: tuple[Network, ...]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in trusted)


def _parse(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address or "")
    except ValueError:
        return None


def _address(hop: str) -> str | None:
    """An address of ``X-Forwarded-For`` without a port (``1.2.3.4:5678``, ``[::1]:5678``)."""
    if hop.startswith("["):
        hop = hop[1:].split("]", 1)[0]
    elif hop.count(":") == 1:
        hop = hop.split(":", 1)[0]
    parsed = _parse(hop)
    return str(parsed) if parsed is not None else None


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware, with the client's address from :func:`client_ip` (its own reads the
    left-most ``X-Forwarded-For`` entry, which any client can write)."""

    @staticmethod
    def _get_remote_addr(request: Any) -> str | None:
        return client_ip(request)
