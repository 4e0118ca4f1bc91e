"""Data-subject rights and retention: export, erasure, account deletion, the nightly purge.

The blueprint has no prefix: its pages sit where people look for them
(/contacts/<id>/export, /account/export, /settings/retention …).
"""

from flask import Blueprint

bp = Blueprint("privacy", __name__)


from . import (  # noqa: E402,F401  (routes on bp)
    audit_routes,
    erasure_routes,
    export_routes,
    retention_routes,
)
