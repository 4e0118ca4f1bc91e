"""Contacts: the list, the contact page with its consent proof, edits, merges, imports."""

from flask import Blueprint

from ..phones import phone_html

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

bp.add_app_template_filter(phone_html, "phone")


from . import export, import_views, views  # noqa: E402,F401  (routes on bp)
