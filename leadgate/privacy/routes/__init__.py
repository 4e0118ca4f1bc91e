"""The privacy blueprint's views, one module per topic.

`blueprint.py` holds `bp` so that the topic modules can add their views to it
while this module imports them (no import at the bottom of a module): importing
`leadgate.privacy.routes` yields `bp` with every view on it.
"""

from . import audit, erasure, export, retention
from .blueprint import bp

__all__ = ["audit", "bp", "erasure", "export", "retention"]
