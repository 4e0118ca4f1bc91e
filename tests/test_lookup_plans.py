"""Lookups by number use the unique index; the number search uses its trigram index.

A trigram index on a number column also serves `=`: PostgreSQL took it for the
drain's lookup of a batch's senders (1.3 s for 200 numbers among 5,000
contacts). Since migration 0019 the only trigram index on numbers is on the
search's expression (inbox/search.py number_text). These tests read the plans
PostgreSQL makes with real statistics (ANALYZE, no VACUUM: as after a day of
webhooks).
"""

import pytest
from sqlalchemy import func, insert, select, text

from leadgate.extensions import db
from leadgate.inbox.search import number_matches
from leadgate.models import Contact
from leadgate.phones import wa_id_of

from .inbox_support import make_team

CONTACTS = 5000


def number(n: int) -> str:
    return f"+49170{n:07d}"


@pytest.fixture
def workspace_id(app):
    team = make_team(app)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("plans and trigram indexes are PostgreSQL's")
        db.session.execute(
            insert(Contact),
            [
                {
                    "workspace_id": team.workspace_id,
                    "wa_id": wa_id_of(number(n)),
                    "phone_e164": number(n),
                    "attributes": {},
                }
                for n in range(CONTACTS)
            ],
        )
        db.session.commit()
        db.session.execute(text("ANALYZE contact"))
        db.session.commit()
    return team.workspace_id


def plan(statement) -> str:
    """EXPLAIN of a statement with its values inlined (the plan a first run gets)."""
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    return "\n".join(db.session.scalars(text(f"EXPLAIN {sql}")))


def test_a_batch_of_numbers_is_found_by_the_unique_index(app, workspace_id):
    batch = [wa_id_of(number(n)) for n in range(0, CONTACTS, CONTACTS // 200)]
    with app.app_context():
        found = plan(
            select(Contact.id).where(
                Contact.workspace_id == workspace_id, Contact.wa_id.in_(batch)
            )
        )
        phones = plan(
            select(Contact.id).where(
                Contact.workspace_id == workspace_id,
                Contact.phone_e164.in_([number(n) for n in range(200)]),
            )
        )
    assert "trgm" not in found
    assert "trgm" not in phones


@pytest.mark.parametrize("typed", ["0170 00012", "7000012"])  # leading, any part
def test_the_number_search_uses_its_trigram_index(app, workspace_id, typed):
    with app.app_context():
        # The index can serve the search's expression (without the workspace,
        # which every row of this test shares, and without a full scan).
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        searched = plan(
            select(func.count()).select_from(Contact).where(number_matches(typed, "DE"))
        )
        hits = db.session.scalar(
            select(func.count()).where(
                Contact.workspace_id == workspace_id, number_matches(typed, "DE")
            )
        )
    assert "ix_contact_number_trgm" in searched
    assert hits == 100  # +49 170 00012xx: the same hundred either way
