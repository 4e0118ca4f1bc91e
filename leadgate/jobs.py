"""RQ job functions. They take ids and keys, run inside an app context, and are idempotent.

Mail jobs live in mail.py.
"""

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, has_app_context
from sqlalchemy import delete

from .extensions import db
from .models import Invite, utcnow

_worker_app: Flask | None = None


def in_app_context(func: Callable) -> Callable:
    """Run the job in the app's context, creating the app once per worker process."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _worker_app
        if has_app_context():
            return func(*args, **kwargs)
        if _worker_app is None:
            from . import create_app  # at first use, never at import time

            _worker_app = create_app()
        with _worker_app.app_context():
            return func(*args, **kwargs)

    return wrapper


@in_app_context
def purge_expired_invites() -> int:
    """Delete invites that expired more than 30 days ago."""
    result = db.session.execute(
        delete(Invite).where(Invite.expires_at < utcnow() - timedelta(days=30))
    )
    db.session.commit()
    return result.rowcount
