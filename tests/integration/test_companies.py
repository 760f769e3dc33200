"""Companies, workplaces and contact persons as a user sees them: full pages, htmx fragments, plain posts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape

from app.companies import forms, services
from app.extensions import db
from app.models import Company, ContactPerson, Role, Workplace
from tests.factories import make_company, make_contact, make_user, make_workplace

HTMX_WORKPLACE = {"HX-Request": "true", "HX-Target": "workplace-form"}
HTMX_CONTACT = {"HX-Request": "true", "HX-Target": "contact-form"}
CORRECT_THE_FIELDS = "Ret venligst de markerede felter nedenfor."


@pytest.fixture
def mette(app, auth):
    """A jobformidler, logged in."""
    user = make_user(username="mette")
    auth.login("mette")
    return user


def shown(app: Flask, message) -> str:
    """A form message as the page shows it: in the interface language, escaped as Jinja escapes it."""
    with app.test_request_context():
        return str(escape(message))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# The list and the search


def test_company_list_full_page_and_fragment(client, mette):
    """Does /virksomheder give the whole page normally and only the rows to htmx, varying on HX-Request?"""
    company = make_company(name="Herning Blik A/S", city="Herning")
    make_workplace(company)
    make_workplace(company)
    full = client.get("/virksomheder")
    assert full.status_code == 200 and "<html" in full.text
    assert "Herning Blik A/S" in full.text and company.cvr in full.text
    assert 'href="/virksomheder/ny"' in full.text
    assert "HX-Request" in full.headers["Vary"]
    fragment = client.get("/virksomheder", headers={"HX-Request": "true", "HX-Target": "company-rows"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="company-rows"' in fragment.text and "Herning Blik A/S" in fragment.text
    assert "<dd>2</dd>" in fragment.text  # two workplaces
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("term", ["blik", "HERNING BLIK", "13748136", "1374 8136", "4813"])
def test_company_search_by_name_or_cvr(client, mette, term):
    """Does the search find a company by part of its name (any case) or of its CVR number, spaces ignored?"""
    make_company(cvr="13748136", name="Herning Blik A/S")
    make_company(name="Ikast Bageri")
    fragment = client.get(
        "/virksomheder", query_string={"q": term}, headers={"HX-Request": "true", "HX-Target": "company-rows"}
    )
    assert "Herning Blik A/S" in fragment.text and "Ikast Bageri" not in fragment.text


def test_company_search_without_match_says_so(client, mette):
    """Does a search that finds nothing say so, and take % literally rather than as a wildcard?"""
    make_company(name="Herning Blik A/S")
    page = client.get("/virksomheder?q=%25").text
    assert "Herning Blik A/S" not in page and "company-card" not in page


def test_search_companies_counts_workplaces(app):
    """Does search_companies give each company with its number of workplaces, sorted by name?"""
    b = make_company(name="bageriet")
    a = make_company(name="Autoværkstedet")
    make_workplace(b)
    rows = services.search_companies("")
    assert [(r.company.id, r.workplace_count) for r in rows] == [(a.id, 0), (b.id, 1)]


# Registering and editing a company


def test_new_company_is_stored_and_shown(client, mette):
    """Is a company with a spaced CVR number stored without spaces, and the user sent to its page (303)?"""
    assert client.get("/virksomheder/ny").status_code == 200
    response = client.post(
        "/virksomheder/ny",
        data={"cvr": "1374 8136", "name": "Herning Blik A/S", "postcode": "7400", "city": "Herning"},
    )
    company = db.session.scalar(sa.select(Company))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/virksomheder/{company.id}"
    assert (company.cvr, company.name, company.postcode, company.address) == (
        "13748136",
        "Herning Blik A/S",
        "7400",
        None,
    )
    page = client.get(response.headers["Location"]).text
    assert "Herning Blik A/S" in page and "13748136" in page and 'class="flash flash-success"' in page


@pytest.mark.parametrize(
    ("cvr", "message"),
    [
        ("13748137", forms.CVR_CHECKSUM),
        ("1374813", forms.CVR_LENGTH),
        ("1374813A", forms.CVR_LENGTH),
        ("ABCDEFGH", forms.CVR_LENGTH),
        ("", forms.CVR_REQUIRED),
    ],
)
def test_new_company_refuses_bad_cvr(app, client, mette, cvr, message):
    """Is a bad CVR number refused (422) with its message by the field, typed values kept, nothing stored?"""
    response = client.post(
        "/virksomheder/ny",
        data={"cvr": cvr, "name": "Herning Blik A/S", "city": "Herning", "phone": "97 12 34 56"},
    )
    assert response.status_code == 422
    assert CORRECT_THE_FIELDS in response.text
    assert 'id="cvr-error"' in response.text and shown(app, message) in response.text
    assert f'value="{cvr}"' in response.text
    assert 'value="Herning Blik A/S"' in response.text and 'value="97 12 34 56"' in response.text
    assert count(Company) == 0


def test_new_company_refuses_a_registered_cvr_and_links_to_it(client, mette):
    """Is a CVR number already registered refused, naming and linking the company that has it?"""
    existing = make_company(cvr="13748136", name="Herning Blik A/S")
    response = client.post("/virksomheder/ny", data={"cvr": "1374 8136", "name": "Blik og Rør ApS"})
    assert response.status_code == 422
    assert 'id="cvr-error"' in response.text and "Herning Blik A/S" in response.text
    assert f'href="/virksomheder/{existing.id}"' in response.text
    assert 'value="1374 8136"' in response.text and 'value="Blik og Rør ApS"' in response.text
    assert count(Company) == 1


def test_new_company_keeps_every_typed_value_on_error(app, client, mette):
    """Are all typed values kept and each error shown by its field when several fields are wrong?"""
    data = {
        "cvr": "13748136",
        "name": "Herning Blik A/S",
        "address": "Industrivej 12",
        "postcode": "740",
        "city": "Herning",
        "phone": "97 12 34 56",
        "email": "post@",
    }
    response = client.post("/virksomheder/ny", data=data)
    assert response.status_code == 422
    for value in data.values():
        assert f'value="{value}"' in response.text
    assert 'id="postcode-error"' in response.text and shown(app, forms.POSTCODE) in response.text
    assert 'id="email-error"' in response.text and shown(app, forms.EMAIL) in response.text
    assert count(Company) == 0


def test_edit_company_changes_the_details(client, mette):
    """Does editing change the stored details, keep the company's own CVR number, and redirect (303)?"""
    company = make_company(cvr="13748136", name="Herning Blik")
    form = client.get(f"/virksomheder/{company.id}/rediger")
    assert form.status_code == 200 and 'value="Herning Blik"' in form.text
    response = client.post(
        f"/virksomheder/{company.id}/rediger",
        data={"cvr": "13748136", "name": "Herning Blik A/S", "email": "post@herningblik.dk"},
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/virksomheder/{company.id}"
    db.session.refresh(company)
    assert (company.name, company.email) == ("Herning Blik A/S", "post@herningblik.dk")


def test_edit_company_refuses_another_companys_cvr(client, mette):
    """Is changing a company's CVR number to another company's refused, and nothing changed?"""
    make_company(cvr="13748136", name="Herning Blik A/S")
    company = make_company(name="Ikast Bageri")
    old_cvr = company.cvr
    response = client.post(
        f"/virksomheder/{company.id}/rediger", data={"cvr": "13748136", "name": "Ikast Bageri"}
    )
    assert response.status_code == 422 and "Herning Blik A/S" in response.text
    db.session.refresh(company)
    assert company.cvr == old_cvr


# The company page


def test_company_page_shows_workplaces_and_contacts(client, mette):
    """Does the company page show its workplaces and contact persons, with phone and e-mail links?"""
    company = make_company(name="Herning Blik A/S", phone="97 12 34 56")
    workplace = make_workplace(company, name="Værkstedet", p_number="1234567890")
    make_contact(company, name="Hanne Jensen", title="Værkfører", workplace=workplace)
    page = client.get(f"/virksomheder/{company.id}").text
    assert "Herning Blik A/S" in page and company.cvr in page
    assert "Værkstedet" in page and "1234567890" in page and workplace.full_address in page
    assert "Hanne Jensen" in page and "Værkfører" in page
    assert 'href="tel:20304050"' in page and 'href="mailto:hanne@example.dk"' in page
    assert 'href="tel:97123456"' in page
    assert 'id="workplace-form"' in page and 'id="contact-form"' in page


# Adding a workplace


def workplace_data(**overrides: str) -> dict[str, str]:
    fields = {"name": "Lageret", "p_number": "1234567890", "address": "Industrivej 1", "postcode": "7400"}
    return {f"workplace-{k}": v for k, v in {**fields, "city": "Herning", **overrides}.items()}


def test_add_workplace_with_htmx(client, mette):
    """Does an htmx add store the workplace and answer with a fresh form and the list refreshed (OOB)?"""
    company = make_company()
    response = client.post(
        f"/virksomheder/{company.id}/arbejdssteder", data=workplace_data(), headers=HTMX_WORKPLACE
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<form id="workplace-form"')
    assert 'role="status"' in response.text
    assert 'id="workplace-list" hx-swap-oob="true"' in response.text and "1234567890" in response.text
    # The contact form's workplace choices are refreshed with the new one.
    assert 'id="contact-workplace_id" hx-swap-oob="innerHTML"' in response.text
    workplace = db.session.scalar(sa.select(Workplace))
    assert (workplace.company_id, workplace.name, workplace.p_number) == (company.id, "Lageret", "1234567890")
    assert (workplace.address, workplace.postcode, workplace.city) == ("Industrivej 1", "7400", "Herning")
    assert f'<option value="{workplace.id}">' in response.text
    assert 'value="Lageret"' not in response.text  # the form is empty for the next one


def test_add_workplace_without_p_number(client, mette):
    """May a workplace be added without a P-number (stored as NULL)?"""
    company = make_company()
    response = client.post(
        f"/virksomheder/{company.id}/arbejdssteder", data=workplace_data(p_number=""), headers=HTMX_WORKPLACE
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Workplace.p_number)) is None


@pytest.mark.parametrize("p_number", ["123456789", "12345678AB", "12345678901"])
def test_add_workplace_refuses_malformed_p_number(app, client, mette, p_number):
    """Is a P-number that is not 10 digits refused in the fragment, typed values kept, nothing stored?"""
    company = make_company()
    response = client.post(
        f"/virksomheder/{company.id}/arbejdssteder",
        data=workplace_data(p_number=p_number),
        headers=HTMX_WORKPLACE,
    )
    # 422 for htmx too: base.html has htmx swap 422 answers in.
    assert response.status_code == 422 and "<html" not in response.text
    assert (
        'id="workplace-p_number-error"' in response.text
        and shown(app, forms.P_NUMBER_LENGTH) in response.text
    )
    assert f'value="{p_number}"' in response.text and 'value="Lageret"' in response.text
    assert "hx-swap-oob" not in response.text
    assert count(Workplace) == 0


def test_add_workplace_refuses_a_used_p_number(client, mette):
    """Is a P-number already used by a workplace refused, naming it?"""
    make_workplace(make_company(name="Ikast Bageri"), p_number="1234567890", name="Bagerbutikken")
    company = make_company()
    response = client.post(
        f"/virksomheder/{company.id}/arbejdssteder", data=workplace_data(), headers=HTMX_WORKPLACE
    )
    assert response.status_code == 422
    assert 'id="workplace-p_number-error"' in response.text
    assert "Bagerbutikken" in response.text and "Ikast Bageri" in response.text
    assert count(Workplace) == 1


def test_add_workplace_without_javascript(client, mette):
    """Does a plain POST store the workplace and redirect (303) back to the company page?"""
    company = make_company()
    response = client.post(f"/virksomheder/{company.id}/arbejdssteder", data=workplace_data())
    assert response.status_code == 303 and response.headers["Location"] == f"/virksomheder/{company.id}"
    assert db.session.scalar(sa.select(Workplace.name)) == "Lageret"
    assert "Lageret" in client.get(response.headers["Location"]).text


def test_add_workplace_without_javascript_shows_errors_on_the_page(client, mette):
    """Does a refused plain POST answer 422 with the company page, the form open and the values kept?"""
    company = make_company(name="Herning Blik A/S")
    response = client.post(f"/virksomheder/{company.id}/arbejdssteder", data=workplace_data(city=""))
    assert response.status_code == 422 and "<html" in response.text and "Herning Blik A/S" in response.text
    assert '<details class="add-inline" open>' in response.text
    assert 'id="workplace-city-error"' in response.text and 'value="Lageret"' in response.text
    assert count(Workplace) == 0


# Adding a contact person


def contact_data(**overrides: str) -> dict[str, str]:
    fields = {"name": "Hanne Jensen", "title": "Værkfører", "phone": "20 30 40 50", "email": "hanne@blik.dk"}
    return {f"contact-{k}": v for k, v in {**fields, "workplace_id": "", **overrides}.items()}


def test_add_contact_with_htmx(client, mette):
    """Does an htmx add store the contact person at the chosen workplace and refresh the list out of band?"""
    company = make_company()
    workplace = make_workplace(company, name="Værkstedet")
    response = client.post(
        f"/virksomheder/{company.id}/kontaktpersoner",
        data=contact_data(workplace_id=str(workplace.id)),
        headers=HTMX_CONTACT,
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<form id="contact-form"')
    assert 'id="contact-list" hx-swap-oob="true"' in response.text
    assert 'href="tel:20304050"' in response.text and 'href="mailto:hanne@blik.dk"' in response.text
    contact = db.session.scalar(sa.select(ContactPerson))
    assert (contact.company_id, contact.workplace_id) == (company.id, workplace.id)
    assert (contact.name, contact.title, contact.phone, contact.email) == (
        "Hanne Jensen",
        "Værkfører",
        "20 30 40 50",
        "hanne@blik.dk",
    )


def test_add_contact_refuses_a_bad_email_in_the_fragment(app, client, mette):
    """Is a malformed e-mail refused in the fragment with every value kept, nothing stored?"""
    company = make_company()
    response = client.post(
        f"/virksomheder/{company.id}/kontaktpersoner", data=contact_data(email="hanne@"), headers=HTMX_CONTACT
    )
    assert response.status_code == 422 and "<html" not in response.text
    assert 'id="contact-email-error"' in response.text and shown(app, forms.EMAIL) in response.text
    assert 'value="hanne@"' in response.text and 'value="Værkfører"' in response.text
    assert count(ContactPerson) == 0


def test_add_contact_refuses_another_companys_workplace(client, mette):
    """Can a contact person not be tied to a workplace of another company?"""
    company = make_company()
    other = make_workplace(make_company())
    response = client.post(
        f"/virksomheder/{company.id}/kontaktpersoner",
        data=contact_data(workplace_id=str(other.id)),
        headers=HTMX_CONTACT,
    )
    assert response.status_code == 422 and 'id="contact-workplace_id-error"' in response.text
    assert count(ContactPerson) == 0


def test_add_contact_without_javascript(client, mette):
    """Does a plain POST store the contact person (no workplace) and redirect (303) to the company page?"""
    company = make_company()
    response = client.post(f"/virksomheder/{company.id}/kontaktpersoner", data=contact_data())
    assert response.status_code == 303 and response.headers["Location"] == f"/virksomheder/{company.id}"
    contact = db.session.scalar(sa.select(ContactPerson))
    assert (contact.name, contact.workplace_id) == ("Hanne Jensen", None)


def test_add_contact_without_javascript_shows_errors_on_the_page(client, mette):
    """Does a refused plain POST answer 422 with the company page and the contact form open?"""
    company = make_company()
    response = client.post(f"/virksomheder/{company.id}/kontaktpersoner", data=contact_data(name=""))
    assert response.status_code == 422 and "<html" in response.text
    assert 'id="contact-name-error"' in response.text and 'value="Værkfører"' in response.text
    assert count(ContactPerson) == 0


# Editing workplaces and contact persons


def test_edit_workplace(client, mette):
    """Can a workplace be changed, keeping its own P-number, with a 303 back to the company?"""
    company = make_company()
    workplace = make_workplace(company, p_number="1234567890", name="Lager")
    url = f"/virksomheder/{company.id}/arbejdssteder/{workplace.id}/rediger"
    assert 'value="Lager"' in client.get(url).text
    data = {
        "name": "Lageret",
        "p_number": "1234567890",
        "address": "Vej 2",
        "postcode": "7430",
        "city": "Ikast",
    }
    response = client.post(url, data=data)
    assert response.status_code == 303
    db.session.refresh(workplace)
    assert (workplace.name, workplace.city, workplace.p_number) == ("Lageret", "Ikast", "1234567890")


def test_edit_workplace_refuses_a_bad_postcode(client, mette):
    """Is a refused workplace edit answered 422 with the typed values kept and nothing changed?"""
    workplace = make_workplace(name="Lager")
    url = f"/virksomheder/{workplace.company_id}/arbejdssteder/{workplace.id}/rediger"
    data = {"name": "Lageret", "address": "Vej 2", "postcode": "74", "city": "Ikast"}
    response = client.post(url, data=data)
    assert (
        response.status_code == 422 and 'value="74"' in response.text and 'value="Lageret"' in response.text
    )
    db.session.refresh(workplace)
    assert workplace.name == "Lager"


def test_edit_contact(client, mette):
    """Can a contact person be moved to a workplace and given a new phone number?"""
    company = make_company()
    workplace = make_workplace(company)
    contact = make_contact(company)
    url = f"/virksomheder/{company.id}/kontaktpersoner/{contact.id}/rediger"
    assert 'value="Hanne Jensen"' in client.get(url).text
    response = client.post(
        url,
        data={
            "name": "Hanne Jensen",
            "title": "",
            "phone": "40 50 60 70",
            "email": "",
            "workplace_id": workplace.id,
        },
    )
    assert response.status_code == 303
    db.session.refresh(contact)
    assert (contact.phone, contact.workplace_id, contact.email) == ("40 50 60 70", workplace.id, None)


# The select boxes of the placement form


def test_choices_for_the_placement_form(app):
    """Do workplace_choices and contact_choices give one company's workplaces and contacts, by name?"""
    company = make_company()
    b = make_workplace(company, name="Butikken", address="Torvet 1", postcode="7400", city="Herning")
    a = make_workplace(company, name="Autoværkstedet", address="Vej 2", postcode="7430", city="Ikast")
    make_workplace(make_company())
    hanne = make_contact(company, name="Hanne Jensen", title="Værkfører")
    bo = make_contact(company, name="Bo Holm", title=None)
    make_contact(make_company())
    assert services.workplace_choices(company.id) == [
        (a.id, "Autoværkstedet, Vej 2, 7430 Ikast"),
        (b.id, "Butikken, Torvet 1, 7400 Herning"),
    ]
    assert services.contact_choices(company.id) == [(bo.id, "Bo Holm"), (hanne.id, "Hanne Jensen, Værkfører")]


def test_add_contact_service_refuses_another_companys_workplace(app):
    """Does add_contact refuse a workplace of another company even without the form?"""
    company = make_company()
    other = make_workplace(make_company())
    with pytest.raises(ValueError, match="does not belong"):
        services.add_contact(company, {"name": "Hanne", "workplace_id": other.id})
    assert count(ContactPerson) == 0


# Access


URLS = ["/virksomheder", "/virksomheder/ny", "/virksomheder/{id}", "/virksomheder/{id}/rediger"]


@pytest.mark.parametrize("url", URLS)
def test_companies_need_a_login(client, url):
    """Does every companies page send an anonymous visitor to the log-in page?"""
    company = make_company()
    response = client.get(url.format(id=company.id))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_anonymous_htmx_post_gets_401(client):
    """Does an htmx post without a session get 401 (so htmx can go to the log-in page), storing nothing?"""
    company = make_company()
    response = client.post(
        f"/virksomheder/{company.id}/arbejdssteder", data=workplace_data(), headers=HTMX_WORKPLACE
    )
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    assert count(Workplace) == 0


@pytest.mark.parametrize("url", [*URLS, "/virksomheder/{id}/arbejdssteder/{wp}/rediger"])
def test_administrator_gets_403(client, auth, url):
    """Are the companies pages forbidden to an administrator, who runs the system but not the follow-up?"""
    make_user(Role.ADMIN, username="admin")
    workplace = make_workplace()
    auth.login("admin")
    assert client.get(url.format(id=workplace.company_id, wp=workplace.id)).status_code == 403


def test_administrator_cannot_add_a_workplace(client, auth):
    """Is an administrator's post refused (403) and nothing stored?"""
    make_user(Role.ADMIN, username="admin")
    company = make_company()
    auth.login("admin")
    assert client.post(f"/virksomheder/{company.id}/arbejdssteder", data=workplace_data()).status_code == 403
    assert count(Workplace) == 0


def test_supervisor_may_use_the_companies(client, auth):
    """May a supervisor see and add companies, as the municipality's companies are shared?"""
    make_user(Role.SUPERVISOR, username="leder")
    auth.login("leder")
    assert client.get("/virksomheder").status_code == 200
    response = client.post("/virksomheder/ny", data={"cvr": "13748136", "name": "Herning Blik A/S"})
    assert response.status_code == 303


@pytest.mark.parametrize(
    "url",
    [
        "/virksomheder/999999",
        "/virksomheder/999999/rediger",
        "/virksomheder/{id}/arbejdssteder/999999/rediger",
        "/virksomheder/{id}/kontaktpersoner/999999/rediger",
        "/virksomheder/{id}/arbejdssteder/{other_wp}/rediger",
        "/virksomheder/{id}/kontaktpersoner/{other_contact}/rediger",
    ],
)
def test_unknown_ids_give_404(client, mette, url):
    """Do an unknown company, and a workplace or contact person of another company, answer 404?"""
    company = make_company()
    other = make_company()
    path = url.format(id=company.id, other_wp=make_workplace(other).id, other_contact=make_contact(other).id)
    assert client.get(path).status_code == 404


def test_adding_to_an_unknown_company_gives_404(client, mette):
    """Does posting a workplace to a company that does not exist answer 404?"""
    response = client.post(
        "/virksomheder/999999/arbejdssteder", data=workplace_data(), headers=HTMX_WORKPLACE
    )
    assert response.status_code == 404
    assert count(Workplace) == 0
