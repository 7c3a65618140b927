"""The warm workspace pages (workbook overview, dashboard, front) put together in front of Flask.

The same middleware as a logged-in reader's article page (content/kept_readers.py) answers them
when the organisation's door, read fresh, lets the reader in: the reader's access and the
page's door (orgs/door.py's `Look`: organisation, membership, access now and the page's head,
under row-level security) are one statement in autocommit, and it joins the kept
blocks (kept.py) and the kept layout under the very keys `kept.page` and
`fragments.render_page` use, with the viewer class decided from the door's answer as
`workspace.blueprint` decides it. Anyone the door does not let in, a session whose current
organisation is another (Flask would change it), or any piece not kept goes to Flask.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from portal.billing import reader_access
from portal.content import fragments, layout
from portal.content.kept_readers import Also, KeptReaderPages, Kind
from portal.orgs import door
from portal.orgs.blueprint import CURRENT_ORG_SESSION_KEY, switch_for
from portal.timeutil import utcnow
from portal.workspace import cache, kept

_SLUG = r"/orgs/([A-Za-z0-9_-]{1,100})/workspace"
_ORG_ID, _ORG_SLUG, _ORG_NAME = (door.ORG_COLUMNS.index(c) for c in ("id", "slug", "name"))
_ROLE = len(door.ORG_COLUMNS) + door.MEMBER_COLUMNS.index("role")
_ACCESS = len(door.ORG_COLUMNS) + len(door.MEMBER_COLUMNS)  # has_access, then the page's head


def _page(
    pages: KeptReaderPages,
    environ: dict[str, Any],
    match: re.Match[str],
    *,
    template: str,
    endpoint: str,
    look: door.Look,
    values: dict[str, Any],
) -> tuple[str, str] | None:
    slug = match.group(1)
    own = look.params(values)
    if own is None:
        return None
    # The reader and the page's door in one statement; no row for an outsider, a deleted or
    # unknown organisation (Flask's 404) or a stale session.
    found = pages.reader(environ, Also(_with_reader(look), {"slug": slug, "at": utcnow(), **own}))
    if found is None:
        return None
    reader, row = found
    if reader.session.get(CURRENT_ORG_SESSION_KEY) != slug:
        return None  # the organisation guard would make it the current one (a new cookie)
    answer = look.answer(row[_ACCESS + 1 :])
    workbook = values.get("workbook_id")
    if answer is None or (workbook is not None and answer.id != workbook):
        return None
    read_only = not row[_ACCESS]
    role = kept.RoleFacts(row[_ROLE])
    viewer = (role.can("edit_workspace") and not read_only, not read_only, read_only)
    org = kept.OrgFacts(row[_ORG_ID], row[_ORG_SLUG], row[_ORG_NAME])
    key = answer.key if workbook is not None else answer
    script_root = environ.get("SCRIPT_NAME", "").rstrip("/")
    language = reader.language
    app = pages.app
    blocks = cache.blocks_of(app).get(
        (template, org.id, org.name, *key, date.today(), language, script_root, viewer)
    )
    context = {
        "org": org,
        "membership": role,
        "read_only": read_only,
        "workbook": kept.Crumb(answer.id, answer.title) if workbook is not None else None,
    }
    found_layout = fragments.kept_layout(app, template)
    if blocks is None or found_layout is None or not found_layout.cacheable.get(frozenset(context)):
        return None
    access = reader.access
    header = layout.header_of(
        reader.user, switch_for(access.memberships, slug), access.payment_problem
    )
    extra = tuple(sorted(context.items()))
    skeleton = fragments.cache_of(app).get(
        (("layout", template, script_root, endpoint, header, extra), language)
    )
    if skeleton is None:
        return None
    page = pages.fill(skeleton, blocks, reader, environ["PATH_INFO"])
    if page is not None and kept.CSRF_SLOT in page:
        token = pages.csrf_token(reader)
        page = page.replace(kept.CSRF_SLOT, token) if token is not None else None
    return (language, page) if page is not None else None


_COMBINED: dict[int, Any] = {}


def _with_reader(look: door.Look) -> Any:
    """The look's statement after the reader's, in one (made once per look)."""
    found = _COMBINED.get(id(look))
    if found is None:
        sql = look.sql.replace(":user_id", ":id")  # the door asks for the reader's own id
        found = _COMBINED[id(look)] = reader_access.with_also(sql, look.columns)
    return found


def _workbook(template: str, endpoint: str) -> Any:
    def page(
        pages: KeptReaderPages, environ: dict[str, Any], match: re.Match[str]
    ) -> tuple[str, str] | None:
        values = {"workbook_id": int(match.group(2))}
        return _page(pages, environ, match, template=template, endpoint=endpoint,
                     look=kept.WORKBOOK_LOOK, values=values)  # fmt: skip

    return page


def _front(
    pages: KeptReaderPages, environ: dict[str, Any], match: re.Match[str]
) -> tuple[str, str] | None:
    return _page(pages, environ, match, template="workspace/front.html",
                 endpoint="workspace.front", look=kept.FRONT_LOOK, values={})  # fmt: skip


KINDS = (
    Kind(
        "workspace.workbook",
        re.compile(_SLUG + r"/([1-9][0-9]{0,9})/"),
        _workbook("workspace/workbook.html", "workspace.workbook"),
    ),
    Kind(
        "workspace.dashboard",
        re.compile(_SLUG + r"/([1-9][0-9]{0,9})/dashboard"),
        _workbook("workspace/dashboard.html", "workspace.dashboard"),
    ),
    Kind("workspace.front", re.compile(_SLUG + "/"), _front),
)
