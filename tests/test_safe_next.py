"""Redirect targets: only paths on our own site, however they are spelled."""

import pytest

from leadgate.navigation import safe_next

from .support import PASSWORD, make_user

# Each names another host once a browser (or a proxy that decodes) reads it.
FOREIGN = [
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "https://evil.example/x",
    "javascript:alert(1)",
    "evil.example",
    "/inbox\r\nSet-Cookie: x=1",
]
LOCAL = ["/account", "/inbox/7?filter=mine", "/contacts?search=%2F%2Fa", "/a//b"]


@pytest.mark.parametrize("target", FOREIGN)
def test_foreign_targets_fall_back_to_the_default(target):
    assert safe_next(target, "/inbox") == "/inbox"


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_are_kept(target):
    assert safe_next(target, "/inbox") == target


@pytest.mark.parametrize(
    "target", ["///evil.example", "/%2F/evil.example", "/\\evil.example"]
)
def test_login_never_sends_the_user_to_another_host(client, app, target):
    with app.app_context():
        make_user("erika@example.com")
    data = {"email": "erika@example.com", "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"
