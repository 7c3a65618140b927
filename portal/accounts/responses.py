"""Answers shared by the account views: the used/expired link page and "check your mail"."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue

from portal.accounts import tokens
from portal.accounts.tokens import TokenError
from portal.extensions import db

# Where the "request a new link" button of a failed link points.
_RENEW_ENDPOINT = {
    tokens.VERIFY: "accounts.login",
    tokens.LOGIN: "accounts.request_login_link",
    tokens.RESET: "accounts.reset_request",
    tokens.CHANGE_EMAIL: "accounts.change_email",
}


def token_failed(error: TokenError, purpose: str) -> ResponseReturnValue:
    """A clear 400 page for an expired, used or forged link, with a way to get a new one."""
    db.session.rollback()
    return render_template(
        "accounts/token_invalid.html",
        expired=error.reason == "expired",
        renew_url=url_for(_RENEW_ENDPOINT[purpose]),
    ), 400


def check_mail(kind: str) -> ResponseReturnValue:
    """The same answer whether or not the address has an account."""
    return render_template("accounts/check_mail.html", kind=kind)
