"""Content fixtures: categories, an author, published articles with canary sentences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from portal.accounts.models import User
from portal.billing.grants import grant_to_user
from portal.content import editorial
from portal.content.models import Article
from portal.extensions import db

CANARY = {
    "members": "Kanarifuglen Zyxmedlem synger bare for innloggede medlemmer",
    "paid": "Kanarifuglen Zyxabonnent synger bare for betalende abonnenter",
}
CANARY_WORDS = {"members": "Zyxmedlem", "paid": "Zyxabonnent"}


def body_with_canary(access: str) -> str:
    return (
        "Åpningen er offentlig og handler om strategi for alle lesere.\n\n"
        "Dette avsnittet er også en del av den åpne ingressen.\n\n"
        "<!-- paywall -->\n\n"
        f"## Skjult del {CANARY_WORDS[access]}\n\n"
        f"{CANARY[access]}.\n\n"
        "Mer lukket tekst om strategiene våre.\n"
    )


def run_beat_task(app: Flask) -> Any:
    """Run content.publish_due as beat would, through this app's Celery (other tests may have
    made another app the default one)."""
    return app.extensions["celery"].tasks["content.publish_due"].apply()


@pytest.fixture
def make_article(app: Flask) -> Callable[..., Article]:
    """Factory: a saved (and by default published) article."""
    editorial.ensure_categories()
    author = editorial.upsert_author("test-forfatter", "Test Forfatter", "Skriver tester.")
    counter = iter(range(1, 10_000))

    def factory(
        *,
        access: str = "public",
        body: str | None = None,
        publish: bool = True,
        **fields: Any,
    ) -> Article:
        n = next(counter)
        data = editorial.ArticleInput(
            title=fields.pop("title", f"Testartikkel {n}"),
            slug=fields.pop("slug", f"testartikkel-{n}"),
            category=fields.pop("category", "ikt-strategi"),
            access=access,
            body_md=body if body is not None else "Et avsnitt.\n\nEt avsnitt til.\n",
            lede=fields.pop("lede", "En kort ingress."),
            author=author.slug,
            **fields,
        )
        article = editorial.save_article(data, None)
        if publish:
            editorial.publish(article, None)
        return article

    return factory


@dataclass
class Readers:
    member: User
    subscriber: User
    staff: User


@pytest.fixture
def committed_subscriber(committed_app: Flask, create_user: Callable[..., User]) -> User:
    """A reader with a grant, committed (for the plain reads, which see committed rows only)."""
    user = create_user(name="Vanlig Leser")
    grant_to_user(user, "test")
    db.session.commit()
    return user


@pytest.fixture
def readers(create_user: Callable[..., User]) -> Readers:
    member = create_user(name="Fri Medlem")
    subscriber = create_user(name="Abonnent")
    grant_to_user(subscriber, "test")
    staff = create_user(name="Redaktør", staff_role="editor")
    return Readers(member, subscriber, staff)


@pytest.fixture
def canaries(make_article: Callable[..., Article]) -> dict[str, Article]:
    return {
        access: make_article(
            access=access,
            body=body_with_canary(access),
            slug=f"kanari-{access}",
            title=f"Kanariartikkel {access}",
            tags=["kanari", "strategi"],
        )
        for access in ("members", "paid")
    }
