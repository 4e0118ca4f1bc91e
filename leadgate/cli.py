"""The `leadgate` command: the Flask CLI of this app plus our own commands."""

import json
import logging
import os

import click
from flask import Flask, current_app, url_for
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from rq import Queue
from sqlalchemy import select
from werkzeug.serving import run_simple

from . import audit, dev_mail, embedded, jobs
from .auth import services
from .auth.two_factor_cli import two_factor_off
from .channels.services import create_channel
from .extensions import db
from .models import Channel, Workspace
from .privacy.export.cli import contact as contact_command
from .privacy.retention.cli import purge as purge_command
from .queue import QUEUE_NAMES, AppWorker, ForkingAppWorker, redis_connection
from .urls import DEV_BASE_URL


def main() -> None:
    """Entry point of the `leadgate` console script."""
    from . import create_app

    FlaskGroup(create_app=lambda: create_app(), help="LeadGate command line.")()


def register(app: Flask) -> None:
    for command in (
        dev,
        emulator,
        create_user,
        demo_seed,
        worker,
        set_platform_admin,
        channel,
        contact_command,
        purge_command,
        two_factor_off,
    ):
        app.cli.add_command(command)


@click.command("dev")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def dev(host: str, port: int) -> None:
    """Start the whole embedded stack: migrations, web, worker, scheduler, cron, emulator."""
    # Imported here, like in `emulator` and `demo-seed`: the production app
    # registers these commands but never loads the emulator (tests/test_production_app.py).
    from . import demo_campaign, dev_stack
    from .whatsapp.emulator import emulator_of

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    upgrade()
    app = current_app._get_current_object()
    base_url = f"http://{host}:{port}"
    # Unless WHATSAPP_GRAPH_URL is set, the channels talk to the built-in emulator.
    emulator_app, wsgi = dev_stack.mount_emulator(
        app, base_url, use_for_graph=not os.environ.get("WHATSAPP_GRAPH_URL")
    )
    embedded.start(app, jobs.names())
    dev_stack.sync_templates_soon(app)
    demo_campaign.seed_demo_campaigns_soon(app)
    click.echo(f"LeadGate läuft auf {base_url}  (Strg+C beendet)")
    click.echo(
        f"Kundenhandy (Cloud-API-Emulator): {base_url}{dev_stack.EMULATOR_PREFIX}/phone"
    )
    click.echo(f"Postausgang (E-Mails ohne SMTP): {base_url}{dev_mail.PREFIX}/")
    try:
        run_simple(host, port, wsgi, threaded=True, use_reloader=False)
    finally:
        emulator_of(emulator_app).stop()


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5055, show_default=True, type=int)
def emulator(host: str, port: int) -> None:
    """Run the WhatsApp Cloud API emulator standalone (Graph API, webhooks, phone page)."""
    from .whatsapp.emulator import run_emulator

    click.echo(
        f"Cloud-API-Emulator: http://{host}:{port}/v25.0  Kundenhandy: http://{host}:{port}/phone"
    )
    run_emulator(host, port)


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--workspace", "workspace_name", default=None)
@click.option("--platform-admin", is_flag=True, default=False)
def create_user(
    email: str,
    name: str,
    password: str,
    workspace_name: str | None,
    platform_admin: bool,
) -> None:
    """Create a user (and a workspace they own) and print their ids as JSON."""
    if services.find_user_by_email(email):
        raise click.ClickException("A user with this email already exists.")
    user = services.create_user(name, email, password)
    user.is_platform_admin = platform_admin
    workspace = services.create_workspace(user, workspace_name or f"Team {name}")
    db.session.commit()
    click.echo(json.dumps({"user_id": user.id, "workspace_id": workspace.id}))


@click.command("set-platform-admin")
@with_appcontext
@click.argument("email")
@click.option("--revoke", is_flag=True, default=False)
def set_platform_admin(email: str, revoke: bool) -> None:
    """Grant (or with --revoke take away) platform administration for a user."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException("No such user.")
    user.is_platform_admin = not revoke
    db.session.commit()
    click.echo(
        json.dumps({"user_id": user.id, "platform_admin": user.is_platform_admin})
    )


@click.command("demo-seed")
@with_appcontext
def demo_seed() -> None:
    """Create the demo workspace, its login, its WhatsApp channel and some history."""
    from .demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    seed_demo()
    # Without BASE_URL: the address `leadgate dev` serves by default.
    base = current_app.config["BASE_URL"] or DEV_BASE_URL
    click.echo(
        f"Demo workspace ready: {base}/login  E-Mail: {DEMO_EMAIL}  Passwort: {DEMO_PASSWORD}"
    )


@click.command("worker")
@with_appcontext
@click.option(
    "--queue", "queues", multiple=True, default=QUEUE_NAMES, show_default=True
)
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option(
    "--fork",
    is_flag=True,
    help="Fork a work horse per job (isolation for slow jobs) instead of running "
    "jobs in this process.",
)
def worker(queues: tuple[str, ...], burst: bool, fork: bool) -> None:
    """Run an RQ worker (with its scheduler) for production; needs REDIS_URL."""
    if not current_app.config["REDIS_URL"]:
        raise click.ClickException(
            "REDIS_URL is not set; without Redis the queue runs inside `leadgate dev`."
        )
    connection = redis_connection()
    worker_class = ForkingAppWorker if fork else AppWorker
    rq_worker = worker_class(
        [Queue(name, connection=connection) for name in queues],
        connection=connection,
        app=current_app._get_current_object(),
        allowed_jobs=jobs.names(),
    )
    rq_worker.work(with_scheduler=True, burst=burst)


@click.group("channel")
def channel() -> None:
    """Manage WhatsApp channels."""


@channel.command("add")
@with_appcontext
@click.option("--workspace", "workspace_id", required=True, type=int)
@click.option("--name", required=True)
@click.option("--phone-number-id", required=True)
@click.option("--waba-id", required=True)
@click.option("--access-token", required=True)
@click.option("--app-secret", required=True)
@click.option("--verify-token", default=None)
@click.option("--display-phone", default=None)
def channel_add(workspace_id: int, **options) -> None:
    """Connect a WhatsApp number and print its id, webhook path and verify token."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        raise click.ClickException("No such workspace.")
    if db.session.scalar(
        select(Channel.id).where(Channel.phone_number_id == options["phone_number_id"])
    ):
        raise click.ClickException("This phone number ID is already connected.")
    created = create_channel(workspace, **options)
    db.session.flush()
    audit.record(workspace.id, "channel.connected", created, via="cli")
    db.session.commit()
    with current_app.test_request_context():
        path = url_for("webhooks.receive", key=created.key)
    click.echo(
        json.dumps(
            {
                "channel_id": created.id,
                "webhook_path": path,
                "verify_token": created.verify_token,
            }
        )
    )
