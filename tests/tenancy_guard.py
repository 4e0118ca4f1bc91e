"""The tenancy guard: what a registry entry says about an endpoint, and the checks.

Each endpoint of the app is classified once (tests/tenancy_registry.py):
- public(reason): for anyone (signed in or not), shows no workspace's data
  except what its reason says (a published lead form, a secret key's channel);
- own_account(reason, *probes): the signed-in user's own account only;
- platform_admin(*probes): the platform's operators; everyone else gets a 404;
- workspace(*probes): the current workspace's data. Its probes aim requests at
  the other workspace: ids in the URL, the query string or the form body.

A probe is one request and the one answer it must get: by default 404, or the
status a list filter or a refused form answers with. For every probe, sent as a
page request and as an htmx request, the guard asserts that status, that the
answer (body, headers, flashed messages) shows none of the other workspace's
data (tenancy_world.FOREIGN_TEXTS), and that no row of any table changed.
"""

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, url_for
from sqlalchemy import select

from leadgate.extensions import db

from .tenancy_world import FOREIGN_TEXTS, World

PUBLIC, ACCOUNT, ADMIN, WORKSPACE = (
    "public",
    "own account",
    "platform admin",
    "workspace",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Tables a request may change whoever sends it, left out of the comparison.
SKIPPED_TABLES = {
    # The signed-in user's own activity ("use" at most every 15 minutes, logins),
    # shown on their account page; no workspace data.
    "access_log": "the user's own access log",
    # Pseudonymous page counts, only with statistics consent; no workspace data.
    "page_view": "page statistics",
}
# Columns a request may change whoever sends it, left out likewise.
SKIPPED_COLUMNS = {
    # Written every few minutes of use of one's own login (auth/sessions.py).
    "login_session.last_seen_at": "the login's last use",
}


@dataclass(frozen=True)
class Ref:
    """An id of the world, looked up when the probe is sent (`THEIRS.label`)."""

    side: str
    name: str

    def resolve(self, world: World) -> Any:
        return getattr(getattr(world, self.side), self.name)


class Side:
    def __init__(self, side: str):
        self._side = side

    def __getattr__(self, name: str) -> Ref:
        return Ref(self._side, name)


OURS, THEIRS = Side("ours"), Side("theirs")


@dataclass(frozen=True)
class Probe:
    method: str
    args: Mapping  # URL parameters; the rest goes into the query string
    form: Mapping
    expect: int  # the status code
    shows: str  # a text the answer must contain (the reason of a refusal)


def get(expect: int = 404, shows: str = "", **args) -> Probe:
    return Probe("GET", args, {}, expect, shows)


def post(form: Mapping | None = None, expect: int = 404, shows: str = "", **args):
    return Probe("POST", args, form or {}, expect, shows)


@dataclass(frozen=True)
class Entry:
    access: str
    reason: str = ""
    probes: tuple[Probe, ...] = ()
    # Methods without a probe, each with the reason (e.g. "creates a label of the
    # current workspace; the form carries a name, no id").
    unprobed: Mapping[str, str] = field(default_factory=dict)
    # Set when a request records an audit event of our workspace by design.
    audited: bool = False


def public(reason: str) -> Entry:
    return Entry(PUBLIC, reason)


def own_account(reason: str, *probes: Probe) -> Entry:
    return Entry(ACCOUNT, reason, probes)


def platform_admin(*probes: Probe) -> Entry:
    """Without probes: each method, with no arguments, must answer 404."""
    return Entry(ADMIN, "platform operators only", probes)


def workspace(
    *probes: Probe, unprobed: Mapping[str, str] | None = None, audited=False
) -> Entry:
    return Entry(WORKSPACE, "", probes, unprobed or {}, audited)


def methods_of(app, endpoint: str) -> set[str]:
    return {
        method
        for rule in app.url_map.iter_rules(endpoint)
        for method in rule.methods
        if method in METHODS
    }


def unregistered(app, registry: Mapping[str, Entry]) -> list[str]:
    return sorted(reachable(app)[1] - set(registry))


def reachable(app: Flask) -> tuple[set[str], set[str]]:
    """(WSGI layers in front of the views, endpoints of every Flask app reached).

    Follows the layers' usual attributes for what they wrap (app, wsgi_app,
    flask_wsgi, mounts): the webhook app mounted at /webhooks, the paths answered
    before Flask (/healthz …) and whatever is added later in the same way.
    """
    layers, endpoints, seen, todo = set(), set(), set(), [app]
    while todo:
        layer = todo.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, Flask):
            endpoints |= {rule.endpoint for rule in layer.url_map.iter_rules()}
            todo.append(layer.wsgi_app)
        elif not (inspect.ismethod(layer) and isinstance(layer.__self__, Flask)):
            layers.add(type(layer).__name__)  # not a Flask app's own dispatch
            todo += [getattr(layer, a) for a in WRAPPED if hasattr(layer, a)]
            todo += getattr(layer, "mounts", {}).values()
    return layers, endpoints


WRAPPED = ("app", "wsgi_app", "flask_wsgi")


def problems_of(app, endpoint: str, entry: Entry) -> list[str]:
    """What an entry leaves unsaid: reasons, and methods neither probed nor explained."""
    if entry.access in (PUBLIC, ACCOUNT) and not entry.reason:
        return [f"{endpoint}: say why it is {entry.access}"]
    if entry.access == PUBLIC:
        return []
    if not entry.probes and not all_without_arguments(app, endpoint):
        return [f"{endpoint}: give a probe (its URL has parameters)"]
    if entry.access != WORKSPACE:
        return []
    covered = {p.method for p in entry.probes} | {
        method for method, why in entry.unprobed.items() if why
    }
    return [
        f"{endpoint}: probe {method} or say why not"
        for method in sorted(methods_of(app, endpoint) - covered)
    ]


def all_without_arguments(app, endpoint: str) -> bool:
    return not any(rule.arguments for rule in app.url_map.iter_rules(endpoint))


def probes_of(app, endpoint: str, entry: Entry) -> list[Probe]:
    if entry.probes or entry.access != ADMIN:
        return list(entry.probes)
    return [Probe(m, {}, {}, 404, "") for m in sorted(methods_of(app, endpoint))]


def check(
    app,
    client,
    world: World,
    endpoint: str,
    entry: Entry,
    probes: list[Probe] | None = None,
    secrets: tuple[str, ...] = FOREIGN_TEXTS,
) -> None:
    """Send each probe (page and htmx); assert its answer and that nothing changed.

    probes: instead of the entry's; secrets: the texts no answer may show.
    """
    ignore = world.ours.workspace if entry.audited else None
    before = snapshot(app, ignore)
    for probe in probes_of(app, endpoint, entry) if probes is None else probes:
        for headers in ({}, {"HX-Request": "true"}):
            response = send(app, client, world, endpoint, probe, headers)
            request = f"{probe.method} {response.request.url} {headers}"
            seen = seen_text(client, response)
            assert response.status_code == probe.expect, f"{request}: {response.status}"
            leaked = [text for text in secrets if text.lower() in seen.lower()]
            assert not leaked, f"{request} shows their {leaked}"
            assert probe.shows in seen, f"{request} does not say {probe.shows!r}"
    after = snapshot(app, ignore)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"{endpoint} changed rows of {changed}"


def send(app, client, world: World, endpoint: str, probe: Probe, headers: dict):
    with app.test_request_context():
        url = url_for(endpoint, **resolved(probe.args, world))
    form = resolved(probe.form, world)
    return client.open(url, method=probe.method, data=form, headers=headers)


def resolved(values: Mapping, world: World) -> dict:
    return {
        key: value.resolve(world) if isinstance(value, Ref) else value
        for key, value in values.items()
    }


def seen_text(client, response) -> str:
    """Everything the answer tells: body, headers and the messages it flashed."""
    with client.session_transaction() as session:
        flashed = session.pop("_flashes", [])
    body = response.get_data().decode(errors="replace")
    return "\n".join([body, str(response.headers), *(text for _, text in flashed)])


def snapshot(app, ignore_audit_of: int | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (but the skipped ones), in primary key order.

    ignore_audit_of: leave out that workspace's audit events (a download that is
    recorded by design).
    """
    rows = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            columns = [
                column
                for column in table.columns
                if f"{table.name}.{column.name}" not in SKIPPED_COLUMNS
            ]
            query = select(*columns).order_by(*table.primary_key.columns)
            if table.name == "audit_event" and ignore_audit_of is not None:
                query = query.where(
                    table.c.workspace_id.is_distinct_from(ignore_audit_of)
                )
            rows[table.name] = [tuple(row) for row in db.session.execute(query)]
    return rows


def check_anonymous(app, client, world: World, endpoint: str, entry: Entry) -> None:
    """Without signing in, every non-public endpoint leads to the login page."""
    probes = probes_of(app, endpoint, entry) or [
        Probe(m, {}, {}, 0, "") for m in sorted(methods_of(app, endpoint))
    ]
    for probe in probes:
        response = send(app, client, world, endpoint, probe, {})
        request = f"{probe.method} {response.request.url}"
        assert response.status_code == 302, f"{request}: {response.status}"
        assert response.location.startswith("/login"), (
            f"{request} -> {response.location}"
        )
