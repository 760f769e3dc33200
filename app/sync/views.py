"""The sync API the device's outbox talks to. Every write is idempotent on the visit's UUID."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import timedelta
from typing import NoReturn
from urllib.parse import parse_qsl

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from app.auth.access import role_required
from app.contacts import services as contacts
from app.contacts.forms import AnswerForm, ContactForm
from app.core.timeutil import DeviceTime, local_today, parse_device_time, utcnow
from app.extensions import commit_keeping_loaded, db
from app.models import Contact, Role, SignerRole, Visit
from app.placements.services import get_placement, use_loaded_placement, use_own_course
from app.sync.openapi import spec
from app.sync.validation import limit_errors, parse_id, visit_type_errors
from app.visits import services
from app.visits.completion import SummaryState, ensure_summary, finish_signed_visit, summary_state
from app.visits.forms import ConsentForm, formdata_from_json, visit_form

bp = Blueprint("sync", __name__, url_prefix="/api/v1")
STATUS = {
    services.Outcome.CREATED: 201,
    services.Outcome.UNCHANGED: 200,
    services.Outcome.UPDATED: 200,
    services.Outcome.CONFLICT: 409,
    services.Outcome.INVALID: 422,
}


def visit_json(visit: Visit | services.StoredVisit, summary: SummaryState | None = None) -> dict:
    """The visit as the API answers with it; from a StoredVisit, the same answer from its values.
    `summary`: the summary's state when the caller knows it (a visit just signed: being made)."""
    missing = (
        visit.missing_roles() if isinstance(visit, services.StoredVisit) else services.missing_roles(visit)
    )
    return {
        "uuid": str(visit.uuid),
        "state": visit.state.value,
        "content_hash": visit.content_hash,
        "placement_id": visit.placement_id,
        "missing_signatures": [r.value for r in missing],
        # "pending" while the sealed summary is being made: the device is not done with the visit yet.
        "summary": (summary or summary_state(visit)).value,
        "url": url_for("visits.detail", visit_uuid=visit.uuid),
        "performed_at": visit.performed_at.isoformat(),
        "received_at": visit.received_at.isoformat() if visit.received_at else None,
        "clock_skew_seconds": visit.clock_skew_seconds,
    }


def _invalid(errors: dict, message: str | None = None) -> ResponseReturnValue:
    message = message or _("The visit could not be saved. Correct the marked fields.")
    return jsonify(error="invalid", message=message, errors=errors), 422


def _injected_failure() -> bool:
    """A fault switch for tests only (TESTING): answer 503 to the next N sync requests."""
    if not current_app.testing or not current_app.config.get("TEST_SYNC_FAILURES"):
        return False
    current_app.config["TEST_SYNC_FAILURES"] -= 1
    return True


def json_object() -> dict | None:
    """The request's JSON body if it is an object; None for anything else (a list, a number, not JSON)."""
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else None


def _device_time(value: object, field: str, errors: dict) -> DeviceTime | None:
    """A time the device's clock gave in the body; absent from old clients, refused if unreadable."""
    if value is None or value == "":
        return None
    try:
        return parse_device_time(value)
    except ValueError:
        errors[field] = [_("The device's time could not be read (a time with its UTC offset was expected).")]
        return None


def _sent_at() -> DeviceTime | None:
    """The device's clock as it sent this request (X-Device-Time): how far it is from the server's."""
    try:
        return parse_device_time(request.headers.get("X-Device-Time"))
    except ValueError:
        return None


def _visit_clock(data) -> tuple[services.DeviceClock, dict]:
    errors: dict = {}
    sent = _sent_at()
    started = _before_sending(
        _device_time(data.get("started_at"), "started_at", errors), "started_at", sent, errors
    )
    completed = _before_sending(
        _device_time(data.get("completed_at"), "completed_at", errors), "completed_at", sent, errors
    )
    return services.DeviceClock(started=started, completed=completed, sent=sent), errors


def _signature_clock(payload: dict) -> tuple[services.DeviceClock, dict]:
    errors: dict = {}
    sent = _sent_at()
    drawn = _before_sending(
        _device_time(payload.get("signed_at"), "signed_at", errors), "signed_at", sent, errors
    )
    return services.DeviceClock(completed=drawn, sent=sent), errors


# A moment of the device's is read from the same clock as its X-Device-Time: it cannot be after it (a
# minute's leeway for the time a page takes to send). Without the header, not after the server's today
# with the leeway a visit's date has. A time in the future would stand as the newest version of a visit.
SENDING_LEEWAY = timedelta(minutes=1)


def _before_sending(
    moment: DeviceTime | None, field: str, sent: DeviceTime | None, errors: dict
) -> DeviceTime | None:
    if moment is None:
        return None
    latest = sent.at + SENDING_LEEWAY if sent is not None else utcnow() + services.LATEST_AHEAD
    if moment.at > latest:
        errors[field] = [_("The device's time is after the moment it sent this. Check the device's clock.")]
        return None
    return moment


def _body() -> tuple[MultiDict | None, dict]:
    """The visit as the form reads it, from JSON or from form data (the page sends its form as is),
    with the errors found before the form sees it: wrong JSON types, too many action rows."""
    if request.is_json:
        payload = json_object()
        if payload is None:
            return None, {"body": [_("The request body is not a JSON object.")]}
        errors = visit_type_errors(payload)
        if errors:
            return None, errors
        data = formdata_from_json(payload)
    else:
        data = request.form
    return data, limit_errors(data)


def not_found() -> NoReturn:
    """404 in the Error schema, the same for a visit that does not exist and one outside the caseload."""
    abort(404)


@bp.put("/visits/<uuid:visit_uuid>")
@role_required(Role.JOBFORMIDLER)
def put_visit(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """Create or update a completed visit; a replay of the same content answers with the stored visit."""
    if _injected_failure():
        abort(503)
    data, errors = _body()
    if errors:
        return _invalid(errors)
    body = services.body_digest(data)
    stored = services.stored_for_put(visit_uuid, body, current_user)
    if stored is not None and (stored.replay_logged or services.is_identical_replay(stored, body)):
        return _identical_replay(stored)
    commit_keeping_loaded()  # the read above was in autocommit: what follows is one transaction
    placement_id, template_id = parse_id(data.get("placement_id")), parse_id(data.get("template_id"))
    if placement_id is None:
        return _invalid({"placement_id": [_("The visit must name its course.")]})
    # 404/403 outside the caseload. The read's log stays in this transaction: the save commits it with
    # the visit, and every answer that saves nothing commits it alone (`_read_logged`).
    placement = get_placement(current_user, placement_id, purpose="visit", write=True, commit=False)
    existing = services.for_save(stored)
    template = services.template_with_items(template_id) if template_id is not None else None
    if template is None:
        return _read_logged(_invalid({"template_id": [_("Unknown checklist template.")]}))
    form = visit_form(template, formdata=data)
    clock, clock_errors = _visit_clock(data)
    if not form.validate() or clock_errors:
        return _read_logged(_invalid({**form.errors, **clock_errors}))
    result = services.save_visit(
        visit_uuid,
        form,
        current_user,
        local_today(),
        clock,
        body,
        existing=existing,
        placement=placement,
        read_purpose="visit",
    )
    if result.outcome == services.Outcome.NOT_FOUND:
        _read_logged(None)
        not_found()
    if result.outcome == services.Outcome.INVALID:
        return _read_logged(_invalid(result.errors))
    if result.outcome == services.Outcome.CONFLICT:
        _read_logged(None)
        if result.reason == services.STALE:
            message = _(
                "A newer version of this visit is already stored (completed later, on this or another "
                "device). This older version was not stored. Open the visit to see what is stored."
            )
        elif result.visit.is_immutable:
            message = _("This visit is signed and can no longer be changed. Make an addendum to correct it.")
        elif result.visit.signatures:
            message = _(
                "%(names)s has already signed this visit, so it cannot be changed now. To correct it, "
                "withdraw the signatures on the visit's page; then everyone signs again.",
                names=", ".join(s.signer_name for s in result.visit.signatures),
            )
        else:
            message = _("This visit belongs to another course or template and cannot be changed to this one.")
        return jsonify(error="conflict", message=message, visit=visit_json(result.visit)), 409
    if result.outcome == services.Outcome.UNCHANGED:
        _read_logged(None)
        ensure_summary(result.visit)  # a replay after a lost summary job heals it
    return jsonify(visit_json(result.visit)), STATUS[result.outcome]


def _read_logged(answer: ResponseReturnValue | None) -> ResponseReturnValue | None:
    """`answer`, after committing the log of the course's read: the answer saves nothing else, and is
    made of the rows as they were read."""
    commit_keeping_loaded()
    return answer


def _identical_replay(visit: services.StoredVisit) -> ResponseReturnValue:
    """The answer to the body that gave a stored visit its content, sent again (the outbox retries
    until it hears a 2xx): the stored visit, without the form, the checklist or the course's plan.
    The caseload check and the access log are the same as for any PUT."""
    # The body names the visit's own course (it is part of the hash): 404 outside the caseload. On
    # PostgreSQL the read found it the user's own and logged it already.
    if visit.replay_logged:
        commit_keeping_loaded()  # the read and its log are stored (in autocommit, nothing is left to do)
    else:
        use_own_course(
            current_user, visit.placement_id, visit.citizen_id, visit.jobformidler_id, purpose="visit"
        )
    ensure_summary(visit)  # a replay after a lost summary job heals it
    return jsonify(visit_json(visit)), 200


@bp.get("/csrf-token")
@login_required
def csrf_token() -> ResponseReturnValue:
    """The session's CSRF token, for a service worker that sends the outbox with no page open: the token
    an entry was queued with is stale once the user has logged in again."""
    return jsonify(csrf_token=generate_csrf()), {"Cache-Control": "no-store"}


@bp.get("/visits/<uuid:visit_uuid>")
@login_required
def get_visit(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """The stored visit's state, so a device can learn what the server holds."""
    visit = services.find(visit_uuid)
    if visit is None:
        not_found()
    get_placement(current_user, visit.placement_id, purpose="visit")
    ensure_summary(visit)  # the device asks while a summary is being made: a lost one is queued again
    return jsonify(visit_json(visit))


@bp.put("/visits/<uuid:visit_uuid>/signatures/<role>")
@role_required(Role.JOBFORMIDLER)
def put_signature(visit_uuid: uuid_lib.UUID, role: str) -> ResponseReturnValue:
    """One signer's signature, drawn on the jobformidler's device."""
    visit = _own_visit_on_the_server(visit_uuid)
    payload = json_object()
    if payload is None:
        return _signature_invalid({"body": [_("The request body is not a JSON object.")]})
    return sign(visit, role, payload, via_token=False)


def _own_visit_on_the_server(visit_uuid: uuid_lib.UUID) -> Visit:
    """The visit a signature or consent is for: 404 (JSON) until it has reached the server, and outside
    the jobformidler's caseload. The signature or consent locks it and reads it again before checking
    it (services.locked_to_sign)."""
    visit = services.find_to_sign(visit_uuid)
    if visit is None:
        not_found()
    use_loaded_placement(current_user, visit.placement, purpose="visit", write=True)
    return visit


def _refused(visit: Visit, error: services.SignatureError) -> ResponseReturnValue:
    """A signature or consent that cannot be taken: 409 when the visit changed after the signer saw it,
    422 with the reason otherwise."""
    message = str(services.SIGNATURE_MESSAGES[str(error)])
    if str(error) == "changed":
        return jsonify(error="changed", message=message, visit=visit_json(visit)), 409
    return _signature_invalid({"signature": [message]})


def _signature_invalid(errors: dict) -> ResponseReturnValue:
    """A refused signature says so: the device lists it as a signature, not as a visit not saved."""
    return _invalid(errors, _("The signature could not be saved."))


def _seen_hash(visit: Visit, payload: dict) -> str | None:
    """The content the signer saw: the visit's hash as the signing page showed it, or, for a signature
    given on the device before the visit reached the server, the visit form as the device held it then
    (`signed_content`, form-encoded), hashed here the way the visit itself is."""
    if payload.get("content_hash"):
        return str(payload["content_hash"])
    signed = payload.get("signed_content")
    if isinstance(signed, str) and signed:
        return services.hash_of_submitted(visit, MultiDict(parse_qsl(signed, keep_blank_values=True)))
    return None


@bp.put("/visits/<uuid:visit_uuid>/consents/<role>")
@role_required(Role.JOBFORMIDLER)
def put_consent(visit_uuid: uuid_lib.UUID, role: str) -> ResponseReturnValue:
    """Consent recorded by the jobformidler for a signer who cannot draw, in place of a signature;
    the device queues it behind its visit like a drawn signature."""
    visit = _own_visit_on_the_server(visit_uuid)
    try:
        signer = SignerRole(role)
    except ValueError:
        return _signature_invalid({"role": [_("Unknown signer.")]})
    payload = json_object()
    if payload is None:
        return _signature_invalid({"body": [_("The request body is not a JSON object.")]})
    fields = MultiDict({key: payload[key] for key in ("name", "note") if isinstance(payload.get(key), str)})
    # The same form as the visit page's; the API's CSRF check is the X-CSRFToken header (CSRFProtect).
    form = ConsentForm(formdata=fields, meta={"csrf": False})
    clock, clock_errors = _signature_clock(payload)
    if not form.validate() or clock_errors:
        return _signature_invalid({**form.errors, **clock_errors})
    try:
        result = services.record_consent(
            visit,
            signer,
            form.name.data,
            form.note.data,
            current_user,
            clock,
            seen_hash=_seen_hash(visit, payload),
        )
    except services.SignatureError as error:
        return _refused(visit, error)
    except services.SignatureRace:
        # Sent twice at once (the outbox and the service worker): the other one is stored now, so this
        # is a replay of it or a conflict with it.
        return put_consent(visit_uuid, role)
    return _signed(visit, result)


def _signed(visit: Visit, result: services.SignResult) -> ResponseReturnValue:
    """The answer to a signature or consent taken (201), replayed (200) or conflicting (409); the last
    one a visit needs signs it and makes its summary."""
    if result.outcome == services.Outcome.CONFLICT:
        message = _("%(name)s has already signed for this role.", name=result.signature.signer_name)
        return jsonify(error="conflict", message=message, visit=visit_json(visit)), 409
    if result.now_signed:
        finish_signed_visit(visit)
        # Just queued: being made, known without asking the database whether it exists yet.
        return jsonify(visit_json(visit, SummaryState.PENDING)), STATUS[result.outcome]
    if result.outcome == services.Outcome.UNCHANGED:
        ensure_summary(visit)  # the device retries a signature whose answer it never got
    return jsonify(visit_json(visit)), STATUS[result.outcome]


def sign(visit: Visit, role: str, payload: dict, via_token: bool) -> ResponseReturnValue:
    """Validate and store a signature; shared by the jobformidler's device and the signing link."""
    try:
        signer = SignerRole(role)
    except ValueError:
        return _signature_invalid({"role": [_("Unknown signer.")]})
    name = payload.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        return _signature_invalid({"name": [_("Write the signer's name.")]})
    if len(name) > 120:
        return _signature_invalid({"name": [_("The name is too long.")]})
    clock, clock_errors = _signature_clock(payload)
    if clock_errors:
        return _signature_invalid(clock_errors)
    try:
        strokes, width, height = services.validate_strokes(
            payload.get("strokes"), payload.get("width"), payload.get("height")
        )
        result = services.add_signature(
            visit,
            signer,
            name,
            strokes,
            width,
            height,
            request.headers.get("User-Agent"),
            via_token,
            user=current_user if current_user.is_authenticated else None,
            seen_hash=_seen_hash(visit, payload),
            clock=clock,
        )
    except services.SignatureError as error:
        return _refused(visit, error)
    except services.SignatureRace:
        if via_token:
            raise  # the signing link answers as a used link
        # Sent twice at once: the other one is stored now, so this is a replay of it or a conflict.
        return sign(db.session.get(Visit, visit.id), role, payload, via_token)
    return _signed(visit, result)


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The API's description (OpenAPI 3.1)."""
    return jsonify(spec())


# --- Contacts between visits -----------------------------------------------------------------------

CONTACT_FIELDS: dict[str, tuple[type, ...]] = {
    "citizen_id": (int, str),
    "placement_id": (int, str, type(None)),
    "contact_person_id": (int, str, type(None)),
    "party": (str,),
    "channel": (str,),
    "came_in_on": (str,),
    "came_in_time": (str,),
    "about": (str,),
    "needs_answer": (bool, str),
    "recorded_at": (str, type(None)),
}


def contact_json(contact: Contact) -> dict:
    return {
        "uuid": str(contact.uuid),
        "citizen_id": contact.citizen_id,
        "came_in_at": contact.came_in_at.isoformat(),
        "needs_answer": contact.needs_answer,
        "answer_due_at": contact.answer_due_at.isoformat() if contact.answer_due_at else None,
        "answered_at": contact.answered_at.isoformat() if contact.answered_at else None,
        "answer_received_at": contact.answer_received_at.isoformat() if contact.answer_received_at else None,
        "content_hash": contact.content_hash,
        "recorded_at": contact.recorded_at.isoformat() if contact.recorded_at else None,
        "received_at": contact.received_at.isoformat() if contact.received_at else None,
        "clock_skew_seconds": contact.clock_skew_seconds,
        "url": url_for("caseload.citizen", citizen_id=contact.citizen_id) + "#kontakter",
    }


def _bad_request(errors: dict) -> ResponseReturnValue:
    """A body the server cannot read (not a JSON object, a field of the wrong type): 400, in Danish."""
    message = _("The contact could not be read. Check what was sent.")
    return jsonify(error="bad_request", message=message, errors=errors), 400


def _contact_body() -> tuple[MultiDict | None, dict]:
    """The contact as the form reads it, from JSON or from form data (the page's outbox sends its form)."""
    if not request.is_json:
        return request.form, {}
    payload = json_object()
    if payload is None:
        return None, {"body": [_("The request body is not a JSON object.")]}
    errors = {
        name: [_("The value has the wrong type.")]
        for name, kinds in CONTACT_FIELDS.items()
        if name in payload and not isinstance(payload[name], kinds)
    }
    if errors:
        return None, errors
    data = MultiDict()
    for name in CONTACT_FIELDS:
        value = payload.get(name)
        if value is None or value is False:
            continue
        data[name] = "y" if value is True else str(value)
    return data, {}


@bp.put("/contacts/<uuid:contact_uuid>")
@role_required(Role.JOBFORMIDLER)
def put_contact(contact_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """Create or update a contact; a replay of the same content answers with the stored contact."""
    if _injected_failure():
        abort(503)
    data, errors = _contact_body()
    if errors:
        return _bad_request(errors)
    form = ContactForm(formdata=data)
    recorded = _device_time(data.get("recorded_at"), "recorded_at", errors)
    if not form.validate() or errors:
        return _invalid(
            {**form.errors, **errors}, _("The contact could not be saved. Correct the marked fields.")
        )
    clock = services.DeviceClock(completed=recorded, sent=_sent_at())
    result = contacts.save_contact(contact_uuid, form, current_user, local_today(), clock)
    if result.outcome == services.Outcome.NOT_FOUND:
        not_found()
    if result.outcome == services.Outcome.INVALID:
        return _invalid(result.errors, _("The contact could not be saved. Correct the marked fields."))
    if result.outcome == services.Outcome.CONFLICT:
        message = _("This contact has been answered and can no longer be changed.")
        if result.contact.answered_at is None:
            message = _("This contact belongs to another citizen and cannot be moved.")
        return jsonify(error="conflict", message=message, contact=contact_json(result.contact)), 409
    return jsonify(contact_json(result.contact)), STATUS[result.outcome]


@bp.get("/contacts/<uuid:contact_uuid>")
@login_required
def get_contact(contact_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """The stored contact, so a device can learn what the server holds."""
    contact = contacts.find(contact_uuid)
    if contact is None:
        not_found()
    contacts.get_contact(current_user, contact.id)
    db.session.commit()
    return jsonify(contact_json(contact))


@bp.put("/contacts/<uuid:contact_uuid>/answer")
@role_required(Role.JOBFORMIDLER)
def put_contact_answer(contact_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """The answer to a contact, with its time on the device (sent from the outbox, offline too). A replay,
    or an answer to a contact answered already, answers with the stored contact."""
    if _injected_failure():
        abort(503)
    contact = contacts.find(contact_uuid)
    if contact is None or contact.citizen.jobformidler_id != current_user.id:
        not_found()
    if request.is_json:
        payload = json_object()
        if payload is None:
            return _bad_request({"body": [_("The request body is not a JSON object.")]})
        wrong = {
            name: [_("The value has the wrong type.")]
            for name in ("note", "answered_at")
            if payload.get(name) is not None and not isinstance(payload[name], str)
        }
        if wrong:
            return _bad_request(wrong)
        data = MultiDict({k: payload[k] for k in ("note", "answered_at") if isinstance(payload.get(k), str)})
    else:
        data = request.form
    form = AnswerForm(formdata=data, meta={"csrf": False})
    errors: dict = {}
    answered = _device_time(data.get("answered_at"), "answered_at", errors)
    if not form.validate() or errors:
        return _invalid(
            {**form.errors, **errors}, _("The answer could not be saved. Correct the marked fields.")
        )
    contacts.get_contact(current_user, contact.id, write=True)  # the read, logged
    if contact.answered_at is None:
        if answered is not None:
            errors = contacts.answer_time_errors(contact, answered.at, utcnow())
            if errors:
                db.session.commit()
                return _invalid(errors, _("The answer could not be saved. Correct the marked fields."))
        contacts.answer(contact, current_user, form.note.data, answered.at if answered else None)
        return jsonify(contact_json(contact)), 201
    db.session.commit()
    return jsonify(contact_json(contact)), 200
