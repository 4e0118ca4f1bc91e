"""Strangers' texts: WhatsApp formatting (same results, linear time, a cap) and
the keyword check of the webhook drain, both linear in the text's length."""

import time

import pytest
from sqlalchemy import update

from leadgate.extensions import db
from leadgate.inbox.formatting import FORMAT_CAP, whatsapp_format, whatsapp_parts
from leadgate.models import Message

from .inbox_support import (
    OWNER,
    add_conversations,
    make_team,
    owner_with_payload_channel,
)
from .test_consent import customer_says, records

SIZE = 65_536
# Times are this process's CPU time: the bug burnt CPU (holding the GIL), and on a
# shared machine wall time also counts everybody else's work.
# Openers without closers: a lazy (.+?) scanned to the line's end from each one.
ADVERSARIAL = {
    "bold": "*a ",
    "italic": "_a ",
    "strike": "~a ",
    "code": "`a ",
    "monospace": "```a ",
    "bold-only": "*",
    "backticks-only": "`",
    "mixed": "*_~a ",
    "mixed-with-code": "*_~`a ",
    "closers-first": "a* a_ a~ ",
    "nested-openers": "*_ ~a ",
}


def adversarial(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*fett*", "<strong>fett</strong>"),
        ("_kursiv_", "<em>kursiv</em>"),
        ("~weg~", "<s>weg</s>"),
        ("```code```", "<code>code</code>"),
        ("`inline`", "<code>inline</code>"),
        ("```*nicht fett*```", "<code>*nicht fett*</code>"),
        ("`*nicht fett*`", "<code>*nicht fett*</code>"),
        ("```zwei\nZeilen```", "<code>zwei\nZeilen</code>"),
        (
            "*fett mit _kursiv_ darin*",
            "<strong>fett mit <em>kursiv</em> darin</strong>",
        ),
        (
            "_kursiv mit *fett* darin_",
            "<em>kursiv mit <strong>fett</strong> darin</em>",
        ),
        ("*`code`*", "<strong><code>code</code></strong>"),
        ("*a*b*", "<strong>a*b</strong>"),
        ("~~a~~", "<s>~a~</s>"),
        # No span: a space inside the marker, a word around it, a line break.
        ("* nicht*", "* nicht*"),
        ("*nicht *", "*nicht *"),
        ("a*b*", "a*b*"),
        ("snake_case_name", "snake_case_name"),
        ("*eine\nZeile*", "*eine\nZeile*"),
        ("``` ```", "<code> </code>"),
        ("```", "```"),
        ("``", "``"),
        # Crossing spans would give mis-nested tags: the later one stays text.
        ("*a _b* c_", "<strong>a _b</strong> c_"),
        ("<b>*x*</b>", "&lt;b&gt;<strong>x</strong>&lt;/b&gt;"),
        ("*<script>*", "<strong>&lt;script&gt;</strong>"),
        ("`\"'&`", "<code>&#34;&#39;&amp;</code>"),
    ],
)
def test_formatting_results(text, html):
    assert whatsapp_format(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (
            "Siehe https://example.com/a?b=1&c=2.",
            'Siehe <a href="https://example.com/a?b=1&amp;c=2" '
            'rel="noopener noreferrer nofollow" target="_blank">'
            "https://example.com/a?b=1&amp;c=2</a>.",
        ),
        (
            '"https://example.com/x"><script>',
            '&#34;<a href="https://example.com/x" rel="noopener noreferrer nofollow" '
            'target="_blank">https://example.com/x</a>&#34;&gt;&lt;script&gt;',
        ),
        (
            "*fett* https://example.com/_a_ _kursiv_",
            '<strong>fett</strong> <a href="https://example.com/_a_" '
            'rel="noopener noreferrer nofollow" target="_blank">'
            "https://example.com/_a_</a> <em>kursiv</em>",
        ),
        (
            "```https://example.com```",
            "<code>https://example.com</code>",
        ),
        ("javascript:alert(1)", "javascript:alert(1)"),
    ],
)
def test_links_are_safe_and_keep_their_text(text, html):
    assert whatsapp_format(text) == html


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_formatting_takes_linear_time(name):
    text = adversarial(ADVERSARIAL[name])
    started = time.process_time()
    html = whatsapp_format(text)
    assert time.process_time() - started < 1.0  # the old patterns: 10 s and more
    assert len(html) >= len(text) // 2


def test_long_texts_are_formatted_up_to_the_cap_and_the_rest_kept():
    text = "*fett* " + "wort " * 1000 + "*ende* <b>"
    head, rest = whatsapp_parts(text)
    assert len(text) > FORMAT_CAP
    assert head.startswith("<strong>fett</strong> wort")
    assert len(head) >= FORMAT_CAP - 200
    assert head.endswith(" wort ") and rest.startswith("wort ")  # between words
    assert rest.endswith("*ende* <b>")  # plain: the template escapes it
    assert str(head).replace("<strong>fett</strong>", "*fett*") + rest == text
    assert whatsapp_parts("*kurz*") == ("<strong>kurz</strong>", "")
    # No space near the cap: cut at the cap itself.
    head, rest = whatsapp_parts("x" * 5000)
    assert (len(head), len(rest)) == (FORMAT_CAP, 5000 - FORMAT_CAP)


def set_text(app, conversation_id: int, text: str) -> None:
    with app.app_context():
        db.session.execute(
            update(Message)
            .where(Message.conversation_id == conversation_id)
            .values(text=text)
        )
        db.session.commit()


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_the_thread_renders_an_adversarial_text_in_well_under_a_second(
    client, auth, app, name
):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    assert client.get(f"/inbox/{cid}").status_code == 200  # templates compiled
    text = adversarial(ADVERSARIAL[name])
    set_text(app, cid, text)
    started = time.process_time()
    response = client.get(f"/inbox/{cid}")
    elapsed = time.process_time() - started
    assert response.status_code == 200
    assert elapsed < 1.0, f"{elapsed:.2f} s"  # before: 13-22 s for "*_~a " * 12000
    page = response.get_data(as_text=True)
    assert '<details class="message-more">' in page and "mehr anzeigen" in page


def test_a_long_message_shows_its_head_formatted_and_the_rest_on_request(
    client, auth, app
):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    text = "*Anfang* " + "Text " * 900 + "*Ende* <script>alert(1)</script>"
    set_text(app, cid, text)
    auth.login(OWNER)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert '<div class="message-text"><strong>Anfang</strong> Text' in page
    head, rest = page.split('<details class="message-more">', 1)
    summary, rest = rest.split("</summary>", 1)
    assert "mehr anzeigen" in summary
    # The rest is all there, as plain (escaped) text.
    assert "*Ende* &lt;script&gt;alert(1)&lt;/script&gt;</details>" in rest
    assert "<script>alert(1)" not in page
    # A short message has no such control.
    set_text(app, cid, "*kurz*")
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert '<div class="message-text"><strong>kurz</strong></div>' in page
    assert "message-more" not in page


def test_the_keyword_check_of_a_long_inbound_text_takes_linear_time(client, app):
    key = owner_with_payload_channel(app)
    started = time.process_time()
    customer_says(client, key, "STOP" + " ." * (SIZE // 2 - 3) + "x")  # no keyword
    assert time.process_time() - started < 1.0  # before: "[\\s.!]+$", quadratic
    assert records(app) == []
    text = "STOP" + " !" * 1000  # trailing spaces and marks still do not count
    wamid = customer_says(client, key, text)
    assert records(app) == [("whatsapp_marketing", "opt_out", "keyword", text, wamid)]
