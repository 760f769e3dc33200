"""A new visit's save without HTTP: the row it answers with, the plan it moves, the course it completes
(app/visits/services.py save_visit)."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.core.timeutil import DeviceTime, local_today, parse_device_time
from app.extensions import db
from app.models import PlacementStatus, ScheduledVisit, ScheduledVisitStatus, Visit
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
