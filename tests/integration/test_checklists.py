"""The administrator's checklist versions: pages, htmx fragments, refusals and the whole flow."""

import re

import pytest
import sqlalchemy as sa

from app.checklists import services
from app.checklists.views import bp
from app.extensions import db
from app.models import ChecklistItem, ChecklistTemplate, ItemKind, Role, TemplateStatus
from tests.factories import make_user

HTMX = {"HX-Request": "true", "HX-Target": "items"}


@pytest.fixture(autouse=True)
def _blueprint(app):
    # Until app/__init__.py registers the blueprint itself.
    if "checklists" not in app.blueprints:
        app.register_blueprint(bp)


@pytest.fixture
def admin(app, auth):
    user = make_user(Role.ADMIN, username="admin")
    auth.login("admin")
    return user


@pytest.fixture
def draft(admin):
    return services.new_draft(admin)


def _item(template, key):
    return db.session.scalar(
        sa.select(ChecklistItem).where(ChecklistItem.template_id == template.id, ChecklistItem.key == key)
    )


def _ticked(html):
    """The values of the ticked checkboxes in a page."""
    return {
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in re.findall(r"<input[^>]*>", html)
        if 'type="checkbox"' in tag and re.search(r"\bchecked\b", tag)
    }


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_list_shows_the_versions(client, admin, draft):
    """Does the list show each version with its status, items and signatures, and lead to the draft?"""
    page = client.get("/admin/skabeloner")
    assert page.status_code == 200
    for text in (
        "Tjeklister",
        "Version 1",
        "Version 2",
        "Udgivet",
        "Kladde",
        "7 punkter",
        "Kontaktperson, Borger",
    ):
        assert text in page.text
    assert "Åbn kladden (version 2)" in page.text and f"/admin/skabeloner/{draft.id}" in page.text


def test_a_fresh_installation_lists_the_default(client, admin):
    """Does the list show the default version 1 with a "Ny version" button when no template exists yet?"""
    page = client.get("/admin/skabeloner")
    assert "Version 1" in page.text and "Ny version" in page.text
    assert "Opfølgning på virksomhedsforløb" in page.text


def test_a_published_version_reads_only(client, admin):
    """Does a published version show its items, scale and signatures without any edit form?"""
    v1 = services.published_template()
    page = client.get(f"/admin/skabeloner/{v1.id}")
    assert page.status_code == 200
    for text in (
        "Fremmøde og mødestabilitet",
        "Møder til tiden",
        "Går godt · Delvist · Udfordring · Ikke relevant",
    ):
        assert text in page.text
    assert "Vurdering, note og timer" in page.text and "Kontaktperson, Borger" in page.text
    for form in ("udgiv", "kasser", "punkter", "indstillinger"):
        assert f"/admin/skabeloner/{v1.id}/{form}" not in page.text
    assert "Tilføj et punkt" not in page.text and "Flyt ned" not in page.text
    assert "Ny version" in page.text


def test_new_version_opens_a_draft(client, admin):
    """Does "Ny version" make draft version 2 and open it (303); does a second click open the same draft?"""
    response = client.post("/admin/skabeloner/ny")
    assert response.status_code == 303
    draft = services.current_draft()
    assert draft.version == 2 and response.headers["Location"].endswith(f"/admin/skabeloner/{draft.id}")
    page = client.get(response.headers["Location"])
    assert "Version 2 er en kladde" in page.text
    for text in ("Navn og underskrifter", "Tilføj et punkt", "Udgiv", "Kassér kladde", "Flyt ned", "Fjern"):
        assert text in page.text
    assert _ticked(page.text) == {"company_contact", "citizen"}
    again = client.post("/admin/skabeloner/ny", follow_redirects=True)
    assert "Du fortsætter kladden til version 2." in again.text
    assert _count(ChecklistTemplate, ChecklistTemplate.status == TemplateStatus.DRAFT) == 1


def test_the_items_fragment(client, admin, draft):
    """Does htmx get the item list alone, and the full page otherwise?"""
    fragment = client.get(f"/admin/skabeloner/{draft.id}", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="items"' in fragment.text and "Fremmøde og mødestabilitet" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    full = client.get(f"/admin/skabeloner/{draft.id}")
    assert "<html" in full.text and 'id="items"' in full.text


def test_rename_an_item_with_htmx(client, admin, draft):
    """Does saving an item with htmx answer with the updated list and keep the item's key?"""
    item = _item(draft, "attendance")
    response = client.post(
        f"/admin/skabeloner/punkter/{item.id}",
        data={
            f"item-{item.id}-title": "Mødestabilitet",
            f"item-{item.id}-help_text": "",
            f"item-{item.id}-kind": "rating",
        },
        headers=HTMX,
    )
    assert response.status_code == 200 and "<html" not in response.text and "Mødestabilitet" in response.text
    assert (_item(draft, "attendance").title, _item(draft, "attendance").help_text) == (
        "Mødestabilitet",
        None,
    )


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_an_empty_title_is_refused(client, admin, draft, headers):
    """Is an empty title refused in Danish, with the typed help text kept and nothing stored?"""
    item = _item(draft, "attendance")
    response = client.post(
        f"/admin/skabeloner/punkter/{item.id}",
        data={
            f"item-{item.id}-title": "  ",
            f"item-{item.id}-help_text": "Min nye hjælpetekst",
            f"item-{item.id}-kind": "rating",
        },
        headers=headers,
    )
    assert response.status_code == 422
    assert "Skriv en titel." in response.text and "Min nye hjælpetekst" in response.text
    assert _item(draft, "attendance").title == "Fremmøde og mødestabilitet"
    assert _item(draft, "attendance").help_text == "Møder til tiden, fravær meldt korrekt."


def test_an_empty_name_is_refused(client, admin, draft):
    """Is an empty template name refused in Danish, with the ticked signatures kept and nothing stored?"""
    response = client.post(
        f"/admin/skabeloner/{draft.id}/indstillinger", data={"name": "", "required_signers": ["citizen"]}
    )
    assert response.status_code == 422 and "Skriv tjeklistens navn." in response.text
    assert _ticked(response.text) == {"citizen"}
    db.session.refresh(draft)
    assert draft.name == "Opfølgning på virksomhedsforløb"
    assert draft.required_signers == ["company_contact", "citizen"]


def test_add_an_item(client, admin, draft):
    """Can an item be added (plain post, 303), and is an empty title refused with nothing added?"""
    bad = client.post(
        f"/admin/skabeloner/{draft.id}/punkter",
        data={"new-title": "", "new-help_text": "Tekst", "new-kind": "rating"},
    )
    assert bad.status_code == 422 and "Skriv en titel." in bad.text and "Tekst" in bad.text
    assert _count(ChecklistItem, ChecklistItem.template_id == draft.id) == 7
    ok = client.post(
        f"/admin/skabeloner/{draft.id}/punkter",
        data={"new-title": "Påklædning og hygiejne", "new-help_text": "", "new-kind": "rating"},
    )
    assert ok.status_code == 303
    added = _item(draft, "paaklaedning-og-hygiejne")
    assert added.title == "Påklædning og hygiejne" and added.position == 8 and added.kind == ItemKind.RATING


def test_a_second_hours_item_is_refused(client, admin, draft):
    """Is a (crafted) second hours item refused with a Danish message and not stored?"""
    response = client.post(
        f"/admin/skabeloner/{draft.id}/punkter",
        data={"new-title": "Flere timer", "new-kind": "hours"},
        headers=HTMX,
    )
    assert "allerede et timepunkt" in response.text and "Flere timer" in response.text
    assert _count(ChecklistItem, ChecklistItem.template_id == draft.id) == 7


def test_move_and_remove_items(client, admin, draft):
    """Do move and remove work with htmx and as plain posts; is the hours item kept?"""
    responsibility = _item(draft, "responsibility")
    response = client.post(
        f"/admin/skabeloner/punkter/{responsibility.id}/flyt", data={"direction": "up"}, headers=HTMX
    )
    assert response.status_code == 200 and 'id="items"' in response.text
    assert _item(draft, "responsibility").position == 1
    assert (
        client.post(
            f"/admin/skabeloner/punkter/{responsibility.id}/flyt", data={"direction": "down"}
        ).status_code
        == 303
    )
    assert _item(draft, "responsibility").position == 2

    cooperation = _item(draft, "cooperation")
    assert client.post(f"/admin/skabeloner/punkter/{cooperation.id}/slet").status_code == 303
    assert _item(draft, "cooperation") is None
    hours = _item(draft, "hours")
    refused = client.post(f"/admin/skabeloner/punkter/{hours.id}/slet", headers=HTMX)
    assert "timepunkt" in refused.text and _item(draft, "hours") is not None


def test_a_published_version_cannot_be_changed(client, admin):
    """Are changes to a published version refused with a Danish message and nothing changed?"""
    v1 = services.published_template()
    item = _item(v1, "attendance")
    response = client.post(
        f"/admin/skabeloner/punkter/{item.id}",
        data={f"item-{item.id}-title": "Hacket", f"item-{item.id}-kind": "rating"},
        follow_redirects=True,
    )
    assert "En udgivet version ændres aldrig." in response.text
    fragment = client.post(f"/admin/skabeloner/punkter/{item.id}/slet", headers=HTMX)
    assert "En udgivet version ændres aldrig." in fragment.text
    client.post(f"/admin/skabeloner/{v1.id}/indstillinger", data={"name": "Hacket"})
    client.post(f"/admin/skabeloner/{v1.id}/punkter", data={"new-title": "Hacket", "new-kind": "rating"})
    client.post(f"/admin/skabeloner/{v1.id}/kasser")
    client.post(f"/admin/skabeloner/{v1.id}/udgiv")
    db.session.refresh(v1)
    assert v1.name == "Opfølgning på virksomhedsforløb" and v1.status == TemplateStatus.PUBLISHED
    assert _item(v1, "attendance").title == "Fremmøde og mødestabilitet" and len(v1.items) == 7


def test_discard_the_draft(client, admin, draft):
    """Does discarding delete the draft and go back to the list?"""
    response = client.post(f"/admin/skabeloner/{draft.id}/kasser")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/skabeloner")
    assert services.current_draft() is None
    assert "Kladden er kasseret." in client.get("/admin/skabeloner").text


def test_the_whole_flow(client, admin):
    """New version → rename an item → set the signatures → publish: do new visits get v2 and v1 stay?"""
    draft_url = client.post("/admin/skabeloner/ny").headers["Location"]
    draft = services.current_draft()
    item = _item(draft, "attendance")
    client.post(
        f"/admin/skabeloner/punkter/{item.id}",
        data={
            f"item-{item.id}-title": "Mødestabilitet",
            f"item-{item.id}-help_text": "Kommer til tiden.",
            f"item-{item.id}-kind": "rating",
        },
    )
    response = client.post(
        f"/admin/skabeloner/{draft.id}/indstillinger",
        data={"name": "Opfølgning, 2027", "required_signers": ["citizen"]},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(draft_url)
    published = client.post(f"/admin/skabeloner/{draft.id}/udgiv", follow_redirects=True)
    assert "Version 2 er udgivet." in published.text
    assert f"af {admin.full_name}" in published.text and "Udarbejdet af" in published.text

    current = services.published_template()
    assert (current.id, current.version, current.name) == (draft.id, 2, "Opfølgning, 2027")
    assert current.required_signers == ["citizen"]
    assert _item(current, "attendance").title == "Mødestabilitet"
    v1 = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.version == 1))
    assert (
        v1.status == TemplateStatus.SUPERSEDED
        and _item(v1, "attendance").title == "Fremmøde og mødestabilitet"
    )
    listing = client.get("/admin/skabeloner").text
    assert "Erstattet" in listing and "Borger" in listing


def test_only_administrators(client, auth, app):
    """Are the pages and changes forbidden to a jobformidler?"""
    template = services.published_template()
    make_user(username="mette")
    auth.login("mette")
    assert client.get("/admin/skabeloner").status_code == 403
    assert client.get(f"/admin/skabeloner/{template.id}").status_code == 403
    assert client.post("/admin/skabeloner/ny").status_code == 403
    assert services.current_draft() is None
