"""RQ queues on Redis, or on an in-process fakeredis in the embedded mode, and the
one way a job gets its app context: the worker classes below.

Jobs are plain functions that expect to run inside an app context. Whoever runs
them provides it: `AppWorker` (in-process, `leadgate worker` and `leadgate dev`),
`ForkingAppWorker` (`leadgate worker --fork`, a work horse per job), a request
when QUEUE_IS_ASYNC is off (tests), or a test's `app.app_context()`. No job
creates an app itself, so nothing below the app factory imports it.

The embedded mode (no REDIS_URL) is for `leadgate dev` and tests: production
refuses to start without REDIS_URL (config.require_production_services), so
fakeredis is imported only when that mode is used.
"""

from collections.abc import Callable, Iterable
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue, SimpleWorker, Worker
from rq.job import Job

from . import retry
from .config import require_production_services
from .extensions import db

# Inbound webhooks first; slow work (media, exports, purges) never blocks them.
QUEUE_NAMES = ("high", "default", "low")

# One shared in-process server per process: web, worker and scheduler threads of
# `leadgate dev` all see the same queues. Created on first use (embedded only).
_embedded_server = None


def embedded_connection() -> redis.Redis:
    """A client of this process's in-memory Redis (fakeredis, imported on demand)."""
    global _embedded_server
    import fakeredis  # a development dependency of the embedded mode only

    if _embedded_server is None:
        _embedded_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_embedded_server)


def redis_connection(app: Flask | None = None) -> redis.Redis:
    """The Redis connection for queues: real when REDIS_URL is set."""
    app = app or current_app
    connection = app.extensions.get("leadgate_redis")
    if connection is None:
        url = app.config["REDIS_URL"]
        if url:
            connection = redis.Redis.from_url(url)
        else:
            require_production_services(app.config)  # never a private queue there
            connection = embedded_connection()
        app.extensions["leadgate_redis"] = connection
    return connection


def get_queue(name: str = "default") -> Queue:
    return Queue(
        name,
        connection=redis_connection(),
        is_async=current_app.config["QUEUE_IS_ASYNC"],
    )


def enqueue(func: Callable, *args: Any, queue: str = "default", **options: Any) -> None:
    """Enqueue a job with retries; call only after the data it needs is committed."""
    options.setdefault("retry", retry.JOB.rq())
    options.setdefault("result_ttl", 0)
    get_queue(queue).enqueue(func, *args, **options)


def other_work_waiting(func: Callable, *args: Any) -> bool:
    """Whether a queued job is anything but `func(*args)` (a long job's own relays).

    A long-running job asks before it carries on: while other work waits for a
    worker, it should hand over; while only copies of itself wait, carrying on
    loses nothing and saves the pause of a handover.
    """
    name = f"{func.__module__}.{func.__qualname__}"
    connection = redis_connection()
    for queue_name in QUEUE_NAMES:
        ids = Queue(queue_name, connection=connection).get_job_ids()
        for job in Job.fetch_many(ids, connection=connection) if ids else ():
            if job is not None and (job.func_name != name or tuple(job.args) != args):
                return True
    return False


class UnknownJob(Exception):
    """A job names a function that is not one of ours (leadgate.jobs lists them)."""


class AppContextJobs:
    """Mixin for RQ workers: each job runs in a fresh context of `app`.

    A fresh context per job gives each job its own database session, which ends
    with the job, as it would in a forked work horse. `allowed_jobs` (the dotted
    names of leadgate.jobs.JOBS) makes the worker refuse any other function a
    job in Redis may name: RQ would import and call whatever it is told.
    """

    app: Flask
    allowed_jobs: frozenset[str] | None = None

    def __init__(
        self,
        *args: Any,
        app: Flask | None = None,
        allowed_jobs: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if app is not None:
            self.app = app
        if allowed_jobs is not None:
            self.allowed_jobs = frozenset(allowed_jobs)

    def perform_job(self, job, queue, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)

    def prepare_job_execution(self, job, *args, **kwargs):
        # Inside perform_job's try: a refused job is recorded as failed.
        if self.allowed_jobs is not None and job.func_name not in self.allowed_jobs:
            raise UnknownJob(f"{job.func_name} is not in leadgate.jobs.JOBS")
        return super().prepare_job_execution(job, *args, **kwargs)


class AppWorker(AppContextJobs, SimpleWorker):
    """Runs jobs in its own process, each in a fresh app context.

    Not forking per job keeps the app, the database pool and the Redis connection
    warm: a webhook drain then costs its work, not a fork and a new connection.
    """


class ForkingAppWorker(AppContextJobs, Worker):
    """Forks a work horse per job (isolation for slow or memory-hungry jobs)."""

    def main_work_horse(self, job, queue):
        # The horse inherited the parent's pooled connections: never use them
        # (both processes would talk on one socket); close=False leaves them
        # to the parent.
        with self.app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        return super().main_work_horse(job, queue)
