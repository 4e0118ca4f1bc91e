"""The shell's server side: icons, macros, tokens and the two page frames.

The browser half (menu, overflow, axe, dialogs) is tests/test_browser_shell.py.
"""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from flask import render_template_string

from leadgate.extensions import db
from leadgate.models import Membership, Role

from .support import make_user, workspace_of

ROOT = Path(__file__).parent.parent
LUCIDE = ROOT / "static" / "vendor" / "lucide"
CSS = (ROOT / "static" / "app.css").read_text()
ICON_CALL = re.compile(r"""icon\(\s*["']([a-z0-9-]+)["']""")


def sprite_ids() -> set[str]:
    root = ET.parse(LUCIDE / "sprite.svg").getroot()
    return {symbol.get("id") for symbol in root}


def test_every_icon_a_template_names_is_in_the_sprite():
    used = set()
    for path in (ROOT / "templates").rglob("*.html"):
        used |= set(ICON_CALL.findall(path.read_text()))
    assert {"inbox", "menu", "log-out"} <= used
    assert used - sprite_ids() == set()


def test_the_sprite_is_built_from_its_list_and_keeps_the_licence():
    listed = {
        line.strip()
        for line in (LUCIDE / "ICONS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert listed == sprite_ids()
    assert "ISC License" in (LUCIDE / "LICENSE").read_text()
    version = re.search(
        r"lucide-static (\d+\.\d+\.\d+)", (LUCIDE / "README").read_text()
    )
    assert f"lucide-static {version[1]}" in (LUCIDE / "sprite.svg").read_text()


def test_colours_live_in_the_design_tokens():
    """Section 1 defines every colour (light and dark); later rules use tokens."""
    tokens, rules = CSS.split("/* == 2 Base", 1)
    raw = [
        line
        for line in rules.splitlines()
        if re.search(r"#[0-9a-fA-F]{3,8}\b", line)
        # on purpose: a QR code needs white; the image viewer is dark in both themes
        and not line.startswith((".qr-code", ".lightbox"))
    ]
    assert raw == []
    light, dark = tokens.split("@media (prefers-color-scheme: dark)", 1)
    light_colours = set(re.findall(r"(--[\w-]+): #", light))
    dark_colours = set(re.findall(r"(--[\w-]+): #", dark))
    assert light_colours - dark_colours == set()


def test_signed_out_pages_have_a_header_and_a_footer(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<meta name="color-scheme" content="light dark">' in html
    assert 'class="site-header"' in html and "data-shell" not in html
    # The cookie banner sits in the flow between header and content.
    assert html.index('id="cookie-banner"') < html.index('<main id="main"')
    assert html.index('<main id="main"') < html.index('<footer class="site-footer">')


def test_signed_in_pages_have_the_shell(app, client, auth):
    with app.app_context():
        make_user("erika@example.com")
    auth.login("erika@example.com")
    html = client.get("/contacts").get_data(as_text=True)
    assert 'aria-controls="shell-nav" data-nav-toggle' in html
    assert '<p class="shell-title">Kontakte' in html
    nav = html[html.index('id="shell-nav"') : html.index('class="shell-content"')]
    current = re.findall(r'<a href="([^"]+)" aria-current="page"', nav)
    assert current == ["/contacts"]
    for label in ("Posteingang", "Team", "WhatsApp", "Einstellungen", "Konto"):
        assert f"<span>{label}</span>" in nav
    assert "Abmelden" in nav and "Datenschutz" in nav and 'name="lang"' in nav
    assert 'href="/static/vendor/lucide/sprite.svg#book-user"' in nav
    assert nav.count('<footer class="site-footer">') == 1
    assert html.count('<footer class="site-footer">') == 1


def test_a_member_of_two_workspaces_switches_in_the_navigation(app, client, auth):
    with app.app_context():
        olga = make_user("olga@example.com", name="Olga")
        erika = make_user("erika@example.com")  # her own workspace, and Olga's
        db.session.add(
            Membership(workspace=workspace_of(olga), user=erika, role=Role.AGENT)
        )
        db.session.commit()
    auth.login("erika@example.com")
    html = client.get("/account").get_data(as_text=True)
    nav = html[html.index('id="shell-nav"') : html.index('class="shell-content"')]
    assert 'class="workspace-switcher"' in nav and "Workspace Olga" in nav
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', nav) == ["/account"]


def test_an_icon_is_decorative_unless_it_has_a_label(app):
    template = (
        '{% from "_macros.html" import icon %}'
        '{{ icon("send") }}|{{ icon("send", label="Senden", class="icon-sm") }}'
    )
    with app.test_request_context("/"):
        plain, labelled = render_template_string(template).split("|")
    assert 'aria-hidden="true"' in plain and "<title>" not in plain
    assert 'role="img" aria-label="Senden"' in labelled
    assert "<title>Senden</title>" in labelled and 'class="icon icon-sm"' in labelled


def test_the_confirm_dialog_owns_its_form_or_confirms_the_one_around_it(app):
    template = """{% from "_macros.html" import confirm_dialog, confirm_button %}
{{ confirm_button("erase", "Löschen") }}
{% call confirm_dialog("erase", "Kontakt löschen?", "Alles ist dann weg.", "Endgültig löschen",
      action="/contacts/1/erase", hx_target="#contact", hidden={"next": "/contacts"}) %}
  <input name="confirm" required pattern="LÖSCHEN">
{% endcall %}
<form id="outer">{{ confirm_dialog("role", "Rolle ändern?", "Mehr Rechte.", "Ändern", danger=False) }}</form>"""
    with app.test_request_context("/"):
        html = render_template_string(template)
    owned, inside = html.split('<form id="outer">')
    assert 'data-confirm-open="erase" aria-haspopup="dialog"' in owned
    assert (
        '<dialog id="erase" class="confirm-dialog" aria-labelledby="erase-title"'
        in owned
    )
    assert 'aria-describedby="erase-consequence"' in owned
    assert 'hx-post="/contacts/1/erase" hx-target="#contact"' in owned
    assert 'name="csrf_token"' in owned and 'name="next" value="/contacts"' in owned
    # the extra field is part of the form, before the buttons; Abbrechen has the focus
    assert owned.index('pattern="LÖSCHEN"') < owned.index("data-dialog-close autofocus")
    assert owned.index("data-dialog-close autofocus") < owned.index('type="submit"')
    assert "button-destructive" in owned
    assert "<form" not in inside and 'type="submit" class="button">Ändern' in inside
