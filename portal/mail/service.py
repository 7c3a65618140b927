"""Queue e-mails through the outbox, composed from Jinja templates in the recipient's language."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import css_inline
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.mail.transport import deliver
from portal.outbox import service as outbox

HANDLER = "portal.mail.service:send_queued"


def queue(to: str, template: str, locale: str, key: str, **context: Any) -> None:
    """Compose the mail now (in the recipient's locale) and record it in the outbox.

    The key makes the mail idempotent: queueing the same key twice sends one mail.
    The mail leaves only if the current transaction commits.
    """
    subject, text, html = compose(template, locale, **context)
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].rstrip(">") or "veivalg.local"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    outbox.add(
        HANDLER,
        {
            "to": to,
            "subject": subject,
            "text": text,
            "html": html,
            "message_id": f"<{digest}@{domain}>",
            "locale": locale,
            "template": template,
        },
        key=f"mail:{key}",
    )


def compose(template: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """Render subject, plain text and HTML of mail/<template> in the given locale.

    The .txt template sets `subject` and `reason` (why the person gets the mail); both parts
    end with that reason, and the HTML part comes from the one branded layout with its CSS
    inlined, since many mail clients drop <style> blocks.
    """
    context.setdefault("base_url", current_app.config["BASE_URL"].rstrip("/"))
    with force_locale(locale):
        env = current_app.jinja_env
        text_template = env.get_template(f"mail/{template}.txt")
        module = text_template.make_module({**_globals(), **context})
        # One line: a line break from a user-given value (an organisation's name) would make
        # the Subject header unbuildable, and the mail would never leave.
        subject = " ".join(str(getattr(module, "subject", "")).split())
        reason = str(getattr(module, "reason", ""))
        text = str(module).strip() + "\n" + _text_footer(reason, context["base_url"])
        html = render_template(f"mail/{template}.html", subject=subject, reason=reason, **context)
    return subject, text, css_inline.inline(html, load_remote_stylesheets=False)


def _text_footer(reason: str, base_url: str) -> str:
    # "-- " is the signature separator mail clients recognise and fold away.
    lines = ["", "-- ", "Veivalg – " + _("Kunnskap om strategi og digitalisering")]
    if reason:
        lines.append(reason)
    lines.append(base_url + "/")
    return "\n".join(lines) + "\n"


def _globals() -> dict[str, Any]:
    # make_module bypasses Flask's context processors; give the templates the same globals.
    ctx: dict[str, Any] = {}
    current_app.update_template_context(ctx)
    return ctx


def build_message(payload: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = payload.get("message_id") or make_msgid()
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    # After set_content, which clears Content-* headers.
    message["Content-Language"] = payload.get("locale", "nb")
    return message


@outbox.outside_database
def send_queued(payload: dict[str, Any]) -> None:
    """Outbox handler: send one composed mail through MAIL_URL's transport."""
    deliver(build_message(payload), current_app.config["MAIL_URL"])
