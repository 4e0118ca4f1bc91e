"""The rule form: wenn (trigger), falls (conditions), dann (actions).

Conditions and actions are rows of one small form each (RowForm), whose
"kind" is fixed when the row is added: the page shows only that kind's inputs
(catalog.FIELDS). Adding and removing rows posts the form as it is (htmx
swaps the form, without JS the page comes back); nothing is saved then.

Every id a row can carry (number, team, label, person, template) is one of
the current workspace's, offered as a choice: another workspace's id, or one
that is no longer there, is "Keine gültige Auswahl." (422), like any invalid
choice.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice: wtforms 3.3
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import wording
from ..forms import strip
from ..models import Rule
from ..models.rules import RULE_NAME_LENGTH, TRIGGERS
from ..outbound.service import MAX_TEXT_LENGTH
from .catalog import (
    ACTION_FIELDS,
    CHOICES,
    CONDITION_FIELDS,
    ID_KEYS,
    MAX_ROWS,
    MAX_SNOOZE_HOURS,
    MAX_WAIT,
    SETTABLE_STATES,
    WAIT_UNIT_MINUTES,
    wait_in_unit,
)
from .choices import CHOICE_WORDS
from .conditions import phrases
from .services import RuleSettings

NOT_A_CHOICE = _l("Keine gültige Auswahl.")


class RowForm(Form):
    """One condition or action; only its kind's fields are shown and read."""

    kind = HiddenField()
    words = StringField(
        _l("Wörter (mit Komma getrennt, eines genügt)"),
        filters=[strip],
        validators=[Length(max=500)],
    )
    channel_id = SelectField(_l("WhatsApp-Nummer"), validate_choice=False)
    team_id = SelectField(_l("Team"), validate_choice=False)
    label_id = SelectField(_l("Label"), validate_choice=False)
    user_id = SelectField(_l("Person"), validate_choice=False)
    template_id = SelectField(_l("Vorlage"), validate_choice=False)
    field_key = SelectField(_l("Kontaktfeld"), validate_choice=False)
    value = StringField(_l("Wert"), filters=[strip], validators=[Length(max=200)])
    # Its choices are the row kind's (rule_form): inside/outside or yes/no.
    choice = SelectField(_l("Soll gelten"), validate_choice=False)
    state = SelectField(
        _l("Status"),
        choices=[
            SelectChoice(s, wording.CONVERSATION_STATE[s]) for s in SETTABLE_STATES
        ],
        validate_choice=False,
    )
    hours = IntegerField(
        _l("Stunden"),
        validators=[
            Optional(),
            NumberRange(
                1, MAX_SNOOZE_HOURS, _l("Bitte eine Zahl von %(min)s bis %(max)s.")
            ),
        ],
    )
    text = TextAreaField(
        _l("Text"), filters=[strip], validators=[Length(max=MAX_TEXT_LENGTH)]
    )


class RuleForm(FlaskForm):
    name = StringField(
        _l("Name der Automation"),
        validators=[
            DataRequired(_l("Bitte einen Namen angeben.")),
            Length(max=RULE_NAME_LENGTH),
        ],
        filters=[strip],
    )
    trigger = RadioField(
        _l("Wenn …"),
        choices=[SelectChoice(t, wording.AUTOMATION_TRIGGER[t]) for t in TRIGGERS],
        default=TRIGGERS[0],
    )
    # Shown for the time triggers only, in their unit (rule_form sets the label).
    wait = IntegerField(
        _l("Wartezeit in Minuten"),
        validators=[Optional()],
        description=_l(
            "Gezählt ab der ersten Nachricht, auf die noch niemand geantwortet hat."
        ),
    )
    conditions = FieldList(FormField(RowForm), max_entries=MAX_ROWS)
    actions = FieldList(FormField(RowForm), max_entries=MAX_ROWS)
    new_condition = SelectField(
        _l("Bedingung hinzufügen"),
        choices=[SelectChoice(*c) for c in wording.AUTOMATION_CONDITION.items()],
        validate_choice=False,
    )
    new_action = SelectField(
        _l("Aktion hinzufügen"),
        choices=[SelectChoice(*a) for a in wording.AUTOMATION_ACTION.items()],
        validate_choice=False,
    )
    enabled = BooleanField(_l("Eingeschaltet"), default=True)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = self.check_wait() and valid
        for entry in self.conditions:
            valid = check_row(entry.form, CONDITION_FIELDS) and valid
        for entry in self.actions:
            valid = check_row(entry.form, ACTION_FIELDS) and valid
        if not self.actions.entries:
            self.new_action.errors = [_("Bitte mindestens eine Aktion hinzufügen.")]
            valid = False
        return valid

    def check_wait(self) -> bool:
        trigger = self.trigger.data or ""
        if trigger not in MAX_WAIT:
            return True
        if not self.wait.data or not 1 <= self.wait.data <= MAX_WAIT[trigger]:
            self.wait.errors = [
                _(
                    "Bitte eine Zahl von %(min)s bis %(max)s.",
                    min=1,
                    max=MAX_WAIT[trigger],
                )
            ]
            return False
        return True

    def settings(self) -> RuleSettings:
        trigger = self.trigger.data or TRIGGERS[0]
        unit = WAIT_UNIT_MINUTES.get(trigger)
        return RuleSettings(
            name=self.name.data or "",
            trigger=trigger,
            wait_minutes=(self.wait.data or 0) * unit if unit else None,
            conditions=[document(e.form, CONDITION_FIELDS) for e in self.conditions],
            actions=[document(e.form, ACTION_FIELDS) for e in self.actions],
            enabled=bool(self.enabled.data),
        )

    def as_rule(self, workspace_id: int) -> Rule:
        """An unsaved rule with the form's settings (for Ausprobieren)."""
        settings = self.settings()
        return Rule(
            workspace_id=workspace_id,
            name=settings.name,
            trigger=settings.trigger,
            wait_minutes=settings.wait_minutes,
            conditions=settings.conditions,
            actions=settings.actions,
            enabled=settings.enabled,
        )


def check_row(row: RowForm, fields: dict[str, tuple[str, ...]]) -> bool:
    """The row's own fields, by its kind; errors go next to the field."""
    kind = row.kind.data or ""
    if kind not in fields:
        row.kind.errors = [str(NOT_A_CHOICE)]
        return False
    valid = True
    for name in fields[kind]:
        field = row[name]
        problem = row_problem(kind, name, field)
        if problem:
            field.errors = [*field.errors, problem]
            valid = False
    return valid and not any(row[name].errors for name in fields[kind])


def row_problem(kind: str, name: str, field) -> str | None:
    if name in ID_KEYS or name == "field_key":
        offered = {str(choice.value) for choice in field.choices or []}
        return None if str(field.data or "") in offered else str(NOT_A_CHOICE)
    if name == "choice" and field.data not in CHOICES.get(kind, ()):
        return str(NOT_A_CHOICE)
    if name == "state" and field.data not in SETTABLE_STATES:
        return str(NOT_A_CHOICE)
    if name == "hours" and field.data is None:
        return _("Bitte eine Zahl angeben.")
    if name == "words" and not phrases(field.data or ""):
        return _("Bitte Wörter angeben (Buchstaben oder Ziffern).")
    if name == "text" and not field.data:
        return _("Bitte einen Text angeben.")
    if name == "value" and kind == "field" and not field.data:
        return _("Bitte einen Wert angeben.")
    return None


def document(row: RowForm, fields: dict[str, tuple[str, ...]]) -> dict:
    """A checked row as stored: {"kind": …, its keys (ids as numbers)}."""
    kind = row.kind.data or ""
    stored: dict = {"kind": kind}
    for name in fields[kind]:
        value = row[name].data
        stored[name] = int(value) if name in ID_KEYS else value
    return stored


def row_data(stored: dict) -> dict:
    """A stored condition or action as the form's row data (select values as text)."""
    return {
        key: str(value) if key in ID_KEYS else value for key, value in stored.items()
    }


def rule_data(rule: Rule) -> dict:
    """The form's data for an existing rule."""
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "wait": wait_in_unit(rule.trigger, rule.wait_minutes),
        "conditions": [row_data(c) for c in rule.conditions],
        "actions": [row_data(a) for a in rule.actions],
        "enabled": rule.enabled,
    }


def changed_rows(form: RuleForm, op: str) -> dict:
    """The posted form's data with a row added or removed (op from its button)."""
    data = {
        "name": form.name.data,
        "trigger": form.trigger.data,
        "wait": form.wait.data,
        "conditions": [e.form.data for e in form.conditions],
        "actions": [e.form.data for e in form.actions],
        "enabled": form.enabled.data,
    }
    action, _, index = op.partition(":")
    part = "conditions" if action.endswith("condition") else "actions"
    if action.startswith("add_"):
        kind = (form.new_condition if part == "conditions" else form.new_action).data
        kinds = CONDITION_FIELDS if part == "conditions" else ACTION_FIELDS
        if kind in kinds and len(data[part]) < MAX_ROWS:
            data[part].append({"kind": kind})
    elif (
        action.startswith("remove_")
        and index.isdigit()
        and int(index) < len(data[part])
    ):
        del data[part][int(index)]
    return data


def rule_form(choices: dict[str, list], data: dict | None = None, posted=True):
    """The form with the workspace's choices in every row (see Choices in routes)."""
    form = RuleForm(**({} if posted else {"formdata": None}), data=data)
    if form.trigger.data == "no_contact_answer":
        form.wait.label.text = _("Wartezeit in Stunden")
    for entry in [*form.conditions, *form.actions]:
        for name, options in choices.items():
            entry.form[name].choices = options
        kind = entry.form.kind.data or ""
        entry.form.choice.choices = [
            (c, CHOICE_WORDS[c]) for c in CHOICES.get(kind, ())
        ]
    return form


class SwitchForm(FlaskForm):
    """Switch a rule on or off (the list's and the rule page's switch)."""

    enabled = SelectField(
        choices=[SelectChoice("on", "on"), SelectChoice("off", "off")]
    )


class MoveForm(FlaskForm):
    """Move a rule up or down the order."""

    direction = SelectField(
        choices=[SelectChoice("up", "up"), SelectChoice("down", "down")]
    )
