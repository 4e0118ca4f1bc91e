"""Each number's real throughput: its level from Meta, the learned pace, 130429 and 131057.

The emulator enforces a number's limit in a sliding second (inbound messages
count too), reports its level, and plays an upgrade (131057, then the
phone_number_quality_update webhook). Delivery runs inline here, as a worker
would run it, until every message has left.
"""

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leadgate.channels.services import refresh_all_numbers, refresh_number
from leadgate.channels.throughput import pace_view
from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Contact,
    Conversation,
    Message,
    SendAttempt,
    utcnow,
)
from leadgate.outbound import throughput
from leadgate.outbound.delivery import deliver_due
from leadgate.outbound.service import stage
from leadgate.outbound.settle import MAX_ATTEMPTS
from leadgate.queue import redis_connection

from ..emulator_support import PHONE_ID, SECRET, TOKEN, WABA_ID, meta_error
from ..webhook_fixtures import meta_bytes
from .helpers import (
    arm,
    change,
    customer_writes,
    outbound,
    post_webhook,
    read,
    run,
    send_text,
    sent_at_emulator,
)

HELLO = {"name": "hello_world", "language": {"code": "en_US"}, "components": []}


def channel_id() -> int:
    return read(select(Channel.id))[0]


def the_channel() -> Channel:
    return read(select(Channel))[0]


def set_number(emulator, **changes) -> dict:
    return emulator.admin("POST", f"numbers/{PHONE_ID}/throughput", json=changes)


def queue_templates(app, conversations: int, each: int) -> None:
    """`each` templates to each of `conversations` contacts, queued like a campaign."""
    with app.app_context():
        channel = db.session.scalar(select(Channel))
        for n in range(conversations):
            contact = Contact(
                workspace_id=channel.workspace_id,
                wa_id=f"4915200{n:06d}",
                phone_e164=f"+4915200{n:06d}",
                attributes={},
            )
            db.session.add(contact)
            db.session.flush()
            conversation = Conversation(
                workspace_id=channel.workspace_id,
                channel_id=channel.id,
                contact_id=contact.id,
            )
            db.session.add(conversation)
            db.session.flush()
            for _ in range(each):
                stage(conversation, None, type="template", details={"template": HELLO})
        db.session.commit()


def waiting() -> int:
    return read(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "out", Message.status.in_(("queued", "sending")))
    )[0]


def deliver_all(timeout: float) -> float:
    """Run the send job as a worker would until nothing waits; the seconds it took."""
    started = time.monotonic()
    while waiting() and time.monotonic() - started < timeout:
        if not run(deliver_due, channel_id()):
            time.sleep(0.05)  # paced: the worker's delayed job would wake it
    assert waiting() == 0, "messages still waiting"
    return time.monotonic() - started


def bursts(times: list, gap: timedelta = timedelta(seconds=1)) -> list[list]:
    """Sorted times in groups, a new group after each `gap` without one."""
    groups: list[list] = []
    for at in times:
        if groups and at - groups[-1][-1] <= gap:
            groups[-1].append(at)
        else:
            groups.append([at])
    return groups


def attempts_by_outcome() -> dict[str, int]:
    rows = read(select(SendAttempt.outcome))
    return {outcome: rows.count(outcome) for outcome in set(rows)}


def test_a_number_slower_than_the_configured_rate_converges_and_fails_nothing(
    client, app, emulator, channel_key
):
    """LeadGate may send 200/s, Meta grants this number 20/s: the pace learns it."""
    app.config["WHATSAPP_RATE_PER_SECOND"] = 200
    set_number(emulator, throughput_mps=20)
    queue_templates(app, conversations=30, each=4)
    seconds = deliver_all(timeout=40)
    sent = sent_at_emulator(emulator)
    messages = read(select(Message).where(Message.direction == "out"))
    assert {m.status for m in messages} == {"sent"}
    assert [m.attempts for m in messages] == [1] * 120  # no throttle counted
    callbacks = [m["body"]["biz_opaque_callback_data"] for m in sent]
    assert sorted(callbacks) == sorted(f"lg-{m.id}" for m in messages)  # once each
    throttled = read(
        select(SendAttempt.started_at).where(SendAttempt.outcome == "throttled")
    )
    assert 0 < len(throttled) < 20  # met the limit, a few errors, no storm
    # Converged: the pace learned Meta's 20/s (not the 200 allowed, not the
    # floor), and the errors came in one learning burst plus at most two
    # bunched seconds (each costs one cut), not one per second of sending.
    # Read from the pace, not the clock: a busy CI machine sends later.
    with app.app_context():
        learned = pace_view(the_channel())
    assert learned.throttled and 10 <= learned.rate <= 20
    assert len(bursts(sorted(throttled))) <= 3
    # Still near what Meta grants (6 s at 20/s; the cut pace is 18/s, and a
    # shared CI machine is slow), far from the floor of 1/s.
    assert seconds < 12
    # Each conversation's messages left in the order they were queued.
    order = {}
    for message in sorted(messages, key=lambda m: m.id):
        order.setdefault(message.conversation_id, []).append(f"lg-{message.id}")
    by_recipient = {}
    for item in sent:
        by_recipient.setdefault(item["to"], []).append(
            item["body"]["biz_opaque_callback_data"]
        )
    assert sorted(by_recipient.values()) == sorted(order.values())
    page = client.get(f"/settings/channels/{channel_id()}").get_data(as_text=True)
    assert "gedrosselt nach Durchsatzfehler" in page


def test_a_throughput_error_never_uses_up_attempts_nor_fails(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=400, code=130429, count=MAX_ATTEMPTS)
    send_text(client, conversation_id, "Ihr Angebot")
    assert outbound().status == "queued" and outbound().attempts == 0
    deliver_all(timeout=20)
    message = outbound()
    assert (message.status, message.attempts, message.error_code) == ("sent", 1, None)
    assert attempts_by_outcome() == {"throttled": MAX_ATTEMPTS, "accepted": 1}
    assert len(sent_at_emulator(emulator)) == 1


def test_a_throughput_error_in_a_status_webhook_sends_again(
    client, emulator, channel_key
):
    """Meta accepted the send, then reported 130429: sent again, no attempt used."""
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id)
    first = outbound().wamid
    answer = emulator.admin(
        "POST",
        "statuses",
        json={"message_id": first, "status": "failed", "error_code": 130429},
    )
    post_webhook(client, channel_key, meta_bytes(answer["webhook"]))
    message = outbound()
    assert (message.status, message.wamid, message.attempts) == ("queued", None, 0)
    change(Message, Message.id == message.id, next_attempt_at=utcnow())
    deliver_all(timeout=10)
    message = outbound()
    assert message.status == "sent" and message.wamid != first
    assert message.attempts == 1


def test_131057_pauses_the_number_and_sending_resumes(
    client, app, emulator, receiver, channel_key, monkeypatch
):
    """Meta upgrades the number (131057 meanwhile), then announces HIGH by webhook.

    The pause is 5 s, not shorter: on a loaded CI machine the checks between the
    refusal and the paused run took more than 1.5 s, and the pause had ended.
    """
    monkeypatch.setattr(throughput, "PAUSE_SECONDS", 5)
    conversation_id = customer_writes(client, emulator, channel_key)
    set_number(emulator, throughput_level="HIGH", maintenance_seconds=5, webhook=True)
    send_text(client, conversation_id, "erste")
    send_text(client, conversation_id, "zweite")
    first, second = read(
        select(Message).where(Message.direction == "out").order_by(Message.id)
    )
    assert (first.status, first.attempts, second.status) == ("queued", 0, "queued")
    assert sent_at_emulator(emulator) == []
    page = client.get(f"/settings/channels/{channel_id()}").get_data(as_text=True)
    assert "pausiert, Meta stellt die Nummer um" in page
    assert run(deliver_due, channel_id()) == {}  # paused: nothing goes out
    assert attempts_by_outcome() == {"throttled": 1}
    deliver_all(timeout=20)  # after the pause
    texts = [m["body"]["text"]["body"] for m in sent_at_emulator(emulator)]
    assert texts == ["erste", "zweite"]
    assert [
        m.attempts for m in read(select(Message).where(Message.direction == "out"))
    ] == [1, 1]
    # The announcement: phone_number_quality_update, THROUGHPUT_UPGRADE.
    relay_quality_update(client, receiver, channel_key)
    channel = the_channel()
    assert (channel.throughput_level, channel.throughput_mps) == ("HIGH", 1000)


def relay_quality_update(client, receiver, key: str) -> None:
    for entry in receiver.wait_for(1, timeout=5):
        body = entry.json()
        if body["entry"][0]["changes"][0]["field"] == "phone_number_quality_update":
            post_webhook(client, key, entry.body)
            return
    raise AssertionError("no phone_number_quality_update webhook")


def test_the_level_is_read_when_a_number_is_connected(client, app, auth, emulator):
    from ..support import make_user

    with app.app_context():
        make_user("owner@example.com")
    auth.login("owner@example.com")
    response = client.post(
        "/settings/channels/new",
        data={
            "name": "Vertrieb",
            "phone_number_id": PHONE_ID,
            "waba_id": WABA_ID,
            "access_token": TOKEN,
            "app_secret": SECRET,
        },
    )
    assert response.status_code == 302
    channel = the_channel()
    assert (channel.throughput_level, channel.throughput_mps) == ("STANDARD", 80)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tempo: 76 Nachrichten/s (Meta erlaubt 80/s, Stufe STANDARD)" in page


def test_a_level_change_by_webhook_takes_effect(
    client, app, emulator, receiver, channel_key
):
    app.config["WHATSAPP_RATE_PER_SECOND"] = 1000
    run(refresh_number, channel_id())
    page = client.get(f"/settings/channels/{channel_id()}").get_data(as_text=True)
    assert "Tempo: 76 Nachrichten/s (Meta erlaubt 80/s, Stufe STANDARD)" in page
    answer = set_number(emulator, throughput_level="HIGH", webhook=True)
    post_webhook(client, channel_key, meta_bytes(answer["webhook"]))
    assert the_channel().throughput_mps == 1000
    page = client.get(f"/settings/channels/{channel_id()}").get_data(as_text=True)
    assert "Tempo: 950 Nachrichten/s (Meta erlaubt 1000/s, Stufe HIGH)" in page
    # Delivery reserves at the new pace: 950/s, not 76/s.
    with app.app_context():
        slots = throughput.channel_slots(channel_id(), 950, 10, 1.0)
    assert slots.granted == 10 and abs(slots.interval - 1 / 950) < 1e-6


def test_another_quality_update_asks_meta_for_the_level(
    client, app, emulator, channel_key
):
    """Events other than THROUGHPUT_UPGRADE name no level: LeadGate reads it."""
    run(refresh_number, channel_id())
    set_number(emulator, is_on_biz_app=True)  # now a coexistence number
    answer = emulator.admin(
        "POST",
        "events",
        json={
            "waba_id": WABA_ID,
            "field": "phone_number_quality_update",
            "value": {
                "display_phone_number": "49301234567",
                "event": "DOWNGRADE",
                "current_limit": "TIER_10K",
            },
        },
    )
    post_webhook(client, channel_key, meta_bytes(answer["webhook"]))
    channel = the_channel()
    assert (channel.throughput_level, channel.throughput_mps) == ("COEXISTENCE", 20)


def test_the_daily_read_takes_a_changed_level(client, app, emulator, channel_key):
    run(refresh_number, channel_id())
    assert the_channel().throughput_mps == 80
    set_number(emulator, is_on_biz_app=True)  # no webhook for this one
    assert run(refresh_all_numbers) == 1
    channel = the_channel()
    assert (channel.throughput_level, channel.throughput_mps) == ("COEXISTENCE", 20)
    page = client.get(f"/settings/channels/{channel_id()}").get_data(as_text=True)
    assert "Tempo: 19 Nachrichten/s (Meta erlaubt 20/s, Stufe COEXISTENCE)" in page


def test_inbound_messages_leave_room_in_the_pace(client, app, emulator, channel_key):
    """Meta counts inbound messages in the number's throughput too."""
    answers = [
        emulator.inject(**{"from": f"4915300{n:06d}", "deliver": False})
        for n in range(30)
    ]
    body = answers[0]["webhook"]
    value = body["entry"][0]["changes"][0]["value"]
    for answer in answers[1:]:  # one POST with 30 messages, as Meta may send
        other = answer["webhook"]["entry"][0]["changes"][0]["value"]
        value["messages"] += other["messages"]
        value["contacts"] += other["contacts"]
    post_webhook(client, channel_key, meta_bytes(body))
    with app.app_context():
        pace = throughput.pace_of(channel_id(), throughput.ceiling(None))
        slots = throughput.channel_slots(channel_id(), throughput.ceiling(None), 2, 1)
    assert pace.inbound == 30
    assert pace.rate == pytest.approx(80 * throughput.ARRIVAL_MARGIN - 30)
    assert slots.interval == pytest.approx(
        1 / (80 * throughput.ARRIVAL_MARGIN - 30), abs=1e-6
    )


def test_the_emulator_reports_the_level_and_counts_inbound(emulator):
    """GET /{phone-number-id}?fields=throughput as Meta answers it; inbound fills
    the same one-second window as sends."""
    answer = emulator.graph("GET", PHONE_ID, params={"fields": "throughput"})
    assert answer.json() == {"throughput": {"level": "STANDARD"}, "id": PHONE_ID}
    set_number(emulator, throughput_mps=3)
    emulator.clock(freeze=True)
    for n in range(2):
        emulator.inject(**{"from": f"4915400{n:06d}", "deliver": False})
    assert emulator.send_template(to="4915500000001").status_code == 200
    meta_error(emulator.send_template(to="4915500000002"), 130429)
    emulator.clock(advance_seconds=1)
    assert emulator.send_template(to="4915500000003").status_code == 200


def test_the_emulator_answers_131057_while_a_number_is_upgraded(emulator):
    set_number(emulator, throughput_level="HIGH", maintenance_seconds=0.5)
    meta_error(emulator.send_template(), 131057)
    time.sleep(0.6)
    emulator.wait_idle()
    assert emulator.send_template().status_code == 200
    answer = emulator.graph("GET", PHONE_ID, params={"fields": "throughput"})
    assert answer.json()["throughput"] == {"level": "HIGH"}


def test_a_refusal_at_the_known_level_cuts_a_little_a_lower_one_cuts_deep(
    app, emulator, channel_key
):
    """Meta's window held 80 of a number at 80/s: arrivals bunched, the limit is
    the one we know, the pace drops 3 %. It held 40: Meta grants less, 10 % below."""
    with app.app_context():
        ceiling = throughput.ceiling(None)  # 80/s less the arrival margin: 76
        connection = redis_connection()
        for seen, expected in ((80, 0.97 * ceiling), (40, 0.9 * 40)):
            for key in (throughput.LEARNED, throughput.SENT, throughput.TAT):
                connection.delete(key.format(channel_id()))
            meter = throughput.Meter(channel_id(), ceiling, reserved_at=0.0)
            for _ in range(seen):  # what Meta's window held: our accepted sends
                meter.accepted()
            meter.refused(throughput.THROUGHPUT_REACHED)
            pace = throughput.pace_of(channel_id(), ceiling)
            assert pace.throttled
            assert pace.rate == pytest.approx(expected, abs=0.5), seen
