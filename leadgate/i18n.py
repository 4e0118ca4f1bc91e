"""Language: German by default, English by user setting, choice or browser.

The switch itself (a cookie, with preference consent) is the cookies feature's:
cookies/language.py.
"""

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

# Set only with the visitor's consent to preference cookies (cookies/language.py).
LANGUAGE_COOKIE = "lg_lang"


def select_locale() -> str:
    """Pick the UI language for this request; a job (no reader) speaks the default."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():
        return supported[0]
    candidates = [
        getattr(current_user, "locale", None),
        session.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
    ]
    for candidate in candidates:
        if candidate in supported:
            return candidate
    return request.accept_languages.best_match(supported) or supported[0]


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"get_locale": get_locale})
