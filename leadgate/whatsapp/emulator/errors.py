"""Graph API errors rendered in Meta's exact JSON shape."""

import re

from flask import Flask, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from .ids import fbtrace_id

TITLES: dict[int, str] = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    4: "Application request limit reached",
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    368: "Temporarily blocked for policies violations",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131031: "Account has been locked",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
    131051: "Message type unknown",
    131052: "Media download error",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131057: "Account in maintenance mode",
    131062: "Business-scoped User ID recipients are not supported for this message.",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132005: "Translated text too long",
    132007: "Template Format Character Policy Violated",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is Paused",
    132016: "Template is Disabled",
}
# Graph answers almost every error with HTTP 400; these are the exceptions.
HTTP_STATUS = {1: 500, 2: 503, 190: 401, 131000: 500, 131016: 503}
# Which code a bare HTTP status fault stands for when the test names none.
CODE_FOR_STATUS = {401: 190, 429: 130429, 500: 1, 502: 2, 503: 2, 504: 2}


def title(code: int) -> str:
    return TITLES.get(code, "An unknown error occurred")


def default_message(code: int) -> str:
    # Token errors are the one family without the "(#code)" prefix.
    return title(code) if code == 190 else f"(#{code}) {title(code)}"


class GraphError(Exception):
    """A Graph API error: raised in views, rendered by the app's error handler."""

    def __init__(
        self,
        code: int,
        details: str | None = None,
        *,
        message: str | None = None,
        status: int | None = None,
        subcode: int | None = None,
        error_type: str = "OAuthException",
    ) -> None:
        self.code = code
        self.details = details
        self.message = message or default_message(code)
        self.status = status or HTTP_STATUS.get(code, 400)
        self.subcode = subcode
        self.error_type = error_type
        super().__init__(self.message)

    def body(self) -> dict:
        error: dict = {"message": self.message, "type": self.error_type}
        error["code"] = self.code
        if self.details is not None:
            error["error_data"] = {
                "messaging_product": "whatsapp",
                "details": self.details,
            }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}


def unknown_object(object_id: str, method: str = "get") -> GraphError:
    """Graph's answer for ids that do not exist or that the token may not see."""
    return GraphError(
        100,
        message=(
            f"Unsupported {method} request. Object with ID '{object_id}' does not "
            "exist, cannot be loaded due to missing permissions, or does not support "
            "this operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api"
        ),
        subcode=33,
        error_type="GraphMethodException",
    )


def error_response(error: GraphError) -> Response:
    response = jsonify(error.body())
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = (
            f'OAuth "Facebook Platform" "invalid_token" "{error.message}"'
        )
    return response


GRAPH_PATH = re.compile(r"^/v\d+\.0/")


def unknown_path(error: NotFound | MethodNotAllowed):
    """Graph paths answer in JSON even when nothing matches; others stay HTML."""
    if not GRAPH_PATH.match(request.path):
        return error
    message = f"Unknown path components: {request.path}"
    return error_response(GraphError(2500, message=message, status=400))


def register(app: Flask) -> None:
    app.register_error_handler(GraphError, error_response)
    app.register_error_handler(NotFound, unknown_path)
    app.register_error_handler(MethodNotAllowed, unknown_path)
