"""The member's own account pages: profile, language, e-mail, password, sessions, data, deletion.

The view functions are registered on the accounts blueprint in routes.py.
"""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import deletion, links, service, tokens
from portal.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    ProfileForm,
)
from portal.accounts.login_state import keep_this_browser
from portal.accounts.ratelimit import guarded
from portal.accounts.responses import token_failed
from portal.accounts.tokens import TokenError
from portal.extensions import db
from portal.form_flow import handle_form
from portal.refused import Refused


@login_required
def account() -> ResponseReturnValue:
    """Profile (name, language) plus links to the other account actions."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)

    def save() -> None:
        service.update_profile(user, form.name.data)
        service.set_locale(user, form.locale.data)

    def saved(_result: None) -> ResponseReturnValue:
        session["lang"] = user.locale
        return redirect(url_for("accounts.account"), code=303)

    return handle_form(
        form,
        page=lambda status: (
            render_template("accounts/account.html", form=form, user=user),
            status,
        ),
        action=save,
        success=saved,
        flash_message=_("Endringene er lagret."),
        error_field="name",
    )


@login_required
def logout_everywhere() -> ResponseReturnValue:
    """End every session of the user on every device; this browser stays logged in."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.account"), code=303)
    user = current_user._get_current_object()
    service.end_other_sessions(user)
    db.session.commit()
    keep_this_browser(user)
    flash(_("Du er logget ut på alle andre enheter."), "success")
    return redirect(url_for("accounts.account"), code=303)


@guarded  # each POST checks the password (and may mail an address)
@login_required
def change_password() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = ChangePasswordForm()

    def changed(_result: None) -> ResponseReturnValue:
        keep_this_browser(user)
        return redirect(url_for("accounts.account"), code=303)

    return handle_form(
        form,
        page=lambda status: (render_template("accounts/change_password.html", form=form), status),
        action=lambda: service.change_password(user, form.current.data, form.password.data),
        success=changed,
        flash_message=_("Passordet er endret. Du er logget ut på alle andre enheter."),
        error_field="current",
    )


@guarded  # each POST checks the password (and may mail an address)
@login_required
def change_email() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    return handle_form(
        form,
        page=lambda status: (render_template("accounts/change_email.html", form=form), status),
        action=lambda: links.request_email_change(user, form.email.data, form.password.data),
        success=lambda _result: render_template("accounts/check_mail.html", kind="change_email"),
        error_field="email",
    )


def confirm_email_change(token: str) -> ResponseReturnValue:
    """The link from the new address: GET shows a button, the POST moves the account."""
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            user = links.check(token, tokens.CHANGE_EMAIL)
            new_email = tokens.peek(token, tokens.CHANGE_EMAIL).get("email", "")
            return render_template(
                "accounts/confirm_link.html",
                form=form,
                kind="change_email",
                user=user,
                new_email=new_email,
            )
        links.confirm_email_change(token)
        db.session.commit()
    except TokenError as exc:
        return token_failed(exc, tokens.CHANGE_EMAIL)
    except IntegrityError:
        # Someone else took the address in the meantime.
        return token_failed(TokenError("invalid"), tokens.CHANGE_EMAIL)
    flash(_("E-postadressen er endret."), "success")
    target = "accounts.account" if current_user.is_authenticated else "accounts.login"
    return redirect(url_for(target), code=303)


@login_required
def data_export() -> Response:
    """Download my data as JSON (a GET that changes nothing)."""
    data = deletion.export_data(current_user._get_current_object())
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="veivalg-mine-data.json"'
    return response


@guarded  # each POST checks the password (and may mail an address)
@login_required
def delete_account() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    blockers = deletion.deletion_blockers(user)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/delete.html", form=form, blockers=blockers), status
    try:
        deletion.delete_account(user, form.password.data)
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        form.password.errors = [str(exc)]
        return render_template("accounts/delete.html", form=form, blockers=blockers), 422
    except IntegrityError:
        # Some domain still points at the user without an ON DELETE rule: keep everything.
        db.session.rollback()
        form.password.errors = [_("Kontoen kan ikke slettes akkurat nå. Kontakt oss.")]
        return render_template("accounts/delete.html", form=form, blockers=blockers), 409
    logout_user()
    session.clear()
    flash(_("Kontoen din er slettet."), "success")
    return redirect(url_for("content.home"), code=303)
