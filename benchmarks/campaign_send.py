"""Benchmark: a 10,000-recipient campaign through the real pipeline to the Cloud API emulator.

Seeds PostgreSQL (its own database, built by the migrations) with one workspace,
one number and N contacts with a label and marketing consent on record; starts
the standalone emulator, which grants the number --emulator-limit messages/s
(130429 above it); syncs the number's templates; reviews the campaign (timed:
the review a owner sees before the launch); launches it with the app's own code
(plan, then the feed job) and lets `leadgate worker` processes feed and send it
over HTTP. When every recipient is handed over and every message answered, it
prints the figures, and as its last line one JSON object:

    recipients, sent, duplicates, lost, max_per_second, rate_per_second,
    review_seconds (+ failed, throttled, seconds, workers, rate)

- duplicates: sends to a number the emulator had already received this campaign;
- lost: recipients with neither a message Meta accepted nor a failure with a
  reason (a planned or queued row left over);
- max_per_second: the most sends the emulator counted for the number in any one
  of its seconds; rate_per_second: the sends of the whole seconds between the
  first and the last send (both partial), per second.

    .venv/bin/python benchmarks/campaign_send.py [--recipients 10000] [--rate 80]
        [--emulator-limit 80] [--workers 2]

--rate is WHATSAPP_RATE_PER_SECOND (Meta's tiers: 80, then 1,000 messages/s per
number). Needs PostgreSQL and Redis like benchmarks/webhook_ingest.py.
"""

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webhook_ingest  # noqa: E402
from outbound_send import (  # noqa: E402
    EMULATOR_PORT,
    SECRET,
    TOKEN,
    sending_environment,
    start,
    start_emulator,
    stop,
    stop_all,
)
from webhook_ingest import BIN, database_url  # noqa: E402

PHONE_ID = "106540352240001"
WABA_ID = "102290129340398"
TEMPLATE = "angebot_nachfassen"  # marketing: every recipient needs consent on record


def number(n: int) -> str:
    return f"4917{n:09d}"


def register_number(limit: float) -> None:
    httpx.post(
        f"http://127.0.0.1:{EMULATOR_PORT}/_admin/numbers",
        json={
            "phone_number_id": PHONE_ID,
            "waba_id": WABA_ID,
            "access_token": TOKEN,
            "app_secret": SECRET,
            "display_phone_number": "+49 30 1000",
            "verified_name": "Bench",
            "webhook_url": "",
            "throughput_mps": limit,
        },
        timeout=10,
    ).raise_for_status()


def app_context():
    """The app in this process (imported late: it reads its environment on import)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from leadgate import create_app

    return create_app().app_context()


def seed(recipients: int) -> dict:
    """Workspace, number, templates, contacts with label and consent; their ids."""
    ids = webhook_ingest.fresh_database("owner@example.com", "Owner", "bench pw 123")
    from sqlalchemy import insert, select

    from leadgate.channels.services import create_channel
    from leadgate.extensions import db
    from leadgate.models import (
        ConsentRecord,
        Contact,
        ContactLabel,
        Label,
        User,
        Workspace,
        utcnow,
    )
    from leadgate.outbound.templates import sync_templates

    with app_context():
        workspace = db.session.get(Workspace, ids["workspace_id"])
        channel = create_channel(
            workspace,
            name="Bench",
            phone_number_id=PHONE_ID,
            waba_id=WABA_ID,
            access_token=TOKEN,
            app_secret=SECRET,
        )
        label = Label(workspace_id=workspace.id, name="Messe")
        db.session.add(label)
        db.session.commit()
        channel_id, label_id = channel.id, label.id
        sync_templates(channel_id)
        now = utcnow()
        contact_ids = db.session.scalars(
            insert(Contact).returning(Contact.id),
            [
                {
                    "workspace_id": workspace.id,
                    "wa_id": number(n),
                    "phone_e164": f"+{number(n)}",
                    "name": f"Gast {n}",
                    "attributes": {},
                    "marketing_consent": "opt_in",
                    "created_at": now,
                }
                for n in range(recipients)
            ],
        ).all()
        db.session.execute(
            insert(ContactLabel),
            [{"contact_id": c, "label_id": label_id} for c in contact_ids],
        )
        db.session.execute(
            insert(ConsentRecord),
            [
                {
                    "workspace_id": workspace.id,
                    "contact_id": c,
                    "purpose": "whatsapp_marketing",
                    "action": "opt_in",
                    "source": "import",
                    "wording": "Ja, per WhatsApp",
                    "recorded_at": now,
                    "evidence": {"row": n + 2},
                }
                for n, c in enumerate(contact_ids)
            ],
        )
        db.session.commit()
        owner = db.session.scalar(select(User.id))
        return {"workspace_id": workspace.id, "channel_id": channel_id,
                "label_id": label_id, "owner_id": owner}  # fmt: skip


def prepare_campaign(ids: dict) -> tuple[int, float]:
    """The campaign as the wizard leaves it, reviewed (timed) and launched."""
    from leadgate.campaigns.launch import review_of
    from leadgate.campaigns.launch import start as start_campaign
    from leadgate.campaigns.personalise import campaign_slots, mapping_of
    from leadgate.extensions import db
    from leadgate.models import Campaign, MessageTemplate, User

    with app_context():
        template = db.session.scalar(
            db.select(MessageTemplate).where(MessageTemplate.name == TEMPLATE)
        )
        found = campaign_slots(ids["workspace_id"], template, {})
        campaign = Campaign(
            workspace_id=ids["workspace_id"],
            name="Bench",
            channel_id=ids["channel_id"],
            template_id=template.id,
            audience={"label": ids["label_id"]},
            placeholders=mapping_of(found),
            created_by_id=ids["owner_id"],
        )
        db.session.add(campaign)
        db.session.commit()
        started = time.perf_counter()
        result = review_of(campaign)
        review_seconds = time.perf_counter() - started
        assert result is not None and not result.blocked, "the review refused"
        start_campaign(campaign, db.session.get(User, ids["owner_id"]))
        db.session.commit()
        return campaign.id, review_seconds


def launch(campaign_id: int) -> None:
    from leadgate.campaigns.feed import enqueue_feed

    with app_context():
        enqueue_feed(campaign_id)


def wait_until_done(campaign_id: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url(), autocommit=True) as connection:
        while time.monotonic() < deadline:
            state = connection.execute(
                "SELECT state FROM campaign WHERE id = %s", (campaign_id,)
            ).fetchone()[0]
            waiting = connection.execute(
                "SELECT count(*) FROM message WHERE direction = 'out' "
                "AND status IN ('queued', 'sending')"
            ).fetchone()[0]
            if state == "finished" and waiting == 0:
                return True
            time.sleep(0.5)
    return False


def figures(campaign_id: int, sent: list) -> dict:
    with psycopg.connect(database_url(), autocommit=True) as connection:
        recipients = connection.execute(
            "SELECT count(*) FROM campaign_recipient WHERE campaign_id = %s "
            "AND state <> 'left_out'",
            (campaign_id,),
        ).fetchone()[0]
        accepted, failed = connection.execute(
            "SELECT count(*) FILTER (WHERE m.wamid IS NOT NULL), "
            "count(*) FILTER (WHERE m.status IN ('failed', 'limited')) "
            "FROM campaign_recipient r JOIN message m ON m.id = r.message_id "
            "WHERE r.campaign_id = %s",
            (campaign_id,),
        ).fetchone()
        throttled = connection.execute(
            "SELECT count(*) FROM send_attempt WHERE outcome = 'throttled'"
        ).fetchone()[0]
    per_number = collections.Counter(item["to"] for item in sent)
    per_second = collections.Counter(item["timestamp"] for item in sent)
    first, last = min(per_second, default=0), max(per_second, default=0)
    # The steady rate: the whole seconds between the first and the last, which
    # are partial (Meta's timestamps are whole seconds).
    inner = sum(count for second, count in per_second.items() if first < second < last)
    span = last - first - 1
    return {
        "recipients": recipients,
        "sent": len(per_number),
        "duplicates": sum(count - 1 for count in per_number.values()),
        "lost": recipients - accepted - failed,
        "failed": failed,
        "throttled": throttled,
        "max_per_second": max(per_second.values(), default=0),
        "rate_per_second": round(inner / span, 1) if span > 0 else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=float, default=80, help="WHATSAPP_RATE_PER_SECOND"
    )
    parser.add_argument(
        "--emulator-limit", type=float, default=None, help="default: --rate"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    limit = args.emulator_limit or args.rate
    env = sending_environment(args.rate)
    try:
        run(args, env, limit)
    finally:
        stop_all()


def run(args, env: dict, limit: float) -> None:
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    emulator = start_emulator(env)
    register_number(limit)
    ids = seed(args.recipients)
    campaign_id, review_seconds = prepare_campaign(ids)
    workers = [
        start([BIN / "leadgate", "worker", "--queue", "default"], env)
        for _ in range(args.workers)
    ]
    started = time.perf_counter()
    launch(campaign_id)
    done = wait_until_done(campaign_id, timeout=max(120, 3 * args.recipients / limit))
    seconds = time.perf_counter() - started
    sent = httpx.get(
        f"http://127.0.0.1:{EMULATOR_PORT}/_admin/messages", timeout=120
    ).json()["data"]
    for worker in workers:
        stop(worker)
    stop(emulator)
    result = figures(campaign_id, sent)
    result.update(
        review_seconds=round(review_seconds, 3),
        seconds=round(seconds, 1),
        workers=args.workers,
        rate=args.rate,
        finished=done,
    )
    print(
        f"{result['sent']} of {result['recipients']} recipients in {seconds:.1f} s: "
        f"{result['rate_per_second']}/s, at most {result['max_per_second']} in a second "
        f"(limit {limit:g}); duplicates {result['duplicates']}, lost {result['lost']}, "
        f"failed {result['failed']}, throttled attempts {result['throttled']}; "
        f"review {review_seconds * 1000:.0f} ms"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
