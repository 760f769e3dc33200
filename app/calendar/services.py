"""The personal calendar feed: a secret per-user URL and the iCalendar document behind it."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vDuration
from sqlalchemy.orm import contains_eager, joinedload

from app.audit import services as audit
from app.core.timeutil import local_today, zone
from app.extensions import db
from app.models import (
    FOLLOWED_UP,
    AuditAction,
    AuditEvent,
    Citizen,
    Placement,
    ScheduledVisit,
    ScheduledVisitStatus,
    User,
    Workplace,
)
from app.models.base import utcnow

# Enough history to see last month's visits that are still open; older ones only clutter the calendar.
HISTORY_DAYS = 30
# Asks clients that honour it to fetch again hourly; Outlook and Google choose their own interval anyway.
REFRESH_INTERVAL = timedelta(hours=1)


def issue_token(user: User) -> str:
    """Give `user` a new feed secret, replacing (and so invalidating) any earlier one."""
    user.calendar_token = secrets.token_urlsafe(32)
    db.session.commit()
    return user.calendar_token


def revoke(user: User) -> None:
    """Turn the feed off: the current URL stops working and no new one exists until issued."""
    user.calendar_token = None
    db.session.commit()


def user_for_token(token: str | None) -> User | None:
    """The active user whose current feed secret is `token`, or None."""
    if not token:
        return None
    return db.session.scalar(
        sa.select(User).where(User.calendar_token == token, User.is_active_account.is_(True))
    )


def feed_visits(user: User) -> list[ScheduledVisit]:
    """Planned visits of open courses on the user's own caseload, from HISTORY_DAYS ago onward."""
    since = local_today() - timedelta(days=HISTORY_DAYS)
    return list(
        db.session.scalars(
            sa.select(ScheduledVisit)
            .join(ScheduledVisit.placement)
            .join(Placement.citizen)
            .where(
                Citizen.jobformidler_id == user.id,
                Placement.status.in_(FOLLOWED_UP),
                ScheduledVisit.status == ScheduledVisitStatus.PLANNED,
                ScheduledVisit.due_date >= since,
            )
            .options(
                contains_eager(ScheduledVisit.placement).options(
                    contains_eager(Placement.citizen),
                    joinedload(Placement.workplace).joinedload(Workplace.company),
                )
            )
            .order_by(ScheduledVisit.due_date, ScheduledVisit.id)
        ).unique()
    )


def build_feed(user: User, base_url: str) -> bytes:
    """The user's feed as iCalendar bytes; each citizen named in it is logged as a read.

    An event carries only the citizen's first name, the company and the workplace address: the feed
    leaves the app for phones and mail servers, so nothing more sensitive goes in it.
    """
    visits = feed_visits(user)
    config = current_app.config
    locale = user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    stamp = utcnow()
    calendar = Calendar()
    calendar.add("prodid", "-//Eftervaern//Calendar feed//DA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    with force_locale(locale):
        calendar.add("x-wr-calname", _("Efterværn – follow-up visits"))
        for visit in visits:
            calendar.add_component(_event(visit, base_url, stamp))
    _log_feed_read(user, {v.placement.citizen_id for v in visits})
    return calendar.to_ical()


def _log_feed_read(user: User, citizen_ids: set[int]) -> None:
    """Log the citizens in the feed once per day: calendar apps fetch it every 15–60 minutes, and a
    citizen's extract needs each day their data went to the calendar, not each poll."""
    day_start = datetime.combine(local_today(), time.min, tzinfo=zone())
    logged = set(
        db.session.scalars(
            sa.select(AuditEvent.citizen_id).where(
                AuditEvent.user_id == user.id, AuditEvent.purpose == "calendar", AuditEvent.at >= day_start
            )
        )
    )
    new = sorted(citizen_ids - logged) if citizen_ids else ([] if None in logged else [None])
    if new:
        audit.record(AuditAction.READ, "calendar", citizen_ids=new, object_type="calendar", user=user)
        db.session.commit()


def _event(visit: ScheduledVisit, base_url: str, stamp: datetime) -> Event:
    """One planned visit as an all-day event that does not block the user's time."""
    placement = visit.placement
    event = Event()
    event.add("uid", f"scheduled-visit-{visit.id}@eftervaern")
    event.add("dtstamp", stamp)
    event.add("dtstart", visit.due_date)
    event.add("dtend", visit.due_date + timedelta(days=1))
    event.add(
        "summary",
        _(
            "Follow-up: %(first_name)s – %(company)s",
            first_name=placement.citizen.first_name,
            company=placement.workplace.company.name,
        ),
    )
    event.add("location", placement.workplace.full_address)
    event.add("description", f"{base_url.rstrip('/')}/")
    event.add("transp", "TRANSPARENT")
    # Hides the details if the user shares their calendar's free/busy view with colleagues.
    event.add("class", "PRIVATE")
    return event
