"""No personal data in the logs: a realistic day, with every logger at DEBUG.

Sign-up, login, a password reset and an invite mail, inbound webhooks from the
emulator (names, numbers, texts, a photo, a CV), an agent's reply sent to the
emulator over HTTP with its status webhooks, a contact import and an export.
A real RQ worker runs the jobs, so RQ's own lines (`func(args)` at INFO, failed
jobs with their arguments) are captured with everything else.
"""

import io
import logging
import re
import time

import pytest
from rq import Queue
from sqlalchemy import func, select

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import Conversation, Message, User, WebhookEvent
from leadgate.queue import QUEUE_NAMES, AppWorker, redis_connection

from .emulator_support import (
    PHONE_ID,
    SECRET,
    TOKEN,
    WABA_ID,
    EmulatorHarness,
    WebhookReceiver,
    emulator_config,
)
from .support import PASSWORD, workspace_of
from .webhook_fixtures import meta_bytes, sign

OWNER = ("Regina Registrantin", "regina.privat@example.com")
INVITEE = "ines.eingeladen@example.com"
CUSTOMER = ("Karla Kundin-Privat", "4915187654321")
CUSTOMER_TEXT = "Bitte rufen Sie mich wegen Sonnenblume an"
CAPTION = "Foto vom Balkon Kornblume"
CV_NAME = "Lebenslauf Kundin-Privat.pdf"
REPLY = "Gern rufe ich Sie morgen an Vergissmeinnicht"
CSV = (
    "Telefon;Name;E-Mail\n"
    "+49 170 2000001;Theo Tabellarisch;theo.tabelle@example.com\n"
    "0170 2000002;Paula Papierliste;paula.papier@example.com\n"
    "kaputt;Ulla Ungültig;ulla.ungueltig@example.com\n"
)
MAPPING = {"column_0": "phone", "column_1": "name", "column_2": "email"}
RQ_LOGGERS = ("rq", "rq.worker", "rq.job", "rq.queue", "rq.registry", "rq.scheduler")


def phone_forms(e164: str) -> list[str]:
    """E.164, digits only, and the national form (a German number)."""
    digits = e164.lstrip("+")
    return [f"+{digits}", digits, "0" + digits.removeprefix("49")]


PERSONAL = [
    *OWNER,
    INVITEE,
    *CUSTOMER,
    "Registrantin",
    "Kundin-Privat",
    CUSTOMER_TEXT,
    "Sonnenblume",
    "Kornblume",
    "Vergissmeinnicht",
    "Theo Tabellarisch",
    "Paula Papierliste",
    "Ulla Ungültig",
    "theo.tabelle@example.com",
    "paula.papier@example.com",
    "ulla.ungueltig@example.com",
    *phone_forms(CUSTOMER[1]),
    *phone_forms("491702000001"),
    *phone_forms("491702000002"),
    "+49 170 2000001",
    "0170 2000002",
    PASSWORD,
    TOKEN,
    SECRET,
]


@pytest.fixture
def every_logger_at_debug(caplog, monkeypatch):
    """The root logger and RQ's at DEBUG; every record reaches caplog.

    Loggers without a level of their own follow the root. SQLAlchemy's engine
    keeps its own WARNING: its echo is the database's debug dump (rows at
    DEBUG), switched on only on purpose; hide_parameters keeps values out of
    its INFO lines and error messages.
    """
    caplog.set_level(logging.DEBUG)
    for name in RQ_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
        # RQ stops propagating when it installs its own handlers.
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            # Alembic's fileConfig() disables loggers that existed before it ran.
            monkeypatch.setattr(logger, "disabled", False)
    return caplog


@pytest.fixture
def meta(app):
    """The emulator as Meta, and a receiver catching the webhooks it sends."""
    receiver = WebhookReceiver()
    emulator = EmulatorHarness(emulator_config(receiver.url))
    app.config["WHATSAPP_GRAPH_URL"] = f"{emulator.url}/v25.0"
    yield emulator, receiver
    emulator.stop()
    receiver.stop()


def run_jobs(app) -> None:
    """A real RQ worker runs every queued job, and what those jobs queue."""
    connection = redis_connection(app)
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    for _ in range(50):
        worker = AppWorker(queues, connection=connection)
        worker.app = app
        worker.work(burst=True, logging_level="DEBUG")
        with app.app_context():
            pending = db.session.scalar(
                select(func.count()).where(WebhookEvent.state == "pending")
            )
        if not pending and not any(queue.count for queue in queues):
            return
        time.sleep(0.05)
    raise AssertionError("jobs did not settle")


def link(outbox, path: str) -> tuple[str, str]:
    """The path and the token of the link to `path` in the last mail."""
    found = re.search(rf"http://localhost({path}(\S+))", outbox[-1].get_content())
    return found.group(1), found.group(2)


def post_webhook(client, key: str, body: bytes) -> None:
    response = client.post(
        f"/webhooks/whatsapp/{key}",
        data=body,
        csrf=False,
        headers={"X-Hub-Signature-256": sign(body, SECRET)},
        content_type="application/json",
    )
    assert response.status_code == 200


def sign_up_and_log_in(app, client, outbox) -> list[str]:
    name, email = OWNER
    client.post(
        "/register",
        data={"name": name, "email": email, "password": PASSWORD, "workspace_name": ""},
    )
    run_jobs(app)
    confirm, confirm_token = link(outbox, "/register/confirm/")
    assert client.post(confirm).location == "/inbox"
    client.post("/logout")
    client.post("/password-reset", data={"email": email})
    run_jobs(app)
    reset_token = link(outbox, "/password-reset/")[1]
    assert client.post("/login", data={"email": email, "password": PASSWORD}).location
    team = client.post(
        "/settings/members/invite", data={"email": INVITEE, "role": "agent"}
    )
    invite_token = re.search(r"/invite/([\w-]+)", team.get_data(as_text=True))[1]
    run_jobs(app)
    assert outbox[-1]["To"] == INVITEE
    return [confirm_token, reset_token, invite_token]


def connect_number(app) -> str:
    with app.app_context():
        owner = db.session.scalar(select(User))
        channel = create_channel(
            workspace_of(owner),
            name="Vertrieb",
            phone_number_id=PHONE_ID,
            waba_id=WABA_ID,
            access_token=TOKEN,
            app_secret=SECRET,
        )
        db.session.commit()
        return channel.key


def customer_writes(client, emulator, key: str) -> list[str]:
    """Text, photo and CV from the customer, signed, through the webhook URL."""
    name, number = CUSTOMER
    wamids = []
    for params in (
        {"text": CUSTOMER_TEXT},
        {"type": "image", "caption": CAPTION},
        {"type": "document", "filename": CV_NAME, "mime_type": "application/pdf"},
    ):
        answer = emulator.inject(
            **{"from": number, "name": name, "deliver": False, **params}
        )
        webhook = answer["webhook"]
        wamids.append(webhook["entry"][0]["changes"][0]["value"]["messages"][0]["id"])
        post_webhook(client, key, meta_bytes(webhook))
    return wamids


def agent_replies(app, client, receiver, key: str) -> list[str]:
    with app.app_context():
        conversation_id = db.session.scalar(select(Conversation.id))
    assert client.get(f"/inbox/{conversation_id}").status_code == 200  # read receipt
    response = client.post(f"/inbox/{conversation_id}/messages", data={"text": REPLY})
    assert response.status_code < 400
    run_jobs(app)
    for entry in receiver.wait_for(3):  # sent, delivered, read
        post_webhook(client, key, entry.body)
    run_jobs(app)
    with app.app_context():
        reply = db.session.scalar(select(Message).where(Message.direction == "out"))
        assert reply.status == "read"
        stored = db.session.scalars(
            select(Message.media_state).where(Message.media_id.is_not(None))
        ).all()
        assert stored == ["stored", "stored"]
        return [reply.wamid]


def import_and_export(client) -> None:
    upload = client.post(
        "/contacts/import",
        data={"file": (io.BytesIO(CSV.encode("utf-8-sig")), "kontakte.csv")},
        content_type="multipart/form-data",
    )
    import_url = upload.location
    assert client.post(import_url, data=MAPPING).status_code == 303
    assert client.post(f"{import_url}/run").status_code == 303
    assert "Ulla" in client.get(f"{import_url}/invalid.csv").get_data(as_text=True)
    exported = client.get("/contacts/export.csv").get_data(as_text=True)
    assert "Theo Tabellarisch" in exported and CUSTOMER[0] in exported


def logged_text(record: logging.LogRecord) -> str:
    """Everything a handler could write: message, arguments, extras, traceback."""
    formatted = logging.Formatter().format(record)
    return f"{formatted}\n{vars(record)!r}"


def test_no_personal_data_or_secret_reaches_any_log(
    app, client, outbox, meta, every_logger_at_debug
):
    app.config["QUEUE_IS_ASYNC"] = True  # jobs go through Redis and a worker
    emulator, receiver = meta
    tokens = sign_up_and_log_in(app, client, outbox)
    key = connect_number(app)
    wamids = customer_writes(client, emulator, key)
    run_jobs(app)
    wamids += agent_replies(app, client, receiver, key)
    import_and_export(client)

    records = every_logger_at_debug.records
    logged = [logged_text(record) for record in records]
    # The capture works: RQ's job lines and our own lines are in it.
    assert any("leadgate.auth.mails.send_password_reset(" in line for line in logged)
    assert any("Read receipt sent on channel" in line for line in logged)
    forbidden = [*PERSONAL, *tokens, *wamids, key]
    leaks = [
        (secret, record.name, record.getMessage()[:200])
        for secret in forbidden
        for record, line in zip(records, logged, strict=True)
        if secret in line
    ]
    assert leaks == []
