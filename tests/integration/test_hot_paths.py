"""Hot paths (issue 14): the home page's SQL is bounded whatever the caseload; the access log's rows of
a page go in one statement; an identical replay is answered from the stored hash."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.factories import make_citizen
from tests.visit_helpers import course


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("citizens", [12, 35])
def test_home_page_runs_a_bounded_number_of_queries(client, auth, citizens):
    """With 12 or 35 citizens, does the home page run at most 15 SQL statements, and write the access
    log's rows for the citizens it shows in one statement?"""
    me, _ = course(username="mette")
    for n in range(citizens - 1):
        make_citizen(me, first_name=f"Borger{n}")
    auth.login("mette")
    client.get("/")  # the first page after log-in does one-time work
    with statements() as seen:
        page = client.get("/")
    assert page.status_code == 200 and "Min sagsstamme" in page.text
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS")]
    assert len(inserts) == 1
    assert len(seen) <= 15, "\n".join(seen)
