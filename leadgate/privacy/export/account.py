"""What we hold about a user of LeadGate ("Meine Daten"), as one JSON-ready dict.

Cookie consent records are left out: they are anonymous by design (a random
consent_id in a cookie, a truncated IP address), so no row can be tied to the
user. Messages and consent entries come only from the workspaces the user is a
member of now: the conversations of a former team are that team's records, and
the user could read them in the inbox today anyway (Art. 15(4) GDPR).
"""

from sqlalchemy import select

from ...models import (
    AccessLog,
    ConsentRecord,
    LoginSession,
    Membership,
    Message,
    RememberedDevice,
    User,
    Workspace,
    utcnow,
)
from .messages import iso, records

FORMAT = "leadgate.account-export/1"


def account_document(user: User) -> dict:
    """Build account.json: profile, memberships, access log, consents, messages."""
    memberships = memberships_of(user)
    workspace_ids = [membership["workspace_id"] for membership in memberships]
    return {
        "format": FORMAT,
        "exported_at": iso(utcnow()),
        "profile": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "platform_admin": user.is_platform_admin,
            "created_at": iso(user.created_at),
            "last_login_at": iso(user.last_login_at),
        },
        "memberships": memberships,
        "access_log": access_log_of(user),
        "logins": logins_of(user),
        "two_factor": two_factor_of(user),
        "consent_records": consents_recorded_by(user, workspace_ids),
        "messages": messages_by(user, workspace_ids),
    }


def memberships_of(user: User) -> list[dict]:
    return records(
        select(
            Membership.workspace_id,
            Workspace.name.label("workspace"),
            Membership.role,
            Membership.created_at.label("since"),
            # The agent's status (online, away, offline), which assignment reads.
            Membership.status,
            Membership.status_changed_at,
        )
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at, Membership.id)
    )


def access_log_of(user: User) -> list[dict]:
    mine = AccessLog.user_id == user.id
    return rows(AccessLog, ("event", "ip_address"), mine, timestamp="created_at")


def logins_of(user: User) -> list[dict]:
    """Each login session still kept, open or ended (never its token)."""
    fields = (
        "device",
        "ip_prefix",
        "created_at",
        "last_seen_at",
        "ended_at",
        "end_reason",
    )
    return rows(LoginSession, fields, LoginSession.user_id == user.id)


def two_factor_of(user: User) -> dict:
    """Whether it is on and the remembered devices; never the secret or the codes."""
    fields = ("device", "ip_prefix", "created_at", "expires_at", "revoked_at")
    devices = rows(RememberedDevice, fields, RememberedDevice.user_id == user.id)
    return {
        "enabled_at": iso(user.two_factor_enabled_at),
        "remembered_devices": devices,
    }


def consents_recorded_by(user: User, workspace_ids: list[int]) -> list[dict]:
    """Entries this user made in the ledger: ids only, the wording is the contact's."""
    fields = (
        "workspace_id",
        "contact_id",
        "purpose",
        "action",
        "source",
        "recorded_at",
    )
    return rows(
        ConsentRecord,
        fields,
        ConsentRecord.recorded_by_id == user.id,
        ConsentRecord.workspace_id.in_(workspace_ids),
        by="recorded_at",
    )


def messages_by(user: User, workspace_ids: list[int]) -> list[dict]:
    """What the user wrote: messages sent to contacts and private notes."""
    fields = (
        "workspace_id",
        "conversation_id",
        "direction",
        "type",
        "text",
        "caption",
        "status",
    )
    return rows(
        Message,
        fields,
        Message.author_id == user.id,
        Message.direction.in_(("out", "note")),
        Message.workspace_id.in_(workspace_ids),
        by="sent_at",
        timestamp="sent_at",
    )


def rows(model, fields: tuple[str, ...], *where, by="created_at", **renamed: str):
    """The model's rows that match, oldest first: these fields, then the renamed."""
    columns = [getattr(model, name) for name in fields]
    columns += [getattr(model, name).label(key) for key, name in renamed.items()]
    query = select(*columns).where(*where)
    return records(query.order_by(getattr(model, by), model.id))
