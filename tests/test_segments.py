"""Segments (Zielgruppen): the contact list's filters saved under a name, counted now."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.channels.services import create_channel
from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.models import (
    Contact,
    ContactLabel,
    Conversation,
    LeadForm,
    LeadSubmission,
    Segment,
    Workspace,
    utcnow,
)

from .inbox_support import AGENT, OWNER, add_label, make_team

HTMX = {"HX-Request": "true"}
COUNT = re.compile(r'id="segment-(\d+)".*?<strong>(\d+) Kontakte?</strong>', re.S)


@pytest.fixture
def team(app, client, auth):
    """Anna (opted in, VIP), Bernd (opted in), Carla (no consent)."""
    team = make_team(app)
    vip = add_label(app, team, "VIP")
    with app.app_context():
        people = {}
        for name, number in (
            ("Anna Aal", "+491701111111"),
            ("Bernd Bär", "+491702222222"),
            ("Carla Chen", "+491703333333"),
        ):
            contact = Contact(
                workspace_id=team.workspace_id,
                name=name,
                phone_e164=number,
                attributes={},
            )
            db.session.add(contact)
            db.session.flush()
            people[name.split()[0].lower()] = contact.id
        for who in ("anna", "bernd"):
            contact = db.session.get(Contact, people[who])
            ledger.record(contact, ledger.MARKETING, "opt_in", "agent", wording="Ja")
        db.session.add(ContactLabel(contact_id=people["anna"], label_id=vip))
        db.session.commit()
    auth.login(OWNER)
    team.people = people
    team.vip = vip
    return team


def save(client, name: str, htmx: bool = True, **filters):
    return client.post(
        "/contacts/segments",
        data={"segment_name": name, **filters},
        headers=HTMX if htmx else {},
    )


def counts(client) -> dict[int, int]:
    page = client.get("/contacts/segments")
    assert page.status_code == 200
    return {int(i): int(n) for i, n in COUNT.findall(page.get_data(as_text=True))}


def segments(app) -> list[tuple[str, dict]]:
    with app.app_context():
        return [
            (s.name, s.filters)
            for s in db.session.scalars(select(Segment).order_by(Segment.id))
        ]


def test_the_list_offers_to_save_its_filters_and_keeps_them(client, app, team):
    page = client.get("/contacts", query_string={"consent": "opt_in"}, headers=HTMX)
    html = page.get_data(as_text=True)
    assert 'id="save-segment"' in html
    assert '<input type="hidden" name="consent" value="opt_in">' in html
    assert 'id="save-segment"' not in client.get("/contacts").get_data(as_text=True)

    answer = save(client, "Eingewilligte", consent="opt_in", label=str(team.vip))
    assert answer.status_code == 200
    assert "Zielgruppe „Eingewilligte“ gespeichert." in answer.get_data(as_text=True)
    assert segments(app) == [
        ("Eingewilligte", {"consent": "opt_in", "label": str(team.vip)})
    ]


def test_without_javascript_saving_lands_on_the_segment_list(client, app, team):
    answer = save(client, "Alle mit Einwilligung", htmx=False, consent="opt_in")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/contacts/segments")
    page = client.get("/contacts/segments").get_data(as_text=True)
    assert "Zielgruppe „Alle mit Einwilligung“ gespeichert." in page
    assert "Marketing-Einwilligung: Eingewilligt" in page


def test_a_segment_counts_who_matches_now(client, app, team):
    save(client, "Eingewilligt", consent="opt_in")
    save(client, "VIP mit Einwilligung", consent="opt_in", label=str(team.vip))
    first, vip = (row for row in sorted(counts(client)))
    assert counts(client) == {first: 2, vip: 1}
    with app.app_context():  # Bernd objects: he drops out, nobody re-saves anything
        bernd = db.session.get(Contact, team.people["bernd"])
        ledger.record(bernd, ledger.MARKETING, "opt_out", "keyword", wording="STOP")
        db.session.commit()
    assert counts(client) == {first: 1, vip: 1}


def test_a_segment_opens_as_the_contact_list(client, app, team):
    save(client, "VIP", label=str(team.vip))
    page = client.get("/contacts/segments").get_data(as_text=True)
    link = re.search(r'<a class="button button-small" href="([^"]+)">Öffnen', page)
    assert link and link.group(1) == f"/contacts?label={team.vip}"
    listed = client.get(link.group(1), headers=HTMX).get_data(as_text=True)
    assert "Anna Aal" in listed
    assert "Bernd Bär" not in listed and "Carla Chen" not in listed


def test_a_name_is_required_and_unique_in_the_workspace(client, app, team):
    empty = save(client, "  ", consent="opt_in")
    assert empty.status_code == 422
    assert "Bitte einen Namen für die Zielgruppe angeben." in empty.get_data(
        as_text=True
    )
    save(client, "Messe", consent="opt_in")
    taken = save(client, "messe", consent="none")
    assert taken.status_code == 422
    assert "Eine Zielgruppe mit diesem Namen gibt es schon." in taken.get_data(
        as_text=True
    )
    # The form keeps what was typed and the filters it was for.
    assert 'value="messe"' in taken.get_data(as_text=True)
    assert segments(app) == [("Messe", {"consent": "opt_in"})]


def test_agents_delete_their_own_segments_only(client, app, auth, team):
    save(client, "Vom Inhaber", consent="opt_in")
    auth.logout()
    auth.login(AGENT)
    save(client, "Vom Agenten", consent="none")
    with app.app_context():
        owners, agents = db.session.scalars(select(Segment.id).order_by(Segment.id))
    page = client.get("/contacts/segments").get_data(as_text=True)
    assert f"/contacts/segments/{agents}/delete" in page
    assert f"/contacts/segments/{owners}/delete" not in page
    assert client.post(f"/contacts/segments/{owners}/delete").status_code == 403
    assert client.post(f"/contacts/segments/{agents}/delete").status_code == 303
    auth.logout()
    auth.login(OWNER)
    assert client.post(f"/contacts/segments/{owners}/delete").status_code == 303
    assert segments(app) == []
    assert "Noch keine Zielgruppen." in client.get("/contacts/segments").get_data(
        as_text=True
    )


def test_the_list_counts_its_matches_and_filters_by_lead_form_and_number(
    client, app, team
):
    with app.app_context():
        second = create_channel(
            db.session.get(Workspace, team.workspace_id),
            name="Recruiting",
            phone_number_id="111000000000099",
            waba_id="3000000099",
            access_token="token",
            app_secret="secret",
        )
        form = LeadForm(
            workspace_id=team.workspace_id,
            channel_id=team.channel_id,
            name="Messe",
            slug="messe",
            fields=[],
        )
        db.session.add(form)
        db.session.flush()
        db.session.add(
            LeadSubmission(
                workspace_id=team.workspace_id,
                form_id=form.id,
                contact_id=team.people["anna"],
                data={},
                consent_given=True,
                consent_text="Ja",
            )
        )
        now = utcnow()
        # Bernd wrote to sales first, then to recruiting; Carla only to sales.
        for who, channel_id, ago in (
            ("bernd", team.channel_id, 3),
            ("bernd", second.id, 1),
            ("carla", team.channel_id, 2),
        ):
            db.session.add(
                Conversation(
                    workspace_id=team.workspace_id,
                    channel_id=channel_id,
                    contact_id=team.people[who],
                    last_activity_at=now - timedelta(days=ago),
                )
            )
        db.session.commit()
        form_id, second_id = form.id, second.id

    def listed(**args) -> tuple[str, set[str]]:
        html = client.get("/contacts", query_string=args, headers=HTMX).get_data(
            as_text=True
        )
        count = re.search(r'class="contacts-count"><strong>([^<]+)</strong>', html)
        names = {n for n in ("Anna", "Bernd", "Carla") if f"<strong>{n} " in html}
        return count.group(1), names

    assert listed() == ("3 Kontakte", {"Anna", "Bernd", "Carla"})
    assert listed(lead_form=form_id) == ("1 Kontakt", {"Anna"})
    assert listed(channel=second_id) == ("1 Kontakt", {"Bernd"})
    assert listed(channel=team.channel_id) == ("1 Kontakt", {"Carla"})
    save(client, "Recruiting zuletzt", channel=str(second_id))
    page = client.get("/contacts/segments").get_data(as_text=True)
    assert "Zuletzt über Nummer: Recruiting" in page


def test_a_window_in_days_moves_with_today(client, app, team):
    """ "Wrote in the last 30 days" saved today still means the last 30 days later."""
    now = utcnow()
    with app.app_context():
        db.session.get(Contact, team.people["anna"]).created_at = now - timedelta(
            days=40
        )
        for who, ago in (("anna", 2), ("bernd", 45)):
            db.session.add(
                Conversation(
                    workspace_id=team.workspace_id,
                    channel_id=team.channel_id,
                    contact_id=team.people[who],
                    last_activity_at=now - timedelta(days=ago),
                )
            )
        db.session.commit()

    def names(**args) -> set[str]:
        html = client.get("/contacts", query_string=args, headers=HTMX).get_data(
            as_text=True
        )
        return {n for n in ("Anna", "Bernd", "Carla") if f"<strong>{n} " in html}

    assert names(contacted_within="30") == {"Anna"}
    assert names(contacted_within="90") == {"Anna", "Bernd"}
    assert names(created_within="30") == {"Bernd", "Carla"}
    assert names(created_within="12") == {"Anna", "Bernd", "Carla"}  # not offered
    save(client, "Aktiv", contacted_within="30")
    assert segments(app) == [("Aktiv", {"contacted_within": "30"})]
    page = client.get("/contacts/segments").get_data(as_text=True)
    assert "Letzter Kontakt in den letzten 30 Tagen" in page
    with app.app_context():  # a month on: Anna's last message is 32 days old
        conversation = db.session.scalar(
            select(Conversation).where(Conversation.contact_id == team.people["anna"])
        )
        conversation.last_activity_at = now - timedelta(days=32)
        db.session.commit()
    assert next(iter(counts(client).values())) == 0


def test_the_rarer_filters_stay_folded_until_one_is_used(client, team):
    def panel(**args) -> str:
        page = client.get("/contacts", query_string=args).get_data(as_text=True)
        return re.search(r'<details class="more-filters"[^>]*>', page).group(0)

    assert panel() == '<details class="more-filters">'
    assert (
        panel(consent="opt_in", label=str(team.vip)) == '<details class="more-filters">'
    )
    assert panel(contacted_within="30") == '<details class="more-filters" open>'
    assert panel(duplicates="1") == '<details class="more-filters" open>'
