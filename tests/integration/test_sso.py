"""Single sign-on through a real SAML IdP on 127.0.0.1: the test IdP (pysaml2, like the SP) signs real
assertions with keys the test made, and the app checks them with xmlsec1."""

from __future__ import annotations

import html
import logging
import re
import urllib.request
import xml.etree.ElementTree as ElementTree
from datetime import timedelta
from urllib.error import HTTPError

import pytest
import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.models import LoginAttempt, Role, User
from app.models.base import utcnow
from tests.certificates import issue, root_ca
from tests.factories import PASSWORD, make_team, make_user
from tests.saml_helpers import TEAM_NAME, encoded, query, saml  # noqa: F401  (the fixture)

MESSAGES = {
    "unsigned": "Log-ind kunne ikke bekræftes",
    "other_key": "Log-ind kunne ikke bekræftes",
    "expired": "Log-ind er udløbet",
    "replayed": "Dette log-ind er allerede brugt",
    "audience": "Log-ind var beregnet til en anden tjeneste",
    "no_role": "giver ikke adgang til Efterværn",
}


@pytest.fixture
def idp(client, saml):  # noqa: F811
    return saml.start(client.get("/saml/metadata").text)


@pytest.fixture
def mette(app):
    return make_user(username="mette", full_name="Mette K", email="mekj@demo-kommune.example", team=None)


def _authn_request(client, idp, next_url: str | None = None):
    response = client.get("/saml/login", query_string={"next": next_url} if next_url else None)
    assert response.status_code == 303
    return idp.parse_request(query(response.headers["Location"]))


def _sso_login(client, idp, person: str = "mekj", **options):
    xml = idp.response_xml(_authn_request(client, idp), idp.people[person], **options)
    return client.post("/saml/acs", data={"SAMLResponse": encoded(xml)})


def _attempts() -> list[LoginAttempt]:
    return list(db.session.scalars(sa.select(LoginAttempt).order_by(LoginAttempt.id)))


def test_sp_metadata_names_endpoints_keys_and_signing(client, saml):  # noqa: F811
    """Is the SP's metadata at a stable URL, with its entity ID, ACS and SLO endpoints, a key for signing
    and encryption, signed requests and required signed assertions?"""
    response = client.get("/saml/metadata")
    assert response.status_code == 200
    assert response.mimetype == "application/samlmetadata+xml"
    xml = response.text
    assert 'entityID="http://localhost/saml/metadata"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml
    assert 'Location="http://localhost/saml/acs"' in xml and "HTTP-POST" in xml
    assert 'Location="http://localhost/saml/sls"' in xml
    assert 'use="signing"' in xml and 'use="encryption"' in xml
    assert "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" in xml


def test_the_authn_request_is_signed_and_asks_for_oiosaml_assurance(client, idp):
    """Does the SP send a signed AuthnRequest (the IdP checks it against the SP's metadata) that asks for a
    persistent NameID and at least NSIS Substantial, and does a tampered signature fail at the IdP?"""
    location = client.get("/saml/login").headers["Location"]
    args = query(location)
    assert args["SigAlg"] == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" and args["Signature"]
    request = idp.parse_request(args)
    assert request.message.name_id_policy.format == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    refs = [r.text for r in request.message.requested_authn_context.authn_context_class_ref]
    assert refs == ["https://data.gov.dk/concept/core/nsis/loa/Substantial"]
    assert request.message.requested_authn_context.comparison == "minimum"
    tampered = {**args, "Signature": args["Signature"][:-8] + "AAAAAAA="}
    with pytest.raises(Exception, match=r"(?i)signed"):
        idp.parse_request(tampered)


def test_first_log_in_of_a_known_person_links_the_account_and_maps_role_and_team(client, idp, mette, caplog):
    """Does the first SSO log-in find the account by e-mail, link it to the IdP's persistent UUID, give it
    the role and team the privileges map to, land on the home page, and log the log-in?"""
    team = make_team(name=TEAM_NAME)
    caplog.set_level(logging.INFO, logger="app.auth")
    make_user(
        Role.SUPERVISOR, username="bila", email="bila@demo-kommune.example", team=make_team(name="Andet")
    )
    xml = idp.response_xml(_authn_request(client, idp, "/borgere"), idp.people["bila"])
    response = client.post("/saml/acs", data={"SAMLResponse": encoded(xml)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/borgere"
    user = db.session.scalar(sa.select(User).where(User.username == "bila"))
    assert user.sso_subject == idp.people["bila"].uuid
    assert user.role == Role.SUPERVISOR and user.team_id == team.id
    [attempt] = _attempts()
    assert attempt.method == "sso" and attempt.succeeded and attempt.user_id == user.id
    assert "SSO log-in: user=bila" in caplog.text
    assert client.get("/").status_code in (200, 302)  # logged in (a leder is sent on to the dashboard)
    assert "/login" not in client.get("/").headers.get("Location", "")


def test_later_log_ins_find_the_account_by_subject_not_email(client, idp, mette):
    """Once linked, is the account found by the IdP's subject even after the e-mail changes?"""
    make_team(name=TEAM_NAME)
    assert _sso_login(client, idp).status_code == 303
    client.post("/logout")
    idp.people["mekj"].email = "mette.new@demo-kommune.example"
    assert _sso_login(client, idp).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_an_encrypted_assertion_is_accepted(client, idp, mette):
    """Does the SP decrypt an assertion encrypted to its certificate (from its metadata) and log in?"""
    make_team(name=TEAM_NAME)
    request = _authn_request(client, idp)
    xml = idp.response_xml(request, idp.people["mekj"], encrypt=True)
    assert "EncryptedAssertion" in xml and "mekj@demo-kommune.example" not in xml
    response = client.post("/saml/acs", data={"SAMLResponse": encoded(xml)})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def _bad_response(kind: str, client, idp, saml):  # noqa: F811
    request = _authn_request(client, idp)
    person = idp.people["mekj"]
    if kind == "unsigned":
        return idp.response_xml(request, person, sign=False)
    if kind == "other_key":
        return idp.response_xml(
            request, person, server=idp.variant(key_file=saml.other_key, cert_file=saml.other_cert)
        )
    if kind == "expired":
        # Made ten minutes ago with a five-minute lifetime: past its end even with a minute's clock skew.
        with time_machine.travel(utcnow() - timedelta(minutes=10), tick=True):
            return idp.response_xml(request, person)
    if kind == "audience":
        return idp.response_xml(request, person, audience="https://en-anden-tjeneste.example/saml")
    if kind == "no_role":
        return idp.response_xml(request, idp.people["ingen"])
    if kind == "replayed":
        xml = idp.response_xml(request, person)
        assert client.post("/saml/acs", data={"SAMLResponse": encoded(xml)}).status_code == 303
        client.post("/logout")
        return xml
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("unsigned", "signature"),
        ("other_key", "signature"),
        ("expired", "expired"),
        ("replayed", "replayed"),
        ("audience", "audience"),
        ("no_role", "no_role"),
    ],
)
def test_bad_answers_are_refused_in_danish_and_logged(client, idp, saml, mette, caplog, kind, reason):  # noqa: F811
    """Is each bad answer refused (403, a Danish message, no session) and logged with its reason?"""
    make_team(name=TEAM_NAME)
    make_user(username="ib", email="ibin@demo-kommune.example")
    xml = _bad_response(kind, client, idp, saml)
    caplog.set_level(logging.INFO, logger="app.auth")
    response = client.post("/saml/acs", data={"SAMLResponse": encoded(xml)})
    assert response.status_code == 403
    assert MESSAGES[kind] in response.text
    assert client.get("/").status_code == 302  # not logged in
    refused = _attempts()[-1]
    assert refused.method == "sso" and refused.succeeded is False and refused.reason == reason
    assert f"SSO log-in refused ({reason})" in caplog.text


def test_an_unknown_person_gets_a_waiting_account_that_an_administrator_completes(client, idp, auth):
    """Does an unknown person get an account waiting for approval (refused until then, in Danish), shown
    first on the administrator's users page, and can they log in once the administrator switches it on?"""
    team = make_team(name=TEAM_NAME)
    make_user(Role.ADMIN, username="admin", full_name="Aage Admin")
    response = _sso_login(client, idp, "ny")
    assert response.status_code == 403
    assert "venter på, at en administrator godkender" in response.text
    user = db.session.scalar(sa.select(User).where(User.email == "nany@demo-kommune.example"))
    assert user.awaiting_approval and not user.is_active_account
    assert user.role == Role.JOBFORMIDLER and user.team_id == team.id and user.sso_subject
    assert _attempts()[-1].reason == "pending"
    assert _sso_login(client, idp, "ny").status_code == 403  # still waiting

    auth.login("admin")
    page = client.get("/admin/brugere").text
    assert "Venter på godkendelse" in page
    page = page[page.index('<ul class="cards">') :]
    assert page.index("Nanna Nyansat") < page.index("Aage Admin")  # waiting accounts first
    data = {
        "full_name": user.full_name,
        "username": user.username,
        "email": user.email,
        "phone": "",
        "role": "jobformidler",
        "team": str(team.id),
        "active": "y",
    }
    assert client.post(f"/admin/brugere/{user.id}", data=data).status_code == 303
    assert not db.session.get(User, user.id).awaiting_approval
    auth.logout()
    assert _sso_login(client, idp, "ny").status_code == 303


def test_an_account_without_a_password_is_not_offered_a_password_change(client, idp, auth):
    """An account made by a first single sign-on has no password here. Does its name in the header lead
    to its contact details rather than to a password form it could never fill, and does the password
    page say why in Danish and send it there? A password account keeps its password link."""
    make_team(name=TEAM_NAME)
    assert _sso_login(client, idp, "ny").status_code == 403
    user = db.session.scalar(sa.select(User).where(User.email == "nany@demo-kommune.example"))
    assert not user.has_password
    user.awaiting_approval, user.is_active_account = False, True
    db.session.commit()
    assert _sso_login(client, idp, "ny").status_code == 303
    header = client.get("/borgere").text
    assert 'class="who" href="/konto/kontaktoplysninger"' in header and "/konto/adgangskode" not in header
    answer = client.get("/konto/adgangskode")
    assert answer.status_code == 303 and answer.headers["Location"] == "/konto/kontaktoplysninger"
    page = client.get("/konto/kontaktoplysninger").text
    assert "gennem kommunens log-in, så du har ingen adgangskode her" in page
    assert client.post("/konto/adgangskode", data={"current": "x", "password": "y"}).status_code == 303
    assert db.session.get(User, user.id).password_hash == "!"
    client.post("/logout")
    make_user(username="mette")
    auth.login("mette")
    assert db.session.scalar(sa.select(User).where(User.username == "mette")).has_password
    assert 'class="who" href="/konto/adgangskode"' in client.get("/borgere").text


def test_unknown_people_are_refused_when_configured(client, idp, app):
    """With SAML_UNKNOWN_USERS=refuse, is an unknown person refused without an account being made?"""
    app.config["SAML_UNKNOWN_USERS"] = "refuse"
    response = _sso_login(client, idp, "ny")
    assert response.status_code == 403
    assert "Du har ingen konto i Efterværn" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert _attempts()[-1].reason == "unknown"


def test_a_too_low_assurance_level_is_refused(client, idp, mette):
    """Is a log-in at NSIS Low refused when SAML_MIN_LOA is Substantial?"""
    idp.people["mekj"].loa = "Low"
    response = _sso_login(client, idp)
    assert response.status_code == 403 and "sikringsniveauet er for lavt" in response.text
    assert _attempts()[-1].reason == "assurance"


def _get(url: str) -> str:
    """Ask the IdP (a real HTTP server) and return where it redirects the browser to."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url, timeout=10)
    except HTTPError as error:
        assert error.code == 303, error.read()
        return error.headers["Location"]
    raise AssertionError("the IdP did not redirect")


def test_log_out_in_the_app_ends_the_session_and_the_idps(client, idp, mette):
    """Does log-out end the app's session at once and send a signed LogoutRequest that the IdP accepts,
    whose signed answer brings the browser back to the log-in page?"""
    make_team(name=TEAM_NAME)
    _sso_login(client, idp)
    person = idp.people["mekj"].uuid
    assert person in idp.sessions
    response = client.post("/logout")
    assert response.status_code == 200
    to_idp = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', response.text).group(1)
    to_idp = html.unescape(to_idp)
    assert to_idp.startswith(idp.base_url + "/slo?SAMLRequest=")
    assert "data-wipe-device" not in response.text  # kept for the log-in page the IdP sends back to
    assert client.get("/").status_code == 302  # ended here already, whatever the IdP does
    back = _get(to_idp)
    assert person not in idp.sessions
    assert back.startswith("http://localhost/saml/sls?SAMLResponse=")
    answer = client.get(back)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert 'data-wipe-device="all"' in client.get("/login").text


def test_log_out_at_the_idp_ends_the_apps_session(client, idp, mette):
    """Does a signed LogoutRequest from the IdP end the app's session, keep what waits on the device (only
    page copies are wiped), and answer the IdP with a LogoutResponse?"""
    make_team(name=TEAM_NAME)
    _sso_login(client, idp)
    assert client.get("/").status_code == 200
    response = client.get(idp.logout_request_url(idp.people["mekj"].uuid))
    assert response.status_code == 303
    assert response.headers["Location"].startswith(idp.base_url + "/slo?SAMLResponse=")
    page = client.get("/", follow_redirects=True).text
    assert "Du er blevet logget ud via kommunens log-ind" in page
    assert 'data-wipe-device="pages"' in page and "data-logged-in" not in page


def test_a_logout_request_signed_by_another_key_is_refused(client, idp, saml, mette):  # noqa: F811
    """Is a LogoutRequest not signed by the IdP's key refused, leaving the session as it was?"""
    make_team(name=TEAM_NAME)
    _sso_login(client, idp)
    idp.server = idp.variant(key_file=saml.other_key, cert_file=saml.other_cert)
    response = client.get(idp.logout_request_url(idp.people["mekj"].uuid))
    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_without_the_idps_metadata_the_button_explains_in_danish(client, saml, app):  # noqa: F811
    """Before the IdP's metadata can be read, does the SSO button answer with a Danish message, not a 500?"""
    response = client.get("/saml/login")
    assert response.status_code == 503
    assert "Kommunens log-ind er ikke tilgængeligt lige nu" in response.text


# ----- Password log-in switched off -----


@pytest.fixture
def sso_only(app, idp):
    app.config.update(PASSWORD_LOGIN_ENABLED=False, BREAK_GLASS_USERNAME="noedadmin")
    make_user(Role.ADMIN, username="noedadmin")
    make_user(username="mette")


def test_with_password_log_in_off_the_form_is_gone_and_posts_are_refused(client, sso_only, caplog):
    """With password log-in off, does the log-in page show only the SSO button, and is a correct password
    POSTed anyway refused (403, Danish) and logged?"""
    page = client.get("/login").text
    assert 'name="password"' not in page
    assert "Log ind med kommunens log-ind" in page
    caplog.set_level(logging.WARNING, logger="app.auth")
    response = client.post("/login", data={"username": "mette", "password": PASSWORD})
    assert response.status_code == 403
    assert "Log-ind med adgangskode er slået fra" in response.text
    assert client.get("/").status_code == 302
    assert _attempts()[-1].reason == "password_off"
    assert "Password log-in refused (switched off): user=mette" in caplog.text


def test_the_break_glass_administrator_can_still_use_a_password(client, sso_only):
    """Can the named break-glass administrator log in with a password (the form at ?noedadgang=1)?"""
    page = client.get("/login?noedadgang=1").text
    assert 'name="password"' in page
    response = client.post("/login?noedadgang=1", data={"username": "NoedAdmin", "password": PASSWORD})
    assert response.status_code == 303
    assert client.get("/admin/brugere").status_code == 200


def test_with_password_log_in_on_the_page_shows_both(client, idp):
    """With both on (the demo), does the log-in page show the SSO button beside the password form?"""
    page = client.get("/login").text
    assert 'name="password"' in page
    assert re.search(r'href="/saml/login[^"]*"', page)


def test_the_idps_metadata_can_come_from_a_url(client, idp, app, mette):
    """With SAML_IDP_METADATA_URL instead of a file, is the IdP's metadata fetched and used to log in?"""
    make_team(name=TEAM_NAME)
    app.config.update(SAML_IDP_METADATA_URL=idp.base_url + "/metadata", SAML_IDP_METADATA_FILE=None)
    assert _sso_login(client, idp).status_code == 303
    assert client.get("/").status_code == 200


@pytest.fixture
def signed_remote_metadata(app, idp, saml, tmp_path):  # noqa: F811
    """The IdP's metadata from its URL, signed by its federation's key, whose certificate the app is
    configured with: (the federation's cert, its key)."""
    federation = issue(root_ca("Føderationens rod"), "Metadata-signering")
    cert, key = tmp_path / "federation-cert.pem", tmp_path / "federation-key.pem"
    cert.write_bytes(federation.pem())
    key.write_bytes(federation.key_pem())
    idp.metadata_signer = (str(cert), str(key))
    app.config.update(
        SAML_IDP_METADATA_URL=idp.base_url + "/metadata",
        SAML_IDP_METADATA_FILE=None,
        SAML_IDP_METADATA_CERT=str(cert),
    )
    return str(cert), str(key)


def test_metadata_signed_by_the_federation_is_used_to_log_in(client, idp, mette, signed_remote_metadata):
    """With SAML_IDP_METADATA_CERT set, is the IdP's metadata, signed with that certificate's key,
    fetched, checked and used to log in?"""
    make_team(name=TEAM_NAME)
    assert "Signature" in idp.metadata_xml()
    assert _sso_login(client, idp).status_code == 303
    assert client.get("/").status_code == 200


def _tampered(idp, kind: str, saml) -> None:  # noqa: F811
    """Make the IdP serve metadata an attacker on the way could have: unsigned, signed by another key,
    changed after signing (its log-in address), a genuine signature moved onto a forgery, signed but
    wrapped in an unsigned list, or signed but with a document type declaring entities."""
    if kind == "unsigned":
        idp.metadata_signer = None
    elif kind == "other_key":
        idp.metadata_signer = (saml.other_cert, saml.other_key)
    elif kind == "changed":
        signed = idp.metadata_xml()
        assert idp.base_url + "/sso" in signed
        idp.served_metadata = signed.replace(idp.base_url + "/sso", "https://angriber.example/sso")
    elif kind == "moved":
        idp.served_metadata = _signature_moved_to_a_forgery(idp.metadata_xml())
    elif kind == "entities":
        signed = idp.metadata_xml().split("?>", 1)[1]
        idp.served_metadata = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "ent">]>{signed}'
    elif kind == "wrapped":
        signed = idp.metadata_xml().split("?>", 1)[1]  # the document without its XML declaration
        idp.served_metadata = (
            f'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="liste">{signed}'
            "</md:EntitiesDescriptor>"
        )


def _signature_moved_to_a_forgery(signed: str) -> str:
    """A signature-wrapping forgery: the attacker's own IdP entity (its log-in address changed) as the
    document, carrying the genuine signature, which still references the genuine entity, now tucked
    away inside the forgery without its signature (so its digest still matches)."""
    md, ds = "urn:oasis:names:tc:SAML:2.0:metadata", "http://www.w3.org/2000/09/xmldsig#"
    genuine = ElementTree.fromstring(signed)
    signature = genuine.find(f"{{{ds}}}Signature")
    genuine.remove(signature)
    forgery = ElementTree.fromstring(ElementTree.tostring(genuine))
    forgery.set("ID", "angriber")
    for service in forgery.iter(f"{{{md}}}SingleSignOnService"):
        service.set("Location", "https://angriber.example/sso")
    forgery.insert(0, signature)
    extensions = ElementTree.SubElement(forgery, f"{{{md}}}Extensions")
    extensions.append(genuine)
    return ElementTree.tostring(forgery, encoding="unicode")


@pytest.mark.parametrize("kind", ["unsigned", "other_key", "changed", "moved", "wrapped", "entities"])
def test_metadata_not_signed_as_a_whole_by_the_federation_is_refused(
    client,
    idp,
    saml,  # noqa: F811
    mette,
    signed_remote_metadata,
    caplog,
    kind,
):
    """Is metadata that is unsigned, signed by another key, changed after signing or wrapped in an
    unsigned list refused: the log-in button answers in Danish (503), an answer signed by the IdP's
    key is not let in either, and the reason is logged?"""
    make_team(name=TEAM_NAME)
    _tampered(idp, kind, saml)
    caplog.set_level(logging.INFO)
    response = client.get("/saml/login")
    assert response.status_code == 503
    assert "Kommunens log-ind er ikke tilgængeligt lige nu" in response.text
    assert "IdP metadata from" in caplog.text


@pytest.mark.parametrize(
    ("ahead", "accepted"), [(timedelta(seconds=40), True), (timedelta(minutes=3), False)]
)
def test_the_idps_clock_may_be_a_little_ahead_but_not_more(client, idp, mette, ahead, accepted):
    """Is an assertion from an IdP whose clock runs 40 s ahead accepted (SAML_CLOCK_SKEW_SECONDS is 60),
    and one from an IdP three minutes ahead refused as not yet valid?"""
    make_team(name=TEAM_NAME)
    request = _authn_request(client, idp)
    with time_machine.travel(utcnow() + ahead, tick=True):
        xml = idp.response_xml(request, idp.people["mekj"])
    response = client.post("/saml/acs", data={"SAMLResponse": encoded(xml)})
    if accepted:
        assert response.status_code == 303
    else:
        assert response.status_code == 403
        assert "passer ikke med tjenestens ur" in response.text
        assert _attempts()[-1].reason == "clock"
