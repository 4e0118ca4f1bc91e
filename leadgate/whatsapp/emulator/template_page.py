"""The emulator's "Vorlagen bei Meta" page: play Meta pausing, disabling, reinstating.

A dev tool next to the Kundenhandy: each button changes a template's status and
sends the message_template_status_update webhook Meta would send (the same as
POST /_admin/templates/<id>/status).
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from .message_templates import change_status
from .state import current_emulator

bp = Blueprint("template_page", __name__)

# What the page offers: the event, and the button's words.
ACTIONS = {
    "PAUSED": "Pausieren",
    "DISABLED": "Deaktivieren",
    "APPROVED": "Wieder freigeben",
}


@bp.get("/templates")
def index():
    store = current_emulator().store
    wabas = sorted({number.waba_id for number in store.numbers()})
    templates = {waba: store.templates_of(waba) for waba in wabas}
    return render_template(
        "emulator/templates.html",
        templates=templates,
        actions=ACTIONS,
        changed=request.args.get("changed"),
    )


@bp.post("/templates/<template_id>/status")
def change(template_id: str):
    event = request.form.get("event", "")
    if event not in ACTIONS:
        abort(400)
    template = current_emulator().store.template(template_id)
    if template is None:
        abort(404)
    change_status(current_emulator(), template_id, event)
    return redirect(url_for(".index", changed=template.name), 303)
