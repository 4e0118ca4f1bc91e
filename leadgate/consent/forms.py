"""The form of taking back an objection: the reason is required."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import strip

REASON_LIMIT = 500


class WithdrawObjectionForm(FlaskForm):
    reason = TextAreaField(
        _l("Warum war der Widerspruch ein Irrtum?"),
        validators=[
            DataRequired(
                _l("Bitte den Grund angeben: er wird im Nachweis festgehalten.")
            ),
            Length(max=REASON_LIMIT),
        ],
        filters=[strip],
    )
    # Where the agent came from (the thread's panel); checked by safe_next.
    next = HiddenField()
