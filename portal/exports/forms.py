"""Forms of the export pages (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.orgs.mixins import MAX_ID


def format_choices() -> list[tuple[str, str]]:
    return [
        ("pdf", _l("PDF (for styret)")),
        ("docx", _l("Word (til redigering)")),
        ("xlsx", _l("Excel (mål, tiltak, gevinster, risikoer)")),
        ("md", _l("Markdown")),
    ]


def language_choices() -> list[tuple[str, str]]:
    return [("nb", _l("Norsk bokmål")), ("en", _l("Engelsk"))]


def _workbook_id() -> IntegerField:
    return IntegerField(
        _l("Arbeidsbok"),
        validators=[
            InputRequired(_l("Velg en arbeidsbok.")),
            NumberRange(1, MAX_ID, _l("Fant ikke arbeidsboken.")),
        ],
    )


class ExportForm(FlaskForm):
    workbook_id = _workbook_id()
    snapshot_id = IntegerField(
        _l("Versjon (valgfritt)"),
        validators=[Optional(), NumberRange(1, MAX_ID, _l("Fant ikke versjonen."))],
    )
    format = SelectField(
        _l("Format"),
        choices=format_choices,
        validators=[InputRequired(_l("Velg et format."))],
    )
    language = SelectField(_l("Språk"), choices=language_choices, default="nb")


class OrgDataForm(FlaskForm):
    language = SelectField(_l("Språk"), choices=language_choices, default="nb")


class ImportForm(FlaskForm):
    workbook_id = _workbook_id()
    file = FileField(
        _l("Excel-fil (.xlsx) i eksportens oppsett"),
        validators=[FileRequired(_l("Velg en fil."))],
    )


class ConfirmImportForm(FlaskForm):
    """The confirm step carries only the signed token of the preview it confirms."""

    token = HiddenField(
        validators=[
            InputRequired(_l("Forhåndsvisningen mangler. Last opp filen på nytt.")),
            Length(max=1000, message=_l("Forhåndsvisningen mangler. Last opp filen på nytt.")),
        ]
    )
