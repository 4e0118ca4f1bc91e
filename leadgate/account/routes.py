"""The user's own account: profile, email, password (rectification) and activity."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from ..auth import services
from ..auth.passwords import verify_password
from ..extensions import db, limiter
from ..mail import send_mail
from ..models import AccessLog
from .forms import EmailChangeForm, PasswordChangeForm, ProfileForm

bp = Blueprint("account", __name__, url_prefix="/account")

RECENT_ACTIVITY = 50
EVENT_LABELS = {
    "login_success": _l("Anmeldung"),
    "login_failure": _l("Fehlgeschlagene Anmeldung"),
    "use": _l("Nutzung"),
    "logout": _l("Abmeldung"),
    "password_reset": _l("Passwort zurückgesetzt"),
    "password_changed": _l("Passwort geändert"),
    "email_changed": _l("E-Mail-Adresse geändert"),
}


def render_account(status: int = 200, **forms):
    forms.setdefault("profile_form", ProfileForm(obj=current_user))
    forms.setdefault("email_form", EmailChangeForm(formdata=None))
    forms.setdefault("password_form", PasswordChangeForm(formdata=None))
    activity = db.session.scalars(
        select(AccessLog)
        .where(AccessLog.user_id == current_user.id)
        .order_by(AccessLog.created_at.desc(), AccessLog.id.desc())
        .limit(RECENT_ACTIVITY)
    ).all()
    page = render_template(
        "account/index.html", activity=activity, event_labels=EVENT_LABELS, **forms
    )
    return page, status


def validate_with_password(form) -> bool:
    """Validate a form whose current_password field must match the user's password."""
    if not form.validate_on_submit():
        return False
    if not verify_password(current_user.password_hash, form.current_password.data):
        form.current_password.errors.append(_("Das Passwort ist nicht korrekt."))
        return False
    return True


@bp.get("")
@login_required
def index():
    return render_account()


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if not form.validate_on_submit():
        return render_account(422, profile_form=form)
    current_user.name = form.name.data.strip()
    current_user.locale = form.locale.data
    db.session.commit()
    flash(_("Ihr Profil wurde gespeichert."), "success")
    return redirect(url_for("account.index"))


@bp.post("/email")
@login_required
@limiter.limit("10 per hour")
def change_email():
    form = EmailChangeForm()
    if not validate_with_password(form):
        return render_account(422, email_form=form)
    if not services.find_user_by_email(form.email.data):
        token = services.make_email_change_token(current_user, form.email.data)
        send_mail(
            services.normalise_email(form.email.data),
            _l("Bitte bestätigen Sie Ihre neue E-Mail-Adresse"),
            "mail/email_change.txt",
            user=current_user,
            url=url_for("account.confirm_email", token=token, _external=True),
        )
    # Same answer if the address is taken: it must not reveal other accounts.
    flash(
        _(
            "Wir haben einen Bestätigungslink an die neue Adresse geschickt. Bis zur "
            "Bestätigung bleibt Ihre bisherige Adresse gültig."
        ),
        "success",
    )
    return redirect(url_for("account.index"))


@bp.get("/email/confirm/<token>")
@login_required
def confirm_email(token: str):
    user = services.apply_email_change_token(token)
    if user is None or user.id != current_user.id:
        db.session.rollback()
        flash(
            _("Dieser Link ist ungültig, abgelaufen oder wurde schon benutzt."), "error"
        )
        return redirect(url_for("account.index"))
    services.record_access("email_changed", user)
    db.session.commit()
    flash(_("Ihre neue E-Mail-Adresse ist bestätigt."), "success")
    return redirect(url_for("account.index"))


@bp.post("/password")
@login_required
@limiter.limit("10 per hour")
def change_password():
    form = PasswordChangeForm()
    if not validate_with_password(form):
        return render_account(422, password_form=form)
    services.set_password(current_user, form.password.data)
    services.record_access("password_changed", current_user)
    db.session.commit()
    login_user(
        current_user._get_current_object()
    )  # refresh this session's cookie with the new token
    flash(
        _("Ihr Passwort wurde geändert. Andere Sitzungen wurden abgemeldet."), "success"
    )
    return redirect(url_for("account.index"))
