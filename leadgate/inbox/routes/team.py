"""One-click team actions on a conversation: assign, state, snooze, labels, notes.

Every action is a POST (the global CSRFProtect checks its token) whose small form
(forms.py) checks the input; it answers with a redirect to the thread, which
htmx (hx-boost) follows in place. The others see the change through live updates.
"""

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from ... import live
from ...automation import triggers as automation
from ...errors import valid_form
from ...models import Conversation, Label
from ...routing import triggers
from ...tenancy import get_scoped_or_404, workspace_required
from .. import presence, team
from ..forms import (
    AddLabelForm,
    AssignForm,
    NoteForm,
    PresenceForm,
    ReasonForm,
    SnoozeForm,
    StateForm,
    TeamMoveForm,
)
from ..team import TeamError
from .blueprint import bp


def act(conversation: Conversation, action) -> None:
    """Run an action; its refusal becomes a flash message."""
    before = triggers.Snapshot.of(conversation)
    try:
        action()
    except TeamError as refused:
        flash(str(refused), "error")
        return
    live.publish_conversations([(conversation.workspace_id, conversation.id)])
    # Room it freed or a conversation it left waiting: automatic assignment.
    triggers.after_change(conversation, before)
    automation.after_change(conversation, before)  # rules on assigned, state


def back_to(conversation: Conversation):
    return redirect(url_for("inbox.show", conversation_id=conversation.id), 303)


@bp.post("/<int:conversation_id>/assign")
@workspace_required()
def assign(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(AssignForm)
    assignee_id = form.assignee_id(current_user.id)
    act(conversation, lambda: team.assign(conversation, current_user, assignee_id))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/team")
@workspace_required()
def move_to_team(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(TeamMoveForm)
    act(
        conversation,
        lambda: team.move_to_team(conversation, current_user, form.team_id()),
    )
    return back_to(conversation)


@bp.post("/<int:conversation_id>/state")
@workspace_required()
def change_state(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(StateForm)
    act(
        conversation,
        lambda: team.set_state(conversation, current_user, form.state.data),
    )
    return back_to(conversation)


@bp.post("/<int:conversation_id>/snooze")
@workspace_required()
def snooze(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(SnoozeForm)

    def until() -> datetime:
        if form.preset.data:
            now = datetime.now(get_timezone())
            return team.snooze_until(form.preset.data, now, get_timezone())
        if form.until.data is None:
            raise TeamError(_("Bitte einen Zeitpunkt wählen."))
        return form.until.data.replace(tzinfo=get_timezone())  # the agent's time

    act(conversation, lambda: team.snooze(conversation, current_user, until()))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/labels")
@workspace_required()
def add_label(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(AddLabelForm)
    label = get_scoped_or_404(Label, form.label_id.data)
    act(conversation, lambda: team.add_label(conversation, current_user, label))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/labels/<int:label_id>/remove")
@workspace_required()
def remove_label(conversation_id: int, label_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    label = get_scoped_or_404(Label, label_id)
    act(conversation, lambda: team.remove_label(conversation, current_user, label))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/objection")
@workspace_required()
def record_objection(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    act(conversation, lambda: team.record_objection(conversation, current_user))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/restrict")
@workspace_required()
def restrict(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(ReasonForm)
    reason = form.reason.data
    act(conversation, lambda: team.restrict(conversation.contact, current_user, reason))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/lift-restriction")
@workspace_required()
def lift_restriction(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    act(conversation, lambda: team.lift_restriction(conversation.contact, current_user))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/notes")
@workspace_required()
def add_note(conversation_id: int):
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(NoteForm)
    act(conversation, lambda: team.add_note(conversation, current_user, form.note.data))
    return back_to(conversation)


@bp.post("/<int:conversation_id>/presence")
@workspace_required()
def report_presence(conversation_id: int):
    """A tab reports viewing (every few seconds) or writing; answers the others."""
    conversation = get_scoped_or_404(Conversation, conversation_id)
    form = valid_form(PresenceForm)
    presence.report(conversation, current_user, form.state.data)
    return show_presence(conversation)


@bp.get("/<int:conversation_id>/presence")
@workspace_required()
def presence_fragment(conversation_id: int):
    return show_presence(get_scoped_or_404(Conversation, conversation_id))


def show_presence(conversation: Conversation):
    return render_template(
        "inbox/_presence.html",
        conversation=conversation,
        others=presence.others(conversation.id, current_user.id),
    )
