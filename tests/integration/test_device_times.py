"""The record tells the truth about time: the device's own times, the server's receipt, the clock skew, and
one order of visits everywhere (issue: "The record tells the truth about time")."""

import uuid
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.core.timeutil import local_now, local_today, parse_device_time, utcnow
from app.extensions import db
from app.models import PlacementStatus, Signature, Visit
from app.placements.services import course_progress
from app.reports.pdf import render_summary, trend
from app.supervision.hours import hours_trajectory
from tests.unit.test_pdf import pdf_text
from tests.visit_helpers import STROKES, course, payload

COPENHAGEN_WINTER = timezone(timedelta(hours=1))


def _device(moment: datetime, offset_hours: int | None = None) -> str:
    """A moment as the device sends it: ISO 8601 in the device's own offset (Danish time by default)."""
    if offset_hours is None:
        return moment.astimezone(local_now().tzinfo).isoformat(timespec="seconds")
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat(timespec="seconds")


@pytest.fixture
def setup(app, auth):
    me, placement = course()
    auth.login("mette")
    return me, placement


def _put(client, body, key=None, sent=None):
    key = key or uuid.uuid4()
    headers = {"X-Device-Time": sent} if sent else {}
    return key, client.put(f"/api/v1/visits/{key}", json=body, headers=headers)


def _today_at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(local_today(), time(hour, minute), tzinfo=local_now().tzinfo)


def test_the_device_times_are_kept_beside_the_servers_receipt(client, setup):
    """Sent an hour after it was completed offline, does the visit keep when it was started and completed
    on the device, with the device's offset, and the server's receipt time beside them?"""
    _, placement = setup
    started, completed = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    body = payload(placement, started_at=_device(started), completed_at=_device(completed))
    key, response = _put(client, body, sent=_device(utcnow()))
    assert response.status_code == 201
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    assert abs(visit.started_at - started) < timedelta(seconds=1)
    assert abs(visit.completed_at - completed) < timedelta(seconds=1)
    assert visit.device_utc_offset == local_now().utcoffset() / timedelta(minutes=1)
    assert abs(visit.received_at - utcnow()) < timedelta(minutes=1)
    assert abs(visit.clock_skew_seconds) <= 2 and not visit.clock_skew_noted
    assert response.json["received_at"] == visit.received_at.isoformat()


def test_the_visit_happened_when_the_jobformidler_says_not_at_noon(client, setup):
    """With a time given on the form (by the device's clock, UTC+1), is the visit stored at that instant,
    shown on its page and printed in its summary at that time?"""
    _, placement = setup
    body = payload(placement, performed_time="22:37", completed_at=_device(utcnow(), offset_hours=1))
    key, response = _put(client, body)
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    expected = datetime.combine(local_today(), time(22, 37), tzinfo=COPENHAGEN_WINTER)
    assert visit.performed_at == expected.astimezone(UTC)
    page = client.get(response.json["url"]).text
    assert "kl. 22:37" in page or "kl. 22:37 (UTC+01:00)" in page
    assert "kl. 22:37" in pdf_text(render_summary(visit, "EV-TIME0001"))


def test_without_a_time_the_devices_start_on_that_day_is_when_it_happened(client, setup):
    """With no time on the form, is the visit stored at the moment the device started it that day?"""
    _, placement = setup
    started = _today_at(9, 12)
    key, _ = _put(client, payload(placement, started_at=_device(started)))
    assert db.session.scalar(sa.select(Visit.performed_at).where(Visit.uuid == key)) == started


def test_an_old_client_that_sends_no_times_still_works(client, setup):
    """Does a body with no device times at all create the visit, received now, at noon on its day?"""
    _, placement = setup
    key, response = _put(client, payload(placement))
    assert response.status_code == 201
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    assert visit.performed_at == _today_at(12) and visit.started_at is None
    assert abs(visit.completed_at - utcnow()) < timedelta(minutes=1)


@pytest.mark.parametrize("bad", ["i går", "2026-12-01T22:37", "2026-13-01T10:00:00+01:00", 1733090225, ["x"]])
def test_an_unreadable_device_time_is_refused_in_danish(client, setup, bad):
    """Is a device time without an offset, or not a time at all, refused (422) with a Danish message?"""
    _, placement = setup
    _, response = _put(client, payload(placement, started_at=bad))
    assert response.status_code == 422
    assert "Enhedens tidspunkt kunne ikke læses" in response.json["errors"]["started_at"][0]


def test_a_replay_is_the_same_visit_though_it_is_sent_again_later(client, setup):
    """Is the same completed visit sent again an hour later (a new X-Device-Time) answered as unchanged?"""
    _, placement = setup
    body = payload(placement, started_at=_device(utcnow()), completed_at=_device(utcnow()))
    key, first = _put(client, body, sent=_device(utcnow()))
    _, again = _put(client, body, key=key, sent=_device(utcnow() + timedelta(hours=1)))
    assert (first.status_code, again.status_code) == (201, 200)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_a_device_clock_far_off_is_stored_and_noted_on_the_visit_page(client, setup):
    """A phone whose clock is 40 minutes fast: are both clocks kept, and does the visit page say so?"""
    _, placement = setup
    ahead = utcnow() + timedelta(minutes=40)
    key, response = _put(client, payload(placement, completed_at=_device(ahead)), sent=_device(ahead))
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    assert 39 * 60 <= visit.clock_skew_seconds <= 41 * 60 and visit.clock_skew_noted
    assert abs(visit.received_at - utcnow()) < timedelta(minutes=1)
    page = client.get(response.json["url"]).text
    assert "Enhedens ur gik 40 minutter foran" in page or "Enhedens ur gik 39 minutter foran" in page


def test_a_small_difference_is_not_noted(client, setup):
    """Is a device clock 5 minutes off kept without a note on the page?"""
    _, placement = setup
    behind = utcnow() - timedelta(minutes=5)
    _, response = _put(client, payload(placement, completed_at=_device(behind)), sent=_device(behind))
    assert "Enhedens ur gik" not in client.get(response.json["url"]).text


def test_a_signature_drawn_offline_keeps_the_time_it_was_drawn(client, setup):
    """Drawn at 10:05 on the device and received later: does the signature keep 10:05, with the receipt
    time beside it, on the visit page and in the summary?"""
    _, placement = setup
    key, response = _put(client, payload(placement))
    drawn = utcnow() - timedelta(hours=3)
    body = {
        "name": "Hanne Jensen",
        "strokes": STROKES,
        "width": 500,
        "height": 200,
        "signed_at": _device(drawn),
    }
    answer = client.put(f"/api/v1/visits/{key}/signatures/company_contact", json=body)
    assert answer.status_code == 201
    signature = db.session.scalar(sa.select(Signature))
    assert abs(signature.signed_at - drawn) < timedelta(seconds=1)
    assert abs(signature.received_at - utcnow()) < timedelta(minutes=1)
    shown = drawn.astimezone(local_now().tzinfo).strftime("%d.%m.%Y %H:%M")
    assert f"Hanne Jensen, {shown}" in client.get(response.json["url"]).text


def test_a_signature_time_that_cannot_be_read_is_refused(client, setup):
    """Is a signature whose drawing time cannot be read refused (422) and not stored?"""
    _, placement = setup
    key, _ = _put(client, payload(placement))
    body = {"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200, "signed_at": "nu"}
    answer = client.put(f"/api/v1/visits/{key}/signatures/company_contact", json=body)
    assert answer.status_code == 422 and "signed_at" in answer.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_three_visits_on_one_day_follow_their_real_times_everywhere(client, setup):
    """Three visits on one day with 0, 4 and 7 paid hours a week, sent in another order than they took
    place: do the course's progress, its completion, the hours trajectory and the summary's trend all
    follow the one done last (7 h, 30.3 h a month: the course is complete)?"""
    _, placement = setup
    for hour, paid in ((14, 7), (8, 0), (11, 4)):  # sent in this order; performed at 08, 11 and 14
        start = _today_at(hour)
        body = payload(placement, paid_hours_per_week=paid, started_at=_device(start), next_visit_date=None)
        assert _put(client, body)[1].status_code == 201
    db.session.expire_all()
    visits = sorted(placement.visits, key=Visit.sort_key)
    assert [v.paid_hours_per_week for v in visits] == [0, 4, 7]
    assert [v.paid_hours_per_week for v in placement.visits] == [0, 4, 7]  # the relationship's order
    progress = course_progress(placement)
    assert progress.weekly_paid == 7 and progress.goal_reached
    assert placement.status == PlacementStatus.COMPLETED
    points = hours_trajectory(placement).points
    assert [p.paid_weekly for p in points if not p.is_agreement] == [0, 4, 7]
    for visit in visits:  # each summary's trend lists the day's visits in one order, up to itself
        rows = [r.paid for r in trend(visit) if not r.is_agreement]
        assert rows == [v.paid_hours_per_week for v in visits[: visits.index(visit) + 1]]


def test_parse_device_time_takes_an_offset_and_refuses_anything_else():
    """Does a device time need its UTC offset and a plausible year and offset?"""
    moment = parse_device_time("2026-12-01T22:37:05+01:00")
    assert moment.at == datetime(2026, 12, 1, 21, 37, 5, tzinfo=UTC) and moment.offset_minutes == 60
    assert moment.local.hour == 22
    assert parse_device_time("2026-07-01T08:00:00Z").offset_minutes == 0
    for bad in ("2026-12-01T22:37:05", "", None, 5, "1970-01-01T00:00:00+00:00", "2026-12-01T10:00+15:00"):
        with pytest.raises(ValueError):
            parse_device_time(bad)


def test_the_api_description_carries_the_device_times(client):
    """Does the OpenAPI file describe the device times and the X-Device-Time header?"""
    spec = client.get("/api/v1/openapi.json").json
    visit = spec["components"]["schemas"]["Visit"]["properties"]
    assert {"started_at", "completed_at", "performed_time"} <= visit.keys()
    assert "signed_at" in spec["components"]["schemas"]["Signature"]["properties"]
    put = spec["paths"]["/visits/{uuid}"]["put"]
    assert any(p["name"] == "X-Device-Time" for p in put["parameters"])


def test_an_older_version_sent_after_a_newer_one_is_refused_and_the_newer_kept(client, setup):
    """A visit completed at −2 h (A), corrected and completed again at −1 h (B); then A arrives again (a
    second device's late retry): 409 with a Danish message and the stored B, which stays as it was."""
    _, placement = setup
    now = _device(utcnow())
    a = payload(placement, present="Udgave A", completed_at=_device(utcnow() - timedelta(hours=2)))
    b = payload(placement, present="Udgave B", completed_at=_device(utcnow() - timedelta(hours=1)))
    key, first = _put(client, a, sent=now)
    _, second = _put(client, b, key=key, sent=now)
    assert (first.status_code, second.status_code) == (201, 200)
    _, late = _put(client, a, key=key, sent=_device(utcnow() + timedelta(minutes=5)))
    assert late.status_code == 409
    assert late.json["error"] == "conflict"
    assert "Der er allerede gemt en nyere udgave af besøget" in late.json["message"]
    assert late.json["visit"]["content_hash"] == second.json["content_hash"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(Visit.present).where(Visit.uuid == key)) == "Udgave B"


@pytest.mark.parametrize("clock_off_minutes", [40, -40])
def test_a_newer_version_from_a_device_with_a_wrong_clock_is_stored(client, setup, clock_off_minutes):
    """B completed at −1 h on a phone with a right clock; C completed at −30 min on a tablet whose clock
    is 40 minutes fast or slow. C is the newer version: compared on the server's clock (each completion
    less its device's skew), it is stored, though the slow tablet's own time for it is before B's."""
    _, placement = setup
    off = timedelta(minutes=clock_off_minutes)
    b = payload(placement, present="Udgave B", completed_at=_device(utcnow() - timedelta(hours=1)))
    c = payload(placement, present="Udgave C", completed_at=_device(utcnow() - timedelta(minutes=30) + off))
    key, first = _put(client, b, sent=_device(utcnow()))
    _, newer = _put(client, c, key=key, sent=_device(utcnow() + off))
    assert (first.status_code, newer.status_code) == (201, 200), newer.json
    db.session.expire_all()
    assert db.session.scalar(sa.select(Visit.present).where(Visit.uuid == key)) == "Udgave C"


@pytest.mark.parametrize("with_header", [True, False])
def test_a_device_time_after_the_sending_is_refused(client, setup, with_header):
    """A completion in 2030 (a phone's clock set wrong, or a hand-made body) would stand as the newest
    version of the visit for good: refused in Danish, nothing stored. With the device's own send time
    it cannot be after it; without one, not beyond the days a visit's date may be ahead."""
    _, placement = setup
    future = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    sent = _device(utcnow()) if with_header else None
    _, response = _put(client, payload(placement, completed_at=_device(future)), sent=sent)
    assert response.status_code == 422
    assert response.json["errors"]["completed_at"] == [
        "Enhedens tidspunkt ligger efter det øjeblik, den sendte dette. Tjek enhedens ur."
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    _, started = _put(client, payload(placement, started_at=_device(future)), sent=sent)
    assert started.status_code == 422 and "started_at" in started.json["errors"]


def test_a_stored_completion_in_the_future_does_not_lock_the_visit(client, setup):
    """A visit stored before the check with a completion in 2030: the next version completed now is
    newer (a stored completion counts at most from when it reached the server), not refused as older."""
    _, placement = setup
    key, first = _put(client, payload(placement, present="Udgave A"), sent=_device(utcnow()))
    assert first.status_code == 201
    stored = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    stored.completed_at = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    db.session.commit()
    body = payload(placement, present="Udgave B", completed_at=_device(utcnow()))
    _, second = _put(client, body, key=key, sent=_device(utcnow()))
    assert second.status_code == 200, second.json
    db.session.expire_all()
    assert db.session.scalar(sa.select(Visit.present).where(Visit.uuid == key)) == "Udgave B"


def test_correcting_an_older_visit_does_not_take_the_edits_start(client, setup):
    """A visit stored without a start time (before devices sent one), corrected days later on the
    device: its start stays unknown rather than becoming the moment the correction began."""
    _, placement = setup
    day = (local_today() - timedelta(days=5)).isoformat()
    before = payload(
        placement, performed_on=day, present="Før", completed_at=_device(utcnow() - timedelta(days=5))
    )
    key, first = _put(client, before, sent=_device(utcnow()))
    assert first.status_code == 201
    body = payload(
        placement,
        performed_on=day,
        present="Rettet",
        started_at=_device(utcnow() - timedelta(minutes=10)),
        completed_at=_device(utcnow()),
    )
    _, corrected = _put(client, body, key=key, sent=_device(utcnow()))
    assert corrected.status_code == 200
    db.session.expire_all()
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    assert (visit.present, visit.started_at) == ("Rettet", None)


def test_a_signature_drawn_after_the_sending_is_refused(client, setup):
    """A signature the device says was drawn after it sent it (its clock's X-Device-Time) is refused in
    Danish and not stored."""
    _, placement = setup
    key, _ = _put(client, payload(placement))
    body = {"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200}
    body["signed_at"] = _device(utcnow() + timedelta(hours=2))
    answer = client.put(
        f"/api/v1/visits/{key}/signatures/company_contact",
        json=body,
        headers={"X-Device-Time": _device(utcnow())},
    )
    assert answer.status_code == 422
    assert "Enhedens tidspunkt ligger efter" in str(answer.json["errors"]["signed_at"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
