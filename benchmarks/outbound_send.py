"""Benchmark: outbound messages through the real pipeline to the Cloud API emulator.

Queues N texts across several channels with the app's send service (message row,
conversation update, RQ job), lets `leadgate worker` processes deliver them over
HTTP to a standalone emulator (which grants each number --emulator-limit messages/s,
inbound included, and answers 130429 above it), waits until every message is sent
and prints: messages/s, p50/p95 from queued to sent, the highest per-channel count
in any second, throughput errors as a share of the sends, failed, lost and
duplicate messages.

    .venv/bin/python benchmarks/outbound_send.py [--messages 5000] [--channels 4]
        [--workers 4] [--rate 80] [--emulator-limit 80] [--read-level]

--rate is WHATSAPP_RATE_PER_SECOND. Without --read-level LeadGate does not know
the numbers' throughput level (a number connected before LeadGate read levels,
or one whose level changed unannounced) and must learn the limit from Meta's
130429 answers; with it, each channel reads its level from the emulator first.

Needs PostgreSQL and Redis like benchmarks/webhook_ingest.py; the emulator listens
on BENCH_EMULATOR_PORT (default 8733). Every process it starts (emulator, workers)
runs in its own process group and is stopped on every way out: the end, an error,
Ctrl-C, SIGTERM, and (Linux) the benchmark itself being killed.
"""

import argparse
import collections
import contextlib
import ctypes
import itertools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webhook_ingest import (  # noqa: E402
    BIN,
    database_url,
    environment,
    leadgate,
    prepare_database,
)

EMULATOR_PORT = int(os.environ.get("BENCH_EMULATOR_PORT", "8733"))
PR_SET_PDEATHSIG = 1
STARTED: list[subprocess.Popen] = []


def die_with_parent(parent: int) -> None:
    """In the child before exec: SIGKILL when the benchmark dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def start(args: list, env: dict) -> subprocess.Popen:
    """A child in its own process group that cannot outlive the benchmark."""
    parent = os.getpid()
    process = subprocess.Popen(
        args,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: die_with_parent(parent),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    STARTED.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the group; SIGKILL to what is left after 10 s (a stuck worker)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)
    if process in STARTED:
        STARTED.remove(process)


def stop_all() -> None:
    for process in reversed(STARTED):
        stop(process)


def sending_environment(rate: float) -> dict:
    """The environment of this process and its workers: the emulator as Meta, the
    rate; SIGTERM and SIGHUP end the benchmark like Ctrl-C (its `finally` runs)."""
    env = {
        **environment(),
        "WHATSAPP_GRAPH_URL": f"http://127.0.0.1:{EMULATOR_PORT}/v25.0",
        "WHATSAPP_RATE_PER_SECOND": str(rate),
    }
    os.environ.update(env)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, exit_on_signal)
    return env


def exit_on_signal(signum, frame) -> None:
    """SIGTERM/SIGHUP end the benchmark like Ctrl-C: the `finally` blocks run."""
    raise SystemExit(128 + signum)


TOKEN, SECRET = "bench-token", "bench-app-secret"


def phone_id(n: int) -> str:
    return f"10654035224{n:04d}"


def customer(channel: int, n: int) -> str:
    return f"49170{channel:02d}{n:06d}"


def start_emulator(env: dict) -> subprocess.Popen:
    process = start([BIN / "leadgate", "emulator", "--port", str(EMULATOR_PORT)], env)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{EMULATOR_PORT}/_admin/numbers", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("emulator did not start")


def setup(channels: int, per_channel: int, limit: float) -> int:
    """Numbers at the emulator, channels in LeadGate, contacts whose window is open."""
    admin = httpx.Client(
        base_url=f"http://127.0.0.1:{EMULATOR_PORT}/_admin", timeout=10
    )
    workspace_id = None
    with psycopg.connect(database_url(), autocommit=True) as connection:
        workspace_id = connection.execute("SELECT id FROM workspace").fetchone()[0]
    for c in range(channels):
        admin.post(
            "/numbers",
            json={
                "phone_number_id": phone_id(c),
                "waba_id": "102290129340398",
                "access_token": TOKEN,
                "app_secret": SECRET,
                "display_phone_number": f"+49 30 1000{c}",
                "verified_name": f"Bench {c}",
                "webhook_url": "",
                "throughput_mps": limit,
            },
        ).raise_for_status()
        leadgate(
            "channel", "add", "--workspace", str(workspace_id), "--name", f"Bench {c}",
            "--phone-number-id", phone_id(c), "--waba-id", "102290129340398",
            "--access-token", TOKEN, "--app-secret", SECRET,
        )  # fmt: skip
        for n in range(per_channel):  # the contact writes first: the window opens
            admin.post(
                "/inbound",
                json={
                    "phone_number_id": phone_id(c),
                    "from": customer(c, n),
                    "deliver": False,
                },
            ).raise_for_status()
    with psycopg.connect(database_url()) as connection:
        channel_ids = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM channel WHERE phone_number_id = ANY(%s) "
                "ORDER BY phone_number_id",
                ([phone_id(c) for c in range(channels)],),
            )
        ]
        for c, channel_id in enumerate(channel_ids):
            for n in range(per_channel):
                contact_id = connection.execute(
                    "INSERT INTO contact (workspace_id, wa_id, created_at) "
                    "VALUES (%s, %s, now()) RETURNING id",
                    (workspace_id, customer(c, n)),
                ).fetchone()[0]
                conversation_id = connection.execute(
                    "INSERT INTO conversation (workspace_id, channel_id, contact_id, state, "
                    "unread_count, last_activity_at, created_at) "
                    "VALUES (%s, %s, %s, 'open', 0, now(), now()) RETURNING id",
                    (workspace_id, channel_id, contact_id),
                ).fetchone()[0]
                connection.execute(
                    "INSERT INTO message (workspace_id, channel_id, conversation_id, contact_id, "
                    "direction, wamid, type, text, forwarded, details, status, status_rank, "
                    "attempts, sent_at, created_at) VALUES (%s, %s, %s, %s, 'in', %s, 'text', "
                    "'Hallo', false, '{}', 'received', 0, 0, now(), now())",
                    (
                        workspace_id,
                        channel_id,
                        conversation_id,
                        contact_id,
                        f"wamid.in.{c}.{n}",
                    ),
                )
    return workspace_id


@contextlib.contextmanager
def send_service():
    """(db, Conversation, queue_text, author) in an app context.

    Imported here, not at the top: the app reads its environment when imported.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from leadgate import create_app
    from leadgate.extensions import db
    from leadgate.models import Conversation, User
    from leadgate.outbound.service import queue_text

    app = create_app()
    with app.app_context():
        yield db, Conversation, queue_text, db.session.query(User).first()


def read_levels() -> dict:
    """Each channel reads its throughput level from the emulator, as on connecting."""
    with send_service() as (db, _, _, _):
        from leadgate.channels.services import refresh_number
        from leadgate.models import Channel

        for channel_id in db.session.scalars(db.select(Channel.id)).all():
            refresh_number(channel_id)
        return {
            c.name: (c.throughput_level, c.throughput_mps)
            for c in db.session.scalars(db.select(Channel))
        }


def queue_slice(part: int, parts: int) -> None:
    """One producer (like one agent's web request thread): its share of conversations."""
    with send_service() as (db, Conversation, queue_text, author):
        by_channel = collections.defaultdict(list)
        for conversation in (
            db.session.query(Conversation)
            .filter(Conversation.id % parts == part)
            .order_by(Conversation.id)
        ):
            by_channel[conversation.channel_id].append(conversation)
        # Channels take turns, as agents of several teams answer at the same time.
        rounds = itertools.zip_longest(*by_channel.values())
        conversations = [c for batch in rounds for c in batch if c is not None]
        for conversation in conversations:
            queue_text(conversation, author, f"Angebot für Gespräch {conversation.id}")


def queue_all(producers: int) -> float:
    """Queue one text per conversation with the app's own send service."""
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(
        producers, initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        pool.starmap(queue_slice, [(part, producers) for part in range(producers)])
    return time.perf_counter() - started


def queue_paced(rate: float, count: int) -> None:
    """Latency phase: an offered load under the limit, one message at a time."""
    with send_service() as (db, Conversation, queue_text, author):
        ids = [
            c.id for c in db.session.query(Conversation.id).order_by(Conversation.id)
        ]
        step = max(1, len(ids) // count)
        started = time.monotonic()
        for n, conversation_id in enumerate(ids[::step][:count]):
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            conversation = db.session.get(Conversation, conversation_id)
            queue_text(conversation, author, f"Nachfrage {n}")


def wait_until_sent(count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url(), autocommit=True) as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                "SELECT count(*) FROM message WHERE direction = 'out' "
                "AND status NOT IN ('sent', 'delivered', 'read', 'failed')"
            ).fetchone()[0]
            if waiting == 0:
                return 0
            time.sleep(0.5)
        return waiting


def figures(first_paced_id: int) -> dict:
    with psycopg.connect(database_url(), autocommit=True) as connection:
        latencies = [
            row[0]
            for row in connection.execute(
                "SELECT EXTRACT(EPOCH FROM a.finished_at - m.sent_at) FROM send_attempt a "
                "JOIN message m ON m.id = a.message_id WHERE a.outcome = 'accepted' "
                "AND m.id >= %s ORDER BY 1",
                (first_paced_id,),
            )
        ]
        span = connection.execute(
            "SELECT EXTRACT(EPOCH FROM max(finished_at) - min(started_at)) "
            "FROM send_attempt WHERE message_id < %s",
            (first_paced_id,),
        ).fetchone()[0]
        outcomes = dict(
            connection.execute(
                "SELECT coalesce(outcome, 'none') || ':' || coalesce(error_code::text, '-'), "
                "count(*) FROM send_attempt GROUP BY 1"
            ).fetchall()
        )
        states = dict(
            connection.execute(
                "SELECT status, count(*) FROM message WHERE direction = 'out' GROUP BY 1"
            ).fetchall()
        )
    return {
        "latencies": latencies,
        "span": float(span or 0),
        "outcomes": outcomes,
        "states": states,
    }


def percentile(values: list, p: float) -> float:
    return (
        float(values[min(len(values) - 1, int(len(values) * p / 100))])
        if values
        else 0.0
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--producers", type=int, default=4, help="processes queueing")
    parser.add_argument(
        "--paced-rate", type=float, default=40, help="latency phase: messages/s offered"
    )
    parser.add_argument(
        "--rate", type=float, default=80, help="WHATSAPP_RATE_PER_SECOND"
    )
    parser.add_argument(
        "--emulator-limit",
        type=float,
        default=80,
        help="messages/s the emulator grants each number (Meta: 80, 1000, 20)",
    )
    parser.add_argument(
        "--read-level",
        action="store_true",
        help="channels read their throughput level from the emulator first",
    )
    args = parser.parse_args()
    env = sending_environment(args.rate)
    try:
        run(args, env)
    finally:
        stop_all()  # emulator and workers, however the run ended


def run(args, env: dict) -> None:
    prepare_database()
    emulator = start_emulator(env)
    setup(args.channels, args.messages // args.channels, args.emulator_limit)
    levels = read_levels() if args.read_level else None
    # Throughput: everything is queued first, then the workers start.
    queue_seconds = queue_all(args.producers)
    workers = [
        start([BIN / "leadgate", "worker", "--queue", "default"], env)
        for _ in range(args.workers)
    ]
    left = wait_until_sent(args.messages, timeout=600)
    with psycopg.connect(database_url(), autocommit=True) as connection:
        first_paced_id = connection.execute(
            "SELECT max(id) + 1 FROM message"
        ).fetchone()[0]
    queue_paced(args.paced_rate, int(args.paced_rate * 10))
    left += wait_until_sent(args.messages, timeout=120)
    sent = httpx.get(
        f"http://127.0.0.1:{EMULATOR_PORT}/_admin/messages", timeout=60
    ).json()["data"]
    for worker in workers:
        stop(worker)
    stop(emulator)
    report(args, queue_seconds, first_paced_id, sent, left, levels)


def report(args, queue_seconds, first_paced_id, sent, left, levels) -> None:
    result = figures(first_paced_id)
    per_second = collections.Counter(
        (m["phone_number_id"], m["timestamp"]) for m in sent
    )
    callbacks = collections.Counter(
        m["body"].get("biz_opaque_callback_data") for m in sent
    )
    states = result["states"]
    total = sum(states.values())
    delivered = sum(n for s, n in states.items() if s in ("sent", "delivered", "read"))
    failed = states.get("failed", 0)
    sends = sum(result["outcomes"].values())
    throttled = sum(
        n
        for key, n in result["outcomes"].items()
        if key.endswith(":130429") or key.endswith(":131057")
    )
    print(
        f"messages queued:            {args.messages} over {args.channels} channels in {queue_seconds:.1f} s ({args.messages / queue_seconds:.0f}/s) by {args.producers} producers, {args.workers} RQ workers"
    )
    print(
        f"pace:                       WHATSAPP_RATE_PER_SECOND {args.rate:.0f}, emulator grants {args.emulator_limit:.0f}/s per number, level {'read: ' + json.dumps(levels) if levels else 'unknown to LeadGate'}"
    )
    print(
        f"messages sent/s:            {args.messages / result['span']:.1f} ({args.messages} queued first, sent in {result['span']:.1f} s from the first attempt to the last answer; {args.messages / result['span'] / args.channels:.1f}/s per number)"
    )
    print(
        f"queued → sent at {args.paced_rate:.0f}/s:     p50 {percentile(result['latencies'], 50) * 1000:.0f} ms, p95 {percentile(result['latencies'], 95) * 1000:.0f} ms"
    )
    print(
        f"highest per-channel rate:   {max(per_second.values()) if per_second else 0} in one second (the emulator grants {args.emulator_limit:.0f})"
    )
    print(
        f"throughput errors:          {throttled} of {sends} sends ({100 * throttled / max(sends, 1):.2f} %; 130429/131057, the emulator's sliding second)"
    )
    print(f"messages failed:            {failed}")
    print(
        f"messages lost:              {total - delivered - failed} ({left} still waiting; states {json.dumps(states)})"
    )
    print(
        f"duplicates at the emulator: {sum(n - 1 for n in callbacks.values() if n > 1)}"
    )
    print(f"send attempts:              {json.dumps(result['outcomes'])}")
    print(
        f"load average:               {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
