"""Categories, authors, tags, articles, their revisions, related links and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, query_expression, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

ACCESS_CHOICES = ("public", "members", "paid")
STATUS_CHOICES = ("draft", "scheduled", "published")

article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Shown in the English UI; empty falls back to the Norwegian name.
    name_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Author(db.Model):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text, default="")
    photo_url: Mapped[str | None] = mapped_column(String(500))


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class Article(db.Model):
    """An article. The rendered teaser and full HTML are stored at save time, separately,
    and the full body columns are deferred so a non-entitled page never loads them."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status_published_at", "status", "published_at"),
        # "Les mer": the newest published articles of a category, one index range read.
        Index(
            "ix_articles_published_category",
            "category_id",
            "published_at",
            postgresql_where=text("status = 'published'"),
            sqlite_where=text("status = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    lede: Mapped[str] = mapped_column(Text, default="")
    access: Mapped[str] = mapped_column(String(10), default="public")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("authors.id", ondelete="SET NULL"), index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reading_minutes: Mapped[int] = mapped_column(Integer, default=1)
    # Public part, safe for anyone: rendered HTML, plain text (search), its headings.
    teaser_html: Mapped[str] = mapped_column(Text, default="")
    teaser_text: Mapped[str] = mapped_column(Text, default="")
    teaser_toc: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Everything: only loaded for entitled readers and staff.
    body_md: Mapped[str] = deferred(mapped_column(Text, default=""), group="body")
    body_html: Mapped[str] = deferred(mapped_column(Text, default=""), group="body")
    body_text: Mapped[str] = deferred(mapped_column(Text, default=""), group="body")
    body_toc: Mapped[list[Any]] = deferred(mapped_column(JSON, default=list), group="body")

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    author: Mapped[Author | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)
    # When the newest revision was written, loaded with the article where a page needs it
    # (content.service.get_published); None when not loaded or never revised.
    last_revised_at: Mapped[datetime | None] = query_expression()


class ArticleLink(db.Model):
    """A "les mer" link chosen by the editor."""

    __tablename__ = "article_links"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class ArticleRevision(db.Model):
    """The state of an article before a save."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    lede: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    # Address, category, access, author, tags, featured, related (editorial.metadata_of);
    # empty for revisions made before it was kept.
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ContentAudit(db.Model):
    """Who did what to which piece of content, and when."""

    __tablename__ = "content_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
