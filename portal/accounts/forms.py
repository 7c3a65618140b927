"""The account forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from portal.accounts.passwords import MAX_LENGTH
from portal.accounts.service import password_problem

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(value: Any) -> Any:
    """A display name is one line of text: control characters (NUL above all, which the
    database refuses) are dropped before validation, for known and unknown addresses alike."""
    return _CONTROL_CHARS.sub("", value).strip() if isinstance(value, str) else value


def _name_field() -> StringField:
    return StringField(
        _l("Navn"),
        filters=[_one_line],
        validators=[
            InputRequired(_l("Skriv navnet ditt.")),
            Length(max=120, message=_l("Navnet kan ha høyst 120 tegn.")),
        ],
    )


def _new_password(form: FlaskForm, field: PasswordField) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _email_field(label: str | None = None) -> EmailField:
    return EmailField(
        label or _l("E-postadresse"),
        validators=[
            InputRequired(_l("Skriv e-postadressen din.")),
            Length(max=254, message=_l("E-postadressen er for lang.")),
            Email(_l("Dette ser ikke ut som en gyldig e-postadresse.")),
        ],
    )


def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Skriv et passord.")),
            Length(max=MAX_LENGTH, message=_l("Passordet er for langt.")),
        ],
    )


class SignupForm(FlaskForm):
    name = _name_field()
    email = _email_field()
    password = PasswordField(_l("Passord"), validators=[_new_password])
    next = HiddenField()


class LoginForm(FlaskForm):
    email = _email_field()
    password = _password_field(_l("Passord"))
    remember = BooleanField(_l("Husk meg på denne enheten (30 dager)"))
    next = HiddenField()


class EmailOnlyForm(FlaskForm):
    """Request a one-time link, a reset link or a new verification mail."""

    email = _email_field()


class ConfirmForm(FlaskForm):
    """The POST button behind every mailed link (mail scanners only GET)."""


class VerifyForm(FlaskForm):
    """Confirming an address also asks for the password chosen at sign-up, so nobody can get
    an account they did not create verified by its address's owner (pre-registration)."""

    password = PasswordField(_l("Passordet du valgte"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nytt passord"), validators=[_new_password])
    confirm = PasswordField(
        _l("Gjenta nytt passord"),
        validators=[EqualTo("password", _l("Passordene er ikke like."))],
    )


class ChangePasswordForm(FlaskForm):
    current = _password_field(_l("Nåværende passord"))
    password = PasswordField(_l("Nytt passord"), validators=[_new_password])
    confirm = PasswordField(
        _l("Gjenta nytt passord"),
        validators=[EqualTo("password", _l("Passordene er ikke like."))],
    )


class ChangeEmailForm(FlaskForm):
    email = _email_field(_l("Ny e-postadresse"))
    password = _password_field(_l("Passord"))


class ProfileForm(FlaskForm):
    name = _name_field()
    locale = SelectField(
        _l("Språk"), choices=[SelectChoice("nb", "Norsk bokmål"), SelectChoice("en", "English")]
    )


class DeleteAccountForm(FlaskForm):
    password = _password_field(_l("Passord"))
