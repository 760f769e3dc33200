"""What the sync API checks before a body reaches the visit form: JSON types, ids, limits.

The form reads flat strings; a list or an object where the API's description says text would otherwise
reach it and fail deep inside. Each rule here matches the OpenAPI description (app/sync/openapi.py).
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

# Ids are 32-bit integers in every database the app runs on; a larger number names nothing.
MAX_ID = 2**31 - 1
MAX_ACTIONS = 30

_TYPE_MESSAGES = {
    "integer": _l("Must be a whole number."),
    "string": _l("Must be text."),
    "boolean": _l("Must be true or false."),
    "number": _l("Must be a number."),
    "object": _l("Must be an object."),
    "array": _l("Must be a list."),
}

# The visit's fields and the JSON types they may have.
VISIT_FIELDS: dict[str, tuple[str, ...]] = {
    "placement_id": ("integer",),
    "template_id": ("integer",),
    "scheduled_visit_id": ("integer", "null"),
    "addendum_of": ("string", "null"),
    "performed_on": ("string",),
    "performed_time": ("string", "null"),
    "started_at": ("string", "null"),
    "completed_at": ("string", "null"),
    "kind": ("string",),
    "on_site": ("boolean",),
    "present": ("string",),
    "answers": ("object",),
    "paid_hours_per_week": ("number",),
    "internship_hours_per_week": ("number",),
    "can_convert": ("string",),
    "hours_note": ("string",),
    "actions": ("array",),
    "next_visit_date": ("string", "null"),
}
# The device's times say what they expect in the words app.sync.views uses for an unreadable one.
_DEVICE_TIME_MESSAGE = _l("The device's time could not be read (a time with its UTC offset was expected).")
DEVICE_TIMES = ("started_at", "completed_at")
ANSWER_FIELDS = {"rating": ("string",), "note": ("string",)}
ACTION_FIELDS = {"what": ("string",), "who": ("string",), "due": ("string", "null")}


def _is(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool, "object": dict, "array": list}[kind])


def _check(value: Any, kinds: tuple[str, ...]) -> str | None:
    if any(_is(value, kind) for kind in kinds):
        return None
    return str(_TYPE_MESSAGES[kinds[0]])


def visit_type_errors(payload: dict[str, Any]) -> dict[str, list[str]]:
    """Field → messages for every value of the wrong JSON type (nested ones named like the form's)."""
    errors: dict[str, list[str]] = {}
    for name, kinds in VISIT_FIELDS.items():
        if name in payload and (problem := _check(payload[name], kinds)):
            errors[name] = [str(_DEVICE_TIME_MESSAGE) if name in DEVICE_TIMES else problem]
    for key, answer in (
        (payload.get("answers") or {}).items() if isinstance(payload.get("answers"), dict) else ()
    ):
        if not isinstance(answer, dict):
            errors[f"{key}__rating"] = [str(_TYPE_MESSAGES["object"])]
            continue
        for part, kinds in ANSWER_FIELDS.items():
            if part in answer and (problem := _check(answer[part], kinds)):
                errors[f"{key}__{part}"] = [problem]
    actions = payload.get("actions")
    if isinstance(actions, list):
        for i, action in enumerate(actions):
            if not isinstance(action, dict):
                errors[f"actions-{i}"] = [str(_TYPE_MESSAGES["object"])]
                continue
            for part, kinds in ACTION_FIELDS.items():
                if part in action and (problem := _check(action[part], kinds)):
                    errors[f"actions-{i}-{part}"] = [problem]
    return errors


_ACTION_ROW = re.compile(r"^actions-(\d+)-")


def limit_errors(data: MultiDict) -> dict[str, list[str]]:
    """Limits the form would otherwise apply silently (it drops action rows beyond its maximum)."""
    rows = {m.group(1) for key in data if (m := _ACTION_ROW.match(key))}
    if len(rows) > MAX_ACTIONS:
        return {"actions": [str(_l("At most %(n)d agreed actions.", n=MAX_ACTIONS))]}
    return {}


def parse_id(value: object) -> int | None:
    """An id from the body: a whole number from 1 to MAX_ID, else None (it names nothing)."""
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
