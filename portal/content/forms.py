"""Back-office forms for articles, categories and authors (Flask-WTF, CSRF protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.content.models import ACCESS_CHOICES


class ArticleForm(FlaskForm):
    title = StringField(_l("Tittel"), validators=[DataRequired(_l("Tittel må fylles ut."))])
    # Empty: made from the title when saved (the page's script fills it in as you type).
    slug = StringField(_l("Adresse"), validators=[Optional(), Length(max=120)])
    lede = TextAreaField(_l("Ingress"), validators=[Length(max=1000)])
    # The service checks these (with a Norwegian message), not WTForms.
    category = SelectField(_l("Kategori"), choices=[], validate_choice=False)
    access = SelectField(
        _l("Tilgang"), choices=[SelectChoice(a) for a in ACCESS_CHOICES], validate_choice=False
    )
    author = SelectField(_l("Forfatter"), choices=[], validate_choice=False)
    tags = StringField(_l("Emner (kommaseparert)"))
    related = StringField(_l("Les mer: adresser til andre artikler (kommaseparert)"))
    featured = BooleanField(_l("Utvalgt på forsiden"))
    body = TextAreaField(_l("Tekst (Markdown)"), validators=[Length(max=200_000)])


class ScheduleForm(FlaskForm):
    publish_at = DateTimeLocalField(
        _l("Publiseres (norsk tid)"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Velg dato og klokkeslett."))],
    )


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class CategoryForm(FlaskForm):
    slug = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=80)])
    name = StringField(_l("Navn"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Navn på engelsk"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional(), Length(max=2000)])


class AuthorForm(FlaskForm):
    slug = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=80)])
    name = StringField(_l("Navn"), validators=[DataRequired(), Length(max=120)])
    bio = TextAreaField(_l("Kort om forfatteren"), validators=[Optional(), Length(max=2000)])
    photo_url = StringField(_l("Bilde (adresse)"), validators=[Optional(), Length(max=500)])
