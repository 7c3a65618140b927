"""Reader pages (being built)."""

from flask import Blueprint, render_template

bp = Blueprint("content", __name__)


@bp.get("/")
def home() -> str:
    return render_template("content/home.html")
