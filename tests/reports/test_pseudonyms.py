"""The reports' pseudonyms: stable while the workspace's secret lasts, different per
workspace, unlinkable after a rotation; the secret is stored encrypted."""

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import ReportKey
from leadgate.reports import pseudonyms
from leadgate.reports.pseudonyms import Pseudonyms

from ..support import make_user, workspace_of


def two_workspaces() -> tuple[int, int]:
    first = workspace_of(make_user("eins@example.com"))
    second = workspace_of(make_user("zwei@example.com"))
    return first.id, second.id


def test_a_value_has_one_pseudonym_per_workspace(app):
    with app.app_context():
        first, second = two_workspaces()
        made = Pseudonyms().of(first, "contact", 42)
        db.session.commit()
        assert Pseudonyms().of(first, "contact", 42) == made  # a later job: the same
        assert len(made) == 32 and int(made, 16) >= 0
        assert Pseudonyms().of(first, "contact", 43) != made
        assert Pseudonyms().of(first, "wamid", 42) != made  # kinds never collide
        assert Pseudonyms().of(second, "contact", 42) != made


def test_the_secret_is_stored_encrypted_and_made_once(app):
    with app.app_context():
        first, _ = two_workspaces()
        secret = pseudonyms.current_secret(first)
        assert pseudonyms.current_secret(first) == secret
        db.session.commit()
        [stored] = db.session.scalars(
            select(ReportKey.secret_encrypted).where(ReportKey.workspace_id == first)
        ).all()
        assert secret.hex() not in stored and len(secret) == 32


def test_after_a_rotation_old_pseudonyms_lead_nowhere(app):
    with app.app_context():
        first, second = two_workspaces()
        before = Pseudonyms().of(first, "contact", 42)
        other = Pseudonyms().of(second, "contact", 42)
        db.session.commit()
        pseudonyms.rotate(first)
        db.session.commit()
        assert Pseudonyms().of(first, "contact", 42) != before
        assert Pseudonyms().of(second, "contact", 42) == other  # only that workspace
        assert (
            db.session.scalar(
                select(db.func.count())
                .select_from(ReportKey)
                .where(ReportKey.workspace_id == first)
            )
            == 1
        )
