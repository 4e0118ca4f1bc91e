from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import email_field, name_field


class ContactForm(FlaskForm):
    name = name_field()
    email = email_field()
    message = TextAreaField(
        _l("Ihre Nachricht"),
        validators=[
            DataRequired(_l("Bitte schreiben Sie uns eine Nachricht.")),
            Length(
                min=10, max=5000, message=_l("Bitte schreiben Sie 10 bis 5000 Zeichen.")
            ),
        ],
    )
    privacy = BooleanField(
        _l("Ich habe die Datenschutzerklärung zur Kenntnis genommen."),
        validators=[DataRequired(_l("Bitte bestätigen Sie den Datenschutzhinweis."))],
    )
    # Honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Website (bitte leer lassen)"))
