"""Words for content codes (status, access level, audit action) and localised category names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.content.models import Article, Category, ContentAudit
from portal.extensions import db
from portal.timeutil import local_time, utcnow

STATUS_LABELS = {
    "draft": _l("Utkast"),
    "scheduled": _l("Planlagt"),
    "published": _l("Publisert"),
}
ACCESS_LABELS = {
    "public": _l("Åpen for alle"),
    "members": _l("For medlemmer"),
    "paid": _l("For abonnenter"),
}
AUDIT_ACTIONS = {
    "create": _l("opprettet artikkelen"),
    "save": _l("lagret artikkelen"),
    "publish": _l("publiserte artikkelen"),
    "publish_due": _l("publiserte artikkelen til planlagt tid"),
    "schedule": _l("planla publisering"),
    "unpublish": _l("avpubliserte artikkelen"),
    "restore": _l("gjenopprettet en tidligere versjon"),
    "category": _l("lagret en kategori"),
    "author": _l("lagret en forfatter"),
}


def effective_status(article: Article, now: datetime | None = None) -> str:
    """The status a person should read: a scheduled article whose time has come is published
    (readers already see it, even before content.publish_due has run)."""
    due = article.published_at is not None and article.published_at <= (now or utcnow())
    if article.status == "scheduled" and due:
        return "published"
    return article.status


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def access_label(access: str) -> str:
    return str(ACCESS_LABELS.get(access, access))


def category_name(category: Category) -> str:
    """The category's name in the reader's language (English falls back to Norwegian)."""
    locale = get_locale()
    if locale is not None and locale.language == "en" and category.name_en:
        return category.name_en
    return category.name


@dataclass(frozen=True)
class AuditLine:
    """One content audit entry as a person reads it."""

    created_at: datetime
    actor: str
    what: str
    article_id: int | None
    article_title: str
    detail: str


def _detail(entry: ContentAudit) -> str:
    if entry.action == "schedule":
        try:
            return _("til %(when)s", when=local_time(datetime.fromisoformat(entry.detail)))
        except ValueError:
            return entry.detail
    if entry.action == "restore" and entry.detail.startswith("revision "):
        return _("versjon %(id)s", id=entry.detail.removeprefix("revision "))
    return entry.detail


def audit_lines(entries: Sequence[ContentAudit]) -> list[AuditLine]:
    """Name the actors and articles (a query each) and say in words what each entry did."""
    actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
    article_ids = {e.article_id for e in entries if e.article_id is not None}
    names: dict[int, str] = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all()
    )
    titles: dict[int, str] = dict(
        db.session.execute(
            select(Article.id, Article.title).where(Article.id.in_(article_ids))
        ).all()
    )
    return [
        AuditLine(
            created_at=e.created_at,
            actor=names.get(e.actor_id, "") if e.actor_id else _("Veivalg (automatisk)"),
            what=str(AUDIT_ACTIONS.get(e.action, e.action)),
            article_id=e.article_id,
            article_title=titles.get(e.article_id, "") if e.article_id else "",
            detail=_detail(e),
        )
        for e in entries
    ]
