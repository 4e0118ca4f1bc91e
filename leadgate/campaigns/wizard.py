"""The campaign wizard's steps: name and number, audience, template, schedule, review.

Each step is saved to the draft (a campaign can be left and taken up again); a
scheduled campaign is edited the same way until it starts. routes.py dispatches
`/campaigns/<id>/edit/<step>` here; the choices (numbers, audiences, templates)
are read here too, so the list of what a step offers and the check of what was
posted are one code.
"""

from datetime import datetime

from flask import redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3

from ..contacts.fields import fields_of
from ..contacts.listing import launched_campaigns
from ..contacts.segments import segments_of
from ..costs.budget import campaign_forecast
from ..costs.words import euro
from ..extensions import db
from ..models import Campaign, Channel, Label, MessageTemplate, Segment, as_utc, utcnow
from ..outbound import attachments
from ..outbound.placeholders import outline as template_outline
from ..outbound.service import stored_media
from ..outbound.templates import header_media
from . import launch
from .forms import AudienceForm, BasicsForm, ScheduleForm, TemplateForm
from .personalise import (
    TEXT,
    campaign_slots,
    mapping_of,
    source_choices,
)

STEPS = ("basics", "audience", "template", "schedule", "review")
STEP_TITLES = {
    "basics": _l("Name und Nummer"),
    "audience": _l("Zielgruppe"),
    "template": _l("Vorlage"),
    "schedule": _l("Zeitpunkt"),
    "review": _l("Prüfen und starten"),
}


def basics_step(campaign: Campaign):
    form = BasicsForm(obj=campaign if request.method == "GET" else None)
    form.channel.choices = channel_choices(campaign.workspace_id)
    if request.method == "GET":
        form.channel.data = campaign.channel_id
    if form.validate_on_submit():
        if form.channel.data != campaign.channel_id:
            campaign.template_id = None  # templates belong to a number's account
            campaign.placeholders = {}
        campaign.name, campaign.channel_id = form.name.data or "", form.channel.data
        db.session.commit()
        return next_step(campaign, "basics")
    return render_step(campaign, "basics", form)


def audience_step(campaign: Campaign):
    form = AudienceForm()
    form.audience.choices = audience_choices(campaign.workspace_id)
    if request.method == "GET":
        offered = request.args.get("audience")  # e.g. a CSV import's label
        values = {choice.value for choice in form.audience.choices}
        form.audience.data = (
            offered
            if offered in values
            else choice_of_audience(campaign.audience or {})
        )
    if form.validate_on_submit():
        campaign.audience = audience_of_choice(form.audience.data)
        db.session.commit()
        return next_step(campaign, "audience")
    return render_step(campaign, "audience", form)


def template_step(campaign: Campaign):
    form = TemplateForm()
    templates = templates_of(
        campaign.workspace_id, db.session.get(Channel, campaign.channel_id or 0)
    )
    form.template.choices = [SelectChoice(t.id, template_label(t)) for t in templates]
    chosen = request.values.get("template", type=int) or campaign.template_id
    template = next((t for t in templates if t.id == chosen), None)
    if request.method == "GET":
        form.template.data = template.id if template else None
        form.lawful_basis.data = campaign.lawful_basis or "contract"
    found = (
        campaign_slots(campaign.workspace_id, template, campaign.placeholders or {})
        if template
        else []
    )
    if request.method == "POST" and template is not None and form.validate_on_submit():
        if template.id != campaign.template_id:
            campaign.header_sha256 = campaign.header_media_id = None
        found = posted_slots(campaign, template)
        campaign.template_id = template.id
        campaign.placeholders = mapping_of(found)
        campaign.lawful_basis = (
            None if template.category == "MARKETING" else form.lawful_basis.data
        )
        problem = take_header_file(campaign, template, form)
        if problem is None:
            db.session.commit()
            if request.form.get("action") != "choose":
                return next_step(campaign, "template")
            return redirect(
                url_for("campaigns.edit", campaign_id=campaign.id, step="template"), 303
            )
        form.header_file.errors = [problem]
        db.session.rollback()
    fields = list(fields_of(campaign.workspace_id))
    # The template chosen before is no longer offered (withdrawn at Meta).
    gone = campaign.template_id is not None and template is None
    return render_step(
        campaign,
        "template",
        form,
        gone=gone,
        template=template,
        outline=template_outline(template) if template else "",
        slots=found,
        sources=source_choices(fields),
        needs_file=bool(template and header_media(template)),
    )


def posted_slots(campaign: Campaign, template: MessageTemplate):
    """The placeholder choices as posted (src-/text-/fallback-<key>)."""
    found = campaign_slots(campaign.workspace_id, template, {})
    allowed = {
        value
        for value, _label in source_choices(list(fields_of(campaign.workspace_id)))
    }
    mapping = {}
    for slot in found:
        source = request.form.get(f"src-{slot.key}") or slot.source
        mapping[slot.key] = {
            "source": source if source in allowed else TEXT,
            "text": request.form.get(f"text-{slot.key}", ""),
            "fallback": request.form.get(f"fallback-{slot.key}", ""),
        }
    return campaign_slots(campaign.workspace_id, template, mapping)


def take_header_file(campaign: Campaign, template: MessageTemplate, form) -> str | None:
    """Store an uploaded header file; the reason if it does not fit the template."""
    kind = header_media(template)
    upload = form.header_file.data
    if kind is None or not upload or not getattr(upload, "filename", ""):
        return None
    data = upload.read()
    mime_type = attachments.mime_type_of(upload.filename, upload.mimetype)
    try:
        if attachments.check(data, mime_type) != kind:
            return _(
                "Die Kopfzeile dieser Vorlage braucht eine Datei vom Typ %(kind)s.",
                kind=attachments.kind_label(kind),
            )
    except Exception as error:  # attachments.check explains what is wrong
        return str(error)
    media = stored_media(data, upload.filename, mime_type)
    campaign.header_sha256 = media["media_sha256"]
    campaign.header_mime_type = media["media_mime_type"]
    campaign.header_filename = media["media_filename"]
    campaign.header_media_id = None
    return None


def schedule_step(campaign: Campaign):
    form = ScheduleForm()
    tz = get_timezone()
    if request.method == "GET" and campaign.scheduled_at:
        local = as_utc(campaign.scheduled_at).astimezone(tz)
        form.when.data, form.date.data, form.time.data = (
            "later",
            local.date(),
            local.time(),
        )
    if form.validate_on_submit():
        if form.when.data == "later":
            if not form.date.data or not form.time.data:
                form.date.errors = [_("Bitte Datum und Uhrzeit angeben.")]
                return render_step(campaign, "schedule", form, tz=tz)
            at = datetime.combine(form.date.data, form.time.data).replace(tzinfo=tz)
            if at <= utcnow():
                form.date.errors = [_("Der Zeitpunkt liegt in der Vergangenheit.")]
                return render_step(campaign, "schedule", form, tz=tz)
            campaign.scheduled_at = at
        else:
            campaign.scheduled_at = None
            if campaign.state == "scheduled":
                campaign.move_to("draft")  # "sofort" means: with the start button
        db.session.commit()
        return next_step(campaign, "schedule")
    return render_step(campaign, "schedule", form, tz=tz)


def review_step(campaign: Campaign):
    result = launch.review_of(campaign)
    return render_step(
        campaign,
        "review",
        None,
        result=result,
        problem=launch.missing(campaign),
        channel=db.session.get(Channel, campaign.channel_id or 0),
        template=db.session.get(MessageTemplate, campaign.template_id or 0),
        audience_name=audience_name(campaign),
        forecast=forecast_of(result, campaign),
        euro=euro,
    )


def forecast_of(result, campaign: Campaign):
    """What the reached contacts would cost this month (WhatsApp-Kosten)."""
    template = db.session.get(MessageTemplate, campaign.template_id or 0)
    if result is None or result.blocked or not result.included or template is None:
        return None
    return campaign_forecast(template, result.included)


STEP_VIEWS = {
    "basics": basics_step,
    "audience": audience_step,
    "template": template_step,
    "schedule": schedule_step,
    "review": review_step,
}


def render_step(campaign: Campaign, step: str, form, **context):
    status = (
        422
        if form is not None and form.is_submitted() and request.method == "POST"
        else 200
    )
    return render_template(
        "campaigns/wizard.html",
        step=step,
        form=form,
        campaign=campaign,
        steps=STEPS,
        step_titles=STEP_TITLES,
        **context,
    ), status


def next_step(campaign: Campaign, step: str):
    following = STEPS[STEPS.index(step) + 1]
    return redirect(
        url_for("campaigns.edit", campaign_id=campaign.id, step=following), 303
    )


def templates_of(workspace_id: int, channel: Channel | None) -> list[MessageTemplate]:
    """The number's templates Meta approved or paused, by name and language.

    A paused one is offered so that the review can say why it reaches nobody
    now (Meta pauses a template on poor feedback, for hours).
    """
    if channel is None:
        return []
    return list(
        db.session.scalars(
            select(MessageTemplate)
            .where(
                MessageTemplate.workspace_id == workspace_id,
                MessageTemplate.waba_id == channel.waba_id,
                MessageTemplate.status.in_(("APPROVED", "PAUSED")),
            )
            .order_by(MessageTemplate.name, MessageTemplate.language)
        )
    )


def template_label(template: MessageTemplate) -> str:
    return f"{template.name} ({template.language})"


def channel_choices(workspace_id: int) -> list[SelectChoice]:
    return [
        SelectChoice(channel.id, channel.name)
        for channel in db.session.scalars(
            select(Channel)
            .where(Channel.workspace_id == workspace_id)
            .order_by(Channel.created_at)
        )
    ]


OUTCOMES = ("not_read", "not_replied")


def choice_of_audience(chosen: dict) -> str | None:
    """The audience select's value for a stored audience."""
    if chosen.get("campaign"):
        return f"campaign:{chosen['campaign']}:{chosen.get('outcome', '')}"
    for kind in ("segment", "label"):
        if chosen.get(kind):
            return f"{kind}:{chosen[kind]}"
    return None


def audience_of_choice(value: str) -> dict:
    """A stored audience from the select's value (one of audience_choices)."""
    kind, _sep, rest = value.partition(":")
    if kind == "campaign":
        campaign_id, _sep, outcome = rest.partition(":")
        return {"campaign": int(campaign_id), "outcome": outcome}
    return {kind: int(rest)}


def audience_choices(workspace_id: int) -> list[SelectChoice]:
    """Segments, labels, and "again" audiences of launched campaigns, in groups."""
    labels = db.session.scalars(
        select(Label)
        .where(Label.workspace_id == workspace_id)
        .order_by(func.lower(Label.name))
    ).all()
    earlier = launched_campaigns(workspace_id)
    segments, groups, again = _("Zielgruppen"), _("Labels"), _("Aus einer Kampagne")
    return [
        *(
            SelectChoice(f"segment:{s.id}", s.name, optgroup=segments)
            for s in segments_of(workspace_id)
        ),
        *(
            SelectChoice(f"label:{label.id}", label.name, optgroup=groups)
            for label in labels
        ),
        *(
            SelectChoice(
                f"campaign:{c.id}:{outcome}",
                outcome_name(c.name, outcome),
                optgroup=again,
            )
            for c in earlier
            for outcome in OUTCOMES
        ),
    ]


def outcome_name(name: str, outcome: str) -> str:
    if outcome == "not_read":
        return _("„%(name)s“: nicht gelesen", name=name)
    return _("„%(name)s“: nicht geantwortet", name=name)


def audience_name(campaign: Campaign) -> str | None:
    chosen = campaign.audience or {}
    if chosen.get("segment"):
        segment = db.session.get(Segment, chosen["segment"])
        return (
            segment.name
            if segment and segment.workspace_id == campaign.workspace_id
            else None
        )
    if chosen.get("campaign"):
        earlier = db.session.get(Campaign, chosen["campaign"])
        if earlier is None or earlier.workspace_id != campaign.workspace_id:
            return None
        return outcome_name(earlier.name, chosen.get("outcome", ""))
    if chosen.get("label"):
        label = db.session.get(Label, chosen["label"])
        return (
            _("Label „%(name)s“", name=label.name)
            if label and label.workspace_id == campaign.workspace_id
            else None
        )
    return None
