"""An attachment whose file name carries line breaks: stored, sent and served clean."""

from ..file_name_support import multipart
from .helpers import customer_writes, outbound, sent_at_emulator

NAME = "Angebot\r\nX-Evil: 1\r\n.pdf"
CLEAN = "Angebot X-Evil: 1 .pdf"


def test_an_attachment_name_with_line_breaks_is_cleaned(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    upload = multipart(
        "attachment", NAME, b"%PDF-1.4 Angebot", "application/pdf", text=""
    )
    response = client.post(f"/inbox/{conversation_id}/messages", **upload)
    assert response.status_code == 303
    message = outbound()
    assert (message.type, message.media_filename) == ("document", CLEAN)
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["document"]["filename"] == CLEAN
    with client.get(f"/inbox/media/{message.id}") as served:
        assert served.status_code == 200
        assert (
            served.headers["Content-Disposition"] == f'attachment; filename="{CLEAN}"'
        )
        assert "X-Evil" not in served.headers
