"""`python -m bench`: reader pages vs a bare Flask endpoint, gunicorn + PostgreSQL, loopback.

Creates a throwaway database (like the tests), migrates it, generates 5,000 articles, serves
the portal and a bare Flask app with the same gunicorn settings, drives both with a threaded
keep-alive client and prints throughput ratios, p50/p95/p99 and SQL queries per page.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from urllib.parse import quote_plus

from sqlalchemy import select

from bench import data
from bench.serve import (
    BARE,
    Scenario,
    browser,
    report,
    run_served,
    statement_counts,
    throwaway,
)
from portal import create_app
from portal.content.models import Article, Category
from portal.extensions import db

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "5000"))
SEARCHES = ["strategiene", "gevinstrealisering", "kompetanse", "styring av IT", "risiko",
            "målbilde", "digitale mål", "tiltak prioritering", "SWOT", "informasjon"]  # fmt: skip


def main() -> int:
    started = time.perf_counter()
    with throwaway("bench") as setup:
        owner = setup.owner_app()
        with owner.app_context():
            # Rarer words of the corpus (the SEARCHES are common ones).
            selective_words = data.generate(ARTICLES, owner.config["TEASER_MAX_CHARS"])
            users = data.readers(secrets.token_urlsafe(12))
            cookies = {who: setup.cookie(owner, user.get_id()) for who, user in users.items()}
            slugs = {
                access: list(db.session.scalars(
                    select(Article.slug).where(Article.access == access).limit(60)
                ))
                for access in ("paid", "members")
            }  # fmt: skip
            category = db.session.scalar(select(Category.slug).order_by(Category.id))
            db.engine.dispose()
        data.vacuum(setup.database.owner_url)
        print(f"data: {ARTICLES} articles in {time.perf_counter() - started:.1f}s", flush=True)

        paid = [f"/articles/{s}" for s in slugs["paid"]]
        members = [f"/articles/{s}" for s in slugs["members"]]
        lists = [f"/articles/?page={n}" for n in range(1, 60)]
        categories = [f"/categories/{category}?page={n}" for n in range(1, 30)]
        searches = [f"/search?q={quote_plus(q)}" for q in SEARCHES]
        selective = [f"/search?q={quote_plus(q)}" for q in selective_words]

        # No outer app context here: each test-client request then gets its own `g`.
        app = create_app({**setup.config, "CONTENT_CACHE_SECONDS": 0})  # count real queries
        counts = statement_counts(
            app,
            {
                "anonymous teaser page, no cache": (paid[0], {}),
                "subscriber full page": (paid[1], cookies["subscriber"]),
                "free member, paid teaser": (paid[2], cookies["member"]),
                "free member, members article": (members[0], cookies["member"]),
                "organisation seat, paid article": (paid[3], cookies["seat"]),
                "list page, no cache": ("/articles/?page=7", {}),
                "category page, no cache": (categories[3], {}),
                "search, no cache": (searches[0], {}),
            },
        )
        gated = '<div class="paywalled-section">'
        assert gated not in app.test_client().get(paid[0]).get_data(True)
        for who, expected in (("subscriber", True), ("member", False), ("seat", True)):
            page = browser(app, cookies[who]).get(paid[0]).get_data(True)
            assert (gated in page) is expected, who
        with app.app_context():
            db.engine.dispose()

        env = setup.env
        # Anonymous pages twice: as production serves them (page cache on), and uncached.
        runs: list[tuple[str, dict[str, str], list[Scenario]]] = [
            ("bench.bare:app", env, [(BARE, ["/"], {})]),
            (
                "wsgi:app",
                env,
                [
                    ("anonymous teaser page", paid, {}),
                    ("subscriber full page", paid, cookies["subscriber"]),
                    ("free member, paid teaser", paid, cookies["member"]),
                    ("free member, members article", members, cookies["member"]),
                    ("organisation seat, paid article", paid, cookies["seat"]),
                    ("list page", lists, {}),
                    ("search", searches, {}),
                ],
            ),
            (
                "wsgi:app",
                {**env, "CONTENT_CACHE_SECONDS": "0"},
                [
                    ("anonymous teaser page, no cache", paid, {}),
                    ("list page, no cache", lists, {}),
                    ("category page, no cache", categories, {}),
                    ("search, no cache", searches, {}),
                    ("search, selective words, no cache", selective, {}),
                ],
            ),
            (  # for comparison: every page rendered and read afresh
                "wsgi:app",
                {**env, "CONTENT_CACHE_SECONDS": "0", "ARTICLE_CACHE_BYTES": "0"},
                [
                    ("subscriber full page, no fragments", paid, cookies["subscriber"]),
                    ("anonymous teaser page, no cache, no fragments", paid, {}),
                ],
            ),
        ]
        results = run_served(setup.database.owner_url, runs)
        report(results, counts, time.perf_counter() - started, f"{ARTICLES} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
