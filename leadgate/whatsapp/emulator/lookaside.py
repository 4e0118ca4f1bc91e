"""Media downloads, where Meta serves them from lookaside.fbsbx.com."""

from flask import Blueprint, Response, request

from .access import apply_graph_faults, authorize
from .state import current_emulator

bp = Blueprint("lookaside", __name__, url_prefix="/whatsapp_business")
bp.before_request(apply_graph_faults)


@bp.get("/attachments/")
def download():
    """The bytes behind a media URL: same Bearer token, before it expires."""
    emulator = current_emulator()
    media_id = request.args.get("mid", "")
    media = emulator.store.media(media_id)
    owner = emulator.store.number(media.owner) if media else None
    if owner is None:
        return Response("Not Found", status=404, mimetype="text/plain")
    authorize(owner)  # 401 without the token, like Meta
    token = request.args.get("hash", "")
    if emulator.store.media_for_url(media_id, token, emulator.clock.now()) is None:
        return Response("URL expired", status=404, mimetype="text/plain")
    return Response(
        media.data,
        content_type=media.mime_type,
        headers={"Content-Length": str(len(media.data))},
    )
