"""Shared bits of the admin blueprints: JSON bodies and JSON errors."""

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from .models import Number
from .state import current_emulator


def admin_json() -> dict:
    body = request.get_json(silent=True, force=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object")
    return body


def number_or_404(phone_number_id: str) -> Number:
    number = current_emulator().store.number(str(phone_number_id))
    if number is None:
        raise NotFound(f"unknown phone_number_id {phone_number_id}")
    return number


def json_errors(bp: Blueprint) -> None:
    """Answer the admin API's errors as {"error": "..."} instead of HTML."""

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return jsonify({"error": error.description}), error.code

    @bp.errorhandler(ValueError)
    @bp.errorhandler(TypeError)
    def bad_value(error: Exception):
        return jsonify({"error": str(error)}), 400

    @bp.errorhandler(LookupError)
    def not_found(error: LookupError):
        return jsonify({"error": str(error.args[0] if error.args else error)}), 404
