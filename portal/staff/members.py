"""Back office: members, subscriptions and complimentary grants (billing issue)."""

from portal.staff.blueprint import bp  # noqa: F401
