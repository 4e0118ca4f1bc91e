"""A one-off list: a CSV file imported for one campaign becomes its audience."""

import io
import re

from sqlalchemy import select

from leadgate.models import Channel, ContactImport, Label

from ..outbound import helpers as outbound_helpers
from ..outbound.helpers import read, sent_at_emulator
from ..outbound.meta_changes import OFFER
from .helpers import campaign, launch, people, reviewed, template_id

WORDING = "Ich möchte Angebote per WhatsApp erhalten. Abmeldung jederzeit mit STOP."
FILE = (
    "Telefon;Name;Einwilligung;Quelle\n"
    "0170 1110001;Anna Liste;ja;Messe Stuttgart 2026, Formular\n"
    "0170 1110002;Bernd Liste;ja;Messe Stuttgart 2026, Formular\n"
    "0170 1110003;Clara Liste;nein;\n"
    "keine Nummer;Dora Liste;ja;Messe\n"
)
MAPPING = {
    "column_0": "phone",
    "column_1": "name",
    "column_2": "consent",
    "column_3": "consent_source",
    "consent_text": WORDING,
}


def new_campaign(client) -> int:
    outbound_helpers.sync(client)
    [channel_id] = read(select(Channel.id))
    answer = client.post(
        "/campaigns/new", data={"name": "Messe", "channel": channel_id}
    )
    return int(answer.headers["Location"].split("/")[2])


def test_a_csv_file_for_one_campaign_is_its_audience_and_nobody_else(
    client, app, emulator, channel_key
):
    # Someone already in the workspace, with consent: not in the file, not reached.
    people(app, [{"name": "Schon da", "number": "+491709990001"}])
    campaign_id = new_campaign(client)
    step = client.get(f"/campaigns/{campaign_id}/edit/audience").get_data(as_text=True)
    assert f'href="/contacts/import?campaign={campaign_id}"' in step
    page = client.get(f"/contacts/import?campaign={campaign_id}").get_data(as_text=True)
    assert "Für die Kampagne „Messe“" in page
    answer = client.post(
        f"/contacts/import?campaign={campaign_id}",
        data={"file": (io.BytesIO(FILE.encode()), "messe.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    import_id = int(re.search(r"/contacts/import/(\d+)$", answer.location).group(1))
    mapping = client.get(f"/contacts/import/{import_id}").get_data(as_text=True)
    assert "werden die Zielgruppe der Kampagne „Messe“" in mapping
    assert client.post(f"/contacts/import/{import_id}", data=MAPPING).status_code == 303
    client.post(f"/contacts/import/{import_id}/run")
    [contact_import] = read(select(ContactImport).where(ContactImport.id == import_id))
    [label] = read(select(Label).where(Label.id == contact_import.label_id))
    assert label.name == f"CSV #{import_id} messe.csv"
    result = client.get(f"/contacts/import/{import_id}/result").get_data(as_text=True)
    onward = f"/campaigns/{campaign_id}/edit/audience?audience=label:{label.id}"
    assert onward.replace(":", "%3A") in result or onward in result
    step = client.get(onward).get_data(as_text=True)
    assert re.search(rf'<option selected value="label:{label.id}">', step) or re.search(
        rf'<option value="label:{label.id}" selected>', step
    ), step
    assert (
        client.post(
            f"/campaigns/{campaign_id}/edit/audience",
            data={"audience": f"label:{label.id}"},
        ).status_code
        == 303
    )
    client.post(
        f"/campaigns/{campaign_id}/edit/template",
        data={"template": template_id(OFFER), "src-BODY:1": "first_name"},
    )
    client.post(f"/campaigns/{campaign_id}/edit/schedule", data={"when": "now"})
    reached, reasons, _ = reviewed(client, campaign_id)
    # Anna and Bernd consented; Clara did not (left out with the reason); the
    # row without a number was never imported; "Schon da" is not in the file.
    assert reached == 2
    assert sum(reasons.values()) == 1
    assert launch(client, campaign_id).status_code == 303
    assert campaign(campaign_id).state == "finished"
    sent = sorted(item["to"] for item in sent_at_emulator(emulator))
    assert sent == ["491701110001", "491701110002"]


def test_a_started_campaign_takes_no_new_list_and_anothers_is_not_found(
    client, app, emulator, channel_key
):
    label = people(app, [{"name": "Eva", "number": "+491709990002"}])
    campaign_id = new_campaign(client)
    client.post(
        f"/campaigns/{campaign_id}/edit/audience", data={"audience": f"label:{label}"}
    )
    client.post(
        f"/campaigns/{campaign_id}/edit/template",
        data={"template": template_id(OFFER), "src-BODY:1": "first_name"},
    )
    client.post(f"/campaigns/{campaign_id}/edit/schedule", data={"when": "now"})
    launch(client, campaign_id)
    answer = client.get(f"/contacts/import?campaign={campaign_id}")
    assert answer.status_code == 303
    assert answer.location.endswith(f"/campaigns/{campaign_id}")
    assert client.get("/contacts/import?campaign=918273").status_code == 404
