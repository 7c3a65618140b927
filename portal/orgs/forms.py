"""Forms of the organisation pages (Flask-WTF, CSRF-protected, labels in bokmål)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional


def _email(label: str) -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired(_l("Fyll inn en e-postadresse.")),
            Length(max=254, message=_l("E-postadressen er for lang.")),
            Email(_l("Dette ser ikke ut som en gyldig e-postadresse.")),
        ],
    )


def _name() -> StringField:
    return StringField(
        _l("Navn på organisasjonen"),
        validators=[
            InputRequired(_l("Organisasjonen må ha et navn.")),
            Length(max=200, message=_l("Navnet kan ha høyst 200 tegn.")),
        ],
    )


def _org_number() -> StringField:
    return StringField(
        _l("Organisasjonsnummer (valgfritt)"),
        validators=[Optional(), Length(max=20, message=_l("For langt organisasjonsnummer."))],
    )


ROLE_CHOICES = [
    SelectChoice("member", _l("Medlem")),
    SelectChoice("editor", _l("Redaktør")),
    SelectChoice("admin", _l("Administrator")),
    SelectChoice("owner", _l("Eier")),
]


class CreateOrgForm(FlaskForm):
    name = _name()
    slug = StringField(
        _l("Adressenavn"),
        validators=[
            InputRequired(_l("Velg et adressenavn.")),
            Length(max=60, message=_l("Adressenavnet kan ha høyst 60 tegn.")),
        ],
    )
    billing_email = _email(_l("E-post for faktura"))
    org_number = _org_number()


class SettingsForm(FlaskForm):
    name = _name()
    billing_email = _email(_l("E-post for faktura"))
    org_number = _org_number()


class InviteForm(FlaskForm):
    email = _email(_l("E-postadresse"))
    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES[:3], default="member")


class RoleForm(FlaskForm):
    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES)


class DomainForm(FlaskForm):
    domain = StringField(
        _l("Domene"),
        validators=[
            InputRequired(_l("Skriv et domene.")),
            Length(max=253, message=_l("Domenet er for langt.")),
        ],
    )


class DeleteOrgForm(FlaskForm):
    confirm_name = StringField(
        _l("Skriv organisasjonens navn for å bekrefte"),
        validators=[InputRequired(_l("Skriv organisasjonens navn."))],
    )


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class SeatLimitForm(FlaskForm):
    seats = IntegerField(
        _l("Antall plasser"),
        validators=[
            InputRequired(_l("Skriv et antall.")),
            NumberRange(min=1, max=100_000, message=_l("Mellom 1 og 100 000.")),
        ],
    )
