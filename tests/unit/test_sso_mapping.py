"""Who an assertion says the person is: OIOSAML privileges, assurance levels, role and team mapping,
and which account a single sign-on lets in (no HTTP, no IdP: the assertion is built here)."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

from app.auth import saml
from app.auth.saml import OIO_EMAIL, OIO_FULL_NAME, OIO_LOA, OIO_PERSISTENT_UUID, OIO_PRIVILEGES, Assertion
from app.auth.services import identity_from, sso_user
from app.auth.test_idp import PRIVILEGE_PREFIX, TEAM_PREFIX, demo_role_map, privilege_list
from app.extensions import db
from app.models import LoginAttempt, Role, User
from tests.factories import make_citizen, make_team, make_user

GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


def _assertion(**attributes: list[str]) -> Assertion:
    return Assertion(
        name_id="nameid-1",
        name_id_format=None,
        name_qualifier=None,
        sp_name_qualifier=None,
        session_index=None,
        issuer="idp",
        attributes=attributes,
    )


def oio(*privileges: str, uuid: str = "uuid-1", email: str = "a@kommune.dk", loa: str = "Substantial"):
    return _assertion(
        **{
            OIO_PERSISTENT_UUID: [uuid],
            OIO_EMAIL: [email],
            OIO_FULL_NAME: ["Anne Andersen"],
            OIO_LOA: [loa],
            OIO_PRIVILEGES: [privilege_list(*privileges)],
        }
    )


@pytest.fixture
def mapped(app):
    app.config.update(
        SAML_ROLE_MAP=demo_role_map(),
        SAML_TEAM_MAP={TEAM_PREFIX + "vest": "Team Vest"},
        SAML_UNKNOWN_USERS="pending",
        SAML_MIN_LOA="Substantial",
    )
    return make_team(name="Team Vest")


def test_an_oiosaml_privilege_list_is_decoded():
    """Are the privileges in a base64 OIOSAML PrivilegeList read, and is anything else no privileges?"""
    value = privilege_list("urn:a", "urn:b")
    assert saml.privileges(value) == ["urn:a", "urn:b"]
    assert saml.privileges("not base64 at all") == []
    assert saml.privileges(base64.b64encode(b"<x><y/></x>").decode()) == []


@pytest.mark.parametrize(
    ("level", "minimum", "ok"),
    [
        ("High", "Substantial", True),
        ("Substantial", "Substantial", True),
        ("Low", "Substantial", False),
        (None, "Substantial", False),
        ("nonsense", "Low", False),
        (None, None, True),
    ],
)
def test_assurance_levels_are_ordered(level, minimum, ok):
    """Is an NSIS level let in only when it is at least the configured minimum (none configured: any)?"""
    assert saml.loa_sufficient(level, minimum) is ok


def test_the_persistent_uuid_is_the_subject_when_sent():
    """Is OIOSAML's persistent UUID the person's identifier, and the NameID only without it?"""
    assert oio(uuid="u-42").subject == "u-42"
    assert _assertion().subject == "nameid-1"


def test_several_privileges_give_the_broadest_role_and_the_mapped_team(app, mapped):
    """With privileges for jobformidler and leder, is the person a leder, in the team a privilege names?"""
    identity = identity_from(
        oio(PRIVILEGE_PREFIX + "jobformidler", PRIVILEGE_PREFIX + "leder", TEAM_PREFIX + "vest")
    )
    assert identity.role == Role.SUPERVISOR and identity.team_name == "Team Vest"
    assert identity.email == "a@kommune.dk" and identity.full_name == "Anne Andersen"
    assert identity_from(oio("urn:something:else")).role is None


def test_a_plain_group_claim_maps_too(app):
    """Does an IdP that sends group names (Entra ID style) map through the same configuration?"""
    app.config.update(
        SAML_ATTRIBUTE_GROUPS=GROUPS, SAML_ROLE_MAP={"efterv-admins": "admin"}, SAML_TEAM_MAP={}
    )
    assert identity_from(_assertion(**{GROUPS: ["alle", "efterv-admins"]})).role == Role.ADMIN


def test_an_email_already_linked_to_another_subject_is_not_taken_over(app, mapped):
    """Is an account linked to one IdP subject never linked to another person with the same e-mail?"""
    make_user(username="anne", email="a@kommune.dk", sso_subject="uuid-original", team=mapped)
    result = sso_user(identity_from(oio(PRIVILEGE_PREFIX + "jobformidler", uuid="uuid-other")))
    assert result.user is None and result.refusal == saml.Refusal.PENDING
    anne = db.session.scalar(sa.select(User).where(User.username == "anne"))
    assert anne.sso_subject == "uuid-original"


def test_a_deactivated_account_is_refused_and_logged(app, mapped):
    """Is a deactivated account refused through SSO too, with the reason stored?"""
    make_user(username="anne", email="a@kommune.dk", is_active_account=False, team=mapped)
    result = sso_user(identity_from(oio(PRIVILEGE_PREFIX + "jobformidler")), "127.0.0.1")
    assert result.refusal == saml.Refusal.INACTIVE
    attempt = db.session.scalar(sa.select(LoginAttempt))
    assert (attempt.method, attempt.reason, attempt.succeeded) == ("sso", "inactive", False)


def test_production_refuses_password_log_in_off_without_single_sign_on():
    """Does ProductionConfig refuse to start with password log-in off and no IdP (nobody could log in)?"""
    from app.config import ProductionConfig, TestConfig

    class Config(ProductionConfig):
        SECRET_KEY = "x" * 40
        CPR_ENCRYPTION_KEY = TestConfig.CPR_ENCRYPTION_KEY
        PASSWORD_LOGIN_ENABLED = False
        SAML_ENABLED = False

    with pytest.raises(RuntimeError, match="PASSWORD_LOGIN_ENABLED=0"):
        Config.check()
    Config.SAML_ENABLED = True
    Config.check()


def test_production_refuses_idp_metadata_over_plain_http_unless_its_signature_is_checked():
    """The IdP's keys come from its metadata: does ProductionConfig refuse a plain-HTTP metadata URL
    without SAML_IDP_METADATA_CERT, and take an HTTPS one, or a plain-HTTP one with the certificate?"""
    from app.config import ProductionConfig, TestConfig

    class Config(ProductionConfig):
        SECRET_KEY = "x" * 40
        CPR_ENCRYPTION_KEY = TestConfig.CPR_ENCRYPTION_KEY
        SAML_IDP_METADATA_URL = "http://idp.kommune.example/metadata"
        SAML_IDP_METADATA_CERT = None

    with pytest.raises(RuntimeError, match="SAML_IDP_METADATA_CERT"):
        Config.check()
    Config.SAML_IDP_METADATA_CERT = "/etc/efterværn/føderation.pem"
    Config.check()
    Config.SAML_IDP_METADATA_URL, Config.SAML_IDP_METADATA_CERT = "https://idp.kommune.example/metadata", None
    Config.check()


def test_a_jobformidler_with_citizens_keeps_the_role_until_they_are_moved(app, mapped, caplog):
    """Does a leder privilege leave a jobformidler who still has citizens a jobformidler (as the
    administrator's rule does), with a line in the log, and let them in?"""
    anne = make_user(username="anne", email="a@kommune.dk", team=mapped)
    make_citizen(anne)
    result = sso_user(identity_from(oio(PRIVILEGE_PREFIX + "leder", TEAM_PREFIX + "vest")))
    assert result.user is not None and result.user.role == Role.JOBFORMIDLER
    assert "not applied: they still have citizens" in caplog.text


def test_a_role_map_naming_no_role_is_logged_not_a_crash(app, caplog):
    """Is a SAML_ROLE_MAP value that is no role skipped with an error in the log (and the person refused)?"""
    app.config.update(SAML_ROLE_MAP={PRIVILEGE_PREFIX + "leder": "chef"})
    assert identity_from(oio(PRIVILEGE_PREFIX + "leder")).role is None
    assert "which is no role" in caplog.text
