"""OrgScoped: the mixin every tenant-owned model uses, so its rows are reached through an org."""

from __future__ import annotations

from typing import Any, Self

from flask import abort
from sqlalchemy import ForeignKey, Select, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal.extensions import db

MAX_ID = 2**31 - 1  # integer primary keys


class OrgScoped:
    """A tenant-owned row: carries `org_id` and is only fetched together with its organisation."""

    @declared_attr
    def org_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)

    @classmethod
    def select_for(cls, org: Any) -> Select[tuple[Self]]:
        """A SELECT of this model's rows belonging to `org` (add your own filters to it)."""
        return select(cls).where(cls.org_id == org.id)  # type: ignore[attr-defined]

    @classmethod
    def get_for_org_or_404(cls, org: Any, ident: Any) -> Self:
        """The row with this id in `org`; another organisation's id (or a bad one) is a 404."""
        try:
            key = int(ident)
        except (TypeError, ValueError):
            abort(404)
        if not 0 < key <= MAX_ID:
            abort(404)  # a database integer overflow would otherwise be a 500
        row = db.session.scalar(cls.select_for(org).where(cls.id == key))  # type: ignore[attr-defined]
        if row is None:
            abort(404)
        return row
