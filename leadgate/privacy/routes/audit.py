"""The audit trail page: owners and admins see who did what, filtered and paged."""

from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...audit import ACTIONS
from ...htmx import is_fragment_request, render_page_or_fragment
from ...listing import Cursor, date_conditions, newest_first, parse_date_arg
from ...models import AuditEvent, members_of
from ...tenancy import current_membership, manager_required
from .. import audit_text
from .blueprint import bp

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: int | None = None
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        action = args.get("action", "")
        return cls(
            action=action if action in ACTIONS else "",
            actor=args.get("actor", type=int),
            start=parse_date_arg(args.get("from")),
            end=parse_date_arg(args.get("to")),
        )

    def args(self) -> dict:
        found = {"action": self.action, "actor": self.actor}
        found |= {"from": self.start, "to": self.end}
        return {key: str(value) for key, value in found.items() if value}


def audit_page(workspace_id: int, filters: AuditFilters, after: Cursor | None):
    """One page of the workspace's events, newest first, and the next cursor."""
    query = select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(AuditEvent.actor_id == filters.actor)
    query = query.where(
        *date_conditions(AuditEvent.created_at, filters.start, filters.end)
    )
    query = query.options(joinedload(AuditEvent.actor))
    return newest_first(query, AuditEvent.created_at, AuditEvent.id, after, PAGE_SIZE)


@bp.get("/settings/audit")
@manager_required
def audit_trail():
    workspace_id = current_membership().workspace_id
    filters = AuditFilters.from_args(request.args)
    after = Cursor.decode(request.args.get("after"))
    events, cursor = audit_page(workspace_id, filters, after)
    context = {
        "events": events,
        "sentences": audit_text.sentences(events, workspace_id),
        "cursor": cursor,
        "filters": filters,
        "actions": ACTIONS,
    }
    if after is not None and is_fragment_request():
        return render_template("privacy/_audit_rows.html", **context)
    return render_page_or_fragment(
        "privacy/audit.html",
        "privacy/_audit_results.html",
        **context,
        people=members_of(workspace_id),
    )
