"""A jobformidler on a phone registers a company's workplace and contact person with the inline forms.

Fields are found by id, not by label, so that the test does not depend on the catalogue's wording.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import ContactPerson, Workplace
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD, make_company, make_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def company(app):
    make_user(username="jobformidler", full_name="Mette Sørensen")
    make_company(name="Ikast Bageri")
    return make_company(name="Herning Blik A/S", cvr="13748136", city="Herning")


def _login(page: Page, server: str, then: str) -> None:
    page.goto(server + then)
    expect(page).to_have_url(re.compile(r"/login"))
    page.locator("#username").fill("jobformidler")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(then) + "$"))


def test_add_workplace_and_contact_inline(page: Page, server: str, company):
    """Do the inline forms show errors in place, then add a workplace and a contact without a page load?"""
    _login(page, server, f"/virksomheder/{company.id}")
    page.evaluate("window.samePage = true")

    page.locator("#workplace-form").locator("xpath=..").locator("summary").click()
    page.locator("#workplace-name").fill("Værkstedet")
    page.locator("#workplace-p_number").fill("123456789")
    page.locator("#workplace-address").fill("Industrivej 12")
    page.locator("#workplace-postcode").fill("7400")
    page.locator("#workplace-city").fill("Herning")
    page.locator("#workplace-form button[type=submit]").click()
    expect(page.locator("#workplace-p_number-error")).to_be_visible()
    expect(page.locator("#workplace-name")).to_have_value("Værkstedet")
    screenshot(page, "company-workplace-error-phone")

    page.locator("#workplace-p_number").fill("1234567890")
    page.locator("#workplace-form button[type=submit]").click()
    expect(page.locator("#workplace-list")).to_contain_text("1234567890")
    expect(page.locator("#workplace-form [role=status]")).to_contain_text("Værkstedet")
    expect(page.locator("#workplace-name")).to_have_value("")
    # The contact form can choose the new workplace at once.
    expect(page.locator("#contact-workplace_id option")).to_have_count(2)

    page.locator("#contact-form").locator("xpath=..").locator("summary").click()
    page.locator("#contact-name").fill("Hanne Jensen")
    page.locator("#contact-phone").fill("20 30 40 50")
    page.locator("#contact-workplace_id").select_option(label="Værkstedet, Industrivej 12, 7400 Herning")
    page.locator("#contact-form button[type=submit]").click()
    expect(page.locator('#contact-list a[href="tel:20304050"]')).to_be_visible()
    assert page.evaluate("window.samePage") is True
    screenshot(page, "company-page-phone")

    workplace = db.session.scalar(sa.select(Workplace))
    contact = db.session.scalar(sa.select(ContactPerson))
    assert (workplace.p_number, contact.workplace_id) == ("1234567890", workplace.id)


def test_live_search_of_companies(page: Page, server: str, company):
    """Does typing a CVR number with a space narrow the company list without a page load?"""
    _login(page, server, "/virksomheder")
    expect(page.locator(".company-card")).to_have_count(2)
    page.wait_for_load_state()  # htmx listens to the search field only once the page's scripts have run
    page.locator("#q").fill("1374 8136")
    expect(page.locator(".company-card")).to_have_count(1)
    expect(page.locator(".company-card")).to_contain_text("Herning Blik A/S")
    screenshot(page, "companies-phone")


def test_new_company_with_a_wrong_cvr_keeps_what_was_typed(page: Page, server: str, company):
    """Does a refused new company show the error by the CVR field with the values kept, then register it?"""
    _login(page, server, "/virksomheder/ny")
    page.locator("#cvr").fill("1374 8137")
    page.locator("#name").fill("Blik og Rør ApS")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#cvr-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Blik og Rør ApS")
    expect(page.locator("#cvr")).to_have_value("1374 8137")
    screenshot(page, "company-new-error-phone")

    page.locator("#cvr").fill("29403473")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Blik og Rør ApS")
