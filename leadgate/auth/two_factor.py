"""Two-factor login: TOTP codes (RFC 6238) and one-time recovery codes.

The TOTP secret is stored Fernet-encrypted (crypto.py); while a setup waits
for its first code the secret is set but two_factor_enabled_at is not. A code
counts for its 30-second step and one step either side (clocks drift), and
only for a step later than the last one accepted, so the same code never
works twice (RFC 6238, section 5.2): one conditional UPDATE claims the step,
which also holds when two requests race with the same code.

Recovery codes are 16 random characters (about 79 bits) each, so a SHA-256
hash is as safe as a slow password hash would be; each works once.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update

from .. import crypto
from ..extensions import db
from ..models import RecoveryCode, User, utcnow
from . import devices

ISSUER = "LeadGate"
RECOVERY_CODE_COUNT = 10
# No i, l, o: nothing to confuse with 1 and 0 when typed from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
TOTP_CODE = re.compile(r"\d{6}")


def is_enabled(user: User) -> bool:
    return user.two_factor_enabled_at is not None


def setup_secret(user: User) -> str:
    """The secret a setup shows; a new one unless a setup is already waiting."""
    if user.totp_secret is None or is_enabled(user):
        user.totp_secret = crypto.encrypt(pyotp.random_base32())
        user.two_factor_enabled_at = None
        user.totp_last_step = None
    return crypto.decrypt(user.totp_secret)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(uri: str) -> str:
    """The otpauth URI as a QR code: an SVG data URI, drawn here (no third party)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str) -> str:
    return re.sub(r"[\s-]+", "", code or "").lower()


def accept_totp(user: User, code: str) -> bool:
    """Accept a current, not yet used TOTP code for the user's secret."""
    code = normalise(code)
    if user.totp_secret is None or not TOTP_CODE.fullmatch(code):
        return False
    totp = pyotp.TOTP(crypto.decrypt(user.totp_secret))
    now = totp.timecode(datetime.now(UTC))
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return _claim_step(user, step)
    return False


def _claim_step(user: User, step: int) -> bool:
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        user.totp_last_step = step
    return bool(claimed)


def check(user: User, code: str) -> str | None:
    """'totp' or 'recovery' for a code that signs the user in, else None."""
    if not is_enabled(user):
        return None
    if TOTP_CODE.fullmatch(normalise(code)):
        return "totp" if accept_totp(user, code) else None
    return "recovery" if use_recovery_code(user, code) else None


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of the user; False if there is none such."""
    if len(normalise(code)) != RECOVERY_LENGTH:
        return False
    return bool(
        db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes by ten new ones; shown once, stored hashed."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return ["-".join(c[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for c in codes]


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def enable(user: User) -> list[str]:
    """Turn two-factor login on (after a confirmed code); the new recovery codes."""
    user.two_factor_enabled_at = utcnow()
    return new_recovery_codes(user)


def disable(user: User) -> None:
    """Turn it off: secret, recovery codes and remembered devices go."""
    user.totp_secret = None
    user.two_factor_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    devices.forget_all(user)
