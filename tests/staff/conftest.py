"""Staff fixtures: an editor, the content categories and an author."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from portal.accounts.models import User
from portal.content import editorial


@pytest.fixture
def editor(app: Flask, create_user: Callable[..., User]) -> User:
    editorial.ensure_categories()
    editorial.upsert_author("kari", "Kari", "Skriver.")
    return create_user(name="Redaktør", staff_role="editor")
