"""Leak sweeps: canary words planted in gated articles and in each organisation's private data
must never reach anyone not entitled to them, on any URL the site answers.

The URLs come from crawling the links of every page and from the URL map itself (every GET
route, its arguments filled from the ids of the registered kinds), so routes added later
(workspace, exports) are swept without changing this file.
"""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from itertools import product
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.routing import Rule

from portal.content import editorial
from portal.exports import service
from portal.exports.models import ExportJob
from portal.extensions import db
from portal.orgs import scoping
from portal.workspace.models import Goal, Workbook
from tests.content.test_paywall import GOOGLEBOT
from tests.support.canaries import Canary, new_word, plant_all
from tests.support.filetext import file_text
from tests.support.tenants import ID_KINDS, Tenant, ids_of

pytestmark = pytest.mark.slow

MAX_URLS = 400
LINK_RE = re.compile(r'(?:href|src|action)="([^"]+)"|<loc>([^<]+)</loc>|<link>([^<]+)</link>')
SKIP_PREFIXES = ("/static/", "/logout")


@dataclass
class Planted:
    members: list[Canary]
    paid: list[Canary]
    acme: list[Canary]
    fjord: list[Canary]
    slugs: list[str]
    ids: dict[str, list[Any]] = field(default_factory=dict)
    # The finished export files of each organisation (PDF, Word, Excel, Markdown).
    jobs: dict[str, list[int]] = field(default_factory=dict)

    def words(self) -> list[str]:
        return [c.word for c in self.members + self.paid + self.acme + self.fjord]


def gated_article(access: str) -> tuple[str, list[Canary]]:
    heading, sentence, partner = (new_word(f"{access}{part}") for part in ("h", "s", "p"))
    # Two words in one sentence: a search for one echoes it, a leaked snippet shows the other.
    body = (
        "En åpen innledning som alle kan lese, om hvordan en strategi tar form.\n\n"
        "<!-- paywall -->\n\n"
        f"## Den lukkede delen {heading}\n\n"
        f"Denne setningen med ordet {sentence} og ordet {partner} står bare bak muren.\n"
    )
    slug = f"lukket-{access}-{sentence[-6:]}"
    article = editorial.save_article(
        editorial.ArticleInput(
            title=f"Lukket artikkel for {access}",
            slug=slug,
            category="strategisk-planlegging",
            access=access,
            body_md=body,
            lede="En kort ingress uten hemmeligheter.",
            tags=["kanarifugler"],
        ),
        None,
    )
    editorial.publish(article, None)
    where = f"{access} article"
    return slug, [Canary(heading, where), Canary(sentence, where), Canary(partner, where)]


@pytest.fixture
def planted(app: Flask, acme: Tenant, fjord: Tenant) -> Planted:
    editorial.ensure_categories()
    members_slug, members = gated_article("members")
    paid_slug, paid = gated_article("paid")
    result = Planted(members, paid, plant_all(acme), plant_all(fjord), [members_slug, paid_slug])
    result.slugs += ["strategisk-planlegging", "kanarifugler"]
    acme_ids, fjord_ids = ids_of(acme), ids_of(fjord)
    result.ids = {kind: [acme_ids[kind], fjord_ids[kind]] for kind in ID_KINDS}
    # Every export of both (the planted files in four formats, the data export): each job's
    # page, status JSON and download under both organisations' addresses.
    with scoping.system_scope():
        for tenant in (acme, fjord):
            result.jobs[tenant.org.slug] = list(
                db.session.scalars(
                    select(ExportJob.id)
                    .where(ExportJob.org_id == tenant.org.id, ExportJob.format != "zip")
                    .order_by(ExportJob.id)
                )
            )
        result.ids["job_id"] = list(db.session.scalars(select(ExportJob.id).order_by(ExportJob.id)))
    db.session.flush()
    return result


def get_rules(app: Flask) -> list[Rule]:
    return [
        r for r in app.url_map.iter_rules() if "GET" in (r.methods or ()) and r.endpoint != "static"
    ]


def rule_urls(app: Flask, planted: Planted) -> Iterable[str]:
    """Every GET route, with each argument filled from what was planted (both tenants)."""
    for rule in get_rules(app):
        choices: dict[str, list[Any]] = {}
        for arg in sorted(rule.arguments):
            if arg == "org_slug":
                choices[arg] = ["acme", "fjord"]
            elif arg in planted.ids:
                choices[arg] = planted.ids[arg]
            elif arg.endswith("slug"):
                choices[arg] = planted.slugs
            elif arg.endswith("_id") or arg == "id":
                choices[arg] = [1]
            else:
                # Tokens, file names: whatever the route makes of an unknown one.
                choices[arg] = ["kanari"]
        for values in product(*choices.values()):
            try:
                yield rule.build(dict(zip(choices, values, strict=True)), append_unknown=False)[1]  # type: ignore[index]
            except Exception:  # noqa: BLE001,S112 - a converter refusing the value: not a URL
                continue


def seeds(app: Flask, planted: Planted) -> list[str]:
    fixed = ["/", "/articles/", "/feed.xml", "/sitemap.xml", "/robots.txt", "/api/v1/"]
    searches = [f"/search?q={word}" for word in planted.words()]
    return fixed + searches + list(rule_urls(app, planted))


def local_path(base: str, link: str) -> str | None:
    url = urljoin(base, unescape(link.strip()))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in ("localhost", None):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(SKIP_PREFIXES):
        return None
    return path


def readable(response: Any) -> str:
    """The body as text; a download (PDF, Word, Excel, zip) as the text inside it."""
    data = response.get_data()
    response.close()  # a download is a file the response keeps open
    if data.startswith((b"%PDF", b"PK")):
        return file_text(data, response.content_type or "")
    return data.decode("utf-8", errors="replace")


def crawl(
    client: FlaskClient,
    start: list[str],
    forbidden: list[Canary],
    user_agent: str,
    watch: list[Canary] = (),  # type: ignore[assignment]
    max_urls: int = MAX_URLS,
) -> tuple[int, set[str]]:
    """Visit start and every same-site link found; fail on the first forbidden canary seen.

    Returns how many URLs were visited and which of the watched words were seen."""
    queue, seen = deque(start), set(start)
    visited, found_words = 0, set()
    while queue and visited < max_urls:
        path = queue.popleft()
        response = client.get(path, headers={"User-Agent": user_agent})
        visited += 1
        assert response.status_code < 500, (path, response.status_code)
        body = readable(response)
        headers = str(response.headers)
        # A page may echo its own query (the search box): those words prove nothing.
        echoed = " ".join(v for values in parse_qs(urlsplit(path).query).values() for v in values)
        for canary in (c for c in forbidden if c.word not in echoed):
            assert canary.word not in body, f"{canary.where} canary on {path}"
            assert canary.word not in headers, f"{canary.where} canary in headers of {path}"
        found_words |= {c.word for c in watch if c.word in body and c.word not in echoed}
        for match in LINK_RE.finditer(body):
            found = local_path(f"http://localhost{path}", next(g for g in match.groups() if g))
            if found and found not in seen and len(seen) < max_urls * 2:
                seen.add(found)
                queue.append(found)
    return visited, found_words


def export_urls(planted: Planted, owner_slug: str) -> list[str]:
    """Each of the organisation's export jobs under both organisations' addresses."""
    return [
        f"/orgs/{slug}/exports/{job_id}{tail}"
        for job_id in planted.jobs[owner_slug]
        for slug in ("acme", "fjord")
        for tail in ("", "/status", "/download")
    ]


def assert_exports_closed(client: FlaskClient, planted: Planted, user_agent: str) -> None:
    """acme's export pages, status JSON and downloads give an outsider nothing: a 404 (a
    log-in redirect for the anonymous), never the file."""
    for path in export_urls(planted, "acme"):
        response = client.get(path, headers={"User-Agent": user_agent})
        response.close()
        assert response.status_code in (302, 404), (path, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], path


def test_the_canaries_are_where_they_were_planted(
    app: Flask, client, login, planted: Planted, acme: Tenant
) -> None:
    """The sweep means something only if the words are on the pages of those entitled: acme's
    owner finds every acme canary by the same crawl (and none of fjord's)."""
    login(client, acme.owner)
    _, seen = crawl(client, seeds(app, planted), planted.fjord, "veivalg-leak-sweep",
                    watch=planted.acme, max_urls=MAX_URLS * 2)  # fmt: skip
    assert not [c for c in planted.acme if c.word not in seen], "canaries nobody can see"
    # Each export file, downloaded by its owner, holds the organisation's export canary.
    [word] = [c.word for c in planted.acme if c.where == "acme:export_files"]
    assert len(planted.jobs["acme"]) == 4
    for job_id in planted.jobs["acme"]:
        download = client.get(f"/orgs/acme/exports/{job_id}/download")
        assert download.status_code == 200 and word in readable(download), job_id
    article = client.get(f"/articles/{planted.slugs[1]}").get_data(as_text=True)
    for canary in planted.paid:
        assert canary.word in article, canary
    search = client.get(f"/search?q={planted.paid[1].word}").get_data(as_text=True)
    assert planted.slugs[1] in search
    assert planted.members[1].word in client.get(f"/articles/{planted.slugs[0]}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("viewer", ["anonymous", "googlebot", "free member"])
def test_no_canary_reaches_outsiders(
    app: Flask, client, login, planted: Planted, create_user, viewer: str
) -> None:
    forbidden = planted.paid + planted.acme + planted.fjord
    if viewer == "free member":
        login(client, create_user())
    else:
        forbidden += planted.members
    agent = GOOGLEBOT if viewer == "googlebot" else "veivalg-leak-sweep"
    assert crawl(client, seeds(app, planted), forbidden, agent)[0] > 50
    assert_exports_closed(client, planted, agent)


@pytest.mark.parametrize("role", ["owner", "admin", "editor", "member"])
def test_no_canary_of_one_organisation_reaches_any_role_of_the_other(
    app: Flask, client, login, planted: Planted, fjord: Tenant, role: str
) -> None:
    login(client, fjord.user(role))
    assert crawl(client, seeds(app, planted), planted.acme, "veivalg-leak-sweep")[0] > 50
    assert_exports_closed(client, planted, "veivalg-leak-sweep")


def rows_pointing_at(xlsx: bytes, goal_ids: list[int]) -> bytes:
    """The spreadsheet with its goal rows' ids changed to the given (another organisation's)."""
    book = load_workbook(io.BytesIO(xlsx))
    sheet = book["Mål"]
    for row, goal_id in zip(sheet.iter_rows(min_row=2, max_col=1), goal_ids, strict=False):
        row[0].value = goal_id
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_import_naming_the_other_organisations_rows_shows_none_of_them(
    app: Flask, client, login, csrf_token, planted: Planted, acme: Tenant, fjord: Tenant
) -> None:
    """fjord's editor uploads fjord's own spreadsheet with acme's goal ids in it, to fjord's
    workbook and to acme's: the preview names problems, never acme's rows."""
    with scoping.system_scope():
        job = db.session.scalars(
            select(ExportJob).where(ExportJob.org_id == fjord.org.id, ExportJob.format == "xlsx")
        ).one()
        acme_goals = list(db.session.scalars(select(Goal.id).where(Goal.org_id == acme.org.id)))
        acme_workbook = db.session.scalar(
            select(Workbook.id).where(Workbook.org_id == acme.org.id).limit(1)
        )
    upload = rows_pointing_at(service.job_file(job).read_bytes(), acme_goals)
    login(client, fjord.editor)
    forbidden = [c.word for c in planted.acme] + ["Acme AS"]
    for workbook_id in (job.workbook_id, acme_workbook):
        token = csrf_token(client, "/orgs/fjord/exports/import")
        response = client.post(
            "/orgs/fjord/exports/import",
            data={"csrf_token": token, "workbook_id": str(workbook_id),
                  "file": (io.BytesIO(upload), "mål.xlsx")},
            content_type="multipart/form-data",
        )  # fmt: skip
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 422), (workbook_id, response.status_code)
        assert not [word for word in forbidden if word in body], workbook_id
        if workbook_id == job.workbook_id:  # the preview ran, and refused acme's ids
            assert "må rettes" in body, body
