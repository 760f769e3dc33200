"""Point 13 of issue 12: what the pages say is plain Danish, with no markup or technical text in it."""

import re
from decimal import Decimal

from app.core.timeutil import local_today
from app.models import PlacementKind
from app.placements.services import create_placement
from tests.factories import make_citizen, make_contact, make_user, make_workplace


def test_the_home_pages_title_is_text_only(client, auth):
    """Is the home page's <title> plain text (it held a script tag), with the script loaded once?"""
    make_user(username="mette")
    auth.login("mette")
    html = client.get("/").text
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and "script" not in title and title.strip().startswith("I dag")
    assert len(re.findall(r'src="/static/js/prepare\.[0-9a-f]{12}\.js"', html)) == 1


def _citizen_with_one_hour(weekly: str):
    """A course that started today with `weekly` paid hours: a seventh of it counts so far."""
    me = make_user(username="mette")
    citizen = make_citizen(me, first_name="Ali", last_name="Khan")
    workplace = make_workplace(name="Butikken")
    contact = make_contact(workplace.company, name="Hanne Jensen")
    today = local_today()
    create_placement(
        citizen,
        {
            "kind": PlacementKind.ORDINARY,
            "workplace_id": workplace.id,
            "contact_person_id": contact.id,
            "start_date": today,
            "planned_end_date": None,
            "paid_hours_per_week": Decimal(weekly),
            "internship_hours_per_week": Decimal(0),
        },
        me,
        today,
    )
    return citizen


def test_one_ordinary_paid_hour_is_singular(client, auth):
    """Does the 225-hour rule say "1 ordinær løntime" (not "1 ordinære løntimer")?"""
    citizen = _citizen_with_one_hour("7")
    auth.login("mette")
    text = " ".join(client.get(f"/borgere/{citizen.id}").text.split())
    assert "1 ordinær løntime de seneste 12 måneder" in text
    assert "1 ordinære løntimer" not in text
    assert "mangler 224 timer af 225" in text


def test_other_amounts_are_plural(client, auth):
    """And 2 hours, plural, as before?"""
    citizen = _citizen_with_one_hour("14")
    auth.login("mette")
    text = " ".join(client.get(f"/borgere/{citizen.id}").text.split())
    assert "2 ordinære løntimer de seneste 12 måneder" in text
    assert "mangler 223 timer af 225" in text
