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
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..forms import form_status
from ..mail import send_mail
from ..navigation import safe_next
from . import services
from .forms import LoginForm, PasswordResetForm, PasswordResetRequestForm, RegisterForm

bp = Blueprint("auth", __name__)


def submitted_email() -> str:
    """Rate-limit key for per-account limits: the email that was typed in."""
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    return response.status_code != 302


@bp.before_app_request
def log_authenticated_use():
    services.track_authenticated_use()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        if services.find_user_by_email(form.email.data):
            form.email.errors.append(
                _(
                    "Zu dieser E-Mail-Adresse gibt es schon ein Konto. Bitte melden "
                    "Sie sich an oder setzen Sie Ihr Passwort zurück."
                )
            )
        else:
            user = services.create_user(
                form.name.data, form.email.data, form.password.data
            )
            workspace_name = form.workspace_name.data or _(
                "Team von %(name)s", name=user.name
            )
            services.create_workspace(user, workspace_name)
            db.session.flush()
            services.mark_logged_in(user)
            db.session.commit()
            login_user(user)
            flash(_("Willkommen bei LeadGate! Ihr Workspace ist bereit."), "success")
            return redirect(url_for("inbox.index"))
    return render_template("auth/register.html", form=form), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute;200 per hour", methods=["POST"])
@limiter.limit(
    "5 per 15 minutes",
    key_func=submitted_email,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.mark_logged_in(user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
        services.record_access(
            "login_failure", services.find_user_by_email(form.email.data)
        )
        db.session.commit()
        flash(_("E-Mail-Adresse oder Passwort ist nicht korrekt."), "error")
    return render_template("auth/login.html", form=form), form_status(form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    if current_user.is_authenticated:
        services.record_access("logout", current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("public.index"))


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit(
    "3 per hour", key_func=submitted_email, methods=["POST"], scope="reset-account"
)
def password_reset_request():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None:
            token = services.make_password_reset_token(user)
            send_mail(
                user.email,
                _l("Ihr Link zum Zurücksetzen des Passworts"),
                "mail/password_reset.txt",
                user=user,
                url=url_for("auth.password_reset", token=token, _external=True),
            )
        # The same answer whether or not the account exists: no enumeration.
        flash(
            _(
                "Wenn zu dieser Adresse ein Konto besteht, haben wir Ihnen einen Link "
                "zum Zurücksetzen geschickt. Er ist eine Stunde gültig."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/password_reset_request.html", form=form), form_status(
        form
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
        services.mark_logged_in(user)
        db.session.commit()
        login_user(user)
        flash(_("Ihr Passwort wurde geändert."), "success")
        return redirect(url_for("inbox.index"))
    return render_template("auth/password_reset.html", form=form), form_status(form)
