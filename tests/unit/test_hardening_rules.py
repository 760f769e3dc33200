"""The hardening rules as plain functions: no HTTP."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.auth.sessions import device_label
from app.supervision.history import spreadsheet_safe
from app.sync.validation import MAX_ID, limit_errors, parse_id, visit_type_errors
from app.visits.services import SignatureError, validate_strokes


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Mobile Safari/604.1",
            "Safari · iPhone",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/133.0", "Firefox · Windows"),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge · Windows",
        ),
        (None, ""),
    ],
)
def test_a_device_is_named_by_browser_and_system(agent, label):
    """Does "Mine enheder" name a device by its browser and system, and nothing for no user agent?"""
    assert device_label(agent) == label


@pytest.mark.parametrize("cell", ["=1+1", "+45 12", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_cell_is_made_text(cell):
    """Does a cell that a spreadsheet would read as a formula get a leading quote?"""
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Ali Khan", "12,5", "", None, 7])
def test_other_cells_are_left_alone(cell):
    assert spreadsheet_safe(cell) == ("" if cell is None else str(cell))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("17", 17),
        (17, 17),
        (str(MAX_ID), MAX_ID),
        (MAX_ID + 1, None),
        (2**63, None),
        ("0", None),
        ("-1", None),
        ("abc", None),
        (True, None),
        ("1e3", None),
    ],
)
def test_an_id_is_a_whole_number_within_the_databases_integers(value, expected):
    assert parse_id(value) == expected


def test_wrong_json_types_are_named_by_the_forms_field_names(app):
    """Are wrong types found at the top level, in answers and in actions, named as the form names them?"""
    with app.test_request_context():
        errors = visit_type_errors(
            {
                "placement_id": True,
                "present": ["x"],
                "paid_hours_per_week": 6.5,
                "answers": {"attendance": {"rating": "good", "note": {"x": 1}}, "tasks": "good"},
                "actions": [{"what": "ok"}, {"what": 3}, "x"],
                "next_visit_date": None,
            }
        )
    assert set(errors) == {
        "placement_id",
        "present",
        "attendance__note",
        "tasks__rating",
        "actions-1-what",
        "actions-2",
    }


def test_more_action_rows_than_the_limit_are_an_error(app):
    rows = MultiDict({f"actions-{n}-what": "x" for n in range(31)})
    with app.test_request_context():
        assert limit_errors(rows)["actions"] == ["Højst 30 aftalte handlinger."]
    assert limit_errors(MultiDict({f"actions-{n}-what": "x" for n in range(30)})) == {}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e308, -5000])
def test_strokes_with_impossible_coordinates_are_refused(bad):
    strokes = [{"points": [{"x": 10, "y": 10}, {"x": bad, "y": 20}, {"x": 30, "y": 30}]}]
    with pytest.raises(SignatureError):
        validate_strokes(strokes, 500, 200)


def test_a_nan_anywhere_in_the_stroke_data_is_refused():
    strokes = [
        {"points": [{"x": 10, "y": 10, "pressure": float("nan")}, {"x": 20, "y": 20}, {"x": 30, "y": 30}]}
    ]
    with pytest.raises(SignatureError):
        validate_strokes(strokes, 500, 200)
    strokes[0]["points"][0]["pressure"] = 0.5
    assert validate_strokes(strokes, 500, 200)[1:] == (500.0, 200.0)
