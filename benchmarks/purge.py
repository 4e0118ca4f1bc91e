"""Benchmark: the nightly purge of 1,000,000 expired messages while the inbox is used.

Seeds its own PostgreSQL database (leadgate_bench_purge, built by the
migrations) with one workspace: 100,000 contacts and conversations, each with
10 messages stored 400 days ago (1,000,000, every tenth an image: 100,000 media
rows naming 1,000 real files under MEDIA_DIR), a "read" status per old outbound
message, and a fifth of the conversations active lately with 2 new messages
each (one naming one of 50 of the files, which must stay). 40 % of the
conversations are resolved (they go whole), 40 % open and old (emptied, they
go), 20 % keep their new messages.

Then it runs `purge()` in a process of its own, as the worker would, while this
process keeps requesting the inbox list and a thread (server time through the
Flask test client, as benchmarks/inbox_scale.py measures it), and prints the
purge's time and rate against the 60 s target and the inbox latency before and
during the purge. File deletion runs inline (QUEUE_IS_ASYNC=0), so it counts.

    .venv/bin/python benchmarks/purge.py [--conversations 100000] [--statuses 1]
        [--without-media-index]

Needs PostgreSQL like benchmarks/webhook_ingest.py (BENCH_ADMIN_DATABASE_URL).
"""

import argparse
import hashlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webhook_ingest  # noqa: E402
from inbox_scale import PASSWORD, WORDS  # noqa: E402

webhook_ingest.DB_NAME = "leadgate_bench_purge"  # never the other benchmarks' data
FILES, KEPT_FILES, TARGET_SECONDS = 1000, 50, 60


def environment(media_dir: str) -> dict:
    # No Redis: the embedded queue runs the file deletions inline.
    return {
        **webhook_ingest.environment(),
        "MEDIA_DIR": media_dir,
        "QUEUE_IS_ASYNC": "0",
        "REDIS_URL": "",
    }


def write_files(media_dir: str) -> list[str]:
    hashes = []
    for n in range(FILES):
        data = f"bench picture {n}\n".encode() * 100
        sha256 = hashlib.sha256(data).hexdigest()
        path = Path(media_dir) / sha256[:2] / sha256[2:4] / sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        hashes.append(sha256)
    return hashes


def create_database() -> int:
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
    return 1


OLD = "now() - interval '400 days'"
# Conversations 30 s apart, each with its 10 messages over 10 minutes: a batch
# of the oldest messages spans about a thousand conversations, as in real life.
SENT = f"{OLD} - (cv.id * 30 + (10 - m) * 60 || ' seconds')::interval"
SEED = [
    "INSERT INTO contact (workspace_id, wa_id, profile_name, attributes, created_at) "
    "SELECT 1, (491700000000 + n)::text, 'Kontakt ' || n, '{}', "
    f"{OLD} - interval '1 day' FROM generate_series(1, %(n)s) n",
    # ids % 5: 0, 1 resolved and old; 2, 3 open and old; 4 active lately.
    "INSERT INTO conversation (workspace_id, channel_id, contact_id, state, "
    "unread_count, inbound_count, last_message_preview, last_message_type, "
    "last_activity_at, created_at) "
    "SELECT 1, 1, c.id, CASE WHEN c.id % 5 < 2 THEN 'resolved' ELSE 'open' END, "
    "0, 6, 'Letzte Nachricht', 'text', CASE WHEN c.id % 5 = 4 "
    "THEN now() - (c.id % 10000 || ' seconds')::interval "
    f"ELSE {OLD} END, {OLD} - interval '1 day' FROM contact c",
    "INSERT INTO message (workspace_id, channel_id, conversation_id, contact_id, "
    "direction, wamid, type, text, forwarded, details, media_sha256, media_state, "
    "status, status_rank, attempts, sent_at, created_at) "
    "SELECT 1, 1, cv.id, cv.contact_id, "
    "CASE WHEN m %% 2 = 0 THEN 'in' ELSE 'out' END, 'wamid.' || cv.id || '.' || m, "
    "CASE WHEN m = 10 THEN 'image' ELSE 'text' END, CASE WHEN m < 10 THEN "
    "'Hallo, es geht um ' || (%(words)s::text[])[1 + (cv.id * 7 + m) %% 20] "
    "|| ' Nr. ' || (cv.id * 10 + m) END, false, '{}', "
    "CASE WHEN m = 10 THEN (%(files)s::text[])[1 + cv.id %% 1000] END, "
    "CASE WHEN m = 10 THEN 'stored' END, "
    "CASE WHEN m %% 2 = 0 THEN 'received' ELSE 'read' END, "
    "CASE WHEN m %% 2 = 0 THEN 0 ELSE 30 END, 1, "
    f"{SENT}, {SENT} "
    "FROM conversation cv, generate_series(1, 10) m ORDER BY 17, cv.id",
    "INSERT INTO message (workspace_id, channel_id, conversation_id, contact_id, "
    "direction, wamid, type, text, forwarded, details, media_sha256, media_state, "
    "status, status_rank, attempts, sent_at, created_at) "
    "SELECT 1, 1, cv.id, cv.contact_id, 'in', 'wamid.new.' || cv.id || '.' || m, "
    "CASE WHEN m = 2 THEN 'image' ELSE 'text' END, "
    "CASE WHEN m = 1 THEN 'Neue Nachricht ' || cv.id END, false, '{}', "
    "CASE WHEN m = 2 THEN (%(files)s::text[])[1 + (cv.id / 5) %% %(kept)s] END, "
    "CASE WHEN m = 2 THEN 'stored' END, 'received', 0, 1, "
    "cv.last_activity_at - (m || ' seconds')::interval, "
    "cv.last_activity_at - (m || ' seconds')::interval "
    "FROM conversation cv, generate_series(1, 2) m WHERE cv.id %% 5 = 4",
    "INSERT INTO message_status (channel_id, wamid, status, timestamp, created_at) "
    "SELECT channel_id, wamid, s.status, sent_at, created_at "
    "FROM message, unnest((ARRAY['read', 'delivered', 'sent'])[1:%(statuses)s]) "
    "AS s(status) WHERE direction = 'out'",
    # As the writers keep them (searchdoc.py), filled the way migration 0006 does.
    "UPDATE conversation SET search_document = d.document FROM ("
    "  SELECT conversation_id, strip(to_tsvector('simple', string_agg("
    "    coalesce(text, '') || ' ' || coalesce(caption, ''), ' '))) AS document"
    "  FROM message GROUP BY conversation_id"
    ") d WHERE d.conversation_id = conversation.id",
]


def seed(conversations: int, statuses: int, files: list[str]) -> None:
    started = time.perf_counter()
    parameters = {
        "n": conversations,
        "words": WORDS,
        "files": files,
        "kept": KEPT_FILES,
        "statuses": statuses,
    }
    with psycopg.connect(webhook_ingest.database_url(), autocommit=True) as db:
        for statement in SEED:
            db.execute(statement, parameters if "%(" in statement else None)
        db.execute("VACUUM ANALYZE")
        counts = db.execute(
            "SELECT (SELECT count(*) FROM message), "
            "(SELECT count(*) FROM message WHERE media_sha256 IS NOT NULL), "
            "(SELECT count(*) FROM message_status)"
        ).fetchone()
    print(
        f"seeded {counts[0]:,} messages ({counts[1]:,} media rows, {FILES} files), "
        f"{counts[2]:,} statuses in {time.perf_counter() - started:.0f} s"
    )


def run_purge(results) -> None:
    """In its own process, as the RQ worker runs it."""
    from leadgate import create_app
    from leadgate.privacy.retention.purge import purge

    with create_app().app_context():
        started = time.perf_counter()
        report = purge()
        results.put((time.perf_counter() - started, report))


def inbox_client():
    from leadgate import create_app

    client = create_app({"WTF_CSRF_ENABLED": False}).test_client()
    response = client.post(
        "/login", data={"email": "owner@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    with psycopg.connect(webhook_ingest.database_url()) as db:
        busy = db.execute(
            "SELECT max(id) FROM conversation WHERE id % 5 = 4"
        ).fetchone()[0]
    return client, ["/inbox", f"/inbox/{busy}"]


def timed(client, url: str) -> float:
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    return (time.perf_counter() - started) * 1000


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return (
        f"p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
        f"max {times[-1]:6.1f} ms  ({len(times)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--statuses", type=int, default=1, choices=[0, 1, 2, 3])
    parser.add_argument(
        "--without-media-index",
        action="store_true",
        help="drop ix_message_media_sha256 first, to see what it saves",
    )
    args = parser.parse_args()
    media_dir = tempfile.mkdtemp(prefix="leadgate-bench-media-")
    os.environ.update(environment(media_dir))
    files = write_files(media_dir)
    create_database()
    seed(args.conversations, args.statuses, files)
    if args.without_media_index:
        with psycopg.connect(webhook_ingest.database_url(), autocommit=True) as db:
            db.execute("DROP INDEX ix_message_media_sha256")

    client, urls = inbox_client()
    for url in urls:
        timed(client, url)  # warm-up
    before = {url: [timed(client, url) for _ in range(40)] for url in urls}
    results = multiprocessing.get_context("spawn").Queue()
    worker = multiprocessing.get_context("spawn").Process(
        target=run_purge, args=(results,)
    )
    worker.start()
    during = {url: [] for url in urls}
    while worker.is_alive() and results.empty():
        for url in urls:
            during[url].append(timed(client, url))
    seconds, report = results.get()
    worker.join()

    counts = report["workspaces"][1]
    left = sum(1 for path in Path(media_dir).rglob("*") if path.is_file())
    rate = counts["messages"] / seconds
    verdict = "PASS" if seconds < TARGET_SECONDS else "FAIL"
    print(f"purged {counts}")
    print(f"files: {FILES - left} deleted, {left} still referenced and kept")
    print(
        f"{counts['messages']:,} messages in {seconds:.1f} s = {rate:,.0f} rows/s  "
        f"{verdict} (target {TARGET_SECONDS} s)"
    )
    for url in urls:
        print(f"  {url:22s} before: {summary(before[url])}")
        print(f"  {'':22s} during: {summary(during[url])}")


if __name__ == "__main__":
    main()
