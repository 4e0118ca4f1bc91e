import json

from sqlalchemy import func, select

from leadgate.demo import DEMO_EMAIL, DEMO_PASSWORD, EARLIER_TEXT
from leadgate.extensions import db
from leadgate.models import Conversation, Membership, User, Workspace

from .support import PASSWORD


def test_create_user_prints_ids_as_json(runner, app):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--password",
            PASSWORD,
            "--workspace",
            "Ops GmbH",
            "--platform-admin",
        ]
    )
    assert result.exit_code == 0, result.output
    ids = json.loads(result.output)
    with app.app_context():
        user = db.session.get(User, ids["user_id"])
        assert user.is_platform_admin and user.email == "ops@example.com"
        workspace = db.session.get(Workspace, ids["workspace_id"])
        assert workspace.name == "Ops GmbH" and user.memberships[0].role == "owner"


def test_create_user_refuses_duplicates(runner):
    args = [
        "create-user",
        "--email",
        "ops@example.com",
        "--name",
        "Ops",
        "--password",
        PASSWORD,
    ]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "already exists" in result.output


def test_set_platform_admin(runner, app, client, auth):
    runner.invoke(
        args=[
            "create-user",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--password",
            PASSWORD,
        ]
    )
    auth.login("ops@example.com")
    assert client.get("/admin/inquiries").status_code == 404
    assert runner.invoke(args=["set-platform-admin", "ops@example.com"]).exit_code == 0
    assert client.get("/admin/inquiries").status_code == 200
    assert (
        runner.invoke(args=["set-platform-admin", "nobody@example.com"]).exit_code != 0
    )


def test_demo_seed_is_idempotent(runner, app):
    for _ in range(2):
        result = runner.invoke(args=["demo-seed"])
        assert result.exit_code == 0
        assert "demo@leadgate.example" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Workspace)) == 1
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 2


def test_the_demo_has_a_conversation_whose_window_has_closed(runner, app, client, auth):
    """The demo shows Meta's rule: two days after her message, only templates."""
    runner.invoke(args=["demo-seed"])
    runner.invoke(args=["demo-seed"])  # again: no second copy
    with app.app_context():
        [conversation_id] = db.session.scalars(select(Conversation.id)).all()
    auth.login(DEMO_EMAIL, DEMO_PASSWORD)
    inbox = client.get("/inbox", query_string={"q": "Vertriebsinnendienst"})
    assert 'aria-label="1 ungelesen"' in inbox.get_data(as_text=True)  # and found
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert EARLIER_TEXT in page
    assert "24-Stunden-Fenster ist geschlossen" in page
    assert 'name="text"' not in page  # no free-form composer


def test_worker_needs_redis(runner, app):
    app.config["REDIS_URL"] = None
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
