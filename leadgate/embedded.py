"""The embedded stack of `leadgate dev`: RQ worker, RQ scheduler and RQ cron as threads.

They share the in-process fakeredis with the web server, so nothing but Python is
needed. Production runs the same RQ pieces as separate processes on real Redis.

RQ installs SIGINT/SIGTERM handlers when a worker, scheduler or cron starts, and
Python allows that only in the main thread. RQ has no public switch for it, so
the three classes below override RQ's `_install_signal_handlers`;
tests/test_embedded.py fails if an RQ release renames it or starts them another way.
"""

import logging
import threading
from collections.abc import Iterable

from flask import Flask
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from .queue import QUEUE_NAMES, AppWorker, redis_connection

log = logging.getLogger(__name__)


class ThreadWorker(AppWorker):
    """Runs jobs in this thread: signals belong to the main thread, so use a timer.

    The fresh app context per job also means no session holds SQLite's write lock
    between jobs.
    """

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


class ThreadScheduler(RQScheduler):
    """Moves retried and scheduled jobs to their queue when they are due."""

    def _install_signal_handlers(self) -> None:
        pass


class ThreadCron(CronScheduler):
    def _install_signal_handlers(self) -> None:
        pass


# The RQ classes and the private method each of them calls on start.
OVERRIDDEN = ((SimpleWorker, "work"), (RQScheduler, "work"), (CronScheduler, "start"))


def start(app: Flask, allowed_jobs: Iterable[str]) -> list[threading.Thread]:
    """Start worker, scheduler and cron threads bound to this app."""
    connection = redis_connection(app)
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    worker = ThreadWorker(
        queues, connection=connection, app=app, allowed_jobs=allowed_jobs
    )
    scheduler = ThreadScheduler(queues, connection=connection, interval=1)
    cron = ThreadCron(connection=connection)
    cron.load_config_from_file(
        "leadgate.cron"
    )  # the file `rq cron` loads in production

    def run_worker() -> None:
        worker.work(with_scheduler=False)

    def run_scheduler() -> None:
        scheduler.acquire_locks()
        scheduler.work()

    threads = [
        threading.Thread(target=run_worker, name="rq-worker", daemon=True),
        threading.Thread(target=run_scheduler, name="rq-scheduler", daemon=True),
        threading.Thread(target=cron.start, name="rq-cron", daemon=True),
    ]
    for thread in threads:
        thread.start()
    log.info("Embedded queue worker, scheduler and cron started")
    return threads
