"""The public form's signed token: we rendered this form, when, and for which page.

Session-based CSRF cannot work inside a third-party iframe: browsers withhold our
session cookie there (SameSite, third-party cookie blocking). So the submit view
is exempt from CSRFProtect, and each rendered form carries this token instead,
signed with SECRET_KEY (salted for this one purpose). A submission needs a token
we issued for the same form, at least MIN_SECONDS and at most MAX_AGE old: people
take seconds to fill in a form, bots post at once or replay old tokens. The token
also carries the embedding page and a hash of the consent text shown, so neither
can be changed on the way back.
"""

import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "leadgate.lead-form-token"
MIN_SECONDS = 2
MAX_AGE = 24 * 60 * 60


@dataclass(frozen=True)
class FormToken:
    slug: str
    issued_at: float
    page_url: str | None
    consent_sha256: str


class TokenProblem(Exception):
    """A submission without a usable token; retry_token goes into the form shown again."""

    def __init__(self, message, retry_token: str):
        super().__init__(str(message))
        self.message = message
        self.retry_token = retry_token


def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(
    slug: str,
    page_url: str | None,
    consent_sha256: str,
    issued_at: float | None = None,
) -> str:
    """A token for one rendering of the form."""
    at = time.time() if issued_at is None else issued_at
    return serializer().dumps({"s": slug, "t": at, "p": page_url, "c": consent_sha256})


def read(token: str | None, slug: str) -> FormToken | None:
    """The token's contents if we signed it for this form, else None."""
    try:
        data = serializer().loads(token or "")
        found = FormToken(data["s"], float(data["t"]), data["p"], data["c"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return found if found.slug == slug else None


def check(token: str | None, slug: str, consent_sha256: str) -> FormToken:
    """The valid token of a submission, or TokenProblem (nothing may be stored)."""
    found = read(token, slug)
    if found is None:
        raise TokenProblem(
            _l(
                "Das Formular konnte nicht geprüft werden. Bitte senden Sie es noch einmal."
            ),
            issue(slug, None, consent_sha256),
        )
    age = time.time() - found.issued_at
    if age > MAX_AGE:
        raise TokenProblem(
            _l("Das Formular war zu lange geöffnet. Bitte senden Sie es noch einmal."),
            issue(slug, found.page_url, consent_sha256),
        )
    if age < MIN_SECONDS:
        # Faster than a person can type: most likely a bot. A person who really
        # was that quick (autofill) just sends again; the token stays as it was.
        raise TokenProblem(
            _l(
                "Bitte prüfen Sie Ihre Angaben und senden Sie das Formular noch einmal."
            ),
            token or "",
        )
    return found
