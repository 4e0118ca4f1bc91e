"""Reports tests: the rules tests' workspace (a number in team Vertrieb, its owner
signed in) and Meta's emulator for sends, as the rules tests have them."""

from ..automation.conftest import (  # noqa: F401 (fixtures)
    channel_key,
    emulator,
    remember_app,
    unhurried_retries,
    world,
)
