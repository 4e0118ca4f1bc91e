"""The conversation list and the thread (with its media)."""

from functools import partial

from flask import (
    Response,
    abort,
    render_template,
    request,
    send_file,
)
from flask_login import current_user
from sqlalchemy import select

from ... import live
from ...auth import sessions
from ...consent import ledger
from ...extensions import db
from ...files import clean_filename
from ...htmx import is_fragment_request, render_page_or_fragment
from ...media import INLINE_TYPES, media_path
from ...models import Conversation, Label, Message, Team, channels_of, members_of
from ...outbound.receipts import enqueue_receipt, receipt_due
from ...security import serves_files
from ...tenancy import (
    MANAGERS,
    current_membership,
    get_scoped_or_404,
    workspace_required,
)
from .. import presence, thread
from ..composer import composer_context
from ..listing import Cursor, Filters, conversation_page, labels_of
from ..team import mark_seen
from .blueprint import bp


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
        "teammates": members_of(workspace_id),
        "labels": db.session.scalars(
            select(Label).where(Label.workspace_id == workspace_id).order_by(Label.name)
        ).all(),
        "channels": channels_of(workspace_id),
        "teams": db.session.scalars(
            select(Team).where(Team.workspace_id == workspace_id).order_by(Team.name)
        ).all(),
    }


@bp.get("/events")
@workspace_required()
def events():
    """The workspace's live events as Server-Sent Events (names only, no content)."""
    membership = current_membership()
    agent = membership.user_id if membership.role not in MANAGERS else None
    login = sessions.current()
    body = live.stream(
        membership.workspace_id,
        agent,
        keep_seen=partial(sessions.keep_seen, login.id) if login is not None else None,
    )
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
    unread = thread.unread_for(conversation, current_user.id)
    see(conversation)
    context = thread_context(conversation, unread)  # after the commit
    presence.report(conversation, current_user, "viewing")
    context["others"] = presence.others(conversation.id, current_user.id)
    filters = Filters.from_args(request.args)
    if is_fragment_request():  # the messages alone
        return render_template("inbox/_thread.html", filters=filters, **context)
    page = conversation_page(
        current_membership().workspace_id, current_user.id, filters
    )
    return render_template("inbox/index.html", **list_context(filters, page), **context)


def see(conversation: Conversation) -> None:
    """The agent has seen the thread: unread counts drop, the contact gets blue ticks."""
    receipt = receipt_due(conversation)
    conversation.unread_count = 0
    mark_seen(conversation, current_user)
    db.session.commit()
    if receipt:
        enqueue_receipt(conversation.channel_id, receipt)


def thread_context(conversation: Conversation, unread: int = 0) -> dict:
    messages, cursor = thread.older(conversation)
    return {
        "conversation": conversation,
        "days": thread.days(messages),
        "older_cursor": cursor,
        "first_unread": thread.first_unread(messages, unread),
        **thread.decorate(conversation, messages),
        **composer_context(conversation),
        "conversation_labels": labels_of([conversation.id]).get(conversation.id, []),
        "marketing_consent": ledger.current(conversation.contact_id, ledger.MARKETING),
    }


@bp.get("/<int:conversation_id>/older")
@workspace_required()
def older_messages(conversation_id: int):
    """The page of messages before a cursor, as the agent scrolls up (htmx)."""
    conversation = get_scoped_or_404(Conversation, conversation_id)
    before = Cursor.decode(request.args.get("before"))
    if before is None:
        abort(400)
    messages, cursor = thread.older(conversation, before)
    return render_template(
        "inbox/_older.html",
        conversation=conversation,
        days=thread.days(messages),
        older_cursor=cursor,
        **thread.decorate(conversation, messages),
        **composer_context(conversation),
    )


@bp.get("/<int:conversation_id>/newer")
@workspace_required()
def newer_messages(conversation_id: int):
    """What changed since the page showed the message `after` (live updates, htmx).

    New messages to append, the newest ones again where their ticks, reactions
    or media changed, the composer's window line, and the whole composer when
    the window opened or closed meanwhile (`mode` is the one the page shows).
    """
    conversation = get_scoped_or_404(Conversation, conversation_id)
    after = request.args.get("after", "")
    if not after.isdigit():
        abort(400)
    if conversation.unread_count or thread.unread_for(conversation, current_user.id):
        see(conversation)  # before loading: the commit would expire what was loaded
    found = thread.newer(conversation, int(after))
    if found is None:  # too much to append: load the thread afresh
        return Response(status=204, headers={"HX-Refresh": "true"})
    new, tail = found
    composer = composer_context(conversation)
    return render_template(
        "inbox/_newer.html",
        conversation=conversation,
        days=thread.days(new),
        tail=tail,
        # The tail's first message is there only to tell whether the next one
        # repeats its author, unless the thread is shorter than the tail.
        tail_from=1 if len(tail) > thread.TAIL else 0,
        composer_changed=request.args.get("mode") != composer["composer_mode"],
        **thread.decorate(conversation, new + tail),
        **composer,
    )


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
