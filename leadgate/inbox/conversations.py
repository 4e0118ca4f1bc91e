"""The conversation list and the thread (with its media)."""

from flask import (
    Response,
    abort,
    render_template,
    request,
    send_file,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import live
from ..consent import ledger
from ..extensions import db
from ..files import clean_filename
from ..htmx import is_fragment_request, render_page_or_fragment
from ..media import INLINE_TYPES, media_path
from ..models import Channel, Conversation, Label, Membership, Message, Reaction, User
from ..outbound.receipts import enqueue_receipt, receipt_due
from ..outbound.rules import (
    contact_refusal,
    window_closes_at,
    window_refusal,
)
from ..security import serves_files
from ..tenancy import current_membership, get_scoped_or_404, workspace_required
from ..webhooks.inbound import MODIFIER_TYPES
from . import bp, presence
from .compose import approved_templates
from .listing import Cursor, Filters, conversation_page, labels_of
from .team import mark_seen

THREAD_LIMIT = 200


@bp.get("")
@workspace_required()
def index():
    """The list; on a desktop the empty thread pane beside it."""
    filters = Filters.from_args(request.args)
    after = Cursor.decode(request.args.get("after"))
    page = conversation_page(
        current_membership().workspace_id, current_user.id, filters, after
    )
    if after is not None and is_fragment_request():  # infinite scroll: more rows
        return render_template(
            "inbox/_conversation_rows.html", listing=page, filters=filters
        )
    return render_page_or_fragment(
        "inbox/index.html",
        "inbox/_list_column.html",
        **list_context(filters, page),
        conversation=None,
    )


def list_context(filters: Filters, page) -> dict:
    workspace_id = current_membership().workspace_id
    return {
        "filters": filters,
        "listing": page,
        "teammates": teammates(workspace_id),
        "labels": db.session.scalars(
            select(Label).where(Label.workspace_id == workspace_id).order_by(Label.name)
        ).all(),
        "channels": db.session.scalars(
            select(Channel)
            .where(Channel.workspace_id == workspace_id)
            .order_by(Channel.name)
        ).all(),
    }


def teammates(workspace_id: int) -> list[User]:
    return db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(User.name)
    ).all()


@bp.get("/events")
@workspace_required()
def events():
    """The workspace's live events as Server-Sent Events (names only, no content)."""
    body = live.stream(current_membership().workspace_id)
    db.session.remove()  # hold no database connection while the stream is open
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@bp.get("/<int:conversation_id>")
@workspace_required()
def show(conversation_id: int):
    """The thread with the team panel; the full page also shows the list beside it."""
    conversation = get_scoped_or_404(Conversation, conversation_id)
    receipt = receipt_due(conversation)
    conversation.unread_count = 0
    mark_seen(conversation, current_user)
    db.session.commit()
    if receipt:
        enqueue_receipt(conversation.channel_id, receipt)
    thread = thread_context(conversation)  # after the commit: nothing loaded twice
    presence.report(conversation, current_user, "viewing")
    thread["others"] = presence.others(conversation.id, current_user.id)
    if is_fragment_request():  # the thread refreshing itself
        return render_template("inbox/_thread.html", **thread)
    filters = Filters.from_args(request.args)
    page = conversation_page(
        current_membership().workspace_id, current_user.id, filters
    )
    return render_template("inbox/index.html", **list_context(filters, page), **thread)


def thread_context(conversation: Conversation) -> dict:
    messages = list(
        reversed(
            db.session.scalars(
                select(Message)
                .options(joinedload(Message.author))
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
    add_agent_reactions(conversation, reactions)
    # One window query and, only when the window is closed, the template list.
    closes = window_closes_at(conversation.channel_id, conversation.contact_id)
    template_refusal = contact_refusal(conversation.channel, conversation.contact)
    free_form_refusal = template_refusal or window_refusal(closes)
    offer_templates = free_form_refusal and not template_refusal
    return {
        "conversation": conversation,
        "messages": messages,
        "quoted": quoted_messages(conversation, messages),
        "reactions": reactions,
        "conversation_labels": labels_of([conversation.id]).get(conversation.id, []),
        "marketing_consent": ledger.current(conversation.contact_id, ledger.MARKETING),
        "form": FlaskForm(),
        "refusal": free_form_refusal,
        "template_refusal": template_refusal,
        "templates": approved_templates(conversation) if offer_templates else [],
        "window_closes": closes,
    }


def quoted_messages(conversation: Conversation, messages: list[Message]) -> dict:
    """The messages replies refer to, by wamid (for the quote above a reply)."""
    shown = {m.wamid: m for m in messages if m.wamid}
    wanted = {m.reply_to_wamid for m in messages if m.reply_to_wamid} - set(shown)
    if wanted:
        shown.update(
            {
                m.wamid: m
                for m in db.session.scalars(
                    select(Message).where(
                        Message.channel_id == conversation.channel_id,
                        Message.wamid.in_(wanted),
                    )
                )
            }
        )
    return shown


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


def add_agent_reactions(conversation: Conversation, found: dict) -> None:
    """The team's own reactions (sent as messages), the latest per target."""
    latest: dict[str, str] = {}
    for details in db.session.scalars(
        select(Message.details)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == "out",
            Message.type == "reaction",
            Message.status != "failed",
        )
        .order_by(Message.id)
    ):
        reaction = (details or {}).get("reaction") or {}
        if reaction.get("to"):
            latest[reaction["to"]] = reaction.get("emoji") or ""
    for wamid, emoji in latest.items():
        if emoji:
            found.setdefault(wamid, []).append(emoji)


@bp.get("/media/<int:message_id>")
@serves_files
@workspace_required()
def media(message_id: int):
    """Serve a stored file only to members of the workspace that owns it."""
    message = get_scoped_or_404(Message, message_id)
    if message.media_state != "stored" or not message.media_sha256:
        abort(404)
    mime_type = inline_type(message)
    response = send_file(
        media_path(message.media_sha256),
        mimetype=mime_type or "application/octet-stream",
        as_attachment=mime_type is None,
        download_name=clean_filename(
            message.media_filename, f"{message.type}-{message.id}"
        ),
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def inline_type(message: Message) -> str | None:
    """The type to serve a file inline with, or None: then it is a download.

    Only the image, audio and video types the thread renders keep their type;
    anything else a sender claims (text/html, image/svg+xml) could run as a page.
    """
    kind = "image" if message.type == "sticker" else message.type
    mime_type = (message.media_mime_type or "").split(";")[0].strip().lower()
    return mime_type if mime_type in INLINE_TYPES.get(kind, ()) else None
