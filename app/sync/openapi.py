"""The sync API described as OpenAPI 3.1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from app import __version__
from app.sync.validation import MAX_ACTIONS, MAX_ID
from app.visits.services import EARLIEST_BEFORE_START, LATEST_AHEAD

ERROR = {
    "type": "object",
    "description": "Every error answer of the API, whatever its status.",
    "required": ["error", "message"],
    "properties": {
        "error": {
            "type": "string",
            "examples": [
                "invalid",
                "conflict",
                "changed",
                "unauthorized",
                "session_ended",
                "forbidden",
                "not_found",
                "csrf",
                "bad_request",
                "too_large",
                "too_many_requests",
            ],
        },
        "message": {"type": "string", "description": "A message for the user, in the user's language."},
        "errors": {
            "type": "object",
            "description": "Field name → messages (422 only). Field names are the form's.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "visit": {"$ref": "#/components/schemas/VisitState"},
    },
}

DEVICE_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "The device's clock with its UTC offset (ISO 8601, e.g. 2026-12-01T22:37:05+01:00). "
    "Optional: a client that sends none gets the server's receipt time.",
}

VISIT_STATE = {
    "type": "object",
    "required": ["uuid", "state", "content_hash", "placement_id", "missing_signatures", "url"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid"},
        "state": {"enum": ["completed", "signed", "delivered"]},
        "content_hash": {"type": "string", "description": "sha256 of the visit's canonical content."},
        "placement_id": {"type": "integer"},
        "missing_signatures": {"type": "array", "items": {"enum": ["company_contact", "citizen"]}},
        "url": {"type": "string", "description": "The visit's page."},
        "performed_at": {"type": "string", "format": "date-time", "description": "When it took place."},
        "received_at": {"type": ["string", "null"], "format": "date-time", "description": "Server receipt."},
        "clock_skew_seconds": {
            "type": ["integer", "null"],
            "description": "The device's clock minus the server's when it sent the visit (X-Device-Time).",
        },
    },
}

VISIT = {
    "type": "object",
    "required": [
        "placement_id",
        "template_id",
        "performed_on",
        "answers",
        "paid_hours_per_week",
        "internship_hours_per_week",
        "can_convert",
    ],
    "properties": {
        "placement_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "template_id": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "The checklist template version filled in.",
        },
        "scheduled_visit_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
        "addendum_of": {
            "type": ["string", "null"],
            "format": "uuid",
            "description": "A signed visit corrected.",
        },
        "performed_on": {
            "type": "string",
            "format": "date",
            "description": f"Not more than {EARLIEST_BEFORE_START.days} days before the course started, "
            f"and not more than {LATEST_AHEAD.days} days after the server's today (a device's clock and "
            "time zone may be ahead).",
        },
        "performed_time": {
            "type": ["string", "null"],
            "pattern": "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$",
            "description": "When the visit began (HH:MM) by the device's clock; with performed_on, when it "
            "took place. Without it, the time the device started the visit on that day is used.",
        },
        "started_at": {**DEVICE_TIME, "description": "When the visit was started on the device."},
        "completed_at": {**DEVICE_TIME, "description": "When the visit was completed on the device."},
        "kind": {"enum": ["follow_up", "midway", "final"], "default": "follow_up"},
        "on_site": {"type": "boolean", "default": True},
        "present": {"type": "string", "maxLength": 500},
        "answers": {
            "type": "object",
            "description": "Per checklist item key: the rating (a value of the template's scale) and a note.",
            "additionalProperties": {
                "type": "object",
                "required": ["rating"],
                "properties": {"rating": {"type": "string"}, "note": {"type": "string", "maxLength": 5000}},
            },
        },
        "paid_hours_per_week": {"type": "number", "minimum": 0, "maximum": 37},
        "internship_hours_per_week": {"type": "number", "minimum": 0, "maximum": 37},
        "can_convert": {"enum": ["yes", "partly", "no", "not_discussed"]},
        "hours_note": {"type": "string", "maxLength": 5000},
        "actions": {
            "type": "array",
            "maxItems": MAX_ACTIONS,
            "items": {
                "type": "object",
                "required": ["what"],
                "properties": {
                    "what": {"type": "string", "maxLength": 500},
                    "who": {"type": "string", "maxLength": 120},
                    "due": {"type": ["string", "null"], "format": "date", "description": "Within two years."},
                },
            },
        },
        "next_visit_date": {
            "type": ["string", "null"],
            "format": "date",
            "description": "After the visit and within two years of today.",
        },
    },
}

SIGNED_CONTENT = {
    "type": "string",
    "description": "For a signature given on the device before the visit reached the server: the visit "
    "form exactly as the device held it when the signer signed (form-encoded, as PUT /visits/{uuid} "
    "takes it). The server hashes it as it hashes the visit; if the visit it holds is any other, the "
    "signature is refused with 409 (error: changed).",
}

SIGNATURE = {
    "type": "object",
    "required": ["name", "strokes", "width", "height"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "strokes": {
            "type": "array",
            "minItems": 1,
            "description": (
                "signature_pad's toData(): point groups with x, y (CSS pixels of the pad), at least 3 and "
                "at most 20,000 points in all, each within the pad or up to its size beyond an edge; no "
                "NaN or Infinity anywhere."
            ),
            "items": {
                "type": "object",
                "required": ["points"],
                "properties": {
                    "points": {
                        "type": "array",
                        "maxItems": 20000,
                        "items": {
                            "type": "object",
                            "required": ["x", "y"],
                            "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                        },
                    }
                },
            },
        },
        "width": {"type": "number", "minimum": 50, "maximum": 4000},
        "height": {"type": "number", "minimum": 30, "maximum": 4000},
        "signed_at": {**DEVICE_TIME, "description": "When the signer signed, by the device's clock."},
        "content_hash": {
            "type": "string",
            "description": "The visit's content_hash as the signer was shown it, when the page knew it. "
            "If the visit has changed since, the signature is refused with 409 (error: changed).",
        },
        "signed_content": SIGNED_CONTENT,
    },
}


CONSENT = {
    "type": "object",
    "required": ["name", "note"],
    "description": "For a signer who cannot draw a signature: how they gave consent, recorded by the "
    "jobformidler (who is named in the sealed summary). Stands in for that role's signature.",
    "properties": {
        "name": {"type": "string", "maxLength": 120},
        "note": {"type": "string", "minLength": 10, "maxLength": 1000},
        "signed_at": {**DEVICE_TIME, "description": "When consent was given, by the device's clock."},
        "signed_content": SIGNED_CONTENT,
    },
}


WRITE_ANSWERS = (200, 201, 400, 401, 403, 404, 409, 413, 422, 429)

CONTACT: dict[str, Any] = {
    "type": "object",
    "description": "A contact between visits with a citizen or their contact person at the company.",
    "required": ["citizen_id", "channel", "came_in_on", "came_in_time", "about"],
    "properties": {
        "citizen_id": {"type": "integer", "minimum": 1},
        "placement_id": {"type": ["integer", "null"], "minimum": 1},
        "contact_person_id": {"type": ["integer", "null"], "minimum": 1},
        "party": {"enum": ["citizen", "contact_person"]},
        "channel": {"enum": ["phone", "sms", "email", "meeting", "at_company"]},
        "came_in_on": {"type": "string", "format": "date"},
        "came_in_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
        "about": {"type": "string", "minLength": 1, "maxLength": 2000},
        "needs_answer": {"type": "boolean"},
        "recorded_at": {**DEVICE_TIME, "description": "When it was recorded, by the device's clock."},
    },
}
CONTACT_STATE: dict[str, Any] = {
    "type": "object",
    "required": ["uuid", "citizen_id", "came_in_at", "needs_answer", "content_hash"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid"},
        "citizen_id": {"type": "integer"},
        "came_in_at": {"type": "string", "format": "date-time"},
        "needs_answer": {"type": "boolean"},
        "answer_due_at": {"type": ["string", "null"], "format": "date-time"},
        "answered_at": {"type": ["string", "null"], "format": "date-time"},
        "answer_received_at": {"type": ["string", "null"], "format": "date-time"},
        "content_hash": {"type": "string"},
        "recorded_at": {"type": ["string", "null"], "format": "date-time"},
        "received_at": {"type": ["string", "null"], "format": "date-time"},
        "clock_skew_seconds": {"type": ["integer", "null"]},
        "url": {"type": "string"},
    },
}


def _contact_responses(*codes: int) -> dict[str, Any]:
    """As _responses, with the stored contact as the body of a 200 or 201."""
    answers = _responses(*codes)
    for code, text in (
        (200, "The stored contact (an identical replay stores nothing new)."),
        (201, "Created."),
    ):
        if str(code) in answers:
            answers[str(code)] = {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContactState"}}},
            }
    return answers


def _responses(*codes: int | str) -> dict[str, Any]:
    described = {
        200: ("The stored visit (an identical replay stores nothing new).", "VisitState"),
        "token": ("The session's CSRF token for the X-CSRFToken header.", "CsrfToken"),
        201: ("Created.", "VisitState"),
        400: (
            "The request could not be read: no valid CSRF token (error: csrf), or a malformed body.",
            "Error",
        ),
        401: (
            "Not logged in: keep the entry and ask the user to log in again. error: session_ended when the "
            "session was ended on the server (log-out elsewhere, a new password, log-out on all devices): "
            "the device then wipes what it keeps, except what it has not sent.",
            "Error",
        ),
        403: ("Not allowed for this user.", "Error"),
        404: (
            "No such visit, or not in the user's caseload: the same answer for both, so that a visit's "
            "existence cannot be learnt.",
            "Error",
        ),
        413: ("The request is larger than the server takes.", "Error"),
        429: ("Too many requests from this address; try again later.", "Error"),
        409: (
            "Different content for a visit that someone has signed (a fully signed one is corrected by "
            "an addendum; before that, the signatures are withdrawn on the visit's page first), or a "
            "signature for content that has changed since the signer was shown it.",
            "Error",
        ),
        422: ("Invalid: field errors; keep the entry for the user to fix.", "Error"),
    }
    return {
        str(code): {
            "description": described[code][0],
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{described[code][1]}"}}
            },
        }
        for code in codes
    }


def spec() -> dict[str, Any]:
    uuid_param = {
        "name": "uuid",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    device_time_header = {
        "name": "X-Device-Time",
        "in": "header",
        "required": False,
        "description": "The device's clock as it sends the request (ISO 8601 with UTC offset): the server "
        "keeps how far it was from its own and notes more than 15 minutes on the visit's page.",
        "schema": {"type": "string", "format": "date-time"},
    }
    role_param = {
        "name": "role",
        "in": "path",
        "required": True,
        "schema": {"enum": ["company_contact", "citizen", "jobformidler"]},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Efterværn sync API",
            "version": __version__,
            "description": (
                "The device's outbox sends completed visits here. Every write is idempotent on the visit's "
                "UUID, made on the device when the visit is opened: unknown → created (201); the same "
                "content again → the stored visit (200), nothing stored twice; changed content while "
                "unsigned → updated (200); changed content once anyone has signed → 409. Only a 2xx answer "
                "may remove an entry from the outbox. Authentication is the session cookie; writes need the "
                "X-CSRFToken header from the page's csrf-token meta tag, or from GET /csrf-token (a service "
                "worker sending with no page open)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/csrf-token": {
                "get": {
                    "operationId": "getCsrfToken",
                    "summary": "The session's CSRF token",
                    "responses": {"200": _responses("token")["token"], **_responses(401, 429)},
                },
            },
            "/visits/{uuid}": {
                "parameters": [uuid_param],
                "put": {
                    "parameters": [device_time_header],
                    "operationId": "putVisit",
                    "summary": "Create or update a completed visit",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Visit"}},
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "description": "The visit page's form fields as they are "
                                    "(<key>__rating, <key>__note, actions-<n>-what, …).",
                                }
                            },
                        },
                    },
                    "responses": _responses(*WRITE_ANSWERS),
                },
                "get": {
                    "operationId": "getVisit",
                    "summary": "What the server holds for a visit",
                    "responses": _responses(200, 401, 404, 429),
                },
            },
            "/contacts/{uuid}": {
                "parameters": [uuid_param],
                "put": {
                    "parameters": [device_time_header],
                    "operationId": "putContact",
                    "summary": "Create or update a contact between visits (idempotent on the device's UUID)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Contact"}},
                            "application/x-www-form-urlencoded": {
                                "schema": {"type": "object", "description": "The contact page's form fields."}
                            },
                        },
                    },
                    "responses": _contact_responses(*WRITE_ANSWERS),
                },
                "get": {
                    "operationId": "getContact",
                    "summary": "What the server holds for a contact",
                    "responses": _contact_responses(200, 401, 404, 429),
                },
            },
            "/contacts/{uuid}/answer": {
                "parameters": [uuid_param],
                "put": {
                    "parameters": [device_time_header],
                    "operationId": "putContactAnswer",
                    "summary": "Record the answer to a contact with its time on the device (idempotent)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "note": {"type": "string", "maxLength": 2000},
                                        "answered_at": {
                                            **DEVICE_TIME,
                                            "description": "When it was answered, by the device's clock.",
                                        },
                                    },
                                }
                            },
                            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                        },
                    },
                    "responses": _contact_responses(200, 201, 400, 401, 403, 404, 413, 422, 429),
                },
            },
            "/visits/{uuid}/signatures/{role}": {
                "parameters": [uuid_param, role_param],
                "put": {
                    "parameters": [device_time_header],
                    "operationId": "putSignature",
                    "summary": "Add one signer's signature (idempotent per role)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Signature"}}
                        },
                    },
                    "responses": _responses(*WRITE_ANSWERS),
                },
            },
            "/visits/{uuid}/consents/{role}": {
                "parameters": [uuid_param, role_param],
                "put": {
                    "parameters": [device_time_header],
                    "operationId": "putConsent",
                    "summary": "Record the consent of a signer who cannot draw (idempotent per role)",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Consent"}}},
                    },
                    "responses": _responses(*WRITE_ANSWERS),
                },
            },
        },
        "components": {
            "schemas": {
                "Visit": VISIT,
                "VisitState": VISIT_STATE,
                "Signature": SIGNATURE,
                "Consent": CONSENT,
                "Contact": CONTACT,
                "ContactState": CONTACT_STATE,
                "Error": ERROR,
                "CsrfToken": {
                    "type": "object",
                    "required": ["csrf_token"],
                    "properties": {"csrf_token": {"type": "string"}},
                },
            }
        },
    }
