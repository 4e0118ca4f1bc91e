"""Benchmark: CPU seconds of the webhook drain per 1,000 inbound messages.

Throughput from outside depends on what else the machine runs; the CPU time the
drain itself spends does not (much). This stores N signed-and-accepted inbound
texts from C contacts straight into webhook_event, then drains them in this
process (ingest.process_batch, as the worker does) and prints the drain's
process CPU time and wall time per 1,000 messages; --profile adds cProfile's
top entries.

    .venv/bin/python benchmarks/drain_cpu.py [--events 20000] [--contacts 5000] [--profile]
        [--rules]

The follow-ups run inline, so the after_inbound job (assignment, automatic
replies, rules) counts too. --rules drains the same events twice, on a fresh
database each time: as is, then with 20 rules and automatic assignment
(benchmarks/ingest_rules.py, BENCH_RULES / BENCH_ASSIGNMENT as there), and
prints both CPU figures: the issue's 90 % bar, independent of the machine's load.

Needs PostgreSQL (BENCH_ADMIN_DATABASE_URL) and Redis (BENCH_REDIS_URL), as
webhook_ingest.py; the database is BENCH_DB_NAME (default leadgate_bench_drain).
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest_rules  # noqa: E402
import webhook_ingest as bench  # noqa: E402

bench.DB_NAME = os.environ.get("BENCH_DB_NAME", "leadgate_bench_drain")


def store_events(events: int, contacts: int) -> None:
    with psycopg.connect(bench.database_url(), autocommit=True) as connection:
        channel_id = connection.execute("SELECT id FROM channel").fetchone()[0]
        with connection.cursor().copy(
            "COPY webhook_event (channel_id, body, received_at, state, attempts) "
            "FROM STDIN"
        ) as copy:
            for n in range(events):
                body = bench.meta_bytes(bench.inbound(n, contacts))
                copy.write_row((channel_id, body, "now", "pending", 0))


def drain(profile: bool) -> tuple[int, float, float, cProfile.Profile | None]:
    os.environ.update(bench.environment())
    os.environ["QUEUE_IS_ASYNC"] = "0"  # follow-ups inline: nothing left for a worker
    from leadgate import create_app
    from leadgate.webhooks import ingest

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": bench.database_url().replace(
                "postgresql://", "postgresql+psycopg://", 1
            )
        }
    )
    profiler = cProfile.Profile() if profile else None
    handled = 0
    with app.app_context():
        ingest.process_batch()  # warm up: imports, connection, statement caches
        handled += ingest.BATCH_SIZE
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        while count := ingest.process_batch():
            handled += count
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return handled - ingest.BATCH_SIZE, cpu, wall, profiler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rules", action="store_true")
    args = parser.parse_args()
    cpus = {}
    for with_rules in (False, True) if args.rules else (False,):
        bench.prepare_database()
        if with_rules:
            print("== with 20 rules and automatic assignment")
            ingest_rules.seed(bench.database_url(), bench.environment())
        store_events(args.events, args.contacts)
        handled, cpu, wall, profiler = drain(args.profile)
        cpus[with_rules] = cpu / handled
        report(handled, cpu, wall, profiler)
    if args.rules:
        plain, ruled = cpus[False], cpus[True]
        print(
            f"CPU per 1,000 messages: {1000 * plain:.3f} s without, {1000 * ruled:.3f} s"
            f" with 20 rules and assignment: the rate at equal CPU is "
            f"{100 * plain / ruled:.0f} % (the bar: 90 %)"
        )


def report(handled: int, cpu: float, wall: float, profiler) -> None:
    with psycopg.connect(bench.database_url(), autocommit=True) as connection:
        messages = connection.execute("SELECT count(wamid) FROM message").fetchone()[0]
        fired = connection.execute("SELECT count(*) FROM automation_firing").fetchone()
    print(f"messages drained:           {handled} (stored: {messages})")
    print(f"drain CPU per 1,000:        {1000 * cpu / handled:.3f} s (this process)")
    print(f"drain wall per 1,000:       {1000 * wall / handled:.3f} s")
    print(f"drain rate (one process):   {handled / wall:.0f} msg/s")
    print(f"rules fired:                {fired[0]}")
    print(f"load average:               {os.getloadavg()}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
