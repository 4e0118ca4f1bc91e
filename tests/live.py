"""A real `leadgate dev` process on a free port: the embedded stack of the run command."""

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from . import processes

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quiet_demo(database: Path) -> None:
    """Switch the demo's welcome and away replies off.

    The demo answers a first message and any message outside its business hours
    by itself; the browser tests count what goes out and what a thread shows,
    whatever the time of day. A test of those replies switches them on itself.
    """
    with contextlib.closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE auto_reply_settings SET welcome_on = 0, away_on = 0")


class DevServer:
    def __init__(self, instance_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = instance_dir / "dev.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
        }
        # Unbuffered: a failing test shows the server's log up to that moment.
        env.update(
            LEADGATE_INSTANCE_DIR=str(instance_dir),
            BASE_URL=self.url,
            PYTHONUNBUFFERED="1",
        )
        subprocess.run(
            [BIN / "leadgate", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [BIN / "leadgate", "demo-seed"], env=env, check=True, capture_output=True
        )
        quiet_demo(instance_dir / "leadgate.sqlite3")
        self.log = self.log_path.open("w")
        self.process = processes.start(
            [BIN / "leadgate", "dev", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"leadgate dev exited:\n{self.output()}")
            try:
                httpx.get(self.url + "/", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"leadgate dev did not start:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def wait_for_output(self, needle: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output()
            if needle in text:
                return text
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} not in dev server output:\n{self.output()}")

    def stop(self) -> None:
        processes.stop(self.process)
        self.log.close()
