"""The contact and quote request form."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TOPICS = ("subscription", "organisation", "other")


def _clean(value: Any) -> Any:
    """Drop control characters (a NUL the database and mail refuse); keep line breaks."""
    return _CONTROL_CHARS.sub("", value).strip() if isinstance(value, str) else value


def _one_line(value: Any) -> Any:
    return " ".join(_clean(value).split()) if isinstance(value, str) else value


class ContactForm(FlaskForm):
    topic = SelectField(
        _l("Hva gjelder det?"),
        choices=[
            SelectChoice("subscription", _l("Personlig abonnement")),
            SelectChoice("organisation", _l("Avtale for en virksomhet, med faktura")),
            SelectChoice("other", _l("Noe annet")),
        ],
        default="subscription",
    )
    name = StringField(
        _l("Navn"),
        filters=[_one_line],
        validators=[
            InputRequired(_l("Skriv navnet ditt.")),
            Length(max=120, message=_l("Navnet kan ha høyst 120 tegn.")),
        ],
    )
    email = EmailField(
        _l("E-postadresse"),
        filters=[_one_line],
        validators=[
            InputRequired(_l("Skriv e-postadressen din.")),
            Length(max=254, message=_l("E-postadressen er for lang.")),
            Email(_l("Dette ser ikke ut som en gyldig e-postadresse.")),
        ],
    )
    organisation = StringField(
        _l("Virksomhet (valgfritt)"),
        filters=[_one_line],
        validators=[Length(max=200, message=_l("Navnet kan ha høyst 200 tegn."))],
    )
    seats = IntegerField(
        _l("Antall plasser (valgfritt)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("Skriv et antall mellom 1 og 100 000.")),
        ],
    )
    message = TextAreaField(
        _l("Melding"),
        filters=[_clean],
        validators=[
            InputRequired(_l("Skriv hva vi kan hjelpe deg med.")),
            Length(max=5000, message=_l("Meldingen kan ha høyst 5000 tegn.")),
        ],
    )
    next = HiddenField()
