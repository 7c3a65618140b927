"""The one view idiom for a form that changes something: validate the form, call the service, put
a refusal onto the form, commit, flash, redirect. Views call handle_form instead of copying it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from portal.extensions import db
from portal.refused import Refused


def handle_form(
    form: FlaskForm,
    *,
    page: Callable[[int], ResponseReturnValue],
    action: Callable[[], Any],
    success: str | Callable[[Any], ResponseReturnValue],
    flash_message: str | Callable[[Any], str] | None = None,
    error_field: str | None = None,
) -> ResponseReturnValue:
    """Run one form through the request's single transaction.

    - not submitted: `page(200)`; submitted but invalid: `page(422)`, nothing called;
    - `action()` raises Refused: roll back, put the reason on the form (each of `exc.errors`
      on its field, else on `error_field`, else on `form.form_errors`) and answer `page(422)`;
    - otherwise commit, flash `flash_message` (a string, or a function of the action's result)
      and answer `success`: an endpoint to redirect to (303, url_for fills an organisation's
      slug), or a function of the action's result that returns the response.
    """
    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    try:
        result = action()
    except Refused as exc:
        db.session.rollback()
        put_refusal(form, exc, error_field)
        return page(422)
    db.session.commit()
    if flash_message is not None:
        text = flash_message(result) if callable(flash_message) else flash_message
        flash(text, "success")
    if isinstance(success, str):
        success = to(success)
    return success(result)


def to(endpoint: str, **values: Any) -> Callable[[Any], ResponseReturnValue]:
    """A `success` for handle_form: redirect (303) to `endpoint` with `values`."""

    def redirect_there(_result: Any) -> ResponseReturnValue:
        return redirect(url_for(endpoint, **values), code=303)

    return redirect_there


def put_refusal(form: FlaskForm, exc: Refused, error_field: str | None = None) -> None:
    """Show a refusal on the form: per field where it names fields, else on one field or on
    the whole form."""
    placed = {name: message for name, message in exc.errors.items() if name in form}
    for name, message in placed.items():
        form[name].errors = [*form[name].errors, message]
    if placed:
        return
    if error_field is not None:
        form[error_field].errors = [*form[error_field].errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def first_error(form: FlaskForm, fallback: str) -> str:
    """The first message on the form (the whole form's first), for pages that show one line."""
    if form.form_errors:
        return str(form.form_errors[0])
    for errors in form.errors.values():
        if errors and isinstance(errors, list):
            return str(errors[0])
    return fallback
