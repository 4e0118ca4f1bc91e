"""A small keep-alive HTTP/1.1 load generator for pre-signed webhook POSTs.

Each connection sends one request at a time and waits for its answer, like Meta's
concurrent deliveries; a non-200 answer is retried (as Meta retries) and counted.
Per-request latencies are measured from the first byte sent to the full answer.
"""

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    non_200: int = 0
    reconnects: int = 0
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000


def build_request(path: str, body: bytes, signature: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, keep_alive = 0, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and value.strip().lower() == "close":
            keep_alive = False
    if length:
        await reader.readexactly(length)
    return status if keep_alive else -status


async def connection_worker(
    host, port, queue: asyncio.Queue, result: LoadResult, retry: bool, opened
) -> None:
    reader, writer = opened
    while not queue.empty():
        request = queue.get_nowait()
        while True:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                started = time.perf_counter()
                writer.write(request)
                await writer.drain()
                status = await read_response(reader)
            except (
                ConnectionError,
                OSError,
                asyncio.IncompleteReadError,
                ValueError,
                IndexError,
            ):
                result.reconnects += 1
                writer = None
                continue  # resend on a fresh connection
            result.latencies.append(time.perf_counter() - started)
            if status < 0:  # server closed the connection after answering
                writer.close()
                writer, status = None, -status
            if status == 200:
                break
            result.non_200 += 1  # Meta would retry: so do we, unless told not to
            if not retry:
                break
    if writer is not None:
        writer.close()


async def fire(
    host: str, port: int, requests: list[bytes], connections: int, retry: bool = True
) -> LoadResult:
    queue: asyncio.Queue = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    result = LoadResult()
    # Open the connections one by one before the clock starts, as Meta's arrive
    # over time: a burst of connects lets one server process accept most of them
    # and leaves the others idle, which makes runs unrepeatable.
    opened = []
    for _ in range(connections):
        opened.append(await asyncio.open_connection(host, port))
        await asyncio.sleep(0.005)
    started = time.perf_counter()
    await asyncio.gather(
        *(connection_worker(host, port, queue, result, retry, pair) for pair in opened)
    )
    result.seconds = time.perf_counter() - started
    return result


def run(
    host: str, port: int, requests: list[bytes], connections: int, retry: bool = True
) -> LoadResult:
    return asyncio.run(fire(host, port, requests, connections, retry))
