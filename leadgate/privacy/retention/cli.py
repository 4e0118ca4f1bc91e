"""`leadgate purge [--dry-run] [--now ISO]`: the nightly purge by hand."""

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from .purge import purge as run_purge


def parse_instant(_context, _parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO 8601 date or time: {value}") from error
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


@click.command("purge")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@click.option(
    "--now",
    callback=parse_instant,
    help="Purge as if it were this time (ISO 8601, UTC unless given).",
)
def purge(dry_run: bool, now: datetime | None) -> None:
    """Delete what has expired and print how much, per workspace (counts only)."""
    report = run_purge(now=now, dry_run=dry_run, via="cli")
    for workspace_id, counts in report["workspaces"].items():
        if any(counts.values()):
            click.echo(f"workspace {workspace_id}: {listing(counts)}")
    click.echo(f"platform: {listing(report['platform'])}")
    checked = len(report["workspaces"])
    if dry_run:
        click.echo(f"dry run: {checked} workspaces checked, nothing was deleted")
    else:
        click.echo(f"{checked} workspaces purged")


def listing(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{kind.replace('_', ' ')} {number}" for kind, number in counts.items()
    )
