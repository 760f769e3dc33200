"""The administrator's pages for users and teams, moving citizens, and a user's own password."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEvent, Citizen, Role, Team, User
from tests.factories import make_citizen, make_team, make_user

GOOD = "lang-og-sikker-7"


@pytest.fixture
def team(app):
    return make_team(name="Team Øst")


@pytest.fixture
def admin(app, auth):
    user = make_user(Role.ADMIN, username="admin", full_name="Ada Admin")
    auth.login("admin")
    return user


def _new_user(**changes):
    return {
        "full_name": "Mette Kristensen",
        "username": "Mette.K",
        "email": "mette@kommune.dk",
        "phone": "",
        "role": "jobformidler",
        "team": "",
        "password": GOOD,
        "confirm": GOOD,
        **changes,
    }


@pytest.mark.parametrize(
    "url",
    ["/admin/brugere", "/admin/brugere/ny", "/admin/brugere/1"],
)
@pytest.mark.parametrize("role", [Role.JOBFORMIDLER, Role.SUPERVISOR])
def test_only_an_administrator_manages_users(app, client, auth, url, role):
    make_user(Role.ADMIN)  # user 1
    make_user(role, username="other")
    auth.login("other")
    assert client.get(url).status_code == 403
    assert client.post(url, data=_new_user()).status_code in (403, 405)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_the_administrator_creates_a_jobformidler_who_can_log_in(client, admin, team, auth):
    page = client.get("/admin/brugere/ny")
    assert page.status_code == 200 and "Første adgangskode" in page.text and "Team Øst" in page.text

    response = client.post("/admin/brugere/ny", data=_new_user(team=str(team.id)))

    assert response.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.username == "mette.k"))
    assert (user.full_name, user.email, user.role, user.team) == (
        "Mette Kristensen",
        "mette@kommune.dk",
        Role.JOBFORMIDLER,
        team,
    )
    listing = client.get("/admin/brugere").text
    assert "Mette Kristensen kan nu logge ind som mette.k." in listing
    assert "0 af 35" in listing  # her caseload against the cap
    auth.logout()
    assert auth.login("mette.k", GOOD).status_code == 303


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"team": ""}, "Vælg et team: en leder ser kun sit eget teams borgere."),
        ({"confirm": "noget-andet-9"}, "De to adgangskoder er ikke ens."),
        ({"password": "kort", "confirm": "kort"}, "Brug mindst 10 tegn."),
        ({"username": "admin"}, "En anden bruger har allerede dette brugernavn."),
        ({"username": "mette k"}, "Brug 2–64 bogstaver a–z, tal, punktum, bindestreg eller understreg."),
        ({"email": "mette@"}, "Skriv en gyldig e-mailadresse."),
        ({"team": "999"}, "Vælg et team på listen."),
    ],
)
def test_a_refused_new_user_keeps_what_was_typed(client, admin, team, changes, message):
    """Each error in Danish on the field; the name and e-mail typed are still in the form, the passwords
    are not echoed back."""
    data = _new_user(**({"team": str(team.id)} | changes))
    response = client.post("/admin/brugere/ny", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert 'value="Mette Kristensen"' in response.text
    assert f'value="{data["email"]}"' in response.text
    assert GOOD not in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_editing_a_user_changes_role_and_team(client, admin, team):
    other_team = make_team(name="Team Vest")
    user = make_user(full_name="Jonas Jensen", team=team)
    page = client.get(f"/admin/brugere/{user.id}")
    assert 'value="Jonas Jensen"' in page.text and "Flyt borgere" not in page.text  # no citizens

    response = client.post(
        f"/admin/brugere/{user.id}",
        data={
            "full_name": "Jonas Juul Jensen",
            "username": user.username,
            "email": "",
            "phone": "12 34 56 78",
            "role": "supervisor",
            "team": str(other_team.id),
            "active": "y",
        },
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.full_name, user.role, user.team, user.phone) == (
        "Jonas Juul Jensen",
        Role.SUPERVISOR,
        other_team,
        "12 34 56 78",
    )


def test_a_jobformidler_with_citizens_is_not_deactivated_and_the_form_keeps_the_changes(client, admin, team):
    user = make_user(full_name="Jonas Jensen", team=team)
    make_citizen(user)
    page = client.get(f"/admin/brugere/{user.id}")
    assert "1 borger følges af Jonas Jensen." in page.text and "Flyt borgere" in page.text

    response = client.post(
        f"/admin/brugere/{user.id}",
        # "active" is not ticked
        data={
            "full_name": "Jonas J. Jensen",
            "username": user.username,
            "role": "jobformidler",
            "team": team.id,
        },
    )

    assert response.status_code == 422
    assert "Jonas Jensen har stadig 1 borgere. Flyt dem først til en anden jobformidler." in response.text
    assert 'value="Jonas J. Jensen"' in response.text
    db.session.refresh(user)
    assert user.is_active_account and user.full_name == "Jonas Jensen"


def test_the_administrator_sets_a_new_password(client, admin, auth):
    user = make_user(username="jonas")
    url = f"/admin/brugere/{user.id}/adgangskode"
    weak = client.post(url, data={"password": "jonas12345", "confirm": "jonas12345"})
    assert weak.status_code == 422 and "Adgangskoden må ikke indeholde brugernavnet." in weak.text
    assert client.post(url, data={"password": GOOD, "confirm": GOOD}).status_code == 303
    auth.logout()
    assert auth.login("jonas").status_code == 422  # the old password no longer works
    assert auth.login("jonas", GOOD).status_code == 303


def test_teams_are_created_and_a_duplicate_is_explained(client, admin, team):
    assert client.post("/admin/teams", data={"name": "Team Nord"}).status_code == 303
    assert db.session.scalar(sa.select(Team).where(Team.name == "Team Nord")) is not None
    duplicate = client.post("/admin/teams", data={"name": "team øst"})
    assert duplicate.status_code == 422
    assert "Der findes allerede et team med dette navn." in duplicate.text
    assert 'value="team øst"' in duplicate.text


def test_moving_citizens_to_a_colleague(app, client, admin, team):
    """The page lists the giver's citizens (an access-log read each) and the colleagues with their
    caseloads; a move without a receiver is explained and keeps the ticks; a move over the cap is
    done and reported."""
    app.config["CASELOAD_CAP"] = 1
    giver = make_user(full_name="Giver Hansen", team=team)
    receiver = make_user(full_name="Modtager Madsen", team=team)
    anna, bo = make_citizen(giver, first_name="Anna"), make_citizen(giver, first_name="Bo")
    make_citizen(receiver)
    url = f"/team/{giver.id}/flyt-borgere"

    page = client.get(url)
    assert page.status_code == 200
    assert "Anna Hansen" in page.text and "Modtager Madsen: 1 af 1 borgere (Team Øst)" in page.text
    reads = db.session.scalars(sa.select(AuditEvent.citizen_id).where(AuditEvent.action == AuditAction.READ))
    assert sorted(reads) == sorted([anna.id, bo.id])

    missing = client.post(url, data={"citizens": [str(anna.id)], "to_user": ""})
    assert missing.status_code == 422 and "Vælg den jobformidler, der overtager." in missing.text
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', missing.text)
    assert [
        ("checked" in box, f'value="{c.id}"' in box) for box, c in zip(boxes, (anna, bo), strict=True)
    ] == [
        (True, True),
        (False, True),
    ]

    done = client.post(
        url, data={"citizens": [str(anna.id)], "to_user": str(receiver.id)}, follow_redirects=True
    )
    assert "1 borgere blev flyttet til Modtager Madsen." in done.text
    assert "Modtager Madsen har nu 2 borgere, flere end loftet på 1." in done.text
    assert db.session.get(Citizen, anna.id).jobformidler_id == receiver.id
    assert db.session.get(Citizen, bo.id).jobformidler_id == giver.id


def test_a_user_changes_their_own_password(client, auth, app):
    make_user(username="mette")
    auth.login("mette")
    assert client.get("/konto/adgangskode").status_code == 200
    wrong = client.post("/konto/adgangskode", data={"current": "forkert", "password": GOOD, "confirm": GOOD})
    assert wrong.status_code == 422 and "Den nuværende adgangskode er forkert." in wrong.text
    done = client.post(
        "/konto/adgangskode", data={"current": "correct horse", "password": GOOD, "confirm": GOOD}
    )
    assert done.status_code == 303
    auth.logout()
    assert auth.login("mette", GOOD).status_code == 303


def test_the_administrators_access_log_names_the_changed_account(client, auth, admin, team):
    """Account changes show in the administrator's access log with the account's name; a leder's log
    (citizens of the team only) does not show them."""
    client.post("/admin/brugere/ny", data=_new_user(team=str(team.id)))
    log = client.get("/adgangslog").text
    assert "Brugerkonti" in log and "Konto:</span> Mette Kristensen" in log
    make_user(Role.SUPERVISOR, username="leder", team=team)
    auth.logout()
    auth.login("leder")
    assert "Brugerkonti" not in client.get("/adgangslog").text


def test_a_team_is_renamed_and_a_taken_name_is_explained(client, admin, team):
    make_team(name="Team Vest")
    page = client.get(f"/admin/teams/{team.id}")
    assert page.status_code == 200 and 'value="Team Øst"' in page.text
    taken = client.post(f"/admin/teams/{team.id}", data={"name": "TEAM VEST"})
    assert taken.status_code == 422 and "Der findes allerede et team med dette navn." in taken.text
    assert 'value="TEAM VEST"' in taken.text
    assert client.post(f"/admin/teams/{team.id}", data={"name": "Team  Øst  og Syd"}).status_code == 303
    db.session.refresh(team)
    assert team.name == "Team Øst og Syd"
    assert (
        client.post(f"/admin/teams/{team.id}", data={"name": "team øst og syd"}).status_code == 303
    )  # own name


def test_an_empty_team_is_deleted_from_its_page_and_the_log_says_so(client, admin, team):
    """Does the team page refuse to delete a team with an active member (no button), delete an empty
    one, and does the access log then name the deleted team?"""
    member = make_user(Role.JOBFORMIDLER, username="mette", team=team)
    page = client.get(f"/admin/teams/{team.id}").text
    assert "Slet Team Øst" not in page and "kan ikke slettes" in page
    refused = client.post(f"/admin/teams/{team.id}/slet", follow_redirects=True)
    assert "Flyt først teamets aktive medlemmer til et andet team." in refused.text
    member.is_active_account = False
    db.session.commit()
    team_id = team.id
    assert "Slet Team Øst" in client.get(f"/admin/teams/{team_id}").text
    done = client.post(f"/admin/teams/{team_id}/slet", follow_redirects=True)
    assert "Teamet Team Øst er slettet." in done.text
    assert client.get(f"/admin/teams/{team_id}").status_code == 404
    assert f"Team: slettet (nr. {team_id})" in client.get("/adgangslog").text


def test_a_leder_evens_out_the_teams_caseloads_within_the_team(app, client, auth, team):
    """A leder moves citizens between the team's jobformidlere: colleagues of another team are neither
    offered nor accepted, another team's jobformidler answers 404, and a jobformidler gets 403."""
    giver = make_user(full_name="Giver Hansen", team=team)
    colleague = make_user(full_name="Kollega Krogh", team=team)
    stranger = make_user(full_name="Fremmed Friis", team=make_team(name="Team Vest"))
    anna = make_citizen(giver, first_name="Anna")
    make_citizen(stranger)
    make_user(Role.SUPERVISOR, username="leder", team=team)
    auth.login("leder")

    team_page = client.get("/team").text
    assert f'href="/team/{giver.id}/flyt-borgere"' in team_page
    page = client.get(f"/team/{giver.id}/flyt-borgere")
    assert page.status_code == 200 and "Kollega Krogh" in page.text and "Fremmed Friis" not in page.text
    outside = client.post(
        f"/team/{giver.id}/flyt-borgere", data={"citizens": [str(anna.id)], "to_user": str(stranger.id)}
    )
    assert outside.status_code == 422 and "Vælg en jobformidler på listen." in outside.text
    assert client.get(f"/team/{stranger.id}/flyt-borgere").status_code == 404

    done = client.post(
        f"/team/{giver.id}/flyt-borgere",
        data={"citizens": [str(anna.id)], "to_user": str(colleague.id)},
        follow_redirects=True,
    )
    assert "1 borgere blev flyttet til Kollega Krogh." in done.text
    assert db.session.get(Citizen, anna.id).jobformidler_id == colleague.id

    auth.logout()
    auth.login(colleague.username)
    assert client.get(f"/team/{colleague.id}/flyt-borgere").status_code == 403
