"""The rules for an organisation's slug, Norwegian organisation number and e-mail domains."""

from __future__ import annotations

import re

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
# Slugs that would shadow a page under /orgs/ or read as the site's own.
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "billing", "staff", "new", "static", "login", "logout", "signup",
        "account", "accounts", "orgs", "org", "join", "invitations", "invite", "settings",
        "help", "support", "www", "mail", "veivalg", "healthz", "readyz", "search", "feed",
        "articles", "about", "pricing", "system", "root",
    }
)  # fmt: skip
ORG_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
# Public mailbox providers: a domain anyone can get an address at proves no affiliation.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.no", "live.com",
        "live.no", "msn.com", "yahoo.com", "yahoo.no", "icloud.com", "me.com", "mac.com",
        "online.no", "aol.com", "protonmail.com", "proton.me", "gmx.com", "gmx.net",
        "mail.com", "yandex.com", "zoho.com", "tutanota.com", "frisurf.no", "broadpark.no",
        "getmail.no", "start.no", "c2i.net", "altibox.no", "telia.no", "hotmail.co.uk",
    }
)  # fmt: skip
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def slug_problem(slug: str) -> str | None:
    """Why this slug cannot be used ('format' or 'reserved'), or None."""
    if not SLUG_RE.match(slug) or "--" in slug:
        return "format"
    if slug in RESERVED_SLUGS:
        return "reserved"
    return None


def normalise_org_number(value: str | None) -> str | None:
    """Digits only ('923 609 016' → '923609016'); empty means none."""
    if value is None:
        return None
    digits = re.sub(r"[\s.-]", "", value)
    return digits or None


def is_valid_org_number(number: str) -> bool:
    """Nine digits whose last is the mod-11 check digit (weights 3,2,7,6,5,4,3,2)."""
    if len(number) != 9 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], ORG_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(number[8])


def normalise_domain(value: str) -> str:
    return value.strip().lower().lstrip("@").rstrip(".")


def is_valid_domain(domain: str) -> bool:
    return bool(DOMAIN_RE.match(domain))


def is_free_mail(domain: str) -> bool:
    return domain in FREE_MAIL_DOMAINS


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()
