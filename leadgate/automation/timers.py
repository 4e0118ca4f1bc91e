"""The time triggers, from rq cron every minute: "no answer after N minutes / hours".

A conversation waits for the team from the contact's first unanswered message
(Conversation.agent_wait_since) and for the contact from the team's first
message since the contact last wrote (contact_wait_since); both are kept
where messages are stored (Conversation.contact_wrote / team_wrote). A rule
with a wait of N fires when a wait reaches N while the conversation is open
("no agent answer") or open or pending ("no contact answer").

Exact to the minute whatever the number of conversations: each run asks, per
rule, only for the waits that reached N since the rule's cursor, a range scan
of a partial index on (workspace, wait start, id) that holds only waiting
conversations (ix_conversation_awaiting_*), a page of PAGE at a time in
(start, id) order. The cursor (Rule.timer_since, timer_after_id) moves with
each page in the page's transaction, so a page is fired once: a restart, a
lost job or a second cron run at the same moment (the rule's row is taken
FOR UPDATE SKIP LOCKED) never fires a waiting period twice. A wait that ends
and starts again is a new period with a new start, behind the cursor's
reach only if the clock went backwards.

`now` is a parameter: tests move the clock by passing it.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, text, tuple_

from ..extensions import db
from ..models import Conversation, Rule, as_utc, utcnow
from ..models.conversations import AWAITING_AGENT, AWAITING_CONTACT
from ..models.rules import NO_AGENT_ANSWER, NO_CONTACT_ANSWER, TIME_TRIGGERS, WAITS
from . import engine

# Waits per page (one transaction): its conversations stay locked while it runs.
PAGE = 200
# The waits each trigger looks at: the conditions of its partial index.
PREDICATES = {NO_AGENT_ANSWER: AWAITING_AGENT, NO_CONTACT_ANSWER: AWAITING_CONTACT}


def fire_time_rules(now: datetime | None = None) -> int:
    """rq cron, every minute: the time rules whose waits came; the number fired."""
    now = now or utcnow()
    rule_ids = db.session.scalars(
        select(Rule.id)
        .where(Rule.enabled.is_(True), Rule.trigger.in_(TIME_TRIGGERS))
        .order_by(Rule.id)
    ).all()
    db.session.rollback()
    return sum(run_timer(rule_id, now) for rule_id in rule_ids)


def run_timer(rule_id: int, now: datetime) -> int:
    """One rule's waits that came, page by page; each page one transaction."""
    fired = 0
    while True:
        rule = db.session.scalar(
            select(Rule)
            .where(Rule.id == rule_id, Rule.enabled.is_(True))
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if rule is None or not rule.wait_minutes:  # off, gone, or another run has it
            db.session.rollback()
            return fired
        due = now - timedelta(minutes=rule.wait_minutes)
        if rule.timer_since is None:  # from now on (a rule added without a cursor)
            rule.timer_since, rule.timer_after_id = due, 0
            db.session.commit()
            return fired
        rows = waits_due(rule, due)
        if not rows:  # nothing up to `due`: the cursor may skip ahead to it
            if due > as_utc(rule.timer_since):
                rule.timer_since, rule.timer_after_id = due, 0
            db.session.commit()
            return fired
        rule.timer_since, rule.timer_after_id = rows[-1]
        events = [
            engine.Event(
                conversation_id, rule.trigger, period_at=since, rule_id=rule.id
            )
            for since, conversation_id in rows
        ]
        fired += engine.run(events)  # its first round commits the cursor with them
        if len(rows) < PAGE:
            return fired


def waits_due(rule: Rule, due: datetime) -> list[tuple[datetime, int]]:
    """The next page of waits that began after the cursor and reached the rule's wait."""
    column = getattr(Conversation, WAITS[rule.trigger][0])
    return [
        (since, conversation_id)
        for since, conversation_id in db.session.execute(
            select(column, Conversation.id)
            .where(
                Conversation.workspace_id == rule.workspace_id,
                # The partial index's own predicate, as literal SQL: a state
                # passed as a parameter would not prove it in a generic plan.
                text(PREDICATES[rule.trigger]),
                tuple_(column, Conversation.id)
                > tuple_(rule.timer_since, rule.timer_after_id),
                column <= due,
            )
            .order_by(column, Conversation.id)
            .limit(PAGE)
        )
    ]
