"""Server-side sessions: the cookie holds only a random id, the data lives here (or in Redis)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column


class UserSession(db.Model):
    """One browser's session. The primary key is the sha256 of the cookie's id, so that a copy of this
    table does not hand out sessions. An ended session stays for a while as a tombstone (`ended_at`):
    its device learns at its next contact that it was ended, and wipes what it keeps."""

    __tablename__ = "user_sessions"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[str] = mapped_column(sa.Text)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str | None] = mapped_column(sa.String(20))
