"""`flask deliveries`: send the due retries now, by hand (the worker's sweep does it on its own)."""

from __future__ import annotations

import click

from app.delivery import services
from app.models.base import utcnow


@click.command("deliveries")
def deliveries() -> None:
    """Send the summaries whose delivery failed and is due again, now rather than at the next sweep."""
    now = utcnow()
    due = services.count_due(now)
    sent = services.retry_due(now)
    click.echo(f"Deliveries due: {due}; sent: {sent}; failed: {due - sent}.")
