"""Lead forms: owners and admins publish them; the public fills them in at /f/<slug>."""

from flask import Blueprint

bp = Blueprint("leadforms", __name__, url_prefix="/settings/lead-forms")


from . import routes  # noqa: E402,F401  (routes on bp)
