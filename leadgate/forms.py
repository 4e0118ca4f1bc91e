"""Validators and fields shared by several forms."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Email, Length


def strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label=None) -> EmailField:
    return EmailField(
        label or _l("E-Mail-Adresse"),
        validators=[
            DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse an.")),
            Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse an.")),
            Length(max=254),
        ],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )


def name_field(label=None) -> StringField:
    """A person's name, as the account, sign-up and contact forms ask for it."""
    return StringField(
        label or _l("Name"),
        validators=[
            DataRequired(_l("Bitte geben Sie Ihren Namen an.")),
            Length(max=120),
        ],
        render_kw={"autocomplete": "name"},
    )


def form_status(form) -> int:
    """422 for a submitted form that failed, so htmx and tests can tell."""
    return 422 if form.is_submitted() else 200


class CheckboxList(SelectMultipleField):
    """A multiple choice as a list of checkboxes (labels, a team's members …)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
