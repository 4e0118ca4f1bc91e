"""Secrets at rest (access tokens, app secrets): Fernet with rotatable keys."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    keys = [
        k.strip() for k in current_app.config["ENCRYPTION_KEY"].split(",") if k.strip()
    ]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt with any configured key; raise ValueError if none fits."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "secret cannot be decrypted with the configured keys"
        ) from error
