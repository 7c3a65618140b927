"""What gives a reader or an organisation paid access now, and until when (for the pages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_login import AnonymousUserMixin

from portal.accounts.models import User
from portal.billing import gateway, grants, plans
from portal.billing import service as billing_service
from portal.billing.models import ComplimentaryGrant, Subscription
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.orgs.scoping import system_scope
from portal.timeutil import utcnow


@dataclass(frozen=True)
class Source:
    """One thing that gives paid access: staff, subscription, grant, trial or seat."""

    kind: str
    # When this source stops giving access; None: no end date (or it renews).
    until: datetime | None = None
    subscription: Subscription | None = None
    # A seat: the organisation, and what gives the organisation its access.
    org: Organization | None = None
    via: Source | None = None

    @property
    def renews(self) -> bool:
        sub = self.subscription
        return sub is not None and not sub.cancel_at_period_end

    @property
    def lasting(self) -> bool:
        """Whether this source goes on by itself (no end, or a renewing subscription)."""
        if self.via is not None:
            return self.via.lasting
        return self.until is None or self.renews


@dataclass(frozen=True)
class Summary:
    sources: list[Source] = field(default_factory=list)

    @property
    def has_access(self) -> bool:
        return bool(self.sources)

    @property
    def ends_at(self) -> datetime | None:
        """When access ends if nothing is renewed or bought: None while any source lasts."""
        if not self.sources or any(source.lasting for source in self.sources):
            return None
        return max(_end(source) for source in self.sources)


def _end(source: Source) -> datetime:
    # Only asked of sources that do not last, which all have an end.
    end = source.via.until if source.via is not None else source.until
    return end or datetime.max.replace(tzinfo=utcnow().tzinfo)


def _best(sources: list[Source]) -> Source | None:
    """The source that lasts longest: one that goes on by itself, else the latest end."""
    lasting = [source for source in sources if source.lasting]
    if lasting:
        return lasting[0]
    return max(sources, key=_end, default=None)


def _paid_sources(
    sub: Subscription | None, grant: ComplimentaryGrant | None, now: datetime
) -> list[Source]:
    sources = []
    if sub is not None and sub.grants_access(now):
        sources.append(Source("subscription", until=sub.current_period_end, subscription=sub))
    if grant is not None:
        sources.append(Source("grant", until=grant.ends_at))
    return sources


def for_org(org: Organization, now: datetime | None = None) -> Summary:
    """Everything that gives the organisation's seats paid access now (the same rules as
    entitlements.org_has_access), with each one's end."""
    now = now or utcnow()
    if org.deleted_at is not None:
        return Summary()
    sources = _paid_sources(
        billing_service.org_subscription(org), grants.active_org_grant(org, now), now
    )
    if org.trial_ends_at is not None and now < org.trial_ends_at:
        sources.append(Source("trial", until=org.trial_ends_at))
    return Summary(sources)


def for_user(user: User | AnonymousUserMixin | None, now: datetime | None = None) -> Summary:
    """Everything that gives this user paid access now (entitlements.has_paid_access's
    rules): staff, an own subscription, a complimentary grant, seats in organisations."""
    if user is None or not user.is_authenticated or user.id is None:
        return Summary()
    now = now or utcnow()
    sources = [Source("staff")] if user.is_staff else []
    sources += _paid_sources(
        billing_service.user_subscription(user), grants.active_user_grant(user, now), now
    )
    with system_scope():
        orgs = [m.org for m in orgs_service.memberships_for_user(user)]
        for org in orgs:
            via = _best(for_org(org, now).sources)
            if via is not None:
                sources.append(Source("seat", org=org, via=via))
    return Summary(sources)


def describe(subject: User | Organization | AnonymousUserMixin | None) -> Summary:
    """The template global `paid_access(...)`: a user's or an organisation's summary."""
    if isinstance(subject, Organization):
        return for_org(subject)
    return for_user(subject)


def access_context() -> dict[str, object]:
    """Templates' `paid_access(user_or_org)`: what gives paid access now (billing/_access.html);
    create_app installs it as a context processor."""
    return {
        "paid_access": describe,
        "paywall_offer": lambda: plans.consumer_offer(current_app.config["VAT_RATE_PERCENT"]),
        "billing_payments_on": gateway.enabled,
    }
