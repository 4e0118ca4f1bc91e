"""`leadgate dev` only: the mails the app would have sent, on a page at /_dev/mail.

Without SMTP the outbox is the developer's mailbox. A page that only the dev
command mounts (beside the emulator) keeps addresses and live links out of the
console log, which people copy into bug reports, and never exists in production.
"""

import re
from collections.abc import Iterator

from flask import Flask, render_template_string

PREFIX = "/_dev/mail"
LINK = re.compile(r"https?://\S+")  # one character class: linear time

PAGE = """<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<link rel="icon" href="data:,">
<title>Postausgang (Entwicklung)</title></head>
<body>
<h1>Postausgang (nur <code>leadgate dev</code>, neueste zuerst)</h1>
{% for mail in mails %}
<article id="mail-{{ mail.number }}">
  <h2>{{ mail.subject }}</h2>
  <p>An: {{ mail.to }}</p>
  <pre>{% for is_link, text in mail.parts %}{% if is_link %}<a href="{{ text }}">{{ text }}</a>{% else %}{{ text }}{% endif %}{% endfor %}</pre>
</article>
{% else %}
<p>Noch keine E-Mails.</p>
{% endfor %}
</body>
</html>
"""


def parts(body: str) -> Iterator[tuple[bool, str]]:
    """The body as (is_link, text) pieces, so links can be clicked."""
    position = 0
    for match in LINK.finditer(body):
        yield False, body[position : match.start()]
        yield True, match.group()
        position = match.end()
    yield False, body[position:]


def create_dev_mail_app(app: Flask) -> Flask:
    """A tiny app showing `app`'s outbox (mail.deliver keeps it without SMTP)."""
    mail_app = Flask(__name__)
    app.extensions["dev_mail_page"] = PREFIX + "/"  # pages may point people here

    @mail_app.get("/")
    def outbox():
        mails = app.extensions.get("mail_outbox", [])
        shown = [
            {
                "number": number,
                "to": message["To"],
                "subject": message["Subject"],
                "parts": list(parts(message.get_content())),
            }
            for number, message in reversed(list(enumerate(mails, 1)))
        ]
        return render_template_string(PAGE, mails=shown)

    return mail_app
