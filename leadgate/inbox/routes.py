"""The shared inbox. For now the workspace's start page; conversations come next."""

from flask import Blueprint, render_template

from ..tenancy import current_membership, workspace_required

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("")
@workspace_required()
def index():
    return render_template("inbox/index.html", membership=current_membership())
