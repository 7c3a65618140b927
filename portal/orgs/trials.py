"""Organisation trials: one per person and one per e-mail domain."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.models import Organization, TrialClaim
from portal.orgs.validation import email_domain, is_free_mail
from portal.timeutil import utcnow


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _domain(email: str) -> str | None:
    # On a free-mail service one domain holds many unrelated people: only the person counts.
    domain = email_domain(email)
    return None if not domain or is_free_mail(domain) else domain


def trial_used(user: User) -> bool:
    """Whether this person, or someone at their e-mail domain, has started a trial before."""
    domain = _domain(user.email)
    conditions = [TrialClaim.user_id == user.id, TrialClaim.email_hash == _email_hash(user.email)]
    if domain is not None:
        conditions.append(TrialClaim.email_domain == domain)
    return db.session.scalar(select(TrialClaim.id).where(or_(*conditions)).limit(1)) is not None


def start_trial(org: Organization, creator: User) -> datetime | None:
    """Give a new organisation its trial of ORG_TRIAL_DAYS if its creator has not used one.

    One trial per person and per e-mail domain (public mail services count per person): a
    later organisation starts without paid access until it subscribes or staff grant it.
    Returns the trial's end, or None when no trial was given.
    """
    if trial_used(creator):
        return None
    claim = TrialClaim(
        org_id=org.id,
        user_id=creator.id,
        email_hash=_email_hash(creator.email),
        email_domain=_domain(creator.email),
    )
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        # A concurrent create by the same person or domain claimed it first.
        return None
    org.trial_ends_at = utcnow() + timedelta(days=current_app.config["ORG_TRIAL_DAYS"])
    db.session.flush()
    return org.trial_ends_at
