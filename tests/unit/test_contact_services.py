"""The contact services without HTTP: the idempotent save, the answer, the waiting list, the hotline text,
feedback rules and the team meeting's change in paid hours."""

import uuid
from datetime import timedelta
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from app.contacts import services
from app.contacts.forms import ContactForm
from app.core.timeutil import local_now, local_today, utcnow
from app.models import Role
from app.visits.services import NO_CLOCK, Outcome
from tests.factories import (
    make_citizen,
    make_citizen_contact,
    make_placement,
    make_team,
    make_user,
    make_visit,
)


def _form(citizen, **overrides) -> ContactForm:
    now = local_now() - timedelta(hours=1)
    data = {
        "citizen_id": str(citizen.id),
        "party": "citizen",
        "channel": "phone",
        "came_in_on": now.date().isoformat(),
        "came_in_time": now.strftime("%H:%M"),
        "about": "Spørger til timerne",
        "needs_answer": "y",
        **overrides,
    }
    form = ContactForm(formdata=MultiDict(data))
    assert form.validate(), form.errors
    return form


def test_save_is_idempotent_updates_until_answered_and_keeps_other_caseloads_out(app):
    """Is the same content stored once, changed content an update until answered and then a conflict, and
    another caseload's citizen or UUID not found?"""
    me, other = make_user(username="mette"), make_user(username="ole")
    citizen = make_citizen(me)
    key = uuid.uuid4()
    first = services.save_contact(key, _form(citizen), me, local_today(), NO_CLOCK)
    assert first.outcome == Outcome.CREATED and first.contact.answer_due_at is not None
    assert (
        services.save_contact(key, _form(citizen), me, local_today(), NO_CLOCK).outcome == Outcome.UNCHANGED
    )
    changed = services.save_contact(key, _form(citizen, about="Nyt emne"), me, local_today(), NO_CLOCK)
    assert changed.outcome == Outcome.UPDATED and changed.contact.about == "Nyt emne"
    assert services.answer(changed.contact, me, "Ringet op") is True
    assert services.answer(changed.contact, me, "Igen") is False  # answered once, with its first time
    late = services.save_contact(key, _form(citizen, about="Tredje"), me, local_today(), NO_CLOCK)
    assert late.outcome == Outcome.CONFLICT
    assert (
        services.save_contact(key, _form(citizen), other, local_today(), NO_CLOCK).outcome
        == Outcome.NOT_FOUND
    )
    theirs = make_citizen(other)
    assert (
        services.save_contact(uuid.uuid4(), _form(theirs), me, local_today(), NO_CLOCK).outcome
        == Outcome.NOT_FOUND
    )


def test_a_contact_without_an_answer_needed_has_no_deadline(app):
    """Does a contact that needs no answer get no deadline and stay off the waiting list?"""
    me = make_user(username="mette")
    citizen = make_citizen(me)
    form = ContactForm(
        formdata=MultiDict(
            {
                "citizen_id": str(citizen.id),
                "party": "citizen",
                "channel": "sms",
                "came_in_on": local_today().isoformat(),
                "came_in_time": "08:00",
                "about": "Kommer lidt senere i dag",
            }
        )
    )
    assert form.validate()
    saved = services.save_contact(uuid.uuid4(), form, me, local_today(), NO_CLOCK).contact
    assert saved.needs_answer is False and saved.answer_due_at is None
    assert services.waiting_for_answer(me) == []


def test_the_contact_person_must_belong_to_the_citizens_course(app):
    """Is a contact with "the contact person" refused when the citizen's course names none?"""
    me = make_user(username="mette")
    citizen = make_citizen(me)
    course = make_placement(citizen)
    form = _form(citizen, party="contact_person", placement_id=str(course.id))
    result = services.save_contact(uuid.uuid4(), form, me, local_today(), NO_CLOCK)
    assert result.outcome == Outcome.INVALID and "contact_person_id" in result.errors


def test_waiting_list_is_the_users_own_overdue_first(app):
    """Does the waiting list hold only the user's own unanswered contacts, the earliest deadline first?"""
    me, other = make_user(username="mette"), make_user(username="ole")
    citizen = make_citizen(me)
    newer = make_citizen_contact(citizen, me, came_in_at=utcnow() - timedelta(hours=1))
    older = make_citizen_contact(citizen, me, came_in_at=utcnow() - timedelta(days=5))
    make_citizen_contact(make_citizen(other), other)
    waiting = services.waiting_for_answer(me)
    assert [(c.id, c.uuid, c.citizen.full_name) for c in waiting] == [
        (older.id, older.uuid, citizen.full_name),
        (newer.id, newer.uuid, citizen.full_name),
    ]
    assert services.time_left(older, utcnow()) < timedelta(0) < services.time_left(newer, utcnow())


def test_hotline_text_names_the_end_and_the_direct_ways(app):
    """Does the hotline text give the end date and the phone and e-mail that are known, or the jobcentre;
    and after the last day, only the ways to reach the jobformidler?"""
    me = make_user(username="mette", full_name="Mette Sørensen", phone="20 30 40 50", email="m@k.example")
    course = make_placement(make_citizen(me))
    last_day = services.hotline_until(course)
    text = services.hotline_text(course, last_day)
    assert "Mette Sørensen" in text and "20 30 40 50" in text and "m@k.example" in text
    assert text.startswith("Hotline: Frem til") and str(last_day.year) in text
    after = services.hotline_text(course, last_day + timedelta(days=1))
    assert after == (
        "I kan kontakte jobformidler Mette Sørensen på telefon 20 30 40 50 eller e-mail m@k.example."
    )
    me.phone = me.email = None
    assert "Frem til" in services.hotline_text(course, last_day)
    assert "gennem jobcentret" in services.hotline_text(course, last_day)
    assert services.hotline_text(course, last_day + timedelta(days=1)) == (
        "I kan kontakte jobformidler Mette Sørensen gennem jobcentret."
    )


def test_feedback_comes_from_the_team_but_not_from_the_performer(app):
    """May the leder and a colleague of the same team give feedback, but not the performer or an outsider?"""
    team = make_team()
    me = make_user(username="mette", team_id=team.id)
    visit = make_visit(make_placement(make_citizen(me)), me)
    assert services.may_give_feedback(make_user(Role.SUPERVISOR, team_id=team.id), visit)
    assert services.may_give_feedback(make_user(team_id=team.id), visit)
    assert not services.may_give_feedback(me, visit)
    assert not services.may_give_feedback(make_user(team_id=make_team().id), visit)


def test_team_meeting_lines_measure_from_the_last_meeting_that_discussed_the_citizen(app):
    """Is each citizen's change measured from the team's previous meeting about them (none the first time)?"""
    team = make_team()
    leder = make_user(Role.SUPERVISOR, team_id=team.id)
    me = make_user(team_id=team.id)
    citizen = make_citizen(me)
    course = make_placement(citizen, paid_hours_per_week=Decimal(3))
    today = local_today()
    first = services.record_team_meeting(team.id, today - timedelta(days=20), [citizen], leder)
    (line,) = services.meeting_lines(first)
    assert (line.paid_hours, line.change) == (Decimal(3), None)
    make_visit(course, me, paid_hours_per_week=Decimal("7.5"), performed_at=utcnow() - timedelta(days=2))
    second = services.record_team_meeting(team.id, today, [citizen], leder)
    (line,) = services.meeting_lines(second)
    assert (line.previous_hours, line.paid_hours, line.change) == (Decimal(3), Decimal("7.5"), Decimal("4.5"))
