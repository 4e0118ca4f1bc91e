"""Meta's rules in the product: the 24-hour window, opt-out, pacing, read receipts.

Jobs run inline (QUEUE_IS_ASYNC is off in tests) unless a test starts a real worker;
status webhooks the emulator delivers to a receiver are relayed as they came.
"""

import threading
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from leadgate.models import (
    Contact,
    Message,
    utcnow,
)
from leadgate.outbound.pacing import reserve

from .helpers import (
    change,
    customer_writes,
    outbound,
    read,
    send_text,
    sent_at_emulator,
)


def test_outside_the_window_free_text_is_refused_with_the_reason(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    change(Message, sent_at=utcnow() - timedelta(hours=25))
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "24-Stunden-Fenster ist geschlossen" in page
    assert 'name="text"' not in page  # no composer for free text
    response = send_text(client, conversation_id)
    assert "24-Stunden-Fenster ist geschlossen" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_inside_the_window_the_composer_shows_when_it_closes(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert 'name="text"' in page and "Antwort möglich bis" in page


@pytest.mark.parametrize("field", ["opted_out_at", "restricted_at"])
def test_opted_out_or_restricted_contacts_cannot_be_messaged(
    client, emulator, channel_key, field
):
    conversation_id = customer_writes(client, emulator, channel_key)
    change(Contact, **{field: utcnow()})
    send_text(client, conversation_id)
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_channel_pacing_never_exceeds_the_rate_across_workers(app):
    """Four workers reserving at once still get slots 1/rate apart (shared in Redis)."""
    starts: list[float] = []
    lock = threading.Lock()

    def worker():
        with app.app_context():
            for _ in range(30):
                slot = reserve("leadgate:pace:channel:test", 0.01, 1, 10)
                assert slot.reserved
                with lock:
                    starts.append(slot.starts_at())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    starts.sort()
    assert len(starts) == 120
    gaps = [later - earlier for earlier, later in pairwise(starts)]
    assert min(gaps) >= 0.01 - 1e-5  # never two sends in one slot: ≤ 100 per second


def test_a_slot_too_far_ahead_is_not_taken(app):
    with app.app_context():
        first = reserve("leadgate:pace:x", 1.0, 1, 0)
        assert first.reserved
        later = reserve("leadgate:pace:x", 1.0, 1, 0.5)
        # Free one second after the first, on Redis' clock (however long the
        # machine took between the two calls).
        assert not later.reserved
        assert later.starts_at() == pytest.approx(first.starts_at() + 1.0, abs=0.001)
        assert reserve(
            "leadgate:pace:x", 1.0, 1, 2
        ).reserved  # the first refusal took nothing


def test_a_batch_takes_only_the_slots_that_start_in_time(app):
    """A batch asks for many slots; it gets those within max_wait, spaced 1/rate."""
    with app.app_context():
        batch = reserve("leadgate:pace:batch", 0.1, 1, 0.45, count=20)
        assert batch.granted == 5  # slots at 0, 0.1, 0.2, 0.3, 0.4 s
        assert [round(batch.wait(i), 2) for i in range(5)] == [0, 0.1, 0.2, 0.3, 0.4]
        after = reserve("leadgate:pace:batch", 0.1, 1, 10, count=1)
        # The next free slot follows the batch's last one by one interval, on
        # Redis' clock (not by the time that passed between the two calls: a
        # busy CI machine took 18 ms there).
        assert after.starts_at() == pytest.approx(batch.starts_at(4) + 0.1, abs=0.001)


def test_messages_to_one_person_beyond_the_burst_wait_in_the_queue(
    client, app, emulator, channel_key
):
    app.config["WHATSAPP_PAIR_BURST"] = 2
    conversation_id = customer_writes(client, emulator, channel_key)
    for text in ("eins", "zwei", "drei"):
        send_text(client, conversation_id, text)
    statuses = read(
        select(Message.status).where(Message.direction == "out").order_by(Message.id)
    )
    assert statuses == ["sent", "sent", "queued"]
    [waiting] = read(select(Message).where(Message.status == "queued"))
    assert waiting.next_attempt_at is not None and waiting.attempts == 0
    assert len(sent_at_emulator(emulator)) == 2  # Meta never saw a third: no 131056


def inbound_read_at_emulator(emulator) -> list[bool]:
    return [m["read"] for m in emulator.admin("GET", "inbound")["data"]]


def test_opening_a_conversation_sends_a_read_receipt(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    assert inbound_read_at_emulator(emulator) == [False]
    client.get(f"/inbox/{conversation_id}")
    assert inbound_read_at_emulator(emulator) == [True]


def test_read_receipts_can_be_switched_off(client, emulator, channel_key):
    response = client.post(
        "/settings/workspace", data={"name": "Muster GmbH", "send_read_receipts": ""}
    )
    assert response.status_code == 302
    conversation_id = customer_writes(client, emulator, channel_key)
    client.get(f"/inbox/{conversation_id}")
    assert inbound_read_at_emulator(emulator) == [False]


@pytest.mark.parametrize("field", ["opted_out_at", "restricted_at"])
def test_a_waiting_message_is_withheld_after_an_objection_or_restriction(
    client, emulator, channel_key, field
):
    from leadgate.outbound.reasons import WITHHELD

    from .helpers import arm, deliver

    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=503)
    send_text(client, conversation_id)
    assert outbound().status == "queued"  # waits for its retry
    change(Contact, **{field: utcnow()})
    change(Message, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert deliver() == {"withheld": 1}
    message = outbound()
    assert (message.status, message.error_title) == ("failed", WITHHELD)
    assert sent_at_emulator(emulator) == []
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Nicht gesendet: Der Kontakt hat widersprochen" in page
