"""The session's user, kept in Redis beside the sessions so that a request need not read its row.

Each request needs the logged-in user's row (its role, team and whether the account is active). Where
sessions live in Redis (several processes), that row is kept there too, under a *stamp* that every
committed change to the user replaces:

- a request reads the stamp and the kept row in one round trip, with its session (`session_with_user`),
  and uses the row only if it was kept under the stamp that holds now;
- on a miss it reads the stamp *first*, then the row from the database, and keeps the row under the
  stamp it read: a change committed meanwhile has replaced the stamp, so that copy is never used;
- every commit that changed, added or deleted a user replaces the stamp of each such user (and drops
  the copy) right after the commit, in the process that committed, whatever the path (the administrator's
  form, a new password, the user's own language, the CLI).

So a deactivated account, a new role or a new team takes effect at the user's next request, as when the
row was read every time. A change made in the database by hand, outside the app, is not seen until the
copy expires (KEEP_FOR); the README says so. With sessions in the database (the embedded default) the
row is read every time, as before: the cache would be the same database.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context
from sqlalchemy.orm import Session, make_transient_to_detached

from app.extensions import db
from app.models import Role, User
from app.models.base import UTCDateTime
from app.models.user import KEPT_HAS_PASSWORD

# How long a copy is kept unused; also the bound on a change made outside the app.
KEEP_FOR = 600
_PENDING = "user_cache_changed"
# Secrets stay out of the copy (they load from the database where they are used: a password check, the
# calendar feed, a single sign-on).
_SECRET = {"password_hash", "calendar_token", "sso_subject"}
_COLUMNS = [c.key for c in sa.inspect(User).column_attrs if c.key not in _SECRET]
_DATETIMES = {c.key for c in sa.inspect(User).column_attrs if isinstance(c.columns[0].type, UTCDateTime)}


# A session's fields, and its user's stamp and kept row, in one round trip: the session names its user
# (its `user_id` field, JSON), so the user's keys are known only inside Redis. The keys are `_stamp_key`'s
# and `_row_key`'s. (A script that reads keys it is not given runs on one Redis, not on a cluster.)
_SESSION_AND_USER = """
local fields = redis.call('HGETALL', KEYS[1])
local user_id = redis.call('HGET', KEYS[1], 'user_id')
if not user_id or not string.match(user_id, '^[0-9]+$') then return {fields} end
local stamp, row = ARGV[1] .. 'user-stamp:' .. user_id, ARGV[1] .. 'user-row:' .. user_id
return {fields, user_id, redis.call('MGET', stamp, row)}
"""
# Where `session_with_user` leaves the user's stamp and row for the request's `load`.
_READ_WITH_SESSION = "user_read_with_session"


class UserCache:
    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._session_and_user = redis.register_script(_SESSION_AND_USER)

    def session_with_user(self, session_name: str) -> dict[str, str]:
        """The fields of the session stored under `session_name`, read in one round trip with its user's
        stamp and kept row, which the request's `load` of that user then uses (issue 14: a request's
        session and user were two round trips)."""
        reply = self._session_and_user(keys=[session_name], args=[self.prefix])
        flat = reply[0]
        if len(reply) == 3 and has_app_context():
            g.setdefault(_READ_WITH_SESSION, {})[int(reply[1])] = tuple(reply[2])
        return dict(zip(flat[::2], flat[1::2], strict=True))

    def _stamp_key(self, user_id: int) -> str:
        return f"{self.prefix}user-stamp:{user_id}"

    def _row_key(self, user_id: int) -> str:
        return f"{self.prefix}user-row:{user_id}"

    def load(self, user_id: int) -> User | None:
        """The user, from the kept copy if it is current, else from the database (and kept)."""
        read = g.get(_READ_WITH_SESSION) if has_app_context() else None
        if read and user_id in read:
            stamp, kept = read.pop(user_id)
        else:
            stamp, kept = self.redis.mget(self._stamp_key(user_id), self._row_key(user_id))
        stamp = stamp or "-"
        copy = _readable(kept, user_id)
        if copy is not None and copy["stamp"] == stamp:
            return _attached(copy["row"], bool(copy.get("has_password", True)))
        user = db.session.get(User, user_id)
        if user is not None:
            row = {"stamp": stamp, "row": _values(user), "has_password": user.has_password}
            self.redis.set(self._row_key(user_id), json.dumps(row), ex=KEEP_FOR)
        return user

    def changed(self, user_ids: set[int]) -> None:
        """After a commit that changed these users: no copy kept before it is used again, nor one read
        with the session before the change."""
        if has_app_context() and (read := g.get(_READ_WITH_SESSION)):
            for user_id in user_ids:
                read.pop(user_id, None)
        with self.redis.pipeline() as pipe:
            for user_id in user_ids:
                pipe.set(self._stamp_key(user_id), secrets.token_hex(8))
                pipe.delete(self._row_key(user_id))
            pipe.execute()


def _readable(kept: str | None, user_id: int) -> dict[str, Any] | None:
    """The kept copy if it is this user's, in this version's shape; else None (it is read again)."""
    if not kept:
        return None
    try:
        copy = json.loads(kept)
        row = copy["row"]
        if not isinstance(copy["stamp"], str) or row["id"] != user_id or set(row) != set(_COLUMNS):
            return None
        for name in _DATETIMES:
            if row[name] is not None:
                row[name] = datetime.fromisoformat(row[name])
        row["role"] = Role(row["role"])
    except (ValueError, KeyError, TypeError):
        return None
    return copy


def _values(user: User) -> dict[str, Any]:
    values = {}
    for name in _COLUMNS:
        value = getattr(user, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return values


def _attached(values: dict[str, Any], has_password: bool) -> User:
    """A User made from kept values, in the request's session as if it had been read (no statement):
    relationships load as usual, and it can be assigned (`performed_by=user`) like a row read."""
    user = User.__mapper__.class_manager.new_instance()
    # Set as the row's values: make_transient_to_detached commits what the object holds (one step for
    # all of them, not an attribute event for each).
    user.__dict__.update({name: values[name] for name in _COLUMNS})
    make_transient_to_detached(user)
    session = db.session()
    present = session.identity_map.get(sa.inspect(user).key)
    if present is not None:
        return present  # this request has read the row already
    session.add(user)  # a detached object joins the session as persistent, with no statement
    session.expire(user, list(_SECRET))  # read from the database when used
    user.__dict__[KEPT_HAS_PASSWORD] = has_password  # what every page's header asks, without the hash
    return user


def cache() -> UserCache | None:
    return current_app.extensions.get("user_cache") if has_app_context() else None


def _note_changes(session: Session, flush_context: Any) -> None:
    changed = {obj.id for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, User)}
    if changed:
        session.info.setdefault(_PENDING, set()).update(changed)


def _after_commit(session: Session) -> None:
    # A change rolled back stays noted until the session's next commit: a needless new stamp then costs
    # one read of the row, and never leaves a stale copy in use.
    changed = session.info.pop(_PENDING, None)
    if changed and (kept := cache()) is not None:
        kept.changed(changed)


def init_app(app: Flask, redis: Any | None, prefix: str) -> None:
    if redis is None:
        app.extensions.pop("user_cache", None)
        return
    app.extensions["user_cache"] = UserCache(redis, prefix)
    if not sa.event.contains(Session, "after_flush", _note_changes):
        sa.event.listen(Session, "after_flush", _note_changes)
        sa.event.listen(Session, "after_commit", _after_commit)
