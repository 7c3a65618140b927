"""Billing e-mails, queued through the outbox in the recipient's language."""

from __future__ import annotations

from flask import current_app

from portal.accounts.models import User
from portal.billing.models import Subscription
from portal.extensions import db
from portal.mail import service as mail
from portal.orgs.models import Organization


def _recipient(row: Subscription) -> tuple[str, str, str, str] | None:
    """(address, locale, name, manage path) of whoever pays for the subscription."""
    base = current_app.config["BASE_URL"].rstrip("/")
    if row.user_id is not None:
        user = db.session.get(User, row.user_id)
        if user is None:
            return None
        return user.email, user.locale or "nb", user.name, f"{base}/billing/manage"
    if row.org_id is not None:
        org = db.session.get(Organization, row.org_id)
        if org is None:
            return None
        return org.billing_email, "nb", org.name, f"{base}/orgs/{org.slug}/billing/"
    return None


def _send(row: Subscription, template: str, key: str, **context: object) -> None:
    recipient = _recipient(row)
    if recipient is None:
        return
    to, locale, name, manage_url = recipient
    mail.queue(to, template, locale, key, name=name, manage_url=manage_url, sub=row, **context)


def welcome(row: Subscription) -> None:
    _send(row, "billing_welcome", f"billing-welcome:{row.stripe_subscription_id}")


def cancelled(row: Subscription) -> None:
    _send(row, "billing_cancelled", f"billing-cancelled:{row.stripe_subscription_id}")


def payment_failed(row: Subscription, invoice_id: str) -> None:
    _send(row, "billing_payment_failed", f"billing-payment-failed:{invoice_id}")


def trial_ending(row: Subscription) -> None:
    stamp = int(row.trial_end.timestamp()) if row.trial_end else 0
    _send(row, "billing_trial_ending", f"billing-trial-ending:{row.stripe_subscription_id}:{stamp}")
