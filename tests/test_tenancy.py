"""Every tenant sees only its own data: another workspace's object is a 404.

Every endpoint of the app has an entry in tests/tenancy_registry.py (the first
test fails for one that has none), and every request aimed at the other
workspace answers as its probe says, shows nothing of theirs and changes no row
(tests/tenancy_guard.py). The last tests prove the guard catches a leak.

The two workspaces are built once for this module (a module-scoped app, as
conftest's `app` empties every table after each test): the probes change
nothing, and each test compares every table before and after its requests.
"""

import pytest
from flask import Blueprint, Flask, abort, request
from sqlalchemy import func, select, update
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from leadgate.extensions import db, limiter
from leadgate.models import Conversation
from leadgate.tenancy import get_scoped_or_404, workspace_required

from .support import AuthActions, close_app, make_app
from .tenancy_guard import (
    ACCOUNT,
    ADMIN,
    THEIRS,
    WORKSPACE,
    check,
    check_anonymous,
    get,
    post,
    problems_of,
    reachable,
    unregistered,
    workspace,
)
from .tenancy_registry import LAYERS, REGISTRY
from .tenancy_world import OUR_EMAIL, build_world


@pytest.fixture(scope="module")
def module_app(database_url, tmp_path_factory):
    app = make_app(database_url, tmp_path_factory.mktemp("media"))
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def world(module_app):
    return build_world(module_app)


@pytest.fixture(scope="module")
def signed_in(module_app, world):
    """A client signed in as the owner of our workspace."""
    client = module_app.test_client()
    assert AuthActions(client).login(OUR_EMAIL).status_code == 302
    return client


@pytest.fixture(autouse=True)
def fresh_limits(module_app):
    """Rate limits start afresh per test, as with conftest's `app`."""
    with module_app.app_context():
        limiter.reset()


def entries(*access: str) -> list[str]:
    return sorted(e for e, entry in REGISTRY.items() if entry.access in access)


def test_every_endpoint_is_registered(module_app):
    missing = unregistered(module_app, REGISTRY)
    assert missing == [], "classify these endpoints in tests/tenancy_registry.py"
    stale = sorted(set(REGISTRY) - reachable(module_app)[1])
    assert stale == [], "these endpoints are gone: remove their entries"


def test_every_layer_before_the_views_is_registered(module_app):
    layers = reachable(module_app)[0]
    assert sorted(layers - set(LAYERS)) == [], "explain them in LAYERS"


# Visitors' and the platform's own records: no workspace's, no account's.
NOT_IN_THE_WORLD = {"cookie_consent", "inquiry", "page_view"}


def test_the_world_has_a_row_in_every_table(module_app, signed_in):
    """So a request that reads, changes or deletes any kind of row is caught."""
    with module_app.app_context():
        empty = [
            table.name
            for table in db.metadata.sorted_tables
            if table.name not in NOT_IN_THE_WORLD
            and not db.session.scalar(select(func.count()).select_from(table))
        ]
    assert empty == [], "give their workspace a row of these in tenancy_world.py"


def test_every_entry_says_why_or_probes_each_method(module_app):
    problems = [
        problem
        for endpoint, entry in REGISTRY.items()
        for problem in problems_of(module_app, endpoint, entry)
    ]
    assert problems == []


@pytest.mark.parametrize("endpoint", entries(WORKSPACE, ACCOUNT, ADMIN))
def test_probes_get_their_answer_show_nothing_of_theirs_change_nothing(
    module_app, signed_in, world, endpoint
):
    check(module_app, signed_in, world, endpoint, REGISTRY[endpoint])


@pytest.mark.parametrize("endpoint", entries(WORKSPACE, ACCOUNT, ADMIN))
def test_without_signing_in_only_the_login_page(module_app, world, endpoint):
    anonymous = module_app.test_client()
    check_anonymous(module_app, anonymous, world, endpoint, REGISTRY[endpoint])


# The guard itself: a leaky endpoint must fail it.


def leaky_blueprint() -> Blueprint:
    """Two leaks the old guard let through, and the same endpoint done right."""
    bp = Blueprint("leak", __name__, url_prefix="/inbox")

    @bp.get("/peek")
    @workspace_required()
    def peek():  # reads any workspace's conversation: an id in the query string
        conversation = db.session.get(Conversation, request.args["conversation_id"])
        return conversation.contact.name or ""

    @bp.post("/poke")
    @workspace_required()
    def poke():  # answers 404, but changed their conversation first
        db.session.execute(
            update(Conversation)
            .where(Conversation.id == request.form.get("conversation_id", type=int))
            .values(state="resolved")
        )
        db.session.commit()
        abort(404)

    @bp.get("/peek-scoped")
    @workspace_required()
    def peek_scoped():
        conversation_id = request.args.get("conversation_id", type=int) or 0
        return get_scoped_or_404(Conversation, conversation_id).contact.name or ""

    return bp


@pytest.fixture
def leaky_app(database_url, tmp_path, world):
    """A throwaway app with the leaky blueprint, on the module's two workspaces."""
    app = make_app(database_url, tmp_path / "media")
    app.register_blueprint(leaky_blueprint())
    yield app
    close_app(app, empty_tables=False)  # the module's world stays


def test_an_unregistered_endpoint_fails_the_guard(leaky_app):
    assert {"leak.peek", "leak.poke"} <= set(unregistered(leaky_app, REGISTRY))


def test_what_is_answered_before_the_views_fails_the_guard(leaky_app):
    """A Flask app mounted in front and a layer of our own are both found."""
    mounted = Flask("mounted")
    mounted.add_url_rule("/peek", "mounted_peek", lambda: "")

    class Peeking:  # a layer that could answer paths by itself
        def __init__(self, wsgi_app):
            self.wsgi_app = wsgi_app

        def __call__(self, environ, start_response):
            return self.wsgi_app(environ, start_response)

    leaky_app.wsgi_app = Peeking(
        DispatcherMiddleware(leaky_app.wsgi_app, {"/mounted": mounted})
    )
    layers, _ = reachable(leaky_app)
    assert sorted(layers - set(LAYERS)) == ["Peeking"]
    assert "mounted_peek" in unregistered(leaky_app, REGISTRY)


@pytest.mark.parametrize(
    "endpoint, probe, failure",
    [
        ("leak.peek", get(conversation_id=THEIRS.conversation), "200 OK"),
        # Registered as if it were a list filter: what it shows gives it away.
        (
            "leak.peek",
            get(conversation_id=THEIRS.conversation, expect=200),
            r"shows their \['Lena Berg'\]",
        ),
        (
            "leak.poke",
            post({"conversation_id": THEIRS.conversation}),
            r"changed rows of \['conversation'\]",
        ),
    ],
)
def test_a_leaky_endpoint_fails_the_guard(leaky_app, world, endpoint, probe, failure):
    client = leaky_app.test_client()
    AuthActions(client).login(OUR_EMAIL)
    try:
        with pytest.raises(AssertionError, match=failure):
            check(leaky_app, client, world, endpoint, workspace(probe))
    finally:  # undo the poke for the tests after this one
        with leaky_app.app_context():
            conversation = db.session.get(Conversation, world.theirs.conversation)
            conversation.state = "open"
            db.session.commit()


def test_the_scoped_endpoint_passes_the_guard(leaky_app, world):
    client = leaky_app.test_client()
    AuthActions(client).login(OUR_EMAIL)
    entry = workspace(get(conversation_id=THEIRS.conversation))
    check(leaky_app, client, world, "leak.peek_scoped", entry)
