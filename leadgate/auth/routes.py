import functools

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from ..forms import form_status
from ..mail import delivery, delivery_notice
from ..navigation import safe_next
from . import login_flow, registration, services, two_factor
from .forms import (
    LoginCodeForm,
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegisterForm,
)
from .mails import mail_password_reset

bp = Blueprint("auth", __name__)


def submitted_email() -> str:
    """Rate-limit key for per-account limits: the email that was typed in."""
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    return response.status_code != 302


def sign_up_mailed(response) -> bool:
    """Per-address limits count only answers that queued a sign-up mail."""
    return response.location == url_for("auth.registration_sent")


def per_account(limit: str, scope: str, key_func=submitted_email, deduct_when=None):
    """Limit the POSTs against one account (a scope of its own), whatever the client."""
    return limiter.limit(
        limit, key_func=key_func, methods=["POST"], deduct_when=deduct_when, scope=scope
    )


def signed_out(view):
    """Send a signed-in user on to the inbox instead of a sign-in page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated:
            return redirect(url_for("inbox.index"))
        return view(*args, **kwargs)

    return wrapped


@bp.before_app_request
def log_authenticated_use():
    services.track_authenticated_use()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@per_account("3 per hour", "register-account", deduct_when=sign_up_mailed)
@signed_out
def register():
    """Sign up; the answer is the same whether or not the address has an account."""
    form = RegisterForm()
    if form.validate_on_submit():
        registration.request_sign_up(
            form.name.data,
            form.email.data,
            form.password.data,
            workspace_name=form.workspace_name.data,
        )
        return redirect(url_for("auth.registration_sent"))
    return render_template("auth/register.html", form=form), form_status(form)


@bp.get("/register/sent")
def registration_sent():
    return render_template("auth/register_sent.html", mail_delivery=delivery())


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def confirm_registration(token: str):
    """Create the account from the link in the sign-up mail (POST: scanners GET)."""
    pending = registration.pending(token)
    if pending is not None and request.method == "GET":
        return render_template("auth/register_confirm.html", pending=pending)
    created = registration.complete(token) if pending is not None else None
    if created is None:
        db.session.rollback()
        flash(
            _("Dieser Link ist ungültig, abgelaufen oder wurde schon benutzt."), "error"
        )
        return redirect(url_for("auth.register"))
    user, workspace_id = created
    services.sign_in(user)
    db.session.commit()
    if workspace_id is not None:
        session["workspace_id"] = workspace_id
    flash(_("Willkommen bei LeadGate! Ihr Konto ist bereit."), "success")
    return redirect(url_for("inbox.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute;200 per hour", methods=["POST"])
@per_account("5 per 15 minutes", "login-account", deduct_when=_failed)
@signed_out
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            next_url = safe_next(request.args.get("next"), url_for("inbox.index"))
            return login_flow.password_accepted(user, form.remember.data, next_url)
        services.record_access(
            "login_failure", services.find_user_by_email(form.email.data)
        )
        db.session.commit()
        flash(_("E-Mail-Adresse oder Passwort ist nicht korrekt."), "error")
    return render_template("auth/login.html", form=form), form_status(form)


def pending_account() -> str:
    """Rate-limit key for code entry: the account that passed the password."""
    pending = session.get(login_flow.PENDING_KEY)
    return f"code-account:{pending.get('user') if isinstance(pending, dict) else ''}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("20 per minute;100 per hour", methods=["POST"])
@per_account(
    "5 per 15 minutes", "code-account", key_func=pending_account, deduct_when=_failed
)
@signed_out
def login_code():
    """The second step: a code from the authenticator app or a recovery code."""
    user = login_flow.pending_user()
    if user is None:
        flash(_("Bitte melden Sie sich an."), "info")
        return redirect(url_for("auth.login"))
    form = LoginCodeForm()
    if form.validate_on_submit():
        method = two_factor.check(user, form.code.data)
        if method is not None:
            return login_flow.code_accepted(user, method, form.remember_device.data)
        services.record_access("two_factor_failed", user)
        db.session.commit()
        form.code.errors.append(_("Dieser Code stimmt nicht oder wurde schon benutzt."))
    return render_template("auth/login_code.html", form=form), form_status(form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    services.sign_out()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("public.index"))


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@per_account("3 per hour", "reset-account")
def password_reset_request():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None:
            mail_password_reset(user)
        # The same answer whether or not the account exists: no enumeration.
        flash(*reset_link_notice())
        return redirect(url_for("auth.login"))
    return render_template("auth/password_reset_request.html", form=form), form_status(
        form
    )


def reset_link_notice() -> tuple[str, str]:
    """What to say after a reset request: "mailed" only when a mail server is set."""
    return delivery_notice(
        _(
            "Wenn zu dieser Adresse ein Konto besteht, haben wir Ihnen einen Link "
            "zum Zurücksetzen geschickt. Er ist eine Stunde gültig."
        ),
        _(
            "Es ist kein Mailserver eingerichtet: Wenn zu dieser Adresse ein Konto "
            "besteht, liegt der Link zum Zurücksetzen in der Entwicklungs-Mailbox "
            "(%(mailbox)s), nicht in Ihrem Postfach. Er ist eine Stunde gültig."
        ),
        _(
            "Es ist kein Mailserver eingerichtet: Es wurde keine E-Mail zum "
            "Zurücksetzen verschickt. Bitte wenden Sie sich an die Betreiber dieser "
            "LeadGate-Installation."
        ),
    )


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def password_reset(token: str):
    user = services.user_for_password_reset_token(token)
    if user is None:
        flash(
            _("Dieser Link ist ungültig, abgelaufen oder wurde schon benutzt."), "error"
        )
        return redirect(url_for("auth.password_reset_request"))
    form = PasswordResetForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        services.record_access("password_reset", user)
        flash(_("Ihr Passwort wurde geändert."), "success")
        # With two-factor login on, the link alone does not sign in: the code follows.
        return login_flow.password_accepted(user, False, url_for("inbox.index"))
    return render_template("auth/password_reset.html", form=form), form_status(form)
