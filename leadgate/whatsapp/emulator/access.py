"""Request helpers shared by the Graph blueprints: tokens, bodies, faults."""

import time
from typing import Any

from flask import request
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response

from .errors import (
    CODE_FOR_STATUS,
    GraphError,
    error_response,
    title,
    unknown_object,
)
from .models import Number
from .state import current_emulator


class GraphVersionConverter(BaseConverter):
    """Matches Graph API versions such as v25.0."""

    regex = r"v\d+\.0"


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    # Graph also accepts the token as a query parameter.
    return request.args.get("access_token") or None


def authorize(*numbers: Number) -> None:
    """Raise 190 unless the request's token acts for one of these numbers."""
    token = bearer_token()
    store = current_emulator().store
    if token is None or not any(store.token_allows(token, n) for n in numbers):
        raise GraphError(190)


def require_known_token() -> None:
    token = bearer_token()
    if token is None or not current_emulator().store.token_known(token):
        raise GraphError(190)


def require_number(phone_number_id: str) -> Number:
    number = current_emulator().store.number(phone_number_id)
    if number is None:
        require_known_token()
        raise unknown_object(phone_number_id, request.method.lower())
    authorize(number)
    return number


def require_waba(waba_id: str) -> list[Number]:
    numbers = current_emulator().store.numbers_in_waba(waba_id)
    if not numbers:
        require_known_token()
        raise unknown_object(waba_id, request.method.lower())
    authorize(*numbers)
    return numbers


def json_body() -> Any:
    body = request.get_json(silent=True, force=True)
    if body is None:
        raise GraphError(100, "The request body must be valid JSON.")
    return body


def select_fields(data: dict) -> dict:
    """Honour Graph's `fields=a,b` (the id always comes back)."""
    wanted = [f.strip() for f in request.args.get("fields", "").split(",") if f.strip()]
    if not wanted:
        return data
    return {key: value for key, value in data.items() if key in wanted or key == "id"}


def apply_graph_faults() -> Response | None:
    """before_request hook: play armed graph_delay / graph_error faults."""
    faults = current_emulator().faults
    if delayed := faults.take("graph_delay", request.path):
        time.sleep(delayed.delay)
    failed = faults.take("graph_error", request.path)
    if failed is None:
        return None
    if failed.raw_body is not None:
        # A proxy's error page rather than Graph JSON.
        return Response(
            failed.raw_body, status=failed.status or 502, mimetype="text/html"
        )
    code = failed.code or CODE_FOR_STATUS.get(failed.status or 500, 1)
    # WhatsApp's own codes always carry error_data.details; generic Graph ones not.
    details = failed.details or (title(code) if code >= 130000 else None)
    error = GraphError(code, details, message=failed.message, status=failed.status)
    return error_response(error)
