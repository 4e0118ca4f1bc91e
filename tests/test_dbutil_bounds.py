"""dbutil never shortens a value: an over-long one is refused, never stored cut.

On PostgreSQL the bulk insert cast its arrays to VARCHAR(n)[], and one_of its
lookup array: an explicit cast cuts silently, so an over-long id was stored as
its first n characters (or skipped as a "duplicate" of the row it now named),
and a lookup found the row whose id is that prefix.
"""

import pytest
from sqlalchemy import select

from leadgate.dbutil import bulk_insert_ignoring_conflicts, one_of
from leadgate.extensions import db
from leadgate.models import Label
from leadgate.whatsapp.payloads.limits import width

from .support import make_user, workspace_of

LENGTH = width(Label.name)
TAKEN = "A" * LENGTH


@pytest.fixture
def workspace_id(app):
    with app.app_context():
        workspace = workspace_of(make_user("owner@example.com"))
        db.session.add(Label(workspace_id=workspace.id, name=TAKEN))
        db.session.commit()
        return workspace.id


def names(workspace_id: int) -> list[str]:
    return db.session.scalars(
        select(Label.name).where(Label.workspace_id == workspace_id).order_by(Label.id)
    ).all()


@pytest.mark.parametrize(
    "name",
    (
        "B" * (LENGTH + 1),  # would be stored cut to a new name
        TAKEN + "B",  # would be cut to the taken name and skipped as a duplicate
        "C" * LENGTH + "   ",  # PostgreSQL cuts trailing spaces even unasked
    ),
    ids=("new", "collides", "spaces"),
)
def test_an_over_long_value_is_refused_not_stored_cut(app, workspace_id, name):
    with app.app_context():
        rows = [{"workspace_id": workspace_id, "name": "Kundin"}]
        rows.append({"workspace_id": workspace_id, "name": name})
        with pytest.raises(ValueError, match=f"label.name: longer than {LENGTH}"):
            bulk_insert_ignoring_conflicts(Label.__table__, rows, ("id",))
        db.session.rollback()
        assert names(workspace_id) == [TAKEN]


def test_values_as_long_as_their_column_are_stored_whole(app, workspace_id):
    with app.app_context():
        fits = "ü" * LENGTH  # characters, not bytes
        rows = [{"workspace_id": workspace_id, "name": name} for name in (fits, TAKEN)]
        inserted = bulk_insert_ignoring_conflicts(Label.__table__, rows, ("name",))
        db.session.commit()
        assert [row.name for row in inserted] == [fits]  # TAKEN: a real duplicate
        assert names(workspace_id) == [TAKEN, fits]


def test_a_lookup_by_an_over_long_value_finds_no_row_by_its_prefix(app, workspace_id):
    with app.app_context():
        found = db.session.scalars(
            select(Label.name).where(one_of(Label.name, [TAKEN + "B"]))
        ).all()
        assert found == []
        assert db.session.scalars(
            select(Label.name).where(one_of(Label.name, [TAKEN, "Kundin"]))
        ).all() == [TAKEN]
