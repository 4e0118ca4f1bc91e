"""Message templates: synced from the WABA, filled in by agents, sent when the window is closed.

Variables are {{1}}, {{2}} … (positional) or {{name}} (parameter_format NAMED), in
the header text and the body; buttons and media headers need no input here.
"""

import logging
import re

from sqlalchemy import select

from ..channels.services import client_for
from ..extensions import db
from ..jobs import in_app_context
from ..models import Channel, MessageTemplate, utcnow
from ..whatsapp.client import WhatsAppError

log = logging.getLogger(__name__)

VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
FILLED = ("HEADER", "BODY")  # components whose text variables agents fill in


@in_app_context
def sync_templates(channel_id: int) -> int:
    """Fetch the WABA's templates into the workspace's list; return how many."""
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
    for item in remote:
        template = known.get(str(item["id"]))
        if template is None:
            template = MessageTemplate(
                workspace_id=channel.workspace_id,
                waba_id=channel.waba_id,
                meta_template_id=str(item["id"]),
            )
            db.session.add(template)
        template.name = item.get("name") or ""
        template.language = item.get("language") or ""
        template.category = item.get("category")
        template.status = item.get("status") or "UNKNOWN"
        template.reason = item.get("rejected_reason")
        template.components = {
            "components": item.get("components") or [],
            "parameter_format": item.get("parameter_format") or "POSITIONAL",
        }
        template.updated_at = utcnow()
    db.session.commit()
    log.info("Channel %s: %d templates synced", channel.id, len(remote))
    return len(remote)


def parts(template: MessageTemplate) -> list[dict]:
    return (template.components or {}).get("components", [])


def variables(template: MessageTemplate) -> list[tuple[str, str]]:
    """(component type, variable name) in order, e.g. [("BODY", "1"), ("BODY", "2")]."""
    found = []
    for part in parts(template):
        kind = str(part.get("type", "")).upper()
        if kind in FILLED and part.get("format", "TEXT") == "TEXT":
            for name in VARIABLE.findall(part.get("text") or ""):
                if (kind, name) not in found:
                    found.append((kind, name))
    return found


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


def send_object(template: MessageTemplate, values: dict[str, str]) -> dict:
    """The `template` object of the send request."""
    named = (template.components or {}).get("parameter_format") == "NAMED"
    components = []
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
    return {
        "name": template.name,
        "language": {"code": template.language},
        "components": components,
    }
