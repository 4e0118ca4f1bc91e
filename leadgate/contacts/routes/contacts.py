"""Contact list, the contact page with its consent proof, edits, consent and merges."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import audit
from ...consent import ledger
from ...errors import valid_form
from ...extensions import db
from ...forms import form_status
from ...htmx import is_fragment_request, render_page_or_fragment
from ...inbox import team
from ...inbox.forms import ReasonForm
from ...inbox.listing import Cursor
from ...models import Channel, Contact, Conversation, Label, LeadForm
from ...tenancy import (
    current_membership,
    get_scoped_or_404,
    visible,
    workspace_required,
)
from .. import services
from ..fields import fields_of
from ..forms import ConsentForm, SegmentForm, contact_form
from ..listing import (
    WITHIN_DAYS,
    ContactFilters,
    contact_page,
    labels_of,
    last_contacts,
    launched_campaigns,
    match_count,
)
from ..merge import duplicates_of, merge
from .blueprint import bp


@bp.get("")
@workspace_required()
def index():
    filters = ContactFilters.from_args(request.args)
    after = Cursor.decode(request.args.get("after"))
    workspace_id = current_membership().workspace_id
    contacts, cursor = contact_page(workspace_id, filters, after)
    context = {
        "filters": filters,
        "contacts": contacts,
        "cursor": cursor,
        "labels_by_contact": labels_of([c.id for c in contacts]),
        "last_contact": last_contacts([c.id for c in contacts], visible(Conversation)),
        "segment_form": SegmentForm(formdata=None),
        "saved": None,
    }
    if after is not None and is_fragment_request():  # "Weitere laden"
        return render_template("contacts/_rows.html", **context)
    return render_page_or_fragment(
        "contacts/index.html",
        "contacts/_results.html",
        **context,
        matched=match_count(workspace_id, filters),
        labels=workspace_labels(workspace_id),
        fields=fields_of(workspace_id),
        within_days=WITHIN_DAYS,
        lead_forms=named(LeadForm, workspace_id),
        channels=named(Channel, workspace_id),
        campaigns=launched_campaigns(workspace_id),
    )


@bp.route("/new", methods=["GET", "POST"])
@workspace_required()
def create():
    """A contact entered by hand: the number is required; consent is recorded apart."""
    workspace = current_membership().workspace
    fields = fields_of(workspace.id)
    form = edit_form(fields, phone_required=True)
    if form.validate_on_submit():
        contact, created = services.contact_for_phone(workspace, form.phone.data)
        if not created:
            flash(_("Diesen Kontakt gibt es schon."), "info")
            return redirect(url_for("contacts.show", contact_id=contact.id), 303)
        services.apply_edit(contact, form, fields)
        db.session.commit()
        flash(_("Kontakt angelegt."), "success")
        return redirect(url_for("contacts.show", contact_id=contact.id), 303)
    return render_template("contacts/new.html", form=form), form_status(form)


@bp.route("/<int:contact_id>", methods=["GET", "POST"])
@workspace_required()
def show(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    fields = fields_of(contact.workspace_id)
    form = edit_form(
        fields,
        phone_required=False,
        data=None if request.method == "POST" else initial_data(contact),
    )
    if form.validate_on_submit():
        services.apply_edit(contact, form, fields)
        db.session.commit()
        flash(_("Änderungen gespeichert."), "success")
        return redirect(url_for("contacts.show", contact_id=contact.id), 303)
    return render_contact(contact, form=form, fields=fields), form_status(form)


@bp.post("/<int:contact_id>/consent")
@workspace_required()
def record_consent(contact_id: int):
    """An agent records a consent or its withdrawal obtained outside WhatsApp."""
    contact = get_scoped_or_404(Contact, contact_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return render_contact(contact, consent_form=form), 422
    services.record_agent_consent(
        contact, form.purpose.data, form.action.data, form.wording.data, form.note.data
    )
    db.session.commit()
    flash(_("Die Erklärung ist im Einwilligungsnachweis festgehalten."), "success")
    return redirect(url_for("contacts.show", contact_id=contact.id) + "#consent", 303)


@bp.post("/<int:contact_id>/restrict")
@workspace_required()
def restrict(contact_id: int):
    """Restriction of processing (Art. 18), also for contacts without a conversation."""
    contact = get_scoped_or_404(Contact, contact_id)
    form = valid_form(ReasonForm)
    try:
        team.restrict(contact, current_user, form.reason.data)
    except team.TeamError as refused:
        flash(str(refused), "error")
    return redirect(url_for("contacts.show", contact_id=contact.id), 303)


@bp.post("/<int:contact_id>/lift-restriction")
@workspace_required()
def lift_restriction(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    team.lift_restriction(contact, current_user)
    return redirect(url_for("contacts.show", contact_id=contact.id), 303)


@bp.post("/<int:contact_id>/merge/<int:other_id>")
@workspace_required()
def merge_into(contact_id: int, other_id: int):
    """Keep this contact; everything of the other one moves here."""
    contact = get_scoped_or_404(Contact, contact_id)
    other = get_scoped_or_404(Contact, other_id)
    if other.id == contact.id:
        abort(400)
    audit.record(contact.workspace_id, "contact.merged", contact, merged_id=other.id)
    merge(contact, other)
    db.session.commit()
    flash(_("Die Kontakte wurden zusammengeführt."), "success")
    return redirect(url_for("contacts.show", contact_id=contact.id), 303)


def edit_form(fields, phone_required: bool, **kwargs):
    workspace = current_membership().workspace
    return contact_form(
        fields,
        workspace_labels(workspace.id),
        workspace.phone_region,
        phone_required,
        **kwargs,
    )


def initial_data(contact: Contact) -> dict:
    """What the form shows: the contact's values, custom fields and labels."""
    data = {f"attr_{key}": value for key, value in (contact.attributes or {}).items()}
    return {
        **data,
        "name": contact.name,
        "phone": contact.phone_e164,
        "email": contact.email,
        "labels": sorted(services.label_ids_of(contact.id)),
    }


def render_contact(contact: Contact, form=None, consent_form=None, fields=None):
    fields = fields if fields is not None else fields_of(contact.workspace_id)
    return render_template(
        "contacts/show.html",
        contact=contact,
        form=form
        or edit_form(fields, phone_required=False, data=initial_data(contact)),
        consent_form=consent_form or ConsentForm(formdata=None),
        fields=fields,
        consents=ledger.history(contact.id),
        marketing=ledger.current(contact.id, ledger.MARKETING),
        service=ledger.current(contact.id, ledger.SERVICE),
        conversations=conversations_of(contact.id),
        duplicates=duplicates_of(contact, visible(Contact)),
        labels=labels_of([contact.id])[contact.id],
    )


def conversations_of(contact_id: int) -> list[tuple[Conversation, Channel]]:
    return db.session.execute(
        select(Conversation, Channel)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(Conversation.contact_id == contact_id, visible(Conversation))
        .order_by(Conversation.last_activity_at.desc())
    ).all()


def workspace_labels(workspace_id: int) -> list[Label]:
    return named(Label, workspace_id)


def named(model, workspace_id: int) -> list:
    """The workspace's labels, lead forms or numbers, by name, for choices."""
    return list(
        db.session.scalars(
            select(model).where(model.workspace_id == workspace_id).order_by(model.name)
        )
    )
