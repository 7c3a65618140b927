"""Mail transports chosen by MAIL_URL: an SMTP server or a folder of .eml files."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from config import BASE_DIR
from portal.outbox.service import PermanentError, TransientError


def deliver(message: EmailMessage, mail_url: str) -> None:
    """Send one message through the transport MAIL_URL names.

    Raises TransientError for failures worth retrying (connection, 4xx) and
    PermanentError for those that are not (5xx, a malformed URL).
    """
    parts = urlsplit(mail_url)
    if parts.scheme == "file":
        _write_file(message, _folder(mail_url))
    elif parts.scheme in ("smtp", "smtp+starttls", "smtps"):
        _send_smtp(
            message,
            parts.scheme,
            parts.hostname or "localhost",
            parts.port,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
        )
    else:
        raise PermanentError(f"unsupported MAIL_URL scheme {parts.scheme!r}")


def _folder(mail_url: str) -> Path:
    # file:///abs/path is absolute; file://instance/mail is relative to the project.
    raw = mail_url[len("file://") :]
    path = Path(raw)
    return path if path.is_absolute() else BASE_DIR / path


def _write_file(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("/", "_").replace("@", "_at_")
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(message.as_bytes())
    tmp.replace(folder / f"{name}.eml")


def _send_smtp(
    message: EmailMessage, scheme: str, host: str, port: int | None, username: str, password: str
) -> None:
    smtp_cls = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
    try:
        with smtp_cls(host, port or (465 if scheme == "smtps" else 25), timeout=15) as smtp:
            if scheme == "smtp+starttls":
                smtp.starttls()
            if username:
                smtp.login(username, password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(400 <= code < 500 for code in codes):
            raise TransientError(f"recipients deferred: {exc.recipients}") from exc
        raise PermanentError(f"recipients refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        raise PermanentError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        raise TransientError(f"SMTP server unreachable: {exc}") from exc
