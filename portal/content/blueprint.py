"""The content blueprint; reader pages, feeds and search register their views on it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("content", __name__)
