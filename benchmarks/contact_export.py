"""Benchmark: exporting a contact with 10,000 messages (target: under 3 s).

Seeds one contact with 10,000 messages in two conversations (texts both ways,
replies, every 50th a picture or PDF with a small real file in a temporary
MEDIA_DIR, outbound reactions), 300 notes and events, the contact's reactions,
three delivery statuses per outbound message, and 5 other contacts with 2,000
messages each so the queries have to pick. Then it builds the export through
the code the route calls and prints each step's seconds:

  document   contact.json as a dict (privacy/export/contact.py)
  zip        document + contact.json, messages.csv and the media in the ZIP
  http       the whole route (POST /contacts/<id>/export) with the test client

The target holds for the slowest of three runs of zip and of http.

    .venv/bin/python benchmarks/contact_export.py [--messages 10000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/contact_export.py

Without DATABASE_URL it uses a temporary SQLite file. With a PostgreSQL URL it
uses that server but a database of its own (leadgate_bench_export, dropped and
created anew); the schema comes from running the migrations.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TARGET_SECONDS = 3.0
RUNS = 3
BENCH_DB = "leadgate_bench_export"
PASSWORD = "bench password 123"
WORDS = [
    "Angebot", "Termin", "Bewerbung", "Rückruf", "Preis", "Rabatt", "Stelle", "Gehalt",
    "Probefahrt", "Besichtigung", "Lieferung", "Vertrag", "Frage", "Größe", "Übergabe",
]  # fmt: skip


# Every row of a bulk insert needs the same keys.
BLANK = dict.fromkeys(
    (
        "wamid", "text", "caption", "reply_to_wamid", "media_mime_type", "media_filename",
        "media_sha256", "media_size", "media_state", "author_id",
    )
)  # fmt: skip


def database_url() -> str:
    """The URL to benchmark against, after preparing an empty database there."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='leadgate-bench-')}/export.sqlite3"
    import psycopg

    server = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    return f"{server.replace('postgresql://', 'postgresql+psycopg://', 1)}/{BENCH_DB}"


def message_row(conversation, n: int, at: datetime, rng: random.Random) -> dict:
    direction = "out" if n % 2 else "in"
    row = {
        **BLANK,
        "workspace_id": conversation.workspace_id,
        "channel_id": conversation.channel_id,
        "conversation_id": conversation.id,
        "contact_id": conversation.contact_id,
        "direction": direction,
        "wamid": f"wamid.{conversation.id}.{n}",
        "type": "text",
        "text": " ".join(rng.choices(WORDS, k=rng.randint(3, 25))),
        "reply_to_wamid": f"wamid.{conversation.id}.{n - 1}" if n % 7 == 0 else None,
        "details": {},
        "status": rng.choice(("sent", "delivered", "read")) if n % 2 else "received",
        "sent_at": at,
    }
    return row


def add_media(row: dict, n: int, files: list[tuple[str, int]]) -> None:
    sha256, size = files[(n // 50) % len(files)]
    pdf = (n // 50) % 4 == 0
    kind = (
        ("document", "application/pdf", "Angebot.pdf")
        if pdf
        else ("image", "image/jpeg", None)
    )
    row.update(
        type=kind[0], text=None, caption="Anbei", media_mime_type=kind[1],
        media_filename=kind[2], media_sha256=sha256, media_size=size,
        media_state="stored",
    )  # fmt: skip


def thread_rows(conversation, count: int, files, rng) -> list[dict]:
    start = datetime.now(UTC) - timedelta(days=200)
    rows = []
    for n in range(count):
        row = message_row(conversation, n, start + timedelta(minutes=n), rng)
        if files and n % 50 == 25:
            add_media(row, n, files)
        elif files and n % 97 == 1:  # one of our reactions (stored as a message)
            emoji = {
                "reaction": {"to": f"wamid.{conversation.id}.{n - 1}", "emoji": "👍"}
            }
            row.update(type="reaction", text=None, details=emoji)
        rows.append(row)
    return rows


def timeline_rows(conversation, count: int, author_id: int) -> list[dict]:
    start = datetime.now(UTC) - timedelta(days=100)
    return [
        {
            **BLANK,
            "workspace_id": conversation.workspace_id,
            "channel_id": conversation.channel_id,
            "conversation_id": conversation.id,
            "contact_id": conversation.contact_id,
            "direction": "note" if n % 3 else "event",
            "type": "note" if n % 3 else "event",
            "text": "Kunde will Rückruf am Dienstag" if n % 3 else None,
            "details": {} if n % 3 else {"kind": "assigned"},
            "status": "note" if n % 3 else "event",
            "author_id": author_id,
            "sent_at": start + timedelta(minutes=n, seconds=30),
        }
        for n in range(count)
    ]


def statuses_and_reactions(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    statuses, reactions = [], []
    for row in rows:
        if row["direction"] != "out":
            continue
        for offset, status in enumerate(("sent", "delivered", "read")):
            statuses.append(
                {
                    "channel_id": row["channel_id"], "wamid": row["wamid"],
                    "status": status, "timestamp": row["sent_at"] + timedelta(seconds=offset),
                }
            )  # fmt: skip
        if row["wamid"].endswith("3"):
            reactions.append(
                {
                    "channel_id": row["channel_id"], "contact_id": row["contact_id"],
                    "target_wamid": row["wamid"], "emoji": "❤️", "reacted_at": row["sent_at"],
                }
            )  # fmt: skip
    return statuses, reactions


def media_files(count: int, rng: random.Random) -> list[tuple[str, int]]:
    from leadgate.media import store_bytes

    files = []
    for _ in range(count):
        data = rng.randbytes(rng.randint(5_000, 60_000))
        files.append((store_bytes(data), len(data)))
    return files


def seed(messages: int) -> tuple[int, int]:
    """Return the contact to export and how many distinct files its messages have."""
    from leadgate.auth import services
    from leadgate.channels.services import create_channel
    from leadgate.extensions import db
    from leadgate.models import Contact, Conversation, Message, MessageStatus, Reaction

    rng = random.Random(7)
    user = services.create_user("Bench", "bench@example.com", PASSWORD)
    workspace = services.create_workspace(user, "Bench GmbH")
    channels = [
        create_channel(
            workspace, name=name, phone_number_id=f"90000000{n}", waba_id="9000",
            access_token="t", app_secret="s", display_phone=f"+49 30 90000{n}",
        )
        for n, name in enumerate(("Vertrieb", "Recruiting"))
    ]  # fmt: skip
    db.session.flush()
    files = media_files(100, rng)
    contacts = []
    for n in range(6):
        contact = Contact(
            workspace_id=workspace.id, wa_id=f"4917000000{n:02d}", name=f"Kontakt {n}"
        )
        db.session.add(contact)
        contacts.append(contact)
    db.session.flush()
    rows = []
    for n, contact in enumerate(contacts):
        share = [messages - messages // 5, messages // 5] if n == 0 else [2000]
        for channel, count in zip(channels, share, strict=False):
            conversation = Conversation(
                workspace_id=workspace.id, channel_id=channel.id, contact_id=contact.id
            )
            db.session.add(conversation)
            db.session.flush()
            rows += thread_rows(conversation, count, files if n == 0 else [], rng)
            rows += timeline_rows(conversation, 150 if n == 0 else 10, user.id)
    statuses, reactions = statuses_and_reactions(rows)
    for model, batch in (
        (Message, rows),
        (MessageStatus, statuses),
        (Reaction, reactions),
    ):
        for start in range(0, len(batch), 5000):
            db.session.execute(model.__table__.insert(), batch[start : start + 5000])
    db.session.commit()
    ours = {row["media_sha256"] for row in rows if row["contact_id"] == contacts[0].id}
    return contacts[0].id, len(ours - {None})


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def run(messages: int) -> bool:
    os.environ.setdefault("LEADGATE_INSTANCE_DIR", tempfile.mkdtemp(prefix="lg-bench-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from flask_migrate import upgrade

    from leadgate import create_app
    from leadgate.extensions import db
    from leadgate.models import Contact
    from leadgate.privacy.export.archive import contact_archive
    from leadgate.privacy.export.contact import contact_document

    url = database_url()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "QUEUE_IS_ASYNC": False,
            "MEDIA_DIR": tempfile.mkdtemp(prefix="lg-bench-media-"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        contact_id, files = seed(messages)
    document_s, zip_s, http_s = [], [], []
    for _ in range(RUNS):
        with app.app_context():
            contact = db.session.get(Contact, contact_id)
            seconds, document = timed(contact_document, contact)
            document_s.append(seconds)
        with app.app_context():
            contact = db.session.get(Contact, contact_id)
            seconds, (archive, counts) = timed(contact_archive, contact)
            zip_s.append(seconds)
            size = archive.seek(0, 2)
            archive.close()
        http_s.append(http_export(app, contact_id))
    exported = sum(len(c["messages"]) for c in document["conversations"])
    print(f"database:       {url.split('://', 1)[0]}")
    print(
        f"messages:       {exported:,} (+{len(document['notes'])} notes, {len(document['events'])} events)"
    )
    print(f"media files:    {counts['files']}")
    print(f"zip size:       {size / 1e6:.2f} MB")
    for name, values in (("document", document_s), ("zip", zip_s), ("http", http_s)):
        print(f"{name + ':':15} {', '.join(f'{v:.2f}' for v in values)} s")
    correct = exported == messages and counts["files"] == files
    passed = correct and max(zip_s + http_s) < TARGET_SECONDS
    print(f"target {TARGET_SECONDS:.0f} s:     {'PASS' if passed else 'FAIL'}")
    if not correct:
        print("FAIL: the export does not hold every message and file")
    return passed


def http_export(app, contact_id: int) -> float:
    """The whole route as a browser would call it, logged in as the owner."""
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})

    def export() -> int:
        response = client.post(f"/contacts/{contact_id}/export")
        assert response.status_code == 200, response.status_code
        return len(response.get_data())  # the whole body, not just the headers

    return timed(export)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    sys.exit(0 if run(args.messages) else 1)


if __name__ == "__main__":
    main()
