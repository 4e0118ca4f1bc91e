"""First-party page-view statistics: pseudonymised, in our own database, consent only."""

import hashlib
import hmac
import secrets

from flask import Response, current_app, request

from ..extensions import db
from ..models import PageView
from .consent import STATS_COOKIE, allows_statistics, set_cookie


def visitor_pseudonym(visitor_id: str) -> str:
    """A keyed hash: the raw cookie value never reaches the database."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, visitor_id.encode(), hashlib.sha256).hexdigest()[:32]


def is_countable_page_view(response: Response) -> bool:
    return (
        request.method == "GET"
        and response.status_code == 200
        and response.mimetype == "text/html"
        and request.endpoint is not None
        and not (request.htmx and not request.htmx.boosted)
    )


def record_page_view(response: Response) -> Response:
    """Count this page view if the visitor allowed statistics."""
    if not is_countable_page_view(response) or not allows_statistics():
        return response
    visitor_id = request.cookies.get(STATS_COOKIE, "")
    if not visitor_id.isalnum() or len(visitor_id) != 32:
        visitor_id = secrets.token_hex(16)
        set_cookie(response, STATS_COOKIE, visitor_id)
    # The endpoint name, not the URL: URLs may carry ids or search terms.
    db.session.add(
        PageView(endpoint=request.endpoint, visitor_hash=visitor_pseudonym(visitor_id))
    )
    db.session.commit()
    return response
