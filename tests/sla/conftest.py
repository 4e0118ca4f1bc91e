"""First-response tests need a number and Meta: the emulator over HTTP, as outbound's."""

from ..outbound.conftest import (  # noqa: F401 (fixtures)
    channel_key,
    emulator,
    remember_app,
    unhurried_retries,
)
