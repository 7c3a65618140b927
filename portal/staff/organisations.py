"""Back office: organisations: list, restore (organisations issue)."""

from portal.staff.blueprint import bp  # noqa: F401
