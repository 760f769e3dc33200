"""The hotline (course page, summary PDF, covering e-mail), the jobformidler's own contact details, feedback
on visits (never in the citizen's PDF), team meetings with the change in paid hours, weekly contact before the
start, and the citizen's extract with their contacts."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.contacts import services
from app.core.timeutil import local_today, utcnow
from app.delivery.services import compose_email
from app.extensions import db
from app.models import AuditEvent, Delivery, Document, PlacementStatus, Role, SignerRole, TeamMeeting
from app.reports.pdf import render_summary
from tests.factories import (
    make_citizen,
    make_citizen_contact,
    make_placement,
    make_team,
    make_user,
    make_visit,
)
from tests.unit.test_pdf import pdf_text
from tests.visit_helpers import course


@pytest.fixture
def team_course(app):
    team = make_team(name="Team Nord")
    me, placement = course()
    me.team_id = team.id
    me.phone = "+45 20 30 40 50"
    leder = make_user(username="lene", role=Role.SUPERVISOR, team_id=team.id, full_name="Lene Leder")
    colleague = make_user(username="kim", team_id=team.id, full_name="Kim Kollega")
    db.session.commit()
    return me, placement, leder, colleague


def test_the_summary_pdf_shows_the_hotline_and_direct_contact_details(team_course):
    """Does the summary PDF (read with pdftotext) say until when the hotline runs, with phone and e-mail?"""
    me, placement, leder, _ = team_course
    visit = make_visit(placement, me)
    services.add_feedback(visit, leder, True, "Fortrolig sparring om samtalen")
    text = pdf_text(render_summary(visit, "EV-HOTLINE1"))
    until = services.hotline_until(placement)
    assert "Hotline" in text
    assert f"{until.day}. " in text and str(until.year) in text
    assert "+45 20 30 40 50" in text and "mette@kommune.example" in text
    assert "Mette Sørensen" in text
    assert "Fortrolig sparring" not in text  # feedback is never in the citizen's summary


def _covering_email(visit, reference: str) -> str:
    """The e-mail that would go to the citizen with the visit's summary."""
    document = Document(visit=visit, sha256="a" * 64, pdf=b"%PDF", reference=reference)
    delivery = Delivery(
        document=document,
        recipient_role=SignerRole.CITIZEN,
        recipient_name="Ali Khan",
        address="ali@example.org",
    )
    db.session.add_all([document, delivery])
    db.session.commit()
    return compose_email(delivery).body


def test_the_covering_email_gives_the_hotline(team_course):
    """Does the e-mail sent with the summary tell the recipient the hotline's end and direct contact?"""
    me, placement, _, _ = team_course
    visit = make_visit(placement, me)
    body = _covering_email(visit, "EV-HOTLINE2")
    assert "Hotline: Frem til" in body and "+45 20 30 40 50" in body and "mette@kommune.example" in body


def test_course_page_shows_the_hotline_and_a_planned_course_its_weeks(client, auth, team_course):
    """Does the course page show the hotline's end with the phone, and a planned course week by week?"""
    me, placement, _, _ = team_course
    auth.login("mette")
    page = client.get(f"/forloeb/{placement.id}").get_data(as_text=True)
    assert "Hotline" in page and "+45 20 30 40 50" in page
    planned = make_placement(
        placement.citizen,
        status=PlacementStatus.PLANNED,
        start_date=local_today() + timedelta(days=14),
        created_at=utcnow() - timedelta(days=14),
    )
    make_citizen_contact(placement.citizen, me, needs_answer=False)
    page = client.get(f"/forloeb/{planned.id}").get_data(as_text=True)
    assert "Ugentlig kontakt før start" in page and "1 kontakt" in page
    logged = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "contact")).all()
    assert logged and all(e.citizen_id == placement.citizen_id for e in logged)


def test_own_contact_details_are_validated_and_saved(client, auth, team_course):
    """Can the jobformidler change their own phone and e-mail, with a Danish error for a bad number?"""
    auth.login("mette")
    bad = client.post("/konto/kontaktoplysninger", data={"phone": "12", "email": "mette@kommune.example"})
    assert bad.status_code == 422 and "telefonnummer" in bad.get_data(as_text=True)
    assert 'value="12"' in bad.get_data(as_text=True)
    ok = client.post("/konto/kontaktoplysninger", data={"phone": "87 65 43 21", "email": "m@k.example"})
    assert ok.status_code == 303
    me = team_course[0]
    db.session.refresh(me)
    assert (me.phone, me.email) == ("87 65 43 21", "m@k.example")


def test_leder_gives_feedback_and_the_job_broker_sees_it(client, auth, team_course):
    """Can the leder give feedback on a visit, kept with it and shown to the jobformidler, and logged?"""
    me, placement, _, _ = team_course
    visit = make_visit(placement, me)
    auth.login("lene")
    empty = client.post(f"/besoeg/{visit.uuid}/sparring", data={})
    assert empty.status_code == 422 and "Skriv sparringen" in empty.get_data(as_text=True)
    saved = client.post(
        f"/besoeg/{visit.uuid}/sparring", data={"took_part": "y", "feedback": "Godt spurgt ind"}
    )
    assert saved.status_code == 303
    auth.logout()
    auth.login("mette")
    page = client.get(f"/besoeg/{visit.uuid}/sparring").get_data(as_text=True)
    assert "Godt spurgt ind" in page and "Lene Leder" in page and "deltog i besøget" in page
    (item,) = services.feedback_of(visit)
    assert item.given_by.username == "lene" and item.took_part is True
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.purpose == "feedback")) >= 2


def test_job_broker_records_a_colleagues_feedback_but_not_an_outsiders(client, auth, team_course):
    """Can the jobformidler record a team colleague's feedback, and is someone outside the team refused?"""
    me, placement, _, colleague = team_course
    outsider = make_user(username="ole")
    visit = make_visit(placement, me)
    auth.login("mette")
    ok = client.post(
        f"/besoeg/{visit.uuid}/sparring", data={"given_by": colleague.id, "feedback": "Fin samtale"}
    )
    assert ok.status_code == 303
    refused = client.post(f"/besoeg/{visit.uuid}/sparring", data={"given_by": outsider.id, "feedback": "x"})
    assert refused.status_code == 422
    assert [f.given_by_id for f in services.feedback_of(visit)] == [colleague.id]


def test_another_teams_visit_has_no_feedback_page(client, auth, team_course):
    """Is the feedback page of a visit outside the leder's team a 404?"""
    other = make_user(username="ole")
    visit = make_visit(make_placement(make_citizen(other)), other)
    auth.login("lene")
    assert client.get(f"/besoeg/{visit.uuid}/sparring").status_code == 404


def test_team_meeting_lists_the_change_in_paid_hours_and_courses_completed(client, auth, team_course):
    """Does a team meeting's page show each citizen's change in paid hours since the last meeting?"""
    me, placement, leder, _ = team_course
    today = local_today()
    services.record_team_meeting(me.team_id, today - timedelta(days=30), [placement.citizen], leder)
    make_visit(placement, me, paid_hours_per_week=Decimal("9"))
    auth.login("lene")
    response = client.post(
        "/leder/teammoeder",
        data={"held_on": today.isoformat(), "citizens": [placement.citizen_id], "successes_discussed": "y"},
    )
    assert response.status_code == 303
    meeting = db.session.scalars(sa.select(TeamMeeting).order_by(TeamMeeting.id.desc())).first()
    page = client.get(f"/leder/teammoeder/{meeting.id}").get_data(as_text=True)
    assert "Ali Khan" in page and "+5" in page  # 4 agreed hours at the first meeting, 9 reported now
    (line,) = services.meeting_lines(meeting)
    assert (line.previous_hours, line.paid_hours, line.change) == (Decimal(4), Decimal(9), Decimal(5))
    assert client.get("/leder/teammoeder/999999").status_code == 404


def test_the_citizens_extract_includes_their_contacts(client, auth, team_course):
    """Does the citizen's extract (PDF) list the contacts recorded about them?"""
    me, placement, _, _ = team_course
    make_citizen_contact(placement.citizen, me, about="Spurgte til mødetider")
    auth.login("lene")
    response = client.get(f"/adgangslog/borger/{placement.citizen_id}/udtraek.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Kontakter mellem besøg" in text and "Spurgte til mødetider" in text


def test_a_visit_after_the_hotline_has_ended_gives_no_passed_end_date(team_course):
    """A summary of a visit after the hotline's last day does not promise a hotline "until" a day that has
    passed: the PDF and the e-mail only say how to reach the jobformidler."""
    me, placement, _, _ = team_course
    placement.hotline_until = local_today() - timedelta(days=1)
    db.session.commit()
    visit = make_visit(placement, me)
    text = pdf_text(render_summary(visit, "EV-HOTLINE3"))
    assert "Hotline" not in text and "Frem til" not in text
    assert "I kan kontakte jobformidler Mette Sørensen på telefon" in " ".join(text.split())
    assert "mette@kommune.example" in text
    body = _covering_email(visit, "EV-HOTLINE3")
    assert "Hotline" not in body and "Frem til" not in body
    assert "I kan kontakte jobformidler Mette Sørensen på telefon +45 20 30 40 50 eller e-mail" in body
