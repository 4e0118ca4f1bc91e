"""Deleting an account or a workspace, and handing a workspace to a new owner.

Account deletion (self-service) anonymises the user row at once and removes
their memberships; the nightly purge deletes the row after the grace period.
Messages and notes they wrote stay in the customers' conversations, shown as
written by a former team member. A workspace needs an owner, so its only owner
must hand it over (transfer_ownership) or delete it first.

Workspace deletion removes the workspace row; its foreign keys cascade to
everything in it. Raw webhook bodies only point at a channel (SET NULL, so a
late webhook is kept), so those of its channels are deleted first. Jobs that
are still queued for its channels or messages find no row and do nothing.
"""

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from .. import audit, live
from ..auth import sessions, two_factor
from ..dbutil import delete_in_database
from ..extensions import db
from ..models import (
    Channel,
    Conversation,
    ConversationRead,
    Membership,
    Message,
    Role,
    User,
    WebhookEvent,
    Workspace,
    utcnow,
)
from ..outbound.delivery import PENDING_KEY
from ..queue import redis_connection
from ..webhooks.contract import keys_cache
from ..workspaces.services import owner_count, record_removal, set_role
from .files import enqueue_file_deletion

# Stored on the anonymised row so that any page still naming it shows no one;
# the pages we own say it in the reader's language (User.deleted_at).
FORMER_MEMBER = "ehemaliges Teammitglied"


class AccountRuleError(Exception):
    """A deletion or transfer the rules forbid; the message is shown to the user."""


def sole_owned_workspaces(user: User) -> list[Workspace]:
    """Workspaces that would be left without an owner if the user went."""
    return [
        m.workspace
        for m in sorted(user.memberships, key=lambda m: m.id)
        if m.role == Role.OWNER and owner_count(m.workspace_id) == 1
    ]


def transfer_ownership(actor: Membership, target: Membership) -> None:
    """Make the target an owner and the actor an admin (caller commits)."""
    if actor.role != Role.OWNER:
        raise AccountRuleError(_("Nur Inhaber können die Inhaberschaft übertragen."))
    if target.id == actor.id or target.workspace_id != actor.workspace_id:
        raise AccountRuleError(_("Bitte wählen Sie ein anderes Teammitglied."))
    for membership, role in ((target, Role.OWNER), (actor, Role.ADMIN)):
        set_role(actor, membership, role, via="ownership_transfer")


def delete_account(user: User) -> None:
    """Remove memberships and anonymise the user (caller commits, then logs out)."""
    owned = sole_owned_workspaces(user)
    if owned:
        names = ", ".join(w.name for w in owned)
        raise AccountRuleError(
            _(
                "Sie sind einziger Inhaber von: %(names)s. Übertragen Sie die "
                "Inhaberschaft oder löschen Sie den Workspace zuerst.",
                names=names,
            )
        )
    workspace_ids = leave_workspaces(user)
    forget_assignments(user, workspace_ids)
    audit.record(
        None, "account.deleted", user, actor=user, memberships=len(workspace_ids)
    )
    anonymise(user)


def leave_workspaces(user: User) -> list[int]:
    """Delete the user's memberships, each with its audit event; their workspace ids."""
    workspace_ids = []
    for membership in sorted(user.memberships, key=lambda m: m.id):
        record_removal(membership, user, via="account_deleted")
        workspace_ids.append(membership.workspace_id)
        user.memberships.remove(membership)  # delete-orphan
    db.session.flush()
    return workspace_ids


def forget_assignments(user: User, workspace_ids: list[int]) -> None:
    """Unassign their conversations, drop their read marks, unname assignment events.

    Assignment events store the assignee's name as it was: those naming the
    user in the workspaces they left lose it (the thread says "former member").
    """
    db.session.execute(
        update(Conversation)
        .where(Conversation.assignee_id == user.id)
        .values(assignee_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(ConversationRead)
        .where(ConversationRead.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    if not workspace_ids:
        return
    for event in db.session.scalars(
        select(Message).where(
            Message.workspace_id.in_(workspace_ids),
            Message.direction == "event",
            Message.details["kind"].as_string() == "assigned",
            Message.details["to"].as_string() == user.name,
        )
    ):
        event.details = {**event.details, "to": None}


def anonymise(user: User) -> None:
    """Nothing personal stays on the row; nobody can sign in with it again."""
    user.name = FORMER_MEMBER
    user.email = f"deleted-{user.id}@deleted.invalid"
    # Not an Argon2 hash: no password verifies against it, none can be reset to.
    user.password_hash = "!deleted:" + secrets.token_urlsafe(16)
    sessions.end_all(user, "account_deleted")
    two_factor.disable(user)
    user.locale = None
    user.is_platform_admin = False
    user.last_login_at = None
    user.deleted_at = utcnow()


def workspace_media(workspace_id: int) -> set[str]:
    """The stored files the workspace's messages name."""
    return set(
        db.session.scalars(
            select(Message.media_sha256)
            .where(
                Message.workspace_id == workspace_id,
                Message.media_sha256.is_not(None),
            )
            .distinct()
        )
    )


@dataclass
class DeletedWorkspace:
    """What is left to do once a workspace's deletion is committed."""

    id: int
    media: set[str]
    channel_ids: list[int]
    channel_keys: list[str]


def delete_workspace(workspace: Workspace, actor: User) -> DeletedWorkspace:
    """Delete the workspace and all of its data (caller commits, then calls `after`)."""
    # Locked: a webhook being stored for one of them now waits, then fails its
    # foreign key (Meta retries and gets a 404) instead of outliving the delete.
    channels = db.session.execute(
        select(Channel.id, Channel.key)
        .where(Channel.workspace_id == workspace.id)
        .order_by(Channel.id)
        .with_for_update()
    ).all()
    deleted = DeletedWorkspace(
        workspace.id,
        workspace_media(workspace.id),
        [c.id for c in channels],
        [c.key for c in channels],
    )
    audit.record(
        None,
        "workspace.deleted",
        workspace,
        actor=actor,
        workspace_id=workspace.id,
        name=workspace.name,
        members=len(workspace.memberships),
        channels=len(channels),
    )
    if deleted.channel_ids:
        db.session.execute(
            delete(WebhookEvent)
            .where(WebhookEvent.channel_id.in_(deleted.channel_ids))
            .execution_options(synchronize_session=False)
        )
    delete_in_database(workspace)
    return deleted


def after(deleted: DeletedWorkspace) -> None:
    """After the commit: files go, delivery marks and cached webhook keys are dropped."""
    enqueue_file_deletion(deleted.media)
    redis = redis_connection()
    for channel_id in deleted.channel_ids:
        redis.delete(PENDING_KEY.format(channel_id))
    for key in deleted.channel_keys:
        keys_cache.forget(key)  # its webhooks get 404 here at once, elsewhere soon
    # Open inboxes reload their list; the session falls back to another workspace.
    live.publish(deleted.id, ["list"])
