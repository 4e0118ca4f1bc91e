"""The words of the welcome and away replies: languages, placeholders, defaults.

The contact's language is not known, so a reply is the text in the workspace's
main language, and below it, if written, the text in a second language. Each
text fills in its placeholders in its own language ({next_opening}: "Montag,
30. März um 09:00 Uhr" or "Monday, 30 March at 9:00 AM").
"""

import re
from datetime import datetime

from babel.dates import format_datetime, format_skeleton, format_time

from ..models import AutoReplySettings
from ..models.hours import AWAY, WELCOME

# Offered for the texts, each named in its own language (no translation needed).
LANGUAGES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "pl": "Polski",
    "uk": "Українська",
    "ru": "Русский",
    "ar": "العربية",
    "fr": "Français",
    "it": "Italiano",
    "es": "Español",
}
# Which placeholders each kind of reply may use.
PLACEHOLDERS = {
    WELCOME: ("{workspace}",),
    AWAY: ("{workspace}", "{next_opening}"),
}
PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
MAX_TEXT = 1000  # each text; main and second together stay far below Meta's 4096

DEFAULT_TEXTS = {
    (WELCOME, "de"): "Hallo und danke für Ihre Nachricht an {workspace}! "
    "Wir melden uns so schnell wie möglich bei Ihnen.",
    (AWAY, "de"): "Danke für Ihre Nachricht! Wir sind gerade nicht erreichbar "
    "und antworten Ihnen ab {next_opening}.",
    (WELCOME, "en"): "Hello and thank you for your message to {workspace}! "
    "We will get back to you as soon as we can.",
    (AWAY, "en"): "Thank you for your message! We are away right now and will "
    "reply from {next_opening}.",
}
# Said of the next opening when it is today or tomorrow (de and en only).
RELATIVE = {
    "de": ("heute um {time} Uhr", "morgen um {time} Uhr"),
    "en": ("today at {time}", "tomorrow at {time}"),
}
FULL = {
    "de": "EEEE, d. MMMM 'um' HH:mm 'Uhr'",
    "en": "EEEE, d MMMM 'at' h:mm a",
}


def unknown_placeholders(kind: str, text: str) -> list[str]:
    """Placeholders in the text that this kind of reply cannot fill in."""
    return [p for p in PLACEHOLDER.findall(text) if p not in PLACEHOLDERS[kind]]


def reply_text(
    settings: AutoReplySettings,
    kind: str,
    workspace: str,
    now: datetime,
    opening: datetime | None = None,
) -> str:
    """The reply to send: the main text, and the second language's below it."""
    main, second = (
        (settings.welcome_text, settings.welcome_text_second)
        if kind == WELCOME
        else (settings.away_text, settings.away_text_second)
    )
    parts = [fill(main, settings.language, workspace, now, opening)]
    if second and second.strip() and settings.second_language:
        parts.append(fill(second, settings.second_language, workspace, now, opening))
    return "\n\n".join(part for part in parts if part)


def fill(
    text: str, language: str, workspace: str, now: datetime, opening: datetime | None
) -> str:
    values = {
        "{workspace}": workspace,
        "{next_opening}": when(opening, now, language) if opening else "",
    }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), text).strip()


def when(opening: datetime, now: datetime, language: str) -> str:
    """The next opening in words of the language, in the zone `opening` carries."""
    days = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    if language in RELATIVE and days in (0, 1):
        clock = format_time(opening, "short", locale=language)
        return RELATIVE[language][days].format(time=clock)
    if language in FULL:
        return format_datetime(opening, FULL[language], locale=language)
    day = format_skeleton("MMMMEEEEd", opening, locale=language)
    return f"{day} {format_time(opening, 'short', locale=language)}"
