"""Sign-up without account enumeration: every valid request gets the same answer.

The register views (the plain one and the invite's) do the same work whatever
the address (hash the password, stash the request, queue one job) and show the
same page, so neither the answer nor its timing tells whether an account
exists. Only the job, out of the requester's sight, looks the address up: a
new address gets a link that creates the account, the holder of a known one a
note that someone tried, with the way to log in, reset the password or accept
the invite. That is how the password reset already answers.

Nothing is written to the database before the link is used: the pending
sign-up (its password already hashed) waits encrypted in stash.py under the
hash of the link's token. The link's GET only shows a button, because mail
scanners open links; its POST creates the account, once.
"""

import logging
import secrets

from flask_babel import gettext as _

from .. import mail, stash
from ..extensions import db
from ..models import Invite, User
from ..queue import enqueue
from ..urls import base_url, external_url
from ..workspaces import services as workspace_services
from . import services
from .passwords import hash_password

log = logging.getLogger(__name__)

VALID_SECONDS = 24 * 60 * 60  # the link in the mail, as the mail says


def request_sign_up(
    name: str,
    email: str,
    password: str,
    workspace_name: str | None = None,
    invite_token: str | None = None,
) -> None:
    """Queue the mail that continues this sign-up, whether or not the address is known."""
    data = {
        "name": name.strip(),
        "email": services.normalise_email(email),
        "password_hash": hash_password(password),
        "workspace_name": (workspace_name or "").strip(),
        "invite_token": invite_token,
        "locale": mail.request_locale(),
        "base_url": base_url(),  # links in the mail: the address signed up at
    }
    enqueue(send_sign_up_mail, stash.put(data, mail.STASH_SECONDS))


def send_sign_up_mail(key: str) -> None:
    """Mail the link that completes a sign-up, or tell the address's holder instead."""
    data = stash.get(key)
    if data is None:
        log.warning("Sign-up mail not sent: its request expired")
        return
    holder = services.find_user_by_email(data["email"])
    invite = _open_invite(data)
    if holder is None:
        _mail_link(data, invite)
    else:
        _mail_holder(holder, data, invite)
    stash.drop(key)


def _open_invite(data: dict) -> Invite | None:
    token = data.get("invite_token")
    return workspace_services.find_open_invite(token) if token else None


def _mail_link(data: dict, invite: Invite | None) -> None:
    token = secrets.token_urlsafe(32)
    stash.put_under(stash.key_of_link(token), data, VALID_SECONDS)
    with mail.rendering(data["locale"], data.get("base_url")):
        mail.send(
            data["email"],
            _("Bitte bestätigen Sie Ihre Registrierung bei LeadGate"),
            "mail/register_confirm.txt",
            invite=invite,
            url=external_url("auth.confirm_registration", token=token),
        )


def _mail_holder(holder: User, data: dict, invite: Invite | None) -> None:
    with mail.rendering(holder.locale or data["locale"], data.get("base_url")):
        invite_url = invite and external_url(
            "workspaces.accept_invite", token=data["invite_token"]
        )
        mail.send(
            holder.email,
            _("Sie haben schon ein LeadGate-Konto"),
            "mail/register_known.txt",
            user=holder,
            invite=invite,
            invite_url=invite_url,
            login_url=external_url("auth.login"),
            reset_url=external_url("auth.password_reset_request"),
        )


def pending(token: str) -> dict | None:
    """The sign-up this link would complete, or None if it expired or was used."""
    return stash.get(stash.key_of_link(token))


def complete(token: str) -> tuple[User, int | None] | None:
    """Create the account of a confirmed sign-up, once; the user and the workspace.

    The workspace is None when the invite it came with closed meanwhile (the
    new user then starts one of their own). None when the link is used up.
    """
    data = stash.take(stash.key_of_link(token))
    if data is None or services.find_user_by_email(data["email"]) is not None:
        return None
    user = User(name=data["name"], email=data["email"])
    user.password_hash = data["password_hash"]
    db.session.add(user)
    db.session.flush()
    if data.get("invite_token"):
        invite = _open_invite(data)
        if invite is None:
            return user, None
        return user, workspace_services.accept_invite(invite, user).workspace_id
    name = data["workspace_name"] or _("Team von %(name)s", name=user.name)
    workspace = services.create_workspace(user, name)
    db.session.flush()
    return user, workspace.id
