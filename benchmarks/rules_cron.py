"""Benchmark: the rules' time triggers ("no answer after N minutes") over 100,000
conversations, one cron minute at a time.

Seeds its own PostgreSQL database (leadgate_bench_rules, built by the
migrations): one workspace, 100,000 contacts and conversations. Their waits
are spread over the last 30 days, as a busy inbox collects them: half of the
conversations wait for the team (agent_wait_since), a quarter for the contact
(contact_wait_since), a quarter for nobody; states are mixed (a third resolved,
a sixth pending). Two rules: "no agent answer after 30 minutes" (a label and a
note) and "no contact answer after 24 hours" (a label).

Then it runs the cron's function, fire_time_rules(now), for --minutes
consecutive minutes, the clock passed in as the cron would read it, and prints
per minute the conversations fired and the time taken; the time of the query
that finds one minute's waits (automation/timers.py waits_due) and its plan
(EXPLAIN ANALYZE), which must be an index scan of the partial index, however
many conversations there are; and that no waiting period fired twice.

    .venv/bin/python benchmarks/rules_cron.py [--conversations 100000] [--minutes 5]

Needs PostgreSQL like benchmarks/webhook_ingest.py (BENCH_ADMIN_DATABASE_URL).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webhook_ingest  # noqa: E402

webhook_ingest.DB_NAME = "leadgate_bench_rules"  # never the other benchmarks' data
PASSWORD = "bench password 123"
# The clock the benchmark plays: 30 days of waits end here.
NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)

SEED = [
    "INSERT INTO contact (workspace_id, wa_id, profile_name, attributes, created_at) "
    "SELECT 1, (491700000000 + n)::text, 'Kontakt ' || n, '{}', %(now)s "
    "FROM generate_series(1, %(n)s) n",
    # One wait every 26 seconds over 30 days (100,000 conversations): about 2 a
    # minute reach each rule's wait, as in a busy inbox; id % 4 says whose wait.
    "INSERT INTO conversation (workspace_id, channel_id, contact_id, state, "
    "unread_count, inbound_count, last_message_preview, last_message_type, "
    "last_activity_at, created_at, agent_wait_since, contact_wait_since) "
    "SELECT 1, 1, c.id, "
    "CASE WHEN c.id %% 6 < 2 THEN 'resolved' WHEN c.id %% 6 = 2 THEN 'pending' "
    "ELSE 'open' END, 0, 1, 'Hallo', 'text', w.at, w.at, "
    "CASE WHEN c.id %% 4 < 2 THEN w.at END, CASE WHEN c.id %% 4 = 2 THEN w.at END "
    "FROM contact c, LATERAL (SELECT %(now)s - (c.id * %(spacing)s || ' seconds')"
    "::interval AS at) w",
    # A burst: --burst more conversations whose wait for the team began in
    # one second (a campaign's replies), due in the benchmark's third minute.
    "INSERT INTO contact (workspace_id, wa_id, profile_name, attributes, created_at) "
    "SELECT 1, (491800000000 + n)::text, 'Welle ' || n, '{}', %(now)s "
    "FROM generate_series(1, %(burst)s) n",
    "INSERT INTO conversation (workspace_id, channel_id, contact_id, state, "
    "unread_count, inbound_count, last_activity_at, created_at, agent_wait_since) "
    "SELECT 1, 1, c.id, 'open', 1, 1, %(burst_at)s, %(burst_at)s, %(burst_at)s "
    "FROM contact c WHERE c.wa_id LIKE '4918%%'",
    "INSERT INTO label (workspace_id, name, color, created_at) "
    "VALUES (1, 'dringend', 'teal', %(now)s), (1, 'nachfassen', 'teal', %(now)s)",
]


def reusable() -> bool:
    """The database of an earlier run, migrated to the same head: emptied, not rebuilt
    (the migrations are most of a fresh run's time)."""
    try:
        with psycopg.connect(webhook_ingest.database_url(), autocommit=True) as db:
            version = db.execute("SELECT version_num FROM alembic_version").fetchone()
            heads = sorted(
                Path(webhook_ingest.ROOT, "migrations/versions").glob("0*.py")
            )
            if not version or not heads[-1].name.startswith(version[0]):
                return False
            db.execute(
                "TRUNCATE automation_firing, automation_rule, conversation, contact, "
                "label RESTART IDENTITY CASCADE"
            )
            return True
    except psycopg.Error:
        return False


def create_database() -> None:
    if reusable():
        return
    with psycopg.connect(webhook_ingest.ADMIN_URL, autocommit=True) as connection:
        name = webhook_ingest.DB_NAME
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    run = webhook_ingest.leadgate
    run("db", "upgrade")
    run("create-user", "--email", "owner@example.com", "--name", "Olga Owner",
        "--password", PASSWORD)  # fmt: skip
    run("channel", "add", "--workspace", "1", "--name", "Vertrieb",
        "--phone-number-id", "900000001", "--waba-id", "900000999",
        "--access-token", "t", "--app-secret", "s")  # fmt: skip


def seed(conversations: int, burst: int) -> None:
    started = time.perf_counter()
    spacing = 30 * 24 * 3600 // conversations
    parameters = {
        "n": conversations,
        "now": NOW,
        "spacing": spacing,
        "burst": burst,
        "burst_at": NOW - timedelta(minutes=27, seconds=30),
    }
    with psycopg.connect(webhook_ingest.database_url(), autocommit=True) as db:
        for statement in SEED:
            db.execute(statement, parameters)
        db.execute("VACUUM ANALYZE")
        waiting = db.execute(
            "SELECT count(*) FILTER (WHERE agent_wait_since IS NOT NULL), "
            "count(*) FILTER (WHERE contact_wait_since IS NOT NULL) FROM conversation"
        ).fetchone()
    print(
        f"seeded {conversations:,} conversations ({waiting[0]:,} waiting for the "
        f"team, {waiting[1]:,} for the contact) in {time.perf_counter() - started:.1f} s"
    )


def add_rules(app) -> list[int]:
    from leadgate.automation.services import RuleSettings, create_rule
    from leadgate.extensions import db
    from leadgate.models import User

    with app.app_context():
        owner = db.session.get(User, 1)
        rules = [
            create_rule(
                1,
                RuleSettings(
                    "Keine Antwort nach 30 Minuten",
                    "no_agent_answer",
                    30,
                    [],
                    [
                        {"kind": "add_label", "label_id": 1},
                        {"kind": "add_note", "text": "Bitte übernehmen."},
                    ],
                    True,
                ),
                owner,
            ),
            create_rule(
                1,
                RuleSettings(
                    "Kontakt antwortet nicht",
                    "no_contact_answer",
                    24 * 60,
                    [],
                    [{"kind": "add_label", "label_id": 2}],
                    True,
                ),
                owner,
            ),
        ]
        for rule in rules:  # switched on just before the benchmark's first minute
            rule.timer_since = NOW - timedelta(minutes=rule.wait_minutes)
        db.session.commit()
        return [rule.id for rule in rules]


def the_minutes_query(app, rule_id: int, now: datetime) -> tuple[float, str]:
    """One minute's query (timers.waits_due): its time and PostgreSQL's plan."""
    from leadgate.automation import timers
    from leadgate.extensions import db
    from leadgate.models import Rule

    with app.app_context():
        rule = db.session.get(Rule, rule_id)
        rule.timer_since = now - timedelta(minutes=rule.wait_minutes + 1)
        due = now - timedelta(minutes=rule.wait_minutes)
        times = []
        for _ in range(20):
            started = time.perf_counter()
            rows = timers.waits_due(rule, due)
            times.append((time.perf_counter() - started) * 1000)
        original = db.session.execute
        plans = []

        def explain(statement, *args, **kwargs):
            compiled = statement.compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            text = f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"
            plans.extend(row[0] for row in original(db.text(text)))
            return original(statement, *args, **kwargs)

        db.session.execute = explain
        try:
            timers.waits_due(rule, due)
        finally:
            db.session.execute = original
        db.session.rollback()
    print(f"  the minute's waits: {len(rows)} rows")
    return statistics.median(times), "\n".join(plans)


def run_minutes(app, minutes: int) -> None:
    from leadgate.automation.timers import fire_time_rules

    fired_total = 0
    for minute in range(1, minutes + 1):
        now = NOW + timedelta(minutes=minute)
        with app.app_context():
            started = time.perf_counter()
            fired = fire_time_rules(now)
            took = (time.perf_counter() - started) * 1000
        fired_total += fired
        print(f"  minute {minute}: {fired} fired in {took:.1f} ms")
    with app.app_context():
        started = time.perf_counter()
        again = fire_time_rules(NOW + timedelta(minutes=minutes))
        took = (time.perf_counter() - started) * 1000
    print(
        f"  the last minute once more (a second cron run): {again} fired, {took:.1f} ms"
    )
    with psycopg.connect(webhook_ingest.database_url()) as db:
        twice = db.execute(
            "SELECT count(*) FROM (SELECT rule_id, conversation_id, period_at "
            "FROM automation_firing GROUP BY 1, 2, 3 HAVING count(*) > 1) t"
        ).fetchone()[0]
        total = db.execute("SELECT count(*) FROM automation_firing").fetchone()[0]
    print(f"  fired {fired_total} in {minutes} minutes; firings stored {total}; "
          f"waiting periods fired twice: {twice}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--burst", type=int, default=1000)
    args = parser.parse_args()
    started = time.perf_counter()
    create_database()
    print(f"database ready in {time.perf_counter() - started:.0f} s")
    seed(args.conversations, args.burst)
    os.environ.update(webhook_ingest.environment())
    os.environ["QUEUE_IS_ASYNC"] = "0"
    os.environ["REDIS_URL"] = ""
    from leadgate import create_app

    app = create_app()
    agent_rule, contact_rule = add_rules(app)
    print(
        f"cron minutes over {args.conversations + args.burst:,} conversations "
        f"({args.burst:,} of them due in minute 3):"
    )
    run_minutes(app, args.minutes)
    for name, rule_id in (
        ("no agent answer", agent_rule),
        ("no contact answer", contact_rule),
    ):
        median, plan = the_minutes_query(app, rule_id, NOW + timedelta(minutes=60))
        print(
            f"query for one minute ({name}): median {median:.2f} ms of 20 "
            "(from Python, with SQLAlchemy's part); plan:"
        )
        print("    " + plan.replace("\n", "\n    "))
        assert "ix_conversation_awaiting_" in plan, "not the partial index"
    print(f"benchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
