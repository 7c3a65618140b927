"""Language selection: Norwegian bokmål first, English second."""

from __future__ import annotations

from babel import Locale
from flask import Flask, Response, g, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

SUPPORTED = ("nb", "en")
_ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "nb-no": "nb", "en": "en"}


def normalise(code: str | None) -> str | None:
    if not code:
        return None
    return _ALIASES.get(code.lower()) or _ALIASES.get(code.lower().split("-")[0])


def select_locale() -> str:
    """The session's choice, else the user's saved language, else the browser's, else nb.

    Outside a request (CLI, Celery) it is nb; mails choose their locale with force_locale.
    """
    if not has_request_context():
        return "nb"
    chosen = normalise(session.get("lang"))
    if chosen:
        return chosen
    user = current_user._get_current_object()  # type: ignore[attr-defined]  # one look-up
    if user and user.is_authenticated:
        return member_locale(None, user.locale)
    return locale_from_accept_language(request.headers.get("Accept-Language", ""))


def member_locale(session_lang: str | None, saved: str | None) -> str:
    """A logged-in reader's language: the session's choice, else their saved one, else nb."""
    return normalise(session_lang) or normalise(saved) or "nb"


def locale_from_accept_language(header: str) -> str:
    """The first supported language the browser asks for, else nb."""
    for code, _quality in parse_accept_header(header, LanguageAccept):
        found = normalise(code)
        if found:
            return found
    return "nb"


def page_language() -> str:
    """The language of this request's pages: Babel's choice (get_locale, made once a request
    and kept by Babel), "nb" outside a request. Read straight from where Babel keeps it once
    made: get_locale() costs seven context-local look-ups a call, and a page asks several times."""
    try:
        kept = g._get_current_object().__dict__.get("_flask_babel")  # type: ignore[attr-defined]
    except RuntimeError:  # no app context
        kept = None
    locale = getattr(kept, "babel_locale", None)
    if locale is None:
        locale = get_locale()
    return locale.language if locale else "nb"


def announce_language(response: Response) -> Response:
    """Say which language a page is in, and that it is chosen from Accept-Language: the same
    URL answers in Norwegian or English, so caches and search engines must keep both apart.

    Run by the one response-header pass of portal/security.py, after the security headers."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        # Babel's answer for this request (kept in the request), not a second selection.
        response.headers.setdefault("Content-Language", page_language())
    return response


# Parsed once: Babel parses whatever the selector returns on every request, and a Locale
# passes through as it is.
_PARSED = {code: Locale.parse(code) for code in SUPPORTED}


def _selected_locale() -> Locale:
    code = select_locale()
    return _PARSED.get(code) or Locale.parse(code)


def init_app(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=_selected_locale)
    # Content-Language and Vary: Accept-Language are added by security.init_app's response
    # hook, in the same pass as the security headers (announce_language).
