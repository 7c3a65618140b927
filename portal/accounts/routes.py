"""Sign-up, login (password or one-time link), logout, verification and password reset."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import links, profile_views, service, tokens
from portal.accounts.forms import (
    ConfirmForm,
    EmailOnlyForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
    VerifyForm,
)
from portal.accounts.login_state import start_session
from portal.accounts.models import User
from portal.accounts.ratelimit import guarded
from portal.accounts.responses import check_mail, token_failed
from portal.accounts.tokens import TokenError
from portal.core.redirects import is_safe_path, safe_next
from portal.extensions import db
from portal.form_flow import handle_form
from portal.templating import current_locale

bp = Blueprint("accounts", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@guarded
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = SignupForm()
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
        # From an invitation: the invited address is filled in (it can still be changed).
        form.email.data = request.args.get("email", "")[:254]
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/signup.html", form=form), status
    try:
        service.sign_up(
            form.email.data,
            form.name.data,
            form.password.data,
            current_locale(),
            next_path=form.next.data or None,
        )
    except service.AccountError as exc:
        db.session.rollback()
        form.password.errors = [str(exc)]
        return render_template("accounts/signup.html", form=form), 422
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent sign-up took the address first: answer as for any known address.
        db.session.rollback()
    return check_mail("signup")


@bp.route("/login", methods=["GET", "POST"])
@guarded
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data or request.args.get("next")))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/login.html", form=form), status
    try:
        user = service.authenticate(form.email.data, form.password.data)
    except service.LoginError as exc:
        db.session.commit()  # keeps an upgraded hash; nothing else was changed
        resend = EmailOnlyForm(formdata=None, email=form.email.data) if exc.unverified else None
        return render_template(
            "accounts/login.html", form=form, error=str(exc), resend_form=resend
        ), 422
    db.session.commit()
    start_session(user, remember=bool(form.remember.data))
    return redirect(safe_next(form.next.data), code=303)


def _link_request(kind: str, send: Callable[[str], None]) -> ResponseReturnValue:
    """Ask for a mailed link: the same answer whether or not the address has an account."""
    form = EmailOnlyForm()
    return handle_form(
        form,
        page=lambda status: (
            render_template("accounts/email_request.html", form=form, kind=kind),
            status,
        ),
        action=lambda: send(form.email.data),
        success=lambda _result: check_mail(kind),
    )


@bp.route("/login/verify-again", methods=["GET", "POST"])
@guarded
def resend_verification() -> ResponseReturnValue:
    return _link_request("verify", links.request_verification)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out, and end every other session of the user too (a stolen cookie dies here)."""
    if current_user.is_authenticated:
        service.end_other_sessions(current_user)
        db.session.commit()
    logout_user()
    return redirect(url_for("content.home"), code=303)


@bp.route("/login/link", methods=["GET", "POST"])
@guarded
def request_login_link() -> ResponseReturnValue:
    return _link_request("login", links.request_login_link)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@guarded
def login_link(token: str) -> ResponseReturnValue:
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            user = links.check(token, tokens.LOGIN)
            return render_template("accounts/confirm_link.html", form=form, kind="login", user=user)
        user = links.login_with_link(token)
    except TokenError as exc:
        return token_failed(exc, tokens.LOGIN)
    db.session.commit()
    start_session(user, remember=False)
    return redirect(url_for("accounts.account"), code=303)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@guarded
def verify(token: str) -> ResponseReturnValue:
    form = VerifyForm()
    try:
        user = links.check(token, tokens.VERIFY)
        if not form.validate_on_submit():
            return _verify_page(form, user, 200)
        if user.password_hash and not service.check_password(user, form.password.data or ""):
            form.password.errors = [
                _(
                    "Skriv passordet du valgte da du ble medlem. Har du ikke opprettet kontoen, "
                    "kan du se bort fra e-posten."
                )
            ]
            return _verify_page(form, user, 422)
        user, next_path = links.verify_email(token)
    except TokenError as exc:
        return token_failed(exc, tokens.VERIFY)
    if next_path and is_safe_path(next_path):
        # Signed up from a page (the paywall box): the link and the password prove it is the
        # new member, so log them in and take them back there.
        service.record_login(user)
        db.session.commit()
        start_session(user, remember=False)
        flash(
            _("Velkommen til Veivalg, %(name)s! Adressen er bekreftet.", name=user.name), "success"
        )
        return redirect(next_path, code=303)
    db.session.commit()
    return render_template("accounts/verified.html", user=user)


def _verify_page(form: VerifyForm, user: User, status: int) -> ResponseReturnValue:
    return render_template(
        "accounts/confirm_link.html", form=form, kind="verify", user=user
    ), status


@bp.route("/reset", methods=["GET", "POST"])
@guarded
def reset_request() -> ResponseReturnValue:
    return _link_request("reset", links.request_reset)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@guarded
def reset_password(token: str) -> ResponseReturnValue:
    form = ResetPasswordForm()

    def done(_result: None) -> ResponseReturnValue:
        if current_user.is_authenticated:
            logout_user()
        return render_template("accounts/reset_done.html")

    try:
        user = links.check(token, tokens.RESET)
        return handle_form(
            form,
            page=lambda status: (
                render_template("accounts/reset_form.html", form=form, user=user),
                status,
            ),
            action=lambda: links.reset_password(token, form.password.data),
            success=done,
            error_field="password",
        )
    except TokenError as exc:
        return token_failed(exc, tokens.RESET)


bp.add_url_rule("/account", "account", profile_views.account, methods=["GET", "POST"])
bp.add_url_rule(
    "/account/logout-everywhere",
    "logout_everywhere",
    profile_views.logout_everywhere,
    methods=["POST"],
)
bp.add_url_rule(
    "/account/password", "change_password", profile_views.change_password, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/account/email", "change_email", profile_views.change_email, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/account/email/<token>",
    "confirm_email_change",
    profile_views.confirm_email_change,
    methods=["GET", "POST"],
)
bp.add_url_rule("/account/data.json", "data_export", profile_views.data_export)
bp.add_url_rule(
    "/account/delete", "delete_account", profile_views.delete_account, methods=["GET", "POST"]
)
