"""Public pages: landing, privacy policy, imprint, contact form."""

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..extensions import db, limiter
from ..forms import form_status
from ..models import Inquiry
from .forms import ContactForm

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.get("/datenschutz")
def privacy():
    return render_template("public/datenschutz.html")


@bp.get("/impressum")
def imprint():
    return render_template("public/impressum.html")


@bp.route("/kontakt", methods=["GET", "POST"])
@limiter.limit("5 per hour;20 per day", methods=["POST"])
def contact():
    form = ContactForm()
    if form.validate_on_submit():
        if form.website.data:
            # A bot filled the honeypot: answer like a success, store nothing.
            log.info("Contact form honeypot triggered; submission dropped")
        else:
            db.session.add(
                Inquiry(
                    name=form.name.data.strip(),
                    email=form.email.data.strip(),
                    message=form.message.data.strip(),
                )
            )
            db.session.commit()
        flash(
            _("Vielen Dank! Wir melden uns so bald wie möglich bei Ihnen."), "success"
        )
        return redirect(url_for("public.contact"))
    return render_template("public/kontakt.html", form=form), form_status(form)
