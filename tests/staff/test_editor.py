"""The writing page: address from the title, preview with the paywall, scheduling rules,
revisions as readable text, words instead of codes, Oslo times and a menu by staff role."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import User
from portal.content import editorial
from portal.content.models import Article, ArticleRevision, Category
from portal.extensions import db
from portal.timeutil import utcnow
from tests.conftest import count_rows
from tests.staff.test_articles import _form


def _new(client: FlaskClient, token: str, **overrides: str) -> Article:
    response = client.post("/staff/articles/new", data=_form(csrf_token=token, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(Article).order_by(Article.id.desc()))


def test_an_empty_address_is_made_from_the_title_with_norwegian_letters_folded(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    article = _new(client, token, title="Åpne data på skjærgården – øvelse", slug="")
    assert article.slug == "apne-data-pa-skjaergarden-ovelse"
    # The editor may still choose the address.
    chosen = _new(client, token, title="Noe annet", slug="valgt-adresse")
    assert chosen.slug == "valgt-adresse"
    page = client.get("/staff/articles/new").get_data(as_text=True)
    assert 'data-slug-from="title"' in page  # the page's script follows the title


def test_preview_shows_where_the_paywall_falls(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    body = "Åpen del.\n\n<!-- paywall -->\n\nLukket del.\n"
    page = client.post(
        "/staff/articles/new",
        data=_form(csrf_token=token, action="preview", body=body, access="paid"),
    ).get_data(as_text=True)
    page = page[page.index('id="preview-heading"') :]
    open_at, marker_at, closed_at = (
        page.index("Åpen del."),
        page.index("Betalingsmur: resten er for abonnenter"),
        page.index("Lukket del."),
    )
    assert open_at < marker_at < closed_at
    public = client.post(
        "/staff/articles/new",
        data=_form(csrf_token=token, action="preview", body=body, access="public"),
    ).get_data(as_text=True)
    assert "Betalingsmur: resten" not in public and "ingen virkning" in public
    assert count_rows("articles") == 0


def test_a_time_that_has_passed_is_refused_and_publish_now_offered(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    with time_machine.travel(datetime(2031, 5, 1, 10, 0, tzinfo=UTC), tick=False):
        login(client, editor)
        token = csrf_token(client, "/staff/articles/new")
        article = _new(client, token)
        audits = count_rows("content_audit")
        response = client.post(
            f"/staff/articles/{article.id}/schedule",
            data={"csrf_token": token, "publish_at": "2031-05-01T11:59"},  # 09:59 UTC
        )
        text = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Tidspunktet har allerede passert" in text and "Publiser nå i stedet" in text
        db.session.expire_all()
        assert db.session.get(Article, article.id).status == "draft"
        assert count_rows("content_audit") == audits


def test_nothing_says_scheduled_for_a_published_article(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    article = _new(client, token)
    editorial.schedule(article, editor, utcnow() + timedelta(minutes=5))
    db.session.flush()
    page = client.get(f"/staff/articles/{article.id}").get_data(as_text=True)
    assert "Planlagt" in page and "Publiseres" in page
    # The time comes; readers see it before the beat task flips the status.
    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=False):
        edit = client.get(f"/staff/articles/{article.id}").get_data(as_text=True)
        listing = client.get("/staff/articles").get_data(as_text=True)
        scheduled_only = client.get("/staff/articles?status=scheduled").get_data(as_text=True)
        published_only = client.get("/staff/articles?status=published").get_data(as_text=True)
    for page in (edit, listing):
        assert "Planlagt" not in re.sub(r"<option.*?</option>", "", page)
        assert "Publisert" in page
    assert article.title not in scheduled_only and article.title in published_only


def test_staff_pages_show_words_and_oslo_time_not_codes_or_utc(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    with time_machine.travel(datetime(2031, 1, 15, 23, 30, tzinfo=UTC), tick=False):
        login(client, editor)
        token = csrf_token(client, "/staff/articles/new")
        article = _new(client, token, access="paid")
        client.post(f"/staff/articles/{article.id}/publish", data={"csrf_token": token})
        listing = client.get("/staff/articles").get_data(as_text=True)
        audit = client.get("/staff/articles/audit").get_data(as_text=True)
    # 23:30 UTC is 00:30 the next day in Oslo (winter time).
    assert "16.01.2031 kl. 00:30" in listing and "UTC" not in listing
    assert "For abonnenter" in listing and ">paid<" not in listing
    assert ">published<" not in listing and "Publisert" in listing
    assert "16.01.2031 kl. 00:30" in audit and "UTC" not in audit
    assert "publiserte artikkelen" in audit and editor.name in audit
    assert ">publish<" not in audit and "Ny strategiartikkel" in audit


def test_revisions_list_title_lede_and_metadata_changes_and_a_word_diff(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/articles/new")
    article = _new(client, token, access="public", body="Strategien gjelder alle etater.\n")
    changed = client.post(
        f"/staff/articles/{article.id}",
        data=_form(
            csrf_token=token,
            title="Ny tittel",
            lede="Ny ingress.",
            access="members",
            category="ledelse",
            body="Strategien gjelder nesten alle etater.\n",
        ),
    )
    assert changed.status_code == 303
    revision = db.session.scalar(select(ArticleRevision))
    page = client.get(f"/staff/articles/{article.id}/revisions?compare={revision.id}")
    text = page.get_data(as_text=True)
    assert "<del>Ny strategiartikkel</del> → <ins>Ny tittel</ins>" in text
    assert "<del>Ingressen.</del> → <ins>Ny ingress.</ins>" in text
    assert "<del>Åpen for alle</del> → <ins>For medlemmer</ins>" in text
    assert "<del>IKT-strategi</del> → <ins>Ledelse</ins>" in text
    assert "Strategien gjelder <ins>nesten</ins> alle etater." in text
    assert "1 ord lagt til" in text and "0 ord fjernet" in text


def test_a_save_that_changes_nothing_is_no_revision_and_no_modification(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    with time_machine.travel(datetime(2031, 1, 1, 12, 0, tzinfo=UTC), tick=False):
        login(client, editor)
        article = _new(client, csrf_token(client, "/staff/articles/new"))
    with time_machine.travel(datetime(2031, 1, 1, 12, 30, tzinfo=UTC), tick=False):
        token = csrf_token(client, "/staff/articles/new")
        again = client.post(f"/staff/articles/{article.id}", data=_form(csrf_token=token))
        assert again.status_code == 303
    db.session.expire_all()
    assert count_rows("article_revisions") == 0
    assert db.session.get(Article, article.id).updated_at == datetime(2031, 1, 1, 12, tzinfo=UTC)


def test_english_category_names(
    client: FlaskClient, editor: User, login: Callable, csrf_token: Callable
) -> None:
    login(client, editor)
    token = csrf_token(client, "/staff/categories")
    response = client.post(
        "/staff/categories",
        data={"csrf_token": token, "slug": "okonomi", "name": "Økonomi", "name_en": "Finance"},
    )
    assert response.status_code == 303
    category = db.session.scalar(select(Category).where(Category.slug == "okonomi"))
    assert category.name_en == "Finance"
    # The standard ones get theirs from the seed.
    assert db.session.scalar(select(Category.name_en).where(Category.slug == "ledelse")) == (
        "Leadership"
    )
    reader = client.application.test_client()
    english = reader.get("/categories/okonomi", headers={"Accept-Language": "en"})
    norwegian = reader.get("/categories/okonomi", headers={"Accept-Language": "nb"})
    assert "<h1>Finance</h1>" in english.get_data(as_text=True).replace('<h1 class="', "<h1 x=")
    assert "Økonomi" in norwegian.get_data(as_text=True)


def _menu_links(page: str) -> set[str]:
    return set(re.findall(r'href="(/staff/[^"]*)"', page))


def test_the_staff_menu_shows_only_what_the_role_opens(
    client: FlaskClient, create_user: Callable[..., User], login: Callable
) -> None:
    editorial.ensure_categories()
    editor = create_user(staff_role="editor")
    admin = create_user(staff_role="admin")
    login(client, editor)
    links = _menu_links(client.get("/staff/").get_data(as_text=True))
    assert "/staff/articles" in links
    assert not {"/staff/members", "/staff/members/organisations", "/staff/organisations"} & links
    for link in links:  # nothing in an editor's menu answers 404
        assert client.get(link).status_code == 200, link
    login(client, admin)
    admin_links = _menu_links(client.get("/staff/").get_data(as_text=True))
    assert {"/staff/members", "/staff/organisations"} <= admin_links
