"""The small htmx layer: fragment-or-page rendering and HX-Trigger events."""

import json

from flask import make_response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response


def is_fragment_request() -> bool:
    """An htmx request that wants a fragment (not a boosted or history-restore one)."""
    return bool(request.htmx) and not (
        request.htmx.boosted or request.htmx.history_restore_request
    )


def render_page_or_fragment(page: str, fragment: str, **context) -> Response:
    """Render the full page, or only its fragment for an htmx request."""
    template = fragment if is_fragment_request() else page
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def trigger(result: ResponseReturnValue, event: str) -> Response:
    """Add an HX-Trigger event (kebab-case, past tense) to a response."""
    response = make_response(result)
    events = json.loads(response.headers.get("HX-Trigger", "{}"))
    events[event] = True
    response.headers["HX-Trigger"] = json.dumps(events)
    return response
