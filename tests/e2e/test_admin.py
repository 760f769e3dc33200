"""An administrator on a phone: a new colleague's account, a form with errors, and a caseload handed on."""

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Citizen, Role
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD, make_citizen, make_team, make_user

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "grøn-cykel-42"


@pytest.fixture
def municipality(app):
    team = make_team(name="Virksomhedsteamet")
    make_user(Role.ADMIN, username="admin", full_name="Per Holm")
    leaving = make_user(username="mette", full_name="Mette Sørensen", team=team)
    make_user(username="jonas", full_name="Jonas Bach", team=team)
    return {c.first_name: c.id for c in (make_citizen(leaving, first_name=n) for n in ("Ali", "Birgitte"))}


def _login(page: Page, server: str, username: str, password: str = PASSWORD) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


def test_a_new_account_and_a_handed_on_caseload(page: Page, server: str, municipality):
    """A refused form (htmx, 422) shows its Danish errors in place and keeps what was typed; corrected, the
    account is made and can log in. Mette's citizens go to Jonas, after which her account can be closed."""
    _login(page, server, "admin")
    page.get_by_role("link", name="Ny bruger").click()
    page.get_by_label("Fulde navn").fill("Sofie Lund")
    page.get_by_label("Brugernavn").fill("sofie l")
    page.get_by_label("Jobformidler").check()
    page.get_by_label("Første adgangskode").fill("kort")
    page.get_by_label("Adgangskoden igen").fill("kort")
    page.get_by_role("button", name="Gem").click()

    expect(page.get_by_text("Ret venligst de markerede felter nedenfor.")).to_be_visible()
    expect(
        page.get_by_text("Brug 2–64 bogstaver a–z, tal, punktum, bindestreg eller understreg.")
    ).to_be_visible()
    expect(page.get_by_text("Brug mindst 10 tegn.")).to_be_visible()
    expect(page.get_by_text("Vælg et team: en leder ser kun sit eget teams borgere.")).to_be_visible()
    expect(page.get_by_label("Fulde navn")).to_have_value("Sofie Lund")
    expect(page.get_by_label("Jobformidler")).to_be_checked()
    screenshot(page, "admin-new-user-errors-phone")

    page.get_by_label("Brugernavn").fill("sofie.l")
    page.get_by_label("Team", exact=True).select_option(label="Virksomhedsteamet")
    page.get_by_label("Første adgangskode").fill(NEW_PASSWORD)
    page.get_by_label("Adgangskoden igen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Sofie Lund kan nu logge ind som sofie.l.")).to_be_visible()
    expect(page.get_by_role("link", name="Sofie Lund")).to_be_visible()

    # Mette leaves: her account cannot be closed while she has citizens.
    page.get_by_role("link", name="Mette Sørensen").click()
    page.get_by_label("Aktiv: brugeren kan logge ind").uncheck()
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Mette Sørensen har stadig 2 borgere.")).to_be_visible()
    page.get_by_role("link", name="Flyt borgere").click()
    page.get_by_label("Ali Hansen").check()
    page.get_by_label("Birgitte Hansen").check()
    page.get_by_label("Ny jobformidler").select_option(
        label="Jonas Bach: 0 af 35 borgere (Virksomhedsteamet)"
    )
    screenshot(page, "admin-move-citizens-phone")
    page.get_by_role("button", name="Flyt", exact=True).click()
    expect(page.get_by_text("2 borgere blev flyttet til Jonas Bach.")).to_be_visible()
    page.get_by_label("Aktiv: brugeren kan logge ind").uncheck()
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Ændringerne af Mette Sørensen er gemt.")).to_be_visible()
    assert {db.session.get(Citizen, i).jobformidler.username for i in municipality.values()} == {"jonas"}

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_text("Du er logget ud.")).to_be_visible()
    _login(page, server, "sofie.l", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()
