"""RQ job functions. They take plain values, run inside an app context, and are idempotent."""

import functools
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete

from .extensions import db
from .models import Invite, utcnow

log = logging.getLogger(__name__)

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
def deliver_mail(to: str, subject: str, body: str) -> None:
    """Send one email by SMTP, or keep it in the dev outbox when SMTP is not set."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if current_app.config["MAIL_SERVER"]:
        _send_smtp(message)
        return
    current_app.extensions.setdefault("mail_outbox", []).append(message)
    if current_app.config["LEADGATE_ENV"] == "development":
        # Development only: without SMTP the console is the mailbox.
        log.warning("Mail (not sent, no SMTP configured):\n%s", message.as_string())
    else:
        log.warning("Mail not sent: MAIL_SERVER is not configured")


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


@in_app_context
def purge_expired_invites() -> int:
    """Delete invites that expired more than 30 days ago."""
    result = db.session.execute(
        delete(Invite).where(Invite.expires_at < utcnow() - timedelta(days=30))
    )
    db.session.commit()
    return result.rowcount
