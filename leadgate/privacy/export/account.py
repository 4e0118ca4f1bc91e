"""What we hold about a user of LeadGate ("Meine Daten"), as one JSON-ready dict.

Cookie consent records are left out: they are anonymous by design (a random
consent_id in a cookie, a truncated IP address), so no row can be tied to the
user. Messages and consent entries come only from the workspaces the user is a
member of now: the conversations of a former team are that team's records, and
the user could read them in the inbox today anyway (Art. 15(4) GDPR).
"""

from sqlalchemy import select

from ...extensions import db
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
from .messages import iso

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
    rows = db.session.execute(
        select(Membership, Workspace.name)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at, Membership.id)
    ).all()
    return [
        {
            "workspace_id": membership.workspace_id,
            "workspace": name,
            "role": membership.role,
            "since": iso(membership.created_at),
        }
        for membership, name in rows
    ]


def access_log_of(user: User) -> list[dict]:
    rows = db.session.execute(
        select(AccessLog.event, AccessLog.ip_address, AccessLog.created_at)
        .where(AccessLog.user_id == user.id)
        .order_by(AccessLog.created_at, AccessLog.id)
    )
    return [
        {"event": event, "ip_address": ip_address, "timestamp": iso(created_at)}
        for event, ip_address, created_at in rows
    ]


def logins_of(user: User) -> list[dict]:
    """Each login session still kept, open or ended (never its token)."""
    rows = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id)
        .order_by(LoginSession.created_at, LoginSession.id)
    )
    return [
        {
            "device": row.device,
            "ip_prefix": row.ip_prefix,
            "created_at": iso(row.created_at),
            "last_seen_at": iso(row.last_seen_at),
            "ended_at": iso(row.ended_at),
            "end_reason": row.end_reason,
        }
        for row in rows
    ]


def two_factor_of(user: User) -> dict:
    """Whether it is on and the remembered devices; never the secret or the codes."""
    devices = db.session.scalars(
        select(RememberedDevice)
        .where(RememberedDevice.user_id == user.id)
        .order_by(RememberedDevice.created_at, RememberedDevice.id)
    )
    return {
        "enabled_at": iso(user.two_factor_enabled_at),
        "remembered_devices": [
            {
                "device": device.device,
                "ip_prefix": device.ip_prefix,
                "created_at": iso(device.created_at),
                "expires_at": iso(device.expires_at),
                "revoked_at": iso(device.revoked_at),
            }
            for device in devices
        ],
    }


def consents_recorded_by(user: User, workspace_ids: list[int]) -> list[dict]:
    """Entries this user made in the ledger: ids only, the wording is the contact's."""
    rows = db.session.execute(
        select(
            ConsentRecord.workspace_id,
            ConsentRecord.contact_id,
            ConsentRecord.purpose,
            ConsentRecord.action,
            ConsentRecord.source,
            ConsentRecord.recorded_at,
        )
        .where(
            ConsentRecord.recorded_by_id == user.id,
            ConsentRecord.workspace_id.in_(workspace_ids),
        )
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    )
    return [
        {
            "workspace_id": row.workspace_id,
            "contact_id": row.contact_id,
            "purpose": row.purpose,
            "action": row.action,
            "source": row.source,
            "recorded_at": iso(row.recorded_at),
        }
        for row in rows
    ]


def messages_by(user: User, workspace_ids: list[int]) -> list[dict]:
    """What the user wrote: messages sent to contacts and private notes."""
    rows = db.session.execute(
        select(
            Message.workspace_id,
            Message.conversation_id,
            Message.direction,
            Message.type,
            Message.text,
            Message.caption,
            Message.status,
            Message.sent_at,
        )
        .where(
            Message.author_id == user.id,
            Message.direction.in_(("out", "note")),
            Message.workspace_id.in_(workspace_ids),
        )
        .order_by(Message.sent_at, Message.id)
    )
    return [
        {
            "workspace_id": row.workspace_id,
            "conversation_id": row.conversation_id,
            "direction": row.direction,
            "type": row.type,
            "text": row.text,
            "caption": row.caption,
            "status": row.status,
            "timestamp": iso(row.sent_at),
        }
        for row in rows
    ]
