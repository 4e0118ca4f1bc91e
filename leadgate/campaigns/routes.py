"""Campaign pages: the list, the wizard's entry, a campaign's page, its controls, evidence.

Every member sees campaigns and their results; owners and admins create,
edit, launch, pause, resume and cancel them and download the evidence (which
holds numbers and consent wording). The wizard's steps are wizard.py's; the
review before the launch is audience.py's.
"""

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
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..contacts.export import TIME_FORMATS, Cells
from ..contacts.segments import filters_of, segments_of
from ..extensions import db
from ..files import content_disposition
from ..models import (
    Campaign,
    Channel,
    MessageTemplate,
    Segment,
)
from ..security import serves_files
from ..tenancy import (
    current_membership,
    get_scoped_or_404,
    manager_required,
    workspace_required,
)
from . import audience, evidence, launch, results
from .feed import enqueue_feed
from .forms import BasicsForm
from .wizard import (
    OUTCOMES,
    STEP_TITLES,
    STEP_VIEWS,
    STEPS,
    audience_name,
    channel_choices,
    templates_of,
)

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
bp.add_app_template_filter(results.bucket_of, "campaign_bucket")


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
        steps=STEPS,
        step_titles=STEP_TITLES,
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
