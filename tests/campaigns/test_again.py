"""Results become audiences: "again, to those who did not read / did not reply"."""

from sqlalchemy import select

from leadgate.models import Channel

from ..outbound.helpers import read, relay
from ..outbound.meta_changes import OFFER
from .helpers import create, launch, people, reviewed, template_id
from .test_controls import writes

TWO = [
    {"name": "Anna", "number": "+491701000001"},
    {"name": "Bernd", "number": "+491701000002"},
]


def test_a_new_campaign_reaches_who_did_not_read_or_reply_to_the_last(
    client, app, emulator, receiver, channel_key
):
    emulator.admin("PATCH", "settings", json={"READ_SHARE": 0.0})  # nobody reads
    label = people(app, TWO)
    first = create(client, label, OFFER, **{"src-BODY:1": "first_name"})
    launch(client, first)
    relay(client, receiver, channel_key, 4)  # sent and delivered, for both
    writes(client, emulator, channel_key, "+491701000001", "Gerne!")  # Anna answers
    names = lambda **f: {  # noqa: E731
        n["name"]
        for n in TWO
        if n["name"]
        in client.get("/contacts", query_string={"campaign": first, **f}).get_data(
            as_text=True
        )
    }
    assert names() == {"Anna", "Bernd"}  # received it
    assert names(campaign_outcome="not_read") == {"Anna", "Bernd"}
    assert names(campaign_outcome="not_replied") == {"Bernd"}
    [channel_id] = read(select(Channel.id))
    answer = client.post(
        "/campaigns/new",
        query_string={"campaign": first, "outcome": "not_replied"},
        data={"name": "Nachfassen", "channel": channel_id},
    )
    again = int(answer.headers["Location"].split("/")[2])
    page = client.get(f"/campaigns/{again}/edit/audience").get_data(as_text=True)
    assert "„Frühjahrsangebot“: nicht geantwortet" in page
    client.post(
        f"/campaigns/{again}/edit/template",
        data={"template": template_id(OFFER), "src-BODY:1": "first_name"},
    )
    reached, _reasons, review = reviewed(client, again)
    assert reached == 1 and "Hallo Bernd" in review
