"""Fixtures for outbound tests: a live emulator, a webhook receiver, a connected number."""

import pytest

from ..emulator_support import (
    PHONE_ID,
    SECRET,
    TOKEN,
    WABA_ID,
    EmulatorHarness,
    emulator_config,
)
from ..support import owner_with_channel
from . import helpers


@pytest.fixture(autouse=True)
def unhurried_retries(patient_backoff):
    """Every outbound test moves a retry's time itself (see patient_backoff)."""


@pytest.fixture(autouse=True)
def remember_app(app):
    """Helpers open a short app context per step: a long one would keep SQLite's
    write lock between the test client's requests."""
    helpers.APP = app
    yield


@pytest.fixture
def emulator(app, receiver):
    harness = EmulatorHarness(emulator_config(receiver.url))
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    # Generous: a busy CI machine may take a while to answer; the one test of an
    # unanswered send shortens it itself.
    app.config["WHATSAPP_TIMEOUT_SECONDS"] = 5
    yield harness
    harness.server.stop()


@pytest.fixture
def channel_key(app, auth):
    return owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
    )
