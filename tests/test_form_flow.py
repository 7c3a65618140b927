"""The one form idiom (portal.form_flow.handle_form): what it answers, commits and rolls back."""

from __future__ import annotations

from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from portal.accounts.models import User
from portal.extensions import db
from portal.form_flow import first_error, handle_form, to
from portal.refused import Refused


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])
    other = StringField()


def _page(form: NameForm):  # noqa: ANN202
    return lambda status: ("page", status)


def test_a_get_shows_the_page_and_an_invalid_post_calls_nothing(app: Flask) -> None:
    calls: list[str] = []
    with app.test_request_context("/", method="GET"):
        form = NameForm()
        assert handle_form(form, page=_page(form), action=lambda: calls.append("x"),
                           success="content.home") == ("page", 200)  # fmt: skip
    with app.test_request_context("/", method="POST", data={"name": ""}):
        form = NameForm()
        assert handle_form(form, page=_page(form), action=lambda: calls.append("x"),
                           success="content.home") == ("page", 422)  # fmt: skip
    assert calls == []


def test_success_commits_flashes_and_redirects_with_303(app: Flask, create_user) -> None:
    user = create_user(name="Før")
    with app.test_request_context("/", method="POST", data={"name": "Etter"}):
        form = NameForm()

        def rename() -> User:
            user.name = form.name.data
            return user

        response = handle_form(form, page=_page(form), action=rename,
                               success=to("content.home"),
                               flash_message=lambda u: f"Lagret {u.name}")  # fmt: skip
        assert response.status_code == 303
        assert get_flashed_messages() == ["Lagret Etter"]
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Etter"


def test_a_refusal_rolls_back_and_lands_on_the_form(app: Flask, create_user) -> None:
    user = create_user(name="Før")
    db.session.commit()  # a savepoint in the test's transaction: the refusal rolls back to it
    with app.test_request_context("/", method="POST", data={"name": "Etter"}):
        form = NameForm()

        def refuse() -> None:
            user.name = "Halvveis"
            db.session.flush()
            raise Refused("Nei.")

        assert handle_form(form, page=_page(form), action=refuse,
                           success="content.home") == ("page", 422)  # fmt: skip
        assert form.form_errors == ["Nei."]
        assert first_error(form, "x") == "Nei."
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Før"


def test_a_refusal_goes_on_its_fields_or_the_named_field(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"name": "a"}):
        form = NameForm()

        def refuse_fields() -> None:
            raise Refused(errors={"other": "Feil her.", "unknown": "Borte."})

        handle_form(form, page=_page(form), action=refuse_fields, success="content.home")
        assert form.other.errors == ["Feil her."] and form.form_errors == []
    with app.test_request_context("/", method="POST", data={"name": "a"}):
        form = NameForm()

        def refuse() -> None:
            raise Refused("Nei.")

        handle_form(form, page=_page(form), action=refuse, success="content.home",
                    error_field="name")  # fmt: skip
        assert form.name.errors == ["Nei."]
