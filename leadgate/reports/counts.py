"""Messages per hour for the reports: counted where messages are stored, written once
per commit.

`count` notes a message in the session (no statement); just before the session
commits, the hour counts it collected go out as one upsert that adds them to
`report_message_hour` (a rollback forgets them). So a drain batch of hundreds of
messages, or a campaign's batch of sends, costs one statement, and a count is
written exactly when its message is.
"""

from collections import Counter
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import ReportMessageHour, as_utc

KEY = "report_message_hours"
NO_TEAM = 0


def count(
    workspace_id: int,
    channel_id: int,
    team_id: int | None,
    at: datetime,
    direction: str,
) -> None:
    """One message in ("in") or out ("out") at `at`; written with the next commit."""
    hour = as_utc(at).replace(minute=0, second=0, microsecond=0)
    counts = db.session.info.setdefault(KEY, Counter())
    counts[(workspace_id, channel_id, team_id or NO_TEAM, hour, direction)] += 1


@event.listens_for(Session, "before_commit")
def write_counts(session: Session) -> None:
    counts: Counter | None = session.info.pop(KEY, None)
    if not counts:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(ReportMessageHour)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[
                "workspace_id",
                "channel_id",
                "team_id",
                "hour",
                "direction",
            ],
            set_={"messages": ReportMessageHour.messages + insert.excluded.messages},
        ),
        [
            {
                "workspace_id": workspace_id,
                "channel_id": channel_id,
                "team_id": team_id,
                "hour": hour,
                "direction": direction,
                "messages": messages,
            }
            # Sorted: two commits adding to the same hours lock them in one order.
            for (
                workspace_id,
                channel_id,
                team_id,
                hour,
                direction,
            ), messages in sorted(counts.items())
        ],
    )


# Any rollback, also one with no statement sent yet (LeadGate uses no savepoints,
# so a rollback always ends the transaction the counts belong to).
@event.listens_for(Session, "after_soft_rollback")
def forget_counts(session: Session, previous_transaction) -> None:
    session.info.pop(KEY, None)
