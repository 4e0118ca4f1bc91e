"""Concurrent drains and a closing agent, on PostgreSQL: exact outcomes, no overbooking.

Each worker runs in a thread with its own app context, so its own session and
database connection: real concurrent transactions, started together by a
barrier. Whatever the interleaving, the lock (assignment.lock_workspace) must
leave exactly the outcome a serial run would.
"""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from leadgate.extensions import db
from leadgate.inbox import team as inbox_team
from leadgate.models import Conversation, Message, User
from leadgate.routing.assignment import after_release, assign_waiting, fill_backlogs

from .support import add_waiting, make_setup, open_load


def in_parallel(app, *work):
    """Run each callable in its own thread and app context, all at once."""
    start = Barrier(len(work))

    def run(job):
        with app.app_context():
            start.wait(timeout=30)
            return job()

    with ThreadPoolExecutor(len(work)) as pool:
        futures = [pool.submit(run, job) for job in work]
        return [future.result(timeout=120) for future in futures]


def automatic_assignments(app, ids) -> Counter:
    """How many "assigned automatically" events each conversation got."""
    with app.app_context():
        details = db.session.scalars(
            select(Message.details).where(
                Message.conversation_id.in_(ids), Message.direction == "event"
            )
        ).all()
        return Counter(d["kind"] for d in details if d.get("automatic"))


@pytest.fixture
def postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("row and advisory locks: PostgreSQL")


@pytest.mark.parametrize("mode", ["round_robin", "balanced"])
@pytest.mark.parametrize("attempt", range(3))
def test_drains_and_a_closing_agent_at_once_never_overbook_nor_assign_twice(
    app, postgres_only, mode, attempt
):
    setup = make_setup(app, agents=3, mode=mode, capacity=2)
    a1, a2, a3 = setup.agents
    held = add_waiting(app, setup, 2, assignee_id=a1)  # a1 is full
    waiting = add_waiting(app, setup, 10)
    arrivals = [(i, True, False) for i in waiting]
    # Each drain its own contacts (as senders.py shares them out), the last
    # one all of them again: both the capacity and the rows are contested.
    batches = [arrivals[0:3], arrivals[3:6], arrivals[6:10], arrivals]

    def drain(batch):
        return lambda: assign_waiting(random.sample(batch, len(batch)))

    def close():
        """The inbox's resolve and the job it starts, as one agent's request."""
        agent = db.session.get(User, a1)
        inbox_team.set_state(db.session.get(Conversation, held[0]), agent, "resolved")
        after_release(setup.workspace_id, a1, None)

    in_parallel(app, *[drain(batch) for batch in batches], close, fill_backlogs)
    assert [open_load(app, a) for a in setup.agents] == [2, 2, 2]
    with app.app_context():
        given = db.session.execute(
            select(Conversation.assignee_id, func.count())
            .where(Conversation.id.in_(waiting), Conversation.assignee_id.is_not(None))
            .group_by(Conversation.assignee_id)
        ).all()
    assert dict(given) == {a1: 1, a2: 2, a3: 2}
    events = automatic_assignments(app, waiting)
    assert events == Counter({"assigned": 5})


def test_one_conversation_in_many_drains_at_once_is_assigned_once(app, postgres_only):
    setup = make_setup(app, agents=3, capacity=5)
    waiting = add_waiting(app, setup, 1)

    def drain():
        assign_waiting([(waiting[0], True, False)])

    in_parallel(app, *[drain] * 6)
    assert automatic_assignments(app, waiting) == Counter({"assigned": 1})
    assert sum(open_load(app, a) for a in setup.agents) == 1
