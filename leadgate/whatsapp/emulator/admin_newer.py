"""Admin API for the webhooks Meta added in 2025–26: calls, coexistence, groups.

Each answers with the webhook bodies it sent (and their delivery ids), like
POST /_admin/inbound, so tests can relay them and `leadgate dev` can show them.
"""

from flask import Blueprint, jsonify

from .admin_support import admin_json, json_errors, number_or_404
from .app_messages import inject_echo, inject_history
from .calls import inject_call
from .groups import inject_group
from .state import current_emulator

bp = Blueprint("admin_newer", __name__, url_prefix="/_admin")
json_errors(bp)


def _run(inject):
    body = admin_json()
    number = number_or_404(body.get("phone_number_id", ""))
    return jsonify(inject(current_emulator(), number, body))


@bp.post("/calls")
def call():
    """A call: {"from", "direction": "user"|"business", "outcome", "duration"}."""
    return _run(inject_call)


@bp.post("/echoes")
def echo():
    """A message the team sent from the Business app: {"to", "type", "text", …}."""
    return _run(inject_echo)


@bp.post("/history")
def history():
    """A history chunk: {"threads": [{"wa_id", "messages": [...]}]} or "declined"."""
    return _run(inject_history)


@bp.post("/groups")
def group():
    """A group webhook: {"kind": "message"|"status"|"lifecycle"|"participants"}."""
    return _run(inject_group)
