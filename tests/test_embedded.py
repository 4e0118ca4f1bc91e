"""`leadgate dev` runs RQ's worker, scheduler and cron in threads.

RQ installs signal handlers on start, which Python allows only in the main
thread; embedded.py switches that off by overriding RQ's private
`_install_signal_handlers`. These tests fail when an RQ release renames it or
stops calling it where we expect, instead of `leadgate dev` losing its worker.
"""

import inspect
import threading

import pytest
from rq import Queue

from leadgate import embedded, jobs
from leadgate.queue import QUEUE_NAMES, redis_connection


@pytest.mark.parametrize(
    ("rq_class", "method"), embedded.OVERRIDDEN, ids=lambda v: getattr(v, "__name__", v)
)
def test_rq_still_installs_its_signal_handlers_where_we_override_them(rq_class, method):
    assert callable(getattr(rq_class, "_install_signal_handlers", None))
    assert "self._install_signal_handlers()" in inspect.getsource(
        getattr(rq_class, method)
    )


def test_each_embedded_class_overrides_it():
    overrides = (embedded.ThreadWorker, embedded.ThreadScheduler, embedded.ThreadCron)
    for ours, (rq_class, _) in zip(overrides, embedded.OVERRIDDEN, strict=True):
        assert issubclass(ours, rq_class)
        assert "_install_signal_handlers" in vars(ours)


def test_the_thread_worker_runs_jobs_outside_the_main_thread(app):
    """A real job, in a thread: RQ's own handlers would raise ValueError there."""
    connection = redis_connection(app)
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    job = queues[2].enqueue("leadgate.workspaces.services.purge_expired_invites")
    worker = embedded.ThreadWorker(
        queues, connection=connection, app=app, allowed_jobs=jobs.names()
    )
    errors = []

    def run():
        try:
            worker.work(burst=True)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert errors == []
    assert job.get_status(refresh=True) == "finished"
    assert job.return_value() == 0
