"""Message templates: synced from the WABA, filled in by agents, sent when the window is closed.

Variables are {{1}}, {{2}} … (positional) or {{name}} (parameter_format NAMED), in
the header text and the body; a link button may end in {{1}}, a copy-code button
takes its code. A media header (image, video, document) takes a file, uploaded at
send time like any attachment. Location headers are not supported yet.
"""

import logging
import re
from dataclasses import dataclass

from sqlalchemy import select

from .. import live
from ..extensions import db
from ..models import Channel, MessageTemplate, utcnow
from ..queue import enqueue
from ..whatsapp.channels import client_for
from ..whatsapp.client import WhatsAppError
from ..whatsapp.payloads.limits import (
    TEMPLATE_CATEGORY,
    TEMPLATE_ID,
    TEMPLATE_LANGUAGE,
    TEMPLATE_NAME,
    TEMPLATE_STATUS,
    fit,
)
from . import template_status
from .delivery import enqueue_delivery

log = logging.getLogger(__name__)

VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
FILLED = ("HEADER", "BODY")  # components whose text variables agents fill in
MEDIA_HEADERS = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document"}
BUTTON = "BUTTON"  # variable kinds BUTTON0, BUTTON1 … by the button's index


def sync_templates(channel_id: int) -> int:
    """Fetch the WABA's templates into the workspace's list; return how many.

    Statuses go through template_status, as a webhook's would: a pause or a
    disabling missed as a webhook parks or fails the messages waiting for it,
    a template approved again sends them.
    """
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        return 0
    try:
        with client_for(channel) as client:
            remote = client.list_templates(channel.waba_id)
    except WhatsAppError as error:
        if error.token_invalid:
            channel.needs_new_token = True
            db.session.commit()
        log.warning("Template sync for channel %s failed (%s)", channel.id, error.code)
        raise
    known = {
        t.meta_template_id: t
        for t in db.session.scalars(
            select(MessageTemplate).where(
                MessageTemplate.workspace_id == channel.workspace_id,
                MessageTemplate.waba_id == channel.waba_id,
            )
        )
    }
    change = template_status.Change()
    synced = [remote_template(item) for item in remote]
    for item in filter(None, synced):
        template = known.get(item.id)
        if template is None:
            template = MessageTemplate(
                workspace_id=channel.workspace_id,
                waba_id=channel.waba_id,
                meta_template_id=item.id,
            )
            db.session.add(template)
            known[item.id] = template  # listed twice: one row all the same
        template.name, template.language = item.name, item.language
        template.category = item.category
        change.add(template_status.set_status(template, item.status, item.reason))
        template.components = item.components
        template.updated_at = utcnow()
    # Deleted at Meta: kept for the messages that used it, no longer offered.
    # One Meta listed but we refused is not deleted: it stays as it was.
    remote_ids = {template_id(item) for item in remote}
    for meta_id, template in known.items():
        if meta_id not in remote_ids and template.status != "DELETED":
            change.add(template_status.set_status(template, "DELETED"))
    db.session.commit()
    for released in change.released:
        enqueue_delivery(released)
    live.publish_conversations(change.touched)
    refused = synced.count(None)
    if refused:
        log.warning("Channel %s: %d templates refused (malformed)", channel.id, refused)
    log.info("Channel %s: %d templates synced", channel.id, len(remote) - refused)
    return len(remote) - refused


@dataclass(frozen=True)
class RemoteTemplate:
    """One template of the sync's answer, as it is stored."""

    id: str
    name: str
    language: str
    category: str | None
    status: str
    reason: str | None
    components: dict


def template_id(item: object) -> str | None:
    """The item's template ID if it is one we can store whole (never shortened)."""
    value = item.get("id") if isinstance(item, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and 0 < len(value) <= TEMPLATE_ID:
        return value
    return None


def remote_template(item: object) -> RemoteTemplate | None:
    """A listed template as stored, or None if it is malformed.

    As for webhooks (payloads/limits.py): keys too long for their column make the
    item malformed; so does a name too long, since sends name the template by
    it. The category is cut to fit.
    """
    meta_id = template_id(item)
    if meta_id is None:
        return None
    keys = {"name": "", "language": "", "status": "UNKNOWN"}
    name, language, status = (text_field(item, key, keys[key]) for key in keys)
    widths = (TEMPLATE_NAME, TEMPLATE_LANGUAGE, TEMPLATE_STATUS)
    for value, width in zip((name, language, status), widths, strict=True):
        if value is None or len(value) > width:
            return None
    parts = item.get("components")
    return RemoteTemplate(
        id=meta_id,
        name=name,
        language=language,
        category=fit(text_field(item, "category"), TEMPLATE_CATEGORY),
        status=status,
        reason=text_field(item, "rejected_reason"),
        components={
            # Read by variables() and preview(): objects only.
            "components": [p for p in parts if isinstance(p, dict)]
            if isinstance(parts, list)
            else [],
            "parameter_format": text_field(item, "parameter_format", "POSITIONAL")
            or "POSITIONAL",
        },
    )


def text_field(item: dict, key: str, default: str | None = None) -> str | None:
    """A text field of a listed template: the default if absent or empty, None
    if it is no text at all."""
    value = item.get(key)
    if value is None or value == "":
        return default
    return value if isinstance(value, str) else None


def sync_all_templates() -> int:
    """Hourly (cron): new approvals, edits and deletions at Meta show up unasked."""
    channel_ids = db.session.scalars(select(Channel.id)).all()
    db.session.rollback()  # end the read before the jobs
    for channel_id in channel_ids:
        enqueue(sync_templates, channel_id, queue="low")
    return len(channel_ids)


def parts(template: MessageTemplate) -> list[dict]:
    return (template.components or {}).get("components", [])


def variables(template: MessageTemplate) -> list[tuple[str, str]]:
    """(kind, variable name) in order, e.g. [("BODY", "1"), ("BODY", "2"), ("BUTTON0", "1")]."""
    found = []
    for part in parts(template):
        kind = str(part.get("type", "")).upper()
        if kind in FILLED and part.get("format", "TEXT") == "TEXT":
            for name in VARIABLE.findall(part.get("text") or ""):
                if (kind, name) not in found:
                    found.append((kind, name))
        elif kind == "BUTTONS":
            for index, button in enumerate(part.get("buttons") or []):
                button_type = str(button.get("type", "")).upper()
                if button_type == "URL":
                    for name in VARIABLE.findall(button.get("url") or "")[:1]:
                        found.append((f"{BUTTON}{index}", name))
                elif button_type == "COPY_CODE":
                    found.append((f"{BUTTON}{index}", "code"))
    return found


def component(template: MessageTemplate, kind: str) -> dict | None:
    """The template's HEADER, BODY, FOOTER or BUTTONS component, if it has one."""
    return next(
        (p for p in parts(template) if str(p.get("type", "")).upper() == kind), None
    )


def header_format(template: MessageTemplate) -> str:
    header = component(template, "HEADER")
    return str(header.get("format") or "TEXT").upper() if header else ""


def header_media(template: MessageTemplate) -> str | None:
    """ "image", "video" or "document" when the header takes a file."""
    return MEDIA_HEADERS.get(header_format(template))


def buttons(template: MessageTemplate) -> list[dict]:
    found = component(template, "BUTTONS")
    return (found.get("buttons") or []) if found else []


def preview(template: MessageTemplate, values: dict[str, str]) -> str:
    """The text the contact will read, with the agent's values (or the placeholders)."""
    lines = []
    for part in parts(template):
        kind = str(part.get("type", "")).upper()
        text = part.get("text")
        if kind in ("HEADER", "BODY", "FOOTER") and text:
            lines.append(
                VARIABLE.sub(
                    lambda m, kind=kind: (
                        values.get(f"{kind}:{m.group(1)}") or m.group(0)
                    ),
                    text,
                )
            )
    return "\n\n".join(lines)


def send_object(
    template: MessageTemplate, values: dict[str, str], media_filename: str | None = None
) -> dict:
    """The `template` object of the send request.

    A media header's parameter gets its media ID at send time (sender.with_media_id).
    """
    named = (template.components or {}).get("parameter_format") == "NAMED"
    components = []
    media = header_media(template)
    if media:
        parameter: dict = {"type": media, media: {"id": None}}
        if media == "document" and media_filename:
            parameter[media]["filename"] = media_filename
        components.append({"type": "header", "parameters": [parameter]})
    for kind in FILLED:
        parameters = []
        for part_kind, name in variables(template):
            if part_kind != kind:
                continue
            parameter = {"type": "text", "text": values[f"{kind}:{name}"]}
            if named:
                parameter["parameter_name"] = name
            parameters.append(parameter)
        if parameters:
            components.append({"type": kind.lower(), "parameters": parameters})
    for kind, name in variables(template):
        if kind.startswith(BUTTON):
            components.append(
                button_component(template, kind, values[f"{kind}:{name}"])
            )
    return {
        "name": template.name,
        "language": {"code": template.language},
        "components": components,
    }


def button_component(template: MessageTemplate, kind: str, value: str) -> dict:
    index = int(kind.removeprefix(BUTTON))
    if str(buttons(template)[index].get("type", "")).upper() == "COPY_CODE":
        sub_type = "copy_code"
        parameter = {"type": "coupon_code", "coupon_code": value}
    else:
        sub_type, parameter = "url", {"type": "text", "text": value}
    return {
        "type": "button",
        "sub_type": sub_type,
        "index": str(index),
        "parameters": [parameter],
    }
