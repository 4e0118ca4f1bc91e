"""Contacts: the list, the contact page with its consent proof, edits, merges, imports."""

from flask import Blueprint

from ..consent.labels import consent_labels
from ..phones import pretty

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

bp.app_context_processor(consent_labels)
bp.add_app_template_filter(pretty, "phone")


from . import export, import_views, views  # noqa: E402,F401  (routes on bp)
