"""The cookie banner's one form: a button's action and the two optional categories."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField


class CookieChoiceForm(FlaskForm):
    # The banner's three buttons; "save" takes the checkboxes as they are.
    action = SelectField(
        _l("Auswahl"), choices=["accept_all", "reject_all", "save"], default="save"
    )
    preferences = BooleanField(_l("Präferenzen"))
    statistics = BooleanField(_l("Statistik"))
    next = StringField(default="")  # the page to return to (checked by safe_next)

    def categories(self) -> tuple[bool, bool]:
        """(preferences, statistics) as chosen."""
        if self.action.data == "accept_all":
            return True, True
        if self.action.data == "reject_all":
            return False, False
        return self.preferences.data, self.statistics.data
