"""The inbox blueprint and the template helpers its pages share."""

from datetime import datetime

from flask import Blueprint
from flask_babel import format_datetime

from ...files import file_kind
from ...models.previews import type_label
from ...outbound.reasons import failure_reason
from ..formatting import whatsapp_format, whatsapp_parts
from ..team import teammate_name
from ..thread import version as message_version

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.app_context_processor
def inject_labels():
    return {"type_label": type_label, "failure_reason": failure_reason}


bp.add_app_template_filter(whatsapp_format, "whatsapp")
bp.add_app_template_global(teammate_name, "teammate_name")
bp.add_app_template_global(message_version, "message_version")
bp.add_app_template_filter(whatsapp_parts, "whatsapp_parts")
bp.add_app_template_filter(file_kind, "file_kind")


@bp.app_template_filter("isodatetime")
def iso_datetime(value: str | None) -> str:
    """A timestamp kept as ISO text in a timeline event, in the reader's format."""
    try:
        return format_datetime(datetime.fromisoformat(value or ""), "short")
    except ValueError:
        return ""
