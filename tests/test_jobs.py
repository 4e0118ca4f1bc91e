"""One list of jobs, one way to give them their app context, fakeredis only embedded."""

import ast
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import select

import leadgate
from leadgate import jobs, retry
from leadgate.extensions import db
from leadgate.models import Invite, utcnow
from leadgate.privacy.files import enqueue_file_deletion
from leadgate.queue import AppWorker, enqueue, redis_connection
from leadgate.workspaces.services import create_invite, purge_expired_invites

from .support import make_user, workspace_of

ROOT = Path(leadgate.__file__).parent
# Calls that hand a function to RQ, and the position of that function.
ENQUEUERS = {"enqueue": 0, "enqueue_call": 0, "enqueue_in": 1, "enqueue_at": 1}


def enqueued_names() -> set[tuple[str, str]]:
    """(file, function name) of every function leadgate/ hands to RQ."""
    found = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name == "register" and getattr(node.func.value, "id", "") == "cron":
                position = 0  # rq cron's registrations
            elif name in ENQUEUERS:
                position = ENQUEUERS[name]
            else:
                continue
            if len(node.args) > position:
                func = node.args[position]
                label = getattr(func, "attr", getattr(func, "id", None))
                found.add((path.name, label))
    return found


def test_every_function_handed_to_rq_is_a_listed_job():
    listed = {job.__name__ for job in jobs.JOBS}
    handed = enqueued_names()
    # `func` is queue.enqueue's own parameter, passed through.
    unlisted = {(f, name) for f, name in handed if name not in listed | {"func"}}
    assert unlisted == set()
    assert len(handed) >= 15  # the scan does find them


def test_the_worker_refuses_a_job_that_is_not_listed(app):
    """RQ would import any function a job in Redis names; ours runs only the list."""
    with app.app_context():
        owner = make_user("o@example.com")
        create_invite(workspace_of(owner), "old@example.com", "agent", owner)
        db.session.scalar(select(Invite)).expires_at = utcnow() - timedelta(days=31)
        db.session.commit()
        queue = Queue("low", connection=redis_connection())
        job = queue.enqueue(purge_expired_invites)
    connection = redis_connection(app)
    allowed = jobs.names() - {"leadgate.workspaces.services.purge_expired_invites"}
    AppWorker([queue], connection=connection, app=app, allowed_jobs=allowed).work(
        burst=True
    )
    assert job.id in FailedJobRegistry(queue=queue).get_job_ids()
    assert "UnknownJob" in job.latest_result().exc_string
    with app.app_context():
        assert db.session.scalar(select(Invite.email)) == "old@example.com"
    # Listed, the same job runs, in the worker's app context (no context of its own).
    queue.enqueue(purge_expired_invites)
    AppWorker([queue], connection=connection, app=app, allowed_jobs=jobs.names()).work(
        burst=True
    )
    with app.app_context():
        assert db.session.scalar(select(Invite.email)) is None


def test_jobs_take_their_retries_from_the_table(app):
    app.config["QUEUE_IS_ASYNC"] = True
    with app.app_context():
        enqueue(purge_expired_invites, queue="low")
        enqueue_file_deletion(["a" * 64])
        queue = Queue("low", connection=redis_connection())
        plain, deletion = queue.get_jobs()
    assert plain.retries_left == retry.JOB.attempts - 1
    assert plain.retry_intervals == list(retry.JOB.delays)
    assert deletion.retries_left == retry.FILE_DELETION.attempts - 1 == 28
    assert deletion.retry_intervals == list(retry.FILE_DELETION.delays)


def test_retry_delays_repeat_the_last_and_spread_with_jitter():
    assert [retry.MEDIA_DOWNLOAD.delay(n) for n in (1, 4, 9)] == [10, 900, 900]
    assert [retry.DELIVERY_PAIR_LIMIT.delay(n) for n in range(1, 6)] == [
        1,
        4,
        16,
        64,
        256,
    ]
    for attempt in range(1, 6):
        assert 2**attempt / 2 <= retry.DELIVERY.delay(attempt) <= 2**attempt


def test_production_code_never_imports_fakeredis(database_url):
    """`import leadgate.queue` and a production create_app leave fakeredis alone."""
    script = (
        "import sys\n"
        "import leadgate.queue\n"
        "assert 'fakeredis' not in sys.modules, 'queue'\n"
        "from leadgate import create_app\n"
        "app = create_app()\n"
        "assert app.config['LEADGATE_ENV'] == 'production'\n"
        "assert 'fakeredis' not in sys.modules, 'create_app'\n"
        "from leadgate.queue import redis_connection\n"
        "redis_connection(app)\n"
        "assert 'fakeredis' not in sys.modules, 'redis_connection'\n"
    )
    env = {
        **os.environ,
        "LEADGATE_ENV": "production",
        "SECRET_KEY": "x" * 64,
        "ENCRYPTION_KEY": "8iJc1cC3n0Yl1k7yVqCwS8oYpQZb0m5Jm2f3t4u5v6w=",
        "REDIS_URL": "redis://127.0.0.1:6379/0",  # not contacted: the client is lazy
        "BASE_URL": "https://leadgate.example",
        "DATABASE_URL": database_url,
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_rq_policy_gives_rq_its_attempts():
    for name, policy in retry.POLICIES.items():
        rq_retry = policy.rq()
        if policy.attempts == 1:
            assert rq_retry is None, name
        else:
            assert rq_retry.max == policy.attempts - 1, name
            assert rq_retry.intervals == list(policy.delays), name
