"""The calendar feed's content and its secret, built without HTTP."""

from datetime import date, timedelta

import sqlalchemy as sa
from icalendar import Calendar

from app.calendar import services
from app.core.timeutil import local_today
from app.extensions import db
from app.models import AuditAction, AuditEvent, PlacementStatus, ScheduledVisitStatus, User
from tests.factories import (
    make_citizen,
    make_company,
    make_contact,
    make_placement,
    make_scheduled_visit,
    make_user,
    make_workplace,
)

BASE_URL = "https://eftervaern.example.dk"


def _bakery_placement(user: User, first_name: str = "Ali", **citizen: str):
    """A course at "Bageriet Bryggergade ApS" for a citizen with distinctive personal data."""
    company = make_company(name="Bageriet Bryggergade ApS")
    workplace = make_workplace(company, address="Bryggergade 12", postcode="7400", city="Herning")
    person = make_citizen(user, first_name=first_name, **citizen)
    contact = make_contact(company, name="Kontaktia Qvistgaard", phone="70 70 70 71")
    return make_placement(
        person,
        workplace=workplace,
        contact_person=contact,
        considerations="Hensyn: Morbus-Quixote",
        tasks="Opgaver: Dejrulning",
    )


def _events(feed: bytes) -> list:
    return Calendar.from_ical(feed).walk("VEVENT")


def _starts(feed: bytes) -> list[date]:
    return sorted(e.decoded("dtstart") for e in _events(feed))


def test_feed_is_valid_icalendar_with_calendar_properties(app):
    """Does the feed parse as iCalendar 2.0 with a product id and the Danish calendar name?"""
    user = make_user()
    calendar = Calendar.from_ical(services.build_feed(user, BASE_URL))
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0"
    assert "Eftervaern" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Efterværn – opfølgningsbesøg"
    assert b"X-PUBLISHED-TTL:PT1H" in calendar.to_ical()
    assert _events(calendar.to_ical()) == []


def test_a_planned_visit_is_an_all_day_event(app):
    """Is a planned visit an all-day event on its due date, titled with first name and company, at the
    workplace's address, linking to the app?"""
    user = make_user()
    due = local_today() + timedelta(days=7)
    visit = make_scheduled_visit(_bakery_placement(user), due)
    [event] = _events(services.build_feed(user, BASE_URL))
    assert event.decoded("dtstart") == due
    assert event.decoded("dtend") == due + timedelta(days=1)
    assert "VALUE=DATE" in event.to_ical().decode()
    assert str(event["SUMMARY"]) == "Opfølgning: Ali – Bageriet Bryggergade ApS"
    assert str(event["LOCATION"]) == "Bryggergade 12, 7400 Herning"
    assert str(event["DESCRIPTION"]) == f"{BASE_URL}/"
    assert str(event["UID"]) == f"scheduled-visit-{visit.id}@eftervaern"
    assert "DTSTAMP" in event


def test_uid_is_stable_between_fetches(app):
    """Does a visit keep its UID from one fetch to the next, so calendars update instead of duplicating?"""
    user = make_user()
    make_scheduled_visit(_bakery_placement(user), local_today() + timedelta(days=3))
    first = [str(e["UID"]) for e in _events(services.build_feed(user, BASE_URL))]
    second = [str(e["UID"]) for e in _events(services.build_feed(user, BASE_URL))]
    assert first == second and len(first) == 1


def test_only_planned_visits_of_open_courses_are_in_the_feed(app):
    """Are done and cancelled visits, and visits of ended courses, left out?"""
    user = make_user()
    today = local_today()
    placement = _bakery_placement(user)
    make_scheduled_visit(placement, today + timedelta(days=1))
    make_scheduled_visit(placement, today + timedelta(days=2), status=ScheduledVisitStatus.DONE)
    make_scheduled_visit(placement, today + timedelta(days=3), status=ScheduledVisitStatus.CANCELLED)
    upcoming = make_placement(make_citizen(user), status=PlacementStatus.PLANNED)
    make_scheduled_visit(upcoming, today + timedelta(days=4))
    ended = make_placement(make_citizen(user), status=PlacementStatus.BROKEN_OFF)
    make_scheduled_visit(ended, today + timedelta(days=5))
    expected = [today + timedelta(days=1), today + timedelta(days=4)]
    assert _starts(services.build_feed(user, BASE_URL)) == expected


def test_history_is_limited_to_thirty_days(app):
    """Does the feed hold visits from the last 30 days and all future ones, but not older ones?"""
    user = make_user()
    today = local_today()
    placement = _bakery_placement(user)
    for days in (-31, -30, -1, 0, 400):
        make_scheduled_visit(placement, today + timedelta(days=days))
    assert _starts(services.build_feed(user, BASE_URL)) == [
        today + timedelta(days=d) for d in (-30, -1, 0, 400)
    ]


def test_a_colleagues_visits_are_not_in_the_feed(app):
    """Does the feed hold only visits of the user's own caseload?"""
    user, colleague = make_user(), make_user()
    today = local_today()
    make_scheduled_visit(_bakery_placement(user, first_name="Ali"), today + timedelta(days=1))
    make_scheduled_visit(_bakery_placement(colleague, first_name="Birgitte"), today + timedelta(days=2))
    feed = services.build_feed(user, BASE_URL)
    assert [str(e["SUMMARY"]) for e in _events(feed)] == ["Opfølgning: Ali – Bageriet Bryggergade ApS"]
    assert b"Birgitte" not in feed


def test_the_feed_holds_no_other_personal_data(app):
    """Are last name, case reference, phone, e-mail, notes and the contact person kept out of the feed?"""
    user = make_user()
    placement = _bakery_placement(
        user,
        last_name="Zyxwvutsen",
        case_ref="SAG-HEMMELIG-4242",
        phone="+45 11 22 33 44",
        email="ali.privat@example.org",
    )
    make_scheduled_visit(placement, local_today() + timedelta(days=5), note="Flyttet: Tandlæge-Xylofon")
    feed = services.build_feed(user, BASE_URL)
    # Unfold the lines so that a value split across a fold is still found.
    text = feed.decode().replace("\r\n ", "")
    assert "Opfølgning: Ali" in text
    for secret in (
        "Zyxwvutsen",
        "SAG-HEMMELIG-4242",
        "11 22 33 44",
        "ali.privat@example.org",
        "Tandlæge-Xylofon",
        "Morbus-Quixote",
        "Dejrulning",
        "Kontaktia",
        "70 70 70 71",
    ):
        assert secret not in text, secret


def test_english_user_gets_english_titles(app):
    """Does a user who chose English get "Follow-up: …" titles and an English calendar name?"""
    user = make_user(locale="en")
    make_scheduled_visit(_bakery_placement(user), local_today() + timedelta(days=1))
    calendar = Calendar.from_ical(services.build_feed(user, BASE_URL))
    assert str(calendar["X-WR-CALNAME"]) == "Efterværn – follow-up visits"
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert summaries == ["Follow-up: Ali – Bageriet Bryggergade ApS"]


def test_each_fetch_is_logged_per_citizen(app):
    """Is each citizen named in the feed logged as read for the calendar, by the feed's user?"""
    user = make_user()
    today = local_today()
    ali = _bakery_placement(user, first_name="Ali")
    make_scheduled_visit(ali, today + timedelta(days=1))
    make_scheduled_visit(ali, today + timedelta(days=8))
    bodil = _bakery_placement(user, first_name="Bodil")
    make_scheduled_visit(bodil, today + timedelta(days=2))
    make_citizen(user, first_name="Carl")  # no planned visit: not in the feed, not logged
    services.build_feed(user, BASE_URL)
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert sorted(e.citizen_id for e in events) == sorted([ali.citizen_id, bodil.citizen_id])
    assert {(e.action, e.purpose, e.object_type, e.user_id) for e in events} == {
        (AuditAction.READ, "calendar", "calendar", user.id)
    }


def test_an_empty_feed_still_logs_the_fetch(app):
    """Is a fetch of an empty feed logged once, without a citizen, so every use of the secret shows?"""
    user = make_user()
    services.build_feed(user, BASE_URL)
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.citizen_id, e.purpose, e.user_id) for e in events] == [(None, "calendar", user.id)]


def test_issuing_a_token_stores_a_new_secret(app):
    """Does issuing store a long random secret, and does renewing replace it?"""
    user = make_user()
    first = services.issue_token(user)
    assert len(first) >= 40
    assert db.session.scalar(sa.select(User.calendar_token).where(User.id == user.id)) == first
    second = services.issue_token(user)
    assert second != first
    assert services.user_for_token(first) is None
    assert services.user_for_token(second) == user


def test_user_for_token_refuses_empty_revoked_and_inactive(app):
    """Is no user found for an empty, unknown or revoked secret, or for a deactivated account?"""
    user = make_user()
    token = services.issue_token(user)
    assert services.user_for_token("") is None
    assert services.user_for_token(None) is None
    assert services.user_for_token("not-a-token") is None
    services.revoke(user)
    assert user.calendar_token is None
    assert services.user_for_token(token) is None
    token = services.issue_token(user)
    user.is_active_account = False
    db.session.commit()
    assert services.user_for_token(token) is None
