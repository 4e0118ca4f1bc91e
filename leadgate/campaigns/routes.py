"""Campaign pages: the list, the wizard, a campaign's page, its controls and evidence.

Every member sees campaigns and their results; owners and admins create,
edit, launch, pause, resume and cancel them and download the evidence (which
holds numbers and consent wording). The wizard saves each step to the draft,
so a campaign can be left and taken up again; a scheduled one is edited the
same way until it starts. The review before the launch is audience.py's.
"""

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3

from .. import audit
from ..contacts.export import TIME_FORMATS, Cells
from ..contacts.segments import filters_of, segments_of
from ..extensions import db
from ..files import content_disposition
from ..models import (
    Campaign,
    Channel,
    Label,
    MessageTemplate,
    Segment,
    as_utc,
    utcnow,
)
from ..outbound import attachments
from ..outbound.placeholders import outline as template_outline
from ..outbound.service import stored_media
from ..outbound.templates import header_media
from ..security import serves_files
from ..tenancy import (
    current_membership,
    get_scoped_or_404,
    manager_required,
    workspace_required,
)
from . import audience, evidence, launch, results
from .feed import enqueue_feed
from .forms import AudienceForm, BasicsForm, ScheduleForm, TemplateForm
from .personalise import (
    TEXT,
    campaign_slots,
    mapping_of,
    source_choices,
    workspace_fields,
)

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
bp.add_app_template_filter(results.bucket_of, "campaign_bucket")

STEPS = ("basics", "audience", "template", "schedule", "review")
STEP_TITLES = {
    "basics": _l("Name und Nummer"),
    "audience": _l("Zielgruppe"),
    "template": _l("Vorlage"),
    "schedule": _l("Zeitpunkt"),
    "review": _l("Prüfen und starten"),
}


@bp.get("/")
@workspace_required()
def index():
    workspace_id = current_membership().workspace_id
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.workspace_id == workspace_id)
        .order_by(Campaign.id.desc())
    ).all()
    progress = {c.id: results.progress(c) for c in campaigns if c.launched_at}
    return render_template(
        "campaigns/index.html", campaigns=campaigns, progress=progress
    )


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def new():
    workspace_id = current_membership().workspace_id
    form = BasicsForm()
    form.channel.choices = channel_choices(workspace_id)
    if form.validate_on_submit():
        campaign = Campaign(
            workspace_id=workspace_id,
            name=form.name.data,
            channel_id=form.channel.data,
            created_by_id=current_user.id,
            audience=audience_from_args(),
        )
        db.session.add(campaign)
        db.session.flush()
        audit.record(workspace_id, "campaign.created", campaign)
        db.session.commit()
        return redirect(
            url_for("campaigns.edit", campaign_id=campaign.id, step="audience"), 303
        )
    return render_template(
        "campaigns/wizard.html",
        step="basics",
        form=form,
        campaign=None,
        **wizard_nav(None),
    ), (422 if form.is_submitted() else 200)


def audience_from_args() -> dict:
    """A campaign started from a segment or a past campaign's results keeps it."""
    segment_id = request.args.get("segment", type=int)
    if segment_id:
        get_scoped_or_404(Segment, segment_id)
        return {"segment": segment_id}
    earlier_id = request.args.get("campaign", type=int)
    outcome = request.args.get("outcome", "")
    if earlier_id and outcome in OUTCOMES:
        get_scoped_or_404(Campaign, earlier_id)
        return {"campaign": earlier_id, "outcome": outcome}
    return {}


@bp.route("/<int:campaign_id>/edit/<step>", methods=["GET", "POST"])
@manager_required
def edit(campaign_id: int, step: str):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    if step not in STEPS:
        abort(404)
    if not campaign.editable:
        flash(
            _("Diese Kampagne läuft schon und kann nicht mehr geändert werden."),
            "error",
        )
        return redirect(url_for("campaigns.show", campaign_id=campaign.id), 303)
    return STEP_VIEWS[step](campaign)


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
        form.audience.data = choice_of_audience(campaign.audience or {})
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
    fields = workspace_fields(campaign.workspace_id)
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
        for value, _label in source_choices(workspace_fields(campaign.workspace_id))
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
    )


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
        **wizard_nav(campaign),
        **context,
    ), status


def wizard_nav(campaign: Campaign | None) -> dict:
    return {"steps": STEPS, "step_titles": STEP_TITLES}


def next_step(campaign: Campaign, step: str):
    following = STEPS[STEPS.index(step) + 1]
    return redirect(
        url_for("campaigns.edit", campaign_id=campaign.id, step=following), 303
    )


@bp.get("/<int:campaign_id>")
@workspace_required()
def show(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    key = request.args.get("filter", "")
    if key not in results.FILTERS:
        key = ""
    rows, after = results.recipients_page(
        campaign, key, request.args.get("after", type=int)
    )
    context = dict(
        campaign=campaign,
        progress=results.progress(campaign),
        rows=rows,
        after=after,
        filter=key,
        filters=results.FILTERS,
        labels=results.LABELS,
        reasons=audience.REASONS,
        stop_reasons=launch.STOP_REASONS,
        channel=db.session.get(Channel, campaign.channel_id or 0),
        template=db.session.get(MessageTemplate, campaign.template_id or 0),
        audience_name=audience_name(campaign),
    )
    if request.headers.get("HX-Target") == "campaign-progress":
        return render_template("campaigns/_progress.html", **context)
    if request.headers.get("HX-Target") == "recipients":
        return render_template("campaigns/_recipients.html", **context)
    return render_template("campaigns/show.html", **context)


@bp.post("/<int:campaign_id>/<action>")
@manager_required
def control(campaign_id: int, action: str):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    moves = {
        "launch": launch.launch,
        "pause": launch.pause,
        "resume": launch.resume,
        "cancel": launch.cancel,
    }
    if action not in moves:
        abort(404)
    try:
        moves[action](campaign, current_user)
    except launch.CampaignRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        if campaign.launched_at:
            back = url_for("campaigns.show", campaign_id=campaign.id)
        else:
            back = url_for("campaigns.edit", campaign_id=campaign.id, step="review")
        return redirect(back, 303)
    running = campaign.state == "running"
    db.session.commit()
    if running:
        enqueue_feed(campaign.id)
    flash(DONE[action](), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id), 303)


DONE = {
    "launch": lambda: _("Die Kampagne ist gestartet."),
    "pause": lambda: _(
        "Die Kampagne ist angehalten. Bereits übergebene Nachrichten gehen noch hinaus."
    ),
    "resume": lambda: _("Die Kampagne läuft weiter."),
    "cancel": lambda: _("Die Kampagne ist abgebrochen. Niemand sonst erhält sie."),
}


@bp.get("/<int:campaign_id>/evidence.csv")
@serves_files
@manager_required
def evidence_csv(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    audit.record(
        campaign.workspace_id,
        "campaign.evidence_exported",
        campaign,
        recipients=campaign.planned,
        left_out=campaign.left_out,
    )
    db.session.commit()
    cells = Cells(
        get_timezone(), TIME_FORMATS.get(str(get_locale()), TIME_FORMATS["de"])
    )
    name = f"kampagne-{campaign.id}-nachweis.csv"
    return Response(
        stream_with_context(evidence.csv_lines(campaign, cells)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": content_disposition(name, name),
            "Cache-Control": "no-store",
        },
    )


@bp.get("/review")
@manager_required
def review():
    """The review on its own: a segment, a number and a template → who is reached."""
    workspace_id = current_membership().workspace_id
    channels = list(
        db.session.scalars(
            select(Channel)
            .where(Channel.workspace_id == workspace_id)
            .order_by(Channel.created_at)
        )
    )
    segment = chosen(Segment, "segment")
    channel = chosen(Channel, "channel") or (channels[0] if channels else None)
    templates = templates_of(workspace_id, channel)
    template = chosen(MessageTemplate, "template")
    if template not in templates:  # chosen for the number picked before
        template = None
    result = None
    if segment is not None and channel is not None and template is not None:
        result = audience.review(workspace_id, filters_of(segment), channel, template)
    return render_template(
        "campaigns/review.html",
        segments=segments_of(workspace_id),
        channels=channels,
        templates=templates,
        segment=segment,
        channel=channel,
        template=template,
        result=result,
    )


def chosen(model, arg: str):
    """The object named in the query string, the workspace's own (else 404), or None."""
    object_id = request.args.get(arg, type=int)
    return get_scoped_or_404(model, object_id) if object_id else None


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
    earlier = db.session.scalars(
        select(Campaign)
        .where(Campaign.workspace_id == workspace_id, Campaign.launched_at.is_not(None))
        .order_by(Campaign.id.desc())
    ).all()
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
