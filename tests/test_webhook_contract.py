"""One HTTP contract for webhook POSTs (webhooks/contract.py): both intake paths
answer alike, the key cache expires, the writer stores the model's defaults."""

import time

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import WebhookEvent
from leadgate.webhooks import contract
from leadgate.webhooks.contract import KeyCache, keys_cache
from leadgate.webhooks.writer import WebhookWriter

from .test_webhooks import APP_SECRET, channel, post  # noqa: F401 (fixture)
from .webhook_fixtures import payload_bytes, sign

CASES = {
    "stored": dict(body=payload_bytes("text")),
    "wrong signature": dict(body=payload_bytes("text"), signature="sha256=" + "0" * 64),
    "no signature": dict(body=payload_bytes("text"), signature=False),
    "not JSON": dict(body=b"{not json"),
    "not WhatsApp": dict(body=b'{"object": "page", "entry": []}'),
    "too large": dict(body=payload_bytes("text") + b" " * 2000),
}


def answer_of(client, channel, case: dict, fast: bool):  # noqa: F811
    """POST through the Flask view (keys not cached) or the fast path (cached)."""
    if fast:
        post(client, channel, payload_bytes("location"))  # caches the keys
        assert keys_cache.get(channel["key"]) is not None
    else:
        keys_cache.clear()
    response = post(client, channel, case["body"], signature=case.get("signature"))
    headers = {
        name: response.headers.get(name) for name in ("Content-Type", "Retry-After")
    }
    if response.status_code == 200:
        headers.pop("Content-Type")  # Flask adds its default type to an empty 200
    return response.status_code, response.get_data(), headers


@pytest.mark.parametrize("name", list(CASES))
def test_both_intake_paths_give_the_same_answer(client, app, channel, name):  # noqa: F811
    app.config["MAX_CONTENT_LENGTH"] = 1500
    view = answer_of(client, channel, CASES[name], fast=False)
    fast = answer_of(client, channel, CASES[name], fast=True)
    assert view == fast
    expected = {
        "stored": 200,
        "wrong signature": 401,
        "no signature": 401,
        "not JSON": 400,
        "not WhatsApp": 400,
        "too large": 413,
    }[name]
    assert view[0] == expected


def test_a_body_that_cannot_be_stored_gets_503_and_the_keys_are_forgotten():
    body = payload_bytes("text")
    keys = keys_cache.put("some-channel-key", 7, "verify", APP_SECRET)

    def store(channel_id: int, body: bytes) -> None:
        raise TimeoutError("webhook not stored in time")  # as WebhookWriter.store

    answer = contract.accept(
        "some-channel-key", keys, body, sign(body, APP_SECRET), store
    )
    assert answer.status == 503 and ("Retry-After", "5") in answer.headers
    assert keys_cache.get("some-channel-key") is None


def test_cached_keys_expire_and_can_be_forgotten():
    cache = KeyCache(seconds=0.2)
    cache.put("a", 1, "verify-a", "secret-a")
    cache.put("b", 2, "verify-b", "secret-b")
    assert cache.get("a").app_secret == "secret-a"
    cache.forget("a")
    assert cache.get("a") is None and cache.get("b").id == 2
    time.sleep(0.25)
    assert cache.get("b") is None


def test_the_writer_stores_every_default_of_the_model(app, channel):  # noqa: F811
    """The writer's batch INSERT (PostgreSQL: built from the table's metadata)
    gives each column the default an ORM insert gives it."""
    with app.app_context():
        writer = WebhookWriter(db.engine)
        try:
            writer.store(channel["id"], b"{}")
        finally:
            writer.stop()
        stored = db.session.scalar(select(WebhookEvent))
        for column in WebhookEvent.__table__.columns:
            default = column.default
            if default is not None and default.is_scalar:
                assert getattr(stored, column.name) == default.arg, column.name
        assert stored.received_at is not None and stored.processed_at is None
        assert (stored.state, stored.attempts, stored.failures) == ("pending", 0, 0)
