"""Courses and their plans, through the services (no HTTP)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import (
    AuditEvent,
    CitizenStatus,
    PlacementKind,
    PlacementStatus,
    ScheduledVisitStatus,
)
from app.placements import services
from app.placements.schedule import FollowUpRule
from tests.factories import (
    make_citizen,
    make_contact,
    make_placement,
    make_team,
    make_user,
    make_visit,
    make_workplace,
)

TODAY = date(2026, 11, 23)
AT_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # a visit performed today


@pytest.fixture
def me(app):
    return make_user(username="mette")


def _new_course(me, start=TODAY, **data):
    citizen = make_citizen(me, status=CitizenStatus.MATCHING)
    workplace = make_workplace()
    fields = {
        "kind": PlacementKind.INTERNSHIP,
        "workplace_id": workplace.id,
        "contact_person_id": make_contact(workplace.company).id,
        "start_date": start,
        "agreement_date": start - timedelta(days=5),
        "internship_hours_per_week": Decimal("15"),
        "paid_hours_per_week": Decimal("0"),
        **data,
    }
    return services.create_placement(citizen, fields, me, TODAY)


def _planned(placement):
    return [sv for sv in placement.scheduled_visits if sv.status == ScheduledVisitStatus.PLANNED]


def test_a_new_course_gets_the_default_plan(me):
    """Does a course from 31 January 2028 (leap year) get visits at 1 week, 29 February, 3 months…?"""
    placement = _new_course(me, start=date(2028, 1, 31))
    dues = [sv.due_date for sv in placement.scheduled_visits]
    assert dues[:4] == [date(2028, 2, 7), date(2028, 2, 29), date(2028, 4, 30), date(2028, 5, 31)]
    assert dues[-1] == date(2029, 1, 31)
    assert len(dues) == 12
    assert placement.citizen.status == CitizenStatus.IN_COURSE
    assert placement.status == PlacementStatus.PLANNED  # starts after today


def test_a_course_that_started_today_is_active(me):
    """Is a course that starts today active at once?"""
    assert _new_course(me, start=TODAY).status == PlacementStatus.ACTIVE


def test_the_plan_stops_at_the_agreed_end(me):
    """Does a 14-week internship get no visits planned after its agreed end?"""
    placement = _new_course(me, start=TODAY, planned_end_date=TODAY + timedelta(weeks=14))
    assert [sv.label for sv in placement.scheduled_visits] == ["7d", "1m", "3m"]


def test_an_administrators_plan_is_used_for_new_courses(me):
    """After the administrator sets 2 weeks and 2 months, does a new course get just those?"""
    services.replace_rules([FollowUpRule(months=2), FollowUpRule(days=14)])
    placement = _new_course(me, start=date(2026, 12, 31))
    assert [(sv.label, sv.due_date) for sv in placement.scheduled_visits] == [
        ("14d", date(2027, 1, 14)),
        ("2m", date(2027, 2, 28)),
    ]


def test_creating_a_course_is_audited(me):
    """Is creating a course logged as a create of the citizen's data?"""
    placement = _new_course(me)
    events = db.session.query(AuditEvent).filter_by(action="create").all()
    assert [(e.citizen_id, e.object_type, e.object_id) for e in events] == [
        (placement.citizen_id, "placement", placement.id)
    ]


def test_moving_a_visit_keeps_the_original_date(me):
    """When a visit is moved, is the new date used and the planned one remembered?"""
    placement = _new_course(me)
    first = _planned(placement)[0]
    services.move_visit(first, date(2026, 12, 2), note="Kontaktperson på ferie")
    assert first.due_date == date(2026, 12, 2)
    assert first.original_due_date == date(2026, 11, 30)
    assert first.note == "Kontaktperson på ferie"


def test_cancelling_a_visit(me):
    """Is a cancelled visit kept in the plan as cancelled, and then no longer changeable?"""
    placement = _new_course(me)
    first = _planned(placement)[0]
    services.cancel_visit(first, note="Borger syg")
    assert first.status == ScheduledVisitStatus.CANCELLED and first.cancelled_at is not None
    assert first not in _planned(placement)
    with pytest.raises(services.ScheduleError):
        services.move_visit(first, TODAY)


def test_adding_an_extra_visit(me):
    """Can the jobformidler add a visit that is not in the plan?"""
    placement = _new_course(me)
    extra = services.add_visit(placement, date(2026, 11, 26), note="Ekstra besøg efter konflikt")
    assert extra.source == "manual" and extra in _planned(placement)


def test_next_visit_date_moves_the_next_planned_visit(me):
    """Does the next visit date agreed at a visit move the next planned visit there?"""
    placement = _new_course(me)
    done = _planned(placement)[0]
    done.status = ScheduledVisitStatus.DONE
    services.apply_next_visit_date(placement, date(2026, 12, 14), AT_NOON, done=done)
    nxt = services.next_planned(placement)
    assert nxt.label == "1m" and nxt.due_date == date(2026, 12, 14)
    assert nxt.original_due_date == date(2026, 12, 23)


def test_next_visit_date_adds_a_visit_when_none_is_planned(me):
    """With nothing planned, does the agreed next visit date add a visit?"""
    placement = _new_course(me, planned_end_date=TODAY + timedelta(days=1))
    assert _planned(placement) == []
    services.apply_next_visit_date(placement, date(2027, 1, 4), AT_NOON)
    db.session.commit()  # in the caller's transaction, as a visit's save
    added = services.next_planned(placement)
    assert added.source == "next_visit" and added.due_date == date(2027, 1, 4)


def test_agreement_change_keeps_a_history(me):
    """Does changing the agreed hours store the old and new values as a revision?"""
    placement = _new_course(me)
    revision = services.update_agreement(
        placement,
        {"internship_hours_per_week": Decimal("10"), "paid_hours_per_week": Decimal("5")},
        me,
        TODAY,
    )
    assert revision.changes == {"internship_hours_per_week": ["15", "10"], "paid_hours_per_week": ["0", "5"]}
    assert placement.revisions == [revision]
    assert services.update_agreement(placement, {"paid_hours_per_week": Decimal("5.00")}, me, TODAY) is None


def test_a_new_start_date_replans_an_untouched_course(me):
    """Does moving the start date of a course with no visits yet plan its visits from the new date?"""
    placement = _new_course(me, start=TODAY + timedelta(days=7))
    services.update_agreement(placement, {"start_date": date(2027, 1, 4)}, me, TODAY)
    assert _planned(placement)[0].due_date == date(2027, 1, 11)
    assert len(_planned(placement)) == 12


def test_a_new_start_date_replans_the_open_visits_and_keeps_the_done_one(me):
    """With the one-week visit done, does a new start date move the open plan visits and keep the done
    one, without planning its step again?"""
    placement = _new_course(me, start=TODAY)
    done = _planned(placement)[0]
    done.status = ScheduledVisitStatus.DONE
    services.update_agreement(placement, {"start_date": TODAY + timedelta(days=3)}, me, TODAY)
    assert done in placement.scheduled_visits and done.status == ScheduledVisitStatus.DONE
    assert [sv.label for sv in placement.scheduled_visits].count(done.label) == 1
    assert _planned(placement)[0].due_date == date(2026, 12, 26)  # one month after 26 November
    assert len(_planned(placement)) == 11


def test_a_moved_or_added_visit_stays_where_the_jobformidler_put_it(me):
    """Does a visit moved by hand, and one added by hand, keep its day when the start date changes?"""
    placement = _new_course(me, start=TODAY)
    moved = services.move_visit(_planned(placement)[1], date(2027, 1, 5))
    added = services.add_visit(placement, date(2027, 2, 2), note="Ekstra")
    services.update_agreement(placement, {"start_date": TODAY + timedelta(days=14)}, me, TODAY)
    assert moved.due_date == date(2027, 1, 5) and moved in placement.scheduled_visits
    assert added.due_date == date(2027, 2, 2) and added in placement.scheduled_visits
    assert [sv.label for sv in placement.scheduled_visits].count(moved.label) == 1


def test_a_new_end_date_replans_the_open_visits(me):
    """Does an earlier end date drop the plan's open visits after it, and a later one bring them back?"""
    placement = _new_course(me, start=TODAY, planned_end_date=TODAY + timedelta(days=400))
    assert len(_planned(placement)) == 12
    services.update_agreement(placement, {"planned_end_date": date(2027, 3, 1)}, me, TODAY)
    assert [sv.due_date for sv in _planned(placement)] == [
        date(2026, 11, 30),
        date(2026, 12, 23),
        date(2027, 2, 23),
    ]
    services.update_agreement(placement, {"planned_end_date": date(2027, 12, 31)}, me, TODAY)
    assert len(_planned(placement)) == 12


@pytest.mark.parametrize(
    ("status", "citizen_status"),
    [
        (PlacementStatus.BROKEN_OFF, CitizenStatus.MATCHING),
        (PlacementStatus.REHABILITATION, CitizenStatus.REHABILITATION),
        (PlacementStatus.COMPLETED, CitizenStatus.COMPLETED),
    ],
)
def test_ending_a_course(me, status, citizen_status):
    """Does ending a course cancel its remaining visits and set the citizen's status?"""
    placement = _new_course(me, start=TODAY - timedelta(days=40))
    services.end_course(placement, status, TODAY, "Årsag", me)
    assert placement.status == status and placement.end_date == TODAY
    assert _planned(placement) == []
    assert placement.citizen.status == citizen_status


def test_ending_needs_an_ending_status(me):
    """Is 'active' refused as a way to end a course?"""
    with pytest.raises(ValueError):
        services.end_course(_new_course(me), PlacementStatus.ACTIVE, TODAY, None, me)


@pytest.mark.parametrize(
    ("weekly", "monthly", "reached"),
    [
        ("0", "0.0", False),
        ("6.9", "29.9", False),
        # 29.99 a month is not "at least 30": shown rounded down, so that 30.0 means the goal.
        ("6.92", "29.9", False),
        ("6.93", "30.0", True),
        ("5", "21.6", False),
        ("7", "30.3", True),
        ("37", "160.3", True),
    ],
)
def test_monthly_paid_hours_and_the_goal(me, weekly, monthly, reached):
    """Is weekly paid hours × 52 / 12 compared with the 30-hour goal unrounded, and shown rounded down?"""
    placement = make_placement(make_citizen(me), kind=PlacementKind.MIXED)
    make_visit(placement, me, paid_hours_per_week=Decimal(weekly))
    progress = services.course_progress(placement)
    assert progress.monthly_paid == Decimal(monthly)
    assert progress.goal_reached is reached


def test_progress_uses_the_latest_visit(me):
    """Do the hours of the latest visit count, not the highest or the agreement's?"""
    from app.models.base import utcnow

    placement = make_placement(make_citizen(me), paid_hours_per_week=Decimal("2"))
    assert services.course_progress(placement).weekly_paid == Decimal("2")
    make_visit(placement, me, paid_hours_per_week=Decimal("8"), performed_at=utcnow() - timedelta(days=30))
    make_visit(placement, me, paid_hours_per_week=Decimal("5"), performed_at=utcnow())
    db.session.refresh(placement)
    assert services.course_progress(placement).weekly_paid == Decimal("5")


def test_progress_among_visits_that_share_a_time_follows_the_one_order_of_visits(me):
    """Visits performed at the same moment: do the hours of the one completed last count, and of two
    completed at the same moment the one stored last; is the answer read from the database the same as
    the one from the visits in memory; and is a visit that reported no hours passed over?"""
    from app.models.base import utcnow

    placement = make_placement(make_citizen(me), paid_hours_per_week=Decimal("2"))
    at = utcnow() - timedelta(days=1)
    make_visit(
        placement, me, paid_hours_per_week=Decimal("9"), performed_at=at, completed_at=at + timedelta(hours=2)
    )
    make_visit(placement, me, paid_hours_per_week=Decimal("3"), performed_at=at, completed_at=at)
    make_visit(
        placement, me, paid_hours_per_week=Decimal("4"), performed_at=at, completed_at=at + timedelta(hours=2)
    )
    make_visit(placement, me, paid_hours_per_week=None, performed_at=at, completed_at=at + timedelta(hours=3))
    db.session.expire_all()
    from_database = services.latest_reported_hours(placement)
    placement.visits  # noqa: B018 (loaded: the answer from memory)
    from_memory = services.latest_reported_hours(placement)
    assert from_database == from_memory
    assert from_database.paid_hours_per_week == Decimal("4") and from_database.performed_at == at


def test_wage_subsidy_hours_do_not_complete_a_course(me):
    """Are wage-subsidy hours (paid but not ordinary) kept out of the goal?"""
    placement = make_placement(make_citizen(me), kind=PlacementKind.WAGE_SUBSIDY)
    make_visit(placement, me, paid_hours_per_week=Decimal("30"))
    assert services.course_progress(placement).goal_reached is False


def test_reaching_the_goal_completes_the_course(me):
    """When a visit reports ≥ 30 paid hours a month, are the course and the citizen completed?"""
    placement = make_placement(make_citizen(me))
    make_visit(placement, me, paid_hours_per_week=Decimal("8"))
    db.session.refresh(placement)
    assert services.update_course_status(placement, me, TODAY) is True
    assert placement.status == PlacementStatus.COMPLETED
    assert placement.citizen.status == CitizenStatus.COMPLETED
    assert services.update_course_status(placement, me, TODAY) is False  # already done


def test_the_loaded_course_check_says_what_the_caseload_query_says(app):
    """Does `may_see` (used on a course already loaded, by the identical replay) agree with
    `visible_citizens` for the citizen's own jobformidler, a colleague, the team's leder, another
    team's leder and the administrator?"""
    from app.caseload.services import may_see, visible_citizens
    from app.models import Citizen, Role

    team, other_team = make_team(), make_team()
    owner = make_user(team=team)
    citizen = make_citizen(owner)
    users = [
        owner,
        make_user(team=team),
        make_user(Role.SUPERVISOR, team=team),
        make_user(Role.SUPERVISOR, team=other_team),
        make_user(Role.SUPERVISOR),
        make_user(Role.ADMIN),
    ]
    seen = [db.session.scalar(visible_citizens(u).where(Citizen.id == citizen.id)) is not None for u in users]
    assert seen == [True, False, True, False, False, False]
    assert [may_see(u, citizen) for u in users] == seen
