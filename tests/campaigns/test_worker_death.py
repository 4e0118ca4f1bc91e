"""A campaign survives a worker SIGKILLed mid-send and a Redis restart: nobody lost, nobody twice.

Needs Redis and `leadgate worker` processes, so it runs in CI (REDIS_URL set).
The Redis restart is a FLUSHDB of the test's Redis database: every queued and
scheduled job, the feed chain's mark and the pacing state are gone, as after a
restart without persistence. The cron sweeps (run here by hand) bring it back.
"""

import os
import signal
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.campaigns.launch import sweep_campaigns
from leadgate.models import Message, SendAttempt, utcnow
from leadgate.outbound.recovery import sweep_outbound
from leadgate.queue import redis_connection

from .. import processes
from ..outbound.helpers import change, post_webhook, read, run, sent_at_emulator
from ..outbound.meta_changes import OFFER
from ..outbound.test_worker_death import start_worker, wait_for
from .helpers import campaign, create, launch, people, recipients

COUNT = 60
CROWD = [{"name": f"Gast {n}", "number": f"+4917020{n:05d}"} for n in range(COUNT)]


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a real Redis and worker (CI)"
)
def test_a_killed_worker_and_a_lost_redis_lose_nobody_and_send_nobody_twice(
    client, app, emulator, receiver, channel_key, database_url
):
    app.config["WHATSAPP_RATE_PER_SECOND"] = 20  # three seconds of sending
    label = people(app, CROWD)
    campaign_id = create(client, label, OFFER, **{"src-BODY:1": "first_name"})
    # Meta answers slowly: the worker is inside a send call when it dies.
    emulator.admin(
        "POST",
        "faults",
        json={"kind": "graph_delay", "delay": 0.3, "match": "/messages"},
    )
    app.config["QUEUE_IS_ASYNC"] = True  # jobs go to Redis for the real workers
    assert launch(client, campaign_id).status_code == 303
    worker = start_worker(app, database_url)
    try:
        wait_for(lambda: len(sent_at_emulator(emulator)) >= 10)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        processes.stop(worker, timeout=0)
    with app.app_context():
        redis_connection().flushdb()  # Redis restarted: every job and mark gone
    worker = start_worker(app, database_url)
    try:
        # What rq cron runs every 15 and 30 s: lost feeds and lost sends come back,
        # and the dead worker's claims that never left are given back (a queued
        # message counts as lost after half a minute, a claim never let go after
        # a minute: the time passes here).
        change(
            Message,
            Message.status == "queued",
            sent_at=utcnow() - timedelta(minutes=1),
        )
        change(
            SendAttempt,
            SendAttempt.outcome.is_(None),
            SendAttempt.requested_at.is_(None),
            started_at=utcnow() - timedelta(minutes=2),
        )
        run(sweep_campaigns)
        given_back = run(sweep_outbound)["given_back"]
        wait_for(lambda: campaign(campaign_id).state == "finished", timeout=60)
        wait_for(lambda: not waiting_messages(), timeout=60)
    finally:
        processes.stop(worker)
    app.config["QUEUE_IS_ASYNC"] = False
    # Sends cut off by the kill got no answer: Meta's status webhooks tell which
    # arrived (our message id rides along).
    emulator.wait_idle()
    for entry in list(receiver.received):
        post_webhook(client, channel_key, entry.body)
    change(
        Message,
        Message.status == "sending",
        sending_since=utcnow() - timedelta(minutes=10),
    )
    run(sweep_outbound)  # five minutes without a word: "unconfirmed", for the agent
    sent = sent_at_emulator(emulator)
    per_number = Counter(item["to"] for item in sent)
    assert max(per_number.values()) == 1  # nobody twice
    rows = recipients(campaign_id)
    assert {r.state for r in rows} == {"queued"} and len(rows) == COUNT
    messages = read(select(Message).where(Message.direction == "out"))
    assert len(messages) == COUNT  # one message per recipient, none lost …
    accepted = {m.wamid for m in messages if m.wamid}
    assert accepted == {item["id"] for item in sent}
    unconfirmed = [m for m in messages if not m.wamid]
    # … and each one either reached Meta or waits, marked, for the agent's decision.
    assert all(
        (m.status, m.error_title) == ("failed", "unconfirmed") for m in unconfirmed
    )
    assert len(accepted) + len(unconfirmed) == COUNT
    # In doubt is only what was in the air: at most a wave (a quarter second of
    # slots, 5 messages at 20/s) of each of the two jobs a number's batch may run.
    print(
        "accepted",
        len(accepted),
        "unconfirmed",
        len(unconfirmed),
        "given back",
        given_back,
    )
    assert len(unconfirmed) <= 10, (len(unconfirmed), given_back)


def waiting_messages() -> list:
    return read(
        select(Message.id).where(
            Message.direction == "out", Message.status.in_(("queued",))
        )
    )
