"""Every page, walked in a real browser against `leadgate dev` (issue 14, "Done when").

The pages come from app.url_map: every GET rule is either walked (its URL
parameters filled with the demo workspace's ids) or named in SKIP with the
reason it is no page, so a new page joins the walk or the test fails. Signed-in
pages are walked as the demo owner, the platform's pages as a platform admin,
the public and sign-in pages signed out: one browser, one login each, one tab
reused, at 360×640 and 1280×800, light and dark. On each page nothing sticks
out sideways (horizontal_overflow == 0) and axe-core finds no violation (in
dark only its colour rules run: the scheme changes nothing else).
Screenshots of the settings, contact and account pages: tests/artifacts/pages-*.
"""

import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from leadgate.demo import DEMO_EMAIL, DEMO_LEAD_FORM, DEMO_PASSWORD, EARLIER_CONTACT
from leadgate.demo_campaign import DRAFT_NAME, SENT_NAME
from leadgate.extensions import db
from leadgate.models import (
    Campaign,
    Channel,
    Contact,
    Conversation,
    LeadForm,
    Rule,
    Team,
    Workspace,
    utcnow,
)
from leadgate.whatsapp.emulator import DEMO_NUMBER

from .browser_pages_support import contact, dev_database, person, signed_in_page
from .browser_support import (
    COLOUR_RULES,
    axe_violations,
    format_violations,
    horizontal_overflow,
    log_in,
    new_page,
    require_chromium,
    screenshot,
)

require_chromium()

from playwright.sync_api import expect  # noqa: E402

# GET rules that are not pages, each with the reason.
SKIP = {
    "static": "files (CSS, JS, icons), not pages",
    "inbox.events": "the live event stream (server-sent events)",
    "inbox.media": "a download: an attachment's bytes",
    "inbox.lookup": "an htmx fragment of the composer (canned responses)",
    "inbox.presence_fragment": "an htmx fragment of the thread ('… schreibt gerade')",
    "inbox.template_fields": "an htmx fragment of the composer (template fields)",
    "inbox.newer_messages": "an htmx fragment of the thread (newer messages)",
    "inbox.older_messages": "an htmx fragment of the thread (older messages)",
    "contacts.export": "a CSV download",
    "reports.overview_csv": "a CSV download (the Überblick's figures)",
    "campaigns.evidence_csv": "a CSV download (the campaign's consent evidence)",
    "contacts.import_invalid_csv": "a CSV download (the rows left out)",
    "webhooks.verify": "Meta's webhook handshake: plain text for Meta",
    "account.confirm_email": (
        "applies the mailed token on GET (a side effect); with another token it "
        "only redirects to /account, which the walk covers"
    ),
}
# Walked signed out: the product's public pages and the ways in.
SIGNED_OUT = {
    "public.index",
    "public.privacy",
    "public.imprint",
    "public.contact",
    "cookies.settings",
    "auth.login",
    "auth.login_code",
    "auth.register",
    "auth.registration_sent",
    "auth.password_reset_request",
    "auth.password_reset",
    "auth.confirm_registration",
    "workspaces.accept_invite",
    "leadform_public.show",
    "leadform_public.thanks",
}
# The blueprints whose pages only platform admins see.
PLATFORM = {"admin", "cost_rates"}
# Pages that answer with an error page on purpose (the page is still walked).
EXPECTED_STATUS = {"workspaces.accept_invite": 404}  # no such invite
# GET rules that send the demo elsewhere (the page they lead to is walked instead).
REDIRECTED = {
    "auth.confirm_registration": "no valid sign-up token: to the sign-up",
    "auth.login_code": "no sign-in waits for a code: to the login",
    "auth.password_reset": "no valid reset token: to the reset request",
}
NO_TOKEN = "kein-gueltiger-token"
WIZARD_STEPS = ("basics", "audience", "template", "schedule", "review")
SIZES = [(360, 640), (1280, 800)]
SCHEMES = ["light", "dark"]


@dataclass
class Walk:
    """The URLs to walk, by who walks them, and the demo's ids they carry."""

    owner: dict[str, str]
    signed_out: dict[str, str]
    platform: dict[str, str]
    admin_email: str


def demo_ids(app) -> dict:
    with app.app_context():
        contact = db.session.scalars(
            select(Contact).where(Contact.wa_id == EARLIER_CONTACT["wa_id"])
        ).first()
        conversation = db.session.scalars(
            select(Conversation).where(Conversation.contact_id == contact.id)
        ).first()
        channel = db.session.scalars(
            select(Channel).where(
                Channel.phone_number_id == DEMO_NUMBER["phone_number_id"]
            )
        ).one()
        form = db.session.scalars(
            select(LeadForm).where(LeadForm.slug == DEMO_LEAD_FORM)
        ).one()
        team = db.session.scalars(
            select(Team).where(
                Team.workspace_id == channel.workspace_id, Team.name == "Vertrieb"
            )
        ).one()
        rule = db.session.scalars(
            select(Rule).where(
                Rule.workspace_id == channel.workspace_id,
                Rule.name == "Bewerbung → Recruiting",
            )
        ).one()
        sent, draft = demo_campaigns(app)
        return {
            "campaign_id": sent,
            "draft_id": draft,
            "contact_id": contact.id,
            "conversation_id": conversation.id,
            "channel_id": channel.id,
            "form_id": form.id,
            "team_id": team.id,
            "rule_id": rule.id,
            "slug": DEMO_LEAD_FORM,
            "token": NO_TOKEN,
        }


def demo_campaigns(app, timeout: float = 60) -> tuple[int, int]:
    """The demo's sent campaign (once finished) and its draft (demo_campaign.py).

    `leadgate dev` seeds them with a job a few seconds after it starts.
    """
    deadline = time.monotonic() + timeout
    while True:
        rows = dict(
            db.session.execute(
                select(Campaign.name, Campaign.id).where(
                    Campaign.state.in_(("finished", "draft"))
                )
            ).all()
        )
        if SENT_NAME in rows and DRAFT_NAME in rows:
            return rows[SENT_NAME], rows[DRAFT_NAME]
        assert time.monotonic() < deadline, f"the demo campaigns did not appear: {rows}"
        db.session.rollback()
        time.sleep(0.5)


def url_for_rule(rule, values: dict) -> str:
    """The rule's path with its parameters filled in."""
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), path)
    return path


CSV = (
    "Name;Telefon;E-Mail\n"
    "Rundgang Rita;0151 22223333;rita@example.com\n"
    "Rundgang Rolf;+49 151 22224444;keine-adresse\n"
    "Ohne Nummer;;nobody@example.com\n"
)


def upload_import(page, base_url: str, name: str) -> int:
    """A CSV uploaded through the page; its mapping page's import id."""
    page.goto(base_url + "/contacts/import")
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Hochladen und Spalten zuordnen").click()
    expect(page).to_have_url(re.compile(r"/contacts/import/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def imports(page, base_url: str) -> dict[str, int]:
    """One import waiting at its mapping, one imported (its result page)."""
    mapping = upload_import(page, base_url, "rundgang-zuordnung.csv")
    result = upload_import(page, base_url, "rundgang-ergebnis.csv")
    page.get_by_role("button", name=re.compile(r"Kontakte? importieren")).click()
    expect(page).to_have_url(re.compile(rf"/contacts/import/{result}/result$"))
    return {"contacts.import_mapping": mapping, "contacts.import_result": result}


@pytest.fixture(scope="module")
def walk(dev_server, owner_page) -> Walk:
    with dev_database(dev_server) as app:
        ids = demo_ids(app)
        with app.app_context():
            # Taking back an objection needs one: a contact of the demo who objected.
            workspace_id = db.session.get(Contact, ids["contact_id"]).workspace_id
            objected = contact(
                db.session.get(Workspace, workspace_id),
                "Rundgang Wido Widerspruch",
                "+4915122225555",
                opted_out_at=utcnow(),
            )
            admin = person("Paula Plattform")
            admin.is_platform_admin = True
            db.session.commit()
            admin_email, objected_id = admin.email, objected.id
        rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    import_ids = imports(owner_page, dev_server.url)
    endpoints = {r.endpoint for r in rules}
    assert set(SKIP) <= endpoints, f"gone, remove from SKIP: {set(SKIP) - endpoints}"
    unclassified = endpoints - set(SKIP)
    owner, signed_out, platform = {}, {}, {}
    for rule in sorted(rules, key=lambda r: r.rule):
        if rule.endpoint not in unclassified:
            continue
        values = {**ids, "import_id": import_ids.get(rule.endpoint)}
        if rule.endpoint == "consent.withdraw_objection":
            values["contact_id"] = objected_id
        if rule.endpoint == "campaigns.edit":  # the draft's steps, each a page
            for step in WIZARD_STEPS:
                url = url_for_rule(rule, {"campaign_id": ids["draft_id"], "step": step})
                owner[f"campaigns.edit {step}"] = url
            continue
        missing = [name for name in rule.arguments if values.get(name) is None]
        assert not missing, f"{rule.endpoint}: no demo value for {missing}"
        url = url_for_rule(rule, values)
        if rule.endpoint in SIGNED_OUT:
            signed_out[rule.endpoint] = url
        elif rule.endpoint.split(".")[0] in PLATFORM:
            platform[rule.endpoint] = url
        else:
            owner[rule.endpoint] = url
    # The import's upload page for the draft campaign's one-off list.
    owner["contacts.import_upload campaign"] = (
        f"/contacts/import?campaign={ids['draft_id']}"
    )
    return Walk(owner, signed_out, platform, admin_email)


@pytest.fixture(scope="module")
def owner_page(browser, dev_server):
    """The demo owner's tab, signed in once for the whole walk."""
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    log_in(page, dev_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/inbox$"), timeout=20000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def visitor_page(browser, dev_server):
    """A signed-out tab that has answered the cookie banner."""
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    page.goto(dev_server.url + "/")
    page.locator("#cookie-banner").get_by_role(
        "button", name="Alle akzeptieren"
    ).click()
    yield page
    context.close()


@pytest.fixture(scope="module")
def platform_page(browser, dev_server, walk):
    context, page, _ = signed_in_page(browser, dev_server, walk.admin_email)
    yield page
    context.close()


def check_pages(page, base_url: str, urls: dict[str, str], size, scheme) -> list:
    """Visit each page; return what is wrong, one line per page and finding."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.emulate_media(color_scheme=scheme)
    found = []
    for endpoint, url in urls.items():
        response = page.goto(base_url + url)
        status = response.status if response else 0
        where = f"{endpoint} {url} at {size[0]}px {scheme}"
        if status != EXPECTED_STATUS.get(endpoint, 200):
            found.append(f"{where}: status {status} ({page.url})")
        landed = urlsplit(page.url).path
        if (landed != urlsplit(url).path) != (endpoint in REDIRECTED):
            found.append(f"{where}: landed on {landed}")
        overflow = horizontal_overflow(page)
        if overflow:
            found.append(f"{where}: sticks out {overflow}px sideways")
        # The dark scheme changes colours only: the other rules ran in light.
        violations = axe_violations(page, only=COLOUR_RULES if scheme == "dark" else ())
        if violations:
            found.append(f"{where}: axe\n  " + format_violations(violations))
    return found


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_page_fits_and_passes_axe(
    dev_server, walk, owner_page, visitor_page, platform_page, size, scheme
):
    assert len(walk.owner) > 30 and len(walk.signed_out) == len(SIGNED_OUT)
    found = check_pages(owner_page, dev_server.url, walk.owner, size, scheme)
    found += check_pages(platform_page, dev_server.url, walk.platform, size, scheme)
    found += check_pages(visitor_page, dev_server.url, walk.signed_out, size, scheme)
    assert found == [], "\n".join(found)


SCREENSHOTS = {
    "contacts": "contacts.index",
    "contact": "contacts.show",
    "contact-import": "contacts.import_mapping",
    "segments": "contacts.segment_list",
    "campaign-review": "campaigns.review",
    "campaigns": "campaigns.index",
    "campaign": "campaigns.show",
    "campaign-wizard-template": "campaigns.edit template",
    "campaign-wizard-review": "campaigns.edit review",
    "account": "account.index",
    "settings-workspace": "workspaces.settings",
    "settings-team": "workspaces.members",
    "settings-channels": "channels.index",
    "settings-channel": "channels.show",
    "settings-templates": "channels.templates",
    "settings-canned": "canned.index",
    "settings-labels": "labels.index",
    "settings-teams": "teams.index",
    "settings-automations": "automation.index",
    "settings-automation-form": "automation.edit",
    "settings-team-numbers": "teams.show",
    "settings-team-hours": "hours.team_hours",
    "settings-auto-replies": "hours.auto_replies",
    "settings-contact-fields": "contact_fields.index",
    "settings-lead-forms": "leadforms.index",
    "settings-lead-form": "leadforms.edit",
    "settings-whatsapp-costs": "costs.index",
    "reports-overview": "reports.overview_page",
    "settings-retention": "privacy.retention",
    "settings-audit": "privacy.audit_trail",
    "settings-transfer": "privacy.transfer_ownership",
    "settings-workspace-delete": "privacy.delete_workspace",
}


@pytest.mark.parametrize(
    "size", [(390, 844), (1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_screenshots_of_the_pages(dev_server, walk, owner_page, size):
    """tests/artifacts/pages-<name>-<size>.png; at 390 px too nothing sticks out."""
    owner_page.set_viewport_size({"width": size[0], "height": size[1]})
    owner_page.emulate_media(color_scheme="light")
    wide = []
    for name, endpoint in SCREENSHOTS.items():
        owner_page.goto(dev_server.url + walk.owner[endpoint])
        if horizontal_overflow(owner_page):
            wide.append(endpoint)
        screenshot(owner_page, f"pages-{name}-{size[0]}x{size[1]}", full_page=True)
    assert wide == []
