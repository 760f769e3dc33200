"""Renderings of a page's parts kept in the process and used again while what they show is equal.

The home page's agenda and caseload rows are most of its rendering (issue 14), and they are the same from
one opening to the next unless something in them changed. The data are still read from the database on
every request; only turning the same values into the same HTML again is saved. A rendering is found by
equal values, not by a version or a time: nothing has to be told when data change, and a part can never
show other data than those just read.

What the key holds: the template's name, every value the caller gives the template (each must be
hashable and compare by content: named tuples, tuples, dates, strings, numbers), and what else a
template may read: the locale, the script root the links are made under, and the user's id and role.
A template rendered here must read nothing else (no request arguments, no CSRF token, no flashed
messages, no clock).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup


class RenderMemo:
    """The last `size` renderings, least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                self.misses += 1
                return None
            self._kept.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, value: Markup) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


def rendered(template: str, **context: Hashable) -> Markup:
    """`template` rendered with `context`, or an equal rendering made earlier in this process."""
    return remembered(template, lambda **values: Markup(render_template(template, **values)), **context)


def remembered(name: str, make: Callable[..., Markup], **values: Hashable) -> Markup:
    """`make(**values)`, or what it gave earlier in this process for the same `name` and equal values (and
    the same locale, script root and user). `make` must be a pure function of them."""
    memo: RenderMemo = current_app.extensions["render_memo"]
    user = (current_user.get_id(), getattr(current_user, "role", None))
    key = (name, str(get_locale()), request.script_root, user, tuple(sorted(values.items())))
    found = memo.get(key)
    if found is not None:
        return found
    made = make(**values)
    memo.put(key, made)
    return made


def init_app(app: Flask) -> None:
    app.extensions["render_memo"] = RenderMemo(app.config["RENDER_MEMO_SIZE"])
