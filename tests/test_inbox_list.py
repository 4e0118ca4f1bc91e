"""The conversation list: filters, search, keyset pages, unread per agent, query counts."""

import json
import re

from sqlalchemy import update

from leadgate.extensions import db
from leadgate.models import Conversation, ConversationLabel

from .inbox_support import (
    AGENT,
    OWNER,
    add_conversations,
    add_label,
    counted_queries,
    make_team,
    owner_with_payload_channel,
    post_signed,
)

ITEM = re.compile(r'<li id="conversation-(\d+)"')
MORE = re.compile(r'hx-get="(/inbox\?[^"]*after=[^"]+)"')


def listed(html: str) -> list[int]:
    return [int(n) for n in ITEM.findall(html)]


def test_the_list_pages_by_last_activity_without_gaps_or_repeats(client, auth, app):
    team = make_team(app)
    ids = add_conversations(app, team, 120)
    auth.login(OWNER)
    page = client.get("/inbox").get_data(as_text=True)
    seen = listed(page)
    assert seen == ids[:50]  # newest first
    while more := MORE.search(page):
        url = more.group(1).replace("&amp;", "&")
        page = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        seen += listed(page)
    assert seen == ids  # every conversation once, in order


def test_a_page_costs_the_same_queries_for_few_and_many_conversations(
    client, auth, app
):
    team = make_team(app)
    label = add_label(app, team, "Heiß")
    ids = add_conversations(app, team, 3)
    auth.login(OWNER)
    with app.app_context():
        for conversation_id in ids:
            db.session.add(
                ConversationLabel(conversation_id=conversation_id, label_id=label)
            )
        db.session.execute(update(Conversation).values(assignee_id=team.agent_id))
        db.session.commit()
    client.get("/inbox")  # warm up (session, membership)
    with counted_queries(app) as few:
        client.get("/inbox")
    more = add_conversations(app, team, 40, assignee_id=team.owner_id)
    with app.app_context():
        for conversation_id in more:
            db.session.add(
                ConversationLabel(conversation_id=conversation_id, label_id=label)
            )
        db.session.commit()
    with counted_queries(app) as many:
        page = client.get("/inbox").get_data(as_text=True)
    assert len(listed(page)) == 43
    assert len(many) == len(few), "\n".join(many)


def test_filters_by_state_assignee_label_and_channel(client, auth, app):
    team = make_team(app)
    open_mine = add_conversations(app, team, 2, assignee_id=team.owner_id)
    open_agent = add_conversations(app, team, 2, assignee_id=team.agent_id)
    pending = add_conversations(app, team, 1, state="pending")
    resolved = add_conversations(app, team, 1, state="resolved")
    label = add_label(app, team, "Bewerbung")
    with app.app_context():
        db.session.add(ConversationLabel(conversation_id=open_agent[0], label_id=label))
        db.session.commit()
    auth.login(OWNER)

    def ids(**args) -> set[int]:
        return set(
            listed(client.get("/inbox", query_string=args).get_data(as_text=True))
        )

    assert ids() == {*open_mine, *open_agent}  # default: open, everyone's
    assert ids(state="pending") == set(pending)
    assert ids(state="resolved") == set(resolved)
    assert ids(state="all") == {*open_mine, *open_agent, *pending, *resolved}
    assert ids(assignee="me") == set(open_mine)
    assert ids(assignee=str(team.agent_id)) == set(open_agent)
    assert ids(assignee="none", state="all") == {*pending, *resolved}
    assert ids(label=str(label)) == {open_agent[0]}
    assert ids(channel=str(team.channel_id), state="pending") == set(pending)
    assert ids(channel="999999") == set()
    assert ids(state="nonsense") == ids()  # unknown values fall back to the default


def test_search_finds_name_number_and_message_text(client, auth, app):
    team = make_team(app)
    anna = add_conversations(app, team, 1, name="Anna Schmidt", text="Hallo")
    offer = add_conversations(app, team, 1, name="Bernd", text="Wo bleibt mein Angebot")
    add_conversations(app, team, 3, name="Claudia", text="Guten Tag")
    with app.app_context():
        number = db.session.get(Conversation, anna[0]).contact.wa_id
    auth.login(OWNER)

    def search(q: str) -> set[int]:
        page = client.get("/inbox", query_string={"q": q, "state": "all"})
        return set(listed(page.get_data(as_text=True)))

    assert search("schmidt") == set(anna)  # case-insensitive, part of the name
    assert search(f"+{number[:2]} {number[2:5]} {number[5:]}") == set(anna)
    assert search("Angebot") == set(offer)  # a word of a message
    assert search("gibt es nicht") == set()
    assert search("100%_") == set()  # LIKE wildcards are plain characters


def test_unread_counts_are_per_agent(client, auth, app):
    team = make_team(app)
    [conversation_id] = add_conversations(app, team, 1)
    auth.login(OWNER)
    assert 'aria-label="1 ungelesen"' in client.get("/inbox").get_data(as_text=True)
    client.get(f"/inbox/{conversation_id}")  # the owner reads it
    assert "ungelesen" not in client.get("/inbox").get_data(as_text=True)
    auth.logout()
    auth.login(AGENT)  # the agent has not seen it yet
    assert 'aria-label="1 ungelesen"' in client.get("/inbox").get_data(as_text=True)


def test_the_list_refreshes_as_a_fragment_for_htmx(client, auth, app):
    team = make_team(app)
    add_conversations(app, team, 2)
    auth.login(OWNER)
    fragment = client.get("/inbox", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert fragment.lstrip().startswith('<section id="list-column"')
    assert "<html" not in fragment
    assert len(listed(fragment)) == 2


def test_a_thread_costs_the_same_queries_for_few_and_many_messages(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)

    def grow(count: int) -> None:
        for n in range(count):
            client.post(f"/inbox/{cid}/notes", data={"note": f"Notiz {n}"})
            client.post(f"/inbox/{cid}/assign", data={"assignee": "me"})
            client.post(f"/inbox/{cid}/assign", data={"assignee": ""})

    grow(1)
    client.get(f"/inbox/{cid}")
    with counted_queries(app) as few:
        client.get(f"/inbox/{cid}")
    grow(10)
    with counted_queries(app) as many:
        page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert page.count("Interne Notiz von") == 11
    assert len(many) == len(few), "\n".join(many)


def test_what_arrives_by_webhook_and_notes_are_found_by_search(client, auth, app):
    """The real writers keep the search working: ingest of a webhook, a note."""
    from .webhook_fixtures import load_payload

    key = owner_with_payload_channel(app)
    payload = load_payload("text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = "Haben Sie den Kühlschrank noch?"
    post_signed(client, key, json.dumps(payload).encode())
    auth.login(OWNER)

    def search(q: str) -> list[int]:
        page = client.get("/inbox", query_string={"q": q, "state": "all"})
        return listed(page.get_data(as_text=True))

    [cid] = search("Kühlschrank")
    client.post(f"/inbox/{cid}/notes", data={"note": "Liefertermin Dienstag"})
    assert search("Liefertermin") == [cid]
    assert search("Waschmaschine") == []
