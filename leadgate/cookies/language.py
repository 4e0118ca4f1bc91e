"""The language switch: kept in the session, and long-term only with preference consent."""

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user

from ..extensions import db
from ..i18n import LANGUAGE_COOKIE
from ..navigation import safe_next
from .consent import allows_preferences, set_cookie

# Named "i18n": the endpoint i18n.set_language predates this module.
bp = Blueprint("i18n", __name__)


@bp.post("/sprache")
def set_language():
    """Switch the UI language; remembered long-term only with preference consent."""
    lang = request.form.get("lang", "")
    target = safe_next(request.form.get("next"), url_for("public.index"))
    response = redirect(target)
    if lang not in current_app.config["LANGUAGES"]:
        return response
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    if allows_preferences():
        set_cookie(response, LANGUAGE_COOKIE, lang)
    return response
