"""Retention settings: how long the workspace keeps what, and the last purge runs."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ... import audit
from ...extensions import db
from ...forms import form_status
from ...models import AuditEvent
from ...tenancy import current_membership, manager_required
from ..retention.platform import WEBHOOK_BODY_RETENTION_DAYS
from ..retention.purge import COUNTS, SETTINGS
from .blueprint import bp

MAX_DAYS = 3650  # ten years: the longest German retention duty (§ 147 AO)
RECENT_RUNS = 10
COUNT_LABELS = (
    _l("Nachrichten"),
    _l("Anhänge"),
    _l("Gespräche"),
    _l("Lead-Einsendungen"),
    _l("Kontakte"),
    _l("Kampagnen-Empfänger"),
)


def days_field(label, description) -> IntegerField:
    return IntegerField(
        label,
        description=description,
        validators=[
            InputRequired(_l("Bitte eine Zahl von Tagen angeben.")),
            NumberRange(
                1, MAX_DAYS, _l("Bitte 1 bis %(max)s Tage angeben.", max=MAX_DAYS)
            ),
        ],
        render_kw={"min": 1, "max": MAX_DAYS, "inputmode": "numeric"},
    )


class RetentionForm(FlaskForm):
    retention_messages_days = days_field(
        _l("Nachrichten und Anhänge löschen nach (Tagen)"),
        _l(
            "Gezählt ab Eingang bzw. Versand; gilt auch für Notizen und Ereignisse. "
            "Ein Gespräch, in dem danach nichts mehr steht, wird mit gelöscht."
        ),
    )
    retention_resolved_days = days_field(
        _l("Erledigte Gespräche löschen nach (Tagen ohne Aktivität)"),
        _l(
            "Ein erledigtes Gespräch, in dem so lange nichts geschrieben wurde, "
            "wird mit allen Nachrichten und Notizen gelöscht."
        ),
    )
    retention_submissions_days = days_field(
        _l("Lead-Formular-Einsendungen löschen nach (Tagen)"),
        _l(
            "Die Einsendung mit allen Angaben. Eine dabei erteilte Einwilligung "
            "bleibt als Nachweis beim Kontakt."
        ),
    )
    retention_idle_contacts_days = days_field(
        _l("Kontakte ohne Gespräch und ohne Einwilligung löschen nach (Tagen)"),
        _l(
            "Zum Beispiel importierte Kontakte, die nie geschrieben und nie "
            "eingewilligt haben; gezählt ab der letzten Änderung."
        ),
    )


@bp.route("/settings/retention", methods=["GET", "POST"])
@manager_required
def retention():
    workspace = current_membership().workspace
    form = RetentionForm(obj=workspace)
    if form.validate_on_submit():
        changes = change_settings(workspace, form)
        if changes:
            audit.record(workspace.id, "retention.changed", workspace, **changes)
        db.session.commit()
        flash(_("Die Aufbewahrungsfristen wurden gespeichert."), "success")
        return redirect(url_for("privacy.retention"), 303)
    page = render_template(
        "privacy/retention.html",
        form=form,
        platform=platform_periods(),
        runs=recent_runs(workspace.id),
    )
    return page, form_status(form)


def change_settings(workspace, form: RetentionForm) -> dict:
    """Set the periods; return {setting: {"from": old, "to": new}} of those changed."""
    changes = {}
    for name in SETTINGS:
        old, new = getattr(workspace, name), getattr(form, name).data
        if old != new:
            changes[name] = {"from": old, "to": new}
            setattr(workspace, name, new)
    return changes


def platform_periods() -> list[tuple[str, int]]:
    config = current_app.config
    return [
        (_("Zugriffsprotokolle (IP-Adressen)"), config["ACCESS_LOG_RETENTION_DAYS"]),
        (
            _("Beendete Anmeldungen und gemerkte Geräte (gekürzte IP-Adressen)"),
            config["ENDED_SESSION_RETENTION_DAYS"],
        ),
        (_("WhatsApp-Webhooks im Rohformat"), WEBHOOK_BODY_RETENTION_DAYS),
        (
            _("Gelöschte Benutzerkonten (sofort anonymisiert, dann entfernt)"),
            config["DELETED_ACCOUNT_GRACE_DAYS"],
        ),
        (
            _("Nachweise der Cookie-Einwilligung"),
            config["COOKIE_CONSENT_RETENTION_DAYS"],
        ),
        (
            _("Anfragen über das Kontaktformular von LeadGate"),
            config["INQUIRY_RETENTION_DAYS"],
        ),
    ]


def recent_runs(workspace_id: int) -> list[tuple]:
    """(when, [(label, count)]) of the workspace's last purges, kinds with counts."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.workspace_id == workspace_id, AuditEvent.action == "purge.run"
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(RECENT_RUNS)
    )
    return [
        (
            event.created_at,
            [
                (label, event.details[kind])
                for kind, label in zip(COUNTS, COUNT_LABELS, strict=True)
                if event.details.get(kind)
            ],
        )
        for event in events
    ]
