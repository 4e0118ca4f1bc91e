"""Meta's per-user marketing limit (131049): held back, not failed, resent later.

Meta does not deliver a marketing template to a person who got too many from
businesses lately, and asks not to retry within a day. LeadGate keeps such a
message apart (`limited`), never retries it on its own, and offers the resend.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.models import Message, SendAttempt, as_utc, utcnow
from leadgate.outbound.recovery import sweep_outbound

from ..emulator_support import CUSTOMER
from .helpers import (
    arm,
    change,
    close_window,
    customer_writes,
    deliver,
    read,
    relay,
    run,
    sync,
)
from .meta_changes import (
    OFFER,
    queue_template,
    send_template,
    template_message,
    templates_sent,
)

LIMITED = "von Meta begrenzt (Marketing-Limit)"


def assert_limited(conversation_id: int, client) -> Message:
    message = template_message()
    assert (message.status, message.error_code) == ("limited", 131049)
    # Meta: not again within a day; the thread says from when a resend makes sense.
    wait = as_utc(message.next_attempt_at) - utcnow()
    assert timedelta(hours=23) < wait <= timedelta(hours=24)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert LIMITED in page and "Erneut senden" in page
    assert "fehlgeschlagen" not in page and 'role="alert"' not in page
    return message


def test_a_marketing_limit_reported_by_webhook_is_kept_apart_and_resent_later(
    client, emulator, receiver, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    emulator.admin(
        "PATCH", "settings", json={"MARKETING_LIMITED_RECIPIENTS": [f"+{CUSTOMER}"]}
    )
    send_template(client, conversation_id, OFFER)
    [first] = templates_sent(emulator)
    assert template_message().status == "sent"
    relay(client, receiver, channel_key, 1)  # failed, 131049
    message = assert_limited(conversation_id, client)
    [attempt] = read(select(SendAttempt))
    assert (attempt.outcome, attempt.wamid, attempt.error_code) == (
        "limited",
        first["id"],
        131049,
    )
    # No automatic retry: not by the send job, not by the sweeper.
    assert deliver() == {}
    change(Message, Message.id == message.id, sent_at=utcnow() - timedelta(hours=2))
    assert run(sweep_outbound) == {"requeued": 0, "unconfirmed": 0, "given_back": 0}
    assert template_message().status == "limited" and len(templates_sent(emulator)) == 1
    # A day later Meta lets it through: "Erneut senden" works for it.
    emulator.admin("PATCH", "settings", json={"MARKETING_LIMITED_RECIPIENTS": []})
    response = client.post(f"/inbox/messages/{message.id}/resend")
    assert response.status_code == 303
    message = template_message()
    second = templates_sent(emulator)[1]
    assert (message.status, message.wamid, message.error_code) == (
        "sent",
        second["id"],
        None,
    )
    attempts = read(select(SendAttempt).order_by(SendAttempt.number))
    assert [(a.outcome, a.manual) for a in attempts] == [
        ("limited", False),
        ("accepted", True),
    ]


def test_a_marketing_limit_in_the_send_answer_is_no_failure(
    client, app, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    queue_template(client, app, conversation_id, OFFER)
    arm(emulator, kind="graph_error", status=400, code=131049)
    assert deliver() == {"limited": 1}  # the job's outcomes: no "failed"
    assert_limited(conversation_id, client)
    assert templates_sent(emulator) == []


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_the_emulator_limits_a_share_of_marketing_recipients(
    client, emulator, receiver, channel_key, share
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    emulator.admin("PATCH", "settings", json={"MARKETING_LIMIT_SHARE": share})
    send_template(client, conversation_id, OFFER)
    emulator.wait_idle()
    statuses = receiver.statuses()
    if share:
        [failed] = statuses
        assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131049
    else:
        assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
