"""The visitor's cookie choice: read from and written to our one first-party cookie.

Categories: "notwendig" (always on: session, CSRF, login, this choice),
"praeferenzen" (the persistent language cookie) and "statistik" (first-party,
pseudonymised page-view counting). Until a choice exists no other cookie is set.
"""

import ipaddress
import secrets
from dataclasses import dataclass

from flask import Response, current_app, request

from ..extensions import db
from ..i18n import LANGUAGE_COOKIE
from ..models import CookieConsent
from ..navigation import client_ip

CONSENT_COOKIE = "lg_consent"
STATS_COOKIE = "lg_visitor"
NON_ESSENTIAL_COOKIES = (LANGUAGE_COOKIE, STATS_COOKIE)
ONE_YEAR = 60 * 60 * 24 * 365


@dataclass(frozen=True)
class Choice:
    consent_id: str
    version: str
    preferences: bool
    statistics: bool


def current_choice() -> Choice | None:
    """The choice in the request's cookie, if it is for the current policy version."""
    raw = request.cookies.get(CONSENT_COOKIE, "")
    version, _, rest = raw.partition("|")
    flags, _, consent_id = rest.partition("|")
    if version != current_app.config["COOKIE_POLICY_VERSION"]:
        return None
    if len(flags) != 2 or set(flags) - {"0", "1"} or not consent_id.isalnum():
        return None
    return Choice(consent_id, version, flags[0] == "1", flags[1] == "1")


def allows_preferences() -> bool:
    choice = current_choice()
    return bool(choice and choice.preferences)


def allows_statistics() -> bool:
    choice = current_choice()
    return bool(choice and choice.statistics)


def truncate_ip(address: str) -> str:
    """Keep only the network part: /24 for IPv4, /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def record_choice(preferences: bool, statistics: bool, action: str) -> Choice:
    """Log the choice as proof (Art. 7(1) GDPR) and return it; the caller commits."""
    previous = current_choice()
    consent_id = previous.consent_id if previous else secrets.token_hex(16)
    choice = Choice(
        consent_id, current_app.config["COOKIE_POLICY_VERSION"], preferences, statistics
    )
    db.session.add(
        CookieConsent(
            consent_id=consent_id,
            action=action,
            policy_version=choice.version,
            preferences=preferences,
            statistics=statistics,
            ip_prefix=truncate_ip(client_ip()),
        )
    )
    return choice


def apply_choice(response: Response, choice: Choice) -> None:
    """Store the choice in its cookie and delete cookies it no longer allows."""
    flags = f"{int(choice.preferences)}{int(choice.statistics)}"
    set_cookie(
        response, CONSENT_COOKIE, f"{choice.version}|{flags}|{choice.consent_id}"
    )
    if not choice.preferences:
        delete_cookie(response, LANGUAGE_COOKIE)
    if not choice.statistics:
        delete_cookie(response, STATS_COOKIE)


def set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=ONE_YEAR,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def delete_cookie(response: Response, name: str) -> None:
    if name in request.cookies:
        response.delete_cookie(
            name,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
