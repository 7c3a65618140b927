"""The yardstick: a bare Flask endpoint returning a short string, served like the portal."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hei!"
