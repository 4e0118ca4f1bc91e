"""Helpers for the operations tests: a connected number, signed webhooks, metrics."""

import time

from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.metrics import REGISTRY
from leadgate.queue import QUEUE_NAMES, AppWorker, redis_connection

from .support import make_user, workspace_of
from .webhook_fixtures import meta_bytes, sign

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
APP_SECRET = "ops-app-secret"
OWNER = "owner@example.com"


def connect_number(app) -> dict:
    """An owner with one connected number; its id and webhook key."""
    with app.app_context():
        channel = create_channel(
            workspace_of(make_user(OWNER)),
            name="Vertrieb",
            phone_number_id=PHONE_NUMBER_ID,
            waba_id=WABA_ID,
            access_token="token",
            app_secret=APP_SECRET,
        )
        db.session.commit()
        return {"id": channel.id, "key": channel.key}


def text_webhook(wamid: str, text: str, wa_id: str = "4915112345678") -> bytes:
    """An inbound text as Meta posts it."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "15550783881",
            "phone_number_id": PHONE_NUMBER_ID,
        },
        "contacts": [{"profile": {"name": "Erika Mustermann"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": wamid,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    return meta_bytes(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}
            ],
        }
    )


def post_webhook(client, key: str, body: bytes, secret: str = APP_SECRET):
    return client.post(
        f"/webhooks/whatsapp/{key}",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, secret),
        },
        csrf=False,
    )


def sample(name: str, **labels) -> float:
    """A metric's current value in this process (0 before its first count)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(text: str) -> dict[tuple[str, tuple], float]:
    """Parse a /metrics answer: {(sample name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def run_worker(app) -> None:
    """The project's RQ worker in this thread, until the queues are empty."""
    connection = redis_connection(app)
    worker = AppWorker(
        [Queue(name, connection=connection) for name in QUEUE_NAMES],
        connection=connection,
    )
    worker.app = app
    worker.work(burst=True)
