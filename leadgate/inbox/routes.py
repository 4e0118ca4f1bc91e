"""The shared inbox: conversation list, thread and media (the full UI comes later)."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..extensions import csrf, db
from ..htmx import render_page_or_fragment
from ..media import media_path
from ..models import Conversation, Message, MessageTemplate, Reaction
from ..outbound import attachments
from ..outbound import templates as template_rules
from ..outbound.reasons import failure_reason
from ..outbound.receipts import enqueue_receipt, receipt_due
from ..outbound.rules import (
    SendRefused,
    contact_refusal,
    window_closes_at,
    window_refusal,
)
from ..outbound.service import (
    queue_media,
    queue_reaction,
    queue_template,
    queue_text,
    resend,
)
from ..tenancy import current_membership, get_scoped_or_404, workspace_required
from ..webhooks.inbound import MODIFIER_TYPES
from ..webhooks.previews import type_label

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_SIZE = 50
THREAD_LIMIT = 200


@bp.app_context_processor
def inject_labels():
    return {"type_label": type_label, "failure_reason": failure_reason}


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
    add_agent_reactions(conversation, reactions)
    receipt = receipt_due(conversation)
    if conversation.unread_count:
        conversation.unread_count = 0
        db.session.commit()
    if receipt:
        enqueue_receipt(conversation.channel_id, receipt)
    # One window query and, only when the window is closed, the template list:
    # the thread re-renders every few seconds.
    closes = window_closes_at(conversation.channel_id, conversation.contact_id)
    template_refusal = contact_refusal(conversation.channel, conversation.contact)
    free_form_refusal = template_refusal or window_refusal(closes)
    offer_templates = free_form_refusal and not template_refusal
    return render_page_or_fragment(
        "inbox/show.html",
        "inbox/_thread.html",
        conversation=conversation,
        messages=messages,
        reactions=reactions,
        form=FlaskForm(),
        refusal=free_form_refusal,
        template_refusal=template_refusal,
        templates=approved_templates(conversation) if offer_templates else [],
        window_closes=closes,
    )


def approved_templates(conversation: Conversation) -> list[MessageTemplate]:
    return db.session.scalars(
        select(MessageTemplate)
        .where(
            MessageTemplate.workspace_id == conversation.workspace_id,
            MessageTemplate.waba_id == conversation.channel.waba_id,
            MessageTemplate.status == "APPROVED",
            # One-time passwords are sent by systems, not by agents.
            func.coalesce(MessageTemplate.category, "") != "AUTHENTICATION",
        )
        .order_by(MessageTemplate.name, MessageTemplate.language)
    ).all()


def chosen_template(conversation: Conversation, template_id) -> MessageTemplate | None:
    if not str(template_id or "").isdigit():
        return None
    return next(
        (t for t in approved_templates(conversation) if t.id == int(template_id)), None
    )


def template_values(template: MessageTemplate) -> dict[str, str]:
    return {
        f"{kind}:{name}": request.values.get(f"var-{kind}-{name}", "")
        for kind, name in template_rules.variables(template)
    }


@bp.get("/<int:conversation_id>/template")
@workspace_required()
def template_fields(conversation_id: int):
    """The chosen template's placeholders and a preview (htmx, while typing)."""
    conversation = get_scoped_or_404(Conversation, conversation_id)
    template = chosen_template(conversation, request.args.get("template_id"))
    values = template_values(template) if template else {}
    return render_template(
        "inbox/_template_fields.html",
        template=template,
        variables=template_rules.variables(template) if template else [],
        header=template_rules.header_format(template) if template else "",
        buttons=template_rules.buttons(template) if template else [],
        values=values,
        preview=template_rules.preview(template, values) if template else "",
    )


@bp.post("/<int:conversation_id>/template")
@csrf.exempt  # checked below, once the larger body limit for header files is set
@workspace_required()
def send_template(conversation_id: int):
    request.max_content_length = attachments.MAX_UPLOAD  # a header document
    csrf.protect()
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = FlaskForm()
    template = chosen_template(conversation, request.form.get("template_id"))
    if not form.validate_on_submit():
        flash(_("Die Seite war veraltet. Bitte erneut senden."), "error")
    elif template is None:
        flash(_("Bitte eine freigegebene Vorlage wählen."), "error")
    else:
        try:
            queue_template(
                conversation,
                current_user,
                template,
                template_values(template),
                uploaded(request.files.get("header_file")),
            )
        except SendRefused as refused:
            flash(str(refused), "error")
    return redirect(url_for("inbox.show", conversation_id=conversation.id), 303)


@bp.post("/<int:conversation_id>/messages")
@csrf.exempt  # checked below, once the larger body limit for attachments is set
@workspace_required()
def send(conversation_id: int):
    """Queue a text or an attachment; the thread shows it at once, then its ticks."""
    request.max_content_length = attachments.MAX_UPLOAD  # documents up to 100 MB
    csrf.protect()
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = FlaskForm()
    if form.validate_on_submit():
        reply_to = None
        if str(request.form.get("reply_to", "")).isdigit():
            reply_to = get_scoped_or_404(Message, int(request.form["reply_to"]))
            if reply_to.conversation_id != conversation.id:
                abort(404)
        attachment = uploaded(request.files.get("attachment"))
        try:
            if attachment:
                queue_media(
                    conversation,
                    current_user,
                    *attachment,
                    caption=request.form.get("text", ""),
                )
            else:
                queue_text(
                    conversation, current_user, request.form.get("text", ""), reply_to
                )
        except SendRefused as refused:
            flash(str(refused), "error")
    else:
        flash(_("Die Seite war veraltet. Bitte erneut senden."), "error")
    return redirect(url_for("inbox.show", conversation_id=conversation.id), 303)


def uploaded(file) -> tuple[bytes, str, str | None] | None:
    """(data, filename, declared type) of a chosen file; None when none was chosen."""
    if not file or not file.filename:
        return None
    with file.stream:  # large files are spooled to a temp file
        return file.read(), file.filename, file.mimetype


@bp.post("/messages/<int:message_id>/react")
@workspace_required()
def react(message_id: int):
    """React to a message with an emoji (an empty one removes the reaction)."""
    target = get_scoped_or_404(Message, message_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            queue_reaction(
                target.conversation,
                current_user,
                target,
                request.form.get("emoji", "").strip(),
            )
        except SendRefused as refused:
            flash(str(refused), "error")
    return redirect(url_for("inbox.show", conversation_id=target.conversation_id), 303)


@bp.post("/messages/<int:message_id>/resend")
@workspace_required()
def resend_message(message_id: int):
    """ "Erneut senden": a new, recorded attempt for a failed message."""
    message = get_scoped_or_404(Message, message_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            resend(message)
            flash(_("Die Nachricht wird erneut gesendet."), "success")
        except SendRefused as refused:
            flash(str(refused), "error")
    return redirect(url_for("inbox.show", conversation_id=message.conversation_id), 303)


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
