"""Contact and quote requests: one mail to staff (CONTACT_EMAIL), one receipt to the sender."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from portal.mail import service as mail


@dataclass(frozen=True)
class ContactRequest:
    topic: str
    name: str
    email: str
    organisation: str
    seats: int | None
    message: str
    page: str
    locale: str


def send(enquiry: ContactRequest, staff_address: str) -> None:
    """Queue both mails in the current transaction (the outbox sends them after commit).

    The same enquiry sent twice (a double submit) is one pair of mails: the key is the
    enquiry's content.
    """
    digest = hashlib.sha256(
        "\x1f".join(
            [enquiry.topic, enquiry.email.lower(), enquiry.organisation, enquiry.message]
        ).encode()
    ).hexdigest()[:24]
    context = {"enquiry": enquiry}
    mail.queue(staff_address, "core_contact_request", "nb", f"contact:{digest}:staff", **context)
    mail.queue(
        enquiry.email,
        "core_contact_receipt",
        enquiry.locale,
        f"contact:{digest}:receipt",
        **context,
    )
