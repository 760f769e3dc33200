"""The administrator changes the municipality's follow-up plan."""

import pytest

from app.models import Role
from app.placements.schedule import FollowUpRule, default_rules
from app.placements.services import current_rules
from tests.factories import make_user


@pytest.fixture
def admin(app, auth):
    make_user(Role.ADMIN, username="admin")
    auth.login("admin")


def test_plan_page_shows_the_default(client, admin):
    """Does the page show the programme default with example dates?"""
    page = client.get("/admin/opfoelgningsplan")
    assert page.status_code == 200
    for label in ("1 uge", "1 måned", "3 måneder", "12 måneder", "standard"):
        assert label in page.text


def test_add_and_remove_a_step(client, admin):
    """Can the administrator add a visit after 2 weeks and then remove the 1-week visit?"""
    response = client.post("/admin/opfoelgningsplan/trin", data={"amount": "2", "unit": "weeks"})
    assert response.status_code == 303
    assert FollowUpRule(days=14) in current_rules()
    client.post("/admin/opfoelgningsplan/trin/7d/slet")
    rules = current_rules()
    assert FollowUpRule(days=7) not in rules and len(rules) == len(default_rules())
    assert "2 uger" in client.get("/admin/opfoelgningsplan").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "", "unit": "months"}, "Skriv et tal."),
        ({"amount": "99", "unit": "months"}, "Skriv et tal mellem 1 og 36."),
        ({"amount": "1", "unit": "months"}, "Planen har allerede et besøg på det tidspunkt."),
    ],
)
def test_bad_steps_are_refused(client, admin, data, message):
    """Is a missing, too large or duplicate step refused with a Danish message and the plan unchanged?"""
    response = client.post("/admin/opfoelgningsplan/trin", data=data)
    assert response.status_code == 422 and message in response.text
    assert current_rules() == default_rules()


def test_reset_to_default(client, admin):
    """Does resetting bring back the programme's plan?"""
    client.post("/admin/opfoelgningsplan/trin", data={"amount": "2", "unit": "weeks"})
    client.post("/admin/opfoelgningsplan/standard")
    assert current_rules() == default_rules()


def test_the_last_step_cannot_be_removed(client, admin):
    """Does the plan keep at least one visit?"""
    for rule in default_rules()[1:]:
        client.post(f"/admin/opfoelgningsplan/trin/{rule.code}/slet")
    response = client.post("/admin/opfoelgningsplan/trin/7d/slet", follow_redirects=True)
    assert "Planen skal have mindst ét besøg." in response.text
    assert current_rules() == [FollowUpRule(days=7)]


def test_only_administrators(client, auth, app):
    """Is the plan page forbidden to a jobformidler?"""
    make_user(username="mette")
    auth.login("mette")
    assert client.get("/admin/opfoelgningsplan").status_code == 403
    assert client.post("/admin/opfoelgningsplan/standard").status_code == 403
