"""RQ queues on Redis, or on an in-process fakeredis in the embedded mode.

The embedded mode (no REDIS_URL) is for `leadgate dev` and tests: production
refuses to start without REDIS_URL (config.require_production_services).
"""

from collections.abc import Callable
from typing import Any

import fakeredis
import redis
from flask import Flask, current_app
from rq import Queue, Retry, SimpleWorker

from .config import require_production_services

# Inbound webhooks first; slow work (media, exports, purges) never blocks them.
QUEUE_NAMES = ("high", "default", "low")

# One shared in-process server per process: web, worker and scheduler threads of
# `leadgate dev` all see the same queues.
_EMBEDDED_SERVER = fakeredis.FakeServer()


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
            connection = fakeredis.FakeRedis(server=_EMBEDDED_SERVER)
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
    options.setdefault("retry", Retry(max=3, interval=[10, 60, 300]))
    options.setdefault("result_ttl", 0)
    get_queue(queue).enqueue(func, *args, **options)


class AppWorker(SimpleWorker):
    """An RQ worker that runs jobs in its own process, each in a fresh app context.

    Not forking per job keeps the app, the database pool and the Redis connection
    warm: a webhook drain then costs its work, not a fork and a new connection.
    Like a forked work horse, each job's database session ends with the job.
    """

    app: Flask

    def perform_job(self, job, queue, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)
