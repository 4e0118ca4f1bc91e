"""Accounts: registration, authentication, signed links and the access log."""

import hashlib
import time
from datetime import UTC, datetime

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from ..extensions import db
from ..models import AccessLog, LoginSession, Membership, Role, User, Workspace
from ..navigation import client_ip
from . import devices, sessions
from .passwords import hash_password, needs_rehash, verify_password

USE_LOG_INTERVAL_SECONDS = 15 * 60


def init_login_manager(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um fortzufahren.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(sessions.load_user)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.email) == normalise_email(email))
    )


def create_user(name: str, email: str, password: str) -> User:
    user = User(name=name.strip(), email=normalise_email(email))
    user.password_hash = hash_password(password)
    db.session.add(user)
    return user


def create_workspace(owner: User, name: str) -> Workspace:
    workspace = Workspace(name=name.strip())
    db.session.add(workspace)
    db.session.add(Membership(workspace=workspace, user=owner, role=Role.OWNER))
    return workspace


def authenticate(email: str, password: str) -> User | None:
    """Return the user for these credentials, upgrading an outdated hash."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, password: str, keep: LoginSession | None = None) -> None:
    """Change the password; end every login but `keep`, forget remembered devices."""
    user.password_hash = hash_password(password)
    sessions.end_others(user, "password", keep=keep)
    devices.forget_all(user)


def record_access(event: str, user: User | None) -> None:
    db.session.add(
        AccessLog(
            user_id=user.id if user else None, event=event, ip_address=client_ip()
        )
    )


def track_authenticated_use() -> None:
    """Log use by a signed-in user, at most once per session every 15 minutes.

    The login session's last_seen_at follows every few minutes (sessions.touch).
    """
    if not current_user.is_authenticated:
        return
    touched = sessions.touch()
    now = int(time.time())
    if now - session.get("use_logged_at", 0) >= USE_LOG_INTERVAL_SECONDS:
        session["use_logged_at"] = now
        record_access("use", current_user)
    elif not touched:
        return
    db.session.commit()


def mark_logged_in(user: User) -> None:
    user.last_login_at = datetime.now(UTC)
    session["use_logged_at"] = int(time.time())
    record_access("login_success", user)


def sign_out() -> None:
    """End this browser's login session, log it and forget the login cookies."""
    if current_user.is_authenticated:
        record = sessions.current()
        if record is not None:
            sessions.end(record, "logout")
        record_access("logout", current_user)
        db.session.commit()
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion


def sign_in(user: User, remember: bool = False) -> None:
    """Log the login and open its session (the caller commits)."""
    mark_logged_in(user)
    sessions.start(user, remember)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_password_reset_token(user: User) -> str:
    # Binding the token to the current hash makes it single-use: a reset changes it.
    return _serializer("password-reset").dumps(
        {"u": user.id, "p": fingerprint(user.password_hash)}
    )


def user_for_password_reset_token(token: str) -> User | None:
    data = _load(token, "password-reset", "PASSWORD_RESET_VALID_SECONDS")
    user = db.session.get(User, data.get("u", 0)) if data else None
    if user is None or data["p"] != fingerprint(user.password_hash):
        return None
    if user.deleted_at is not None:  # a deleted account cannot be revived
        return None
    return user


def make_email_change_token(user: User, new_email: str) -> str:
    return _serializer("email-change").dumps(
        {
            "u": user.id,
            "old": fingerprint(user.email),
            "new": normalise_email(new_email),
        }
    )


def apply_email_change_token(token: str) -> User | None:
    """Apply a confirmed email change once; None if invalid, expired or used."""
    data = _load(token, "email-change", "EMAIL_CHANGE_VALID_SECONDS")
    user = db.session.get(User, data.get("u", 0)) if data else None
    if user is None or data["old"] != fingerprint(user.email):
        return None
    if find_user_by_email(data["new"]) is not None:
        return None
    user.email = data["new"]
    return user


def _load(token: str, purpose: str, max_age_key: str) -> dict | None:
    try:
        data = _serializer(purpose).loads(
            token, max_age=current_app.config[max_age_key]
        )
    except (BadSignature, SignatureExpired):
        return None
    return data if isinstance(data, dict) else None
