"""Billing forms: choosing a plan, seats, and staff's complimentary grants."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CheckoutForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired()])


class OrgCheckoutForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired()])
    seats = IntegerField(
        _l("Antall plasser"),
        validators=[
            DataRequired(_l("Oppgi antall plasser.")),
            NumberRange(min=1, max=10000, message=_l("Antall plasser må være mellom 1 og 10 000.")),
        ],
    )


class SeatsForm(FlaskForm):
    seats = IntegerField(
        _l("Antall plasser"),
        validators=[
            DataRequired(_l("Oppgi antall plasser.")),
            NumberRange(min=1, max=10000, message=_l("Antall plasser må være mellom 1 og 10 000.")),
        ],
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class GrantForm(FlaskForm):
    reason = StringField(
        _l("Begrunnelse"),
        validators=[DataRequired(_l("Oppgi en begrunnelse.")), Length(max=300)],
    )
    ends_on = DateField(_l("Sluttdato (tom: til den trekkes tilbake)"), validators=[Optional()])
