"""The budget form (workspace) and the rate form (platform admin)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from .rates import CATEGORIES
from .words import category_label

MAX_BUDGET = 10_000_000
MAX_RATE = 100


class BudgetForm(FlaskForm):
    monthly_eur = DecimalField(
        _l("Monatliches Budget in Euro (leer: kein Budget)"),
        places=2,
        validators=[
            Optional(),
            NumberRange(
                min=0.01,
                max=MAX_BUDGET,
                message=_l("Bitte einen Betrag über 0 € angeben."),
            ),
        ],
    )


class RateForm(FlaskForm):
    category = SelectField(_l("Kategorie"), validators=[DataRequired()])
    country = StringField(
        _l("Land (ISO-Code, z. B. DE)"),
        filters=[lambda text: (text or "").strip().upper()],
        validators=[
            DataRequired(),
            Length(min=2, max=2),
            Regexp(r"^[A-Z]{2}$", message=_l("Bitte zwei Buchstaben angeben.")),
        ],
    )
    eur = DecimalField(
        _l("Preis je Nachricht in Euro"),
        places=4,
        validators=[DataRequired(), NumberRange(min=0, max=MAX_RATE)],
    )
    valid_from = DateField(_l("Gültig ab"), validators=[DataRequired()])
    source = StringField(_l("Quelle"), validators=[Optional(), Length(max=255)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [(key, category_label(key)) for key in CATEGORIES]
