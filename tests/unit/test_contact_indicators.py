"""The contact indicators (app/contacts/indicators.py) on built data: what is counted, what is missing, and
what lies outside the scope. Times are relative to the frozen clock's today, so any day passes."""

from datetime import timedelta

from app.contacts import indicators
from app.contacts.services import add_feedback, record_team_meeting
from app.core.timeutil import local_today, utcnow
from tests.factories import (
    make_citizen,
    make_citizen_contact,
    make_placement,
    make_team,
    make_user,
    make_visit,
)


def _measure(scope, key, start=None):
    today = local_today()
    start = start or today - timedelta(days=60)
    (found,) = [i for i in indicators.indicators(scope, start, today, today) if i.key == key]
    return found


def test_answered_within_24_hours_counts_due_and_answered_contacts(app):
    """Are answered-in-time contacts counted, late or overdue ones missing, waiting ones not yet counted,
    and another team's contacts left out?"""
    me, other = make_user(username="mette"), make_user(username="ole")
    mine, theirs = make_citizen(me), make_citizen(other)
    old = utcnow() - timedelta(days=10)
    in_time = make_citizen_contact(mine, me, came_in_at=old)
    in_time.answered_at = old + timedelta(hours=1)
    late = make_citizen_contact(mine, me, came_in_at=old)
    late.answered_at = late.answer_due_at + timedelta(hours=1)
    overdue = make_citizen_contact(mine, me, came_in_at=old)
    make_citizen_contact(mine, me, came_in_at=utcnow() - timedelta(minutes=10))  # still within its 24 hours
    make_citizen_contact(mine, me, came_in_at=old, needs_answer=False)
    make_citizen_contact(theirs, other, came_in_at=old)
    found = _measure({me.id}, "answered_24h")
    assert (found.numerator, found.denominator) == (1, 3)
    assert found.meets_target is False
    ids, _ = indicators.drill_down(
        "answered_24h", "missing", {me.id}, local_today() - timedelta(60), local_today(), local_today()
    )
    assert ids == [mine.id] and overdue.answered_at is None
    everyone = _measure(None, "answered_24h")
    assert everyone.denominator == 4


def test_weekly_contact_before_the_start(app):
    """Is a course counted when every run-up week had a contact, missing when a week had none, and not
    counted without a run-up or outside the scope?"""
    me, other = make_user(username="mette"), make_user(username="ole")
    today = local_today()
    start = today - timedelta(days=3)
    registered = utcnow() - timedelta(days=3 + 21)
    kept_citizen, gap_citizen, late_citizen = make_citizen(me), make_citizen(me), make_citizen(me)
    kept = make_placement(kept_citizen, start_date=start, created_at=registered)
    make_placement(gap_citizen, start_date=start, created_at=registered)
    make_placement(late_citizen, start_date=start, created_at=utcnow() - timedelta(days=1))  # no run-up
    make_placement(make_citizen(other), start_date=start, created_at=registered)
    monday = start - timedelta(days=start.weekday())
    for weeks_before in (1, 2, 3, 4):
        make_citizen_contact(
            kept_citizen,
            me,
            needs_answer=False,
            came_in_at=utcnow() - timedelta(days=(today - monday).days + 7 * weeks_before - 2),
        )
    make_citizen_contact(
        gap_citizen, me, needs_answer=False, came_in_at=utcnow() - timedelta(days=(today - monday).days + 5)
    )
    found = _measure({me.id}, "weekly_contact")
    assert found.denominator == 2 and found.numerator == 1, found
    ids, _ = indicators.drill_down(
        "weekly_contact", "numerator", {me.id}, today - timedelta(60), today, today
    )
    assert ids == [kept.citizen_id]
    ids, _ = indicators.drill_down("weekly_contact", "missing", {me.id}, today - timedelta(60), today, today)
    assert ids == [gap_citizen.id]


def test_feedback_on_a_visit_in_the_period(app):
    """Is a jobformidler with feedback from someone else on a visit counted, one without missing, one without
    visits not counted, and one outside the scope left out?"""
    team = make_team(name="Team Nord")
    leder = make_user(username="leder", role="supervisor", team_id=team.id)
    helped, alone, idle = (
        make_user(username=n, team_id=team.id, full_name=n.title()) for n in ("anne", "bo", "carl")
    )
    outsider = make_user(username="ole")
    for user in (helped, alone, outsider):
        visit = make_visit(
            make_placement(make_citizen(user)), user, performed_at=utcnow() - timedelta(days=3)
        )
        if user is helped:
            add_feedback(visit, leder, True, "Godt spurgt ind til timerne")
    scope = {helped.id, alone.id, idle.id}
    found = _measure(scope, "feedback_monthly")
    assert (found.numerator, found.denominator) == (1, 2)
    _, names = indicators.drill_down(
        "feedback_monthly", "missing", scope, local_today() - timedelta(60), local_today(), local_today()
    )
    assert names == ["Bo"]


def test_team_meetings_with_hours_shared(app):
    """Is a meeting with citizens discussed counted, one without missing, another team's left out?"""
    team, other_team = make_team(name="Team Nord"), make_team(name="Team Syd")
    leder = make_user(username="leder", role="supervisor", team_id=team.id)
    me = make_user(username="mette", team_id=team.id)
    citizen = make_citizen(me)
    make_placement(citizen)
    today = local_today()
    record_team_meeting(team.id, today - timedelta(days=10), [citizen], leder)
    record_team_meeting(team.id, today - timedelta(days=3), [], leder)
    record_team_meeting(other_team.id, today - timedelta(days=3), [], leder)
    found = _measure({me.id, leder.id}, "meetings_hours")
    assert (found.numerator, found.denominator) == (1, 2)
    assert _measure({me.id}, "meetings_hours", start=today + timedelta(days=1)).denominator == 0
