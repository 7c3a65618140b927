"""An export job: one file (a workbook document or organisation data) made in the background."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.mixins import OrgScoped
from portal.timeutil import UTCDateTime, utcnow

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)

WORKBOOK_FORMATS = ("pdf", "docx", "xlsx", "md")
# The organisation data export: a zip of JSON plus the workbook documents.
ORG_DATA = "zip"


class ExportJob(OrgScoped, db.Model):
    __tablename__ = "export_jobs"
    __table_args__ = (
        Index("ix_export_jobs_org_id_workbook_id", "org_id", "workbook_id", "created_at"),
        Index("ix_export_jobs_status_heartbeat_at", "status", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key to the workspace's tables: a job (and its history line) outlives the
    # workbook, and the file says what it was. None for the organisation data export.
    workbook_id: Mapped[int | None] = mapped_column(Integer)
    snapshot_id: Mapped[int | None] = mapped_column(Integer)
    # What the job exports, as the requester saw it (history and the download's file name).
    title: Mapped[str] = mapped_column(String(300), default="")
    format: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(5), default="nb")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    file_size: Mapped[int | None] = mapped_column(Integer)
    # A sentence for the requester, never a traceback.
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Written with every progress step: a running job whose heartbeat is older than the task's
    # time limit has lost its worker and is handed over again (service.resume_stalled).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Set when the beat task has deleted the file.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requested_by: Mapped[User | None] = relationship()

    @property
    def is_org_data(self) -> bool:
        return self.format == ORG_DATA

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.purged_at is not None or (now or utcnow()) >= self.expires_at

    def __repr__(self) -> str:
        return f"<ExportJob {self.id} {self.format} {self.status}>"
