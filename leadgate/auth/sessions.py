"""Login sessions: one server-side record per login, named by both login cookies.

The Flask session and Flask-Login's remember cookie both carry "user id:token";
the record keeps only the token's hash. load_user accepts a cookie only while
its record is open, so logging out, ending a session from /account or changing
the password signs out every copy of that cookie at once, however long the
cookie itself would live. A login unused for as long as a remember cookie
lives counts as ended too. Ended records stay a while for the account page's
history and abuse checks, then the nightly purge removes them
(ENDED_SESSION_RETENTION_DAYS, privacy/retention/platform.py).
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import abort, current_app, g, request
from flask_login import current_user, login_user
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import joinedload
from ua_parser import parse

from ..cookies.consent import truncate_ip
from ..extensions import db
from ..models import LoginSession, Membership, User, as_utc, utcnow
from ..navigation import client_ip

# last_seen_at is written at most this often: a session's use, not every request.
TOUCH_SECONDS = 5 * 60
# "Online" lasts while a LeadGate window is open: the inbox's live stream keeps
# its login seen every TOUCH_SECONDS (live.py). A login unseen this long (a
# closed browser, a laptop shut) no longer counts, and its agent goes offline,
# so automatic assignment stops giving them conversations.
PRESENCE_LIMIT = timedelta(minutes=15)
# Real browsers stay far below this; it bounds what the parser's regexes see.
USER_AGENT_CHARS = 512


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_summary(user_agent: str) -> str:
    """Browser and system ("Firefox · Windows"), never the full user agent."""
    parsed = parse(user_agent[:USER_AGENT_CHARS])
    parts = [
        part.family
        for part in (parsed.user_agent, parsed.os)
        if part is not None and part.family != "Other"
    ]
    return " · ".join(parts)[:80]


def idle_limit() -> timedelta:
    """How long an unused login stays open: as long as a remember cookie lives."""
    return timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])


def is_open(record: LoginSession, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return record.ended_at is None and as_utc(record.last_seen_at) > now - idle_limit()


def start(user: User, remember: bool = False) -> LoginSession:
    """Open a login session and sign this browser in with it (the caller commits)."""
    token = secrets.token_urlsafe(32)
    record = LoginSession(
        user=user,
        token_hash=hash_token(token),
        device=device_summary(request.user_agent.string or ""),
        ip_prefix=truncate_ip(client_ip()),
        remember=remember,
    )
    db.session.add(record)
    db.session.flush()
    user.login_token = token
    login_user(user, remember=remember)
    g.login_session = record
    return record


def load_user(user_id: str) -> User | None:
    """The user of an open login session named by a cookie's 'id:token', or None."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    record = db.session.scalar(
        select(LoginSession)
        .options(joinedload(LoginSession.user))  # one query per request, as before
        .where(LoginSession.token_hash == hash_token(token))
    )
    if record is None or record.user_id != int(raw_id) or not is_open(record):
        return None
    g.login_session = record
    record.user.login_token = token
    return record.user


def current() -> LoginSession | None:
    """This request's login session (None when nobody is signed in)."""
    if not current_user.is_authenticated:
        return None
    return g.get("login_session")


def touch() -> bool:
    """Note that this session is in use, at most every TOUCH_SECONDS; True if so."""
    record = current()
    if record is None:
        return False
    now = utcnow()
    if (now - as_utc(record.last_seen_at)).total_seconds() < TOUCH_SECONDS:
        return False
    record.last_seen_at = now
    return True


def keep_seen(session_id: int) -> None:
    """The live stream of this login is still open (it runs outside any request)."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
        .values(last_seen_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def end(record: LoginSession, reason: str) -> None:
    if record.ended_at is None:
        record.ended_at = utcnow()
        record.end_reason = reason
        db.session.flush()
        offline_without_sessions(record.user_id)


def end_others(user: User, reason: str, keep: LoginSession | None = None) -> int:
    """End every open session of the user except `keep`; how many were ended."""
    conditions = [
        LoginSession.user_id == user.id,
        LoginSession.ended_at.is_(None),
        LoginSession.last_seen_at > utcnow() - idle_limit(),  # idle ones are over
    ]
    if keep is not None:
        conditions.append(LoginSession.id != keep.id)
    ended = db.session.execute(
        update(LoginSession)
        .where(*conditions)
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    offline_without_sessions(user.id)
    return ended


def end_all(user: User, reason: str) -> int:
    return end_others(user, reason)


def open_sessions(user: User) -> list[LoginSession]:
    """The user's open sessions, most recently used first."""
    records = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    now = utcnow()
    return [record for record in records if is_open(record, now)]


def own_or_404(session_id: int) -> LoginSession:
    """One of the signed-in user's open sessions; another's (or an ended one) is 404."""
    record = db.session.get(LoginSession, session_id)
    if record is None or record.user_id != current_user.id or not is_open(record):
        abort(404)
    return record


def purgeable(cutoff: datetime) -> ColumnElement[bool]:
    """Sessions that ended (or went idle) before the cutoff: the purge removes them."""
    return or_(
        LoginSession.ended_at < cutoff,
        LoginSession.last_seen_at < cutoff - idle_limit(),
    )


def open_session_of(user_id) -> ColumnElement[bool]:
    """Whether the user (an id or a column) has a login that is still open."""
    return (
        select(LoginSession.id)
        .where(
            LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None),
            LoginSession.last_seen_at > utcnow() - idle_limit(),
        )
        .exists()
    )


def offline_without_sessions(user_id: int) -> None:
    """Once a user's last login ends, they are offline in every workspace.

    Automatic assignment gives conversations only to "online" agents
    (routing/pool.py): nobody signed out should receive any. Signing in does
    not make anyone online again: the agent says when they take conversations.
    """
    db.session.execute(
        update(Membership)
        .where(
            Membership.user_id == user_id,
            Membership.status != "offline",
            ~open_session_of(user_id),
        )
        .values(status="offline", status_changed_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


def sweep_offline_statuses() -> int:
    """rq cron: members whose logins all went idle are offline, and so are online
    members with no LeadGate window open for PRESENCE_LIMIT; how many changed.

    Only who had a login at all: a member who never signed in (the demo's
    second agent) keeps the status they were given. "Abwesend" stays: such an
    agent gets no new conversations anyway and keeps their own.
    """
    had_login = (
        select(LoginSession.id)
        .where(LoginSession.user_id == Membership.user_id)
        .exists()
    )
    present = (
        select(LoginSession.id)
        .where(
            LoginSession.user_id == Membership.user_id,
            LoginSession.ended_at.is_(None),
            LoginSession.last_seen_at > utcnow() - PRESENCE_LIMIT,
        )
        .exists()
    )
    changed = db.session.execute(
        update(Membership)
        .where(
            Membership.status != "offline",
            had_login,
            or_(
                ~open_session_of(Membership.user_id),
                and_(Membership.status == "online", ~present),
            ),
        )
        .values(status="offline", status_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed
