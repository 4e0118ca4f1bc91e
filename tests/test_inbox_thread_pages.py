"""The thread's pages over HTTP: newest first, older by keyset, live updates, unread.

The browser behaviour (scrolling, live arrivals) is in test_browser_thread.py;
these tests pin down what the endpoints answer.
"""

import itertools
import re
from datetime import timedelta

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.inbox.thread import PAGE_SIZE, TAIL
from leadgate.models import Conversation, ConversationRead, Message, utcnow

from .inbox_support import OWNER, add_conversations, counted_queries, make_team

HX = {"HX-Request": "true"}
WAMIDS = itertools.count(1)
MESSAGE_ID = re.compile(r'<article id="message-(\d+)"')
OOB_MESSAGE = re.compile(
    r'<article id="message-(\d+)"[^>]*data-v="[0-9a-f]{8}"\s+hx-swap-oob="true"'
)


def add_messages(app, cid: int, count: int, start_minutes: int = 0, **fields) -> None:
    """`count` inbound texts "Text <n>", a minute apart, the last `start_minutes` ago."""
    with app.app_context():
        conversation = db.session.get(Conversation, cid)
        now = utcnow() - timedelta(minutes=start_minutes)
        for n in range(count):
            db.session.add(
                Message.of(
                    conversation,
                    direction=fields.get("direction", "in"),
                    type="text",
                    text=f"Text {n}",
                    status=fields.get("status", "received"),
                    wamid=f"wamid.thread.{next(WAMIDS)}",
                    sent_at=now - timedelta(minutes=count - n),
                )
            )
            if fields.get("direction", "in") == "in":
                conversation.inbound_count += 1
        db.session.commit()


def shown(html: str) -> list[int]:
    return [int(found) for found in MESSAGE_ID.findall(html)]


def older_url(html: str) -> str | None:
    found = re.search(r'hx-get="(/inbox/\d+/older\?before=[^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_thread_opens_at_its_newest_page_and_pages_back_without_gaps(
    client, auth, app
):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    add_messages(app, cid, PAGE_SIZE * 2 + 5)
    auth.login(OWNER)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    first = shown(page)
    assert len(first) == PAGE_SIZE
    assert "Text 104" in page and "Text 54" not in page  # the newest page
    seen = list(first)
    url = older_url(page)
    while url:
        fragment = client.get(url, headers=HX)
        assert fragment.status_code == 200
        html = fragment.get_data(as_text=True)
        assert "<html" not in html
        assert 'class="thread-day"' in html and 'class="day-divider"' in html
        seen = shown(html) + seen
        url = older_url(html)
    with app.app_context():
        stored = db.session.scalars(
            select(Message.id)
            .where(Message.conversation_id == cid)
            .order_by(Message.sent_at, Message.id)
        ).all()
    assert seen == list(stored)  # every message once, in order, nothing skipped


def test_an_older_page_needs_a_cursor(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    for before in ("", "gestern", "2026-01-01T00:00:00+00:00"):
        response = client.get(f"/inbox/{cid}/older?before={before}", headers=HX)
        assert response.status_code == 400


def test_older_and_newer_pages_cost_the_same_queries_for_few_and_many(
    client, auth, app
):
    team = make_team(app)
    few, many = add_conversations(app, team, 2)
    add_messages(app, few, PAGE_SIZE + 2)
    add_messages(app, many, PAGE_SIZE * 3)
    auth.login(OWNER)
    counts = []
    for cid in (few, many):
        url = older_url(client.get(f"/inbox/{cid}").get_data(as_text=True))
        with app.app_context():
            last = db.session.scalar(
                select(Message.id).where(Message.conversation_id == cid).limit(1)
            )
        with counted_queries(app) as older:
            client.get(url, headers=HX)
        with counted_queries(app) as newer:
            client.get(f"/inbox/{cid}/newer?after={last}&mode=free", headers=HX)
        counts.append((len(older), len(newer)))
    assert counts[0] == counts[1]


def test_a_live_update_appends_new_messages_and_refreshes_the_tail(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    add_messages(app, cid, 3)
    auth.login(OWNER)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    newest = max(shown(page))
    assert f'hx-trigger="sse:conversation-{cid}, refresh, message-queued' in page
    nothing = client.get(f"/inbox/{cid}/newer?after={newest}&mode=free", headers=HX)
    html = nothing.get_data(as_text=True)
    assert nothing.status_code == 200 and "<html" not in html
    # The shown messages again, out of band, each with its fingerprint: all
    # of them, as the thread is shorter than the tail (in a longer one the
    # tail's oldest only tells the next one's author line). A one-message
    # thread's image must appear once its download is stored.
    assert [int(i) for i in OOB_MESSAGE.findall(html)] == shown(page)
    assert 'class="thread-day"' not in html  # nothing to append
    add_messages(app, cid, 1, direction="in")
    html = client.get(
        f"/inbox/{cid}/newer?after={newest}&mode=free", headers=HX
    ).get_data(as_text=True)
    appended = html[html.index('<div class="thread-day"') :]
    assert shown(appended) == [newest + 1]
    assert [int(i) for i in OOB_MESSAGE.findall(html)] == shown(page)
    with app.app_context():  # the agent saw it: no longer unread for them
        read = db.session.scalar(select(ConversationRead.inbound_seen))
        assert read == db.session.get(Conversation, cid).inbound_count


def test_a_live_update_brings_the_whole_composer_when_the_window_changed(
    client, auth, app
):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)  # its message is from now: window open
    auth.login(OWNER)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert 'data-composer-mode="free"' in page
    assert re.search(r"Antwort (nur noch|möglich bis)", page)
    newest = max(shown(page))
    same = client.get(f"/inbox/{cid}/newer?after={newest}&mode=free", headers=HX)
    html = same.get_data(as_text=True)
    assert 'id="composer-window"' in html and 'id="composer"' not in html
    changed = client.get(f"/inbox/{cid}/newer?after={newest}&mode=template", headers=HX)
    html = changed.get_data(as_text=True)
    assert re.search(r'<section id="composer"[^>]*hx-swap-oob="true"', html)


def test_the_thread_opens_at_the_first_unread_message(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert "Neue Nachrichten" in page  # never opened: its one message is new
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert "Neue Nachrichten" not in page  # seen now
    add_messages(app, cid, 3)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    divider = page.index('id="unread-divider"')
    after = shown(page[divider:])
    assert len(after) == 3 and 'id="unread-divider"' not in page[divider + 20 :]


def test_a_newer_request_needs_an_id_and_a_big_gap_reloads(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    assert client.get(f"/inbox/{cid}/newer?after=x", headers=HX).status_code == 400
    add_messages(app, cid, 201)
    response = client.get(f"/inbox/{cid}/newer?after=0&mode=free", headers=HX)
    assert response.status_code == 204 and response.headers["HX-Refresh"] == "true"


def test_the_tail_is_limited(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    add_messages(app, cid, TAIL + 10)
    auth.login(OWNER)
    html = client.get(f"/inbox/{cid}/newer?after=999999&mode=free", headers=HX)
    assert len(OOB_MESSAGE.findall(html.get_data(as_text=True))) == TAIL
