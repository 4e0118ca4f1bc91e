"""The current workspace, and queries scoped to it; inside it, the teams one may see.

Every view that reads workspace data goes through these helpers, so an object of
another workspace is a 404: never a 403, never its content.

Teams narrow that for agents: a team whose visibility is "team" shows its
conversations only to its members and to the workspace's owners and admins.
`hidden_teams()` names the teams the signed-in member may not see, and
`visible(model)` turns that into the condition every read of conversations,
their messages and their contacts adds. A contact is hidden when every one of
its conversations is; one seen through several teams shows only the
conversations the agent may see. get_scoped_or_404 applies it by itself.
"""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, g, redirect, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, exists, or_, select, true

from .extensions import db
from .models import Contact, Conversation, Membership, Message, Role, Team, TeamMember

ModelT = TypeVar("ModelT")


def current_membership() -> Membership | None:
    """The signed-in user's membership in the workspace chosen in this session."""
    if "membership" in g:
        return g.membership
    membership = None
    if current_user.is_authenticated:
        memberships = sorted(current_user.memberships, key=lambda m: m.id)
        chosen = session.get("workspace_id")
        membership = next(
            (m for m in memberships if m.workspace_id == chosen),
            memberships[0] if memberships else None,
        )
    g.membership = membership
    return membership


def switch_workspace(workspace_id: int) -> Membership:
    """Make another of the user's workspaces current; 404 if not theirs."""
    membership = next(
        (m for m in current_user.memberships if m.workspace_id == workspace_id), None
    )
    if membership is None:
        abort(404)
    session["workspace_id"] = workspace_id
    g.membership = membership
    return membership


def workspace_required(roles: tuple[Role, ...] = ()) -> Callable:
    """Require a signed-in member of a workspace, optionally with one of these roles."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            membership = current_membership()
            if membership is None:
                # Removed from their last workspace: let them start a new one.
                return redirect(url_for("workspaces.create"))
            if roles and membership.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]  # for the tenancy guard
        return wrapped

    return decorator


manager_required = workspace_required((Role.OWNER, Role.ADMIN))


def current_workspace_id() -> int:
    membership = current_membership()
    if membership is None:
        abort(404)
    return membership.workspace_id


MANAGERS = (Role.OWNER.value, Role.ADMIN.value)


def hidden_teams() -> frozenset[int]:
    """Teams whose conversations the signed-in member may not see (once per request)."""
    if "hidden_teams" in g:
        return g.hidden_teams
    membership = current_membership()
    hidden: frozenset[int] = frozenset()
    if membership is not None and membership.role not in MANAGERS:
        hidden = teams_hidden_from(membership.workspace_id, membership.user_id)
    g.hidden_teams = hidden
    return hidden


def teams_hidden_from(workspace_id: int, user_id: int) -> frozenset[int]:
    """The workspace's "only the team" teams this agent is not a member of."""
    return frozenset(
        db.session.scalars(
            select(Team.id).where(
                Team.workspace_id == workspace_id,
                Team.visibility == "team",
                ~exists().where(
                    TeamMember.team_id == Team.id, TeamMember.user_id == user_id
                ),
            )
        )
    )


def visible(model: type, hidden: frozenset[int] | None = None) -> ColumnElement[bool]:
    """The rows of `model` the member may see, as a condition (hidden: their teams').

    For owners, admins and workspaces without restricted teams it is `true()`,
    which the database drops: the common case costs nothing.
    """
    hidden = hidden_teams() if hidden is None else hidden
    if not hidden:
        return true()
    if model is Conversation:
        return conversation_visible(Conversation, hidden)
    if model is Message:
        return exists().where(
            Conversation.id == Message.conversation_id,
            conversation_visible(Conversation, hidden),
        )
    if model is Contact:
        return or_(
            ~exists().where(Conversation.contact_id == Contact.id),
            exists().where(
                Conversation.contact_id == Contact.id,
                conversation_visible(Conversation, hidden),
            ),
        )
    raise TypeError(f"{model.__name__} has no team visibility")


def conversation_visible(conversation, hidden: frozenset[int]) -> ColumnElement[bool]:
    return or_(conversation.team_id.is_(None), conversation.team_id.not_in(hidden))


# Models whose rows belong to a team through their conversation.
TEAM_BOUND = (Conversation, Message, Contact)


def get_scoped_or_404(model: type[ModelT], object_id: int) -> ModelT:
    """Load a row of the current workspace (and of a team one may see), or answer 404."""
    statement = select(model).where(
        model.id == object_id,  # type: ignore[attr-defined]
        model.workspace_id == current_workspace_id(),  # type: ignore[attr-defined]
    )
    if model in TEAM_BOUND:
        statement = statement.where(visible(model))
    row = db.session.scalar(statement)
    if row is None:
        abort(404)
    return row


def delete_scoped(model: type, object_id: int, done: str, list_endpoint: str):
    """Delete a row of the current workspace (404 if not its own), back to the list.

    The tail of the settings lists' delete views: it commits and answers 303.
    """
    db.session.delete(get_scoped_or_404(model, object_id))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(list_endpoint), 303)
