"""The suppression list: keyed hashes of erased contacts who had objected.

An objection (Art. 21(3) GDPR, § 7 UWG) must keep working after the contact is
erased, or the next import or lead form would record the person as opted in
again. So erasure keeps one thing: an HMAC of the number (and of the BSUID),
keyed with a secret derived from SECRET_KEY and bound to the workspace. It
recognises the same number in that workspace; without the key it cannot be
turned back into a number, and the same number gives a different hash in
every other workspace, so the list links nobody across customers.
"""

import hashlib
import hmac
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from ..consent import ledger
from ..dbutil import bulk_insert_ignoring_conflicts, one_of
from ..extensions import db
from ..models import Contact, Suppression, utcnow
from ..phones import e164_of_wa_id

KINDS = ("phone", "bsuid")
SQLITE_CHUNK = 1000  # SQLite caps bound parameters; PostgreSQL takes one array


def _key() -> bytes:
    # A key of its own, so the list's hashes say nothing about other uses of
    # SECRET_KEY (signed cookies, tokens).
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"leadgate-suppression", hashlib.sha256).digest()


def value_hash(workspace_id: int, kind: str, value: str) -> str:
    """The list's hash of a number (E.164) or BSUID in this workspace."""
    if kind not in KINDS:
        raise ValueError(f"unknown suppression kind: {kind}")
    message = f"{workspace_id}:{kind}:{value.strip()}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def had_opted_out(contact: Contact) -> bool:
    """Whether the contact objected, by any of the ways an objection arrives."""
    if contact.opted_out_at is not None or contact.marketing_preference == "stop":
        return True
    latest = ledger.current(contact.id, ledger.MARKETING)
    return latest is not None and latest.action == "opt_out"


def identifiers(contact) -> list[tuple[str, str]]:
    """(kind, value) of what identifies the contact: number in E.164, BSUID.

    Takes a Contact or a row with its columns (the campaign review's).
    """
    found = []
    phone = contact.phone_e164 or e164_of_wa_id(contact.wa_id)
    if phone:
        found.append(("phone", phone))
    if contact.wa_id and e164_of_wa_id(contact.wa_id) != phone:
        found.append(("phone", e164_of_wa_id(contact.wa_id)))
    if contact.bsuid:
        found.append(("bsuid", contact.bsuid))
    return found


def suppress(contact: Contact) -> bool:
    """Put an opted-out contact's hashes on the list (caller commits); True if added."""
    if not had_opted_out(contact):
        return False
    now = utcnow()
    rows = [
        {
            "workspace_id": contact.workspace_id,
            "kind": kind,
            "value_hash": value_hash(contact.workspace_id, kind, value),
            "created_at": now,
        }
        for kind, value in identifiers(contact)
    ]
    bulk_insert_ignoring_conflicts(Suppression.__table__, rows)
    return bool(rows)


def is_suppressed(
    workspace_id: int, e164: str | None = None, bsuid: str | None = None
) -> bool:
    """Whether this number or BSUID belongs to an erased contact who had objected."""
    hashes = [value_hash(workspace_id, "phone", e164)] if e164 else []
    if bsuid:
        hashes.append(value_hash(workspace_id, "bsuid", bsuid))
    return bool(known_hashes(workspace_id, hashes))


def suppressed_numbers(workspace_id: int, e164_list: Iterable[str]) -> set[str]:
    """Those of the numbers on the list: one query for a whole import file."""
    by_hash = {value_hash(workspace_id, "phone", e164): e164 for e164 in e164_list}
    return {by_hash[found] for found in known_hashes(workspace_id, list(by_hash))}


def known_hashes(workspace_id: int, hashes: list[str]) -> set[str]:
    """Those of the hashes on the workspace's list (chunked on SQLite)."""
    if not hashes:
        return set()
    size = SQLITE_CHUNK if db.engine.dialect.name == "sqlite" else len(hashes)
    found: set[str] = set()
    for start in range(0, len(hashes), size):
        found.update(
            db.session.scalars(
                select(Suppression.value_hash).where(
                    Suppression.workspace_id == workspace_id,
                    one_of(Suppression.value_hash, hashes[start : start + size]),
                )
            )
        )
    return found
