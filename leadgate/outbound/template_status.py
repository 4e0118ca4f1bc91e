"""A template's status at Meta, applied to the messages waiting to use it.

Meta pauses a template that gets poor feedback (3 hours, then 6), then disables
it; each step arrives as a message_template_status_update webhook (and shows in
the hourly sync). Queued messages of a paused template wait as `paused`: neither
sent nor failed, and not holding up their conversation's later messages. When
the template is approved again they are queued once more; when it is disabled
or otherwise withdrawn they fail, with the reason in plain words. A running
campaign of the template pauses with the reason (its page says why); the team
resumes it once the template is approved again.

Callers commit, then enqueue delivery for the channels `set_status` returns.
"""

from dataclasses import dataclass, field

from sqlalchemy import select, update

from .. import audit
from ..extensions import db
from ..models import Campaign, Message, MessageTemplate, utcnow
from ..models.message_state import MessageState as S
from ..models.message_state import columns
from .reasons import TEMPLATE_WITHDRAWN

SENDABLE = "APPROVED"
PAUSED = "PAUSED"
# Webhook events that name a status other than themselves.
EVENT_STATUS = {"REINSTATED": SENDABLE}
# Webhook events that leave the status as it is (a warning, an editing lock, an
# unarchiving whose resulting status the next sync tells).
NOTICES = frozenset({"FLAGGED", "LOCKED", "UNLOCKED", "UNARCHIVED"})
# Statuses under which a queued message can never go out as it is.
WITHDRAWN = frozenset(
    {"DISABLED", "DELETED", "PENDING_DELETION", "ARCHIVED", "REJECTED"}
)


@dataclass
class Change:
    """What a status change did to waiting messages, for the caller's follow-ups."""

    released: set[int] = field(default_factory=set)  # channels with messages to send
    touched: set[tuple[int, int]] = field(default_factory=set)  # (workspace, conv.)

    def add(self, other: "Change") -> None:
        self.released |= other.released
        self.touched |= other.touched


def apply_event(template: MessageTemplate, event: str, reason: str | None) -> Change:
    """A message_template_status_update event (PAUSED, DISABLED, REINSTATED …)."""
    if event in NOTICES and template.status is not None:
        template.reason = plain(reason) or template.reason
        template.updated_at = utcnow()
        return Change()
    return set_status(template, EVENT_STATUS.get(event, event), reason)


def set_status(
    template: MessageTemplate, status: str, reason: str | None = None
) -> Change:
    """Record the template's status; park, release or fail its waiting messages."""
    changed = status != template.status
    template.status = status
    if status == SENDABLE:
        template.reason = None  # past rejections and pauses no longer matter
    elif changed or plain(reason):  # a sync without a reason keeps the pause's text
        template.reason = plain(reason)
    template.updated_at = utcnow()
    if status == PAUSED:
        hold_campaigns(template, "template_paused")
        return park(template)
    if status == SENDABLE:
        return release(template)
    if status in WITHDRAWN:
        hold_campaigns(template, "template_withdrawn")
        return withdraw(template)
    return Change()


def hold_campaigns(template: MessageTemplate, reason: str) -> None:
    """Running campaigns of the template pause, saying why; the trail records it."""
    for campaign in db.session.scalars(
        select(Campaign).where(
            Campaign.template_id == template.id, Campaign.state == "running"
        )
    ):
        campaign.move_to("paused")
        campaign.paused_reason = reason
        audit.record(campaign.workspace_id, "campaign.paused", campaign, reason=reason)


def webhook_reason(value: dict) -> str | None:
    """What to keep with the status: Meta's pause/unpause text, else its reason."""
    other = value.get("other_info")
    if isinstance(other, dict) and isinstance(other.get("description"), str):
        return other["description"]
    reason = value.get("reason")
    return reason if isinstance(reason, str) else None


def plain(reason: str | None) -> str | None:
    """Meta sends "NONE" (or null) when there is no reason."""
    return None if not reason or reason.upper() == "NONE" else reason[:2000]


def move_unsent(template: MessageTemplate, target: S, *states: S):
    """UPDATE: unsent messages of this template in `states` move to `target`."""
    return (
        update(Message)
        .values(**columns(target, *states))
        .where(
            Message.workspace_id == template.workspace_id,
            Message.status.in_(states),
            Message.direction == "out",
            Message.type == "template",
            Message.wamid.is_(None),
            Message.details["template_id"].as_integer() == template.id,
        )
        .returning(Message.channel_id, Message.workspace_id, Message.conversation_id)
        .execution_options(synchronize_session=False)
    )


def changed_rows(statement, released: bool = False) -> Change:
    rows = db.session.execute(statement).all()
    return Change(
        released={row.channel_id for row in rows} if released else set(),
        touched={(row.workspace_id, row.conversation_id) for row in rows},
    )


def park(template: MessageTemplate) -> Change:
    """Queued messages of a paused template wait (those being sent learn 132015)."""
    return changed_rows(
        move_unsent(template, S.PAUSED, S.QUEUED).values(next_attempt_at=None)
    )


def park_one(message: Message) -> None:
    """One message Meta refused with 132015: it waits for its template."""
    message.move_to(S.PAUSED)
    message.wamid = message.sending_since = message.next_attempt_at = None
    message.error_code = message.error_title = None


def release(template: MessageTemplate) -> Change:
    """Approved again: the waiting messages are queued; returns their channels."""
    return changed_rows(
        move_unsent(template, S.QUEUED, S.PAUSED).values(next_attempt_at=None),
        released=True,
    )


def withdraw(template: MessageTemplate) -> Change:
    """Disabled, deleted, rejected …: its waiting messages fail, saying why."""
    return changed_rows(
        move_unsent(template, S.FAILED, S.QUEUED, S.PAUSED).values(
            error_code=None,
            error_title=f"{TEMPLATE_WITHDRAWN}{template.status}"[:255],
            next_attempt_at=None,
            sending_since=None,
        )
    )
