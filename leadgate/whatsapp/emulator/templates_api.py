"""Graph template management: list (cursor paging), create and delete."""

import base64
import binascii

from flask import Blueprint, jsonify, request, url_for

from .access import apply_graph_faults, json_body, require_waba
from .errors import GraphError
from .message_templates import create_template
from .models import Template
from .state import current_emulator

bp = Blueprint("templates_api", __name__, url_prefix="/<graph_version:version>")
bp.before_request(apply_graph_faults)

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000


def cursor(template: Template) -> str:
    return base64.urlsafe_b64encode(template.id.encode()).decode()


def position(templates: list[Template], value: str) -> int:
    try:
        template_id = base64.urlsafe_b64decode(value.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        template_id = ""
    ids = [t.id for t in templates]
    if template_id not in ids:
        raise GraphError(100, f"Invalid cursor: {value}")
    return ids.index(template_id)


def matching_templates(waba_id: str) -> list[Template]:
    templates = current_emulator().store.templates_of(waba_id)
    for key in ("status", "name", "language", "category"):
        wanted = request.args.get(key)
        if wanted:
            templates = [
                t for t in templates if str(getattr(t, key)).lower() == wanted.lower()
            ]
    return templates


def page_bounds(templates: list[Template]) -> tuple[int, int]:
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise GraphError(100, "Param limit must be an integer.") from None
    limit = max(1, min(limit, MAX_LIMIT))
    if after := request.args.get("after"):
        start = position(templates, after) + 1
    elif before := request.args.get("before"):
        start = max(0, position(templates, before) - limit)
    else:
        start = 0
    return start, limit


def page_url(version: str, waba_id: str, **cursor_arg: str) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("after", "before")}
    return url_for(
        ".list_templates",
        version=version,
        waba_id=waba_id,
        **args,
        **cursor_arg,
        _external=True,
    )


@bp.get("/<waba_id>/message_templates")
def list_templates(version: str, waba_id: str):
    require_waba(waba_id)
    templates = matching_templates(waba_id)
    start, limit = page_bounds(templates)
    page = templates[start : start + limit]
    fields = [f.strip() for f in request.args.get("fields", "").split(",") if f.strip()]
    data = [
        {
            k: v
            for k, v in t.to_graph().items()
            if not fields or k in fields or k == "id"
        }
        for t in page
    ]
    if not page:
        return jsonify({"data": data})
    paging: dict = {"cursors": {"before": cursor(page[0]), "after": cursor(page[-1])}}
    if start + limit < len(templates):
        paging["next"] = page_url(version, waba_id, after=cursor(page[-1]))
    if start > 0:
        paging["previous"] = page_url(version, waba_id, before=cursor(page[0]))
    return jsonify({"data": data, "paging": paging})


@bp.post("/<waba_id>/message_templates")
def create(version: str, waba_id: str):
    require_waba(waba_id)
    body = json_body()
    if not isinstance(body, dict):
        raise GraphError(100, "The request body must be a JSON object.")
    template = create_template(current_emulator(), waba_id, body)
    return jsonify(
        {"id": template.id, "status": template.status, "category": template.category}
    )


@bp.delete("/<waba_id>/message_templates")
def delete(version: str, waba_id: str):
    """DELETE ?name=…: all languages of the template go (Meta's delete by name)."""
    require_waba(waba_id)
    name = request.args.get("name", "")
    if not current_emulator().store.delete_templates(waba_id, name):
        raise GraphError(100, f"Message template not found: {name}")
    return jsonify({"success": True})
