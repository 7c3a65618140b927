"""Back office: articles, categories and authors (content issue)."""

from portal.staff.blueprint import bp  # noqa: F401
