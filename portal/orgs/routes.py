"""Organisation pages under /orgs/<org_slug>/ (being built)."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/orgs")
