"""Signing in: the password, then (if enabled) a second factor, then a login session.

Between the two steps the Flask session holds only who passed the password,
when, and a fingerprint of their password hash: nobody counts as signed in
until the code is accepted, the step expires after PENDING_SECONDS, and a
password change in between voids it.
"""

import time

from flask import redirect, session, url_for
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import User
from . import devices, services, two_factor

PENDING_KEY = "login_pending"
PENDING_SECONDS = 10 * 60


def password_accepted(user: User, remember: bool, next_url: str) -> Response:
    """Sign in, or ask for the second factor first; commits."""
    if two_factor.is_enabled(user):
        if devices.recognised(user) is None:
            session[PENDING_KEY] = {
                "user": user.id,
                "since": int(time.time()),
                "password": services.fingerprint(user.password_hash),
                "remember": remember,
                "next": next_url,
            }
            services.record_access("login_code_requested", user)
            db.session.commit()
            return redirect(url_for("auth.login_code"))
        services.record_access("login_device_recognised", user)
    services.sign_in(user, remember)
    db.session.commit()
    return redirect(next_url)


def pending_user() -> User | None:
    """Who passed the password in this browser and still owes the code."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - data.get("since", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, data.get("user", 0))
    if user is None or data.get("password") != services.fingerprint(user.password_hash):
        return None
    return user


def code_accepted(user: User, method: str, remember_device: bool) -> Response:
    """Complete the sign-in after a valid code or recovery code; commits."""
    data = session.pop(PENDING_KEY)
    services.record_access(
        "recovery_code_used" if method == "recovery" else "two_factor_ok", user
    )
    if remember_device:
        devices.remember(user)
        services.record_access("device_remembered", user)
    services.sign_in(user, data.get("remember", False))
    db.session.commit()
    return redirect(data.get("next") or url_for("inbox.index"))
