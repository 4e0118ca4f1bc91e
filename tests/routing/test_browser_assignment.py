"""In a real browser: the status in the header, and round robin over the Kundenhandy.

The demo's number is lent to a team of its own for the test (Vertrieb is
switched off meanwhile), so the conversations other tests left waiting in the
demo stay out of it; everything is put back afterwards.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Contact,
    Conversation,
    Membership,
    Team,
    TeamMember,
    User,
)

from ..browser_pages_support import dev_database, unique
from ..browser_support import (
    assert_fits_width,
    axe_violations,
    format_violations,
    log_in,
    new_page,
    require_chromium,
    screenshot,
    wait_until_wired,
)
from ..test_browser_live import customer_writes

require_chromium()

from playwright.sync_api import expect  # noqa: E402


@dataclass(frozen=True)
class Lent:
    team_id: int
    users: dict[int, str]  # user id → name


@pytest.fixture
def lent_number(dev_server):
    """The demo number in a round robin team of the demo user and the demo agent."""
    from leadgate.demo import DEMO_EMAIL
    from leadgate.whatsapp.emulator import DEMO_NUMBER

    with dev_database(dev_server) as app, app.app_context():
        channel = db.session.scalar(
            select(Channel).where(
                Channel.phone_number_id == DEMO_NUMBER["phone_number_id"]
            )
        )
        sales_id, channel_id = channel.team_id, channel.id
        people = db.session.execute(
            select(User.id, User.name, User.email, Membership.status)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == channel.workspace_id)
        ).all()
        before = {row.id: row.status for row in people}
        team = Team(
            workspace_id=channel.workspace_id,
            name=unique("Rundgang"),
            assignment_mode="round_robin",
            capacity=50,
        )
        db.session.add(team)
        db.session.flush()
        db.session.add_all(TeamMember(team_id=team.id, user_id=p.id) for p in people)
        db.session.execute(
            update(Team).where(Team.id == sales_id).values(assignment_mode="off")
        )
        channel.team_id = team.id
        db.session.execute(
            update(Membership)
            .where(Membership.workspace_id == channel.workspace_id)
            .values(status="online")
        )
        # The demo user sets herself online in the header (the test's first step).
        demo_user = next(p.id for p in people if p.email == DEMO_EMAIL)
        db.session.execute(
            update(Membership)
            .where(Membership.user_id == demo_user)
            .values(status="away")
        )
        db.session.commit()
        lent = Lent(team.id, {p.id: p.name for p in people})
    try:
        yield lent
    finally:
        with dev_database(dev_server) as app, app.app_context():
            db.session.execute(
                update(Conversation)
                .where(Conversation.team_id == lent.team_id)
                .values(team_id=sales_id)
            )
            db.session.execute(
                update(Channel).where(Channel.id == channel_id).values(team_id=sales_id)
            )
            db.session.execute(
                update(Team)
                .where(Team.id == sales_id)
                .values(assignment_mode="round_robin")
            )
            for user_id, status in before.items():
                db.session.execute(
                    update(Membership)
                    .where(Membership.user_id == user_id)
                    .values(status=status)
                )
            db.session.delete(db.session.get(Team, lent.team_id))
            db.session.commit()


def assignee_of(dev_server, wa_id: str) -> int | None:
    with dev_database(dev_server) as app, app.app_context():
        return db.session.scalar(
            select(Conversation.assignee_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.wa_id == wa_id)
        )


def assigned(page, dev_server, wa_id: str) -> int | None:
    """The conversation's agent, once the drain and its job have run (10 s at most)."""
    for _ in range(100):
        assignee = assignee_of(dev_server, wa_id)
        if assignee is not None:
            return assignee
        page.wait_for_timeout(100)
    return None


def set_status(page, place: str, label: str) -> None:
    control = page.locator(f"#agent-status-{place}")
    control.locator("summary").click()
    button = control.get_by_role("button", name=label)
    expect(button).to_be_visible()
    violations = axe_violations(page, include=[f"#agent-status-{place}"])
    assert violations == [], format_violations(violations)
    button.click()
    summary = page.locator(f"#agent-status-{place} summary")
    expect(summary).to_contain_text(label)
    expect(summary).to_be_focused()
    wait_until_wired(page)


@pytest.mark.parametrize("size", [(360, 740), (1280, 800)], ids=lambda s: f"{s[0]}")
def test_round_robin_gives_the_next_two_conversations_one_to_each(
    browser, dev_server, lent_number, size
):
    from leadgate.demo import DEMO_EMAIL

    problems: list[str] = []
    context, page = new_page(browser, *size, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    place = "top" if size[0] < 900 else "nav"
    status = page.locator(f"#agent-status-{place} summary")
    expect(status).to_contain_text("Abwesend")
    set_status(page, place, "Online")
    screenshot(page, f"agent-status-online-{size[0]}")
    numbers = [f"49151777{n:05d}" for n in (size[0], size[0] + 1)]
    for n, number in enumerate(numbers):
        customer_writes(dev_server, unique("Runde Rita"), number, f"Hallo {n}")
    got = [assigned(page, dev_server, number) for number in numbers]
    assert sorted(got) == sorted(lent_number.users), got  # one each
    names = [lent_number.users[user_id] for user_id in got]
    items = page.locator("#conversation-items")
    for name in names:
        expect(items.get_by_text(name).first).to_be_visible(timeout=10000)
    assert_fits_width(page)
    set_status(page, place, "Abwesend")
    assert problems == []
    context.close()
