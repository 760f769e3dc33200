"""Delivering the sealed summary by e-mail through a real SMTP server on 127.0.0.1: recipients,
failure and retry, the resend button, access and the cron command."""

import hashlib
import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.formatting import date_short, time_short
from app.core.timeutil import local_date
from app.delivery import services
from app.delivery.cli import deliveries as deliveries_command
from app.delivery.views import bp
from app.extensions import db
from app.models import (
    AuditAction,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Document,
    Role,
    SignerRole,
    VisitState,
)
from app.models.base import utcnow
from tests.factories import (
    make_citizen,
    make_contact,
    make_placement,
    make_team,
    make_user,
    make_visit,
    make_workplace,
)
from tests.smtp_server import smtp_server  # noqa: F401

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _wired(app):
    """The blueprint and the command, until create_app() and app/cli.py register them."""
    if "delivery" not in app.blueprints:
        app.register_blueprint(bp)
    if "deliveries" not in app.cli.commands:
        app.cli.add_command(deliveries_command)


@pytest.fixture
def mail(app, smtp_server):  # noqa: F811
    app.config.update(
        smtp_server.config, MAIL_FROM="eftervaern@demo.dk", BASE_URL="https://eftervaern.demo.dk"
    )
    return smtp_server


def _document(citizen_email="ali@example.dk", contact_email="hanne@firma.dk", team=None):
    """A signed visit of mette's citizen Ali Khan with its sealed summary."""
    mette = make_user(username="mette", full_name="Mette Smed", email="mette@kommune.dk", team=team)
    citizen = make_citizen(mette, first_name="Ali", last_name="Khan", email=citizen_email)
    workplace = make_workplace()
    contact = make_contact(workplace.company, name="Hanne Jensen", email=contact_email)
    placement = make_placement(citizen, workplace=workplace, contact_person=contact)
    visit = make_visit(
        placement,
        mette,
        state=VisitState.SIGNED,
        answers={"fremmoede": {"rating": "partly", "note": "Kommer ofte for sent efter lægebesøg"}},
        hours_note="Ønsker flere timer i lageret",
    )
    n = next(_seq)
    pdf = b"%PDF-1.7 test " + str(n).encode()
    document = Document(
        visit=visit, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), reference=f"EV-TEST{n:04d}"
    )
    db.session.add(document)
    db.session.commit()
    return document


def _by_role(document) -> dict[SignerRole, Delivery]:
    return {d.recipient_role: d for d in document.deliveries}


def test_summary_arrives_for_both_recipients(app, mail):
    """Do the contact person and the citizen each get one e-mail with the sealed PDF and a Danish subject?"""
    document = _document()
    services.deliver_document(document)
    day = date_short(local_date(document.visit.performed_at))
    for address in ("hanne@firma.dk", "ali@example.dk"):
        [message] = mail.to(address)
        assert message["Subject"] == f"Referat af opfølgningsbesøg {day}"
        [attachment] = message.iter_attachments()
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == document.pdf
    assert len(mail.messages) == 2


def test_delivered_summary_is_recorded(app, mail):
    """After both e-mails went, are both deliveries sent (one attempt each) and the visit delivered?"""
    document = _document()
    services.deliver_document(document)
    db.session.expire_all()
    for delivery in document.deliveries:
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.attempts == 1 and delivery.sent_at is not None and delivery.last_error is None
    assert document.visit.state == VisitState.DELIVERED


def test_email_body_says_who_sends_and_where_to_check_and_answer(app, mail):
    """Does the body name the municipality, the verify page and reference, and the job broker to answer?"""
    document = _document()
    services.deliver_document(document)
    [message] = mail.to("ali@example.dk")
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Kære Ali Khan")
    assert "Demo Kommune" in body
    assert "https://eftervaern.demo.dk/verify" in body and document.reference in body
    assert "Mette Smed" in body and "mette@kommune.dk" in body
    assert message["Reply-To"] == "mette@kommune.dk"


def test_email_body_has_nothing_sensitive(app, mail):
    """Is the visit's content (notes, hours) kept out of the e-mail text, which only covers the PDF?"""
    document = _document()
    services.deliver_document(document)
    for received in mail.messages:
        body = received.message.get_body(("plain",)).get_content()
        assert "lægebesøg" not in body and "lageret" not in body and "timer" not in body


def test_each_attempt_is_logged_as_an_export(app, mail):
    """Is every sending of the summary logged as an export of the citizen's data?"""
    document = _document()
    services.deliver_document(document)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
    assert len(events) == 2
    citizen_id = document.visit.placement.citizen_id
    assert all(
        e.citizen_id == citizen_id and e.object_type == "delivery" and e.purpose == "summary" for e in events
    )
    assert {e.object_id for e in events} == {d.id for d in document.deliveries}


def test_recipient_without_email_gets_no_delivery(app, mail):
    """Is a citizen without an e-mail address left out, while the contact person still gets the summary?"""
    document = _document(citizen_email=None)
    services.deliver_document(document)
    assert set(_by_role(document)) == {SignerRole.COMPANY_CONTACT}
    assert len(mail.messages) == 1 and mail.to("hanne@firma.dk")


def test_planning_twice_does_not_duplicate(app, mail):
    """Does planning (and delivering) the same document again add no deliveries and send nothing new?"""
    document = _document()
    services.deliver_document(document)
    services.deliver_document(document)
    assert len(services.plan_deliveries(document)) == 2
    assert len(mail.messages) == 2


def test_failing_server_leaves_deliveries_failed(app, mail):
    """When the SMTP server refuses, are both deliveries failed with the reason and a next attempt,
    and is the visit still only signed?"""
    mail.refuse("451 4.3.0 Mailbox temporarily unavailable")
    document = _document()
    before = utcnow()
    services.deliver_document(document)
    db.session.expire_all()
    for delivery in document.deliveries:
        assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
        assert delivery.last_error == "451 4.3.0 Mailbox temporarily unavailable"
        assert before + timedelta(minutes=1) <= delivery.next_attempt_at <= utcnow() + timedelta(minutes=1)
    assert document.visit.state == VisitState.SIGNED
    assert mail.messages == []


def test_retry_delivers_once_the_server_accepts(app, mail):
    """After a failure, does the retry run wait for the backoff, then deliver and mark the visit delivered?"""
    mail.refuse()
    document = _document()
    services.deliver_document(document)
    mail.accept()
    now = utcnow()
    assert services.retry_due(now) == 0 and mail.messages == []
    assert services.retry_due(now + timedelta(minutes=2)) == 2
    db.session.expire_all()
    assert {d.status for d in document.deliveries} == {DeliveryStatus.SENT}
    assert all(d.attempts == 2 and d.last_error is None for d in document.deliveries)
    assert document.visit.state == VisitState.DELIVERED
    assert mail.to("hanne@firma.dk") and mail.to("ali@example.dk")


def test_one_failed_recipient_keeps_the_visit_signed(app, mail):
    """If only one recipient got the summary, is the visit still signed rather than delivered?"""
    document = _document()
    services.plan_deliveries(document)
    deliveries = _by_role(document)
    services.attempt(deliveries[SignerRole.COMPANY_CONTACT])
    mail.refuse()
    services.attempt(deliveries[SignerRole.CITIZEN])
    assert document.visit.state == VisitState.SIGNED


def test_backoff_grows_and_is_capped():
    """Are retries spaced 1, 5 and 30 minutes, 2 hours, then every 6 hours, and stopped after 10 attempts?"""
    now = utcnow()
    waits = [services.next_attempt_at(n, now) for n in range(1, services.MAX_ATTEMPTS + 1)]
    minutes = [(w - now) / timedelta(minutes=1) for w in waits[:-1]]
    assert minutes == [1, 5, 30, 120, 360, 360, 360, 360, 360]
    assert waits[-1] is None


def test_retries_stop_after_the_last_attempt(app, mail):
    """Is a delivery that failed its last allowed attempt left failed and no longer retried?"""
    mail.refuse("550 5.1.1 No such user")
    document = _document(citizen_email=None)
    [delivery] = services.plan_deliveries(document)
    delivery.attempts = services.MAX_ATTEMPTS - 1
    db.session.commit()
    assert services.attempt(delivery) is False
    assert delivery.attempts == services.MAX_ATTEMPTS and delivery.next_attempt_at is None
    mail.accept()
    assert services.retry_due(utcnow() + timedelta(days=30)) == 0
    assert delivery.status == DeliveryStatus.FAILED and mail.messages == []


def test_stranded_pending_delivery_is_picked_up(app, mail):
    """If a planned delivery was never attempted (the process died), does the retry run send it later?"""
    document = _document(citizen_email=None)
    [delivery] = services.plan_deliveries(document)
    assert services.retry_due(utcnow()) == 0
    assert services.retry_due(utcnow() + services.PENDING_GRACE) == 1
    assert delivery.status == DeliveryStatus.SENT and len(mail.messages) == 1


def test_retry_skips_a_delivery_another_run_is_sending(app, mail):
    """On PostgreSQL, does a retry run skip a delivery that another run has locked, so none goes twice?"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks")
    mail.refuse()
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    mail.accept()
    with db.engine.connect() as other_run:
        other_run.execute(sa.select(Delivery.id).where(Delivery.id == delivery.id).with_for_update())
        assert services.retry_due(utcnow() + timedelta(hours=1)) == 0
        other_run.rollback()
    assert mail.messages == []
    assert services.retry_due(utcnow() + timedelta(hours=1)) == 1


def test_resend_sends_a_new_copy(app, mail):
    """Does resending a delivery that already went send another copy and keep it sent?"""
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    assert services.resend(delivery) is True
    assert len(mail.to("hanne@firma.dk")) == 2 and delivery.attempts == 2


# --- The fragment and the resend button ----------------------------------------------------------


def test_fragment_lists_recipients_with_status(app, mail, client, auth):
    """Does the visit's delivery fragment show each recipient's role, name, address and 'Sendt' time?"""
    document = _document()
    services.deliver_document(document)
    auth.login("mette")
    response = client.get(f"/besoeg/{document.visit.uuid}/leveringer", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    text = response.text
    assert 'id="deliveries"' in text
    assert "Kontaktperson" in text and "Hanne Jensen" in text and "hanne@firma.dk" in text
    assert "Borger" in text and "Ali Khan" in text and "ali@example.dk" in text
    assert text.count("Sendt ") == 2 and text.count("Send igen") == 2


def test_fragment_shows_failure_and_next_attempt(app, mail, client, auth):
    """Does a failed delivery show 'Fejlet' with the server's reason and the time of the next attempt?"""
    mail.refuse("451 4.3.0 Mailbox temporarily unavailable")
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    auth.login("mette")
    text = client.get(f"/besoeg/{document.visit.uuid}/leveringer").text
    assert "Fejlet: mailserveren kunne ikke tage imod e-mailen lige nu (451), nyt forsøg" in text
    assert "Mailbox temporarily unavailable" not in text  # the server's own words are for the log
    assert time_short(delivery.next_attempt_at) in text


def test_a_technical_failure_is_shown_in_danish_and_logged(app, client, auth, caplog):
    """Point 13: no mail server listens. Does the page say so in Danish, with no "[Errno 111]
    Connection refused" in it, and is the technical detail in the log?"""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    assert "Connection refused" in delivery.last_error
    assert any("Connection refused" in r.getMessage() for r in caplog.records)
    auth.login("mette")
    text = client.get(f"/besoeg/{document.visit.uuid}/leveringer").text
    assert "Fejlet: mailserveren kunne ikke nås, nyt forsøg" in text
    assert "Errno" not in text and "Connection refused" not in text


def test_fragment_without_summary_or_addresses(app, client, auth):
    """Does the fragment say so when no recipient has an e-mail address?"""
    document = _document(citizen_email=None, contact_email=None)
    services.deliver_document(document)
    auth.login("mette")
    text = client.get(f"/besoeg/{document.visit.uuid}/leveringer").text
    assert "hverken" in text.lower() and "Send igen" not in text


def test_with_email_switched_off_nothing_is_planned_or_sent(app, mail, client, auth):
    """DELIVERY_EMAIL_ENABLED off: does a delivery planned before the switch fail once with the reason and
    no further attempt, is nothing planned for a new summary, and does the page say what to do instead?"""
    document = _document()
    services.plan_deliveries(document)
    app.config["DELIVERY_EMAIL_ENABLED"] = False
    services.deliver_document(document)
    for delivery in document.deliveries:
        assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
        assert delivery.last_error == "E-mail er slået fra i denne installation."
    assert services.retry_due(utcnow() + timedelta(days=2)) == 0
    assert mail.messages == [] and document.visit.state == VisitState.SIGNED
    auth.login("mette")
    assert "Send igen" not in client.get(f"/besoeg/{document.visit.uuid}/leveringer").text

    pdf = b"%PDF-1.7 remade"
    remade = Document(
        visit=document.visit, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), reference="EV-NEW"
    )
    db.session.add(remade)
    db.session.commit()
    assert services.deliver_document(remade) == [] and remade.deliveries == []
    text = client.get(f"/besoeg/{document.visit.uuid}/leveringer").text
    assert "sender ikke referater med e-mail" in text and "Digital Post" in text


def test_resend_button_via_htmx_answers_the_fragment_and_sends(app, mail, client, auth):
    """Does 'Send igen' from htmx send another copy and answer with the refreshed fragment?"""
    document = _document()
    services.deliver_document(document)
    delivery = _by_role(document)[SignerRole.CITIZEN]
    auth.login("mette")
    response = client.post(f"/leveringer/{delivery.id}/send-igen", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="deliveries"' in response.text and "Ali Khan" in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert len(mail.to("ali@example.dk")) == 2 and len(mail.to("hanne@firma.dk")) == 1


def test_resend_after_failure_delivers(app, mail, client, auth):
    """After the server refused, does 'Send igen' deliver at once and the visit become delivered?"""
    mail.refuse()
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    mail.accept()
    auth.login("mette")
    response = client.post(f"/leveringer/{delivery.id}/send-igen", headers={"HX-Request": "true"})
    assert "Sendt " in response.text and "Fejlet" not in response.text
    assert db.session.get(Delivery, delivery.id).status == DeliveryStatus.SENT
    assert document.visit.state == VisitState.DELIVERED


def test_email_is_danish_whatever_the_senders_language(app, mail, client, auth):
    """When a job broker who uses English resends, is the e-mail still in Danish, with the verify link
    taken from the request when BASE_URL is not set?"""
    del app.config["BASE_URL"]
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    document.visit.performed_by.locale = "en"
    db.session.commit()
    auth.login("mette")
    assert "Send again" in client.get(f"/besoeg/{document.visit.uuid}/leveringer").text
    client.post(f"/leveringer/{delivery.id}/send-igen", headers={"HX-Request": "true"})
    message = mail.to("hanne@firma.dk")[-1]
    assert message["Subject"].startswith("Referat af opfølgningsbesøg")
    assert "http://localhost/verify" in message.get_body(("plain",)).get_content()


def test_resend_plain_post_redirects_back(app, mail, client, auth):
    """Without htmx, does 'Send igen' redirect with 303 to the page it came from?"""
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    auth.login("mette")
    back = f"http://localhost/forloeb/{document.visit.placement_id}"
    response = client.post(f"/leveringer/{delivery.id}/send-igen", headers={"Referer": back})
    assert response.status_code == 303 and response.headers["Location"] == back
    foreign = client.post(
        f"/leveringer/{delivery.id}/send-igen", headers={"Referer": "https://evil.example/"}
    )
    assert foreign.headers["Location"] == "/"
    assert len(mail.messages) == 3


def test_another_jobformidler_gets_404(app, mail, client, auth):
    """Can a job broker neither see nor resend another job broker's citizen's summary (404)?"""
    document = _document()
    services.deliver_document(document)
    make_user(username="anden")
    auth.login("anden")
    delivery = document.deliveries[0]
    assert client.post(f"/leveringer/{delivery.id}/send-igen").status_code == 404
    assert client.get(f"/besoeg/{document.visit.uuid}/leveringer").status_code == 404
    assert len(mail.messages) == 2


def test_supervisor_sees_but_cannot_resend(app, mail, client, auth):
    """Does the team's supervisor see the deliveries without buttons, and get 403 on resend?"""
    team = make_team()
    document = _document(team=team)
    services.deliver_document(document)
    make_user(Role.SUPERVISOR, username="leder", team=team)
    auth.login("leder")
    fragment = client.get(f"/besoeg/{document.visit.uuid}/leveringer")
    assert fragment.status_code == 200 and "Ali Khan" in fragment.text and "Send igen" not in fragment.text
    assert client.post(f"/leveringer/{document.deliveries[0].id}/send-igen").status_code == 403
    assert len(mail.messages) == 2


def test_unknown_delivery_or_visit_gives_404(app, client, auth):
    """Do a delivery id and a visit UUID that do not exist answer 404?"""
    make_user(username="mette")
    auth.login("mette")
    assert client.post("/leveringer/999999/send-igen").status_code == 404
    assert client.get("/besoeg/00000000-0000-4000-8000-000000000000/leveringer").status_code == 404


# --- The cron command -----------------------------------------------------------------------------


def test_deliveries_command_retries_due_deliveries(app, mail):
    """Does `flask deliveries` send the failed deliveries that are due and say how many went?"""
    mail.refuse()
    document = _document()
    services.deliver_document(document)
    for delivery in document.deliveries:
        delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    mail.accept()
    result = app.test_cli_runner().invoke(args=["deliveries"])
    assert result.exit_code == 0, result.output
    assert "due: 2; sent: 2; failed: 0" in result.output
    assert document.visit.state == VisitState.DELIVERED


def test_deliveries_command_reports_failures(app, mail):
    """When the server still refuses, does `flask deliveries` report the failures and keep them failed?"""
    mail.refuse()
    document = _document(citizen_email=None)
    [delivery] = services.deliver_document(document)
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["deliveries"])
    assert "due: 1; sent: 0; failed: 1" in result.output
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
    assert len(events) == 2 and all(e.user_id is None for e in events)
