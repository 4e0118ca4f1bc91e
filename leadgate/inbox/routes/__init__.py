"""The inbox's views, one module per topic; canned responses and labels have
blueprints of their own (their settings pages sit under /settings).

`blueprint.py` holds the inbox `bp` so that the topic modules can add their
views to it while this module imports them (no import at the bottom of a
module): importing `leadgate.inbox.routes` yields `bp` with every view on it.
"""

from . import canned, compose, conversations, layout, team
from .blueprint import bp

__all__ = ["bp", "canned", "compose", "conversations", "layout", "team"]
