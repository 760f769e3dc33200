"""A signature stands for the content it was given for: the rules in app/visits/services.py, without HTTP."""

import uuid

import pytest
import sqlalchemy as sa

from app.core.timeutil import local_today
from app.extensions import db
from app.models import AuditAction, AuditEvent, SignerRole, VisitState
from app.visits import services
from app.visits.forms import formdata_from_json, visit_form
from tests.visit_helpers import STROKES, course, payload


def _save(me, placement, key, **changes):
    template = services.current_template()
    form = visit_form(template, formdata=formdata_from_json(payload(placement, **changes)))
    assert form.validate(), form.errors
    return services.save_visit(key, form, me, local_today())


def _sign(visit, role=SignerRole.COMPANY_CONTACT, seen_hash=None):
    return services.add_signature(visit, role, "Hanne Jensen", STROKES, 500, 200, None, seen_hash=seen_hash)


@pytest.fixture
def visit(app):
    me, placement = course()
    result = _save(me, placement, uuid.uuid4())
    return me, placement, result.visit


def test_the_first_signature_locks_the_content(visit):
    """Unsigned, the content may change; after one of two signatures it may not (CONFLICT), though the same
    content is still a replay."""
    me, placement, v = visit
    assert not v.content_locked
    assert _save(me, placement, v.uuid, paid_hours_per_week=7).outcome == services.Outcome.UPDATED
    signature = _sign(v).signature
    assert v.content_locked and v.state == VisitState.COMPLETED
    assert signature.content_hash == v.content_hash
    assert _save(me, placement, v.uuid, paid_hours_per_week=8).outcome == services.Outcome.CONFLICT
    assert _save(me, placement, v.uuid, paid_hours_per_week=7).outcome == services.Outcome.UNCHANGED


def test_a_signature_for_other_content_is_refused(visit):
    _, _, v = visit
    with pytest.raises(services.SignatureError, match="changed"):
        _sign(v, seen_hash="0" * 64)
    assert v.signatures == []
    assert _sign(v, seen_hash=v.content_hash).outcome == services.Outcome.CREATED


def test_withdrawing_removes_the_signatures_logs_it_and_unlocks_the_content(visit):
    me, placement, v = visit
    _sign(v)
    assert services.withdraw_signatures(v, me) == ["Hanne Jensen"]
    assert v.signatures == [] and not v.content_locked
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_type == "signature"))
    assert event.action == AuditAction.DELETE
    assert (event.user_id, event.citizen_id) == (me.id, placement.citizen_id)
    assert _save(me, placement, v.uuid, paid_hours_per_week=8).outcome == services.Outcome.UPDATED


def test_a_visit_signed_by_everyone_keeps_its_signatures(visit):
    me, _, v = visit
    _sign(v)
    _sign(v, SignerRole.CITIZEN)
    assert v.state == VisitState.SIGNED
    with pytest.raises(services.SignatureError, match="state"):
        services.withdraw_signatures(v, me)
    assert len(v.signatures) == 2
