"""The front page reads like a publication: no article shown twice."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from portal.content import service
from portal.content.models import Article


def test_no_article_appears_twice_on_the_front_page(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    categories = ["ikt-strategi", "ledelse", "digitalisering", "strategisk-planlegging"]
    for n in range(17):
        make_article(category=categories[n % 4], featured=n in (2, 9))
    home = service.home()
    shown = [a.id for a in home["featured"]] + [a.id for a in home["latest"]]
    shown += [a.id for _category, items in home["per_category"] for a in items]
    assert len(shown) == len(set(shown))
    assert len(home["featured"]) == 2 and len(home["latest"]) == 6
    page = client.get("/").get_data(as_text=True)
    links = re.findall(r'<h3><a href="(/articles/[^"]+)"', page)
    assert len(links) == len(set(links)) == len(shown)
    # The band that explains membership and the workspace.
    assert 'class="vv-band"' in page and "/billing/pricing" in page
