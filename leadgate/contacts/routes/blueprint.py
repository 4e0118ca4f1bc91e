"""The contacts blueprint: /contacts, its pages and the import (routes/*.py)."""

from flask import Blueprint

from ...phones import phone_html

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

bp.add_app_template_filter(phone_html, "phone")
