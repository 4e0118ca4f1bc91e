"""Password hashing (Argon2id) and strength checks (zxcvbn, via zxcvbn-rs-py: the
maintained Rust port of the same estimator, same scores and user inputs)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn_rs_py import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 0 (guessable) .. 4 (very unguessable)

_hasher = PasswordHasher()
# Verifying against this keeps the timing of "no such user" equal to a wrong password.
_DUMMY_HASH = _hasher.hash("leadgate-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, user_inputs: list[str]) -> str | None:
    """Explain why a password is too weak, or None if it is strong enough."""
    if len(password) < MIN_LENGTH:
        return str(
            _l("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=MIN_LENGTH)
        )
    if len(password) > 256:
        return str(_l("Das Passwort darf höchstens 256 Zeichen lang sein."))
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if int(result.score) < MIN_SCORE:
        return str(
            _l(
                "Dieses Passwort ist zu leicht zu erraten. Nehmen Sie zum Beispiel "
                "mehrere zufällige Wörter."
            )
        )
    return None
