"""Jobs posted by employers, with their skill and language requirements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import DegreeLevel, IndustryChain, JobStatus, LanguageLevelName, check_in
from api.timeutil import utcnow

__all__ = ["Job", "JobLanguage", "JobSkill"]


class Job(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(check_in("status", JobStatus), name="ck_job_status"),
        CheckConstraint(f"min_degree IS NULL OR {check_in('min_degree', DegreeLevel)}", name="ck_job_min_degree"),
        CheckConstraint(
            f"industry_chain IS NULL OR {check_in('industry_chain', IndustryChain)}", name="ck_job_industry_chain"
        ),
        CheckConstraint("headcount >= 1", name="ck_job_headcount"),
        CheckConstraint("min_years_experience >= 0", name="ck_job_min_years"),
        CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max", name="ck_job_salary_range"
        ),
        CheckConstraint("closes_on IS NULL OR closes_on >= posted_on", name="ck_job_dates"),
    )

    id: int | None = Field(default=None, primary_key=True)
    employer_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=10_000)
    min_degree: str | None = Field(default=None, max_length=16)
    fields_of_study: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hard_requirements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    min_years_experience: int = 0
    salary_min: int | None = None
    salary_max: int | None = None
    headcount: int = 1
    city: str | None = Field(default=None, max_length=100)
    district: str | None = Field(default=None, max_length=40)
    industry_chain: str | None = Field(default=None, max_length=40)
    status: str = Field(default=JobStatus.OPEN.value, max_length=16, index=True)
    posted_on: date
    closes_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class JobSkill(SQLModel, table=True):
    __tablename__ = "job_skill"
    __table_args__ = (
        UniqueConstraint("job_id", "name", name="uq_job_skill"),
        CheckConstraint("kind IN ('required', 'preferred')", name="ck_job_skill_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    position: int = 0


class JobLanguage(SQLModel, table=True):
    __tablename__ = "job_language"
    __table_args__ = (
        UniqueConstraint("job_id", "language", name="uq_job_language"),
        CheckConstraint(check_in("level", LanguageLevelName), name="ck_job_language_level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    level: str = Field(max_length=16)
    position: int = 0
