"""Back office for articles: access rules, write, preview, schedule, publish, revisions, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import User
from portal.billing import grants
from portal.content import editorial
from portal.content.models import Article, ArticleRevision, Author, Category, ContentAudit
from portal.extensions import db
from portal.orgs import service as orgs_service
from tests.conftest import count_rows
from tests.content.conftest import run_beat_task

STAFF_PATHS = [
    "/staff/articles",
    "/staff/articles/new",
    "/staff/articles/audit",
    "/staff/categories",
    "/staff/authors",
]


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Ny strategiartikkel",
        "slug": "ny-strategiartikkel",
        "lede": "Ingressen.",
        "category": "ikt-strategi",
        "access": "members",
        "author": "kari",
        "tags": "strategi, IKT-strategi",
        "related": "",
        "body": "Åpen tekst.\n\n<!-- paywall -->\n\n## Lukket\n\nLukket tekst.\n",
        "action": "save",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_anonymous_is_sent_to_login(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_non_staff_get_404(
    client: FlaskClient, create_user: Callable[..., User], login: Callable, path: str
) -> None:
    login(client, create_user())
    assert client.get(path).status_code == 404


def test_non_staff_cannot_post_either(
    client: FlaskClient, create_user: Callable[..., User], login: Callable
) -> None:
    login(client, create_user())
    assert client.post("/staff/articles/new", data=_form()).status_code in (400, 404)
    assert count_rows("articles") == 0


def test_editor_writes_previews_and_publishes(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    preview = client.post(
        "/staff/articles/new", data=_form(csrf_token=token, action="preview", body="*Hei*")
    )
    assert preview.status_code == 200 and "<em>Hei</em>" in preview.get_data(as_text=True)
    assert count_rows("articles") == 0  # preview saves nothing
    response = client.post("/staff/articles/new", data=_form(csrf_token=token))
    assert response.status_code == 303
    article = db.session.scalar(select(Article).where(Article.slug == "ny-strategiartikkel"))
    assert article is not None and article.status == "draft"
    assert client.get("/articles/ny-strategiartikkel").status_code == 404  # drafts are private
    for persona, full in (("anonymous", False), ("member", True), ("subscriber", True)):
        page = client.get(f"/staff/articles/{article.id}/preview?as={persona}")
        assert ("Lukket tekst" in page.get_data(as_text=True)) is full, persona
    paid = client.post(f"/staff/articles/{article.id}", data=_form(csrf_token=token, access="paid"))
    assert paid.status_code == 303
    page = client.get(f"/staff/articles/{article.id}/preview?as=member").get_data(as_text=True)
    assert "Lukket tekst" not in page
    client.post(f"/staff/articles/{article.id}/publish", data={"csrf_token": token})
    anonymous = client.application.test_client()
    public = anonymous.get("/articles/ny-strategiartikkel")
    assert public.status_code == 200 and "Lukket tekst" not in public.get_data(as_text=True)
    client.post(f"/staff/articles/{article.id}/unpublish", data={"csrf_token": token})
    assert anonymous.get("/articles/ny-strategiartikkel").status_code == 404
    actions = db.session.scalars(select(ContentAudit.action)).all()
    assert {"create", "save", "publish", "unpublish"} <= set(actions)
    entry = db.session.scalar(select(ContentAudit).where(ContentAudit.action == "publish"))
    assert entry.actor_id == editor.id and entry.created_at is not None


def test_preview_as_free_member_ignores_other_peoples_grants(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable, create_user
) -> None:
    # The stand-in member has no id: a look-up "user_id = NULL" must not find an
    # organisation's grant (or subscription) and show the paid text as if they could read it.
    owner = create_user()
    org = orgs_service.create_organization(
        owner, name="Fri AS", slug="fri-as", billing_email="f@fri.example"
    )
    grants.grant_to_org(org, reason="Demo")
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    client.post("/staff/articles/new", data=_form(csrf_token=token, access="paid"))
    article = db.session.scalar(select(Article).where(Article.slug == "ny-strategiartikkel"))
    for persona, full in (("anonymous", False), ("member", False), ("subscriber", True)):
        page = client.get(f"/staff/articles/{article.id}/preview?as={persona}")
        assert page.status_code == 200
        assert ("Lukket tekst" in page.get_data(as_text=True)) is full, persona


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Tittel må fylles ut."),
        ({"slug": "Ikke Gyldig!"}, "Ugyldig adresse"),
        ({"category": "finnes-ikke"}, "Ukjent kategori."),
        ({"access": "alle"}, "Tilgang må være"),
        ({"author": "ukjent"}, "Ukjent forfatter."),
        ({"related": "finnes-ikke"}, "Ukjent artikkel"),
        # A NUL byte PostgreSQL refuses: the same clear message, never a 500.
        ({"category": "ikt\x00strategi"}, "Ukjent kategori."),
        ({"author": "ka\x00ri"}, "Ukjent forfatter."),
        ({"related": "finnes\x00ikke"}, "Ukjent artikkel"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    client: FlaskClient,
    editor: User,
    login: Callable,
    csrf_token: Callable,
    overrides: dict[str, str],
    message: str,
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    audited = count_rows("content_audit")  # the fixture's categories and author
    response = client.post("/staff/articles/new", data=_form(csrf_token=token, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows("articles") == 0 and count_rows("content_audit") == audited


def test_long_tags_with_folded_letters_are_saved(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    # "æ" folds to "ae" in the slug: 80 of them must still fit the 80-character slug column.
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    response = client.post("/staff/articles/new", data=_form(csrf_token=token, tags="æ" * 200))
    assert response.status_code == 303
    article = db.session.scalar(select(Article).where(Article.slug == "ny-strategiartikkel"))
    assert [(t.name, t.slug) for t in article.tags] == [("æ" * 80, "ae" * 40)]


def test_duplicate_slug_is_refused(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    assert client.post("/staff/articles/new", data=_form(csrf_token=token)).status_code == 303
    again = client.post("/staff/articles/new", data=_form(csrf_token=token, title="Annen"))
    assert again.status_code == 422
    assert "allerede i bruk" in again.get_data(as_text=True)
    assert count_rows("articles") == 1


def test_a_slug_taken_between_check_and_write_is_a_clear_message(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable, monkeypatch
) -> None:
    # Two editors save the same new address at once: the loser gets the form back, not a 500.
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    checked = editorial.validate

    def rival_saves_after_the_check(data: editorial.ArticleInput, article=None):  # noqa: ANN001, ANN202
        result = checked(data, article)
        rival = Article(
            slug=data.slug, title="Rival", category_id=result["category"].id, status="draft"
        )
        db.session.add(rival)
        return result

    monkeypatch.setattr(editorial, "validate", rival_saves_after_the_check)
    audited = count_rows("content_audit")  # the fixture's categories and author
    response = client.post("/staff/articles/new", data=_form(csrf_token=token))
    assert response.status_code == 409
    assert "Adressen er allerede i bruk" in response.get_data(as_text=True)
    assert count_rows("articles") == 0 and count_rows("content_audit") == audited


def test_missing_csrf_token_is_refused(client: FlaskClient, editor: User, login: Callable) -> None:
    login(client, editor)
    response = client.post("/staff/articles/new", data=_form())
    assert response.status_code in (400, 422)
    assert count_rows("articles") == 0


def test_revisions_compare_and_restore(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    client.post("/staff/articles/new", data=_form(csrf_token=token, body="Første versjon.\n"))
    article = db.session.scalar(select(Article).where(Article.slug == "ny-strategiartikkel"))
    client.post(f"/staff/articles/{article.id}", data=_form(csrf_token=token, body="Andre.\n"))
    revision = db.session.scalar(select(ArticleRevision))
    assert revision.body_md == "Første versjon.\n"
    page = client.get(f"/staff/articles/{article.id}/revisions?compare={revision.id}")
    text = page.get_data(as_text=True)
    # Readable text, not a unified diff: removed and added words marked in the rendered text.
    assert "<del>Første versjon.</del>" in text and "<ins>Andre.</ins>" in text
    assert "@@" not in text
    client.post(
        f"/staff/articles/{article.id}/revisions/{revision.id}/restore",
        data={"csrf_token": token},
    )
    db.session.expire_all()
    assert db.session.get(Article, article.id).body_md == "Første versjon.\n"
    assert count_rows("article_revisions") == 2


def test_schedule_then_beat_publishes(
    app: Flask, client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    with time_machine.travel(datetime(2031, 5, 1, 10, 0, tzinfo=UTC), tick=False):
        login(client, editor)
        token = csrf_token(client, "/staff/articles/new")
        client.post("/staff/articles/new", data=_form(csrf_token=token))
        article = db.session.scalar(select(Article).where(Article.slug == "ny-strategiartikkel"))
        response = client.post(
            f"/staff/articles/{article.id}/schedule",
            data={"csrf_token": token, "publish_at": "2031-05-02T09:30"},
        )
        assert response.status_code == 303
        db.session.expire_all()
        article = db.session.get(Article, article.id)
        assert article.status == "scheduled"
        assert article.published_at == datetime(2031, 5, 2, 7, 30, tzinfo=UTC)  # Oslo summer
    with time_machine.travel(datetime(2031, 5, 2, 7, 31, tzinfo=UTC), tick=False):
        run_beat_task(app)
        db.session.expire_all()
        assert db.session.get(Article, article.id).status == "published"


def test_categories_and_authors(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/categories")
    response = client.post(
        "/staff/categories", data={"csrf_token": token, "slug": "okonomi", "name": "Økonomi"}
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Category).where(Category.slug == "okonomi")) is not None
    bad = client.post("/staff/categories", data={"csrf_token": token, "slug": "Ø Ø", "name": "x"})
    assert bad.status_code == 422
    response = client.post(
        "/staff/authors",
        data={
            "csrf_token": token,
            "slug": "ny-forfatter",
            "name": "Ny <b>Forfatter</b>",
            "bio": "Bio <script>alert(1)</script> slutt",
        },
    )
    assert response.status_code == 303
    author = db.session.scalar(select(Author).where(Author.slug == "ny-forfatter"))
    assert author.name == "Ny Forfatter" and "<script" not in author.bio
    for photo_url in ("https://bilder.example/a\x00.png", "/bilde.png onerror=x"):
        bad = client.post(
            "/staff/authors",
            data={"csrf_token": token, "slug": "ny-forfatter", "name": "N", "photo_url": photo_url},
        )
        assert bad.status_code == 422 and "Bildeadressen" in bad.get_data(as_text=True)
    page = client.get("/staff/").get_data(as_text=True)
    assert "/staff/articles" in page and "/staff/authors" in page


def test_editor_page_works_without_javascript(
    client: FlaskClient, editor: User, login: Callable
) -> None:
    login(client, editor)
    page = client.get("/staff/articles/new").get_data(as_text=True)
    assert "&lt;!-- paywall --&gt;" in page  # the marker is explained in text
    assert 'class="vv-editor__toolbar js-only"' in page  # the toolbar needs JS; hidden without
    assert "js/editor.js" in page and "<script>" not in page
