"""Admin API that injects what Meta would send: messages, statuses, events."""

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import BadRequest

from .admin_support import admin_json, json_errors, number_or_404
from .envelopes import field_envelope, messages_envelope
from .inbound import inject_inbound
from .message_templates import change_status
from .state import current_emulator
from .statuses import STATUSES, fire_status
from .webhooks import dispatch

bp = Blueprint("admin_inject", __name__, url_prefix="/_admin")
json_errors(bp)


@bp.post("/inbound")
def inbound():
    """Inject a message from a contact; answers with the webhook body it sends."""
    body = admin_json()
    number = number_or_404(body.get("phone_number_id", ""))
    return jsonify(inject_inbound(current_emulator(), number, body))


@bp.post("/statuses")
def status():
    """Send a status webhook for a sent message (e.g. failed with 131049)."""
    body = admin_json()
    if body.get("status") not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    webhook = fire_status(
        current_emulator(),
        str(body.get("message_id", "")),
        body["status"],
        priced=body["status"] in ("sent", "delivered"),
        error_code=body.get("error_code"),
        error_details=body.get("error_details"),
    )
    return jsonify({"webhook": webhook})


@bp.post("/events")
def event():
    """Send any other webhook: {"waba_id" | "phone_number_id", "field", "value"}."""
    body = admin_json()
    emulator = current_emulator()
    field, value = body.get("field"), body.get("value")
    if not field or not isinstance(value, dict):
        raise BadRequest("field and value (an object) are required")
    if body.get("phone_number_id"):
        number = number_or_404(body["phone_number_id"])
        webhook = messages_envelope(number, value)
        webhook["entry"][0]["changes"][0]["field"] = field
        if field != "messages":
            webhook["entry"][0]["time"] = int(emulator.clock.now())
        numbers = [number]
    else:
        numbers = emulator.store.numbers_in_waba(str(body.get("waba_id", "")))
        if not numbers:
            raise BadRequest("unknown waba_id")
        webhook = field_envelope(numbers[0].waba_id, field, value, emulator.clock.now())
    return jsonify(
        {"webhook": webhook, "deliveries": dispatch(emulator, numbers, webhook)}
    )


@bp.get("/templates")
def templates():
    """Every template of the known WABAs with its id (filter: name, language)."""
    store = current_emulator().store
    wabas = {number.waba_id for number in store.numbers()}
    wanted = {k: request.args[k] for k in ("name", "language") if k in request.args}
    found = [t for waba in sorted(wabas) for t in store.templates_of(waba)]
    return jsonify(
        {
            "data": [
                {**t.to_graph(), "waba_id": t.waba_id}
                for t in found
                if all(getattr(t, k) == v for k, v in wanted.items())
            ]
        }
    )


@bp.post("/templates")
def add_template():
    """Add a template directly (default APPROVED), without a webhook."""
    body = admin_json()
    numbers = current_emulator().store.numbers_in_waba(str(body.pop("waba_id", "")))
    if not numbers or not body.get("name") or not body.get("language"):
        raise BadRequest("waba_id (known), name and language are required")
    template = current_emulator().add_template(numbers[0].waba_id, body)
    return jsonify(template.to_graph()), 201


@bp.post("/templates/<template_id>/status")
def template_status(template_id: str):
    """Change a template's status, e.g. {"event": "REJECTED", "reason": "…"}."""
    body = admin_json()
    if not body.get("event"):
        raise BadRequest("event is required")
    webhook = change_status(
        current_emulator(),
        template_id,
        str(body["event"]).upper(),
        body.get("reason", "NONE"),
    )
    return jsonify({"webhook": webhook})
