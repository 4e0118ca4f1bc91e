"""Keyed pseudonyms for the report tables: the one place that makes them.

A contact, a message's wamid or anything else that points at a person appears
in a `report_` table only as HMAC-SHA256(workspace secret, "<kind>:<value>"),
cut to 32 hex digits (128 bits: no collision in any workspace's lifetime). The
same value gives the same pseudonym while the secret lasts, so facts can be
counted per contact and a wamid counted once, and erasing a contact can find
and delete their facts. Without the secret nobody can go back from a pseudonym;
the secret lives encrypted in `report_key`, never in a report table.

Rotation (rotate): a new secret, the old one deleted in the same transaction.
Facts made before then keep their pseudonyms, which nothing can link to anyone
any more (they are anonymous from then on); new facts use the new secret.
"""

import hashlib
import hmac
import secrets

from sqlalchemy import delete, select

from ..crypto import decrypt, encrypt
from ..dbutil import insert_ignoring_conflicts
from ..extensions import db
from ..models import ReportKey, utcnow

PSEUDONYM_HEX = 32


class Pseudonyms:
    """One job's or request's pseudonym maker: each workspace's secret read once."""

    def __init__(self) -> None:
        self.secrets: dict[int, bytes] = {}

    def of(self, workspace_id: int, kind: str, value: object) -> str:
        """The pseudonym of `value` (a contact id, a wamid, …) of this kind."""
        secret = self.secrets.get(workspace_id)
        if secret is None:
            secret = self.secrets[workspace_id] = current_secret(workspace_id)
        digest = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:PSEUDONYM_HEX]


def current_secret(workspace_id: int) -> bytes:
    """The workspace's secret, made on first use (the caller commits)."""
    stored = stored_secret(workspace_id)
    if stored is None:
        db.session.execute(
            insert_ignoring_conflicts(
                ReportKey,
                workspace_id=workspace_id,
                secret_encrypted=encrypt(secrets.token_bytes(32).hex()),
                created_at=utcnow(),
            )
        )
        stored = stored_secret(workspace_id)  # ours, or whoever was first
        assert stored is not None
    return bytes.fromhex(decrypt(stored))


def stored_secret(workspace_id: int) -> str | None:
    return db.session.scalar(
        select(ReportKey.secret_encrypted).where(ReportKey.workspace_id == workspace_id)
    )


def rotate(workspace_id: int) -> None:
    """A new secret for the workspace, the old one deleted (the caller commits)."""
    db.session.execute(delete(ReportKey).where(ReportKey.workspace_id == workspace_id))
    current_secret(workspace_id)
