"""Cost tests send through the emulator over HTTP, like the outbound tests."""

from ..outbound.conftest import (  # noqa: F401 (fixtures)
    channel_key,
    emulator,
    remember_app,
    unhurried_retries,
)
