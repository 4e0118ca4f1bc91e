"""The public side of a lead form: /f/<slug>, embeddable in the customer's website.

Inside someone else's page there is no session to carry a CSRF token, so the form
is protected otherwise (tokens.py has the reasoning): a signed, time-stamped token
per rendering, a honeypot, and a rate limit per IP address on submissions.
"""

import logging

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import live
from ..automation import triggers as automation
from ..extensions import csrf, db, limiter
from ..models import LeadForm, Workspace
from ..routing import triggers
from ..security import embeddable
from . import tokens
from .capture import capture, consent_sha256
from .public_form import PublicLeadForm, public_form, read_lead
from .services import (
    ShownField,
    custom_fields,
    embedding_page,
    privacy_link,
    published_form,
    shown_fields,
)

bp = Blueprint("leadform_public", __name__, url_prefix="/f")
log = logging.getLogger(__name__)

# Per IP address, counting every POST: plenty for an office behind one address,
# too little for a bot. Failed and honeypot posts count too.
SUBMIT_LIMIT = "5 per minute;30 per hour"


@bp.errorhandler(404)
def unavailable(error):
    """Unknown or inactive forms: a page that fits into the customer's iframe."""
    return render_template("leadforms/unavailable.html", status=404), 404


@bp.errorhandler(429)
def too_many_submissions(error):
    return render_template("leadforms/unavailable.html", status=429), 429


def published_or_404(slug: str) -> tuple[LeadForm, Workspace]:
    found = published_form(slug)
    if found is None:
        abort(404)
    return found


@bp.route("/<slug>", methods=["GET", "POST"])
@embeddable
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def show(slug: str):
    lead_form, workspace = published_or_404(slug)
    shown = shown_fields(lead_form, custom_fields(workspace.id))
    form = public_form(workspace, shown)
    consent_hash = consent_sha256(workspace.effective_consent_text)
    if request.method == "POST":
        return submit(lead_form, workspace, shown, form, consent_hash)
    # The iframe's load carries the embedding page as Referer; the POST would
    # only name our own form, so the page travels inside the signed token.
    page_url = embedding_page(request.referrer)
    form.token.data = tokens.issue(slug, page_url, consent_hash)
    return form_page(lead_form, workspace, form)


def submit(
    lead_form: LeadForm,
    workspace: Workspace,
    shown: list[ShownField],
    form: PublicLeadForm,
    consent_hash: str,
):
    if form.website.data:
        # A bot filled the honeypot: it sees a success, nothing is stored.
        log.info("Lead form honeypot filled; submission dropped")
        return redirect(url_for(".thanks", slug=lead_form.slug), 303)
    try:
        token = tokens.check(form.token.data, lead_form.slug, consent_hash)
    except tokens.TokenProblem as problem:
        form.token.data = problem.retry_token
        return form_page(lead_form, workspace, form, problem.message, 400)
    valid = form.validate()
    if form.consent.data and token.consent_sha256 != consent_hash:
        ask_consent_again(form, token, consent_hash)
        valid = False
    if not valid:
        return form_page(lead_form, workspace, form, status=422)
    consent_text = workspace.effective_consent_text
    lead = read_lead(form, shown, consent_text, token.page_url)
    conversation = capture(lead_form, workspace, lead)
    db.session.commit()
    live.publish_conversations([(workspace.id, conversation.id)])
    triggers.after_lead(conversation.id)  # an agent at once, if its team assigns
    automation.after_lead(workspace.id, conversation.id)  # then the rules
    return redirect(url_for(".thanks", slug=lead_form.slug), 303)


def ask_consent_again(
    form: PublicLeadForm, token: tokens.FormToken, consent_hash: str
) -> None:
    """The consent text changed after the form was shown: agreeing needs the new one."""
    form.consent.data = False
    form.consent.errors = [
        _(
            "Der Text der Einwilligung wurde inzwischen geändert. Bitte lesen "
            "und bestätigen Sie ihn erneut."
        )
    ]
    form.token.data = tokens.issue(
        token.slug, token.page_url, consent_hash, issued_at=token.issued_at
    )


def form_page(lead_form, workspace, form, notice=None, status=200):
    body = render_template(
        "leadforms/public.html",
        lead_form=lead_form,
        form=form,
        privacy_url=privacy_link(workspace),
        notice=notice,
    )
    # Each rendering carries its own time-stamped token: never serve it from a cache.
    return body, status, {"Cache-Control": "no-store"}


@bp.get("/<slug>/danke")
@embeddable
def thanks(slug: str):
    lead_form, _ = published_or_404(slug)
    return render_template("leadforms/thanks.html", lead_form=lead_form)


# The token, honeypot and rate limit above replace CSRFProtect here (tokens.py).
csrf.exempt(show)
