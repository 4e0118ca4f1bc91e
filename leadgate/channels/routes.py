"""Settings → WhatsApp: connect numbers, show webhook details, replace secrets, test."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..forms import form_status
from ..htmx import is_fragment_request
from ..models import Channel, MessageTemplate
from ..outbound import templates as template_jobs
from ..queue import enqueue
from ..tenancy import current_membership, get_scoped_or_404, manager_required
from ..urls import external_url
from ..whatsapp.client import WhatsAppError
from . import services, throughput
from .forms import ChannelForm, SecretsForm

bp = Blueprint("channels", __name__, url_prefix="/settings/channels")


def webhook_url(channel: Channel) -> str:
    return external_url("webhooks.receive", key=channel.key)


@bp.get("")
@manager_required
def index():
    channels = db.session.scalars(
        select(Channel)
        .where(Channel.workspace_id == current_membership().workspace_id)
        .order_by(Channel.created_at)
    ).all()
    return render_template("channels/index.html", channels=channels)


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def create():
    form = ChannelForm()
    if form.validate_on_submit():
        taken = db.session.scalar(
            select(Channel.id).where(
                Channel.phone_number_id == form.phone_number_id.data
            )
        )
        if taken:
            form.phone_number_id.errors.append(
                _("Diese Nummer ist bereits mit LeadGate verbunden.")
            )
        else:
            channel = services.create_channel(
                current_membership().workspace,
                name=form.name.data,
                phone_number_id=form.phone_number_id.data,
                waba_id=form.waba_id.data,
                access_token=form.access_token.data,
                app_secret=form.app_secret.data,
            )
            db.session.flush()
            audit.record(channel.workspace_id, "channel.connected", channel)
            db.session.commit()
            enqueue(services.refresh_number, channel.id)  # its throughput level
            flash(
                _(
                    "Die Nummer ist verbunden. Hinterlegen Sie jetzt den Webhook bei Meta."
                ),
                "success",
            )
            return redirect(url_for("channels.show", channel_id=channel.id))
    return render_template("channels/new.html", form=form), form_status(form)


def render_channel(channel: Channel, status: int = 200, secrets_form=None):
    page = render_template(
        "channels/show.html",
        channel=channel,
        webhook_url=webhook_url(channel),
        secrets_form=secrets_form or SecretsForm(formdata=None),
        pace=throughput.describe(throughput.pace_view(channel)),
    )
    return page, status


@bp.get("/<int:channel_id>")
@manager_required
def show(channel_id: int):
    return render_channel(get_scoped_or_404(Channel, channel_id))


@bp.post("/<int:channel_id>/secrets")
@manager_required
def replace_secrets(channel_id: int):
    channel = get_scoped_or_404(Channel, channel_id)
    form = SecretsForm()
    if not form.validate_on_submit() or not (
        form.access_token.data or form.app_secret.data
    ):
        form.access_token.errors = list(form.access_token.errors) + [
            _("Bitte geben Sie einen neuen Token oder ein neues App-Geheimnis an.")
        ]
        return render_channel(channel, 422, secrets_form=form)
    services.set_secrets(channel, form.access_token.data, form.app_secret.data)
    audit.record(
        channel.workspace_id,
        "channel.secrets_replaced",
        channel,
        access_token=bool(form.access_token.data),
        app_secret=bool(form.app_secret.data),
    )
    db.session.commit()
    flash(_("Die Zugangsdaten wurden ersetzt."), "success")
    return redirect(url_for("channels.show", channel_id=channel.id))


@bp.post("/<int:channel_id>/test")
@manager_required
def test(channel_id: int):
    channel = get_scoped_or_404(Channel, channel_id)
    error_text = None
    try:
        services.test_connection(channel)
    except WhatsAppError as error:
        if error.token_invalid:
            channel.needs_new_token = True
        error_text = services.describe_error(error)
    db.session.commit()
    if is_fragment_request():
        return render_template(
            "channels/_test_result.html", channel=channel, error=error_text
        )
    flash(
        error_text or _("Verbindung erfolgreich."), "error" if error_text else "success"
    )
    return redirect(url_for("channels.show", channel_id=channel.id))


@bp.get("/templates")
@manager_required
def templates():
    """The workspace's message templates with their review status at Meta."""
    rows = db.session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.workspace_id == current_membership().workspace_id)
        .order_by(MessageTemplate.name, MessageTemplate.language)
    ).all()
    return render_template("channels/templates.html", templates=rows)


@bp.post("/templates/sync")
@manager_required
def sync_templates():
    """Fetch the templates of every connected number (a job per channel)."""
    channel_ids = db.session.scalars(
        select(Channel.id).where(
            Channel.workspace_id == current_membership().workspace_id
        )
    ).all()
    for channel_id in channel_ids:
        enqueue(template_jobs.sync_templates, channel_id)
    flash(_("Die Vorlagen werden von Meta abgerufen."), "success")
    return redirect(url_for("channels.templates"), 303)
