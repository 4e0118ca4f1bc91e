"""Accounts: registration, authentication, signed links and the access log."""

import hashlib
import time
from datetime import UTC, datetime

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from ..extensions import db
from ..models import AccessLog, Membership, Role, User, Workspace
from ..navigation import client_ip
from .passwords import hash_password, needs_rehash, verify_password

USE_LOG_INTERVAL_SECONDS = 15 * 60


def init_login_manager(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um fortzufahren.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def load_user(user_id: str) -> User | None:
    """Load the user from 'id:session_token'; a rotated token signs the cookie out."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_token != token:
        return None
    return user


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


def set_password(user: User, password: str) -> None:
    """Change the password and sign out every other session of this user."""
    user.password_hash = hash_password(password)
    user.rotate_session_token()


def record_access(event: str, user: User | None) -> None:
    db.session.add(
        AccessLog(
            user_id=user.id if user else None, event=event, ip_address=client_ip()
        )
    )


def track_authenticated_use() -> None:
    """Log use by a signed-in user, at most once per session every 15 minutes."""
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    if now - session.get("use_logged_at", 0) < USE_LOG_INTERVAL_SECONDS:
        return
    session["use_logged_at"] = now
    record_access("use", current_user)
    db.session.commit()


def mark_logged_in(user: User) -> None:
    user.last_login_at = datetime.now(UTC)
    session["use_logged_at"] = int(time.time())
    record_access("login_success", user)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_password_reset_token(user: User) -> str:
    # Binding the token to the current hash makes it single-use: a reset changes it.
    return _serializer("password-reset").dumps(
        {"u": user.id, "p": _fingerprint(user.password_hash)}
    )


def user_for_password_reset_token(token: str) -> User | None:
    data = _load(token, "password-reset", "PASSWORD_RESET_VALID_SECONDS")
    user = db.session.get(User, data.get("u", 0)) if data else None
    if user is None or data["p"] != _fingerprint(user.password_hash):
        return None
    if user.deleted_at is not None:  # a deleted account cannot be revived
        return None
    return user


def make_email_change_token(user: User, new_email: str) -> str:
    return _serializer("email-change").dumps(
        {
            "u": user.id,
            "old": _fingerprint(user.email),
            "new": normalise_email(new_email),
        }
    )


def apply_email_change_token(token: str) -> User | None:
    """Apply a confirmed email change once; None if invalid, expired or used."""
    data = _load(token, "email-change", "EMAIL_CHANGE_VALID_SECONDS")
    user = db.session.get(User, data.get("u", 0)) if data else None
    if user is None or data["old"] != _fingerprint(user.email):
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
