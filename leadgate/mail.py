"""Outgoing email: sending, rendering, and one job per kind of mail (ids and keys).

The mails of a feature whose rules they need live with it (auth/mails.py:
password reset and address change; auth/registration.py: sign-up), so this
shared module imports no feature. The invite mail needs only its row.

RQ logs each job as `func(args)` when it starts and again when it fails, so
whatever a job is given ends up in the logs. Mail jobs therefore get ids: they
look up address, name and language themselves and derive what can be derived
(a password reset link comes from the user's row, when the mail is written).
What exists only in the request (an invite's token, of which only the hash is
stored; an address not yet confirmed) waits encrypted in stash.py and the job
gets its key: simpler than a table of pending mails, and nothing stays once
the mail is out. Mails go through the queue so a slow SMTP server never blocks
a request.

Without MAIL_SERVER, mails are kept in app.extensions["mail_outbox"] (tests
read it, `leadgate dev` shows it at /_dev/mail) and never written to the log:
a console mailbox would put addresses and live links into every dev log.
"""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from . import stash
from .extensions import db
from .models import Invite
from .queue import enqueue
from .urls import base_url, external_url

log = logging.getLogger(__name__)

# Long enough to outlive the job's retries and a worker down for a working day.
STASH_SECONDS = 24 * 60 * 60
OUTBOX_LIMIT = 500  # a long `leadgate dev` session must not grow without bound


class MailNotSent(Exception):
    """SMTP failed; names the error class and code, never the address."""


def request_locale() -> str:
    return str(get_locale())


@contextmanager
def rendering(locale: str | None, address: str | None = None) -> Iterator[None]:
    """Render as a request to the app's address would, in this language.

    The address is BASE_URL, else the one the enqueueing request was made to
    (urls.base_url(), passed along): links via urls.external_url are absolute.
    """
    app = current_app
    languages = app.config["LANGUAGES"]
    address = app.config["BASE_URL"] or address
    if not address:
        raise RuntimeError("BASE_URL must be set to write mails with links")
    with (
        app.test_request_context(base_url=address),
        force_locale(locale if locale in languages else languages[0]),
    ):
        yield


def delivery() -> tuple[str, str | None]:
    """How mails leave: ("smtp", None), ("dev_outbox", its page) or ("none", None).

    Pages that hand out a link by mail say so when no mail will arrive.
    """
    config = current_app.config
    if config["MAIL_SERVER"]:
        return "smtp", None
    page = current_app.extensions.get("dev_mail_page")
    if page and config["LEADGATE_ENV"] != "production":
        return "dev_outbox", page
    return "none", None


def delivery_notice(sent: str, kept: str, unsent: str) -> tuple[str, str]:
    """The flash after mailing a link: "mailed" only when a mail server is set.

    `kept` names the dev outbox as %(mailbox)s; `unsent` says no mail left.
    """
    how, mailbox = delivery()
    if how == "smtp":
        return sent, "success"
    if how == "dev_outbox":
        return kept % {"mailbox": mailbox}, "info"
    return unsent, "error"


def send(to: str, subject: str, template: str, **context) -> None:
    """Render a plain-text mail template and deliver it (call within rendering())."""
    deliver(to, subject, render_template(template, **context))


def deliver(to: str, subject: str, body: str) -> None:
    """Send one email by SMTP, or keep it in the dev outbox when SMTP is not set."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if current_app.config["MAIL_SERVER"]:
        _send_smtp(message)
    elif current_app.config["LEADGATE_ENV"] == "production":
        log.warning("Mail not sent: MAIL_SERVER is not configured")
    else:
        outbox = current_app.extensions.setdefault("mail_outbox", [])
        outbox.append(message)
        del outbox[:-OUTBOX_LIMIT]
        log.info("Mail kept in the development outbox (no MAIL_SERVER): /_dev/mail")


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        log.warning("Mail not sent: the SMTP server refused the recipient")
    except (smtplib.SMTPException, OSError) as error:
        # SMTP replies often quote the address ("550 <a@b.de>: unknown"): keep
        # them out of the traceback the worker logs. RQ retries the job.
        code = getattr(error, "smtp_code", "")
        raise MailNotSent(f"{type(error).__name__} {code}".strip()) from None


def mail_invite(invite: Invite, token: str) -> None:
    """Queue the invite mail; its token exists only here (the database has its hash)."""
    data = {"token": token, "locale": request_locale(), "base_url": base_url()}
    enqueue(send_invite, invite.id, stash.put(data, STASH_SECONDS))


def send_invite(invite_id: int, key: str) -> None:
    """Mail an invite's link to the invited address while the invite is open."""
    data, invite = stash.get(key), db.session.get(Invite, invite_id)
    if data is None or invite is None:
        log.warning("Invite mail for invite %s not sent: expired", invite_id)
        return
    if invite.is_open:
        with rendering(data["locale"], data.get("base_url")):
            send(
                invite.email,
                _(
                    "Einladung zu %(workspace)s auf LeadGate",
                    workspace=invite.workspace.name,
                ),
                "mail/invite.txt",
                inviter=invite.invited_by,
                workspace=invite.workspace,
                url=external_url("workspaces.accept_invite", token=data["token"]),
            )
    stash.drop(key)
