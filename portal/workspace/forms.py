"""Forms of the workspace pages (Flask-WTF, CSRF-protected, labels in bokmål)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import NumberInput

from portal.workspace.inputs import (
    DATE_FORMATS,
    CleanText,
    CleanTextArea,
    DecimalText,
    not_negative,
    parse_milestones,
)

MAX_PROSE = 100_000  # characters of Markdown in one section
MAX_TEXT = 5_000


def _title(label: Any = None, required: Any = None) -> CleanText:
    return CleanText(
        label or _l("Tittel"),
        validators=[
            InputRequired(required or _l("Fyll inn en tittel.")),
            Length(max=300, message=_l("Høyst 300 tegn.")),
        ],
    )


def _text(label: Any) -> CleanTextArea:
    return CleanTextArea(label, validators=[Length(max=MAX_TEXT, message=_l("Høyst 5000 tegn."))])


def _scale(label: Any, required: bool = False) -> IntegerField:
    message = _l("Velg en verdi fra 1 til 5.")
    first = InputRequired(message) if required else Optional()
    return IntegerField(
        label,
        validators=[first, NumberRange(min=1, max=5, message=message)],
        widget=NumberInput(min=1, max=5),
    )


def _date(label: Any) -> DateField:
    return DateField(label, validators=[Optional()], format=list(DATE_FORMATS))


def _year(label: Any) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(min=1900, max=2200, message=_l("Skriv et årstall, for eksempel 2027.")),
        ],
        widget=NumberInput(min=1900, max=2200),
    )


def _owner() -> SelectField:
    return SelectField(_l("Ansvarlig"), coerce=int, default=0, validate_choice=True)


class PeriodMixin:
    def validate_period_to(self, field: Any) -> None:
        start = self.period_from.data  # type: ignore[attr-defined]
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("Perioden kan ikke slutte før den begynner."))


class NewWorkbookForm(PeriodMixin, FlaskForm):
    template_id = SelectField(_l("Mal"), coerce=int)
    title = _title()
    period_from = _year(_l("Planperiode fra år"))
    period_to = _year(_l("Planperiode til år"))


class WorkbookSettingsForm(PeriodMixin, FlaskForm):
    title = _title()
    period_from = _year(_l("Planperiode fra år"))
    period_to = _year(_l("Planperiode til år"))
    version = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField(_l("Ny status"))


class SectionForm(FlaskForm):
    prose = TextAreaField(
        _l("Tekst"),
        validators=[
            Length(
                max=MAX_PROSE,
                message=_l("Teksten er for lang: høyst %(n)s tegn i én del.", n="100 000"),
            )
        ],
    )
    version = HiddenField()


class ItemForm(FlaskForm):
    box = SelectField(_l("Felt"), validate_choice=False)  # the service checks the box
    title = _title()
    text = _text(_l("Utdyping"))
    influence = _scale(_l("Påvirkning (1–5)"))
    interest = _scale(_l("Interesse (1–5)"))


class GoalForm(FlaskForm):
    title = _title()
    description = _text(_l("Beskrivelse"))
    business_goal = _text(_l("Virksomhetsmålet det støtter"))
    indicator_unit = CleanText(
        _l("Indikator (enhet)"), validators=[Length(max=60, message=_l("Høyst 60 tegn."))]
    )
    baseline = DecimalText(_l("Utgangsverdi"))
    target = DecimalText(_l("Målverdi"))
    target_date = _date(_l("Måldato"))
    owner_id = _owner()


class MeasurementForm(FlaskForm):
    measured_on = DateField(
        _l("Dato"),
        validators=[InputRequired(_l("Fyll inn datoen for målingen."))],
        format=list(DATE_FORMATS),
    )
    value = DecimalText(_l("Verdi"), validators=[InputRequired(_l("Fyll inn et tall."))])
    note = CleanText(_l("Merknad"), validators=[Length(max=500, message=_l("Høyst 500 tegn."))])


class MeasureForm(FlaskForm):
    title = _title()
    description = _text(_l("Beskrivelse"))
    goal_ids = SelectMultipleField(_l("Bidrar til målene"), coerce=int)
    owner_id = _owner()
    priority = SelectField(_l("Prioritet"), coerce=int, default=2)
    effect = _scale(_l("Effekt (1–5)"))
    effort = _scale(_l("Innsats (1–5)"))
    investment_nok = DecimalText(_l("Investering (kr)"), validators=[not_negative])
    operating_nok = DecimalText(_l("Årlig drift (kr)"), validators=[not_negative])
    start_date = _date(_l("Start"))
    end_date = _date(_l("Slutt"))
    status = SelectField(_l("Status"), default="planned")
    milestones = TextAreaField(
        _l("Milepæler (én per linje: dato og tittel)"),
        validators=[Length(max=MAX_TEXT, message=_l("Høyst 5000 tegn."))],
    )

    def validate_end_date(self, field: Any) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("Slutten kan ikke være før starten."))

    def validate_milestones(self, field: Any) -> None:
        try:
            field.parsed = parse_milestones(field.data or "")
        except ValueError as exc:
            raise ValidationError(
                _l("Linje %(n)s: begynn med en dato, for eksempel 01.03.2027.", n=exc.args[0])
            ) from exc


class BenefitForm(FlaskForm):
    description = CleanTextArea(
        _l("Gevinst"),
        validators=[
            InputRequired(_l("Beskriv gevinsten.")),
            Length(max=MAX_TEXT, message=_l("Høyst 5000 tegn.")),
        ],
    )
    kind = SelectField(_l("Type"))
    priced = BooleanField(_l("Prissatt"))
    amount_nok = DecimalText(_l("Beløp per år (kr)"), validators=[not_negative])
    owner_id = _owner()
    measure_ids = SelectMultipleField(_l("Tiltak som gir gevinsten"), coerce=int)
    goal_id = SelectField(_l("Indikator (mål)"), coerce=int, default=0)

    def validate_amount_nok(self, field: Any) -> None:
        if self.priced.data and field.data is None:
            raise ValidationError(_l("En prissatt gevinst trenger et beløp."))


class RiskForm(FlaskForm):
    description = CleanTextArea(
        _l("Risiko"),
        validators=[
            InputRequired(_l("Beskriv risikoen.")),
            Length(max=MAX_TEXT, message=_l("Høyst 5000 tegn.")),
        ],
    )
    probability = _scale(_l("Sannsynlighet (1–5)"), required=True)
    consequence = _scale(_l("Konsekvens (1–5)"), required=True)
    mitigation = _text(_l("Tiltak for å redusere risikoen"))
    owner_id = _owner()


class CommentForm(FlaskForm):
    body = CleanTextArea(
        _l("Kommentar"),
        validators=[
            InputRequired(_l("Skriv en kommentar.")),
            Length(max=MAX_TEXT, message=_l("Høyst 5000 tegn.")),
        ],
    )
    target = HiddenField()  # "" for the section, "goal:12" for an item


class AdoptForm(FlaskForm):
    name = CleanText(
        _l("Navn på versjonen"),
        validators=[
            InputRequired(_l("Gi versjonen et navn.")),
            Length(max=200, message=_l("Høyst 200 tegn.")),
        ],
    )
