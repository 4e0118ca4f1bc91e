"""Message templates: send-time checks, creation, approval and status webhooks."""

import re
from functools import partial

from .envelopes import field_envelope
from .errors import GraphError
from .models import Number, Template
from .state import Emulator
from .webhooks import dispatch

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,512}$")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
MEDIA_HEADERS = ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION")
PARAMETER_BUTTONS = ("COPY_CODE", "OTP")
# Sends of a paused or disabled template: Meta's own codes, not 132001.
REFUSED_STATUSES = {
    "PAUSED": (132015, "Template is paused due to low quality."),
    "DISABLED": (132016, "Template has been disabled due to low quality."),
}
# Events that name another status, and events that leave the status alone.
EVENT_STATUS = {"REINSTATED": "APPROVED"}
NOTICES = ("FLAGGED", "LOCKED", "UNLOCKED", "UNARCHIVED")
# Meta's texts for pausing (3 h, then 6 h), unpausing and disabling.
PAUSE_INFO = {
    "FIRST_PAUSE": "Your WhatsApp message template has been paused for 3 hours "
    "because of low quality feedback.",
    "SECOND_PAUSE": "Your WhatsApp message template has been paused for 6 hours "
    "because it continued to have issues.",
}


def placeholders(text: str) -> list[str]:
    """The distinct placeholder names of a text, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def expected_parameters(template: Template) -> dict[str, int]:
    """How many parameters each component needs ("header", "body", "button:0")."""
    expected: dict[str, int] = {}
    for component in template.components:
        kind = component.get("type", "").upper()
        if kind == "HEADER":
            media = component.get("format", "TEXT").upper() in MEDIA_HEADERS
            expected["header"] = (
                1 if media else len(placeholders(component.get("text")))
            )
        elif kind == "BODY":
            expected["body"] = len(placeholders(component.get("text")))
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons", [])):
                needs = len(placeholders(button.get("url", "")))
                needs += button.get("type", "").upper() in PARAMETER_BUTTONS
                expected[f"button:{index}"] = needs
    return {key: count for key, count in expected.items() if count}


def given_parameters(components: list[dict]) -> dict[str, list[dict]]:
    given: dict[str, list[dict]] = {}
    for component in components:
        kind = str(component.get("type", "")).lower()
        key = f"button:{component.get('index', 0)}" if kind == "button" else kind
        given[key] = list(component.get("parameters", []))
    return {key: params for key, params in given.items() if params}


def check_template_send(emulator: Emulator, number: Number, payload: dict) -> Template:
    """Return the approved template, or raise 132001/132000 like Meta."""
    name, language = payload["name"], payload["language"]["code"]
    template = emulator.store.find_template(number.waba_id, name, language)
    if template is not None and template.status in REFUSED_STATUSES:
        raise GraphError(*REFUSED_STATUSES[template.status])
    if template is None or template.status != "APPROVED":
        raise GraphError(132001, f"template name ({name}) does not exist in {language}")
    expected = expected_parameters(template)
    given = given_parameters(payload.get("components", []))
    for key in sorted(set(expected) | set(given)):
        count = len(given.get(key, []))
        if count != expected.get(key, 0):
            raise GraphError(
                132000,
                f"{key.split(':')[0]}: number of localizable_params ({count}) does not "
                f"match the expected number of params ({expected.get(key, 0)})",
            )
    if template.parameter_format == "NAMED":
        _check_names(template, given.get("body", []))
    return template


def _check_names(template: Template, parameters: list[dict]) -> None:
    body = next(c for c in template.components if c.get("type") == "BODY")
    wanted = set(placeholders(body.get("text")))
    named = {p.get("parameter_name") for p in parameters}
    if named != wanted:
        raise GraphError(
            132000,
            f"body: parameter names {sorted(map(str, named))} do not match {sorted(wanted)}",
        )


def render_body(template: Template, components: list[dict]) -> str:
    """The body text with the sent parameters filled in (for the phone page)."""
    body = next((c for c in template.components if c.get("type") == "BODY"), {})
    parameters = given_parameters(components).get("body", [])
    values = {str(i + 1): str(p.get("text", "")) for i, p in enumerate(parameters)}
    values.update(
        {
            p["parameter_name"]: str(p.get("text", ""))
            for p in parameters
            if p.get("parameter_name")
        }
    )
    return PLACEHOLDER.sub(
        lambda m: values.get(m.group(1), m.group(0)), body.get("text", "")
    )


def validate_new_template(data: dict) -> None:
    if not NAME_PATTERN.match(str(data.get("name", ""))):
        raise GraphError(
            100,
            "Param name must be lowercase letters, digits and underscores (max. 512).",
        )
    if not data.get("language"):
        raise GraphError(100, "The parameter language is required.")
    if str(data.get("category", "")).upper() not in CATEGORIES:
        raise GraphError(100, f"Param category must be one of {', '.join(CATEGORIES)}.")
    components = data.get("components")
    if not isinstance(components, list) or not any(
        c.get("type") == "BODY" for c in components if isinstance(c, dict)
    ):
        raise GraphError(100, "Param components must contain a BODY component.")


def create_template(emulator: Emulator, waba_id: str, data: dict) -> Template:
    """Create a PENDING template; approve it after TEMPLATE_APPROVAL_DELAY."""
    validate_new_template(data)
    if emulator.store.find_template(waba_id, data["name"], data["language"]):
        raise GraphError(
            100,
            "Message template already exists with this name and language.",
            subcode=2388023,
        )
    fields = {
        key: data[key] for key in ("name", "language", "components") if key in data
    }
    fields.update(category=data["category"].upper(), status="PENDING")
    fields["parameter_format"] = str(data.get("parameter_format", "POSITIONAL")).upper()
    template = emulator.add_template(waba_id, fields)
    delay = emulator.settings.template_approval_delay
    if delay is not None:
        approve = partial(change_status, emulator, template.id, "APPROVED")
        emulator.dispatcher.call_later(delay, approve)
    return template


def change_status(
    emulator: Emulator, template_id: str, event: str, reason: str | None = "NONE"
) -> dict:
    """Set a template's status and send message_template_status_update.

    PAUSED, DISABLED and a return to APPROVED (or REINSTATED) carry Meta's
    other_info / disable_info; FLAGGED and the like leave the status as it is.
    """
    template = emulator.store.template(template_id)
    if template is None:
        raise LookupError(f"unknown template {template_id}")
    previous, pauses = template.status, template.pauses
    if event not in NOTICES:
        emulator.store.set_template_status(template_id, EVENT_STATUS.get(event, event))
    value = {
        "event": event,
        "message_template_id": int(template.id),
        "message_template_name": template.name,
        "message_template_language": template.language,
        "reason": reason,
        "message_template_category": template.category,
    }
    now = emulator.clock.now()
    value.update(status_info(event, previous, pauses, now))
    body = field_envelope(
        template.waba_id, "message_template_status_update", value, now
    )
    dispatch(emulator, emulator.store.numbers_in_waba(template.waba_id), body)
    return body


def status_info(event: str, previous: str, pauses: int, now: float) -> dict:
    """The extra objects Meta adds for pausing, unpausing and disabling."""
    if event == "PAUSED":
        title = "FIRST_PAUSE" if pauses == 0 else "SECOND_PAUSE"
        return {"other_info": {"title": title, "description": PAUSE_INFO[title]}}
    if event == "DISABLED":
        return {
            "disable_info": {"disable_date": int(now)},
            "other_info": {
                "title": "DISABLED",
                "description": "Your WhatsApp message template has been disabled "
                "because it continued to have issues.",
            },
        }
    if event in ("APPROVED", "REINSTATED") and previous in ("PAUSED", "DISABLED"):
        return {
            "other_info": {
                "title": "UNPAUSE",
                "description": "Your WhatsApp message template has been unpaused.",
            }
        }
    return {}
