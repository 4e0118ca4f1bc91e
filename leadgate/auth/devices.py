"""Remembered devices: "Dieses Gerät 30 Tage lang merken" after a second factor.

The cookie is signed (itsdangerous) and names the user and a random token
whose hash is stored; it only counts while its record is neither expired nor
revoked. Records are revoked from /account, and all of a user's at once when
the password changes or two-factor login is turned off. The cookie lets a
browser skip the code, never the password.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import abort, after_this_request, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, or_, select, update

from ..cookies.consent import truncate_ip
from ..extensions import db
from ..models import RememberedDevice, User, utcnow
from ..navigation import client_ip
from .sessions import device_summary

COOKIE = "lg_device"
VALID_DAYS = 30
# Sent with the login pages only: nowhere else does the server need it.
COOKIE_PATH = "/login"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="remembered-device"
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def remember(user: User) -> RememberedDevice:
    """Record this browser for the user and set its cookie on the response."""
    token = secrets.token_urlsafe(32)
    record = RememberedDevice(
        user_id=user.id,
        token_hash=_hash(token),
        device=device_summary(request.user_agent.string or ""),
        ip_prefix=truncate_ip(client_ip()),
        expires_at=utcnow() + timedelta(days=VALID_DAYS),
    )
    db.session.add(record)
    value = _serializer().dumps({"u": user.id, "t": token})

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            COOKIE,
            value,
            max_age=VALID_DAYS * 24 * 60 * 60,
            path=COOKIE_PATH,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response

    return record


def recognised(user: User) -> RememberedDevice | None:
    """This browser's valid remembered-device record for the user, if any."""
    try:
        data = _serializer().loads(
            request.cookies.get(COOKIE, ""), max_age=VALID_DAYS * 24 * 60 * 60
        )
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.id:
        return None
    record = db.session.scalar(
        select(RememberedDevice).where(
            RememberedDevice.token_hash == _hash(str(data.get("t")))
        )
    )
    if record is None or record.user_id != user.id or not record.is_valid:
        return None
    return record


def listed(user: User) -> list[RememberedDevice]:
    records = db.session.scalars(
        select(RememberedDevice)
        .where(RememberedDevice.user_id == user.id)
        .where(RememberedDevice.revoked_at.is_(None))
        .order_by(RememberedDevice.created_at.desc(), RememberedDevice.id.desc())
    )
    return [record for record in records if record.is_valid]


def own_or_404(device_id: int) -> RememberedDevice:
    """One of the signed-in user's remembered devices; another's is a 404."""
    record = db.session.get(RememberedDevice, device_id)
    if record is None or record.user_id != current_user.id or not record.is_valid:
        abort(404)
    return record


def forget(record: RememberedDevice) -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()


def forget_all(user: User) -> int:
    return db.session.execute(
        update(RememberedDevice)
        .where(
            RememberedDevice.user_id == user.id,
            RememberedDevice.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def purgeable(cutoff) -> ColumnElement[bool]:
    """Devices revoked or expired before the cutoff: the purge removes them."""
    return or_(
        RememberedDevice.revoked_at < cutoff, RememberedDevice.expires_at < cutoff
    )
