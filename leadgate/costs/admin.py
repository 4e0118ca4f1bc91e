"""Admin → WhatsApp-Tarife: Meta's rates per category and country (platform admin).

A rate changes by adding one with a later "gültig ab": the earlier stays for the
days before, so past months keep the price they had. The same category, country
and day replace the stored rate. Every change is in the audit trail.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..admin.routes import platform_admin_required
from ..extensions import db
from ..forms import form_status
from ..models import WhatsAppRate
from .forms import RateForm
from .words import category_label

bp = Blueprint("cost_rates", __name__, url_prefix="/admin/whatsapp-rates")


@bp.route("", methods=["GET", "POST"])
@platform_admin_required
def index():
    form = RateForm()
    if form.validate_on_submit():
        save_rate(form)
        db.session.commit()
        flash(_("Der Tarif wurde gespeichert."), "success")
        return redirect(url_for("cost_rates.index"), 303)
    rates = db.session.scalars(
        select(WhatsAppRate).order_by(
            WhatsAppRate.country, WhatsAppRate.category, WhatsAppRate.valid_from
        )
    ).all()
    page = render_template(
        "costs/rates.html", form=form, rates=rates, category_label=category_label
    )
    return page, form_status(form)


@bp.post("/<int:rate_id>/delete")
@platform_admin_required
def delete(rate_id: int):
    rate = db.session.get(WhatsAppRate, rate_id) or abort(404)
    audit.record(None, "costs.rate_changed", rate=described(rate, deleted=True))
    db.session.delete(rate)
    db.session.commit()
    flash(_("Der Tarif wurde gelöscht."), "success")
    return redirect(url_for("cost_rates.index"), 303)


def save_rate(form: RateForm) -> None:
    """Add the rate, or replace the one of the same category, country and day."""
    rate = db.session.scalar(
        select(WhatsAppRate).where(
            WhatsAppRate.category == form.category.data,
            WhatsAppRate.country == form.country.data,
            WhatsAppRate.valid_from == form.valid_from.data,
        )
    )
    if rate is None:
        rate = WhatsAppRate(
            category=form.category.data,
            country=form.country.data,
            valid_from=form.valid_from.data,
        )
        db.session.add(rate)
    assert form.eur.data is not None  # DataRequired
    rate.eur, rate.source = form.eur.data, form.source.data or None
    audit.record(None, "costs.rate_changed", rate=described(rate))


def described(rate: WhatsAppRate, deleted: bool = False) -> dict:
    """The audit detail: which rate, and its price unless it was deleted."""
    return {
        "category": rate.category,
        "country": rate.country,
        "eur": None if deleted else str(rate.eur),
        "valid_from": rate.valid_from.isoformat(),
    }
