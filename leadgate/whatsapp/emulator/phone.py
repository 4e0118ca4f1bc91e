"""The "Kundenhandy": a phone-like page to play a contact writing to a business."""

from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)

from .calls import inject_call
from .inbound import DEFAULT_NAME, DEFAULT_WA_ID, inject_inbound
from .models import Number, digits
from .phone_view import chat_bubbles
from .samples import sample_png
from .state import current_emulator

bp = Blueprint("phone", __name__)

REPLY_TYPES = ("button_reply", "list_reply", "button")


@dataclass
class Identity:
    """Who the person at the phone plays, and which business they write to."""

    number: Number | None
    name: str
    wa_id: str

    def url_args(self) -> dict:
        number_id = self.number.phone_number_id if self.number else ""
        return {"number": number_id, "name": self.name, "wa_id": self.wa_id}


def identity_from(values) -> Identity:
    store = current_emulator().store
    numbers = store.numbers()
    number = store.number(values.get("number", "")) or (numbers[0] if numbers else None)
    name = values.get("name", "").strip()[:60] or DEFAULT_NAME
    wa_id = digits(values.get("wa_id", ""))[:20] or DEFAULT_WA_ID
    if number is not None:
        # A person reads and answers this chat here, so the simulated recipient
        # (recipients.py) must not leave messages unread or answer for them.
        store.drive_manually(number.phone_number_id, wa_id)
    return Identity(number, name, wa_id)


def context(identity: Identity, **extra) -> dict:
    emulator = current_emulator()
    number = identity.number
    bubbles = (
        chat_bubbles(emulator, number.phone_number_id, identity.wa_id) if number else []
    )
    return {
        "me": identity,
        "numbers": emulator.store.numbers(),
        "bubbles": bubbles,
        "poll_seconds": emulator.settings.phone_poll_seconds,
        **extra,
    }


def deliver(identity: Identity, params: dict) -> None:
    if identity.number is None:
        abort(409, "Keine Unternehmensnummer registriert.")
    params.update(**{"from": identity.wa_id}, name=identity.name)
    inject_inbound(current_emulator(), identity.number, params)


def after_post(identity: Identity):
    """htmx: the new chat plus a fresh, out-of-band compose form; else PRG."""
    if not request.headers.get("HX-Request"):
        return redirect(url_for(".index", **identity.url_args()))
    ctx = context(identity)
    chat = render_template("emulator/_chat.html", **ctx)
    return chat + render_template("emulator/_compose.html", oob=True, **ctx)


@bp.get("/")
def root():
    return redirect(url_for(".index"))


@bp.get("/phone")
def index():
    return render_template(
        "emulator/phone.html", **context(identity_from(request.args))
    )


@bp.get("/phone/chat")
def chat():
    return render_template(
        "emulator/_chat.html", **context(identity_from(request.args))
    )


@bp.post("/phone/send")
def send():
    identity = identity_from(request.form)
    text = request.form.get("text", "").strip()
    if not text:
        ctx = context(identity, error="Bitte geben Sie eine Nachricht ein.")
        response = Response(
            render_template("emulator/_compose.html", **ctx), status=422
        )
        response.headers.update({"HX-Retarget": "#compose", "HX-Reswap": "outerHTML"})
        return response
    deliver(identity, {"type": "text", "text": text[:4096]})
    return after_post(identity)


@bp.post("/phone/location")
def send_location():
    identity = identity_from(request.form)
    deliver(identity, {"type": "location"})
    return after_post(identity)


@bp.post("/phone/image")
def send_image():
    identity = identity_from(request.form)
    deliver(
        identity, {"type": "image", "data": sample_png(), "caption": "Beispielbild"}
    )
    return after_post(identity)


@bp.post("/phone/call")
def call():
    """Call the business; nobody answers in the emulator, so it is a missed call."""
    identity = identity_from(request.form)
    if identity.number is None:
        abort(409, "Keine Unternehmensnummer registriert.")
    params = {"from": identity.wa_id, "name": identity.name, "outcome": "missed"}
    inject_call(current_emulator(), identity.number, params)
    return after_post(identity)


@bp.post("/phone/reply")
def reply():
    """Tap a reply button of an interactive message or a template."""
    identity = identity_from(request.form)
    reply_type = request.form.get("reply_type", "")
    if reply_type not in REPLY_TYPES:
        abort(400)
    title = request.form.get("title", "")
    reply_id = request.form.get("reply_id", "")
    deliver(
        identity,
        {
            "type": reply_type,
            "reply_id": reply_id,
            "title": title,
            "payload": reply_id,
            "text": title,
            "reply_to": request.form.get("context") or None,
        },
    )
    return after_post(identity)


@bp.get("/phone/media/<media_id>")
def media(media_id: str):
    """Show media in the chat; the phone needs no Graph token."""
    found = current_emulator().store.media(media_id)
    if found is None:
        abort(404)
    return Response(found.data, content_type=found.mime_type)
