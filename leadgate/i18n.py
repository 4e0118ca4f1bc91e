"""Language: German by default, English by user setting, choice or browser."""

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from .cookies.consent import LANGUAGE_COOKIE, allows_preferences, set_cookie
from .extensions import db
from .navigation import safe_next

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Pick the UI language for this request."""
    supported = current_app.config["LANGUAGES"]
    candidates = [
        getattr(current_user, "locale", None),
        session.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
    ]
    for candidate in candidates:
        if candidate in supported:
            return candidate
    return request.accept_languages.best_match(supported) or supported[0]


@bp.app_context_processor
def inject_locale():
    return {"get_locale": get_locale}


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
