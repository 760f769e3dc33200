"""Flask extensions, created once and wired to the app in create_app()."""

import sqlalchemy as sa
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session


class Base(DeclarativeBase):
    # Named constraints so that Alembic can alter them on every database, SQLite included.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)


_HAS_CONNECTION = "has_connection"


@sa.event.listens_for(Session, "after_begin")
def _connection_taken(session: Session, transaction: object, connection: sa.Connection) -> None:
    session.info[_HAS_CONNECTION] = True


@sa.event.listens_for(Session, "after_transaction_end")
def _connection_given_back(session: Session, transaction: sa.orm.SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HAS_CONNECTION, None)


def autocommit_connection() -> sa.Connection:
    """The session's connection in autocommit, when the request has not used the database yet: each
    statement is then its own transaction, with no BEGIN and COMMIT around it, two round trips fewer
    for a request that answers from one read and logs that read (an identical replay, issue 14). A
    request that goes on to change rows ends this with `commit_keeping_loaded` first, and its next
    statement begins a transaction as usual. When the request has used the database already (a user
    read because its kept copy was stale), this is the session's connection in its transaction."""
    session = db.session()
    if session.info.get(_HAS_CONNECTION):
        return session.connection()
    return session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds, where the request goes on to answer from the rows
    as it loaded or just wrote them (issue 14): expiring them would make each one be read back, a
    statement at a time, for an answer they already hold."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
# gzip/brotli for text responses, in the embedded setup too (no proxy needed to compress).
compress = Compress()
# Per client address (behind a proxy, set PROXY_COUNT so that this is the client's, not the proxy's).
# Only the public and the log-in endpoints carry limits: app/core/limits.py.
limiter = Limiter(key_func=get_remote_address)
