"""Lead form settings: slugs, fields, numbers, and which forms are published."""

import re
import unicodedata
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Contact, ContactField, LeadForm, LeadSubmission, Workspace
from ..urls import external_url

# Fields every form can show besides the phone number (always shown, required).
BUILTIN_KEYS = ("name", "email", "message")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX = 64
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True)
class ShownField:
    key: str
    required: bool
    custom: ContactField | None  # None for the built-in name, email and message


def slugify(text: str) -> str:
    """ "Bewerbung Außendienst" → "bewerbung-aussendienst"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(UMLAUTS))
    text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:SLUG_MAX].strip("-")


def slug_taken(slug: str, except_id: int | None = None) -> bool:
    """Slugs are unique across all workspaces: they are public addresses."""
    statement = select(LeadForm.id).where(LeadForm.slug == slug)
    if except_id is not None:
        statement = statement.where(LeadForm.id != except_id)
    return db.session.scalar(statement) is not None


def unique_slug(name: str) -> str:
    """A free slug made from the form's name: "kontakt", "kontakt-2", …"""
    base = slugify(name)[: SLUG_MAX - 4].strip("-") or "formular"
    slug, number = base, 1
    while slug_taken(slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


def custom_fields(workspace_id: int) -> list[ContactField]:
    """The workspace's contact fields a form can ask for (not shadowing built-ins)."""
    return [
        field
        for field in db.session.scalars(
            select(ContactField)
            .where(ContactField.workspace_id == workspace_id)
            .order_by(ContactField.id)
        )
        if field.key not in BUILTIN_KEYS
    ]


def forms_of(workspace_id: int) -> list[LeadForm]:
    return db.session.scalars(
        select(LeadForm)
        .options(joinedload(LeadForm.channel))
        .where(LeadForm.workspace_id == workspace_id)
        .order_by(LeadForm.name, LeadForm.id)
    ).all()


def shown_fields(lead_form: LeadForm, custom: list[ContactField]) -> list[ShownField]:
    """The configured fields in display order; deleted contact fields drop out."""
    by_key = {field.key: field for field in custom}
    shown = []
    for entry in lead_form.fields or []:
        key = entry.get("key")
        if key in BUILTIN_KEYS or key in by_key:
            shown.append(ShownField(key, bool(entry.get("required")), by_key.get(key)))
    return shown


def privacy_link(workspace: Workspace) -> str | None:
    """The workspace's privacy notice if it is a usable link (https, http or a path)."""
    url = (workspace.privacy_url or "").strip()
    if url.startswith(("https://", "http://")) or (
        url.startswith("/") and not url.startswith("//")
    ):
        return url
    return None


def published_form(slug: str) -> tuple[LeadForm, Workspace] | None:
    """An active form whose workspace has a privacy notice; anything else is hidden."""
    lead_form = db.session.scalar(
        select(LeadForm).where(LeadForm.slug == slug, LeadForm.active.is_(True))
    )
    if lead_form is None:
        return None
    workspace = db.session.get(Workspace, lead_form.workspace_id)
    if privacy_link(workspace) is None:
        return None
    return lead_form, workspace


def public_url(lead_form: LeadForm) -> str:
    return external_url("leadform_public.show", slug=lead_form.slug)


def embed_snippet(lead_form: LeadForm) -> str:
    """The HTML a customer pastes into their website (escaped by the template)."""
    # referrerpolicy: the browser names the embedding page (not just its origin)
    # on the iframe's load; it is kept with each submission as evidence.
    title = escape(lead_form.headline or lead_form.name)
    return (
        f'<iframe src="{escape(public_url(lead_form))}" title="{title}" '
        'width="100%" height="720" loading="lazy" '
        'referrerpolicy="no-referrer-when-downgrade" '
        'style="border:0;max-width:40rem"></iframe>'
    )


def embedding_page(referrer: str | None) -> str | None:
    """The page that framed the form, from the Referer of the iframe's load.

    Only scheme, host and path: a query string may carry tracking ids or personal
    data. Most browsers send only the origin across sites unless the embedding
    page allows more (the snippet asks for the full URL).
    """
    parts = urlsplit(referrer or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:500]


def recent_submissions(form_id: int, limit: int = 200) -> list:
    """The latest submissions with their contacts: (LeadSubmission, Contact | None)."""
    return db.session.execute(
        select(LeadSubmission, Contact)
        .outerjoin(Contact, Contact.id == LeadSubmission.contact_id)
        .where(LeadSubmission.form_id == form_id)
        .order_by(LeadSubmission.id.desc())
        .limit(limit)
    ).all()
