"""Sending from the thread: text, attachments, templates, reactions, resends."""

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..extensions import csrf, db
from ..models import Conversation, Message, MessageTemplate
from ..outbound import attachments
from ..outbound import templates as template_rules
from ..outbound.rules import (
    SendRefused,
)
from ..outbound.service import (
    queue_media,
    queue_reaction,
    queue_template,
    queue_text,
    resend,
)
from ..tenancy import get_scoped_or_404, workspace_required
from . import bp


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
    allow_large_upload()  # a header document
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
    allow_large_upload()  # documents up to 100 MB
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


def allow_large_upload() -> None:
    """Raise this request's body limit, then check CSRF (for views that are exempt).

    The global CSRF check would parse the body first, under the general limit.
    """
    request.max_content_length = attachments.MAX_UPLOAD
    csrf.protect()


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
