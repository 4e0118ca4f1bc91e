"""Business hours tests: a team with a number, and Meta's emulator for the end-to-end."""

from ..outbound.conftest import (  # noqa: F401 (fixtures)
    channel_key,
    emulator,
    remember_app,
    unhurried_retries,
)
