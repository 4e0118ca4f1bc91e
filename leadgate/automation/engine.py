"""Rules run here: events in, firings out, one transaction per round.

Rules never run in a request or inside the transaction of the change that
triggers them: the drain's after_inbound job (inbound.py), the rules job
(`run_rules`, enqueued by triggers.py after an agent's or a lead form's
commit) and the clock (timers.py) hand events to `run`.

A round reads the events' conversations, loads the workspace's enabled rules
once, the facts their conditions read in bulk (facts.py), and lets every
matching rule act, in position order, each on the conversation as the rules
before it left it. Everything a round did is flushed and committed at once;
deliveries, automatic assignment and live updates follow the commit.

Loop protection: what a rule's actions change (an assignment, a state) is a
new event of the conversation, one level deeper, carrying the chain of rules
that led to it. A rule never fires again from its own chain, and nothing
fires deeper than MAX_DEPTH: two rules that would undo each other's state
forever each fire once.

Locks: none taken while the rules think. The conversations are read as
committed, like an agent's page reads them, and the actions write like an
agent's click (the changed columns only). Nothing is flushed before the end
of the round, so its rows are locked only for its last flush and commit, in
id order as every writer of conversations takes them: a drain writing to the
same conversations waits milliseconds, not for the whole round.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import joinedload

from .. import live
from ..dbutil import bulk_insert_ignoring_conflicts, one_of
from ..extensions import db
from ..inbox.team import event_row
from ..models import Conversation, Message, Rule, RuleFiring, as_utc, utcnow
from ..models.rules import ASSIGNED, WAITS
from ..outbound.delivery import enqueue_delivery
from ..routing import triggers as routing
from ..routing.assignment import assign_waiting
from . import facts as facts_of
from .actions import DONE, QUEUED, UNCHANGED, Batch, perform
from .conditions import all_hold

# Rules fired by another rule's action may fire more rules, down to this depth.
MAX_DEPTH = 3
firings = cast(Table, RuleFiring.__table__)
messages = cast(Table, Message.__table__)
# What tells a firing of a round from the round's others.
FIRING_KEY = ("rule_id", "conversation_id", "trigger", "fired_at")
# Conditions and actions that read a conversation's contact, or its number.
CONTACT_KINDS = {"field", "consent", "set_field", "send_text", "send_template"}
CHANNEL_KINDS = {"send_text", "send_template"}
# Actions that may free an agent's room or leave a conversation waiting.
MOVES = ("assign_team", "assign_agent", "set_state", "snooze")


@dataclass(frozen=True)
class Event:
    conversation_id: int
    trigger: str
    depth: int = 0
    chain: frozenset[int] = frozenset()  # rules whose actions led here
    messages: tuple[int, int] | None = None  # the contact's new messages (ids)
    # Whether those were the contact's first in the conversation, as the drain
    # saw it (later messages must not change the answer); None: not known.
    first_contact: bool | None = None
    period_at: datetime | None = None  # a time trigger's waiting period
    rule_id: int | None = None  # a time trigger: that rule alone


@dataclass
class Fired:
    """A firing of this round, kept to finish it after the commit."""

    row: dict  # the RuleFiring row, inserted with the round's others at once
    summary: dict  # the row of the conversation's timeline event this round
    event: Event
    conversation: Conversation
    outcomes: list[list[str]]
    rule_id: int
    workspace_id: int
    entry: int | None  # its place in the summary's firings (None: nothing changed)


@dataclass
class Round:
    batch: Batch
    fired: list[Fired] = field(default_factory=list)
    caused: list[Event] = field(default_factory=list)
    before: dict[int, routing.Snapshot] = field(default_factory=dict)
    # One timeline event per conversation and round tells every rule that did
    # something there (conversation id → the event's row, then its id).
    summaries: dict[int, dict] = field(default_factory=dict)
    summary_ids: dict[int, int] = field(default_factory=dict)

    def summary_of(self, conversation: Conversation) -> dict:
        """The round's timeline event in the conversation, first in it (made once)."""
        if conversation.id not in self.summaries:
            self.summaries[conversation.id] = event_row(
                conversation, "automation", firings=[]
            )
        return self.summaries[conversation.id]

    def write(self) -> None:
        """The firings and the timeline events, one statement each, whatever their
        number (dbutil: the drain's way); rules whose actions all found things as
        they wanted them say nothing in the timeline."""
        bulk_insert_ignoring_conflicts(firings, [item.row for item in self.fired])
        told = [row for row in self.summaries.values() if row["details"]["firings"]]
        inserted = bulk_insert_ignoring_conflicts(
            messages, told, returning=("id", "conversation_id")
        )
        self.summary_ids = {row.conversation_id: row.id for row in inserted or ()}


def run_rules(events: list[list]) -> None:
    """The job: [conversation id, trigger] per event, after the change committed."""
    run(
        [
            Event(int(conversation_id), str(trigger))
            for conversation_id, trigger in events
        ]
    )


def run(events: list[Event], now: datetime | None = None) -> int:
    """Fire the rules these events call for, and those their actions call for; a count."""
    fired = 0
    while events:
        done = run_round(events, now)
        fired += len(done.fired)
        events = done.caused
    return fired


def rules_for(events: list[Event]) -> dict[int, list[Rule]]:
    """The enabled rules of the events' workspaces and triggers, by workspace."""
    workspaces = select(Conversation.workspace_id).where(
        one_of(Conversation.id, {e.conversation_id for e in events})
    )
    found: dict[int, list[Rule]] = defaultdict(list)
    for rule in db.session.scalars(
        select(Rule)
        .where(
            Rule.enabled.is_(True),
            Rule.trigger.in_({e.trigger for e in events}),
            Rule.workspace_id.in_(workspaces),
        )
        .order_by(Rule.position, Rule.id)
    ):
        found[rule.workspace_id].append(rule)
    return found


def conversations_of(
    ids: list[int], workspaces: list[int], kinds: set[str]
) -> dict[int, Conversation]:
    """The conversations, with their contact and number if the rules read them."""
    joined = [
        joinedload(relation, innerjoin=True)
        for relation, needed_by in (
            (Conversation.contact, CONTACT_KINDS),
            (Conversation.channel, CHANNEL_KINDS),
        )
        if kinds & needed_by
    ]
    rows = db.session.scalars(
        select(Conversation)
        .options(*joined)
        .where(
            one_of(Conversation.id, ids), one_of(Conversation.workspace_id, workspaces)
        )
        .order_by(Conversation.id)
    ).unique()
    return {c.id: c for c in rows}


def run_round(events: list[Event], now: datetime | None) -> Round:
    """One transaction: the events' firings, committed; then what follows them."""
    now = now or utcnow()
    rules = rules_for(events)
    if not rules:
        db.session.commit()  # end the read (a timer's cursor may be in it)
        return Round(Batch(facts_of.Facts(now), now))
    kinds = {
        part.get("kind", "")
        for workspace_rules in rules.values()
        for rule in workspace_rules
        for part in [*rule.conditions, *rule.actions]
    }
    wanted = sorted({e.conversation_id for e in events})
    conversations = conversations_of(wanted, list(rules), kinds)
    ranges = {e.conversation_id: e.messages for e in events if e.messages}
    facts = facts_of.load(list(conversations.values()), ranges, kinds, now)  # type: ignore[arg-type]
    facts.first_contacts.update(
        (e.conversation_id, e.first_contact)
        for e in events
        if e.first_contact is not None
    )
    done = Round(Batch(facts, now))
    # No flush between firings: the round's rows go in a few batched INSERTs.
    with db.session.no_autoflush:
        by_trigger = {
            (workspace_id, trigger): [
                r for r in workspace_rules if r.trigger == trigger
            ]
            for workspace_id, workspace_rules in rules.items()
            for trigger in {r.trigger for r in workspace_rules}
        }
        for event in events:
            conversation = conversations.get(event.conversation_id)
            if conversation is None:  # gone, or of a workspace without rules
                continue
            key = (conversation.workspace_id, event.trigger)
            for rule in by_trigger.get(key, []):
                if applies(rule, event, conversation) and all_hold(
                    rule.conditions, conversation, facts
                ):
                    fire(done, rule, conversation, event)
    done.write()  # first: the actions' own events (flushed at commit) come after
    db.session.commit()
    after_commit(done)
    return done


def applies(rule: Rule, event: Event, conversation: Conversation) -> bool:
    return (
        rule.trigger == event.trigger
        and rule.id not in event.chain
        and event.rule_id in (None, rule.id)
        and still_waiting(conversation, event)
    )


def still_waiting(conversation: Conversation, event: Event) -> bool:
    """A time trigger's conversation still waits in that period (nobody answered
    between the timer's read and this round's)."""
    if event.period_at is None:
        return True
    name, states = WAITS[event.trigger]
    since = getattr(conversation, name)
    return (
        conversation.state in states
        and since is not None
        and as_utc(since) == as_utc(event.period_at)
    )


def fire(done: Round, rule: Rule, conversation: Conversation, event: Event) -> None:
    """Run the rule's actions on the conversation; record the firing and its events."""
    done.before.setdefault(conversation.id, routing.Snapshot.of(conversation))
    # First in the timeline, then what the actions did; the outcomes come after.
    summary = done.summary_of(conversation)
    outcomes, caused = [], []
    for action in rule.actions:
        outcome, trigger = perform(done.batch, rule, conversation, action)
        outcomes.append([action.get("kind", ""), outcome])
        if trigger is not None and trigger not in caused:
            caused.append(trigger)
    entry = None
    if any(outcome != UNCHANGED for _, outcome in outcomes):
        told = summary["details"]["firings"]
        entry = len(told)
        told.append({"rule_id": rule.id, "rule": rule.name, "outcomes": outcomes})
    row = {
        "workspace_id": conversation.workspace_id,
        "rule_id": rule.id,
        "conversation_id": conversation.id,
        "trigger": event.trigger,
        "depth": event.depth,
        "outcomes": outcomes,
        "period_at": event.period_at,
        "fired_at": done.batch.now,
    }
    done.fired.append(
        Fired(
            row,
            summary,
            event,
            conversation,
            outcomes,
            rule.id,
            conversation.workspace_id,
            entry,
        )
    )
    for trigger in caused:
        follow(done, event, rule.id, trigger)


def follow(done: Round, event: Event, rule_id: int, trigger: str) -> None:
    """The event a rule's action causes: one level deeper, in the rule's chain."""
    if event.depth < MAX_DEPTH:
        done.caused.append(
            Event(
                event.conversation_id, trigger, event.depth + 1, event.chain | {rule_id}
            )
        )


def after_commit(done: Round) -> None:
    """Deliveries, automatic assignment, the assignment's outcome, live updates."""
    for channel_id in sorted(done.batch.channels):
        enqueue_delivery(channel_id)
    if done.batch.assign_later:
        assigned = assign_now(sorted(done.batch.assign_later))
        settle_assignments(done, assigned)
    changed = set()
    for item in done.fired:
        if any(outcome in (DONE, QUEUED) for _, outcome in item.outcomes):
            changed.add((item.workspace_id, item.event.conversation_id))
    for item in done.fired:
        if not any(k in MOVES and o == DONE for k, o in item.outcomes):
            continue
        before = done.before.pop(item.conversation.id, None)
        if before is not None:  # room freed or left waiting: routing's own follow-up
            routing.after_change(item.conversation, before)
    live.publish_conversations(changed)


def assign_now(ids: list[int]) -> set[int]:
    """Routing's automatic assignment of these conversations; those it gave away."""
    given = assign_waiting([(conversation_id, False, False) for conversation_id in ids])
    return {i for gave in given.values() for i in gave}


def settle_assignments(done: Round, assigned: set[int]) -> None:
    """An automatic assignment's outcome, once routing decided; and its event."""
    announced = set()
    for item in done.fired:
        conversation_id = item.event.conversation_id
        outcomes = [
            [kind, ("done" if conversation_id in assigned else "waiting")]
            if outcome == QUEUED
            else [kind, outcome]
            for kind, outcome in item.outcomes
        ]
        if outcomes != item.outcomes:
            item.outcomes = outcomes
            db.session.execute(
                update(firings)
                .where(*(firings.c[key] == item.row[key] for key in FIRING_KEY))
                .values(outcomes=outcomes)
            )
            summary_id = done.summary_ids.get(conversation_id)
            if item.entry is not None and summary_id is not None:
                told = item.summary["details"]["firings"]
                told[item.entry] = {**told[item.entry], "outcomes": outcomes}
                db.session.execute(
                    update(messages)
                    .where(messages.c.id == summary_id)
                    .values(details=item.summary["details"])
                )
        if conversation_id in assigned and conversation_id not in announced:
            announced.add(conversation_id)
            follow(done, item.event, item.rule_id, ASSIGNED)
    db.session.commit()
