"""Keeping a workspace's rules: add, change, order, switch on and off, remove.

Helpers add and flush; the view commits. Positions are 1, 2, 3 … in the order
the rules run; moving a rule swaps it with its neighbour.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Conversation, Rule, RuleFiring, User, utcnow
from ..models.rules import TIME_TRIGGERS
from ..tenancy import visible

LAST_FIRINGS = 50


@dataclass(frozen=True)
class RuleSettings:
    """What the rule form says, checked (forms.py)."""

    name: str
    trigger: str
    wait_minutes: int | None
    conditions: list[dict]
    actions: list[dict]
    enabled: bool


def rules_of(workspace_id: int) -> list[Rule]:
    return list(
        db.session.scalars(
            select(Rule)
            .where(Rule.workspace_id == workspace_id)
            .order_by(Rule.position, Rule.id)
        )
    )


def create_rule(workspace_id: int, settings: RuleSettings, author: User) -> Rule:
    last = db.session.scalar(
        select(func.max(Rule.position)).where(Rule.workspace_id == workspace_id)
    )
    rule = Rule(workspace_id=workspace_id, position=(last or 0) + 1)
    rule.created_by_id = author.id
    apply_settings(rule, settings)
    db.session.add(rule)
    db.session.flush()
    return rule


def apply_settings(rule: Rule, settings: RuleSettings, now: datetime | None = None):
    """Take the form's settings; a time trigger's clock restarts when it changes."""
    restart = (
        settings.trigger in TIME_TRIGGERS
        and settings.enabled
        and (
            not rule.enabled
            or rule.trigger != settings.trigger
            or rule.wait_minutes != settings.wait_minutes
            or rule.timer_since is None
        )
    )
    rule.name, rule.trigger = settings.name, settings.trigger
    rule.wait_minutes = settings.wait_minutes
    rule.conditions, rule.actions = settings.conditions, settings.actions
    rule.enabled = settings.enabled
    if restart:
        start_clock(rule, now)


def start_clock(rule: Rule, now: datetime | None = None) -> None:
    """A time rule acts on waits that come to an end from now on, not on the backlog."""
    if rule.trigger in TIME_TRIGGERS and rule.wait_minutes:
        rule.timer_since = (now or utcnow()) - timedelta(minutes=rule.wait_minutes)
        rule.timer_after_id = 0


def switch(rule: Rule, enabled: bool, now: datetime | None = None) -> None:
    if enabled and not rule.enabled:
        start_clock(rule, now)
    rule.enabled = enabled


def move(rule: Rule, direction: str) -> bool:
    """Swap the rule with the one before ("up") or after ("down") it; True when
    it is then first (up) or last (down)."""
    rules = rules_of(rule.workspace_id)
    for position, each in enumerate(rules, start=1):
        each.position = position  # close any gaps first
    index = rules.index(rule)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index].position, rules[other].position = (
            rules[other].position,
            rules[index].position,
        )
        index = other
    return index == (0 if direction == "up" else len(rules) - 1)


def delete_rule(rule: Rule) -> None:
    db.session.delete(rule)


@dataclass(frozen=True)
class FiringRow:
    firing: RuleFiring
    conversation: Conversation | None  # None: not visible to the reader


def last_firings(rule: Rule, limit: int = LAST_FIRINGS) -> list[FiringRow]:
    """The rule's latest firings, each with its conversation if the reader may see it."""
    firings = list(
        db.session.scalars(
            select(RuleFiring)
            .where(RuleFiring.rule_id == rule.id)
            .order_by(RuleFiring.fired_at.desc(), RuleFiring.id.desc())
            .limit(limit)
        )
    )
    ids = {f.conversation_id for f in firings}
    seen = {
        c.id: c
        for c in db.session.scalars(
            select(Conversation)
            .options(joinedload(Conversation.contact))
            .where(
                Conversation.id.in_(ids),
                Conversation.workspace_id == rule.workspace_id,
                visible(Conversation),
            )
        )
    }
    return [FiringRow(f, seen.get(f.conversation_id)) for f in firings]
