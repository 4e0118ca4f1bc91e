"""Team management: invites, roles and removal, with the rules that protect owners."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from .. import audit
from ..extensions import db
from ..models import Invite, Membership, Role, User, Workspace, utcnow
from ..teams.services import leave_teams


class TeamRuleError(Exception):
    """A change the team rules forbid; the message is shown to the user."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(workspace: Workspace, email: str, role: str, by: User) -> str:
    """Create an invite and return its secret token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITE_VALID_DAYS"]
    invite = Invite(
        workspace=workspace,
        email=email.strip().lower(),
        role=role,
        token_hash=hash_token(token),
        invited_by=by,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invite)
    db.session.flush()
    audit.record(workspace.id, "member.invited", invite, actor=by, role=role)
    return token


def find_open_invite(token: str) -> Invite | None:
    invite = db.session.scalar(
        select(Invite).where(Invite.token_hash == hash_token(token))
    )
    return invite if invite is not None and invite.is_open else None


def accept_invite(invite: Invite, user: User) -> Membership:
    """Join the invite's workspace; an existing member keeps their role."""
    invite.accepted_at = utcnow()
    existing = db.session.scalar(
        select(Membership).where(
            Membership.workspace_id == invite.workspace_id,
            Membership.user_id == user.id,
        )
    )
    if existing is not None:
        return existing
    membership = Membership(
        workspace_id=invite.workspace_id, user=user, role=invite.role
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(
        invite.workspace_id,
        "member.joined",
        membership,
        actor=user,
        user_id=user.id,
        role=invite.role,
        invite_id=invite.id,
    )
    return membership


def purge_expired_invites() -> int:
    """Job (nightly): delete invites that expired more than 30 days ago."""
    result = db.session.execute(
        delete(Invite).where(Invite.expires_at < utcnow() - timedelta(days=30))
    )
    db.session.commit()
    return result.rowcount


def allowed_roles(actor: Membership) -> list[Role]:
    """Roles the actor may hand out: only owners make owners."""
    if actor.role == Role.OWNER:
        return [Role.AGENT, Role.ADMIN, Role.OWNER]
    return [Role.AGENT, Role.ADMIN]


def owner_count(workspace_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Membership.workspace_id == workspace_id, Membership.role == Role.OWNER
        )
    )


def _check_may_change(actor: Membership, target: Membership) -> None:
    if target.role == Role.OWNER and actor.role != Role.OWNER:
        raise TeamRuleError(_("Nur Inhaber können andere Inhaber ändern."))
    if target.role == Role.OWNER and owner_count(target.workspace_id) == 1:
        raise TeamRuleError(_("Ein Workspace braucht mindestens einen Inhaber."))


def change_role(actor: Membership, target: Membership, role: str) -> None:
    if role not in allowed_roles(actor):
        raise TeamRuleError(_("Diese Rolle können Sie nicht vergeben."))
    if role == target.role:
        return
    _check_may_change(actor, target)
    set_role(actor, target, role)


def set_role(actor: Membership, target: Membership, role: str, **details) -> None:
    """Give the member this role, recorded in the audit trail (no rules checked)."""
    if role == target.role:
        return
    audit.record(
        target.workspace_id,
        "member.role_changed",
        target,
        actor=actor.user,
        user_id=target.user_id,
        before=str(target.role),
        after=str(role),
        **details,
    )
    target.role = role


def remove_member(actor: Membership, target: Membership) -> None:
    _check_may_change(actor, target)
    record_removal(target, actor.user)
    leave_teams(target.workspace_id, target.user_id)
    db.session.delete(target)


def record_removal(membership: Membership, actor: User, **details) -> None:
    """Record that the member leaves the workspace (the caller deletes the row)."""
    audit.record(
        membership.workspace_id,
        "member.removed",
        membership,
        actor=actor,
        user_id=membership.user_id,
        role=str(membership.role),
        **details,
    )


def members_without_two_factor(workspace_id: int) -> list[User]:
    """The members a two-factor requirement would lead to its setup."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.workspace_id == workspace_id,
                User.two_factor_enabled_at.is_(None),
            )
            .order_by(User.name, User.id)
        )
    )


def require_two_factor(workspace: Workspace, required: bool) -> None:
    """Switch the workspace's two-factor requirement, with its audit record."""
    if workspace.require_two_factor == required:
        return
    workspace.require_two_factor = required
    action = "required" if required else "optional"
    audit.record(workspace.id, f"workspace.two_factor_{action}", workspace)
