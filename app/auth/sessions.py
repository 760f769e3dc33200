"""Sessions kept on the server, so that they can be listed and ended.

The cookie carries a random id and nothing else; the session's data lives in the database (the default,
table `user_sessions`) or in Redis where SESSION_REDIS_URL / REDIS_URL is set (several processes or
machines). Ending a session leaves a tombstone for SESSION_TOMBSTONE_DAYS: when the ended session's
device next reaches the server, it is told (`session_ended`) and wipes what it keeps about the user.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, Request, Response, current_app, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SessionInterface

from app.extensions import db
from app.models import UserSession
from app.models.base import utcnow

# A session used again within this long is not written back just to move its "last used" time.
TOUCH_EVERY = timedelta(seconds=60)
# At log-in the session gets a new id. Requests the browser sent just before (a service worker's
# precache, a prefetch) still carry the old one and may be answered after the log-in's; for this long the
# old id is known as replaced, and such answers set no cookie, which would overwrite the new one.
REPLACED_FOR = timedelta(seconds=120)
REPLACED = "replaced"
_serializer = TaggedJSONSerializer()


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass
class StoredSession:
    key: str
    data: str
    user_id: int | None
    user_agent: str | None
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    ended_reason: str | None = None

    @property
    def public_id(self) -> str:
        """How the user's device list names the session: a part of the stored key, never the cookie."""
        return self.key[:16]


class SessionStore(Protocol):
    def load(self, key: str) -> StoredSession | None: ...
    def load_for_request(self, key: str) -> StoredSession | None: ...
    def save(self, stored: StoredSession, create: bool = True) -> bool: ...
    def forget(self, key: str) -> None: ...
    def end(self, key: str, reason: str, keep_until: datetime) -> None: ...
    def of_user(self, user_id: int) -> list[StoredSession]: ...
    def purge(self, now: datetime) -> int: ...


class DatabaseStore:
    """Sessions in the app's own database: one row each, read and written on a connection of their own,
    so that a session write never commits (or rolls back, or expires) the request's own work."""

    table = UserSession.__table__

    @staticmethod
    def _writing() -> sa.engine.Connection:
        # SQLite locks the whole file for a writer: a request that left a write uncommitted (it will be
        # rolled back at teardown) would block this connection, so roll it back now.
        if db.engine.dialect.name == "sqlite" and db.session().in_transaction():
            dbapi = db.session.connection().connection.dbapi_connection
            if getattr(dbapi, "in_transaction", False):
                db.session.rollback()
        return db.engine.begin()

    def load(self, key: str) -> StoredSession | None:
        with db.engine.connect() as conn:
            row = conn.execute(sa.select(self.table).where(self.table.c.key == key)).mappings().first()
        return StoredSession(**row) if row else None

    load_for_request = load  # the user's row is read by the request's own session

    def save(self, stored: StoredSession, create: bool = True) -> bool:
        values = asdict(stored)
        with self._writing() as conn:
            # A request that was under way when its session was ended must not bring it back.
            updated = conn.execute(
                sa.update(self.table)
                .where(self.table.c.key == stored.key, self.table.c.ended_at.is_(None))
                .values(**values)
            )
            if updated.rowcount:
                return True
            if not create:
                return False  # ended or logged out (the row is gone) while this request was under way
            exists = conn.execute(sa.select(self.table.c.key).where(self.table.c.key == stored.key)).first()
            if exists is None:
                conn.execute(sa.insert(self.table).values(**values))
                return True
            return False

    def forget(self, key: str) -> None:
        with self._writing() as conn:
            conn.execute(sa.delete(self.table).where(self.table.c.key == key))

    def end(self, key: str, reason: str, keep_until: datetime) -> None:
        with self._writing() as conn:
            conn.execute(
                sa.update(self.table)
                .where(self.table.c.key == key, self.table.c.ended_at.is_(None))
                .values(ended_at=utcnow(), ended_reason=reason, expires_at=keep_until, data="{}")
            )

    def of_user(self, user_id: int) -> list[StoredSession]:
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.select(self.table).where(
                    self.table.c.user_id == user_id,
                    self.table.c.ended_at.is_(None),
                    self.table.c.expires_at > utcnow(),
                )
            ).mappings()
            return [StoredSession(**row) for row in rows]

    def purge(self, now: datetime) -> int:
        with self._writing() as conn:
            return conn.execute(sa.delete(self.table).where(self.table.c.expires_at <= now)).rowcount


class RedisStore:
    """Sessions in Redis, shared by every process: a hash per session that expires by itself, and a set
    per user of their sessions' keys (pruned of expired ones as it is read)."""

    def __init__(self, url: str, prefix: str = "eftervaern:") -> None:
        import redis

        self.redis = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}session:{key}"

    def _user_set(self, user_id: int) -> str:
        return f"{self.prefix}user-sessions:{user_id}"

    @staticmethod
    def _encode(stored: StoredSession) -> dict[str, str]:
        return {
            k: json.dumps(v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(stored).items()
        }

    @staticmethod
    def _decode(fields: dict[str, str]) -> StoredSession:
        values: dict[str, Any] = {k: json.loads(v) for k, v in fields.items()}
        for name in ("created_at", "last_seen_at", "expires_at", "ended_at"):
            if values.get(name):
                values[name] = datetime.fromisoformat(values[name])
        return StoredSession(**values)

    def load(self, key: str) -> StoredSession | None:
        fields = self.redis.hgetall(self._name(key))
        return self._decode(fields) if fields else None

    def load_for_request(self, key: str) -> StoredSession | None:
        """`load`, at a request's start: with its user's kept row in the same round trip where the user
        is kept in this Redis (app.auth.user_cache)."""
        from app.auth import user_cache

        kept = user_cache.cache()
        if kept is None or kept.redis is not self.redis:
            return self.load(key)
        fields = kept.session_with_user(self._name(key))
        return self._decode(fields) if fields else None

    def save(self, stored: StoredSession, create: bool = True) -> bool:
        name = self._name(stored.key)
        if stored.ended_at is None:
            ended = self.redis.hget(name, "ended_at")
            if ended not in (None, "null"):
                return False  # ended while this request was under way: it stays ended
            if ended is None and not create:
                return False  # logged out (forgotten) while this request was under way
        seconds = max(1, int((stored.expires_at - utcnow()).total_seconds()))
        with self.redis.pipeline() as pipe:
            pipe.hset(name, mapping=self._encode(stored))
            pipe.expire(name, seconds)
            if stored.user_id is not None:
                pipe.sadd(self._user_set(stored.user_id), stored.key)
            pipe.execute()
        return True

    def forget(self, key: str) -> None:
        stored = self.load(key)
        self.redis.delete(self._name(key))
        if stored and stored.user_id is not None:
            self.redis.srem(self._user_set(stored.user_id), key)

    def end(self, key: str, reason: str, keep_until: datetime) -> None:
        stored = self.load(key)
        if stored is None or stored.ended_at is not None:
            return
        stored.ended_at, stored.ended_reason, stored.expires_at, stored.data = (
            utcnow(),
            reason,
            keep_until,
            "{}",
        )
        self.save(stored)
        if stored.user_id is not None:
            self.redis.srem(self._user_set(stored.user_id), key)

    def of_user(self, user_id: int) -> list[StoredSession]:
        found = []
        for key in self.redis.smembers(self._user_set(user_id)):
            stored = self.load(key)
            if stored is None:
                self.redis.srem(self._user_set(user_id), key)
            elif stored.ended_at is None:
                found.append(stored)
        return found

    def purge(self, now: datetime) -> int:
        return 0  # Redis expires sessions by itself


class ServerSession(SecureCookieSession):
    """The session's data, with the id it is stored under (None until it is first saved)."""

    def __init__(
        self, initial: dict | None = None, sid: str | None = None, stored: StoredSession | None = None
    ):
        super().__init__(initial or {})
        self.sid = sid
        self.stored = stored
        self.drop_key: str | None = None  # the previous id's key, after regenerate()
        self.new_cookie = False
        self.replaced = False  # opened with an id just replaced by a log-in: never saved, no cookie


def store() -> SessionStore:
    return current_app.extensions["session_store"]


class ServerSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if not sid or len(sid) > 100:
            return ServerSession()
        stored = store().load_for_request(_key(sid))
        now = utcnow()
        if stored is None or stored.expires_at <= now:
            return ServerSession()
        if stored.ended_at is not None and stored.ended_reason == REPLACED:
            # Sent before a log-in replaced this id, answered after it: anonymous, and no cookie.
            replaced = ServerSession()
            replaced.replaced = True
            return replaced
        if stored.ended_at is not None:
            # An ended session's device: a new, anonymous session tells it to wipe what it keeps about
            # the user, until someone logs in on it again (app.auth: the page's data-wipe-device, the
            # API's 401 "session_ended"). The tombstone stays for a device that has other tabs open.
            fresh = ServerSession()
            fresh["wipe_device"] = "ended"
            fresh["session_ended"] = stored.ended_reason or "ended"
            return fresh
        try:
            data = _serializer.loads(stored.data)
        except (ValueError, TypeError):
            return ServerSession()
        return ServerSession(data, sid=sid, stored=stored)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        if request.endpoint == "static":
            # A static file is the same for everyone and cached publicly for a year (app/core/assets.py):
            # it must carry no cookie and no Vary: Cookie, and it has nothing to change in the session.
            return
        name, domain, path = self.get_cookie_name(app), self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.accessed:
            response.vary.add("Cookie")
        if session.replaced:
            return
        if session.drop_key:
            store().end(session.drop_key, REPLACED, utcnow() + REPLACED_FOR)
            session.drop_key = None
        if not session:
            if session.sid is not None:
                store().forget(_key(session.sid))
                response.delete_cookie(name, domain=domain, path=path)
            return
        now = utcnow()
        stored = session.stored
        touch = stored is not None and now - stored.last_seen_at >= TOUCH_EVERY
        write_cookie = session.new_cookie or session.modified or touch
        if session.sid is None or session.modified or touch:
            # Only a new id makes a new row: a session loaded at the start of this request and gone by its
            # end (logged out, ended, in another request) stays gone, and its cookie is not sent again.
            create = stored is None
            if session.sid is None:
                session.sid = secrets.token_urlsafe(32)
                write_cookie = True
            lifetime = app.permanent_session_lifetime
            user_id = session.get("_user_id")
            session.stored = StoredSession(
                key=_key(session.sid),
                data=_serializer.dumps(dict(session)),
                user_id=int(user_id) if user_id is not None else None,
                user_agent=(stored.user_agent if stored else None) or _user_agent(),
                created_at=stored.created_at if stored else now,
                last_seen_at=now,
                # A day beyond the idle limit, so that the idle check (app.auth) still sees the session
                # and can tell its device that it ended.
                expires_at=now + lifetime + timedelta(days=1),
            )
            if not store().save(session.stored, create=create):
                return
        if write_cookie:
            response.set_cookie(
                name,
                session.sid,
                expires=self.get_expiration_time(app, session),
                httponly=self.get_cookie_httponly(app),
                domain=domain,
                path=path,
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
                partitioned=self.get_cookie_partitioned(app),
            )

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        return True


def _user_agent() -> str | None:
    from flask import request

    return (request.headers.get("User-Agent") or "")[:200] or None


def regenerate() -> None:
    """A new id for the present session (at log-in), so that an id known before is worth nothing."""
    if session.sid is not None:
        session.drop_key = _key(session.sid)
    session.sid = None
    session.stored = None
    session.new_cookie = True
    session.modified = True


def current_key() -> str | None:
    return _key(session.sid) if getattr(session, "sid", None) else None


def end_current() -> None:
    """Forget the present session entirely (the user's own log-out: the device wipes itself)."""
    key = current_key()
    if key:
        store().forget(key)
    session.clear()
    regenerate()
    session.drop_key = None


def end_sessions_of(user_id: int, reason: str, keep_current: bool = False) -> int:
    """End every session of a user (a new password, an administrator's "log out on all devices"), but
    the present one if `keep_current`. Returns how many were ended."""
    keep = current_key() if keep_current else None
    keep_until = utcnow() + timedelta(days=current_app.config["SESSION_TOMBSTONE_DAYS"])
    ended = 0
    for stored in store().of_user(user_id):
        if stored.key != keep:
            store().end(stored.key, reason, keep_until)
            ended += 1
    return ended


def sessions_of(user_id: int) -> list[StoredSession]:
    """The user's active sessions, most recently used first."""
    limit = utcnow() - current_app.permanent_session_lifetime
    found = [s for s in store().of_user(user_id) if s.last_seen_at > limit]
    return sorted(found, key=lambda s: s.last_seen_at, reverse=True)


def end_session_of(user_id: int, public_id: str, reason: str) -> bool:
    """End one of the user's sessions, named as in their device list; False if there is none such."""
    for stored in store().of_user(user_id):
        if stored.public_id == public_id:
            keep_until = utcnow() + timedelta(days=current_app.config["SESSION_TOMBSTONE_DAYS"])
            store().end(stored.key, reason, keep_until)
            return True
    return False


_BROWSERS = (
    ("Edg/", "Edge"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """A short, readable name for a device from its user agent: "Chrome på Android"-like parts."""
    ua = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in ua), None)
    system = next((name for marker, name in _SYSTEMS if marker in ua), None)
    parts = [p for p in (browser, system) if p]
    if not parts:
        return re.sub(r"\s+", " ", ua)[:40]
    return " · ".join(parts)


def init_app(app: Flask) -> None:
    from app.auth import user_cache

    url = app.config.get("SESSION_REDIS_URL")
    app.extensions["session_store"] = store_ = RedisStore(url) if url else DatabaseStore()
    redis = store_.redis if isinstance(store_, RedisStore) else None
    user_cache.init_app(app, redis, store_.prefix if isinstance(store_, RedisStore) else "")
    app.session_interface = ServerSessionInterface()
