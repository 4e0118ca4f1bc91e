"""`leadgate dev`: LeadGate and the Cloud API emulator in one process, wired together."""

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from . import dev_mail
from .channels.services import app_secret, refresh_number
from .extensions import db
from .models import Channel
from .outbound.templates import sync_templates
from .queue import get_queue
from .whatsapp.channels import access_token
from .whatsapp.emulator import create_emulator_app, emulator_of

EMULATOR_PREFIX = "/_emulator"
GRAPH_VERSION = "v25.0"


def mount_emulator(app: Flask, base_url: str, use_for_graph: bool):
    """Serve the emulator under /_emulator and the outbox under /_dev/mail.

    Point the Graph client at the emulator if asked.
    """
    emulator_app = create_emulator_app({"NUMBERS": []})
    if use_for_graph:
        app.config["WHATSAPP_GRAPH_URL"] = (
            f"{base_url}{EMULATOR_PREFIX}/{GRAPH_VERSION}"
        )
    register_channels(app, emulator_app, base_url)
    # The demo's campaign answers from its recipients' phones (demo_campaign.py).
    app.extensions["leadgate_dev_emulator"] = emulator_of(emulator_app)
    db.session.remove()  # end the read: SQLite's write lock must not stay taken
    mounts = {
        EMULATOR_PREFIX: emulator_app,
        dev_mail.PREFIX: dev_mail.create_dev_mail_app(app),  # the outbox, not the log
    }
    return emulator_app, DispatcherMiddleware(app, mounts)


def register_channels(app: Flask, emulator_app: Flask, base_url: str) -> None:
    """Give every channel a number in the emulator that sends webhooks back to us."""
    emulator = emulator_of(emulator_app)
    with app.test_request_context(base_url=base_url):
        from flask import url_for

        for channel in db.session.scalars(select(Channel)):
            emulator.register_number(
                {
                    "phone_number_id": channel.phone_number_id,
                    "waba_id": channel.waba_id,
                    "display_phone_number": channel.display_phone or "+49 30 12345678",
                    "verified_name": channel.verified_name or channel.name,
                    "quality_rating": "GREEN",
                    "access_token": access_token(channel),
                    "app_secret": app_secret(channel),
                    "verify_token": channel.verify_token,
                    "webhook_url": url_for(
                        "webhooks.receive", key=channel.key, _external=True
                    ),
                }
            )


def sync_templates_soon(app: Flask) -> None:
    """Fetch every channel's templates and throughput level once the server
    answers (its emulator too): the demo number shows its level and pace."""
    with app.app_context():
        for channel_id in db.session.scalars(select(Channel.id)):
            get_queue("low").enqueue_in(
                timedelta(seconds=1), sync_templates, channel_id, result_ttl=0
            )
            get_queue("low").enqueue_in(
                timedelta(seconds=1), refresh_number, channel_id, result_ttl=0
            )
        db.session.remove()
