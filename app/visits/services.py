"""Visits: the idempotent save behind the sync API, signatures, and the visit's states.

A visit is identified by the UUID its device gave it. Saving the same content twice stores it once;
changed content updates an unsigned visit; a signed visit never changes (corrections are addenda).
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import uuid as uuid_lib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.audit import services as audit
from app.checklists.services import published_template
from app.core.timeutil import DeviceTime, device_local, local_now, local_today, zone
from app.extensions import autocommit_connection, commit_keeping_loaded, db
from app.models import (
    AuditAction,
    ChecklistTemplate,
    Citizen,
    ConvertAnswer,
    Document,
    Placement,
    ScheduledVisit,
    ScheduledVisitStatus,
    Signature,
    SignerRole,
    SigningToken,
    TemplateStatus,
    User,
    Visit,
    VisitKind,
    VisitState,
)
from app.models.base import utcnow
from app.placements import services as placements
from app.visits.forms import VisitFormBase, visit_form

# save_visit's `existing` when the caller has not read the stored visit.
LookUp = placements.LookUp


class Outcome(enum.StrEnum):
    CREATED = "created"  # 201
    UNCHANGED = "unchanged"  # 200: the same content again; nothing stored
    UPDATED = "updated"  # 200
    CONFLICT = "conflict"  # 409: different content for a signed visit
    NOT_FOUND = "not_found"  # 404: the UUID is another caseload's visit, answered as if unknown
    INVALID = "invalid"  # 422


@dataclass(frozen=True)
class DeviceClock:
    """What a device said about time in one request: when the visit was started and completed (or the
    signature drawn) by its clock, and its clock when it sent the request (the X-Device-Time header)."""

    started: DeviceTime | None = None
    completed: DeviceTime | None = None
    sent: DeviceTime | None = None

    @property
    def offset_minutes(self) -> int | None:
        moment = self.completed or self.started or self.sent
        return moment.offset_minutes if moment else None

    def skew_seconds(self, received: datetime) -> int | None:
        """The device's clock minus the server's, measured when the request arrived."""
        return None if self.sent is None else round((self.sent.at - received).total_seconds())


NO_CLOCK = DeviceClock()


@dataclass
class SaveResult:
    outcome: Outcome
    visit: Visit | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # CONFLICT: STALE when the content sent was completed before the stored content was.
    reason: str | None = None


STALE = "stale"


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def content_of(form: VisitFormBase) -> dict[str, Any]:
    """The visit's content as canonical data: what the content hash is taken over."""
    content = {
        "placement_id": int(form.placement_id.data),
        "scheduled_visit_id": int(form.scheduled_visit_id.data) if form.scheduled_visit_id.data else None,
        "template_id": int(form.template_id.data),
        "addendum_of": form.addendum_of.data or None,
        "performed_on": form.performed_on.data.isoformat(),
        "kind": form.kind.data,
        "on_site": bool(form.on_site.data),
        "present": (form.present.data or "").strip(),
        "answers": form.answers(),
        "paid_hours_per_week": _dec(form.paid_hours_per_week.data),
        "internship_hours_per_week": _dec(form.internship_hours_per_week.data),
        "can_convert": form.can_convert.data,
        "hours_note": (form.hours_note.data or "").strip(),
        "actions": form.cleaned_actions(),
        "next_visit_date": form.next_visit_date.data.isoformat() if form.next_visit_date.data else None,
    }
    # Only when given, so that the hash of a visit from a client that sends no time stays what it was.
    if form.performed_time.data is not None:
        content["performed_time"] = form.performed_time.data.strftime("%H:%M")
    return content


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# Fields of a body that are not the visit's content: the page's CSRF token, and the device's times,
# which are kept beside the content (a replay sent later is the same visit).
_NOT_SUBMITTED = frozenset({"csrf_token", "started_at", "completed_at"})


def body_digest(formdata: MultiDict) -> str:
    """A digest of the body as the visit form reads it, in a canonical order."""
    items = sorted((k, v) for k, v in formdata.items(multi=True) if k not in _NOT_SUBMITTED)
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()


def submission_hash(body: str, content: str | None) -> str:
    """The body bound to the content hash it produced: once the visit's content changes by any path,
    the old body no longer matches and is read through the form again."""
    return hashlib.sha256(f"{body}:{content}".encode()).hexdigest()


class StoredVisit(NamedTuple):
    """What a PUT first reads of the visit stored under its UUID, as plain values in one statement: enough
    to recognise an identical replay and answer it, and to refuse it outside the caseload. A replay must
    cost little; a save reads the visit itself (`for_save`)."""

    id: int
    uuid: uuid_lib.UUID
    state: VisitState
    content_hash: str
    submission_hash: str | None
    placement_id: int
    citizen_id: int
    jobformidler_id: int | None
    performed_at: datetime
    received_at: datetime | None
    clock_skew_seconds: int | None
    summary_error: str | None
    required_signers: list[str]
    signed_roles: str | None  # the roles signed, comma-separated
    has_document: bool
    # An identical replay of the user's own visit, recognised and its read logged by the same statement
    # (PostgreSQL: `_STORED_AND_LOGGED`); False when the statement did not judge it.
    replay_logged: bool = False

    @property
    def is_immutable(self) -> bool:
        return self.state in (VisitState.SIGNED, VisitState.DELIVERED)

    def missing_roles(self) -> list[SignerRole]:
        """missing_roles() of the visit these values were read from."""
        signed = set(self.signed_roles.split(",")) if self.signed_roles else set()
        return [SignerRole(r) for r in self.required_signers if r not in signed]


_STORED = (
    sa.select(
        Visit.id,
        Visit.uuid,
        Visit.state,
        Visit.content_hash,
        Visit.submission_hash,
        Visit.placement_id,
        Placement.citizen_id,
        Citizen.jobformidler_id,
        Visit.performed_at,
        Visit.received_at,
        Visit.clock_skew_seconds,
        Visit.summary_error,
        ChecklistTemplate.required_signers,
        sa.select(sa.func.aggregate_strings(Signature.signer_role, ","))
        .where(Signature.visit_id == Visit.id)
        .scalar_subquery(),
        sa.exists().where(Document.visit_id == Visit.id),
    )
    .join(Placement, Placement.id == Visit.placement_id)
    .join(Citizen, Citizen.id == Placement.citizen_id)
    .join(ChecklistTemplate, ChecklistTemplate.id == Visit.template_id)
    .where(Visit.uuid == sa.bindparam("uuid"))
)


def _stored_and_logged() -> sa.Select:
    """_STORED, and (PostgreSQL's WITH … INSERT) the log of its read when the body sent is the one that
    gave the visit its content (`is_identical_replay`, by the database's sha256) and the visit is the
    user's own: an identical replay is then one round trip to the database."""
    stored = _STORED.cte("stored")
    expected = sa.func.encode(
        sa.func.sha256(
            sa.func.convert_to(sa.bindparam("body", type_=sa.Text) + ":" + stored.c.content_hash, "UTF8")
        ),
        "hex",
    )
    replayed = sa.select(stored).where(
        stored.c.jobformidler_id == sa.bindparam("audit_user_id"), stored.c.submission_hash == expected
    )
    logged = (
        audit.insert_for_rows(replayed, object_id="placement_id", citizen_id="citizen_id")
        .returning(sa.literal(1))
        .cte("logged")
    )
    return sa.select(*stored.c, sa.exists(sa.select(logged.c[0])).label("replay_logged"))


_STORED_AND_LOGGED = _stored_and_logged()


def stored_for_put(visit_uuid: uuid_lib.UUID, body: str, user: User) -> StoredVisit | None:
    """The visit stored under this UUID, if any, as StoredVisit: one statement of plain values, without
    the ORM's objects a replay never uses. Read in autocommit (the PUT's first statement): a replay
    answers from it and logs the read in autocommit too; a save first ends it (`commit_keeping_loaded`),
    so that its own statements are one transaction. On PostgreSQL the same statement recognises an
    identical replay of the user's own visit and logs its read (`replay_logged`)."""
    # On the session's connection: a statement of columns needs none of the ORM's handling of results.
    connection = autocommit_connection()
    if connection.dialect.name == "postgresql":
        values = audit.event_values(AuditAction.READ, "visit", object_type="placement", user=user)
        params = {"uuid": visit_uuid, "body": body, **audit.audit_params(values)}
        row = connection.execute(_STORED_AND_LOGGED, params).first()
    else:
        row = connection.execute(_STORED, {"uuid": visit_uuid}).first()
    return StoredVisit(*row) if row else None


def for_save(stored: StoredVisit | None) -> Visit | None:
    """The stored visit as a save changes it, locked (`lock`) and then read with its template,
    signatures, course and citizen in one statement (the signatures' drawings are not read); None when
    there is none."""
    if stored is None:
        return None
    lock(stored.id)  # read after the lock: a signature given meanwhile is seen
    return _read_locked(stored.id, sa.orm.joinedload(Visit.placement).joinedload(Placement.citizen))


def _read_locked(visit_id: int, placement: Any, refresh: bool = False) -> Visit:
    """A visit whose row this transaction has locked, read in one statement with its template, its
    course (`placement`: the loader option, with the citizen or not) and its signatures without their
    drawings (a new signature or content needs only who signed and when). `refresh`: the session's
    object is overwritten with the row as it is now."""
    statement = (
        sa.select(Visit)
        .where(Visit.id == visit_id)
        .options(
            sa.orm.joinedload(Visit.template),
            placement,
            sa.orm.joinedload(Visit.signatures).defer(Signature.strokes).defer(Signature.svg),
        )
    )
    if refresh:
        statement = statement.execution_options(populate_existing=True)
    return db.session.scalars(statement).unique().first()


def is_identical_replay(visit: StoredVisit, body: str) -> bool:
    """This body gave the stored visit its present content: it is sent again (an identical replay)."""
    expected = submission_hash(body, visit.content_hash)
    return visit.submission_hash is not None and visit.submission_hash == expected


def template_with_items(template_id: int) -> ChecklistTemplate | None:
    """A checklist version that visits are filled with (published or superseded, never a draft: a draft
    can still change or be discarded under a visit that named it), with its topics (the form is made of
    them), in the request's session. Read once per process and then taken from the app's store with no
    statement.

    The app's own store (one per process and database): a version visits are filled with is never
    changed after it is published (check_editable: only a draft is), so a copy is never stale, except
    for its status (published → superseded), which a visit's save does not read."""
    versions = current_app.extensions.setdefault("checklist_versions", {})
    kept = versions.get(template_id)
    if kept is None:
        with sa.orm.Session(db.engine) as session:
            kept = (
                session.scalars(
                    sa.select(ChecklistTemplate)
                    .where(ChecklistTemplate.id == template_id)
                    .where(ChecklistTemplate.status != TemplateStatus.DRAFT)
                    .options(sa.orm.joinedload(ChecklistTemplate.items))
                )
                .unique()
                .first()
            )
        if kept is None:
            return None
        versions[template_id] = kept
    return db.session.merge(kept, load=False)


# Stands for content that is not a valid visit of the course: it matches no visit's hash.
NO_CONTENT = "invalid"


def hash_of_submitted(visit: Visit, formdata: MultiDict) -> str:
    """The content hash of the visit form exactly as the device held it when a signer signed it there
    (before the visit reached the server), so that the signature binds to that content and not to
    whatever the server holds when the signature arrives; NO_CONTENT if it is no valid visit of the
    visit's course and template."""
    form = visit_form(visit.template, formdata=formdata)
    if not form.validate() or _int_or_none(form.placement_id.data) != visit.placement_id:
        return NO_CONTENT
    if _int_or_none(form.template_id.data) != visit.template_id:
        return NO_CONTENT
    return content_hash(content_of(form))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def performed_at(content: dict[str, Any], clock: DeviceClock, existing: Visit | None = None) -> datetime:
    """When the visit took place: the day and time the jobformidler gave (by the device's clock), else
    the moment the device started (or completed) the visit if that was on the day given, else the stored
    time if the day is unchanged. Only a visit with no time at all (an old client's) is put at noon."""
    day = date.fromisoformat(content["performed_on"])
    offset = clock.offset_minutes
    if content.get("performed_time"):
        tz = timezone(timedelta(minutes=offset)) if offset is not None else zone()
        return datetime.combine(day, time.fromisoformat(content["performed_time"]), tzinfo=tz)
    for moment in (clock.started, clock.completed):
        if moment is not None and moment.local.date() == day:
            return moment.at
    if existing is not None and existing.performed_at.astimezone(zone()).date() == day:
        return existing.performed_at
    return datetime.combine(day, time(12, 0), tzinfo=zone())


def _column_values(
    content: dict[str, Any],
    digest: str,
    clock: DeviceClock,
    body: str | None,
    existing: Visit | None = None,
) -> dict[str, Any]:
    """What a save writes to the visit's columns: its content and hashes (`digest`: content_hash of
    the content), and the device's times with the server's receipt of what the visit now says (kept
    beside the content, not part of it). `existing`: the stored visit an update changes."""
    received = utcnow()
    can_convert = ConvertAnswer(content["can_convert"])
    values = {
        "performed_at": performed_at(content, clock, existing),
        "kind": VisitKind(content["kind"]),
        "on_site": content["on_site"],
        "present": content["present"] or None,
        "answers": content["answers"],
        "paid_hours_per_week": Decimal(content["paid_hours_per_week"]),
        "internship_hours_per_week": Decimal(content["internship_hours_per_week"]),
        "can_convert": can_convert,
        "hours_discussed": can_convert != ConvertAnswer.NOT_DISCUSSED,
        "hours_note": content["hours_note"] or None,
        "actions": content["actions"],
        "next_visit_date": (
            date.fromisoformat(content["next_visit_date"]) if content["next_visit_date"] else None
        ),
        "content_hash": digest,
        "submission_hash": submission_hash(body, digest) if body is not None else None,
        "completed_at": clock.completed.at if clock.completed is not None else received,
        "received_at": received,
        "clock_skew_seconds": clock.skew_seconds(received),
    }
    # When the visit began on the device: kept once known. An edit of a stored visit without one (made
    # before devices sent it) takes the edit's start only on the visit's own day: opening a September
    # visit in December to correct it is not when that visit began.
    started = clock.started
    if started is not None and (
        existing is None
        or (
            existing.started_at is None
            and started.local.date() == date.fromisoformat(content["performed_on"])
        )
    ):
        values["started_at"] = started.at
    if clock.offset_minutes is not None:
        values["device_utc_offset"] = clock.offset_minutes
    return values


def _check_references(form: VisitFormBase, placement: Placement, template: ChecklistTemplate) -> dict:
    """Errors for references the form cannot check itself: the scheduled visit and the original."""
    errors: dict[str, list[str]] = {}
    if form.scheduled_visit_id.data:
        sv = db.session.get(ScheduledVisit, int(form.scheduled_visit_id.data))
        if sv is None or sv.placement_id != placement.id:
            errors["scheduled_visit_id"] = [str(_l("Unknown scheduled visit for this course."))]
    if form.addendum_of.data:
        original = find(form.addendum_of.data)
        if original is None or original.placement_id != placement.id or not original.is_immutable:
            errors["addendum_of"] = [str(_l("An addendum must point at a signed visit of the same course."))]
    return errors


# How far a visit's dates may lie from the course and from today: wider than any real visit, narrow
# enough that a mistyped year (0001, 9999) is refused instead of stored.
EARLIEST_BEFORE_START = timedelta(days=90)
LATEST_AHEAD = timedelta(days=2)  # the device's clock and time zone may be a day ahead
PLAN_AHEAD = timedelta(days=2 * 366)


def date_errors(form: VisitFormBase, placement: Placement, today: date) -> dict[str, list[str]]:
    """Dates outside a plausible window: the visit from shortly before the course started until today,
    the next visit and agreed actions within about two years."""
    errors: dict[str, list[str]] = {}
    performed = form.performed_on.data
    if performed < placement.start_date - EARLIEST_BEFORE_START:
        errors["performed_on"] = [str(_l("The date is long before the course started. Check the year."))]
    elif performed > today + LATEST_AHEAD:
        errors["performed_on"] = [str(_l("The visit cannot take place in the future. Check the date."))]
    latest = today + PLAN_AHEAD
    if form.next_visit_date.data and form.next_visit_date.data > latest:
        errors["next_visit_date"] = [str(_l("The next visit must be within two years. Check the year."))]
    for i, action in enumerate(form.actions.data):
        due = action.get("due")
        if due and (due > latest or performed - due > PLAN_AHEAD):
            errors[f"actions-{i}-due"] = [str(_l("The date must be within two years. Check the year."))]
    return errors


def _log(action: AuditAction, visit: Visit, user: User | None) -> None:
    audit.record(
        action,
        "visit",
        citizen_ids=[visit.placement.citizen_id],
        object_type="visit",
        object_id=visit.id,
        user=user,
    )


def find(visit_uuid: str | uuid_lib.UUID) -> Visit | None:
    try:
        key = visit_uuid if isinstance(visit_uuid, uuid_lib.UUID) else uuid_lib.UUID(str(visit_uuid))
    except ValueError:
        return None
    return db.session.scalar(sa.select(Visit).where(Visit.uuid == key))


def find_to_sign(visit_uuid: uuid_lib.UUID) -> Visit | None:
    """The visit a signature or consent is for, with its course and citizen (the caseload check) in the
    same statement. Read in autocommit, as the read's log then is (the request's first statements: no
    BEGIN and COMMIT to wait for); the signature locks the visit and reads it again in a transaction of
    its own (`locked_to_sign`)."""
    autocommit_connection()  # the session's connection for this read and its log
    return db.session.scalar(
        sa.select(Visit)
        .where(Visit.uuid == visit_uuid)
        .options(sa.orm.joinedload(Visit.placement).joinedload(Placement.citizen))
    )


def lock(visit_id: int) -> None:
    """Hold the visit's row until the transaction ends (PostgreSQL; SQLite lets one writer in at a time
    and has no row locks). A save of new content and a signature both take it before they read what
    they check: a signature can never be stored for content that a save replaced meanwhile, nor a save
    change content that a signature has just been given for."""
    db.session.execute(sa.select(Visit.id).where(Visit.id == visit_id).with_for_update())


def locked_to_sign(visit: Visit) -> Visit:
    """The visit locked (`lock`) and read again as the database holds it now, with its template and
    signatures, in one statement: what a signature is checked against and added to (another request may
    have signed or changed it since it was read). The same object, refreshed.

    The signatures' drawings (strokes, SVG) are not read: a new signature needs only who signed and
    when; a signature sent again reads its stored strokes to compare (one statement, then)."""
    lock(visit.id)
    return _read_locked(visit.id, sa.orm.joinedload(Visit.placement), refresh=True)


def save_visit(
    visit_uuid: uuid_lib.UUID,
    form: VisitFormBase,
    user: User,
    today: date,
    clock: DeviceClock = NO_CLOCK,
    body: str | None = None,
    existing: Visit | type[LookUp] | None = LookUp,
    placement: Placement | None = None,
    read_purpose: str | None = None,
) -> SaveResult:
    """Store a completed visit idempotently (the caller has checked the user may use the placement).

    The device's times (`clock`) are kept beside the content but are not part of it: a replay sent
    later carries the same content and is recognised as the same visit. `body` is the body_digest of
    what was sent, kept so that the same body sent again is answered without the form. `existing`: the
    visit stored under the UUID as the caller just read it (None: there is none), else it is looked up;
    `placement`: the course the form names, as the caller loaded it for the caseload check;
    `read_purpose`: the caller logged its read of that course in the present transaction (for this
    purpose), to be committed with the save: a rollback here logs it again.
    The visit, its log, the plan it moves and the course it completes are stored in one transaction."""
    if placement is None or placement.id != int(form.placement_id.data):
        placement = db.session.get(Placement, int(form.placement_id.data))
    errors = _check_references(form, placement, form.template) | date_errors(form, placement, today)
    if errors:
        return SaveResult(Outcome.INVALID, errors=errors)
    content = content_of(form)
    digest = content_hash(content)
    if existing is LookUp:
        existing = find(visit_uuid)
    if existing is not None:
        return _save_existing(existing, content, digest, user, today, clock, body)
    addendum_of = find(content["addendum_of"]) if content["addendum_of"] else None
    try:
        visit = _insert_new(
            {
                "uuid": visit_uuid,
                "placement_id": placement.id,
                "template_id": content["template_id"],
                "performed_by_id": user.id,
                "scheduled_visit_id": content["scheduled_visit_id"],
                "addendum_of_id": addendum_of.id if addendum_of is not None else None,
                "state": VisitState.COMPLETED,
                **_column_values(content, digest, clock, body),
            }
        )
    except IntegrityError:
        # The same UUID arrived twice at once (two tabs, a retry racing the first request): the other
        # request stored it; answer as a replay of that.
        db.session.rollback()
        if read_purpose is not None:
            placements.log_read(placement, user, read_purpose)
        return _save_existing(find(visit_uuid), content, digest, user, today, clock, body)
    if "visits" in sa.inspect(placement).dict:
        db.session.expire(placement, ["visits"])  # the course's visits as loaded lack this one
    _log(AuditAction.CREATE, visit, user)
    _after_save(visit, user, today)
    commit_keeping_loaded()  # the answer is made of the rows as just written
    return SaveResult(Outcome.CREATED, visit)


def _insert_new(values: dict[str, Any]) -> Visit:
    """A new visit's row, written by one INSERT that returns its id, and the visit as a persistent
    object of the session made from the values written, with no statement to read it back. A new visit
    is one row with nothing to order around it (its course and plan are stored already): the unit of
    work's flush and the RETURNING of every column cost a save more than the INSERT itself."""
    now = utcnow()
    row = {**_UNSET, "created_at": now, "updated_at": now, **values}
    db.session.flush()  # the statement goes past the session's autoflush
    visit_id = db.session.connection().execute(_INSERT_VISIT, row).scalar_one()
    visit = Visit(id=visit_id, **row)  # set as attributes: times held in UTC, as a read gives them
    sa.orm.make_transient_to_detached(visit)  # every column as loaded
    sa.orm.attributes.set_committed_value(visit, "signatures", [])  # a new visit has none
    db.session.add(visit)  # a detached object joins the session as persistent, with no statement
    return visit


_UNSET = {column.key: None for column in Visit.__table__.columns if column.key != "id"}
_INSERT_VISIT = sa.insert(Visit.__table__).returning(Visit.__table__.c.id)


def _save_existing(
    visit: Visit,
    content: dict,
    digest: str,
    user: User,
    today: date,
    clock: DeviceClock,
    body: str | None = None,
) -> SaveResult:
    if visit.placement.citizen.jobformidler_id != user.id:
        # Another caseload's visit: the same answer as a UUID nobody has used, so that neither its
        # content nor its existence can be learnt by guessing or reusing UUIDs.
        return SaveResult(Outcome.NOT_FOUND)
    if visit.content_hash == digest:
        if body is not None and visit.submission_hash != submission_hash(body, digest):
            # A visit stored before bodies were kept, or sent with another body of the same content:
            # this body's next replay is answered without the form.
            visit.submission_hash = submission_hash(body, digest)
            db.session.commit()
        return SaveResult(Outcome.UNCHANGED, visit)
    if visit.content_locked:
        return SaveResult(Outcome.CONFLICT, visit)
    if content["placement_id"] != visit.placement_id or content["template_id"] != visit.template_id:
        return SaveResult(Outcome.CONFLICT, visit)
    if completed_before_stored(visit, clock):
        return SaveResult(Outcome.CONFLICT, visit, reason=STALE)
    visit.scheduled_visit_id = content["scheduled_visit_id"]
    agreed_before = visit.next_visit_date
    for name, value in _column_values(content, digest, clock, body, visit).items():
        setattr(visit, name, value)
    _log(AuditAction.UPDATE, visit, user)
    # An edit that leaves the agreed next visit as it was does not move the plan again: since the
    # visit was saved, the plan may have moved on (a later visit, a visit moved by hand).
    _after_save(visit, user, today, plan=visit.next_visit_date != agreed_before)
    commit_keeping_loaded()
    return SaveResult(Outcome.UPDATED, visit)


def completed_before_stored(visit: Visit, clock: DeviceClock) -> bool:
    """Was the content sent completed before the stored content was? Then it is an older version: a
    retry from a second device that arrives late, or a body replayed after a newer one, which must not
    overwrite what was completed later. Compared on the server's clock: each completion less its
    device's skew when it was sent (a stored visit sent with no device time counts from its receipt),
    and neither later than it reached the server (a clock that was wrong in a way the skew does not
    show must not make a version "newest" for good)."""
    if clock.completed is None or visit.completed_at is None:
        return False
    now = utcnow()
    sent = min(clock.completed.at - timedelta(seconds=clock.skew_seconds(now) or 0), now)
    stored = visit.completed_at - timedelta(seconds=visit.clock_skew_seconds or 0)
    if visit.received_at is not None:
        stored = min(stored, visit.received_at)
    # A second's leeway: device times and skews are whole seconds, the server's receipt is not.
    return stored - sent >= _SAME_MOMENT


_SAME_MOMENT = timedelta(seconds=1)


def _after_save(visit: Visit, user: User, today: date, plan: bool = True) -> None:
    """What a completed visit does to the plan and the course: the scheduled visit is done, the agreed
    next visit date moves the plan (`plan`: a new visit, or an edit that changed it), and reported paid
    hours may complete the course."""
    placement = visit.placement
    sv = visit.scheduled_visit
    if sv is not None and sv.status == ScheduledVisitStatus.PLANNED:
        sv.status = ScheduledVisitStatus.DONE
    latest: placements.ReportedHours | type[LookUp] | None = LookUp
    if plan and visit.next_visit_date is not None and placement.is_followed_up:
        applied = placements.apply_next_visit_date(
            placement, visit.next_visit_date, visit.performed_at, done=sv, visit_id=visit.id
        )
        latest = applied.latest_hours  # read with the plan, after this visit was written
    placements.update_course_status(placement, user, today, commit=False, latest=latest)


# --- Signatures -----------------------------------------------------------------------------------


class SignatureError(ValueError):
    """A signature that cannot be taken; its text is a key of SIGNATURE_MESSAGES, shown to the signer."""


SIGNATURE_MESSAGES = {
    "size": _l("The drawing area has an unexpected size."),
    "empty": _l("Draw the signature before signing."),
    "shape": _l("The signature could not be read. Clear it and draw it again."),
    "role": _l("This visit does not ask for that signature."),
    "state": _l("The visit is already signed."),
    "changed": _l(
        "The visit was changed after this page was opened. Open the page again and read the summary "
        "before signing."
    ),
}


def required_roles(visit: Visit) -> list[SignerRole]:
    return [SignerRole(r) for r in visit.template.required_signers]


def missing_roles(visit: Visit) -> list[SignerRole]:
    signed = {s.signer_role for s in visit.signatures}
    return [r for r in required_roles(visit) if r not in signed]


def strokes_to_svg(strokes: list[dict], width: float, height: float) -> str:
    """An SVG drawing of signature_pad's point groups, made on the server from numbers only: the
    client's own SVG is never stored or rendered, so a signature cannot carry markup."""
    dots, lines = [], []
    for group in strokes:
        points = [(float(p["x"]), float(p["y"])) for p in group.get("points", [])]
        if not points:
            continue
        if len(points) == 1:
            x, y = points[0]
            dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.5" fill="#14213d"/>')
            continue
        lines.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in _simplified(points)))
    # One path of all the strokes: each element is a drawing operation of its own in the PDF.
    path = f'<path d="{" ".join(lines)}"/>' if lines else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}"><g fill="none" stroke="#14213d" stroke-width="2.2" '
        f'stroke-linecap="round" stroke-linejoin="round">{path}{"".join(dots)}</g></svg>'
    )


SIMPLIFY_WITHIN = 0.5  # CSS pixels of the pad: a quarter of the pen's width, invisible in the drawing


def _simplified(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The stroke's points without those that lie within SIMPLIFY_WITHIN of the line their neighbours
    kept draw (Ramer-Douglas-Peucker): a pad samples a slow pen densely, and each point costs the PDF."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    spans = [(0, len(points) - 1)]
    while spans:
        first, last = spans.pop()
        farthest, distance = None, SIMPLIFY_WITHIN
        for i in range(first + 1, last):
            d = _from_segment(points[i], points[first], points[last])
            if d > distance:
                farthest, distance = i, d
        if farthest is not None:
            keep[farthest] = True
            spans += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _from_segment(point: tuple[float, float], start: tuple[float, float], end: tuple[float, float]) -> float:
    """How far a point lies from the segment start-end (not from its line: a pen that goes on past the
    end and comes back drew that stretch)."""
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    squared = dx * dx + dy * dy
    t = 0.0 if squared == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / squared))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


def _all_finite(value: Any) -> bool:
    """No NaN or infinity anywhere in the stroke data (pressure, time, pen settings included)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_all_finite(v) for v in value)
    return True


def validate_strokes(strokes: Any, width: Any, height: Any) -> tuple[list, float, float]:
    """Check the drawing's shape; raises SignatureError with a Danish-ready message key."""
    try:
        width, height = float(width), float(height)
    except (TypeError, ValueError) as error:
        raise SignatureError("size") from error
    if not (50 <= width <= 4000 and 30 <= height <= 4000):
        raise SignatureError("size")
    if not isinstance(strokes, list) or not strokes:
        raise SignatureError("empty")
    total = 0
    for group in strokes:
        points = group.get("points") if isinstance(group, dict) else None
        if not isinstance(points, list):
            raise SignatureError("shape")
        for p in points:
            if not isinstance(p, dict) or not all(isinstance(p.get(k), int | float) for k in ("x", "y")):
                raise SignatureError("shape")
            # A point is on the pad or near it (a stroke may leave the pad's edge); NaN, Infinity and
            # 1e308 are no drawing, and would be drawn into the sealed summary.
            if not (-width <= p["x"] <= 2 * width and -height <= p["y"] <= 2 * height):
                raise SignatureError("shape")
        if not _all_finite(group):
            raise SignatureError("shape")
        total += len(points)
    if total < 3:
        raise SignatureError("empty")
    if total > 20000:
        raise SignatureError("shape")
    return strokes, width, height


@dataclass
class SignResult:
    outcome: Outcome
    signature: Signature | None = None
    now_signed: bool = False  # this signature completed the visit


def add_signature(
    visit: Visit,
    role: SignerRole,
    name: str,
    strokes: list,
    width: float,
    height: float,
    device: str | None,
    via_token: bool = False,
    user: User | None = None,
    seen_hash: str | None = None,
    clock: DeviceClock = NO_CLOCK,
) -> SignResult:
    """Store one role's signature (idempotent for the same drawing); the last required one signs the visit.

    `seen_hash` is the content hash of the summary the signer was shown, when the page knew it: a
    signature for content that has changed since is refused ("changed"). `clock.completed` is when the
    signature was drawn by the device's clock."""
    visit = locked_to_sign(visit)
    if role not in required_roles(visit) and role != SignerRole.JOBFORMIDLER:
        raise SignatureError("role")
    existing = next((s for s in visit.signatures if s.signer_role == role), None)
    if existing is not None and via_token:
        # A signing link's role is signed: another use of the link (waiting on the lock) got there first.
        raise SignatureRace
    if existing is not None:
        same = existing.strokes == strokes and existing.signer_name == name.strip()
        return SignResult(Outcome.UNCHANGED if same else Outcome.CONFLICT, existing)
    if visit.state not in (VisitState.COMPLETED,):
        raise SignatureError("state")
    if seen_hash and seen_hash != visit.content_hash:
        raise SignatureError("changed")
    signature = Signature(
        visit=visit,
        signer_role=role,
        signer_name=name.strip(),
        content_hash=visit.content_hash,
        strokes=strokes,
        svg=strokes_to_svg(strokes, width, height),
        device=(device or "")[:200] or None,
        via_token=via_token,
    )
    return _store_signature(visit, signature, user, clock)


class SignatureRace(Exception):
    """Another request stored this role's signature at the same moment (one signing link used twice at
    once, a device's retry racing the first send): this one's was rolled back, or, for a signing link,
    it found the role signed once it held the visit's lock."""


def _store_signature(visit: Visit, signature: Signature, user: User | None, clock: DeviceClock) -> SignResult:
    """Add a new signature with its device time and receipt; the last one a visit requires signs it, and
    closes its unused signing links (their summary must not be shown any more)."""
    received = utcnow()
    signature.signed_at = clock.completed.at if clock.completed is not None else received
    signature.device_utc_offset = clock.offset_minutes
    signature.received_at = received
    signature.clock_skew_seconds = clock.skew_seconds(received)
    db.session.add(signature)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise SignatureRace from error
    now_signed = False
    if not missing_roles(visit):
        visit.state = VisitState.SIGNED
        # Signed when the last signature was given, by the signers' own clocks.
        visit.signed_at = max(s.signed_at for s in visit.signatures)
        now_signed = True
        db.session.execute(
            sa.update(SigningToken)
            .where(SigningToken.visit_id == visit.id, SigningToken.used_at.is_(None))
            .values(used_at=utcnow())
        )
    _log(AuditAction.UPDATE, visit, user)
    try:
        # The answer is made from the visit as just stored: nothing to read back.
        commit_keeping_loaded()
    except IntegrityError as error:
        db.session.rollback()
        raise SignatureRace from error
    return SignResult(Outcome.CREATED, signature, now_signed)


def record_consent(
    visit: Visit,
    role: SignerRole,
    name: str,
    note: str,
    user: User,
    clock: DeviceClock = NO_CLOCK,
    seen_hash: str | None = None,
) -> SignResult:
    """A signer who cannot draw a signature consents another way (orally after the summary was read
    aloud, say); the jobformidler records how, and that stands in for the drawing. Idempotent like a
    drawn signature: the same record again is UNCHANGED, a different one CONFLICT. `seen_hash` as for
    add_signature."""
    visit = locked_to_sign(visit)
    if role not in required_roles(visit):
        raise SignatureError("role")
    name, note = name.strip(), note.strip()
    existing = next((s for s in visit.signatures if s.signer_role == role), None)
    if existing is not None:
        same = existing.consent_note == note and existing.signer_name == name
        return SignResult(Outcome.UNCHANGED if same else Outcome.CONFLICT, existing)
    if visit.state != VisitState.COMPLETED:
        raise SignatureError("state")
    if seen_hash and seen_hash != visit.content_hash:
        raise SignatureError("changed")
    signature = Signature(
        visit=visit,
        signer_role=role,
        signer_name=name,
        content_hash=visit.content_hash,
        strokes=[],
        svg="",
        consent_note=note,
        recorded_by=user,
    )
    return _store_signature(visit, signature, user, clock)


def withdraw_signatures(visit: Visit, user: User) -> list[str]:
    """Take back the signatures of a visit that is not yet signed by everyone, so that its content can
    be corrected; everyone then signs the corrected content. A fully signed visit is corrected by an
    addendum instead. Each withdrawn signature is logged. Returns the signers' names."""
    if visit.is_immutable:
        raise SignatureError("state")
    withdrawn = list(visit.signatures)
    names = [s.signer_name for s in withdrawn]
    for signature in withdrawn:
        audit.record(
            AuditAction.DELETE,
            "visit",
            citizen_ids=[visit.placement.citizen_id],
            object_type="signature",
            object_id=signature.id,
            user=user,
        )
        visit.signatures.remove(signature)  # delete-orphan: the row goes
    db.session.commit()
    return names


# --- Filling the form -----------------------------------------------------------------------------


def current_template() -> ChecklistTemplate:
    """The published checklist version new visits are filled with."""
    return published_template()


def initial_data(placement: Placement, sv: ScheduledVisit | None, template: ChecklistTemplate) -> dict:
    """What a new visit's form starts with: today, who is usually present, the hours as last reported,
    and the plan's following visit as the next visit date."""
    reported = [v for v in placement.visits if v.paid_hours_per_week is not None]
    latest = max(reported, key=Visit.sort_key, default=None)
    source = latest or placement
    planned = sorted(
        (s for s in placement.scheduled_visits if s.status == ScheduledVisitStatus.PLANNED and s is not sv),
        key=lambda s: s.due_date,
    )
    today = local_today()
    following = next((s.due_date for s in planned if s.due_date > today), None)
    present = [placement.citizen.first_name]
    if placement.contact_person:
        present.append(placement.contact_person.name)
    return {
        "placement_id": placement.id,
        "scheduled_visit_id": sv.id if sv else "",
        "template_id": template.id,
        "performed_on": today,
        "performed_time": local_now().time().replace(second=0, microsecond=0),
        "present": ", ".join(present),
        "paid_hours_per_week": source.paid_hours_per_week,
        "internship_hours_per_week": source.internship_hours_per_week,
        "next_visit_date": following,
    }


def data_of(visit: Visit) -> dict:
    """A stored visit as the form's data, to change it or to start an addendum from it."""
    data = {
        "placement_id": visit.placement_id,
        "scheduled_visit_id": visit.scheduled_visit_id or "",
        "template_id": visit.template_id,
        "addendum_of": str(visit.addendum_of.uuid) if visit.addendum_of else "",
        "performed_on": device_local(visit.performed_at, visit.device_utc_offset).date(),
        "performed_time": device_local(visit.performed_at, visit.device_utc_offset).time(),
        "kind": visit.kind.value,
        "on_site": visit.on_site,
        "present": visit.present or "",
        "paid_hours_per_week": visit.paid_hours_per_week,
        "internship_hours_per_week": visit.internship_hours_per_week,
        "can_convert": visit.can_convert.value if visit.can_convert else None,
        "hours_note": visit.hours_note or "",
        "next_visit_date": visit.next_visit_date,
        "actions": [
            {
                "what": a["what"],
                "who": a.get("who", ""),
                "due": date.fromisoformat(a["due"]) if a.get("due") else None,
            }
            for a in visit.actions
        ],
    }
    for key, answer in (visit.answers or {}).items():
        data[f"{key}__rating"] = answer.get("rating")
        data[f"{key}__note"] = answer.get("note", "")
    return data
