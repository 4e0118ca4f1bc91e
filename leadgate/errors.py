"""Error pages in the user's language; htmx requests get a short fragment."""

from typing import TypeVar

from flask import Flask, abort, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError

from .extensions import db
from .htmx import is_fragment_request


def _render(status: int, title: str, text: str):
    template = "errors/_error.html" if is_fragment_request() else "errors/error.html"
    return render_template(template, status=status, title=title, text=text), status


FormT = TypeVar("FormT", bound=FlaskForm)


def valid_form(form_class: type[FormT]) -> FormT:
    """The posted action form, validated; else the request ends as abort_if_invalid."""
    form = form_class()
    abort_if_invalid(form)
    return form


def abort_if_invalid(form: FlaskForm) -> None:
    """End the request with 422 naming the first problem of a posted action form.

    For the one-click actions whose pages offer only valid choices: malformed
    input comes from a crafted or outdated request, so the answer is an error
    in words (the page or, for htmx, a fragment), never a 500.
    """
    if form.validate():
        return
    name, messages = next(iter(form.errors.items()))
    label = form[name].label.text if name in form else ""
    text = str(messages[0])
    abort(422, description=f"{label}: {text}" if label else text)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            _("Sicherheitsprüfung fehlgeschlagen"),
            _(
                "Das Formular war abgelaufen. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."
            ),
        )

    @app.errorhandler(400)
    def bad_request(error):
        return _render(
            400,
            _("Ungültige Anfrage"),
            _("Die Anfrage konnte nicht verarbeitet werden."),
        )

    @app.errorhandler(422)
    def invalid_input(error):
        return _render(422, _("Ungültige Eingabe"), error.description)

    @app.errorhandler(403)
    def forbidden(error):
        return _render(
            403,
            _("Keine Berechtigung"),
            _("Dafür fehlt Ihrer Rolle in diesem Workspace die Berechtigung."),
        )

    @app.errorhandler(404)
    def not_found(error):
        return _render(
            404, _("Nicht gefunden"), _("Diese Seite gibt es nicht oder nicht mehr.")
        )

    @app.errorhandler(429)
    def too_many_requests(error):
        return _render(
            429,
            _("Zu viele Versuche"),
            _("Bitte warten Sie einige Minuten und versuchen Sie es dann erneut."),
        )

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(
            500,
            _("Interner Fehler"),
            _("Etwas ist schiefgelaufen. Bitte versuchen Sie es später erneut."),
        )
