"""The forms of the business hours pages and of "Automatische Antworten"."""

from datetime import date, time
from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)

# types-WTForms (3.2) does not know SelectChoice yet; WTForms 3.3 wants it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import strip
from ..models.hours import AWAY, CLOSURE_NOTE_LENGTH, WELCOME
from .schedule import parse_time
from .texts import LANGUAGES, MAX_TEXT, PLACEHOLDERS, unknown_placeholders

# Bundesländer by their ISO 3166-2 code, as the `holidays` package names them.
BUNDESLAENDER = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}
WEEKDAYS = range(7)  # Monday first, as date.weekday() counts
# A new schedule starts as the usual office week: Monday to Friday, 9 to 6.
OFFICE_WEEK = {day: [("09:00", "18:00")] if day < 5 else [] for day in WEEKDAYS}


def time_zones() -> list[SelectChoice]:
    """The tz database's zones by region ("Europe/Berlin"), without aliases."""
    names = {
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/"))
    }
    return [SelectChoice(name, name.replace("_", " ")) for name in sorted(names)]


def choices(names: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in names.items()]


class DayForm(Form):
    """One weekday: open or not, and one or two intervals (a lunch break between)."""

    open = BooleanField(_l("geöffnet"))
    opens1 = TimeField(_l("von"), validators=[Optional()])
    closes1 = TimeField(_l("bis"), validators=[Optional()])
    opens2 = TimeField(_l("von"), validators=[Optional()])
    closes2 = TimeField(_l("bis"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.open.data:
            return True
        problem = self.interval_problem()
        if problem:
            field, message = problem
            field.errors = [*field.errors, message]
            return False
        return True

    def interval_problem(self):
        """(field, message) for the first thing wrong with the day's intervals."""
        first = (self.opens1, self.closes1)
        second = (self.opens2, self.closes2)
        if first[0].data is None or first[1].data is None:
            return first[0], _(
                "Bitte Beginn und Ende angeben (oder „geöffnet“ abwählen)."
            )
        if first[1].data <= first[0].data:
            return first[1], _("Das Ende muss nach dem Beginn liegen.")
        if (second[0].data is None) != (second[1].data is None):
            return second[0], _("Für das zweite Zeitfenster Beginn und Ende angeben.")
        if second[0].data is None:
            return None
        if second[1].data <= second[0].data:
            return second[1], _("Das Ende muss nach dem Beginn liegen.")
        if second[0].data < first[1].data:
            return second[0], _("Das zweite Zeitfenster beginnt erst nach dem ersten.")
        return None

    def intervals(self) -> list[list[str]]:
        """The day as stored: [["09:00", "12:30"], …]; none when closed."""
        if not self.open.data:
            return []
        pairs = [
            (self.opens1.data, self.closes1.data),
            (self.opens2.data, self.closes2.data),
        ]
        return [
            [clock(a), clock(b)] for a, b in pairs if a is not None and b is not None
        ]


class HoursForm(FlaskForm):
    """A team's or a number's week, and the workspace's calendar (zone, holidays)."""

    active = BooleanField()
    # One field per weekday, not a FieldList: a list renumbers its entries by the
    # indices a request happens to carry, so a missing day would shift the rest.
    day0 = FormField(DayForm)
    day1 = FormField(DayForm)
    day2 = FormField(DayForm)
    day3 = FormField(DayForm)
    day4 = FormField(DayForm)
    day5 = FormField(DayForm)
    day6 = FormField(DayForm)
    holiday_region = SelectField(
        _l("Bundesland für Feiertage"),
        choices=[SelectChoice("", _l("keine Feiertage"))] + choices(BUNDESLAENDER),
        description=_l(
            "Gilt für den ganzen Workspace: An den gesetzlichen Feiertagen dieses "
            "Bundeslands ist geschlossen."
        ),
    )
    time_zone = SelectField(
        _l("Zeitzone"),
        description=_l("Gilt für den ganzen Workspace: Die Zeiten oben sind Ortszeit."),
    )

    @property
    def days(self) -> list[FormField]:
        """Monday to Sunday."""
        return [getattr(self, f"day{day}") for day in WEEKDAYS]

    def week(self) -> dict[str, list[list[str]]]:
        """The week as BusinessHours.week stores it."""
        return {str(day): entry.form.intervals() for day, entry in enumerate(self.days)}


def hours_form(
    week: dict | None, active: bool, holiday_region, time_zone, *formdata
) -> HoursForm:
    """The form, filled with a stored week (or the office week for a new one).

    `formdata` None: only the stored values (the page shown after another form).
    """
    stored = {int(day): spans for day, spans in week.items()} if week else OFFICE_WEEK
    days = {f"day{day}": day_values(stored.get(day, [])) for day in WEEKDAYS}
    form = HoursForm(
        *formdata,
        data={
            "active": active,
            **days,
            "holiday_region": holiday_region or "",
            "time_zone": time_zone,
        },
    )
    form.time_zone.choices = time_zones()
    return form


def day_values(spans) -> dict:
    times: list[time | None] = [parse_time(v) for span in spans[:2] for v in span]
    times += [None] * (4 - len(times))
    return {
        "open": bool(spans),
        "opens1": times[0] or time(9),
        "closes1": times[1] or time(18),
        "opens2": times[2],
        "closes2": times[3],
    }


def clock(value: time) -> str:
    return value.strftime("%H:%M")


class ClosureForm(FlaskForm):
    first_day = DateField(
        _l("Erster Tag"), validators=[DataRequired(_l("Bitte ein Datum angeben."))]
    )
    last_day = DateField(
        _l("Letzter Tag"),
        validators=[Optional()],
        description=_l("Leer lassen für einen einzelnen Tag."),
    )
    note = StringField(
        _l("Anlass"),
        validators=[Length(max=CLOSURE_NOTE_LENGTH)],
        filters=[strip],
        description=_l("Zum Beispiel: Betriebsurlaub"),
    )

    def validate_last_day(self, field) -> None:
        first = self.first_day.data
        if field.data is not None and first is not None and field.data < first:
            raise ValidationError(_("Der letzte Tag liegt vor dem ersten."))

    def days(self) -> tuple[date, date]:
        first = self.first_day.data
        assert first is not None  # validated
        return first, self.last_day.data or first


class AutoRepliesForm(FlaskForm):
    welcome_on = BooleanField(_l("Begrüßung senden"))
    welcome_text = TextAreaField(_l("Text der Begrüßung"), filters=[strip])
    welcome_text_second = TextAreaField(
        _l("Begrüßung in der zweiten Sprache (optional)"), filters=[strip]
    )
    away_on = BooleanField(_l("Abwesenheitsnotiz senden"))
    away_text = TextAreaField(_l("Text der Abwesenheitsnotiz"), filters=[strip])
    away_text_second = TextAreaField(
        _l("Abwesenheitsnotiz in der zweiten Sprache (optional)"), filters=[strip]
    )
    language = SelectField(_l("Sprache der Texte"), choices=choices(LANGUAGES))
    second_language = SelectField(
        _l("Zweite Sprache"),
        choices=[SelectChoice("", _l("keine"))] + choices(LANGUAGES),
        description=_l(
            "Die Sprache der Kontakte ist nicht bekannt: Ein Text in einer zweiten "
            "Sprache wird unter den ersten gesetzt."
        ),
    )
    period_hours = IntegerField(
        _l("Höchstens eine Antwort jeder Art pro Kontakt innerhalb von (Stunden)"),
        validators=[
            DataRequired(_l("Bitte eine Zahl von 1 bis 720 angeben.")),
            NumberRange(1, 720, _l("Bitte eine Zahl von 1 bis 720 angeben.")),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for kind, on, fields in (
            (WELCOME, self.welcome_on, (self.welcome_text, self.welcome_text_second)),
            (AWAY, self.away_on, (self.away_text, self.away_text_second)),
        ):
            valid = check_texts(kind, on.data, fields) and valid
        if (
            self.second_language.data
            and self.second_language.data == self.language.data
        ):
            self.second_language.errors = [
                *self.second_language.errors,
                _("Bitte eine andere Sprache als die erste wählen."),
            ]
            valid = False
        return valid


def check_texts(kind: str, switched_on: bool, fields) -> bool:
    """Each text: not too long, only its placeholders; the main one when switched on."""
    valid = True
    for index, field in enumerate(fields):
        text = field.data or ""
        problem = None
        if index == 0 and switched_on and not text:
            problem = _("Bitte einen Text angeben, oder die Antwort ausschalten.")
        elif len(text) > MAX_TEXT:
            problem = _("Höchstens %(max)s Zeichen.", max=MAX_TEXT)
        elif unknown_placeholders(kind, text):
            problem = _(
                "Unbekannter Platzhalter %(found)s. Möglich: %(allowed)s",
                found=", ".join(unknown_placeholders(kind, text)),
                allowed=", ".join(PLACEHOLDERS[kind]),
            )
        if problem:
            field.errors = [*field.errors, problem]
            valid = False
    return valid
