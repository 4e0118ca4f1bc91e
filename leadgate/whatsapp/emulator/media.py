"""Graph media: upload, retrieve a short-lived URL, delete."""

from flask import Blueprint, jsonify, request, url_for
from werkzeug.wrappers import Response

from .access import apply_graph_faults, authorize, require_number
from .errors import GraphError, unknown_object
from .ids import new_object_id
from .models import Media, Number
from .state import Emulator, current_emulator

bp = Blueprint("media", __name__, url_prefix="/<graph_version:version>")
bp.before_request(apply_graph_faults)

MB = 1024 * 1024
# Meta's supported types and size limits (cloudapi.md, Media).
SIZE_LIMITS = {
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "image/webp": 500 * 1024,
    "audio/aac": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/mp4": 16 * MB,
    "audio/ogg": 16 * MB,
    "video/mp4": 16 * MB,
    "video/3gpp": 16 * MB,
    "text/plain": 100 * MB,
    "application/pdf": 100 * MB,
    "application/msword": 100 * MB,
    "application/vnd.ms-excel": 100 * MB,
    "application/vnd.ms-powerpoint": 100 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100
    * MB,
}


def base_mime(mime_type: str) -> str:
    return mime_type.split(";")[0].strip().lower()


def store_media(
    emulator: Emulator,
    number: Number,
    data: bytes,
    mime_type: str,
    filename: str | None,
) -> Media:
    """Keep bytes for a number, whether uploaded by it or sent to it."""
    media = Media(
        id=new_object_id(),
        owner=number.phone_number_id,
        data=data,
        mime_type=mime_type,
        created_at=emulator.clock.now(),
        filename=filename,
    )
    return emulator.store.add_media(media)


def check_upload(mime_type: str, size: int) -> None:
    """Raise 131053 for types and sizes Meta does not accept."""
    limit = SIZE_LIMITS.get(base_mime(mime_type))
    if limit is None:
        allowed = ", ".join(SIZE_LIMITS)
        raise GraphError(
            131053,
            f"Param file must be a file with one of the following types: {allowed}. "
            f"Received file of type '{mime_type}'.",
        )
    if size > limit:
        raise GraphError(
            131053, f"The file has {size} bytes; {mime_type} allows at most {limit}."
        )


@bp.post("/<phone_number_id>/media")
def upload(version: str, phone_number_id: str):
    number = require_number(phone_number_id)
    if request.form.get("messaging_product") != "whatsapp":
        raise GraphError(100, "The parameter messaging_product is required.")
    upload = request.files.get("file")
    if upload is None:
        raise GraphError(100, "The parameter file is required.")
    mime_type = request.form.get("type") or upload.mimetype or ""
    data = upload.read()
    check_upload(mime_type, len(data))
    media = store_media(current_emulator(), number, data, mime_type, upload.filename)
    return jsonify({"id": media.id})


def _owner(media: Media) -> Number:
    owner = current_emulator().store.number(media.owner)
    if owner is None:
        raise unknown_object(media.id)
    authorize(owner)
    wanted = request.args.get("phone_number_id")
    if wanted and wanted != owner.phone_number_id:
        raise unknown_object(media.id)
    return owner


def media_info(media: Media) -> Response:
    """GET /{media_id}: metadata plus a download URL that lives MEDIA_URL_TTL s."""
    _owner(media)
    emulator = current_emulator()
    expires = emulator.clock.now() + emulator.settings.media_url_ttl
    token = emulator.store.issue_media_url(media.id, expires)
    url = url_for(
        "lookaside.download", mid=media.id, ext=int(expires), hash=token, _external=True
    )
    return jsonify(
        {
            "messaging_product": "whatsapp",
            "url": url,
            "mime_type": media.mime_type,
            "sha256": media.sha256_hex,
            "file_size": len(media.data),
            "id": media.id,
        }
    )


def delete_media(media: Media) -> Response:
    _owner(media)
    current_emulator().store.delete_media(media.id)
    return jsonify({"success": True})
