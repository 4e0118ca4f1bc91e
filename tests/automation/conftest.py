"""Rules tests: our workspace (support.World), signed in as its owner; for the
end-to-end test, Meta's emulator and its number, as the outbound tests have them."""

import pytest

from ..outbound.conftest import (  # noqa: F401 (fixtures)
    channel_key,
    emulator,
    remember_app,
    unhurried_retries,
)
from .support import World, build_world


@pytest.fixture
def world(app, auth) -> World:
    built = build_world(app)
    auth.login("owner@example.com")
    return built
