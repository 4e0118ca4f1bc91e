"""Routing tests: a team with agents (support.py); the emulator for the real drain."""

from ..outbound.conftest import (  # noqa: F401 (fixtures)
    channel_key,
    emulator,
    remember_app,
    unhurried_retries,
)
