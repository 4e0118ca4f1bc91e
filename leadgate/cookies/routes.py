"""The cookie banner (an htmx partial) and the consent it records."""

from flask import Blueprint, make_response, redirect, render_template, url_for

from ..errors import valid_form
from ..extensions import db, limiter
from ..htmx import is_fragment_request, trigger
from ..navigation import current_page, safe_next
from . import consent, statistics
from .forms import CookieChoiceForm

bp = Blueprint("cookies", __name__, url_prefix="/cookies")


@bp.app_context_processor
def inject_cookie_choice():
    return {"cookie_choice": consent.current_choice, "current_page": current_page}


@bp.after_app_request
def count_page_view(response):
    return statistics.record_page_view(response)


@bp.get("/settings")
def settings():
    """The banner with the current choice, reopened from the footer."""
    context = {"choice": consent.current_choice(), "expanded": True}
    if is_fragment_request():
        return render_template("cookies/_banner.html", **context)
    return render_template("cookies/settings.html", **context)


@bp.post("/consent")
# Per address: bounds spam rows, while an office behind one NAT address, where
# every new visitor answers the banner, is not refused after 60 an hour.
@limiter.limit("20 per minute")
def save():
    """Record the choice: accept all, only necessary, or the selected categories."""
    form = valid_form(CookieChoiceForm)
    preferences, statistics_allowed = form.categories()
    had_choice = consent.current_choice() is not None
    logged_action = "update" if had_choice else "grant"
    if had_choice and not (preferences or statistics_allowed):
        logged_action = "revoke"
    choice = consent.record_choice(preferences, statistics_allowed, logged_action)
    db.session.commit()
    if is_fragment_request():
        response = trigger(
            render_template("cookies/_banner_closed.html"), "cookie-consent-saved"
        )
    else:
        target = safe_next(form.next.data, url_for("public.index"))
        response = make_response(redirect(target))
    consent.apply_choice(response, choice)
    return response
