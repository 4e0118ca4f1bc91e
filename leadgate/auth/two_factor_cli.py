"""`leadgate two-factor-off EMAIL`: for someone who lost both the app and the codes."""

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import AccessLog
from . import services, sessions, two_factor


@click.command("two-factor-off")
@with_appcontext
@click.argument("email")
def two_factor_off(email: str) -> None:
    """Turn off a user's two-factor login and end their logins (verify them first)."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException("No such user.")
    if not two_factor.is_enabled(user):
        raise click.ClickException("Two-factor login is not on for this user.")
    two_factor.disable(user)
    ended = sessions.end_all(user, "two_factor")
    # No request, so no address: the access log's row says where it came from.
    db.session.add(
        AccessLog(user_id=user.id, event="two_factor_disabled", ip_address="cli")
    )
    db.session.commit()
    click.echo(f"two-factor login turned off for user {user.id}; {ended} logins ended")
