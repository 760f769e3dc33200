"""The rules of versioned checklist templates, without HTTP."""

import pytest
import sqlalchemy as sa

from app.checklists import services
from app.checklists.services import ChecklistRuleError, TemplateLocked
from app.extensions import db
from app.models import ChecklistItem, ChecklistTemplate, ItemKind, Role, SignerRole, TemplateStatus, Visit
from app.visits.defaults import ITEMS, RATING_SCALE
from tests.factories import make_citizen, make_placement, make_user, make_visit


@pytest.fixture
def admin(app):
    return make_user(Role.ADMIN)


@pytest.fixture
def draft(admin):
    return services.new_draft(admin)


def _item(template, key):
    return next(i for i in template.items if i.key == key)


def test_published_template_is_the_default_on_a_fresh_installation(app):
    """Does a database without templates get the default version 1 with DOMAIN.md's topics?"""
    template = services.published_template()
    assert (template.version, template.status) == (1, TemplateStatus.PUBLISHED)
    assert [i.key for i in template.items] == [key for key, *_ in ITEMS]
    assert services.published_template().id == template.id


def test_new_draft_copies_the_published_version(admin):
    """Does a new draft copy items, keys, signers and scale, with the next version number and a parent?"""
    published = services.published_template()
    draft = services.new_draft(admin)
    assert draft.status == TemplateStatus.DRAFT and draft.version == 2 and draft.parent_id == published.id
    assert draft.name == published.name
    assert [(i.position, i.key, i.title, i.help_text, i.kind) for i in draft.items] == [
        (i.position, i.key, i.title, i.help_text, i.kind) for i in published.items
    ]
    assert {i.id for i in draft.items}.isdisjoint({i.id for i in published.items})
    assert draft.required_signers == published.required_signers
    assert draft.rating_scale == RATING_SCALE


def test_only_one_draft_at_a_time(admin, draft):
    """Does asking for a new version while a draft exists give that draft instead of a second one?"""
    assert services.new_draft(admin).id == draft.id
    count = db.session.scalar(
        sa.select(sa.func.count()).where(ChecklistTemplate.status == TemplateStatus.DRAFT)
    )
    assert count == 1


def test_simultaneous_new_versions_make_one_draft(admin, monkeypatch):
    """When two requests both find no draft, does the second get the first one's draft, not an error?"""
    first = services.new_draft(admin)
    real_current_draft = services.current_draft
    calls = iter([None])  # the second request's first look misses the draft the first one just made
    monkeypatch.setattr(services, "current_draft", lambda: next(calls, None) or real_current_draft())
    assert services.new_draft(admin).id == first.id


def test_the_draft_is_numbered_after_the_newest_version(admin):
    """After v2 is published, is the next draft version 3, also when v2 was renamed?"""
    v2 = services.new_draft(admin)
    services.update_draft(v2, {"name": "Midtvejsevaluering"})
    services.publish(v2)
    v3 = services.new_draft(admin)
    assert (v3.version, v3.name, v3.parent_id) == (3, "Midtvejsevaluering", v2.id)


def test_publish_supersedes_the_previous_version(draft, admin):
    """Does publishing make the draft the published version and the old one superseded, and does the
    version keep who made it and who published it?"""
    v1 = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.version == 1))
    publisher = make_user(Role.ADMIN)
    services.publish(draft, publisher)
    assert draft.status == TemplateStatus.PUBLISHED and draft.published_at is not None
    assert (draft.created_by, draft.published_by) == (admin, publisher)
    assert (v1.created_by, v1.published_by) == (None, None)  # the default version the app installs
    assert v1.status == TemplateStatus.SUPERSEDED
    assert services.published_template().id == draft.id


def test_discard_draft(draft):
    """Does discarding delete the draft and its items, leaving the published version?"""
    draft_id = draft.id
    services.discard_draft(draft)
    assert db.session.get(ChecklistTemplate, draft_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).where(ChecklistItem.template_id == draft_id)) == 0
    assert services.published_template().version == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda t: services.update_draft(t, {"name": "Ny"}),
        lambda t: services.set_required_signers(t, []),
        lambda t: services.add_item(t, "Påklædning og hygiejne"),
        lambda t: services.update_item(t.items[0], "Ny titel"),
        lambda t: services.remove_item(t.items[0]),
        lambda t: services.move_item(t.items[0], "down"),
        services.publish,
        services.discard_draft,
    ],
    ids=["update", "signers", "add", "update_item", "remove", "move", "publish", "discard"],
)
@pytest.mark.parametrize("status", [TemplateStatus.PUBLISHED, TemplateStatus.SUPERSEDED])
def test_published_and_superseded_versions_never_change(admin, change, status):
    """Does every change function refuse a published or superseded version, leaving it as it was?"""
    template = services.published_template()
    if status == TemplateStatus.SUPERSEDED:
        services.publish(services.new_draft(admin))
    before = [(i.key, i.title, i.position) for i in template.items]
    with pytest.raises(TemplateLocked):
        change(template)
    db.session.rollback()
    assert template.status == status
    assert (template.name, template.required_signers) == (
        "Opfølgning på virksomhedsforløb",
        ["company_contact", "citizen"],
    )
    assert [(i.key, i.title, i.position) for i in template.items] == before


def test_template_locked_is_a_value_error():
    """Can callers that know only ValueError catch the refusal?"""
    assert issubclass(TemplateLocked, ValueError) and issubclass(ChecklistRuleError, ValueError)


def test_new_keys_are_ascii_and_unique(draft):
    """Does an added item get an ASCII key from its title, made unique within the template?"""
    first = services.add_item(draft, "Trivsel på jobbet", "Hvordan går det?")
    second = services.add_item(draft, "Trivsel på jobbet!")
    third = services.add_item(draft, "Trivsel på jobbet")
    assert (first.key, second.key, third.key) == (
        "trivsel-paa-jobbet",
        "trivsel-paa-jobbet-2",
        "trivsel-paa-jobbet-3",
    )
    assert first.position == len(ITEMS) + 1 and first.help_text == "Hvordan går det?"
    assert services.add_item(draft, "Ærlighed og øvrige forhold").key == "aerlighed-og-oevrige-forhold"


def test_a_title_like_an_existing_key_gets_a_suffix(draft):
    """Is "Hours" (the slug of an existing key) given "hours-2" rather than clashing with the hours item?"""
    assert services.add_item(draft, "Hours").key == "hours-2"


@pytest.mark.parametrize(
    ("title", "key"),
    [("???", "item"), ("x" * 60, "x" * 40), ("Café crème", "cafe-creme")],
)
def test_slugs(title, key):
    """Are odd titles turned into usable keys of at most 40 characters?"""
    assert services.unique_key(title, set()) == key


def test_long_keys_keep_their_suffix_within_the_limit():
    """Does a long duplicate key still end in its number and fit the column?"""
    key = services.unique_key("a" * 60, {"a" * 40})
    assert key == "a" * 38 + "-2"


def test_update_item_keeps_the_key(draft):
    """Does renaming an item keep its key, so answers stay comparable across versions?"""
    item = _item(draft, "attendance")
    services.update_item(item, "  Mødestabilitet  ", "  ")
    assert (item.key, item.title, item.help_text) == ("attendance", "Mødestabilitet", None)


def test_an_empty_title_is_refused(draft):
    """Does the service itself refuse an empty title?"""
    with pytest.raises(ValueError):
        services.add_item(draft, "   ")


def test_move_items(draft):
    """Does moving swap neighbours, and do moves past the ends change nothing?"""
    keys = [i.key for i in draft.items]
    services.move_item(_item(draft, "responsibility"), "up")
    assert [i.key for i in draft.items][:2] == ["responsibility", "attendance"]
    services.move_item(_item(draft, "responsibility"), "up")
    services.move_item(_item(draft, keys[-1]), "down")
    assert [i.key for i in draft.items][:2] == ["responsibility", "attendance"]
    assert [i.position for i in draft.items] == list(range(1, len(keys) + 1))


def test_remove_item_renumbers(draft):
    """Does removing an item close the gap in the positions?"""
    services.remove_item(_item(draft, "cooperation"))
    assert "cooperation" not in [i.key for i in draft.items]
    assert [i.position for i in draft.items] == list(range(1, len(ITEMS)))


def test_the_hours_item_cannot_be_removed_or_changed_into_a_rating(draft):
    """Is the hours item kept: no removal, no change of kind?"""
    hours = _item(draft, "hours")
    with pytest.raises(ChecklistRuleError):
        services.remove_item(hours)
    with pytest.raises(ChecklistRuleError):
        services.update_item(hours, "Timer", None, ItemKind.RATING)
    db.session.rollback()
    assert _item(draft, "hours").kind == ItemKind.HOURS


def test_there_is_only_one_hours_item(draft):
    """Is a second hours item refused, whether added or made from a rating item?"""
    with pytest.raises(ChecklistRuleError):
        services.add_item(draft, "Flere timer", None, ItemKind.HOURS)
    with pytest.raises(ChecklistRuleError):
        services.update_item(_item(draft, "attendance"), "Fremmøde", None, ItemKind.HOURS)
    db.session.rollback()
    assert [i.kind for i in draft.items].count(ItemKind.HOURS) == 1
    assert len(draft.items) == len(ITEMS)


def test_a_draft_without_hours_item_must_get_one_before_publishing(draft):
    """A draft copied from an old version without an hours item: can it gain one, and not publish before?"""
    hours = _item(draft, "hours")
    hours.kind = ItemKind.RATING  # as if the published version predated the rule
    db.session.commit()
    with pytest.raises(ChecklistRuleError):
        services.publish(draft)
    db.session.rollback()
    services.update_item(_item(draft, "attendance"), "Fremmøde", None, ItemKind.HOURS)
    services.publish(draft)
    assert draft.status == TemplateStatus.PUBLISHED


def test_the_last_item_stays(draft):
    """Does a template keep at least one item?"""
    only = ChecklistTemplate(
        name="Kort",
        version=99,
        status=TemplateStatus.DRAFT,
        items=[ChecklistItem(position=1, key="a", title="A")],
    )
    db.session.add(only)
    db.session.commit()
    with pytest.raises(ChecklistRuleError):
        services.remove_item(only.items[0])


def test_required_signers(draft):
    """Can a draft require the contact person, the citizen, both or none, and nobody else?"""
    services.set_required_signers(draft, [SignerRole.CITIZEN])
    assert draft.required_signers == ["citizen"]
    services.set_required_signers(draft, ["citizen", "company_contact"])
    assert draft.required_signers == ["company_contact", "citizen"]
    services.update_draft(draft, {"required_signers": []})
    assert draft.required_signers == []
    with pytest.raises(ValueError):
        services.set_required_signers(draft, [SignerRole.JOBFORMIDLER])


def test_an_old_visit_keeps_its_version(admin):
    """After v2 with a renamed item is published, does a visit made with v1 still show v1's titles?"""
    v1 = services.published_template()
    v1_titles = [i.title for i in v1.items]
    broker = make_user()
    visit = make_visit(make_placement(make_citizen(broker)), broker, template=v1)
    v2 = services.new_draft(admin)
    services.update_item(_item(v2, "attendance"), "Mødestabilitet og fravær")
    services.publish(v2)

    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.template.version == 1
    assert [i.title for i in visit.template.items] == v1_titles
    assert "Mødestabilitet og fravær" not in v1_titles
    assert _item(services.published_template(), "attendance").title == "Mødestabilitet og fravær"


def test_visit_counts(admin):
    """Are the visits counted per version?"""
    v1 = services.published_template()
    broker = make_user()
    placement = make_placement(make_citizen(broker))
    make_visit(placement, broker, template=v1)
    make_visit(placement, broker, template=v1)
    assert services.visit_counts() == {v1.id: 2}
