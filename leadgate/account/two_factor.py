"""Setting up and managing two-factor login, and leading members to its setup.

A workspace whose owners require two-factor login (Workspace.require_two_factor)
is closed to members without it: every request that would use it leads them
to the setup page instead, whether they just signed in or were signed in
before the owners switched it on. Their own account, logging out, switching
to another workspace and the public pages stay open (EXEMPT).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..auth import services, two_factor
from ..extensions import db, limiter
from ..tenancy import current_membership
from .forms import RecoveryCodesForm, TwoFactorDisableForm, TwoFactorSetupForm
from .routes import render_account, validate_with_password

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")

EXEMPT_BLUEPRINTS = {"auth", "account", "two_factor", "public", "cookies", "i18n"}
EXEMPT_ENDPOINTS = {
    "static",
    "workspaces.switch",
    "workspaces.create",
    "workspaces.accept_invite",
    "privacy.export_account",
    "privacy.delete_account",
}
# Each of these checks a code: failed attempts count per account, like logins.
CODE_LIMIT = "5 per 15 minutes"


def signed_in_account() -> str:
    return f"code-user:{current_user.id}"


def _failed(response) -> bool:
    return response.status_code not in (200, 302)


def code_limit(view):
    return limiter.limit(
        CODE_LIMIT,
        key_func=signed_in_account,
        methods=["POST"],
        deduct_when=_failed,
        scope="code-user",
    )(view)


def setup_required() -> bool:
    """Whether the current workspace requires a second factor this user lacks."""
    if not current_user.is_authenticated or two_factor.is_enabled(current_user):
        return False
    membership = current_membership()
    return membership is not None and membership.workspace.require_two_factor


@bp.before_app_request
def lead_to_setup():
    if request.blueprint in EXEMPT_BLUEPRINTS or request.endpoint in EXEMPT_ENDPOINTS:
        return None
    if not setup_required():
        return None
    url = url_for("two_factor.setup")
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def render_setup(form: TwoFactorSetupForm, status: int = 200):
    secret = two_factor.setup_secret(current_user)
    db.session.commit()  # the secret waits for its first code, across requests
    uri = two_factor.provisioning_uri(current_user, secret)
    page = render_template(
        "account/two_factor_setup.html",
        form=form,
        qr_code=two_factor.qr_code(uri),
        secret=two_factor.grouped(secret),
        required_by=current_membership() if setup_required() else None,
    )
    return page, status


def show_recovery_codes(codes: list[str], just_enabled: bool = False):
    """The only time the codes are visible: never cached, never shown again."""
    page = render_template(
        "account/recovery_codes.html", codes=codes, just_enabled=just_enabled
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/setup", methods=["GET", "POST"])
@login_required
@code_limit
def setup():
    if two_factor.is_enabled(current_user):
        return redirect(url_for("account.index", _anchor="two-factor"))
    form = TwoFactorSetupForm()
    if not validate_with_password(form):
        return render_setup(form, 422 if form.is_submitted() else 200)
    if not two_factor.accept_totp(current_user, form.code.data):
        form.code.errors.append(_("Dieser Code stimmt nicht. Bitte den aktuellen."))
        services.record_access("two_factor_failed", current_user)
        return render_setup(form, 422)
    codes = two_factor.enable(current_user)
    services.record_access("two_factor_enabled", current_user)
    db.session.commit()
    return show_recovery_codes(codes, just_enabled=True)


@bp.post("/recovery-codes")
@login_required
@limiter.limit("10 per hour")
def renew_recovery_codes():
    form = RecoveryCodesForm()
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("two_factor.setup"))
    if not validate_with_password(form):
        return render_account(422, codes_form=form)
    codes = two_factor.new_recovery_codes(current_user)
    services.record_access("recovery_codes_renewed", current_user)
    db.session.commit()
    return show_recovery_codes(codes)


@bp.post("/disable")
@login_required
@code_limit
def disable():
    form = TwoFactorDisableForm()
    if not validate_with_password(form):
        return render_account(422, disable_form=form)
    if two_factor.check(current_user, form.code.data) is None:
        form.code.errors.append(_("Dieser Code stimmt nicht oder wurde schon benutzt."))
        services.record_access("two_factor_failed", current_user)
        db.session.commit()
        return render_account(422, disable_form=form)
    two_factor.disable(current_user)
    services.record_access("two_factor_disabled", current_user)
    db.session.commit()
    flash(_("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."), "success")
    return redirect(url_for("account.index", _anchor="two-factor"))
