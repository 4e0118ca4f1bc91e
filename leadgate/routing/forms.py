"""The agent's status control (shell header): one of three statuses."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from ..models.accounts import AGENT_STATUSES

# Where the control sits: the top bar (narrow screens) or the navigation (wide).
PLACES = ("top", "nav")


class StatusForm(FlaskForm):
    # Codes only (the header renders its own buttons): {code: code}.
    status = SelectField(_l("Ihr Status"), choices={s: s for s in AGENT_STATUSES})
    place = SelectField(_l("Ort"), choices={p: p for p in PLACES}, default="nav")
    next = HiddenField()
