"""The thread renders every kind of message a contact can send, safely."""

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import Conversation

from .inbox_support import OWNER, owner_with_payload_channel, post_signed
from .webhook_fixtures import payload_bytes

SHOWN = {
    "location": [
        "Kölner Dom",
        "Domkloster 4, 50667 Köln",
        "https://www.openstreetmap.org/?mlat=50.941357&amp;mlon=6.958307",
        'rel="noopener noreferrer nofollow"',
    ],
    "contacts": ["👤 Anna"],
    "interactive_button_reply": ["🔘 Bestätigen", "Antwort auf eine Nachricht"],
    "interactive_list_reply": ["🔘 Express"],
    "button": ["🔘 Keine Angebote mehr"],
    "order": ["Bestellung", "Bitte nicht vor Freitag liefern."],
    "referral": ["Über eine Anzeige", "Jetzt per WhatsApp beraten lassen"],
    "system_user_changed_number": ["changed from"],
    "unsupported": ["Nicht unterstützter Nachrichtentyp"],
}


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_each_message_type_is_shown_in_the_thread(client, auth, app, name):
    key = owner_with_payload_channel(app)
    post_signed(client, key, payload_bytes(name))
    with app.app_context():
        conversation_id = db.session.scalar(select(Conversation.id))
    auth.login(OWNER)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    for expected in SHOWN[name]:
        assert expected in page, (name, expected)
