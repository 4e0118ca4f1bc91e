"""Benchmark: from Meta's webhook POST to the event in 200 open inboxes (SSE).

Runs LeadGate as in production: the web app under gunicorn (gthread) for the
webhooks, a second gunicorn node for the event streams (gthread, one thread per
open stream), RQ workers draining the webhooks, PostgreSQL and Redis pub/sub.
200 clients hold `/inbox/events` open as one signed-in agent each would; then
webhooks arrive for known conversations (5 per second, each conversation at
most every 4 s, so every event names exactly one webhook). Prints p50/p95/max
from the POST to the "conversation-<id>" event at every client, and misses.

    .venv/bin/python benchmarks/sse_latency.py [--clients 200] [--webhooks 100]

Needs PostgreSQL and Redis like benchmarks/webhook_ingest.py.
"""

import argparse
import asyncio
import hashlib
import hmac
import re
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webhook_ingest import (  # noqa: E402
    APP_SECRET,
    PORT_APP,
    database_url,
    inbound,
    meta_bytes,
    prepare_database,
    start_gunicorn,
    start_workers,
    stop,
    wait_until_processed,
)

PORT_SSE = 8734
CONTACTS = 20
SPACING = 0.2  # seconds between webhooks: each conversation every 4 s
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def signed_post(client: httpx.Client, path: str, payload: dict) -> None:
    body = meta_bytes(payload)
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        path,
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256=" + digest,
        },
    )
    response.raise_for_status()


def session_cookie() -> dict:
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT_SSE}") as client:
        token = CSRF.search(client.get("/login").text).group(1)
        response = client.post(
            "/login",
            data={
                "csrf_token": token,
                "email": "bench@example.com",
                "password": "bench password 123",
            },
        )
        assert response.status_code == 302, response.status_code
        return dict(client.cookies)


def conversation_ids() -> dict[str, int]:
    with psycopg.connect(database_url()) as db:
        return dict(
            db.execute(
                "SELECT c.wa_id, v.id FROM conversation v JOIN contact c "
                "ON c.id = v.contact_id"
            ).fetchall()
        )


async def listen(cookies: dict, received: list, ready: asyncio.Event, stop_at) -> None:
    """One open inbox: record (conversation id, arrival) for every event."""
    async with (
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{PORT_SSE}", cookies=cookies, timeout=None
        ) as client,
        client.stream("GET", "/inbox/events") as response,
    ):
        ready.set()
        async for line in response.aiter_lines():
            if line.startswith("event: conversation-"):
                received.append((int(line.rsplit("-", 1)[1]), time.monotonic()))
            if time.monotonic() > stop_at():
                return


async def run_clients(count: int, cookies: dict, send) -> tuple[list, list]:
    received: list[list] = [[] for _ in range(count)]
    readies = [asyncio.Event() for _ in range(count)]
    deadline = {"at": float("inf")}
    tasks = [
        asyncio.create_task(
            listen(cookies, received[n], readies[n], lambda: deadline["at"])
        )
        for n in range(count)
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    await asyncio.sleep(1)  # every stream subscribed
    posts: list = []
    sender = threading.Thread(target=send, args=(posts,))
    sender.start()
    while sender.is_alive():
        await asyncio.sleep(0.1)
    deadline["at"] = time.monotonic() + 5  # late events still count
    await asyncio.sleep(5)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return posts, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--webhooks", type=int, default=100)
    args = parser.parse_args()
    webhook_path, _ = prepare_database()
    web = start_gunicorn("wsgi:app", PORT_APP, 2, 32)
    # The event node: one gthread thread per open stream (plus headroom).
    sse = start_gunicorn("wsgi:app", PORT_SSE, 1, args.clients + 32)
    workers = start_workers(2, "high")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT_APP}") as client:
            for n in range(CONTACTS):  # the conversations exist before the run
                signed_post(client, webhook_path, inbound(n, CONTACTS))
        wait_until_processed(timeout=60)
        ids = conversation_ids()
        cookies = session_cookie()

        def send(posts: list) -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{PORT_APP}") as client:
                started = time.monotonic()
                for n in range(CONTACTS, CONTACTS + args.webhooks):
                    time.sleep(
                        max(0.0, started + (n - CONTACTS) * SPACING - time.monotonic())
                    )
                    wa_id = str(4917000000000 + n % CONTACTS)
                    at = time.monotonic()
                    signed_post(client, webhook_path, inbound(n, CONTACTS))
                    posts.append((ids[wa_id], at))

        posts, received = asyncio.run(run_clients(args.clients, cookies, send))
    finally:
        for process in (*workers, web, sse):
            stop(process)
    latencies, missed = [], 0
    window = SPACING * CONTACTS
    for events in received:
        for conversation_id, at in posts:
            arrivals = [
                t for c, t in events if c == conversation_id and at <= t < at + window
            ]
            if arrivals:
                latencies.append(min(arrivals) - at)
            else:
                missed += 1
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    print(
        f"{args.clients} SSE clients on one gunicorn gthread node, {args.webhooks} webhooks "
        f"at {1 / SPACING:.0f}/s"
    )
    print(
        f"webhook POST → event at the client: p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms over {len(latencies)} deliveries"
    )
    print(f"missed (no event within {window:.0f} s): {missed}")


if __name__ == "__main__":
    main()
