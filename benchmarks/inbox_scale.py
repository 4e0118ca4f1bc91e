"""Benchmark: the inbox on a large workspace (100,000 conversations, 1,000,000 messages).

Seeds PostgreSQL (its own database, built by the migrations) with one workspace,
50 agents, 3 numbers, 10 labels, 100,000 contacts and conversations and
1,000,000 messages, then measures the server time (the app handling the request,
as gunicorn would run it, without the network) of:

  the inbox list, a filtered list (mine + a label), a search by message text, a
  search by a name 1,000 contacts share and by one person's name, a search by
  number typed internationally and nationally, the next page of the list, a
  thread view and a thread's live update (what a live event or the poll asks),
  and the contact list with its count of matches, all and by a label.

    .venv/bin/python benchmarks/inbox_scale.py [--conversations 100000] [--reuse]

--reuse skips the seeding when the database is already filled. Needs PostgreSQL
like benchmarks/webhook_ingest.py; --database (or BENCH_DB_NAME) names the
database it drops, fills and measures (default leadgate_bench), so runs on a
shared server stay apart.
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
from webhook_ingest import database_url, environment, leadgate  # noqa: E402

AGENTS = 50
PASSWORD = "bench password 123"
WORDS = [
    "Angebot", "Termin", "Bewerbung", "Rechnung", "Lieferung", "Vertrag", "Frage",
    "Rückruf", "Preis", "Rabatt", "Stelle", "Gehalt", "Probefahrt", "Besichtigung",
    "Kündigung", "Zahlung", "Versand", "Garantie", "Beratung", "Interview",
]  # fmt: skip


def seed(conversations: int, per_conversation: int) -> None:
    webhook_ingest.fresh_database("agent0@example.com", "Agent 00", PASSWORD)
    started = time.perf_counter()
    with psycopg.connect(database_url(), autocommit=True) as db:
        workspace = db.execute("SELECT min(workspace_id) FROM membership").fetchone()[0]
        # The other agents share agent0's password hash (hashing 49 times is slow).
        db.execute(
            'INSERT INTO "user" (email, name, password_hash, '
            "is_platform_admin, created_at) "
            "SELECT 'agent' || n || '@example.com', 'Agent ' || lpad(n::text, 2, '0'), "
            "u.password_hash, false, now() "
            'FROM "user" u, generate_series(1, %s) n',
            (AGENTS - 1,),
        )
        db.execute(
            "INSERT INTO membership (workspace_id, user_id, role, created_at) "
            "SELECT %s, id, 'agent', now() FROM \"user\" "
            "WHERE id NOT IN (SELECT user_id FROM membership)",
            (workspace,),
        )
        for c in range(3):
            leadgate(
                "channel", "add", "--workspace", str(workspace), "--name", f"Nummer {c}",
                "--phone-number-id", f"90000000{c}", "--waba-id", "900000999",
                "--access-token", "t", "--app-secret", "s",
            )  # fmt: skip
        channels = [r[0] for r in db.execute("SELECT id FROM channel ORDER BY id")]
        users = [r[0] for r in db.execute("SELECT user_id FROM membership ORDER BY 1")]
        db.execute(
            "INSERT INTO label (workspace_id, name, color, created_at) "
            "SELECT %s, 'Label ' || n, 'teal', now() FROM generate_series(1, 10) n",
            (workspace,),
        )
        labels = [r[0] for r in db.execute("SELECT id FROM label ORDER BY id")]
        db.execute(
            "INSERT INTO contact (workspace_id, wa_id, profile_name, created_at) "
            "SELECT %s, (491700000000 + n)::text, "
            "(ARRAY['Anna','Ben','Clara','David','Eva','Felix','Greta','Hans','Ida','Jonas'])"
            "[1 + n %% 10] || ' ' || "
            "(ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner',"
            "'Becker','Schulz','Hoffmann'])[1 + (n / 10) %% 10] || ' ' || n, "
            "now() FROM generate_series(1, %s) n",
            (workspace, conversations),
        )
        db.execute(
            "INSERT INTO conversation (workspace_id, channel_id, contact_id, state, "
            "assignee_id, unread_count, inbound_count, last_message_preview, "
            "last_message_type, last_activity_at, created_at) "
            "SELECT %(ws)s, (%(channels)s::int[])[1 + c.id %% 3], c.id, "
            "(ARRAY['open','open','open','open','pending','snoozed','resolved',"
            "'resolved','resolved','resolved'])[1 + c.id %% 10], "
            "CASE WHEN c.id %% 4 = 0 THEN NULL "
            "ELSE (%(users)s::int[])[1 + c.id %% %(agents)s] END, "
            "0, %(half)s, 'Letzte Nachricht ' || c.id, 'text', "
            "now() - (c.id || ' minutes')::interval, now() - interval '1 year' "
            "FROM contact c",
            {
                "ws": workspace,
                "channels": channels,
                "users": users,
                "agents": len(users),
                "half": per_conversation // 2,
            },
        )
        db.execute(
            "INSERT INTO conversation_label (conversation_id, label_id) "
            "SELECT id, (%s::int[])[1 + id %% 10] FROM conversation WHERE id %% 3 = 0",
            (labels,),
        )
        db.execute(
            "INSERT INTO message (workspace_id, channel_id, conversation_id, contact_id, "
            "direction, wamid, type, text, forwarded, details, status, status_rank, "
            "attempts, sent_at, created_at) "
            "SELECT cv.workspace_id, cv.channel_id, cv.id, cv.contact_id, "
            "CASE WHEN m %% 2 = 0 THEN 'in' ELSE 'out' END, "
            "'wamid.' || cv.id || '.' || m, 'text', "
            "'Hallo, es geht um ' || (%(words)s::text[])[1 + (cv.id * 7 + m) %% 20] "
            "|| ' Nr. ' || (cv.id * 10 + m), false, '{}', "
            "CASE WHEN m %% 2 = 0 THEN 'received' ELSE 'read' END, "
            "CASE WHEN m %% 2 = 0 THEN 0 ELSE 30 END, 1, "
            "cv.last_activity_at - ((%(n)s - m) || ' minutes')::interval, now() "
            "FROM conversation cv, generate_series(1, %(n)s) m",
            {"words": WORDS, "n": per_conversation},
        )
        # What the app's writers keep up per message (searchdoc.py), in one go,
        # exactly as migration 0006 fills the documents of existing conversations.
        db.execute(
            "UPDATE conversation SET search_document = d.document FROM ("
            "  SELECT conversation_id, strip(to_tsvector('simple', string_agg("
            "    coalesce(text, '') || ' ' || coalesce(caption, ''), ' '))) AS document"
            "  FROM message GROUP BY conversation_id"
            ") d WHERE d.conversation_id = conversation.id"
        )
        db.execute("VACUUM ANALYZE")
        counts = db.execute(
            "SELECT (SELECT count(*) FROM conversation), (SELECT count(*) FROM message)"
        ).fetchone()
    print(
        f"seeded {counts[0]:,} conversations, {counts[1]:,} messages, {len(users)} agents "
        f"in {time.perf_counter() - started:.0f} s"
    )


def measure(rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from leadgate import create_app

    # Only the one login form below is posted; GETs are what is measured.
    app = create_app({"WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "agent0@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    with psycopg.connect(database_url()) as db:
        user = db.execute(
            "SELECT id FROM \"user\" WHERE email = 'agent0@example.com'"
        ).fetchone()[0]
        label = db.execute("SELECT min(id) FROM label").fetchone()[0]
        busy = db.execute(
            "SELECT id FROM conversation WHERE assignee_id = %s "
            "ORDER BY last_activity_at DESC LIMIT 1",
            (user,),
        ).fetchone()[0]
        # The thread's live update: what came after its newest message (nothing).
        newest = db.execute(
            "SELECT max(id) FROM message WHERE conversation_id = %s", (busy,)
        ).fetchone()[0]
    page = client.get("/inbox").get_data(as_text=True)
    after = page.split("after=", 1)[1].split("&", 1)[0].split('"', 1)[0]
    cases = {
        "inbox list (open, all)": "/inbox",
        "filtered (mine + label)": f"/inbox?assignee=me&label={label}",
        "search message text": "/inbox?q=Probefahrt&state=all",
        "search name (1,000 match)": "/inbox?q=Greta%20Weber&state=all",
        "search name (one person)": "/inbox?q=Felix%20Weber%2012345&state=all",
        # Contact 12345's number, +49 170 0012345, as people type it.
        "search number +49": "/inbox?q=%2B49%20170%20001%202345&state=all",
        "search number 0170": "/inbox?q=0170%20001%202345&state=all",
        "next page (keyset)": f"/inbox?after={after}",
        "thread view": f"/inbox/{busy}",
        "thread live update": f"/inbox/{busy}/newer?after={newest}&mode=free",
        # The contact list counts its matches (segments, issue 17).
        "contact list (all)": "/contacts",
        "contacts by label": f"/contacts?label={label}",
    }
    print(f"server time over {rounds} requests each (after one warm-up):")
    for name, url in cases.items():
        headers = {"HX-Request": "true"} if "after=" in url else {}
        assert client.get(url, headers=headers).status_code == 200
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        # A search that finds nothing would be measured cheap: say what it listed.
        html = response.get_data(as_text=True)
        listed = html.count('<li id="conversation-') + len(
            re.findall(r'id="contact-\d', html)
        )
        print(
            f"  {name:27s} p50 {statistics.median(times):6.1f} ms   "
            f"p95 {p95:6.1f} ms   ({listed} listed)"
        )


def database_name(value: str) -> str:
    """A name fit to put into DROP/CREATE DATABASE as it is."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", value):
        raise argparse.ArgumentTypeError("use lower-case letters, digits and _")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages-per-conversation", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--database",
        type=database_name,
        default=os.environ.get("BENCH_DB_NAME", webhook_ingest.DB_NAME),
    )
    args = parser.parse_args()
    # database_url() and environment() read the module's name when called.
    webhook_ingest.DB_NAME = args.database
    os.environ.update(environment())
    if not args.reuse:
        seed(args.conversations, args.messages_per_conversation)
    measure(args.rounds)


if __name__ == "__main__":
    main()
