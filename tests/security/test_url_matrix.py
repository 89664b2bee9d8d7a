"""Every URL pattern of the site × every role: who may open it, who is refused, and that a unit's users
cannot reach another unit's data by guessing ids.

The policy below must name every URL pattern of the web UI and the API: a new page without a declared
policy fails this test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

ANON, COORD, REPORTER, LEAD, LEADER = "anonymous", "coordinator", "reporter", "lead", "leader"
ROLES = (ANON, COORD, REPORTER, LEAD, LEADER)
SIGNED_IN = frozenset({COORD, REPORTER, LEAD, LEADER})
WRITERS = frozenset({COORD, REPORTER, LEAD})
REVIEWERS = frozenset({COORD, LEAD})
OFFICE = frozenset({COORD})
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    method: str = "get"
    # kwargs of an object every allowed role may see, and of the same kind of object elsewhere
    inside: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    outside: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # roles that must not reach `outside`
    guessers: frozenset[str] = field(default_factory=lambda: frozenset({REPORTER}))
    # a valid request body, so that a refusal is about the role and not about the input
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    content_type: str | None = None
    expect_missing: bool = False  # the pattern answers 404 by design (an API root without a page)
    expect_login: bool = False  # the pattern sends everyone to the login page (log out)
    # the lead reviewer's own in-scope object where `inside` is a town it does not cover (its own unit)
    lead_inside: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def pk(name: str, key: str = "pk") -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda w: {key: w[name].pk}


R = Rule
POLICY: dict[str, Rule] = {
    "dashboard": R(SIGNED_IN),
    "cjk-font": R(EVERYONE),
    "login": R(EVERYONE),
    "logout": R(EVERYONE, method="post", expect_login=True),
    "password_change": R(SIGNED_IN),
    "password_change_done": R(SIGNED_IN),
    "unit-suggest": R(SIGNED_IN),
    "set_language": R(EVERYONE, method="post"),
    # plans
    "plans:table": R(SIGNED_IN),
    "plans:table-year": R(SIGNED_IN, inside=lambda w: {"year": 2022}),
    "plans:import": R(OFFICE),
    "plans:review": R(OFFICE, inside=lambda w: {"token": w["draft"].token}),
    "plans:discard": R(OFFICE, method="post", inside=lambda w: {"token": w["draft"].token}),
    # ledger
    "ledger:list": R(SIGNED_IN),
    "ledger:export": R(SIGNED_IN),
    "ledger:create": R(WRITERS),
    "ledger:submit": R(WRITERS, method="post"),
    "ledger:detail": R(SIGNED_IN, inside=pk("p_in"), outside=pk("p_out"), guessers=frozenset({REPORTER, LEAD})),
    "ledger:edit": R(WRITERS, inside=pk("p_in"), outside=pk("p_out"), guessers=frozenset({REPORTER, LEAD})),
    "ledger:delete": R(WRITERS, inside=pk("p_draft"), outside=pk("p_out"), guessers=frozenset({REPORTER, LEAD})),
    "ledger:approvals": R(REVIEWERS),
    "inbox:index": R(WRITERS),
    "inbox:queue": R(REVIEWERS),
    "inbox:review": R(REVIEWERS, method="post"),
    "contacts:list": R(WRITERS),
    "contacts:edit": R(WRITERS, inside=lambda w: {"unit": w["zhouxiang"].pk}, outside=lambda w: {"unit": w["henghe"].pk}, guessers=frozenset({REPORTER, LEAD}), lead_inside=lambda w: {"unit": w["union_lead_unit"].pk}),
    "ledger:review": R(REVIEWERS, method="post"),
    "ledger:import": R(WRITERS),
    "ledger:import-preview": R(WRITERS, inside=lambda w: {"token": "unknown-token"}),
    "ledger:import-confirm": R(WRITERS, method="post", inside=lambda w: {"token": "unknown-token"}),
    "ledger:import-cancel": R(WRITERS, method="post", inside=lambda w: {"token": "unknown-token"}),
    "ledger:import-done": R(WRITERS, inside=lambda w: {"token": "unknown-token"}),
    "ledger:flags": R(REVIEWERS),
    "ledger:flag-resolve": R(REVIEWERS, method="post", inside=pk("flag_in"), outside=pk("flag_out"), guessers=frozenset({LEAD}), data=lambda w: {"comment": "核实无误"}),
    "ledger:batches": R(SIGNED_IN),
    "ledger:batch": R(SIGNED_IN, inside=pk("b_in"), outside=pk("b_out"), guessers=frozenset({REPORTER, LEAD})),
    "ledger:batch-report": R(SIGNED_IN, inside=pk("b_in"), outside=pk("b_out"), guessers=frozenset({REPORTER, LEAD})),
    "ledger:batch-review": R(REVIEWERS, method="post", inside=pk("b_in"), outside=pk("b_out"), guessers=frozenset({LEAD})),
    # progress
    "progress:my-unit": R(SIGNED_IN),
    "progress:unit": R(SIGNED_IN, inside=pk("zx_union"), outside=pk("henghe"), guessers=frozenset({REPORTER, LEAD})),
    "progress:line-records": R(
        SIGNED_IN,
        inside=lambda w: {"unit": w["zx_union"].pk, "target": w["union_target"].pk},
        outside=lambda w: {"unit": w["henghe"].pk, "target": w["town_target_hh"].pk},
        guessers=frozenset({REPORTER, LEAD}),
    ),
    "progress:reminders": R(REVIEWERS),
    "progress:calendar": R(frozenset({COORD, LEAD, LEADER})),
    "progress:bases": R(SIGNED_IN),
    "progress:bases-import": R(WRITERS, method="post"),
    # The leader reads the form; saving is refused (POST_CHECKS below).
    "progress:base-edit": R(SIGNED_IN, inside=pk("zx_union", "unit"), outside=pk("henghe", "unit"), guessers=frozenset({REPORTER, LEAD})),
    "audit:list": R(OFFICE),
    # activities
    "activities:list": R(SIGNED_IN),
    "activities:create": R(WRITERS),
    "activities:item": R(SIGNED_IN, inside=lambda w: {"item_id": w["town_target"].item_id}),
    "activities:detail": R(SIGNED_IN, inside=pk("a_in"), outside=pk("a_out"), guessers=frozenset({REPORTER, LEAD})),
    "activities:edit": R(WRITERS, inside=pk("a_in"), outside=pk("a_out"), guessers=frozenset({REPORTER, LEAD})),
    "activities:delete": R(WRITERS, method="post", inside=pk("a_in"), outside=pk("a_out"), guessers=frozenset({REPORTER, LEAD})),
    "activities:review": R(REVIEWERS, method="post", inside=pk("a_in"), outside=pk("a_out"), guessers=frozenset({LEAD})),
    "activities:evidence-upload": R(WRITERS, method="post", inside=pk("a_in"), outside=pk("a_out"), guessers=frozenset({REPORTER, LEAD})),
    "activities:purchase-evidence": R(WRITERS, method="post", inside=pk("p_in"), outside=pk("p_out"), guessers=frozenset({REPORTER, LEAD})),
    "activities:evidence-preview": R(SIGNED_IN, inside=pk("e_in"), outside=pk("e_out"), guessers=frozenset({REPORTER, LEAD})),
    "activities:evidence-download": R(SIGNED_IN, inside=pk("e_in"), outside=pk("e_out"), guessers=frozenset({REPORTER, LEAD})),
    # Only the uploader (none here: the file came in with the record) or the coordinator deletes a file.
    "activities:evidence-delete": R(OFFICE, method="post", inside=pk("e_in"), outside=pk("e_out"), guessers=frozenset({REPORTER, LEAD})),
    "activities:outlets": R(SIGNED_IN),
    "activities:outlets-public": R(EVERYONE),
    "activities:import": R(WRITERS),
    "activities:import-template": R(WRITERS, inside=lambda w: {"kind": "event"}),
    "activities:import-report": R(WRITERS, inside=lambda w: {"token": "unknown-token"}),
    # assessment, bulletins, reminders
    "assessment:index": R(SIGNED_IN),
    "assessment:unit": R(
        SIGNED_IN,
        inside=lambda w: {"scheme": w["scheme"].pk, "unit": w["zhouxiang"].pk},
        lead_inside=lambda w: {"scheme": w["scheme"].pk, "unit": w["union_lead_unit"].pk},
        outside=lambda w: {"scheme": w["scheme"].pk, "unit": w["henghe"].pk},
        guessers=frozenset({REPORTER, LEAD}),
    ),
    "assessment:publish": R(OFFICE, inside=lambda w: {"scheme": w["scheme"].pk}),
    "assessment:vetoes": R(frozenset({COORD, LEADER}), inside=lambda w: {"scheme": w["scheme"].pk}),
    "assessment:runs": R(SIGNED_IN),
    "assessment:run": R(SIGNED_IN, inside=pk("run")),
    "assessment:run-unit": R(
        SIGNED_IN,
        inside=lambda w: {"pk": w["run"].pk, "unit": w["zhouxiang"].pk},
        lead_inside=lambda w: {"pk": w["run"].pk, "unit": w["union_lead_unit"].pk},
        outside=lambda w: {"pk": w["run"].pk, "unit": w["henghe"].pk},
        guessers=frozenset({REPORTER, LEAD}),
    ),
    "bulletins:index": R(frozenset({COORD, LEADER})),
    "reminders:history": R(REVIEWERS),
    "reminders:detail": R(REVIEWERS, inside=pk("reminder_in"), outside=pk("reminder_out"), guessers=frozenset({LEAD})),
    "reminders:prepare": R(OFFICE, method="post"),
    "reminders:send": R(OFFICE, method="post"),
    "reminders:retry": R(OFFICE, method="post"),
    # JSON API (every endpoint × role in detail: tests/api); the session can read these
    # The document maps the whole system: signed-in users (and API tokens, tests/api/test_openapi.py).
    "api:openapi-json": R(SIGNED_IN),
    "api:openapi-view": R(SIGNED_IN),
    "api:api-root": R(EVERYONE, expect_missing=True),
    "api:record_list": R(SIGNED_IN),
    "api:record_create": R(
        WRITERS,
        method="post",
        content_type="application/json",
        data=lambda w: {"purchaser_id": w["zx_union"].pk, "date": "2022-05-01", "amount_yuan": "12.34", "origin": "布拖"},
    ),
    "api:record_detail": R(SIGNED_IN, inside=lambda w: {"record_id": w["p_in"].pk}, outside=lambda w: {"record_id": w["p_out"].pk}, guessers=frozenset({REPORTER, LEAD})),
    "api:record_import": R(WRITERS, method="post", data=lambda w: {"file": w["upload"]()}),
    "api:import_job": R(WRITERS, inside=lambda w: {"token": "unknown-token"}),
    "api:batch_detail": R(SIGNED_IN, inside=lambda w: {"batch_id": w["b_in"].pk}, outside=lambda w: {"batch_id": w["b_out"].pk}, guessers=frozenset({REPORTER, LEAD})),
    "api:batch_report": R(SIGNED_IN, inside=lambda w: {"batch_id": w["b_in"].pk}, outside=lambda w: {"batch_id": w["b_out"].pk}, guessers=frozenset({REPORTER, LEAD})),
    "api:progress_list": R(SIGNED_IN),
    "api:plan_index": R(SIGNED_IN),
    "api:plan_detail": R(SIGNED_IN, inside=lambda w: {"year": 2022}),
    "api:token_list": R(SIGNED_IN),
    "api:token_create": R(SIGNED_IN, method="post"),
    "api:token_revoke": R(SIGNED_IN, method="delete", inside=lambda w: {"token_id": 999999}),
}  # fmt: skip
# Saving base values is a POST on the same URL as reading them: the leader must be refused.
POST_CHECKS = {"progress:base-edit": (lambda w: {"unit": w["zx_union"].pk}, frozenset({LEADER}))}
# Unnamed catch-alls of the admin and the API, and the admin site (Django's own staff check).
SKIPPED_PREFIXES = ("admin/",)


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str | None, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                space = pattern.namespace
                joined = f"{namespace}:{space}" if namespace and space else (space or namespace)
                walk(pattern.url_patterns, joined, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                if not route.startswith(SKIPPED_PREFIXES):
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None, "")
    return names


@pytest.fixture
def world(matrix_world):
    return matrix_world


def request(client: Client, rule: Rule, url: str, world: dict[str, Any]):
    """One request whose effects are rolled back, so that a deletion by one role does not change what
    the next role is tested against."""
    from django.db import transaction

    kwargs: dict[str, Any] = {"follow": False}
    if rule.data is not None:
        kwargs["data"] = rule.data(world)
        if rule.content_type:
            kwargs["content_type"] = rule.content_type
    with transaction.atomic():
        response = getattr(client, rule.method)(url, **kwargs)
        transaction.set_rollback(True)
    return response


def outcome(response) -> str:
    if response.status_code in (401,) or (response.status_code == 302 and "/login/" in response["Location"]):
        return "login"
    if response.status_code == 403:
        return "denied"
    if response.status_code == 404:
        return "missing"
    if response.status_code >= 500:
        return "error"
    if response.status_code == 405:
        return "wrong method in the policy"
    return "ok"


def test_every_url_has_a_policy():
    missing = sorted(url_names() - set(POLICY))
    stale = sorted(set(POLICY) - url_names())
    assert not missing, f"URL patterns without a declared access policy: {missing}"
    assert not stale, f"policies for URL names that no longer exist: {stale}"


def test_role_by_url_matrix(world):
    failures = []
    for name, rule in sorted(POLICY.items()):
        kwargs = rule.inside(world) if rule.inside else {}
        for role in ROLES:
            role_kwargs = rule.lead_inside(world) if role == LEAD and rule.lead_inside else kwargs
            url = reverse(name, kwargs=role_kwargs)
            client = Client(raise_request_exception=False)
            if role != ANON:
                client.force_login(world["users"][role])
            got = outcome(request(client, rule, url, world))
            if rule.expect_missing:
                fine = got == "missing"
            elif rule.expect_login:
                fine = got == "login"
            elif role in rule.allowed:
                # Unknown tokens are "not found" for those who may use the page.
                fine = (
                    got in ("ok", "missing")
                    if "unknown-token" in url or name == "api:token_revoke"
                    else got == "ok"
                )
            elif role == ANON:
                fine = got in ("login", "denied")
            else:
                fine = got == "denied"
            if not fine:
                failures.append(f"{name} [{rule.method.upper()} {url}] as {role}: {got}")
    assert not failures, "\n".join(failures)


def test_guessed_ids_of_another_unit_are_not_found(world):
    failures = []
    for name, rule in sorted(POLICY.items()):
        if rule.outside is None:
            continue
        url = reverse(name, kwargs=rule.outside(world))
        for role in rule.guessers:
            client = Client(raise_request_exception=False)
            client.force_login(world["users"][role])
            got = outcome(request(client, rule, url, world))
            if got not in ("missing", "denied"):
                failures.append(f"{name} [{rule.method.upper()} {url}] as {role}: {got}")
    assert not failures, "\n".join(failures)


def test_read_only_roles_cannot_save_through_read_pages(world):
    for name, (kwargs, refused) in POST_CHECKS.items():
        for role in refused:
            client = Client(raise_request_exception=False)
            client.force_login(world["users"][role])
            rule = Rule(SIGNED_IN, method="post")
            assert outcome(request(client, rule, reverse(name, kwargs=kwargs(world)), world)) == "denied", (
                name
            )


# Responses that may be cached: the font, declared public (it holds no data). Everything else a signed-in
# user receives — pages, fragments, downloads, JSON, redirects, refusals — must not be stored.
CACHEABLE = {"cjk-font"}


def test_nothing_a_signed_in_user_receives_is_stored(world):
    failures = []
    for name, rule in sorted(POLICY.items()):
        kwargs = rule.inside(world) if rule.inside else {}
        for role in sorted(SIGNED_IN):
            role_kwargs = rule.lead_inside(world) if role == LEAD and rule.lead_inside else kwargs
            client = Client(raise_request_exception=False)
            client.force_login(world["users"][role])
            response = request(client, rule, reverse(name, kwargs=role_kwargs), world)
            if rule.expect_login:  # logged out by the request itself
                continue
            directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
            if name in CACHEABLE:
                if "no-store" in directives or "public" not in directives:
                    failures.append(
                        f"{name} as {role}: {response.get('Cache-Control')!r} (should stay cacheable)"
                    )
            elif "no-store" not in directives or "private" not in directives:
                failures.append(
                    f"{name} as {role} ({response.status_code}): {response.get('Cache-Control')!r}"
                )
    assert not failures, "\n".join(failures)
