"""Billing pages and the Stripe webhook (being built)."""

from flask import Blueprint

bp = Blueprint("billing", __name__, url_prefix="/billing")
