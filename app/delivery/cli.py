"""`flask deliveries`: the retry run for summaries that could not be sent."""

from __future__ import annotations

import click

from app.delivery import services
from app.models.base import utcnow


@click.command("deliveries")
def deliveries() -> None:
    """Send the summaries whose delivery failed and is due again (run from cron every few minutes)."""
    now = utcnow()
    due = services.count_due(now)
    sent = services.retry_due(now)
    click.echo(f"Deliveries due: {due}; sent: {sent}; failed: {due - sent}.")
