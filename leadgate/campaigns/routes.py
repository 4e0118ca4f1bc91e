"""Campaign pages. So far the review: a segment, a number and a template → who is reached.

Owners and admins prepare campaigns (issue 17); the review answers, before
anything exists to send, how many a template would reach and who it leaves
out, with the reason for each.
"""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..contacts.segments import filters_of, segments_of
from ..extensions import db
from ..models import Channel, MessageTemplate, Segment
from ..tenancy import current_membership, get_scoped_or_404, manager_required
from . import audience

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.get("/review")
@manager_required
def review():
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
