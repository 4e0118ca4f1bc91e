"""Helpers of the inbound tests (issue 13): post sample payloads, read rows back."""

from sqlalchemy import func, select

from leadgate.extensions import db

from .inbox_support import PAYLOAD_APP_SECRET
from .webhook_fixtures import load_payload, meta_bytes, sign


def post(client, key: str, body: bytes, secret: str = PAYLOAD_APP_SECRET):
    """POST a signed webhook body as Meta would; return the response."""
    return client.post(
        f"/webhooks/whatsapp/{key}",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, secret),
        },
        csrf=False,
    )


def deliver(client, key: str, payload: str | dict) -> None:
    """Deliver a stored payload (by name) or a changed copy of one; expect 200."""
    body = meta_bytes(load_payload(payload) if isinstance(payload, str) else payload)
    response = post(client, key, body)
    assert response.status_code == 200, response.get_data(as_text=True)


def first_item(payload: dict, kind: str) -> dict:
    """The first messages[]/statuses[]/calls[]/… item of a payload (to change it)."""
    return payload["entry"][0]["changes"][0]["value"][kind][0]


def rows(app, statement) -> list:
    """Fresh rows (or values), detached from their session."""
    with app.app_context():
        found = db.session.scalars(statement).all()
        db.session.expunge_all()
        return found


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))
