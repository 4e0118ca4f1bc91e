"""The user's own account: profile, email, password (rectification) and activity."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth import devices, services, sessions, two_factor
from ..auth.mails import mail_email_change
from ..auth.passwords import verify_password
from ..extensions import db, limiter
from ..mail import delivery_notice
from ..models import AccessLog
from .activity import EVENT_LABELS
from .forms import (
    EmailChangeForm,
    PasswordChangeForm,
    ProfileForm,
    RecoveryCodesForm,
    TwoFactorDisableForm,
)

bp = Blueprint("account", __name__, url_prefix="/account")

RECENT_ACTIVITY = 50


def render_account(status: int = 200, **forms):
    forms.setdefault("profile_form", ProfileForm(obj=current_user))
    forms.setdefault("email_form", EmailChangeForm(formdata=None))
    forms.setdefault("password_form", PasswordChangeForm(formdata=None))
    forms.setdefault("disable_form", TwoFactorDisableForm(formdata=None))
    forms.setdefault("codes_form", RecoveryCodesForm(formdata=None))
    activity = db.session.scalars(
        select(AccessLog)
        .where(AccessLog.user_id == current_user.id)
        .order_by(AccessLog.created_at.desc(), AccessLog.id.desc())
        .limit(RECENT_ACTIVITY)
    ).all()
    page = render_template(
        "account/index.html",
        activity=activity,
        event_labels=EVENT_LABELS,
        login_sessions=sessions.open_sessions(current_user),
        this_session=sessions.current(),
        remembered_devices=devices.listed(current_user),
        recovery_codes_left=two_factor.unused_recovery_codes(current_user),
        **forms,
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
    # The job mails only a free address; the answer is the same either way, so
    # it must not reveal other accounts.
    mail_email_change(current_user, form.email.data)
    flash(*confirmation_link_notice())
    return redirect(url_for("account.index"))


def confirmation_link_notice() -> tuple[str, str]:
    """What to say after an address change: "mailed" only when a mail server is set."""
    return delivery_notice(
        _(
            "Wir haben einen Bestätigungslink an die neue Adresse geschickt. Bis zur "
            "Bestätigung bleibt Ihre bisherige Adresse gültig."
        ),
        _(
            "Es ist kein Mailserver eingerichtet: Der Bestätigungslink liegt in der "
            "Entwicklungs-Mailbox (%(mailbox)s). Bis zur Bestätigung bleibt Ihre "
            "bisherige Adresse gültig."
        ),
        _(
            "Es ist kein Mailserver eingerichtet: Der Bestätigungslink wurde nicht "
            "verschickt, Ihre bisherige Adresse bleibt gültig. Bitte wenden Sie sich an "
            "die Betreiber dieser LeadGate-Installation."
        ),
    )


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
    services.set_password(current_user, form.password.data, keep=sessions.current())
    services.record_access("password_changed", current_user)
    db.session.commit()
    flash(
        _("Ihr Passwort wurde geändert. Andere Sitzungen wurden abgemeldet."), "success"
    )
    return redirect(url_for("account.index"))


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    """Sign out one of the user's logins; this browser's own is a plain logout."""
    record = sessions.own_or_404(session_id)
    if record is sessions.current():
        services.sign_out()
        flash(_("Sie sind abgemeldet."), "success")
        return redirect(url_for("public.index"))
    sessions.end(record, "ended")
    services.record_access("session_ended", current_user)
    db.session.commit()
    flash(_("Die Sitzung wurde abgemeldet."), "success")
    return redirect(url_for("account.index", _anchor="sessions"))


@bp.route("/sessions/end-others", methods=["GET", "POST"])
@login_required
def end_other_sessions():
    """Sign out every other login of the user, after a confirmation page."""
    this = sessions.current()
    others = [s for s in sessions.open_sessions(current_user) if s is not this]
    if request.method == "GET":
        return render_template("account/end_sessions.html", others=others)
    count = sessions.end_others(current_user, "ended", keep=this)
    services.record_access("other_sessions_ended", current_user)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d andere Sitzung wurde abgemeldet.",
            "%(num)d andere Sitzungen wurden abgemeldet.",
            count,
        ),
        "success",
    )
    return redirect(url_for("account.index", _anchor="sessions"))


@bp.post("/devices/<int:device_id>/forget")
@login_required
def forget_device(device_id: int):
    """Make a remembered device ask for the code again."""
    record = devices.own_or_404(device_id)
    devices.forget(record)
    services.record_access("device_forgotten", current_user)
    db.session.commit()
    flash(
        _("Das Gerät wird beim nächsten Anmelden wieder nach dem Code gefragt."),
        "success",
    )
    return redirect(url_for("account.index", _anchor="two-factor"))
