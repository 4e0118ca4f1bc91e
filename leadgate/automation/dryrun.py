"""Ausprobieren: what a rule would have done to the workspace's last 50 conversations.

Each conversation is taken as if the rule's trigger happened to it now: the
text conditions read the contact's latest message, a time trigger asks
whether the conversation waits that long now. The same conditions and
actions as a real firing run (conditions.py, actions.py with `dry`), so the
verdicts are the engine's; nothing is written, and the caller rolls back.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Conversation, Rule, as_utc, utcnow
from ..models.rules import WAITS
from ..tenancy import visible
from . import facts as facts_of
from .actions import Batch, perform
from .conditions import holds

SAMPLE = 50


@dataclass(frozen=True)
class Verdict:
    conversation: Conversation
    waits: bool | None  # a time trigger: the conversation waits that long now
    conditions: list[tuple[dict, bool]]
    outcomes: list[tuple[str, str]]  # (action kind, outcome) if it would fire

    @property
    def fires(self) -> bool:
        return self.waits is not False and all(ok for _, ok in self.conditions)


def sample(workspace_id: int) -> list[Conversation]:
    """The workspace's 50 most recently active conversations the reader may see."""
    return list(
        db.session.scalars(
            select(Conversation)
            .options(
                joinedload(Conversation.contact, innerjoin=True),
                joinedload(Conversation.channel, innerjoin=True),
            )
            .where(Conversation.workspace_id == workspace_id, visible(Conversation))
            .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
            .limit(SAMPLE)
        )
    )


def try_rule(rule: Rule, now: datetime | None = None) -> list[Verdict]:
    """Per conversation: the conditions' verdicts and the actions that would run."""
    now = now or utcnow()
    conversations = sample(rule.workspace_id)
    kinds = {part.get("kind", "") for part in [*rule.conditions, *rule.actions]}
    facts = facts_of.load(conversations, {}, kinds, now)
    batch = Batch(facts, now, dry=True)
    verdicts = []
    with db.session.no_autoflush:
        for conversation in conversations:
            verdict = Verdict(
                conversation,
                waits_now(rule, conversation, now),
                [(c, holds(c, conversation, facts)) for c in rule.conditions],
                [],
            )
            if verdict.fires:
                verdict.outcomes.extend(
                    (a.get("kind", ""), perform(batch, rule, conversation, a)[0])
                    for a in rule.actions
                )
            verdicts.append(verdict)
    return verdicts


def waits_now(rule: Rule, conversation: Conversation, now: datetime) -> bool | None:
    """For a time trigger: the conversation has waited at least the rule's wait."""
    if rule.trigger not in WAITS:
        return None
    name, states = WAITS[rule.trigger]
    since = getattr(conversation, name)
    return (
        conversation.state in states
        and since is not None
        and as_utc(since) <= now - timedelta(minutes=rule.wait_minutes or 0)
    )
