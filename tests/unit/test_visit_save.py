"""A new visit's save without HTTP: the row it answers with, the plan it moves, the course it completes
(app/visits/services.py save_visit)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.core.timeutil import DeviceTime, local_today, parse_device_time
from app.extensions import db
from app.models import CitizenStatus, PlacementStatus, ScheduledVisit, ScheduledVisitStatus, Visit, VisitState
from app.visits import services
from app.visits.forms import ACTION_ROWS, formdata_from_json, visit_form
from tests.visit_helpers import course, payload


def _save(me, placement, key, clock=services.NO_CLOCK, **changes):
    template = services.current_template()
    data = formdata_from_json(payload(placement, **changes))
    form = visit_form(template, formdata=data)
    assert form.validate(), form.errors
    return services.save_visit(key, form, me, local_today(), clock, services.body_digest(data))


def _device(moment: str) -> DeviceTime:
    return parse_device_time(moment)


def test_a_new_visit_answers_with_the_row_as_a_later_read_finds_it(app):
    """The visit a save answers with holds what the database stored, to the microsecond and in UTC, and
    a later read finds the same; it has no signatures, known without asking the database."""
    me, placement = course()
    today = local_today().isoformat()
    clock = services.DeviceClock(
        started=_device(f"{today}T09:05:00.123456+01:00"),
        completed=_device(f"{today}T10:20:30.654321+01:00"),
    )
    key = uuid.uuid4()
    result = _save(me, placement, key, clock, performed_time="09:05")
    assert result.outcome == services.Outcome.CREATED
    names = (
        "uuid",
        "state",
        "performed_at",
        "started_at",
        "completed_at",
        "received_at",
        "device_utc_offset",
        "answers",
        "actions",
        "paid_hours_per_week",
        "internship_hours_per_week",
        "can_convert",
        "hours_discussed",
        "next_visit_date",
        "content_hash",
        "submission_hash",
        "performed_by_id",
        "created_at",
        "updated_at",
    )
    answered = {name: getattr(result.visit, name) for name in names}
    assert result.visit.signatures == []
    assert answered["completed_at"].utcoffset() == timedelta(0)
    assert answered["device_utc_offset"] == 60 and answered["submission_hash"] is not None
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    assert {name: getattr(stored, name) for name in names} == answered


def test_a_save_completes_the_course_with_the_courses_visits_loaded(app):
    """A course whose visits a request has already loaded is still completed by the visit that reports
    the goal's hours (7 a week are 30.3 a month): the course's visits are read again with the new one."""
    me, placement = course()
    assert _save(me, placement, uuid.uuid4()).outcome == services.Outcome.CREATED  # 6 a week: 26 a month
    assert placement.status != PlacementStatus.COMPLETED
    assert len(placement.visits) == 1  # loaded
    result = _save(me, placement, uuid.uuid4(), paid_hours_per_week=7)
    assert result.outcome == services.Outcome.CREATED
    assert placement.status == PlacementStatus.COMPLETED
    assert len(placement.visits) == 2


def test_the_next_visit_date_moves_the_next_planned_visit_read_from_the_database(app):
    """With the course's plan not loaded, the save reads only the next planned visit: the earliest
    (the first stored of two on one day), never the one the visit performed."""
    me, placement = course()
    plan = sorted(
        (sv for sv in placement.scheduled_visits if sv.status == ScheduledVisitStatus.PLANNED),
        key=lambda sv: sv.due_date,
    )
    performed, nxt = plan[0], plan[1]
    twin = ScheduledVisit(placement=placement, due_date=nxt.due_date, source="manual")
    db.session.add(twin)
    db.session.commit()
    ids = (performed.id, nxt.id, twin.id)
    old_due = nxt.due_date
    db.session.expire_all()
    agreed = local_today() + timedelta(days=10)
    result = _save(me, placement, uuid.uuid4(), scheduled_visit_id=ids[0], next_visit_date=agreed.isoformat())
    assert result.outcome == services.Outcome.CREATED
    assert "scheduled_visits" not in sa.inspect(placement).dict  # the plan was never loaded whole
    db.session.expire_all()
    performed, nxt, twin = (db.session.get(ScheduledVisit, i) for i in ids)
    assert performed.status == ScheduledVisitStatus.DONE and performed.due_date != agreed
    assert (nxt.due_date, nxt.original_due_date) == (agreed, old_due)
    assert twin.due_date == old_due and twin.status == ScheduledVisitStatus.PLANNED


def test_a_page_form_has_spare_action_rows_and_a_read_form_the_rows_sent(app):
    """The page shows at least three action rows to fill in (more when more are agreed); a form that
    reads what was sent holds only the rows sent, and finds the same actions."""
    _me, placement = course()
    template = services.current_template()
    page = visit_form(template, formdata=None, data=services.initial_data(placement, None, template))
    assert len(page.actions) == ACTION_ROWS
    four = [{"what": f"Aftale {i}", "who": "Hanne", "due": ""} for i in range(4)]
    assert len(visit_form(template, formdata=None, data={"actions": four}).actions) == 4
    sent = visit_form(template, formdata=formdata_from_json(payload(placement)))
    assert sent.validate(), sent.errors
    assert len(sent.actions) == 1
    assert sent.cleaned_actions() == [
        {key: str(value) for key, value in action.items()} for action in payload(placement)["actions"]
    ]


def _plan(placement) -> list[tuple[int, object, object]]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(ScheduledVisit.id, ScheduledVisit.due_date, ScheduledVisit.status)
        .where(ScheduledVisit.placement_id == placement.id)
        .order_by(ScheduledVisit.id)
    )
    return [tuple(row) for row in rows]


def test_the_next_visit_date_moves_the_next_upcoming_visit_not_an_overdue_one(app):
    """A visit not made for a planned visit, with a week's visit overdue: the agreed day moves the next
    visit after the visit's day; the overdue one stays overdue (the probe's course: 09.11 overdue, 07.12
    performed, 09.01 planned, agreed 15.01 moved 09.11 and left 09.01 before the agreed day)."""
    me, placement = course()
    today = local_today()
    planned = sorted(
        (sv for sv in placement.scheduled_visits if sv.status == ScheduledVisitStatus.PLANNED),
        key=lambda sv: sv.due_date,
    )
    overdue, upcoming = planned[0], planned[1]
    assert overdue.due_date < today <= upcoming.due_date
    ids, overdue_due, upcoming_due = (overdue.id, upcoming.id), overdue.due_date, upcoming.due_date
    agreed = today + timedelta(days=12)
    assert _save(me, placement, uuid.uuid4(), next_visit_date=agreed.isoformat()).outcome.name == "CREATED"
    db.session.expire_all()
    overdue, upcoming = (db.session.get(ScheduledVisit, i) for i in ids)
    assert (overdue.due_date, overdue.status) == (overdue_due, ScheduledVisitStatus.PLANNED)
    assert (upcoming.due_date, upcoming.original_due_date) == (agreed, upcoming_due)


def test_editing_an_older_visit_does_not_pull_the_plan_back(app):
    """V1 agreed one day, a later V2 another. Editing V1's other fields leaves the plan as V2 made it; a
    changed next date on V1 moves nothing either, since a later visit's agreement stands."""
    me, placement = course()
    today = local_today()
    first_key = uuid.uuid4()
    first = {"performed_on": (today - timedelta(days=6)).isoformat()}
    _save(me, placement, first_key, next_visit_date=(today + timedelta(days=10)).isoformat(), **first)
    _save(me, placement, uuid.uuid4(), next_visit_date=(today + timedelta(days=20)).isoformat())
    plan = _plan(placement)
    assert (today + timedelta(days=20)) in [due for _, due, _ in plan]
    edited = _save(
        me,
        placement,
        first_key,
        next_visit_date=(today + timedelta(days=10)).isoformat(),
        present="Ali og Hanne",
        **first,
    )
    assert edited.outcome == services.Outcome.UPDATED
    assert _plan(placement) == plan
    changed = _save(
        me, placement, first_key, next_visit_date=(today + timedelta(days=12)).isoformat(), **first
    )
    assert changed.outcome == services.Outcome.UPDATED
    assert _plan(placement) == plan


def test_a_visit_synced_after_a_later_one_leaves_the_plan(app):
    """An older visit that reaches the server after a later one (a device offline for days) does not
    move the plan the later visit agreed, nor add a visit when nothing is planned."""
    me, placement = course()
    today = local_today()
    _save(me, placement, uuid.uuid4(), next_visit_date=(today + timedelta(days=20)).isoformat())
    plan = _plan(placement)
    older = {"performed_on": (today - timedelta(days=3)).isoformat()}
    late = _save(
        me, placement, uuid.uuid4(), next_visit_date=(today + timedelta(days=5)).isoformat(), **older
    )
    assert late.outcome == services.Outcome.CREATED
    assert _plan(placement) == plan
    # With nothing planned at all, the late visit adds nothing either.
    db.session.execute(
        sa.update(ScheduledVisit)
        .where(ScheduledVisit.placement_id == placement.id)
        .values(status=ScheduledVisitStatus.CANCELLED)
    )
    db.session.commit()
    emptied = _plan(placement)
    _save(me, placement, uuid.uuid4(), next_visit_date=(today + timedelta(days=6)).isoformat(), **older)
    assert _plan(placement) == emptied


def _status(placement):
    db.session.expire_all()
    return placement.status, placement.citizen.status, placement.ended_reason


def test_correcting_the_hours_that_completed_a_course_reopens_it(app):
    """7 a week (30.3 a month) completes the course; the same visit corrected to 3 a week takes the
    milestone back: the course is active again, and so is the citizen's course."""
    me, placement = course()
    key = uuid.uuid4()
    _save(me, placement, key, paid_hours_per_week=7)
    assert _status(placement) == (PlacementStatus.COMPLETED, CitizenStatus.COMPLETED, "goal_reached")
    assert _save(me, placement, key, paid_hours_per_week=3).outcome == services.Outcome.UPDATED
    assert _status(placement) == (PlacementStatus.ACTIVE, CitizenStatus.IN_COURSE, None)


def test_fewer_hours_at_a_later_visit_leave_the_course_completed(app):
    """The goal is a milestone: a later visit reporting fewer hours does not undo a completion the
    earlier visit's hours made."""
    me, placement = course()
    _save(me, placement, uuid.uuid4(), paid_hours_per_week=7)
    _save(me, placement, uuid.uuid4(), paid_hours_per_week=3)
    assert _status(placement)[0] == PlacementStatus.COMPLETED


def test_an_addendum_correcting_the_hours_reopens_the_course(app):
    """A signed visit's hours are corrected by an addendum: one that reports fewer hours reopens the
    course the visit completed; one that did not discuss hours leaves it completed."""
    from app.placements.services import update_course_status
    from tests.factories import make_visit

    me, placement = course()
    original = make_visit(placement, me, paid_hours_per_week=Decimal(7), state=VisitState.SIGNED)
    assert update_course_status(placement, me, local_today()) is True
    silent = make_visit(placement, me, addendum_of=original, paid_hours_per_week=None)
    assert update_course_status(placement, me, local_today()) is False
    assert _status(placement)[0] == PlacementStatus.COMPLETED
    make_visit(placement, me, addendum_of=original, paid_hours_per_week=Decimal(3))
    assert update_course_status(placement, me, local_today()) is True
    assert _status(placement) == (PlacementStatus.ACTIVE, CitizenStatus.IN_COURSE, None)
    assert silent.addendum_of_id == original.id


def test_an_agreed_day_the_plan_already_has_moves_nothing(app):
    """The form offers the plan's next day; kept as it is, it names a visit already planned on that
    day: the plan stays, rather than moving the visit before it onto the same day."""
    me, placement = course()
    today = local_today()
    upcoming = sorted(
        (
            sv
            for sv in placement.scheduled_visits
            if sv.status == ScheduledVisitStatus.PLANNED and sv.due_date >= today
        ),
        key=lambda sv: sv.due_date,
    )
    assert len(upcoming) >= 2
    plan = _plan(placement)
    _save(me, placement, uuid.uuid4(), next_visit_date=upcoming[1].due_date.isoformat())
    assert _plan(placement) == plan


def _reads_of_the_latest_hours(me, placement, **changes) -> tuple[services.SaveResult, list[str]]:
    """A save, with the statements that read the course's latest reported hours on their own."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT visits.paid_hours_per_week"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        return _save(me, placement, uuid.uuid4(), **changes), seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def test_the_goal_is_checked_with_the_hours_read_with_the_plan(app):
    """A visit that agrees a next date and reports the goal's hours completes the course from the hours
    the plan's statement read (no statement of its own for them), with and without a planned visit
    after the visit's day."""
    me, placement = course()
    result, reads = _reads_of_the_latest_hours(me, placement, paid_hours_per_week=7)
    assert result.outcome == services.Outcome.CREATED and reads == []
    assert _status(placement) == (PlacementStatus.COMPLETED, CitizenStatus.COMPLETED, "goal_reached")

    me, placement = course(username="mads")
    for sv in placement.scheduled_visits:
        sv.status = ScheduledVisitStatus.CANCELLED  # no planned visit after the day: the other statement
    db.session.commit()
    result, reads = _reads_of_the_latest_hours(me, placement, paid_hours_per_week=7)
    assert result.outcome == services.Outcome.CREATED and reads == []
    assert _status(placement)[0] == PlacementStatus.COMPLETED


def test_an_older_visit_synced_late_is_not_the_latest_hours(app):
    """A visit performed before one already stored, reporting the goal's hours, does not complete the
    course: the hours read with the plan are the later visit's (fewer)."""
    me, placement = course()
    today = local_today()
    _save(me, placement, uuid.uuid4(), paid_hours_per_week=3)
    result, _reads = _reads_of_the_latest_hours(
        me,
        placement,
        paid_hours_per_week=7,
        performed_on=(today - timedelta(days=1)).isoformat(),
        next_visit_date=(today + timedelta(days=20)).isoformat(),
    )
    assert result.outcome == services.Outcome.CREATED
    assert _status(placement)[0] != PlacementStatus.COMPLETED
