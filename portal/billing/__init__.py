"""Billing: plans, Stripe checkout, portal, webhooks, and entitlements."""
