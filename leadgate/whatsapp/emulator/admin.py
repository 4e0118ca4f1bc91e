"""The emulator's own admin API (not Meta's): numbers, settings, faults, waiting."""

import secrets

import httpx
from flask import Blueprint, jsonify, request

from .admin_support import admin_json, json_errors, number_or_404
from .state import current_emulator
from .throughput import change_throughput

bp = Blueprint("admin", __name__, url_prefix="/_admin")
json_errors(bp)


@bp.get("/numbers")
def numbers():
    return jsonify({"data": [n.to_dict() for n in current_emulator().store.numbers()]})


@bp.post("/numbers")
def register_number():
    """Register a business number or update some of its fields."""
    number = current_emulator().register_number(admin_json())
    return jsonify(number.to_dict())


@bp.post("/numbers/<phone_number_id>/throughput")
def throughput(phone_number_id: str):
    """Change a number's level or limit, optionally after a maintenance period
    (sends answer 131057) and announced by webhook (throughput.py)."""
    number = number_or_404(phone_number_id)
    return jsonify(change_throughput(current_emulator(), number, admin_json()))


@bp.post("/numbers/<phone_number_id>/verify-webhook")
def verify_webhook(phone_number_id: str):
    """Run Meta's GET handshake against the number's webhook URL."""
    number = number_or_404(phone_number_id)
    challenge = str(secrets.randbelow(10**10))
    params = {
        "hub.mode": "subscribe",
        "hub.challenge": challenge,
        "hub.verify_token": admin_json().get("verify_token", number.verify_token),
    }
    try:
        response = httpx.get(number.webhook_url, params=params, timeout=10)
    except httpx.HTTPError as exc:
        return jsonify({"verified": False, "status_code": None, "error": str(exc)})
    verified = response.status_code == 200 and response.text == challenge
    return jsonify(
        {
            "verified": verified,
            "status_code": response.status_code,
            "body": response.text,
        }
    )


@bp.get("/messages")
def sent_messages():
    """Messages the business sent; filter with phone_number_id, to, type."""
    filters = {
        k: request.args[k]
        for k in ("phone_number_id", "to", "type")
        if k in request.args
    }
    data = [m.to_dict() for m in current_emulator().store.sent_messages()]
    return jsonify(
        {"data": [m for m in data if all(m[k] == v for k, v in filters.items())]}
    )


@bp.get("/inbound")
def inbound_messages():
    store = current_emulator().store
    messages = store.inbound_messages(request.args.get("phone_number_id"))
    return jsonify({"data": [m.to_dict() for m in messages]})


@bp.get("/settings")
def settings():
    return jsonify(current_emulator().settings.to_dict())


@bp.patch("/settings")
def update_settings():
    emulator = current_emulator()
    emulator.settings.update(admin_json())
    return jsonify(emulator.settings.to_dict())


@bp.post("/clock")
def clock():
    """Move the emulator's clock: {"advance_seconds": 90000, "freeze": true}."""
    body = admin_json()
    emulator = current_emulator()
    if "freeze" in body:
        emulator.clock.freeze(bool(body["freeze"]))
    emulator.clock.advance(float(body.get("advance_seconds", 0)))
    return jsonify({"now": emulator.clock.now()})


@bp.post("/reset")
def reset():
    current_emulator().reset()
    return jsonify({"reset": True})


@bp.get("/faults")
def faults():
    return jsonify({"data": current_emulator().faults.active()})


@bp.post("/faults")
def add_fault():
    fault = current_emulator().faults.add(admin_json())
    return jsonify({"id": fault.id, "kind": fault.kind, "count": fault.count}), 201


@bp.delete("/faults")
def clear_faults():
    current_emulator().faults.clear()
    return jsonify({"data": []})


@bp.get("/webhooks")
def webhooks():
    """Every webhook POST with its attempts, oldest first."""
    return jsonify({"data": current_emulator().dispatcher.records()})


@bp.post("/webhooks/wait")
def wait_idle():
    """Wait (up to `timeout` s) until all scheduled webhooks have been delivered."""
    return _idle_answer(current_emulator().wait_idle(_timeout()))


@bp.post("/webhooks/flush")
def flush():
    """Deliver all scheduled webhooks now, ignoring their delays, and wait."""
    return _idle_answer(current_emulator().flush(_timeout()))


def _timeout() -> float:
    return min(float(admin_json().get("timeout", 5)), 60.0)


def _idle_answer(idle: bool):
    pending = current_emulator().dispatcher.pending()
    return jsonify({"idle": idle, "pending": pending}), 200 if idle else 504
