"""Benchmark: the campaign review of a 10,000-contact segment (issue 17: "under a second").

Seeds PostgreSQL (its own database, built by the migrations) with one workspace,
a number, an approved marketing template and N contacts in every state the
review tells apart (consent proven, none, withdrawn, Meta's stop, objection,
restriction, the suppression list, BSUID only, the same number twice), then
measures the server time of GET /campaigns/review for a segment of all of them
(the app handling the request, as gunicorn would run it, without the network).

    .venv/bin/python benchmarks/campaign_review.py [--contacts 10000] [--rounds 20]

Needs PostgreSQL like benchmarks/webhook_ingest.py; --database (or
BENCH_DB_NAME, default leadgate_bench_campaign) names the database it drops.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webhook_ingest  # noqa: E402
from webhook_ingest import environment  # noqa: E402

PASSWORD = "bench password 123"
REACH = re.compile(r"<strong>(\d+) Kontakte? erh\w+ diese Vorlage</strong>")


def seed(contacts: int) -> dict:
    webhook_ingest.fresh_database("owner@example.com", "Owner", PASSWORD)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sqlalchemy import insert, select

    from leadgate import create_app
    from leadgate.channels.services import create_channel
    from leadgate.extensions import db
    from leadgate.models import (
        Contact,
        MessageTemplate,
        Segment,
        Suppression,
        Workspace,
        utcnow,
    )
    from leadgate.privacy.suppression import value_hash

    app = create_app()
    with app.app_context():
        workspace = db.session.scalar(select(Workspace))
        channel = create_channel(
            workspace, name="Vertrieb", phone_number_id="111000000000001",
            waba_id="3000000001", access_token="token", app_secret="secret",
        )  # fmt: skip
        db.session.add(
            MessageTemplate(
                workspace_id=workspace.id, waba_id="3000000001",
                meta_template_id="9000000001", name="angebot", language="de",
                category="MARKETING", status="APPROVED",
                components={"components": [{"type": "BODY", "text": "Hallo"}]},
            )
        )  # fmt: skip
        now = utcnow()
        rows = []
        for n in range(contacts):
            number = f"+49170{n % (contacts - 200):07d}"  # the last 200 repeat
            state = n % 20
            rows.append(
                {
                    "workspace_id": workspace.id,
                    "wa_id": None
                    if state == 19
                    else number[1:]
                    if n < contacts - 200
                    else None,
                    "bsuid": f"DE.b{n}" if state == 19 or n >= contacts - 200 else None,
                    "phone_e164": None if state == 19 else number,
                    "name": f"Kontakt {n}",
                    "attributes": {},
                    "marketing_consent": (
                        "opt_in" if state < 14 else "opt_out" if state == 14 else None
                    ),
                    "marketing_preference": "stop" if state == 15 else None,
                    "opted_out_at": now if state == 16 else None,
                    "restricted_at": now if state == 17 else None,
                    "created_at": now,
                }
            )
        db.session.execute(insert(Contact), rows)
        db.session.execute(
            insert(Suppression),
            [
                {
                    "workspace_id": workspace.id,
                    "kind": "phone",
                    "value_hash": value_hash(workspace.id, "phone", f"+49170{n:07d}"),
                    "created_at": now,
                }
                for n in range(18, contacts - 200, 200)
            ],
        )
        segment = Segment(workspace_id=workspace.id, name="Alle", filters={})
        db.session.add(segment)
        db.session.commit()
        ids = {
            "segment": segment.id,
            "channel": channel.id,
            "template": db.session.scalar(select(MessageTemplate.id)),
        }
    with psycopg.connect(webhook_ingest.database_url(), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return ids


def measure(ids: dict, rounds: int, contacts: int) -> None:
    from leadgate import create_app

    app = create_app({"WTF_CSRF_ENABLED": False})
    client = app.test_client()
    answer = client.post(
        "/login", data={"email": "owner@example.com", "password": PASSWORD}
    )
    assert answer.status_code == 302, answer.status_code
    url = "/campaigns/review?segment={segment}&channel={channel}&template={template}"
    url = url.format(**ids)
    first = client.get(url)
    assert first.status_code == 200
    reach = REACH.search(first.get_data(as_text=True))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"segment of {contacts:,} contacts, marketing template:")
    print(f"  reached: {reach.group(1) if reach else '?'}")
    print(
        f"  review server time over {rounds} requests: "
        f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DB_NAME", "leadgate_bench_campaign"),
    )
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        parser.error("--database: lower-case letters, digits and _")
    webhook_ingest.DB_NAME = args.database
    os.environ.update(environment())
    ids = seed(args.contacts)
    measure(ids, args.rounds, args.contacts)


if __name__ == "__main__":
    main()
