"""Prometheus metrics: counted where things happen, states read at scrape time.

Counters and histograms live in the process that counts (web, worker). Under
gunicorn, and with `leadgate worker` processes on the same host, set
PROMETHEUS_MULTIPROC_DIR to one empty directory for all of them before they
start: each process then writes its values to files there and a scrape of any
web process adds them up (prometheus_client's multiprocess mode). Without it
every process has its own registry, which is right for `leadgate dev` and tests.

Gauges of state (pending and failed webhook events, ingest lag, queue depths) are
read from PostgreSQL and Redis when scraped, so they are the same whichever
process answers. Labels never carry personal data: reasons, outcomes, Meta
error codes and queue names only — no numbers, names or channel keys.
"""

import logging

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from rq import Queue
from sqlalchemy import func, select

from .extensions import db
from .models import WebhookEvent, as_utc, utcnow
from .queue import QUEUE_NAMES, redis_connection

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
disable_created_metrics()  # no *_created series: start times say nothing here

WEBHOOKS_RECEIVED = Counter(
    "leadgate_webhooks_received",
    "Webhook POSTs stored and acknowledged with 200.",
    registry=REGISTRY,
)
WEBHOOKS_REFUSED = Counter(
    "leadgate_webhooks_refused",
    "Webhook POSTs answered with an error, by reason.",
    ["reason"],
    registry=REGISTRY,
)
# Both intake paths (webhooks/routes.py and webhooks/fast.py) answer alike.
REFUSAL_BY_STATUS = {
    401: "signature",
    400: "not_whatsapp",
    413: "too_large",
    503: "db_unavailable",
    404: "unknown_channel",
}
_WEBHOOK_COUNTERS = {
    200: WEBHOOKS_RECEIVED,
    **{s: WEBHOOKS_REFUSED.labels(r) for s, r in REFUSAL_BY_STATUS.items()},
}

WEBHOOK_DRAIN_FAILURES = Counter(
    "leadgate_webhook_drain_failures",
    "Webhook events a drain could not apply (marked failed).",
    registry=REGISTRY,
)
WEBHOOK_EVENTS_REQUEUED = Counter(
    "leadgate_webhook_events_requeued",
    "Failed webhook events a platform admin sent back for processing.",
    registry=REGISTRY,
)
SENDS = Counter(
    "leadgate_sends",
    "Answers to send requests by outcome (sent, held, limited, paused, retry, "
    "failed, unknown, gone) "
    "and Meta error code (empty when sent, 'none' without a code).",
    ["outcome", "error_code"],
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "leadgate_send_seconds",
    "Time from a send request to Meta's answer (or the error).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
MEDIA_DOWNLOAD_FAILURES = Counter(
    "leadgate_media_download_failures",
    "Inbound media given up on (refused, or failed after the last retry).",
    registry=REGISTRY,
)
SSE_CLIENTS = Gauge(
    "leadgate_sse_clients",
    "Live-update streams (Server-Sent Events) open now.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)


def count_webhook(status: int) -> None:
    """Count one answered webhook POST by its HTTP status."""
    counter = _WEBHOOK_COUNTERS.get(status)
    if counter is not None:
        counter.inc()


def count_sends(outcome: str, code: int | None = None, amount: int = 1) -> None:
    """Count answered sends; `code` is Meta's error code, if any."""
    label = "" if outcome == "sent" else str(code if code is not None else "none")
    SENDS.labels(outcome, label).inc(amount)


def multiprocess_mode() -> bool:
    """Whether values go to files (decided by prometheus_client at its import)."""
    return values.ValueClass is not values.MutexValue


def exposition(app) -> bytes:
    """The text format of every metric: counters of all processes, state now."""
    if multiprocess_mode():
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    state = CollectorRegistry()
    state.register(StateCollector(app))
    return generate_latest(counted) + generate_latest(state)


class StateCollector:
    """Gauges read at scrape time from PostgreSQL and Redis."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        up = GaugeMetricFamily(
            "leadgate_dependency_up",
            "Whether the last scrape reached the dependency (1) or not (0).",
            labels=["dependency"],
        )
        with self.app.app_context():
            for name, read in (("database", webhook_gauges), ("redis", queue_gauges)):
                try:
                    families = read()
                except Exception as error:  # the scrape still answers
                    log.warning(
                        "Metrics: %s unreachable (%s)", name, type(error).__name__
                    )
                    up.add_metric([name], 0)
                    continue
                up.add_metric([name], 1)
                yield from families
        yield up


def webhook_gauges() -> list[GaugeMetricFamily]:
    rows = db.session.execute(
        select(WebhookEvent.state, func.count(), func.min(WebhookEvent.received_at))
        .where(WebhookEvent.state.in_(("pending", "failed")))
        .group_by(WebhookEvent.state)
    ).all()
    db.session.rollback()
    by_state = {state: (count, oldest) for state, count, oldest in rows}
    pending, oldest = by_state.get("pending", (0, None))
    lag = 0.0
    if oldest is not None:
        lag = max(0.0, (utcnow() - as_utc(oldest)).total_seconds())
    return [
        GaugeMetricFamily(
            "leadgate_webhook_events_pending",
            "Stored webhook events not applied yet.",
            value=pending,
        ),
        GaugeMetricFamily(
            "leadgate_webhook_events_failed",
            "Webhook events whose drain failed (admin page: erneut verarbeiten).",
            value=by_state.get("failed", (0, None))[0],
        ),
        GaugeMetricFamily(
            "leadgate_webhook_ingest_lag_seconds",
            "Age of the oldest pending webhook event (0 when none waits).",
            value=lag,
        ),
    ]


def queue_gauges() -> list[GaugeMetricFamily]:
    connection = redis_connection()
    depth = GaugeMetricFamily(
        "leadgate_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"]
    )
    for name in QUEUE_NAMES:
        depth.add_metric([name], Queue(name, connection=connection).count)
    return [depth]
