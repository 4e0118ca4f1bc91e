"""The shared inbox: conversation list, thread and media (the full UI comes later)."""

from flask import Blueprint, abort, send_file
from sqlalchemy import select

from ..extensions import db
from ..htmx import render_page_or_fragment
from ..media import media_path
from ..models import Conversation, Message, Reaction
from ..tenancy import current_membership, get_scoped_or_404, workspace_required
from ..webhooks.inbound import MODIFIER_TYPES
from ..webhooks.previews import type_label

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_SIZE = 50
THREAD_LIMIT = 200


@bp.app_context_processor
def inject_labels():
    return {"type_label": type_label}


@bp.get("")
@workspace_required()
def index():
    conversations = db.session.scalars(
        select(Conversation)
        .where(Conversation.workspace_id == current_membership().workspace_id)
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    return render_page_or_fragment(
        "inbox/index.html",
        "inbox/_conversation_list.html",
        membership=current_membership(),
        conversations=conversations,
    )


@bp.get("/<int:conversation_id>")
@workspace_required()
def show(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    messages = list(
        reversed(
            db.session.scalars(
                select(Message)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.type.not_in(MODIFIER_TYPES),
                )
                .order_by(Message.sent_at.desc(), Message.id.desc())
                .limit(THREAD_LIMIT)
            ).all()
        )
    )
    reactions = reactions_for(
        conversation.channel_id, [m.wamid for m in messages if m.wamid]
    )
    if conversation.unread_count:
        conversation.unread_count = 0
        db.session.commit()
    return render_page_or_fragment(
        "inbox/show.html",
        "inbox/_thread.html",
        conversation=conversation,
        messages=messages,
        reactions=reactions,
    )


def reactions_for(channel_id: int, wamids: list[str]) -> dict[str, list[str]]:
    if not wamids:
        return {}
    rows = db.session.scalars(
        select(Reaction).where(
            Reaction.channel_id == channel_id,
            Reaction.target_wamid.in_(wamids),
            Reaction.emoji.is_not(None),
        )
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.target_wamid, []).append(row.emoji)
    return found


@bp.get("/media/<int:message_id>")
@workspace_required()
def media(message_id: int):
    """Serve a stored file only to members of the workspace that owns it."""
    message = get_scoped_or_404(Message, message_id)
    if message.media_state != "stored" or not message.media_sha256:
        abort(404)
    inline = message.type in ("image", "sticker", "audio", "video")
    response = send_file(
        media_path(message.media_sha256),
        mimetype=message.media_mime_type or "application/octet-stream",
        as_attachment=not inline,
        download_name=message.media_filename or f"{message.type}-{message.id}",
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
