"""The pages' browser tests: set up and read back the live `leadgate dev` database.

`leadgate dev` (tests/live.py) keeps its data in SQLite in its instance
directory. A second app bound to that file creates what a test needs (its own
users, workspaces and contacts, so the demo workspace other tests rely on stays
as seeded) and reads back what a click in the browser changed.
"""

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from playwright.sync_api import expect

from leadgate import create_app
from leadgate.auth import services
from leadgate.extensions import db
from leadgate.models import Contact, Membership, Role, User, Workspace

from .browser_support import log_in, new_page
from .support import PASSWORD, close_app

_serial = itertools.count(1)


def dev_database_app(dev_server) -> Flask:
    """An app on the dev server's own SQLite file (close it with close_app)."""
    path = dev_server.log_path.parent / "leadgate.sqlite3"
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "only-for-setting-up-browser-tests",
        }
    )


@contextmanager
def dev_database(dev_server) -> Iterator[Flask]:
    app = dev_database_app(dev_server)
    try:
        yield app
    finally:
        close_app(app, empty_tables=False)


def unique(text: str) -> str:
    """A name or address no other test (or run against the same server) uses."""
    number = next(_serial)
    return text.replace("@", f"+{number}@") if "@" in text else f"{text} {number}"


def person(name: str, workspace: Workspace | None = None, role=Role.OWNER) -> User:
    """A user (their own workspace "<name> GmbH" unless one is given); caller commits."""
    email = unique(re.sub(r"\W+", ".", name.lower()) + "@example.com")
    user = services.create_user(name, email, PASSWORD)
    if workspace is None:
        services.create_workspace(user, f"{name} GmbH")
    else:
        db.session.add(Membership(workspace=workspace, user=user, role=role))
    db.session.flush()
    return user


def contact(workspace: Workspace, name: str, number: str, **values) -> Contact:
    """A contact typed in by the team (E.164 number); caller commits."""
    values.setdefault("wa_id", number.removeprefix("+"))
    created = Contact(workspace_id=workspace.id, name=name, phone_e164=number, **values)
    db.session.add(created)
    db.session.flush()
    return created


def signed_in_page(browser, dev_server, email: str, size=(1280, 800), **kwargs):
    """A new browser context signed in as this user: (context, page, problems)."""
    problems: list[str] = []
    context, page = new_page(browser, *size, problems, **kwargs)
    log_in(page, dev_server.url, email, PASSWORD)
    # Password hashing on a busy 2-core machine can take a while.
    expect(page).to_have_url(re.compile(r"/inbox$"), timeout=20000)
    return context, page, problems
