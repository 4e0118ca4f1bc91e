"""The privacy blueprint.

It has no prefix: its pages sit where people look for them
(/contacts/<id>/export, /account/export, /settings/retention …).
"""

from flask import Blueprint

bp = Blueprint("privacy", __name__)
