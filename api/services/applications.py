"""Applications and their status pipeline.

    applied -> screening -> interview -> offer -> hired
    any open stage (applied, screening, interview, offer) -> rejected | withdrawn

The employer who posted the job moves an application along the pipeline and
may reject it; the talent may withdraw it.  Every change is timestamped in
``application_event``; any other transition is refused.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session, col, select

from api.models import Account, Application, ApplicationEvent, Job, Talent
from api.models.enums import ApplicationStatus, JobStatus, Role
from api.services.credit import credit_today
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import enum_value
from api.timeutil import utcnow

__all__ = [
    "ALLOWED_TRANSITIONS",
    "applications_to_job",
    "apply_to_job",
    "may_review_applicants",
    "may_see_application",
    "move_application",
]

S = ApplicationStatus
OPEN_STAGES = (S.APPLIED, S.SCREENING, S.INTERVIEW, S.OFFER)
_NEXT_STAGE = {S.APPLIED: S.SCREENING, S.SCREENING: S.INTERVIEW, S.INTERVIEW: S.OFFER, S.OFFER: S.HIRED}
ALLOWED_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    stage: frozenset({_NEXT_STAGE[stage], S.REJECTED, S.WITHDRAWN}) for stage in OPEN_STAGES
}
# Who may make a move: the talent only withdraws; the employer does the rest.
_TALENT_MOVES = frozenset({S.WITHDRAWN})


def may_review_applicants(viewer: Account, job: Job) -> bool:
    """A job's applications and ranked candidates (``Job.applications``, ``rankCandidates``, ``rankApplicants``,
    the candidates export): for the job's employer and admins."""
    return viewer.role == Role.ADMIN or (viewer.role == Role.EMPLOYER and viewer.enterprise_id == job.employer_id)


def may_see_application(viewer: Account | None, application: Application, job: Job | None) -> bool:
    """One application (``job``: the job it is for): the applicant, the job's employer and admins."""
    if viewer is None:
        return False
    if viewer.talent_id == application.talent_id:
        return True
    return job is not None and may_review_applicants(viewer, job)


def applications_to_job(
    session: Session,
    job_id: int,
    *,
    talent_ids: Collection[int] | None = None,
    statuses: Collection[ApplicationStatus] | None = None,
) -> dict[int, Application]:
    """Talent id -> application to job ``job_id``, of the talents in ``talent_ids`` and in ``statuses`` (all when
    None), in one query."""
    query = select(Application).where(Application.job_id == job_id)
    if talent_ids is not None:
        query = query.where(col(Application.talent_id).in_(list(talent_ids)))
    if statuses is not None:
        query = query.where(col(Application.status).in_([s.value for s in statuses]))
    return {a.talent_id: a for a in session.exec(query)}


def _record(session: Session, application: Application, new: ApplicationStatus, actor: Account) -> None:
    """Log the change of ``application`` to ``new``; a fresh application has no previous status."""
    previous = None if application.id is None else application.status
    session.add(application)
    session.flush()
    session.add(
        ApplicationEvent(
            application_id=application.id, from_status=previous, to_status=new.value, actor_account_id=actor.id
        )
    )
    application.status = new.value
    application.updated_at = utcnow()
    session.flush()


def apply_to_job(session: Session, account: Account, job_id: int) -> Application:
    """The talent ``account`` acts for applies to an open job whose closing day (in Xiamen) has not passed, once."""
    if account.role != Role.TALENT or account.talent_id is None:
        raise ServiceError("only talent accounts with a profile apply to jobs", code=ErrorCode.FORBIDDEN)
    # Locked for share: an application is stored while the job is open, or refused once closing has committed.
    job = session.get(Job, job_id, with_for_update={"read": True}, populate_existing=True)
    if job is None:
        raise ServiceError("job not found", field="jobId", code=ErrorCode.NOT_FOUND)
    if job.status != JobStatus.OPEN:
        raise ServiceError("the job is closed", field="jobId", code=ErrorCode.INVALID_TRANSITION)
    if job.closes_on is not None and job.closes_on < credit_today():
        raise ServiceError(
            f"the job stopped taking applications on {job.closes_on.isoformat()}",
            field="jobId",
            code=ErrorCode.INVALID_TRANSITION,
        )
    existing = session.exec(
        select(Application.id).where(Application.talent_id == account.talent_id, Application.job_id == job_id)
    ).first()
    if existing is not None:
        raise ServiceError("you have already applied to this job", field="jobId", code=ErrorCode.DUPLICATE)
    application = Application(talent_id=account.talent_id, job_id=job_id, status=S.APPLIED.value)
    _record(session, application, S.APPLIED, account)
    return application


def move_application(session: Session, account: Account, application_id: int, status: str) -> Application:
    """Move an application to ``status`` if the pipeline and the actor's role allow it."""
    target = S(enum_value(status, S, "status"))
    application = session.get(Application, application_id, with_for_update=True)
    if application is None:
        raise ServiceError("application not found", field="id", code=ErrorCode.NOT_FOUND)
    job = session.get(Job, application.job_id)
    talent = session.get(Talent, application.talent_id)
    assert job is not None and talent is not None
    is_employer = account.role == Role.EMPLOYER and account.enterprise_id == job.employer_id
    is_talent = account.role == Role.TALENT and account.talent_id == talent.id
    if not (is_employer or is_talent or account.role == Role.ADMIN):
        raise ServiceError(
            "only the job's employer or the applicant may move this application", field="id", code=ErrorCode.FORBIDDEN
        )
    if is_talent and target not in _TALENT_MOVES:
        raise ServiceError("a talent may only withdraw an application", field="status", code=ErrorCode.FORBIDDEN)
    if is_employer and target == S.WITHDRAWN:
        raise ServiceError("only the applicant may withdraw an application", field="status", code=ErrorCode.FORBIDDEN)
    current = S(application.status)
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise ServiceError(
            f"an application cannot move from {current.value} to {target.value}",
            field="status",
            code=ErrorCode.INVALID_TRANSITION,
        )
    _record(session, application, target, account)
    return application
