"""After a drain committed: contacts wrote, so conversations get an agent, a reply, rules.

The drain (webhooks/ingest.py) collects, per conversation a contact wrote to,
its newest new message and whether the message opened or reopened it, and
starts one `after_inbound` job per batch (ids only). Assignment comes first, so
an automatic reply and later rules see the conversation's agent; the rules
come last, so they see both (and a rule's "keine automatischen Antworten"
holds from the contact's next message on).
"""

from dataclasses import dataclass

from ..hours.replies import answer_arrivals
from ..models.rules import (
    ASSIGNED,
    CONVERSATION_OPENED,
    MESSAGE_RECEIVED,
    STATE_CHANGED,
)
from ..reports import facts as report_facts
from ..routing.assignment import assign_waiting
from ..sla.clock import start_clocks
from . import engine, triggers


@dataclass(frozen=True)
class Arrival:
    conversation_id: int
    message_id: int  # the newest message of the batch in that conversation
    opened: bool  # the message opened the conversation (its number's first)
    reopened: bool  # the conversation was resolved or snoozed before
    first_id: int  # the oldest new message of the batch in that conversation
    first_contact: bool | None  # no message of the contact's before (None: unknown)


def after_inbound(arrivals: list[list[int]]) -> None:
    """The job: [conversation id, message id, opened, reopened, first message id,
    first contact] (jobs queued by an older version carry four or five)."""
    items = [
        Arrival(
            c,
            m,
            bool(o),
            bool(r),
            rest[0] if rest else m,
            bool(rest[1]) if len(rest) > 1 else None,
        )
        for c, m, o, r, *rest in arrivals
    ]
    ids = [a.conversation_id for a in items]
    report_facts.conversations_opened(
        [
            (a.conversation_id, a.first_id, a.opened, a.reopened, a.first_contact)
            for a in items
        ]
    )
    given = assign_waiting([(a.conversation_id, a.opened, a.reopened) for a in items])
    answer_arrivals([(a.conversation_id, a.message_id, a.opened) for a in items])
    start_clocks(ids)  # after the automatic replies, which are no person's answer
    watched = triggers.rule_triggers(ids)
    if watched.triggers:
        assigned = {i for gave in given.values() for i in gave}
        engine.run(arrival_events(items, watched, assigned))


def arrival_events(
    items: list[Arrival], watched: "triggers.Watched", assigned: set[int]
) -> list:
    """What each arrival means to the rules, in the order a person would tell it.

    assigned: the conversations this job gave to an agent (only this job's: one
    another job gave meanwhile is that job's to tell).
    """
    events = []
    for a in items:
        if a.conversation_id not in watched.conversations:
            continue
        news = [CONVERSATION_OPENED] if a.opened or a.reopened else []
        news += [STATE_CHANGED] if a.reopened else []
        news += [MESSAGE_RECEIVED]
        news += [ASSIGNED] if a.conversation_id in assigned else []
        events += [
            engine.Event(
                a.conversation_id,
                trigger,
                messages=(a.first_id, a.message_id),
                first_contact=a.first_contact,
            )
            for trigger in news
            if trigger in watched.triggers
        ]
    return events
