"""The inbox's arrangement over HTTP: the remembered panel, rows, filters, the panel.

The browser side (columns, drawer, sheet, dialogs) is tests/test_browser_inbox.py.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest

from leadgate.extensions import db
from leadgate.inbox.routes.layout import initial, list_time
from leadgate.models import Conversation

from .inbox_support import (
    AGENT,
    OWNER,
    add_conversations,
    add_label,
    counted_queries,
    make_team,
)

TOGGLE = re.compile(r'data-panel-toggle[^>]*aria-expanded="(true|false)"')


def test_the_panel_choice_is_kept_in_the_session(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert "is-panel-collapsed" not in page
    assert TOGGLE.search(page).group(1) == "true"

    assert client.post("/inbox/panel", data={"state": "closed"}).status_code == 204
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert 'class="inbox fullheight-fill has-conversation is-panel-collapsed"' in page
    assert TOGGLE.search(page).group(1) == "false"
    assert "is-panel-collapsed" in client.get("/inbox").get_data(as_text=True)

    assert client.post("/inbox/panel", data={"state": "open"}).status_code == 204
    assert "is-panel-collapsed" not in client.get(f"/inbox/{cid}").get_data(
        as_text=True
    )
    # A broken request is refused in words and changes nothing.
    refused = client.post("/inbox/panel", data={"state": "<script>"})
    assert refused.status_code == 422
    assert "Keine gültige Auswahl." in refused.get_data(as_text=True)
    assert "is-panel-collapsed" not in client.get(f"/inbox/{cid}").get_data(
        as_text=True
    )


def test_the_panel_choice_needs_the_csrf_token_and_a_login(client, auth, app):
    make_team(app)
    assert client.post("/inbox/panel", data={"state": "closed"}).status_code == 302
    auth.login(OWNER)
    response = client.post(
        "/inbox/panel", data={"state": "closed"}, headers={"X-CSRFToken": "forged"}
    )
    assert response.status_code == 400
    assert "is-panel-collapsed" not in client.get("/inbox").get_data(as_text=True)


def test_rows_are_compact_with_avatar_time_number_and_assignee(client, auth, app):
    team = make_team(app)
    [named, unnamed] = add_conversations(app, team, 2, assignee_id=team.agent_id)
    with app.app_context():
        contact = db.session.get(Conversation, unnamed).contact
        contact.profile_name, contact.wa_id = None, "4915112345678"
        contact.phone_e164 = "+4915112345678"
        db.session.commit()
    auth.login(OWNER)
    page = client.get("/inbox").get_data(as_text=True)
    row = page[page.index(f'id="conversation-{named}"') :]
    row = row[: row.index("</li>")]
    assert '<span class="avatar" aria-hidden="true">K</span>' in row
    assert re.search(r'<time class="conversation-time" datetime="[^"]+">', row)
    assert "Arne Agent" in row
    assert "Vertrieb" not in row  # one number: rows do not repeat its name
    other = page[page.index(f'id="conversation-{unnamed}"') :]
    number = '<span class="phone-number">+49\xa01511\xa02345678</span>'
    assert f'<strong class="conversation-name">{number}</strong>' in other


def test_rows_name_the_number_when_there_are_several(client, auth, app):
    from leadgate.channels.services import create_channel
    from leadgate.models import Workspace

    team = make_team(app)
    add_conversations(app, team, 1)
    with app.app_context():
        create_channel(
            db.session.get(Workspace, team.workspace_id),
            name="Recruiting",
            phone_number_id="3000000009",
            waba_id="3000000002",
            access_token="token",
            app_secret="secret",
        )
        db.session.commit()
    auth.login(OWNER)
    assert '<span class="channel-name">Vertrieb</span>' in client.get(
        "/inbox"
    ).get_data(as_text=True)


def test_the_next_page_of_rows_costs_the_same_queries(client, auth, app):
    team = make_team(app)
    add_conversations(app, team, 60)
    auth.login(OWNER)
    page = client.get("/inbox").get_data(as_text=True)
    more = re.search(r'hx-get="(/inbox\?[^"]*after=[^"]+)"', page).group(1)
    more = more.replace("&amp;", "&")
    headers = {"HX-Request": "true"}
    client.get(more, headers=headers)
    with counted_queries(app) as few:
        client.get(more, headers=headers)
    add_conversations(app, team, 40)
    more = re.search(
        r'hx-get="(/inbox\?[^"]*after=[^"]+)"', client.get("/inbox").get_data(True)
    ).group(1)
    with counted_queries(app) as many:
        rows = client.get(more.replace("&amp;", "&"), headers=headers).get_data(True)
    assert rows.count('<li id="conversation-') == 50
    assert len(many) == len(few), "\n".join(many)


def test_active_filters_show_as_chips_that_remove_themselves(client, auth, app):
    team = make_team(app)
    label = add_label(app, team, "Bewerbung")
    add_conversations(app, team, 1)
    auth.login(OWNER)
    assert 'class="filter-chips"' not in client.get("/inbox").get_data(as_text=True)
    page = client.get(
        "/inbox", query_string={"state": "pending", "assignee": "me", "label": label}
    ).get_data(as_text=True)
    chips = re.findall(
        r'class="filter-chip" href="([^"]+)"[^>]*\s+aria-label="([^"]+)"', page
    )
    removed = {text: href.replace("&amp;", "&") for href, text in chips}
    assert removed == {
        "Filter „Wartend“ entfernen": f"/inbox?assignee=me&label={label}",
        "Filter „Mir zugewiesen“ entfernen": f"/inbox?state=pending&label={label}",
        "Filter „Bewerbung“ entfernen": "/inbox?state=pending&assignee=me",
    }
    assert 'aria-label="3 aktiv"' in page  # the phone's "Filter" button
    # The sheet offers the same choices, with what is set chosen.
    assert '<input type="radio" name="state" value="pending" checked>' in page
    assert re.search(r'id="sheet-assignee".*?<option value="me" selected>', page, re.S)


def test_a_filter_for_a_former_member_or_label_still_shows_a_chip(client, auth, app):
    make_team(app)
    auth.login(OWNER)
    page = client.get("/inbox", query_string={"assignee": "999", "label": "999"})
    text = page.get_data(as_text=True)
    assert "Filter „Ehemaliges Teammitglied“ entfernen" in text
    assert "Filter „Label“ entfernen" in text


def panel_of(page: str) -> str:
    return page[page.index('<section id="team-panel"') :]


def test_the_panel_has_everyday_work_first_and_privacy_last(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1, name="Frieda Fischer")
    auth.login(OWNER)
    panel = panel_of(client.get(f"/inbox/{cid}").get_data(as_text=True))
    order = [
        panel.index(marker)
        for marker in (
            'id="assignee"',
            'name="state"',
            'id="snooze-preset"',
            'id="panel-labels-title"',
            'id="note"',
            'id="panel-privacy"',
        )
    ]
    assert order == sorted(order)
    privacy = panel[panel.index('id="panel-privacy"') :]
    # Objection and restriction: buttons that open a dialog, never a bare submit.
    opener = re.search(
        r"<button[^>]*data-confirm-open=\"objection-dialog\"[^>]*>", panel
    )
    assert 'type="button"' in opener.group(0)
    assert "Frieda Fischer 000 erhält dann keine Nachrichten mehr" in privacy
    assert f'action="/inbox/{cid}/objection"' in privacy
    dialog = privacy[privacy.index('id="restrict-dialog"') :]
    dialog = dialog[: dialog.index("</dialog>")]
    assert f'action="/inbox/{cid}/restrict"' in dialog
    assert 'name="reason"' in dialog and "required" in dialog
    assert "niemand im Team Frieda Fischer 000 Nachrichten senden" in dialog


def test_taking_back_an_objection_is_offered_to_owners_and_admins_only(
    client, auth, app
):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1, name="Frieda Fischer")
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/objection")
    panel = panel_of(client.get(f"/inbox/{cid}").get_data(as_text=True))
    assert "Hat der Verarbeitung widersprochen" in panel
    assert 'data-confirm-open="objection-dialog"' not in panel
    with app.app_context():
        contact_id = db.session.get(Conversation, cid).contact_id
    dialog = panel[panel.index('id="withdraw-objection-dialog"') :]
    dialog = dialog[: dialog.index("</dialog>")]
    assert f'action="/contacts/{contact_id}/objection/withdraw"' in dialog
    assert '<textarea id="panel-withdraw-reason" name="reason"' in dialog
    auth.logout()
    auth.login(AGENT)
    panel = panel_of(client.get(f"/inbox/{cid}").get_data(as_text=True))
    assert "Hat der Verarbeitung widersprochen" in panel
    assert "withdraw-objection-dialog" not in panel


def test_a_restricted_contact_offers_lifting_behind_a_dialog(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/restrict", data={"reason": "Richtigkeit bestritten"})
    panel = panel_of(client.get(f"/inbox/{cid}").get_data(as_text=True))
    assert "Grund: Richtigkeit bestritten" in panel
    assert 'data-confirm-open="lift-restriction-dialog"' in panel
    assert 'data-confirm-open="restrict-dialog"' not in panel


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (datetime(2026, 3, 6, 13, 5, tzinfo=UTC), "14:05"),  # today, Berlin time
        (datetime(2026, 3, 5, 22, 0, tzinfo=UTC), "Gestern"),
        (datetime(2026, 3, 2, 8, 0, tzinfo=UTC), "Mo."),
        (datetime(2026, 2, 1, 8, 0, tzinfo=UTC), "01.02.26"),
    ],
)
def test_row_times_read_like_a_messenger(app, at, shown):
    now = datetime(2026, 3, 6, 18, 0, tzinfo=UTC) + timedelta(hours=1)
    with app.test_request_context():
        assert list_time(at, now) == shown


def test_the_avatar_letter_is_the_names_first_letter():
    assert initial("  lena Fischer") == "L"
    assert initial("Ömer") == "Ö"
    assert initial("+49 151 1234") == ""
    assert initial(None) == ""
