"""The page layout (head, header, footer) kept per worker as a skeleton with holes.

A kept page (fragments.py) is the base layout around kept blocks. Rendering that layout with
Jinja costs more than everything else on a warm page (35 url_for, 26 gettext, the org
switcher, the banner), yet it differs between readers only in a few facts: the language, the
page's endpoint (which menu item is current), and the header's state (logged in or not, staff,
the reader's organisations and the current one, a failed payment). So it is rendered once per
(page template, those facts) with markers where the page's blocks and the per-request values
go, and kept as a list of strings with holes. A page is then one join: the kept blocks and the
per-request values (the CSRF token, the page's own path in the language form and the login
link) put into the holes, escaped exactly as the template would have escaped them.

What keeps a skeleton from carrying anything of another reader:
- the capture render sees only stand-ins built from the key (`Header`): a `current_user` that
  knows whether it is logged in and staff, a `request` that knows its endpoint, the switcher's
  memberships and the banner's payer as keyed values;
- a template chain that reads any other name (an organisation page's `org`, `membership`, a
  page's own variables outside its blocks, `g`, `session`) is never kept: it is rendered by
  Jinja on every request, as before (see `_cacheable`);
- a page with flash messages is rendered by Jinja (they are read once and differ per reader).
"""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template, request, session
from flask.globals import request_ctx
from jinja2 import Template, nodes
from markupsafe import Markup, escape

from portal.billing.reader_access import HeaderMembership, HeaderOrg
from portal.templating import PER_REQUEST

_NONCE = secrets.token_hex(8)
_HOLE = re.compile("\ue002" + _NONCE + r"(block|slot):([A-Za-z0-9_]+)\ue003")

# What a layout may read besides the values a caller passes: each is either the same for
# every reader of one key (language, endpoint, header state) or a hole filled per request.
ALLOWED_NAMES = frozenset(
    {
        "_kept_blocks",
        "_",
        "gettext",
        "ngettext",
        "current_locale",
        "url_for",
        "config",
        "get_flashed_messages",
        "csrf_token",
        "current_path",
        "login_url",
        "current_user",
        "request",
        "org_switcher",
        "billing_payment_problem",
        "banner_fresh",
        # Jinja's own
        "range",
        "dict",
        "loop",
        "caller",
        "kwargs",
        "varargs",
        "super",
        "self",
    }
)


def _hole(kind: str, name: str) -> Markup:
    return Markup(f"\ue002{_NONCE}{kind}:{name}\ue003")  # noqa: S704 - a marker, no input


@dataclass(frozen=True)
class Header:
    """Everything the layout may show of the reader: the key of a skeleton (with the
    language, script root, endpoint and template)."""

    authenticated: bool
    staff: bool
    memberships: tuple[tuple[int, str, str, str], ...]  # (id, role, org slug, org name)
    current: int | None  # the current membership's id
    problem: tuple[tuple[str, str], ...] | None  # the banner's payer


class _HeaderReader:
    """`current_user` in the capture: logged in or not, staff or not, no one in particular."""

    def __init__(self, header: Header) -> None:
        self.is_authenticated = header.authenticated
        self.is_anonymous = not header.authenticated
        self.is_staff = header.staff

    def __getattr__(self, name: str) -> Any:
        raise NotKeyed(f"current_user.{name}")


class _EndpointOnly:
    """`request` in the capture: only its endpoint (the current menu item) is keyed."""

    def __init__(self, endpoint: str | None) -> None:
        self.endpoint = endpoint

    def __getattr__(self, name: str) -> Any:
        raise NotKeyed(f"request.{name}")


class NotKeyed(Exception):  # noqa: N818 - a signal, caught in render_page
    """The layout read something its key does not cover: it is not kept."""


# The holes filled per request, and how: the same functions the template calls.
SLOTS: dict[str, Callable[[], str]] = PER_REQUEST


@dataclass(frozen=True)
class Skeleton:
    parts: tuple[str, ...]  # static text; holes are at odd indexes
    holes: tuple[tuple[str, str], ...]  # (kind, name) for each hole, in order
    size: int

    def fill(
        self, blocks: dict[str, Markup], slots: Mapping[str, Callable[[], str]] = SLOTS
    ) -> str:
        """The page: the kept blocks and the per-request values (by default the template's
        own functions, which need Flask's request) in the holes."""
        out = list(self.parts)
        for i, (kind, name) in enumerate(self.holes, start=0):
            out[2 * i + 1] = blocks[name] if kind == "block" else escape(slots[name]())
        return "".join(out)

    def fill_encoded(
        self,
        parts: tuple[bytes, ...],
        blocks: Mapping[str, bytes],
        slots: Mapping[str, Callable[[], str]],
    ) -> bytes:
        """`fill` as UTF-8 bytes, from this skeleton's parts and the blocks encoded already
        (`encoded`, content/kept_readers.py): only the per-request values are encoded."""
        out = list(parts)
        for i, (kind, name) in enumerate(self.holes, start=0):
            out[2 * i + 1] = blocks[name] if kind == "block" else escape(slots[name]()).encode()
        return b"".join(out)

    def encoded(self) -> tuple[tuple[bytes, ...], int]:
        """This skeleton's parts as UTF-8, and their size (a FragmentCache.get_encoded maker)."""
        parts = tuple(part.encode() for part in self.parts)
        return parts, sum(len(part) for part in parts)

    def slots(self) -> frozenset[str]:
        return frozenset(name for kind, name in self.holes if kind == "slot")


def _split(rendered: str) -> Skeleton | None:
    pieces = _HOLE.split(rendered)
    # re.split with two groups: text, kind, name, text, kind, name, … text
    parts: list[str] = []
    holes: list[tuple[str, str]] = []
    for i in range(0, len(pieces), 3):
        parts.append(pieces[i])
        if i + 2 < len(pieces):
            holes.append((pieces[i + 1], pieces[i + 2]))
            parts.append("")
    if any(_changed_marker(part) for part in parts):
        return None  # a marker came out changed (encoded into a URL, say): render per request
    if any(kind == "slot" and name not in SLOTS for kind, name in holes):
        return None
    size = 512 + sum(sys.getsizeof(p) for p in parts)
    return Skeleton(tuple(parts), tuple(holes), size)


def _changed_marker(part: str) -> bool:
    # Whatever a filter did to a marker (percent-encoding, case), its delimiters or its nonce
    # are still there.
    return "\ue002" in part or "\ue003" in part or _NONCE in part.lower()


def header_of(reader: Any, switch: dict[str, Any], problem: dict[str, str] | None) -> Header:
    memberships = tuple((m.id, m.role, m.org.slug, m.org.name) for m in switch["memberships"])
    current = switch.get("current")
    return Header(
        authenticated=bool(reader.is_authenticated),
        staff=bool(getattr(reader, "is_staff", False)),
        memberships=memberships,
        current=current.id if current is not None else None,
        problem=tuple(sorted(problem.items())) if problem is not None else None,
    )


def capture(
    page: Template, blocks: tuple[str, ...], header: Header, context: dict[str, Any]
) -> Skeleton | None:
    """Render the layout of `page` (fragments.py's kept-blocks template) for this key, with
    markers in its holes; None if a marker did not come through unchanged (the layout is then
    rendered per request)."""
    memberships = [
        HeaderMembership(id=m[0], role=m[1], org=HeaderOrg(slug=m[2], name=m[3]))
        for m in header.memberships
    ]
    current = next((m for m in memberships if m.id == header.current), None)
    switch = {"memberships": memberships, "current": current}
    problem = dict(header.problem) if header.problem is not None else None
    stand_ins: dict[str, Any] = {
        "current_user": _HeaderReader(header),
        "request": _EndpointOnly(request.endpoint),
        "org_switcher": lambda: switch,
        "billing_payment_problem": lambda fresh=False: problem,
        **{slot_name: (lambda n=slot_name: _hole("slot", n)) for slot_name in SLOTS},
    }
    rendered = render_template(
        page, _kept_blocks={b: _hole("block", b) for b in blocks}, **context, **stand_ins
    )
    return _split(rendered)


def has_flashes() -> bool:
    """Whether this request shows flash messages: still in the session, or already taken out of
    it by an earlier render in this request (a cold page's blocks render the whole layout
    first, which pops them). Such a layout is rendered for this reader only, never kept."""
    return "_flashes" in session or bool(request_ctx.flashes)


def layout_key(name: str, header: Header, context: dict[str, Any]) -> Hashable | None:
    """The skeleton's key, or None when the caller's layout values cannot be keyed."""
    try:
        extra = tuple(sorted(context.items()))
        hash(extra)
    except TypeError:
        return None
    return ("layout", name, request.script_root, request.endpoint, header, extra)


# ---- which page templates may have their layout kept -------------------------------------


def _loaded_names(tree: nodes.Template) -> set[str]:
    """Names a template reads that it does not set itself (macro arguments, loops, imports)."""
    loads = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}
    stores = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    stores |= {m.name for m in tree.find_all(nodes.Macro)}
    for found in tree.find_all(nodes.FromImport):
        stores |= {n if isinstance(n, str) else n[1] for n in found.names}
    stores |= {found.target for found in tree.find_all(nodes.Import)}
    return loads - stores


def _referenced(tree: nodes.Template) -> list[str]:
    found = []
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        target = node.template
        if isinstance(target, nodes.Const) and isinstance(target.value, str):
            found.append(target.value)
        else:
            found.append("")  # a computed name: cannot be checked
    return found


def cacheable(app: Flask, name: str, own_blocks: tuple[str, ...], extra: set[str]) -> bool:
    """Whether the layout around `name`'s own blocks reads only keyed names (ALLOWED_NAMES
    and the caller's `extra` layout values), in every template it extends, includes or
    imports. The page template's own blocks do not count: they are kept blocks."""
    env = app.jinja_env
    if env.loader is None:
        return False
    allowed = ALLOWED_NAMES | extra
    page = env.parse(env.loader.get_source(env, name)[0])
    page.body = [n for n in page.body if not (isinstance(n, nodes.Block) and n.name in own_blocks)]
    pending: list[tuple[str, nodes.Template]] = [(name, page)]
    seen = {name}
    while pending:
        _, tree = pending.pop()
        if not _loaded_names(tree) <= allowed:
            return False
        for ref in _referenced(tree):
            if not ref:
                return False
            if ref not in seen:
                seen.add(ref)
                pending.append((ref, env.parse(env.loader.get_source(env, ref)[0])))
    return True
