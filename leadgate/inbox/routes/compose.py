"""Sending from the thread: text, attachments, templates, reactions, resends.

Each view serves htmx and plain forms alike: htmx gets the fresh composer (or
nothing) and the event `message-queued`, on which the thread fetches what is
new; a refusal comes back in words (422). A plain form is redirected to the
thread with a flash message, as before.
"""

import emoji
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...errors import valid_form
from ...extensions import csrf, db
from ...htmx import is_fragment_request, trigger
from ...models import ContactField, Conversation, Message, MessageTemplate
from ...outbound import attachments, placeholders
from ...outbound import templates as template_rules
from ...outbound.rules import SendRefused
from ...outbound.service import (
    queue_media,
    queue_reaction,
    queue_template,
    queue_text,
    resend,
)
from ...tenancy import get_scoped_or_404, workspace_required
from ..composer import approved_templates, composer_context
from ..forms import ComposerForm, ReactForm, TemplateChoiceForm
from .blueprint import bp

QUEUED = "message-queued"  # the thread listens and appends what is new


def chosen_template(
    conversation: Conversation, template_id: int | None
) -> MessageTemplate | None:
    return next(
        (t for t in approved_templates(conversation) if t.id == template_id), None
    )


def template_values(template: MessageTemplate) -> dict[str, str]:
    return {
        f"{kind}:{name}": request.values.get(f"var-{kind}-{name}", "")
        for kind, name in template_rules.variables(template)
    }


@bp.get("/<int:conversation_id>/template")
@workspace_required()
def template_fields(conversation_id: int):
    """The chosen template's placeholders, pre-filled, and a preview (htmx, while typing).

    `fields_for` names the template the typed values belong to: switching to
    another template starts from the contact again, not from the old values.
    """
    conversation = get_scoped_or_404(Conversation, conversation_id)
    template = chosen_template(conversation, request.args.get("template_id", type=int))
    if template is None:
        return render_template("inbox/_template_fields.html", template=None)
    fields = placeholders.placeholders(template, contact_fields(conversation))
    filled = placeholders.prefill(fields, conversation.contact)
    owner = request.args.get("fields_for")
    if owner is None:  # no fields shown yet, or a client that does not say
        typed = any(name.startswith("var-") for name in request.args)
    else:
        typed = owner == str(template.id)
    values = {
        p.key: request.args.get(p.field_name, "") if typed else filled.get(p.key, "")
        for p in fields
    }
    return render_template(
        "inbox/_template_fields.html",
        template=template,
        placeholders=fields,
        prefilled={key for key, value in filled.items() if values[key] == value},
        header=template_rules.header_format(template),
        values=values,
        preview=template_rules.preview(template, values),
    )


def contact_fields(conversation: Conversation) -> list[ContactField]:
    return db.session.scalars(
        select(ContactField).where(
            ContactField.workspace_id == conversation.workspace_id
        )
    ).all()


@bp.post("/<int:conversation_id>/template")
@csrf.exempt  # checked below, once the larger body limit for header files is set
@workspace_required()
def send_template(conversation_id: int):
    allow_large_upload()  # a header document
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(TemplateChoiceForm)
    template = chosen_template(conversation, form.template_id.data)
    if template is None:
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
    form = valid_form(ComposerForm)
    error = None
    try:
        queue_from_composer(conversation, form)
    except SendRefused as refused:
        error = str(refused)
    if is_fragment_request():
        return composer_answer(conversation, error, form.text.data)
    if error:
        flash(error, "error")
    return redirect(url_for("inbox.show", conversation_id=conversation.id), 303)


def queue_from_composer(conversation: Conversation, form: ComposerForm) -> None:
    reply_to = None
    if form.reply_to.data is not None:
        reply_to = get_scoped_or_404(Message, form.reply_to.data)
        if reply_to.conversation_id != conversation.id:
            abort(404)
    attachment = uploaded(request.files.get("attachment"))
    if attachment:
        queue_media(conversation, current_user, *attachment, caption=form.text.data)
    else:
        queue_text(conversation, current_user, form.text.data, reply_to)


def composer_answer(conversation: Conversation, error: str | None, text: str):
    """The composer again: empty after a send, with the text and the reason if refused."""
    body = render_template(
        "inbox/_composer.html",
        conversation=conversation,
        error=error,
        draft=text if error else "",
        **composer_context(conversation),
    )
    if error:
        return body, 422
    return trigger(body, QUEUED)


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
    """React to a message with one emoji (an empty one removes the reaction)."""
    target = get_scoped_or_404(Message, message_id)
    form = valid_form(ReactForm)
    chosen = form.emoji.data

    def act() -> None:
        if chosen and not emoji.is_emoji(chosen):
            raise SendRefused(_("Bitte ein einzelnes Emoji wählen."))
        queue_reaction(target.conversation, current_user, target, chosen)

    return acted(target.conversation_id, act)


@bp.post("/messages/<int:message_id>/resend")
@workspace_required()
def resend_message(message_id: int):
    """ "Erneut senden": a new, recorded attempt for a failed message."""
    message = get_scoped_or_404(Message, message_id)
    return acted(
        message.conversation_id,
        lambda: resend(message),
        _("Die Nachricht wird erneut gesendet."),
    )


def acted(conversation_id: int, action, done: str | None = None):
    """Run a send action; answer htmx or the plain form."""
    error = None
    try:
        action()
    except SendRefused as refused:
        error = str(refused)
    if is_fragment_request():
        if error:
            return render_template("inbox/_thread_notice.html", notice=error), 422
        return trigger(Response(status=204), QUEUED)
    if error:
        flash(error, "error")
    elif done:
        flash(done, "success")
    return redirect(url_for("inbox.show", conversation_id=conversation_id), 303)
