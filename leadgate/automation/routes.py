"""Settings → Automationen: the workspace's rules, in order; a rule's page, its
last firings and "Ausprobieren". Owners and admins keep the rules; agents may
look at them (and at firings in conversations they may see)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import valid_form
from ..extensions import db
from ..htmx import is_fragment_request
from ..models import Rule
from ..tenancy import (
    MANAGERS,
    current_membership,
    current_workspace_id,
    get_scoped_or_404,
    manager_required,
    workspace_required,
)
from . import dryrun, services
from .catalog import ACTION_FIELDS, CONDITION_FIELDS
from .choices import Names, choices_of
from .forms import MoveForm, RuleForm, SwitchForm, changed_rows, rule_data, rule_form

bp = Blueprint("automation", __name__, url_prefix="/settings/automations")
SAVE, TRY = "save", "try"


def may_manage() -> bool:
    membership = current_membership()
    return membership is not None and membership.role in MANAGERS


@bp.get("")
@workspace_required()
def index():
    return render_template(
        "automation/index.html", **list_context(current_workspace_id())
    )


def list_context(workspace_id: int) -> dict:
    return {
        "rules": services.rules_of(workspace_id),
        "may_manage": may_manage(),
        "form": SwitchForm(formdata=None),
    }


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def new():
    return edit_page(None)


@bp.route("/<int:rule_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(rule_id: int):
    return edit_page(get_scoped_or_404(Rule, rule_id))


def edit_page(rule: Rule | None):
    """One view for the form's three uses: a row added or removed, try, save."""
    workspace_id = current_workspace_id()
    choices = choices_of(workspace_id)
    stored = rule_data(rule) if rule is not None else None
    posted = request.method == "POST"
    form = rule_form(choices, None if posted else stored, posted=posted)
    op = request.form.get("op", SAVE)
    if posted and op not in (SAVE, TRY):  # the rows changed: show, save nothing
        form = rule_form(choices, changed_rows(form, op), posted=False)
        return render_form(rule, form, focus=op)
    verdicts = None
    if form.validate_on_submit():
        if op == TRY:
            verdicts = dryrun.try_rule(form.as_rule(workspace_id))
            db.session.rollback()  # a dry run: nothing it touched is kept
        else:
            return save(rule, form)
    status = 422 if posted and verdicts is None else 200
    return render_form(rule, form, verdicts=verdicts), status


def save(rule: Rule | None, form: RuleForm):
    settings = form.settings()
    if rule is None:
        rule = services.create_rule(current_workspace_id(), settings, current_user)
    else:
        services.apply_settings(rule, settings)
    db.session.commit()
    flash(_("Automation „%(name)s“ gespeichert.", name=rule.name), "success")
    return redirect(url_for("automation.show", rule_id=rule.id), 303)


def render_form(rule: Rule | None, form: RuleForm, verdicts=None, focus: str = ""):
    context = {
        "rule": rule,
        "form": form,
        "verdicts": verdicts,
        "names": Names.of(current_workspace_id()),
        "focus": focus,
        "condition_fields": CONDITION_FIELDS,
        "action_fields": ACTION_FIELDS,
    }
    if is_fragment_request():
        return render_template("automation/_rule_form.html", **context)
    return render_template("automation/edit.html", **context)


@bp.get("/<int:rule_id>")
@workspace_required()
def show(rule_id: int):
    rule = get_scoped_or_404(Rule, rule_id)
    return render_template(
        "automation/show.html",
        rule=rule,
        firings=services.last_firings(rule),
        names=Names.of(rule.workspace_id),
        may_manage=may_manage(),
        form=SwitchForm(formdata=None),
    )


@bp.get("/<int:rule_id>/try")
@workspace_required()
def try_rule(rule_id: int):
    """Ausprobieren: the last 50 conversations, as if the trigger happened now."""
    rule = get_scoped_or_404(Rule, rule_id)
    verdicts = dryrun.try_rule(rule)
    page = render_template(
        "automation/try.html",
        rule=rule,
        verdicts=verdicts,
        names=Names.of(rule.workspace_id),
    )
    db.session.rollback()  # a dry run: nothing it touched is kept
    return page


@bp.post("/<int:rule_id>/switch")
@manager_required
def switch(rule_id: int):
    rule = get_scoped_or_404(Rule, rule_id)
    form = valid_form(SwitchForm)
    services.switch(rule, form.enabled.data == "on")
    db.session.commit()
    return back_to_list(rule, "switch")


@bp.post("/<int:rule_id>/move")
@manager_required
def move(rule_id: int):
    rule = get_scoped_or_404(Rule, rule_id)
    form = valid_form(MoveForm)
    direction = form.direction.data or ""
    at_edge = services.move(rule, direction)
    db.session.commit()
    return back_to_list(rule, "switch" if at_edge else direction)


def back_to_list(rule: Rule, control: str):
    """htmx: the list, fresh, the focus on the control used (the switch, when the
    rule reached the top or bottom and that button is off); else the page."""
    if is_fragment_request():
        return render_template(
            "automation/_rule_list.html",
            **list_context(rule.workspace_id),
            focus=(rule.id, control),
        )
    if request.form.get("back") == "show":
        return redirect(url_for("automation.show", rule_id=rule.id), 303)
    return redirect(url_for("automation.index"), 303)


@bp.post("/<int:rule_id>/delete")
@manager_required
def delete(rule_id: int):
    rule = get_scoped_or_404(Rule, rule_id)
    name = rule.name
    services.delete_rule(rule)
    db.session.commit()
    flash(_("Automation „%(name)s“ gelöscht.", name=name), "success")
    return redirect(url_for("automation.index"), 303)
