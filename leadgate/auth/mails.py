"""The auth feature's mails: a password reset link, an address change to confirm.

Jobs like those of mail.py (ids and stash keys in, everything else looked up).
"""

import logging

from flask_babel import gettext as _

from .. import stash
from ..extensions import db
from ..mail import STASH_SECONDS, rendering, request_locale, send
from ..models import User
from ..queue import enqueue
from ..urls import base_url, external_url
from . import services as auth_services

log = logging.getLogger(__name__)


def mail_password_reset(user: User) -> None:
    enqueue(send_password_reset, user.id, request_locale(), base_url())


def send_password_reset(user_id: int, locale: str, address: str | None = None) -> None:
    """Mail a user a fresh link to choose a new password."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        return
    with rendering(user.locale or locale, address):
        token = auth_services.make_password_reset_token(user)
        send(
            user.email,
            _("Ihr Link zum Zurücksetzen des Passworts"),
            "mail/password_reset.txt",
            user=user,
            url=external_url("auth.password_reset", token=token),
        )


def mail_email_change(user: User, new_email: str) -> None:
    """Queue the confirmation for a new address (the job checks it is free)."""
    data = {
        "email": auth_services.normalise_email(new_email),
        "locale": request_locale(),
        "base_url": base_url(),
    }
    enqueue(send_email_change, user.id, stash.put(data, STASH_SECONDS))


def send_email_change(user_id: int, key: str) -> None:
    """Mail the link that confirms a new address to that address, if it is free."""
    data, user = stash.get(key), db.session.get(User, user_id)
    if data is None or user is None:
        log.warning("Email change mail not sent: its request expired")
        return
    # A taken address gets no mail: that must not tell the user about other accounts.
    if auth_services.find_user_by_email(data["email"]) is None:
        with rendering(user.locale or data["locale"], data.get("base_url")):
            token = auth_services.make_email_change_token(user, data["email"])
            send(
                data["email"],
                _("Bitte bestätigen Sie Ihre neue E-Mail-Adresse"),
                "mail/email_change.txt",
                user=user,
                url=external_url("account.confirm_email", token=token),
            )
    stash.drop(key)
