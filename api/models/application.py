"""Applications of talents to jobs, and every status change they went through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import ApplicationStatus, check_in
from api.timeutil import utcnow

__all__ = ["Application", "ApplicationEvent"]


class Application(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("talent_id", "job_id", name="uq_application_talent_job"),
        CheckConstraint(check_in("status", ApplicationStatus), name="ck_application_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    talent_id: int = Field(foreign_key="talent.id", index=True, ondelete="RESTRICT")
    job_id: int = Field(foreign_key="job.id", index=True, ondelete="RESTRICT")
    status: str = Field(default=ApplicationStatus.APPLIED.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ApplicationEvent(SQLModel, table=True):
    """One status change; the first event of an application has no ``from_status``."""

    __tablename__ = "application_event"
    __table_args__ = (CheckConstraint(check_in("to_status", ApplicationStatus), name="ck_application_event_to"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True, ondelete="CASCADE")
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor_account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utcnow)
