"""Jobs: posting, changing and closing, by the employer's own accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, delete

from api.models import Account, Job, JobLanguage, JobSkill
from api.models.enums import DegreeLevel, IndustryChain, JobStatus, Role
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import (
    LanguageData,
    clean_languages,
    clean_list,
    enum_value,
    optional_text,
    required_text,
)
from api.timeutil import utcnow
from matching.profiles import HARD_REQUIREMENTS

__all__ = ["JobData", "close_job", "post_job", "taking_applications", "update_job"]

MAX_DESCRIPTION = 10_000


@dataclass(slots=True)
class JobData:
    """Job fields; on update, ``None`` leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    required_skills: list[str] | None = None
    preferred_skills: list[str] | None = None
    hard_requirements: list[str] | None = None
    min_degree: str | None = None
    fields_of_study: list[str] | None = None
    languages: list[LanguageData] | None = None
    min_years_experience: int | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    headcount: int | None = None
    city: str | None = None
    district: str | None = None
    industry_chain: str | None = None
    closes_on: date | None = None


def taking_applications(on: date) -> ColumnElement[bool]:
    """SQL condition on :class:`Job`: open, and its closing day not before ``on``.

    ``closes_on`` is a calendar day in Xiamen (the platform's city, China Standard Time like every Chinese
    city) and inclusive: a job closing today takes applications until midnight in Xiamen.  Checked when
    asked, never cached, so a deadline passes without any write.
    """
    return (col(Job.status) == JobStatus.OPEN.value) & (col(Job.closes_on).is_(None) | (col(Job.closes_on) >= on))


def _own_job(session: Session, account: Account, job_id: int) -> Job:
    # Locked for update before it is read: a change waits for applications in progress (they hold the job for
    # share) and sees the job as they left it, so a close is stamped after every application it let through.
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None:
        raise ServiceError("job not found", field="id", code=ErrorCode.NOT_FOUND)
    if account.role != Role.ADMIN and not (account.role == Role.EMPLOYER and account.enterprise_id == job.employer_id):
        raise ServiceError("only the employer's own accounts may change this job", field="id", code=ErrorCode.FORBIDDEN)
    return job


def _apply(session: Session, job: Job, data: JobData) -> None:
    if data.title is not None:
        job.title = required_text(data.title, "title", max_length=200)
    if data.description is not None:
        job.description = optional_text(data.description, "description", max_length=MAX_DESCRIPTION) or ""
    if data.hard_requirements is not None:
        hard = clean_list(data.hard_requirements, "hardRequirements", max_items=6, max_length=40)
        unknown = [h for h in hard if h not in HARD_REQUIREMENTS]
        if unknown:
            raise ServiceError(
                f"hardRequirements may name only {', '.join(sorted(HARD_REQUIREMENTS))}", field="hardRequirements"
            )
        job.hard_requirements = hard
    if data.min_degree is not None:
        job.min_degree = enum_value(data.min_degree, DegreeLevel, "minDegree")
    if data.fields_of_study is not None:
        job.fields_of_study = clean_list(data.fields_of_study, "fieldsOfStudy", max_items=20, max_length=200)
    if data.min_years_experience is not None:
        if not 0 <= data.min_years_experience <= 50:
            raise ServiceError("minYearsExperience must be between 0 and 50", field="minYearsExperience")
        job.min_years_experience = data.min_years_experience
    for name, field in (("salary_min", "salaryMin"), ("salary_max", "salaryMax")):
        value = getattr(data, name)
        if value is not None:
            if not 0 <= value <= 10_000_000:
                raise ServiceError(f"{field} must be between 0 and 10000000 yuan", field=field)
            setattr(job, name, value)
    if job.salary_min is not None and job.salary_max is not None and job.salary_min > job.salary_max:
        raise ServiceError("salaryMin must not exceed salaryMax", field="salaryMin")
    if data.headcount is not None:
        if not 1 <= data.headcount <= 10_000:
            raise ServiceError("headcount must be between 1 and 10000", field="headcount")
        job.headcount = data.headcount
    if data.city is not None:
        job.city = optional_text(data.city, "city", max_length=100)
    if data.district is not None:
        job.district = optional_text(data.district, "district", max_length=40)
    if data.industry_chain is not None:
        job.industry_chain = enum_value(data.industry_chain, IndustryChain, "industryChain")
    if data.closes_on is not None:
        if data.closes_on < job.posted_on:
            raise ServiceError("closesOn must not be before the posting date", field="closesOn")
        job.closes_on = data.closes_on
    job.updated_at = utcnow()
    session.add(job)
    session.flush()
    assert job.id is not None
    _replace_children(session, job.id, data)


def _replace_children(session: Session, job_id: int, data: JobData) -> None:
    for kind, values, field in (
        ("required", data.required_skills, "requiredSkills"),
        ("preferred", data.preferred_skills, "preferredSkills"),
    ):
        if values is None:
            continue
        skills = clean_list(values, field, max_items=50, max_length=100)
        session.exec(delete(JobSkill).where(col(JobSkill.job_id) == job_id, col(JobSkill.kind) == kind))
        session.flush()
        session.add_all(JobSkill(job_id=job_id, name=s, kind=kind, position=i) for i, s in enumerate(skills))
    if data.languages is not None:
        languages = clean_languages(data.languages)
        session.exec(delete(JobLanguage).where(col(JobLanguage.job_id) == job_id))
        session.add_all(
            JobLanguage(job_id=job_id, language=code, level=level, position=i)
            for i, (code, level) in enumerate(languages.items())
        )
    session.flush()


def post_job(session: Session, account: Account, data: JobData) -> Job:
    """A new open job for the employer ``account`` acts for."""
    if account.role != Role.EMPLOYER or account.enterprise_id is None:
        raise ServiceError("only employer accounts linked to an enterprise post jobs", code=ErrorCode.FORBIDDEN)
    if data.title is None:
        raise ServiceError("title must not be empty", field="title")
    job = Job(employer_id=account.enterprise_id, title="", posted_on=utcnow().date(), status=JobStatus.OPEN.value)
    _apply(session, job, data)
    return job


def update_job(session: Session, account: Account, job_id: int, data: JobData) -> Job:
    job = _own_job(session, account, job_id)
    _apply(session, job, data)
    return job


def close_job(session: Session, account: Account, job_id: int) -> Job:
    job = _own_job(session, account, job_id)
    if job.status == JobStatus.CLOSED:
        raise ServiceError("the job is already closed", field="id", code=ErrorCode.INVALID_TRANSITION)
    job.status = JobStatus.CLOSED.value
    job.updated_at = utcnow()
    session.add(job)
    session.flush()
    return job
