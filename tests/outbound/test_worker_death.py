"""A real `leadgate worker` killed inside the send call: the message still goes out once.

Needs Redis and a worker process, so it runs in CI (REDIS_URL set).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from leadgate.models import (
    Message,
)

from .. import processes
from .helpers import (
    customer_writes,
    outbound,
    read,
    relay,
    send_text,
    sent_at_emulator,
)


def start_worker(app, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "WHATSAPP_GRAPH_URL": app.config["WHATSAPP_GRAPH_URL"],
        "WHATSAPP_TIMEOUT_SECONDS": "10",
        "WHATSAPP_RATE_PER_SECOND": str(app.config["WHATSAPP_RATE_PER_SECOND"]),
    }
    return processes.start(
        [Path(sys.executable).parent / "leadgate", "worker", "--queue", "default"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a real Redis and worker (CI)"
)
def test_a_worker_killed_during_the_call_never_causes_a_second_send(
    client, app, emulator, receiver, channel_key, database_url
):
    conversation_id = customer_writes(client, emulator, channel_key)
    # Meta answers slowly: the worker will be inside the HTTP call when it dies.
    emulator.admin(
        "POST",
        "faults",
        json={"kind": "graph_delay", "delay": 2.0, "match": "/messages"},
    )
    app.config["QUEUE_IS_ASYNC"] = True  # the job goes to Redis for the real worker
    send_text(client, conversation_id, "Ihr Angebot kommt heute.")
    worker = start_worker(app, database_url)
    try:
        wait_for(lambda: outbound().status == "sending")
        time.sleep(0.3)  # the request is out
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        processes.stop(worker, timeout=0)  # already killed, or stuck: at once
    app.config["QUEUE_IS_ASYNC"] = False
    # Meta accepted it after all; its status webhooks name our message.
    wait_for(lambda: len(sent_at_emulator(emulator)) == 1)
    relay(client, receiver, channel_key, 3)
    message = outbound()
    [sent] = sent_at_emulator(emulator)
    assert message.wamid == sent["id"] and message.status == "read"
    # A new worker finds nothing to send: the message is not queued any more.
    worker = start_worker(app, database_url)
    try:
        time.sleep(1.5)
    finally:
        processes.stop(worker)
    assert len(sent_at_emulator(emulator)) == 1
    assert read(select(Message.attempts).where(Message.direction == "out")) == [1]
