"""Platform administration: inquiries from the contact form and usage statistics."""

import functools
from datetime import timedelta

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..extensions import db
from ..models import Inquiry, PageView, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


def platform_admin_required(view):
    @login_required
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        # Non-admins get a 404: the admin area is not advertised.
        if not current_user.is_platform_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/inquiries")
@platform_admin_required
def inquiries():
    rows = db.session.scalars(
        select(Inquiry).order_by(Inquiry.created_at.desc()).limit(200)
    ).all()
    return render_template("admin/inquiries.html", inquiries=rows)


@bp.get("/statistics")
@platform_admin_required
def statistics():
    since = utcnow() - timedelta(days=30)
    rows = db.session.execute(
        select(
            PageView.endpoint,
            func.count().label("views"),
            func.count(func.distinct(PageView.visitor_hash)).label("visitors"),
        )
        .where(PageView.created_at >= since)
        .group_by(PageView.endpoint)
        .order_by(func.count().desc())
    ).all()
    return render_template("admin/statistics.html", rows=rows)
