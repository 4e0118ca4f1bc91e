"""Outgoing email: always through the queue so a slow SMTP server never blocks a request."""

from flask import render_template

from .jobs import deliver_mail
from .queue import enqueue


def send_mail(to: str, subject: str, template: str, **context) -> None:
    """Render a plain-text mail template and queue it for delivery."""
    body = render_template(template, **context)
    enqueue(deliver_mail, to, str(subject), body, queue="default")
