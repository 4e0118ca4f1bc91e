"""CSV import: upload, map columns with a preview, import, see what was left out.

Owners and admins only: an import writes consent records for many people at once.
"""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length

from ... import audit
from ...extensions import db
from ...files import clean_filename
from ...forms import form_status, strip
from ...htmx import is_fragment_request, render_page_or_fragment
from ...models import Campaign, ContactImport
from ...security import serves_files
from ...tenancy import current_membership, get_scoped_or_404, manager_required
from ..importing import plan, writes
from ..importing.changes import FILL, OVERWRITE
from ..importing.files import (
    ATTRIBUTE,
    MAX_BYTES,
    TARGETS,
    ImportFileError,
    mapping_problems,
    samples,
)
from .blueprint import bp


class UploadForm(FlaskForm):
    file = FileField(
        _l("CSV-Datei"),
        validators=[FileRequired(_l("Bitte eine CSV-Datei auswählen."))],
        description=_l(
            "Erste Zeile mit den Spaltennamen; getrennt durch Semikolon, Komma oder "
            "Tabulator; höchstens 10 MB und 50.000 Zeilen."
        ),
        render_kw={"accept": ".csv,.txt,.tsv,text/csv"},
    )


class MappingForm(FlaskForm):
    update_mode = RadioField(
        _l("Schon vorhandene Kontakte"),
        choices=[
            SelectChoice(FILL, _l("Leere Felder ergänzen")),
            SelectChoice(OVERWRITE, _l("Überschreiben")),
        ],
        default=FILL,
        description=_l(
            "„Leere Felder ergänzen“ lässt Namen, E-Mail-Adressen und Felder, die "
            "das Team schon eingetragen hat, wie sie sind. Leere Zellen löschen nie "
            "etwas."
        ),
    )
    consent_text = TextAreaField(
        _l("Einwilligungstext"),
        validators=[Length(max=5000)],
        filters=[strip],
        description=_l(
            "Der genaue Wortlaut, dem die Personen zugestimmt haben. Nötig, wenn die "
            "Datei Einwilligungen enthält, aber keine Spalte mit diesem Text."
        ),
    )

    def column_fields(self) -> list[SelectField]:
        return [f for f in self if f.name.startswith("column_")]

    def mapping(self) -> dict[str, str]:
        return {f.label.text: f.data for f in self.column_fields()}


def mapping_form(
    contact_import: ContactImport, columns: list[str], fields: dict
) -> MappingForm:
    """The form with one select per column of this file."""
    choices = [SelectChoice(key, label) for key, label in TARGETS.items()]
    choices += [
        SelectChoice(ATTRIBUTE + key, _("Feld: %(label)s", label=f.label))
        for key, f in fields.items()
    ]

    class Form(MappingForm):
        pass

    for index, column in enumerate(columns):
        default = contact_import.mapping.get(column, "ignore")
        setattr(
            Form,
            f"column_{index}",
            SelectField(column, choices=choices, default=default),
        )
    return Form(
        data={
            "consent_text": contact_import.consent_text,
            "update_mode": contact_import.update_mode or FILL,
        }
    )


@bp.route("/import", methods=["GET", "POST"])
@manager_required
def import_upload():
    """Upload a file; with ?campaign=<id> it becomes that campaign's audience."""
    campaign = campaign_of_import()
    if campaign is not None and not campaign.editable:
        flash(_("Die Zielgruppe einer gestarteten Kampagne ändert sich nicht mehr."))
        return redirect(url_for("campaigns.show", campaign_id=campaign.id), 303)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            contact_import = plan.start_import(
                current_membership().workspace_id,
                current_user,
                upload.filename,
                upload.read(MAX_BYTES + 1),
                campaign_id=campaign.id if campaign else None,
            )
        except ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(
                url_for("contacts.import_mapping", import_id=contact_import.id), 303
            )
    return render_template(
        "contacts/import_upload.html", form=form, campaign=campaign
    ), form_status(form)


def campaign_of(contact_import: ContactImport) -> Campaign | None:
    """The campaign the file is the audience of (checked in the workspace at upload)."""
    if contact_import.campaign_id is None:
        return None
    return db.session.get(Campaign, contact_import.campaign_id)


def campaign_of_import() -> Campaign | None:
    """The campaign named by ?campaign=, in this workspace (else 404), or None."""
    campaign_id = request.args.get("campaign", type=int)
    if campaign_id is None:
        return None
    return get_scoped_or_404(Campaign, campaign_id)


@bp.route("/import/<int:import_id>", methods=["GET", "POST"])
@manager_required
def import_mapping(import_id: int):
    """Map columns; a valid mapping is saved and previewed (htmx: on every change)."""
    contact_import = get_scoped_or_404(ContactImport, import_id)
    if contact_import.state == "done":
        return redirect(url_for("contacts.import_result", import_id=import_id), 303)
    workspace = current_membership().workspace
    table = plan.load_table(contact_import)
    fields = plan.custom_fields(workspace.id)
    form = mapping_form(contact_import, table.columns, fields)
    problems = save_mapping(form, contact_import, fields)
    if form.is_submitted() and not problems:
        db.session.commit()
        if not is_fragment_request():
            return redirect(
                url_for("contacts.import_mapping", import_id=import_id), 303
            )
    response = render_page_or_fragment(
        "contacts/import_mapping.html",
        "contacts/_import_preview.html",
        contact_import=contact_import,
        campaign=campaign_of(contact_import),
        form=form,
        columns=list(zip(form.column_fields(), samples(table), strict=True)),
        problems=problems,
        preview=None if problems else plan.preview_of(contact_import, workspace, table),
    )
    response.status_code = 422 if problems and form.is_submitted() else 200
    return response


def save_mapping(form: MappingForm, contact_import: ContactImport, fields) -> list[str]:
    """Why the mapping shown cannot be imported; a valid submitted one is saved."""
    if not form.is_submitted():
        mapping, text = contact_import.mapping, contact_import.consent_text
        return mapping_problems(mapping, text, fields)
    form.validate()
    problems = [e for errors in form.errors.values() for e in errors]
    problems += mapping_problems(form.mapping(), form.consent_text.data, fields)
    if not problems:
        contact_import.mapping = form.mapping()
        contact_import.consent_text = form.consent_text.data or None
        contact_import.update_mode = form.update_mode.data
    return problems


@bp.post("/import/<int:import_id>/run")
@manager_required
def import_run(import_id: int):
    """Import with the saved mapping (the one the preview showed)."""
    contact_import = get_scoped_or_404(ContactImport, import_id)
    if contact_import.state == "uploaded":
        workspace = current_membership().workspace
        fields = plan.custom_fields(workspace.id)
        if mapping_problems(
            contact_import.mapping, contact_import.consent_text, fields
        ):
            flash(
                _("Bitte zuerst die Zuordnung der Spalten vervollständigen."), "error"
            )
            return redirect(
                url_for("contacts.import_mapping", import_id=import_id), 303
            )
        if writes.run_import(contact_import, workspace, current_user):
            audit.record(
                workspace.id,
                "contacts.imported",
                contact_import,
                rows=contact_import.total_rows,
                created=contact_import.created_count,
                updated=contact_import.updated_count,
                left_out=len(contact_import.invalid_rows or []),
            )
        db.session.commit()
    return redirect(url_for("contacts.import_result", import_id=import_id), 303)


@bp.get("/import/<int:import_id>/result")
@manager_required
def import_result(import_id: int):
    contact_import = get_scoped_or_404(ContactImport, import_id)
    if contact_import.state != "done":
        return redirect(url_for("contacts.import_mapping", import_id=import_id), 303)
    return render_template(
        "contacts/import_result.html",
        contact_import=contact_import,
        campaign=campaign_of(contact_import),
        rejected=plan.rejected_rows(contact_import),
        can_download=plan.has_download(contact_import),
    )


@bp.get("/import/<int:import_id>/invalid.csv")
@serves_files
@manager_required
def import_invalid_csv(import_id: int):
    """The rows left out, as uploaded plus a reason column, to fix and import again."""
    contact_import = get_scoped_or_404(ContactImport, import_id)
    text = plan.invalid_rows_csv(contact_import)
    if text is None:
        abort(404)
    # Cleaned again: imports stored before names were cleaned on upload.
    stem = clean_filename(contact_import.filename, "import").rsplit(".", 1)[0]
    response = send_file(
        io.BytesIO(text.encode()),
        mimetype="text/csv",
        as_attachment=True,
        download_name=clean_filename(
            _("%(name)s-nicht-importiert.csv", name=stem or "import")
        ),
    )
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response
