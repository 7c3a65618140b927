"""Rendered article fragments kept per worker: what every reader of one tier sees, nothing more.

A page template's own blocks (for the article page: title, meta, head, content) are rendered
once per article, content version, locale and reader tier, and kept here, bounded in bytes
(ARTICLE_CACHE_BYTES). A page is then the base layout rendered for this reader around the kept
blocks. The tier is what the blocks may depend on: whether the full text is shown (the
entitlement function decides it fresh on every request), whether the reader is logged in
(the paywall box's buttons), staff or not. Blocks are rendered with a stand-in `current_user`
that knows only those three facts, so a kept block cannot carry anything of one reader.

Entries are dropped when content changes (the content generation in pagecache.py: this
process's writes at once, other processes' through the Redis counter within a second), when the
next scheduled article is due (it may belong in a "les mer" list), and after
ARTICLE_CACHE_SECONDS in any case.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_login import AnonymousUserMixin, current_user
from jinja2 import Template, nodes
from markupsafe import Markup

from portal.billing.banner import cached_payment_problem
from portal.content import layout, pagecache
from portal.orgs.blueprint import org_switcher_context
from portal.templating import current_locale
from portal.timeutil import utcnow

_EXTENSION = "content.fragments"
FILLED = "veivalg.kept_layout"
# Markers around each block in the capture render: a fresh secret per process, so no text in
# an article can forge one.
_NONCE = secrets.token_hex(8)


def _mark(name: str, end: bool = False) -> str:
    return f"\ue000{_NONCE}{'/' if end else ''}{name}\ue001"


@dataclass
class _Entry:
    generation: int
    expires: float
    valid_until: datetime | None
    value: Any
    size: int
    encoded: Any = None  # the value as a response's bytes, made once (get_encoded)


class FragmentCache:
    """A per-process LRU of rendered fragments, bounded in bytes."""

    def __init__(self, max_bytes: int, seconds: float) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self.bytes = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.seconds > 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._live(key)
            return None if entry is None else entry.value

    def get_encoded(self, key: Hashable, encode: Callable[[Any], tuple[Any, int]]) -> Any:
        """The value under `key` as `encode` makes it into a response's bytes ((encoded, size)),
        made on the first ask and kept with the value: valid as long as it, its size counted
        in the bound with it. None when nothing valid is kept."""
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return None
            if entry.encoded is None:
                entry.encoded, size = encode(entry.value)
                entry.size += size
                self.bytes += size
                while self.bytes > self.max_bytes:
                    self._drop(next(iter(self._entries)))
            return entry.encoded

    def _live(self, key: Hashable) -> _Entry | None:
        """The entry under `key` if it is still valid (marked as just used); else dropped."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if (
            entry.generation != pagecache.generation()
            or entry.expires < time.monotonic()
            or (entry.valid_until is not None and entry.valid_until <= utcnow())
        ):
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(
        self,
        key: Hashable,
        value: Any,
        size: int,
        *,
        generation: int,
        valid_until: datetime | None = None,
    ) -> None:
        """Keep `value`, read from the database in content `generation` (taken before the
        reads, so a write committed meanwhile makes it stale at once)."""
        if not self.enabled or size > self.max_bytes // 4:
            return
        entry = _Entry(generation, time.monotonic() + self.seconds, valid_until, value, size)
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        self.bytes -= self._entries.pop(key).size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def cache() -> FragmentCache:
    """This app's fragment cache (one per app, so apps with other settings never share)."""
    return cache_of(current_app._get_current_object())  # type: ignore[attr-defined]


def cache_of(app: Flask) -> FragmentCache:
    found = app.extensions.get(_EXTENSION)
    if found is None:
        found = FragmentCache(
            app.config["ARTICLE_CACHE_BYTES"], app.config["ARTICLE_CACHE_SECONDS"]
        )
        app.extensions[_EXTENSION] = found
    return found


def kept_layout(app: Flask, name: str) -> _Layout | None:
    """The parsed layout of page template `name`, if a request has made it already and the
    templates are not reloaded when they change (content/kept_readers.py)."""
    if app.jinja_env.auto_reload:
        return None
    return _layouts.get((id(app.jinja_env), name))


@dataclass(frozen=True)
class Tier:
    """All a kept fragment may know of its reader."""

    full: bool
    authenticated: bool
    staff: bool


class _TierReader(AnonymousUserMixin):
    """The `current_user` blocks are rendered with: the tier, and no one in particular."""

    def __init__(self, tier: Tier) -> None:
        self._tier = tier

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return self._tier.authenticated

    @property
    def is_anonymous(self) -> bool:  # type: ignore[override]
        return not self._tier.authenticated

    @property
    def is_staff(self) -> bool:
        return self._tier.staff


@dataclass(frozen=True)
class _Layout:
    blocks: tuple[str, ...]
    capture: Template
    page: Template
    # Whether the layout may be kept, per set of the caller's layout value names.
    cacheable: dict[frozenset[str], bool] = field(default_factory=dict)


_layouts: dict[tuple[int, str], _Layout] = {}


def _layout(app: Flask, name: str) -> _Layout:
    """The page template's top-level blocks that fill its parent's, and two templates made
    from them: one that renders them between markers, one that puts kept blocks in."""
    key = (id(app.jinja_env), name)
    found = _layouts.get(key)
    if found is not None and not app.jinja_env.auto_reload:
        return found
    env = app.jinja_env
    source = env.loader.get_source(env, name)[0] if env.loader else ""
    tree = env.parse(source)
    parent = next(tree.find_all(nodes.Extends)).template
    assert isinstance(parent, nodes.Const)
    inherited = env.get_template(parent.value).blocks
    own = tuple(
        node.name for node in tree.body if isinstance(node, nodes.Block) and node.name in inherited
    )
    head = "{% extends " + repr(name) + " %}"
    capture = head + "".join(
        f"{{% block {b} %}}{_mark(b)}{{{{ super() }}}}{_mark(b, end=True)}{{% endblock %}}"
        for b in own
    )
    page = head + "".join(
        f"{{% block {b} %}}{{{{ _kept_blocks[{b!r}] }}}}{{% endblock %}}" for b in own
    )
    found = _Layout(own, env.from_string(capture), env.from_string(page))
    _layouts[key] = found
    return found


def tier_of(user: Any, full: bool) -> Tier:
    return Tier(
        full=full,
        authenticated=bool(user.is_authenticated),
        staff=bool(getattr(user, "is_staff", False)),
    )


Build = Callable[[], tuple[dict[str, Any], datetime | None]]


def kept_page(name: str, key: tuple[Hashable, ...], tier: Tier, build: Build) -> str:
    """The page `name` for the current reader, its own blocks kept under `key` for `tier`.

    `build` reads what the blocks show and returns the template context plus the time after
    which they may be out of date (the next scheduled article falling due), or None. With the
    cache off the page is rendered as usual, for the real reader.
    """
    kept = cache()
    if not kept.enabled:
        return render_template(name, **build()[0])
    full_key = (name, *key, current_locale(), request.script_root, tier)
    blocks = kept.get(full_key)
    if blocks is None:
        generation = pagecache.generation()
        context, valid_until = build()
        blocks = render_blocks(name, tier, context)
        kept.put(full_key, blocks, size_of(blocks), generation=generation, valid_until=valid_until)
    return render_page(name, blocks)


def render_blocks(name: str, tier: Tier, context: dict[str, Any]) -> dict[str, Markup]:
    """The page template's own blocks for this tier (rendered with the stand-in reader)."""
    layout = _layout(current_app._get_current_object(), name)  # type: ignore[attr-defined]
    rendered = render_template(layout.capture, current_user=_TierReader(tier), **context)
    blocks: dict[str, Markup] = {}
    for block in layout.blocks:
        start, end = _mark(block), _mark(block, end=True)
        begin = rendered.index(start) + len(start)
        blocks[block] = Markup(rendered[begin : rendered.index(end, begin)])  # noqa: S704
    return blocks


def render_page(name: str, blocks: dict[str, Markup], **context: Any) -> str:
    """The page for the current reader: the layout around kept blocks.

    The layout itself is kept too, per language, endpoint and header state, with the CSRF
    token and the page's own path filled in per request (content/layout.py). `context`: values
    the layout (not the blocks) reads, e.g. an organisation page's; they become part of the
    layout's key, so they must be hashable and say everything the layout shows of them.
    A layout that reads anything else is rendered by Jinja on every request.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = _layout(app, name)
    kept = cache()
    if not kept.enabled or layout.has_flashes():
        return render_template(found.page, _kept_blocks=blocks, **context)
    cacheable = found.cacheable.get(frozenset(context))
    if cacheable is None:
        cacheable = layout.cacheable(app, name, found.blocks, set(context))
        found.cacheable[frozenset(context)] = cacheable
    header = _header(context) if cacheable else None
    key = layout.layout_key(name, header, context) if header else None
    if key is None:
        return render_template(found.page, _kept_blocks=blocks, **context)
    key = (key, current_locale())
    skeleton = kept.get(key)
    if skeleton is None:
        generation = pagecache.generation()
        try:
            skeleton = layout.capture(found.page, found.blocks, header, context)
        except layout.NotKeyed:
            skeleton = None
        if skeleton is None:
            found.cacheable[frozenset(context)] = False
            return render_template(found.page, _kept_blocks=blocks, **context)
        kept.put(key, skeleton, skeleton.size, generation=generation)
    if header.authenticated:
        # For kept_readers.py: this logged-in page is the skeleton filled (its headers are
        # what such a page gets).
        request.environ[FILLED] = True
    return skeleton.fill(blocks)


_ANONYMOUS = layout.Header(False, False, (), None, None)


def _header(context: dict[str, Any]) -> layout.Header:
    """The header's state for the current reader, from the same template functions the
    layout calls (on a reader's GET: the user loader's answer, no statement)."""
    if not current_user.is_authenticated:
        return _ANONYMOUS
    reader = current_user._get_current_object()  # type: ignore[attr-defined]
    # The same functions the layout's org_switcher() and billing_payment_problem() call.
    switch = org_switcher_context()["org_switcher"]()
    problem = cached_payment_problem(reader, fresh=bool(context.get("banner_fresh")))
    return layout.header_of(reader, switch, problem)


def size_of(blocks: dict[str, Markup]) -> int:
    """The blocks' memory (a str with any character past U+00FF takes 2 or 4 bytes a
    character), plus an allowance for the entry itself."""
    return 1024 + sum(sys.getsizeof(b) for b in blocks.values())
