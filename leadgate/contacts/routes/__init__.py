"""The contacts blueprint's views, one module per topic.

`blueprint.py` holds `bp` so that the topic modules can add their views to it
while this module imports them (no import at the bottom of a module): importing
`leadgate.contacts.routes` yields `bp` with every view on it.
"""

from . import contacts, export, importing, segments
from .blueprint import bp

__all__ = ["bp", "contacts", "export", "importing", "segments"]
