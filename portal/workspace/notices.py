"""E-mail notices of the workspace (through the outbox): an owner assigned, a reminder due."""

from __future__ import annotations

from flask import current_app

from portal.accounts.models import User
from portal.mail import service as mail
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from portal.workspace.models import Workbook


def workbook_link(org: Organization, workbook: Workbook) -> str:
    # From BASE_URL: mails never depend on a request (they are also sent by beat tasks).
    return f"{current_app.config['BASE_URL'].rstrip('/')}/orgs/{org.slug}/workspace/{workbook.id}/"


def owner_assigned(
    org: Organization, actor: User, owner: User, workbook: Workbook, kind: str, title: str
) -> None:
    """Tell a member they now own a goal, measure, benefit or risk."""
    mail.queue(
        owner.email,
        "workspace_assigned",
        owner.locale or "nb",
        f"workspace-assigned:{org.id}:{kind}:{title}:{owner.id}:{utcnow().isoformat()}",
        org_name=org.name,
        actor=actor.name,
        kind=kind,
        title=title,
        workbook=workbook.title,
        link=workbook_link(org, workbook),
    )


def reminder(
    org: Organization, owner: User, workbook: Workbook, kind: str, title: str, key: str
) -> None:
    """Remind an owner of an overdue measure or an indicator without a measurement."""
    mail.queue(
        owner.email,
        "workspace_reminder",
        owner.locale or "nb",
        f"workspace-reminder:{key}",
        org_name=org.name,
        kind=kind,
        title=title,
        workbook=workbook.title,
        link=workbook_link(org, workbook),
    )
