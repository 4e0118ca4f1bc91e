"""Graph API objects: phone numbers, WABAs, and GET/DELETE by object id."""

from flask import Blueprint, jsonify, request

from . import media as media_api
from .access import (
    apply_graph_faults,
    authorize,
    require_known_token,
    require_number,
    require_waba,
    select_fields,
)
from .errors import unknown_object
from .models import Number
from .sending import handle_send
from .state import current_emulator

bp = Blueprint("graph", __name__, url_prefix="/<graph_version:version>")
bp.before_request(apply_graph_faults)


def phone_info(number: Number) -> dict:
    level = current_emulator().limits.level_of(number)
    return {
        "verified_name": number.verified_name,
        "code_verification_status": "VERIFIED",
        "display_phone_number": number.display_phone_number,
        "quality_rating": number.quality_rating,
        "platform_type": "CLOUD_API",
        "throughput": {"level": level},
        "is_on_biz_app": number.is_on_biz_app,
        "webhook_configuration": {"application": number.webhook_url},
        "id": number.phone_number_id,
    }


@bp.get("/<object_id>")
def get_object(version: str, object_id: str):
    store = current_emulator().store
    if number := store.number(object_id):
        authorize(number)
        return jsonify(select_fields(phone_info(number)))
    if media := store.media(object_id):
        return media_api.media_info(media)
    if template := store.template(object_id):
        authorize(*store.numbers_in_waba(template.waba_id))
        return jsonify(select_fields(template.to_graph()))
    if numbers := store.numbers_in_waba(object_id):
        authorize(*numbers)
        waba = {"id": object_id, "name": numbers[0].verified_name, "currency": "EUR"}
        return jsonify(select_fields(waba))
    require_known_token()
    raise unknown_object(object_id)


@bp.delete("/<object_id>")
def delete_object(version: str, object_id: str):
    if media := current_emulator().store.media(object_id):
        return media_api.delete_media(media)
    require_known_token()
    raise unknown_object(object_id, "delete")


@bp.get("/<waba_id>/phone_numbers")
def phone_numbers(version: str, waba_id: str):
    numbers = require_waba(waba_id)
    return jsonify({"data": [select_fields(phone_info(n)) for n in numbers]})


@bp.post("/<phone_number_id>/messages")
def send_message(version: str, phone_number_id: str):
    number = require_number(phone_number_id)
    # Validation reports a missing or non-JSON body in Meta's words.
    body = request.get_json(silent=True, force=True)
    return jsonify(handle_send(current_emulator(), number, body, version))
