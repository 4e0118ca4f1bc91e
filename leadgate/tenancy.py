"""The current workspace, and queries scoped to it.

Every view that reads workspace data goes through these helpers, so an object of
another workspace is a 404: never a 403, never its content.
"""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, g, redirect, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .extensions import db
from .models import Membership, Role

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

        return wrapped

    return decorator


manager_required = workspace_required((Role.OWNER, Role.ADMIN))


def current_workspace_id() -> int:
    membership = current_membership()
    if membership is None:
        abort(404)
    return membership.workspace_id


def get_scoped_or_404(model: type[ModelT], object_id: int) -> ModelT:
    """Load a row of the current workspace by id, or answer 404."""
    row = db.session.scalar(
        select(model).where(
            model.id == object_id,  # type: ignore[attr-defined]
            model.workspace_id == current_workspace_id(),  # type: ignore[attr-defined]
        )
    )
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
