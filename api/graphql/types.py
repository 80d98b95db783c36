"""GraphQL object types.  Each wraps a database row kept in ``strawberry.Private``
and exposes only the fields written here, converted explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from sqlalchemy import func
from sqlmodel import col, select

from api.graphql.context import Info
from api.graphql.dataloaders import resolved
from api.graphql.errors import forbidden, unauthenticated
from api.graphql.ids import encode_global_id
from api.graphql.pagination import Connection, connection_from_slice, page_request
from api.graphql.permissions import (
    can_see_application,
    contact_visibility,
)
from api.models import Account as AccountRow
from api.models import Application as ApplicationRow
from api.models import ApplicationEvent as ApplicationEventRow
from api.models import Enterprise as EnterpriseRow
from api.models import Job as JobRow
from api.models import JobLanguage as JobLanguageRow
from api.models import Talent as TalentRow
from api.models import TalentEducation as TalentEducationRow
from api.models import TalentLanguage as TalentLanguageRow
from api.models import enums
from api.services import applications, talents
from matching.score import ComponentScore, MatchResult
from matching.score import SkillMatch as SkillMatchResult

if TYPE_CHECKING:
    from api.graphql.credit import CreditRecord, EnterpriseCredit, PersonalCredit

T = TypeVar("T")

IndustryChain = strawberry.enum(enums.IndustryChain, description="Xiamen's 4+4+6 modern industry system.")
Degree = strawberry.enum(enums.DegreeLevel, name="Degree", description="Academic degree, lowest first.")
LanguageLevel = strawberry.enum(enums.LanguageLevelName, name="LanguageLevel", description="Command of a language.")
JobStatus = strawberry.enum(enums.JobStatus, description="Whether a job takes applications.")
ApplicationStatus = strawberry.enum(
    enums.ApplicationStatus,
    description="applied -> screening -> interview -> offer -> hired; rejected or withdrawn from any open stage.",
)
Role = strawberry.enum(enums.Role, description="What an account may do.")


@strawberry.enum(description="Requirements a job can make hard (a filter) instead of soft (a score).")
class HardRequirement(enums.StrEnum):
    REQUIRED_SKILLS = "required_skills"
    DEGREE = "degree"
    FIELD_OF_STUDY = "field_of_study"
    LANGUAGES = "languages"
    EXPERIENCE = "experience"
    LOCATION = "location"


@strawberry.interface(description="An object with an opaque global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="A language and a level.")
class LanguageSkill:
    language: str = strawberry.field(description="ISO 639-1 code, e.g. en, zh, fr.")
    level: LanguageLevel

    @classmethod
    def from_rows(cls, rows: Sequence[TalentLanguageRow | JobLanguageRow]) -> list[LanguageSkill]:
        return [cls(language=row.language, level=enums.LanguageLevelName(row.level)) for row in rows]


@strawberry.type(description="A degree earned by a talent.")
class Education:
    degree: Degree
    institution: str
    country: str | None = strawberry.field(description="ISO 3166 two-letter code.")
    field_of_study: str | None
    year: int | None

    @classmethod
    def from_rows(cls, rows: Sequence[TalentEducationRow]) -> list[Education]:
        return [
            cls(
                degree=enums.DegreeLevel(row.degree),
                institution=row.institution,
                country=row.country,
                field_of_study=row.field_of_study,
                year=row.year,
            )
            for row in rows
        ]


def _existing(value: T | None) -> T:
    """A loader's answer for a row a foreign key points at, which therefore exists."""
    assert value is not None
    return value


@strawberry.type(description="An enterprise: employer, headhunter firm or institution.")
class Enterprise(Node):
    row: strawberry.Private[EnterpriseRow]
    legal_name: str = strawberry.field(description="Registered legal name.")
    uscc: str = strawberry.field(description="Unified social credit code (统一社会信用代码), 18 characters.")
    industry_chain: IndustryChain
    district: str | None = strawberry.field(description="District of Xiamen, e.g. 湖里区.")
    park: str | None = strawberry.field(
        description="Industrial park, e.g. 火炬高新区 (Torch Hi-tech Zone); some loans are park-only."
    )
    founded_on: date | None = strawberry.field(
        description="Founding date on the business licence (成立日期); start-up loans lend to young enterprises only."
    )

    @classmethod
    def from_model(cls, row: EnterpriseRow) -> Enterprise:
        assert row.id is not None
        return cls(
            id=strawberry.ID(encode_global_id("Enterprise", row.id)),
            row=row,
            legal_name=row.legal_name,
            uscc=row.uscc,
            industry_chain=enums.IndustryChain(row.industry_chain),
            district=row.district,
            park=row.park,
            founded_on=row.founded_on,
        )

    @strawberry.field(description="Other names: short names, English names, former names.")
    def aliases(self, info: Info) -> list[str]:
        assert self.row.id is not None
        found = info.context.loaders.aliases_by_enterprise_id.get(self.row.id)
        return resolved(found, lambda aliases: [a.name for a in aliases])

    @strawberry.field(
        description="The enterprise's explained credit score today: level, verification, reasons (public)."
    )
    def credit(self, info: Info) -> Annotated[EnterpriseCredit, strawberry.lazy("api.graphql.credit")]:
        from api.graphql.credit import enterprise_credit

        assert self.row.id is not None
        return info.context.loaders.credit_by_enterprise_id.get_converted(self.row.id, enterprise_credit)

    @strawberry.field(
        description="The enterprise's credit records, newest first: those in their publicity period for everyone; "
        "expired and repaired ones too for credit officers, admins and the enterprise's own accounts."
    )
    def credit_history(self, info: Info) -> list[Annotated[CreditRecord, strawberry.lazy("api.graphql.credit")]]:
        from api.graphql.credit import CreditRecord
        from api.services.credit import can_read_credit_record

        assert self.row.id is not None
        viewer = info.context.viewer
        found = info.context.loaders.credit_records_by_enterprise_id.get(self.row.id)
        return resolved(
            found,
            lambda rows: [
                CreditRecord.from_model(r)
                for r in sorted(rows, key=lambda r: (r.publicity_start, r.id or 0), reverse=True)
                if can_read_credit_record(viewer, r)
            ],
        )


# The resolvers of fields that sit between plain fields: a method would move its field after every
# annotated one in the SDL; ``strawberry.field(resolver=...)`` keeps the order of the declarations.


def _contact_visible(root: Talent, info: Info) -> bool:
    return resolved(contact_visibility(info.context, root.row), bool)


def _email(root: Talent, info: Info) -> str | None:
    email = root.row.email
    if email is None:
        return None
    return resolved(
        contact_visibility(info.context, root.row), lambda visible: email if visible else talents.mask_email(email)
    )


def _phone(root: Talent, info: Info) -> str | None:
    phone = root.row.phone
    if phone is None:
        return None
    return resolved(
        contact_visibility(info.context, root.row), lambda visible: phone if visible else talents.mask_phone(phone)
    )


def _birth_year(root: Talent, info: Info) -> int | None:
    birth_year = root.row.birth_year
    return resolved(contact_visibility(info.context, root.row), lambda visible: birth_year if visible else None)


def _enterprise(row: EnterpriseRow | None) -> Enterprise:
    return Enterprise.from_model(_existing(row))


def _job_employer(root: Job, info: Info) -> Enterprise:
    return info.context.loaders.enterprise_by_id.get_converted(root.row.employer_id, _enterprise)


def _job_skills(root: Job, info: Info, kind: str) -> list[str]:
    assert root.row.id is not None
    found = info.context.loaders.skills_by_job_id.get(root.row.id)
    return resolved(found, lambda skills: [name for skill_kind, name in skills if skill_kind == kind])


def _job_required_skills(root: Job, info: Info) -> list[str]:
    return _job_skills(root, info, "required")


def _job_preferred_skills(root: Job, info: Info) -> list[str]:
    return _job_skills(root, info, "preferred")


def _job_languages(root: Job, info: Info) -> list[LanguageSkill]:
    assert root.row.id is not None
    return resolved(info.context.loaders.languages_by_job_id.get(root.row.id), LanguageSkill.from_rows)


@strawberry.type(description="A returnee talent's profile. Contact data is masked unless you may see it.")
class Talent(Node):
    row: strawberry.Private[TalentRow]
    name_zh: str | None = strawberry.field(description="Name in Chinese characters.")
    name_pinyin: str | None = strawberry.field(description="Name in pinyin, e.g. Lu Chenyu.")
    name_en: str | None = strawberry.field(description="Name as used in English.")

    @classmethod
    def from_model(cls, row: TalentRow) -> Talent:
        assert row.id is not None
        return cls(
            id=strawberry.ID(encode_global_id("Talent", row.id)),
            row=row,
            name_zh=row.name_zh,
            name_pinyin=row.name_pinyin,
            name_en=row.name_en,
            nationality=row.nationality,
            years_experience=row.years_experience,
            current_city=row.current_city,
            wished_cities=list(row.wished_cities),
            wished_industries=[enums.IndustryChain(v) for v in row.wished_industries],
            discoverable=row.discoverable,
        )

    contact_visible: bool = strawberry.field(
        description="True when you may see this talent's contact data unmasked.", resolver=_contact_visible
    )
    email: str | None = strawberry.field(
        description="Contact e-mail; masked (l***@example.com) unless `contactVisible`.", resolver=_email
    )
    phone: str | None = strawberry.field(
        description="Contact phone; masked (138****5678) unless `contactVisible`.", resolver=_phone
    )
    birth_year: int | None = strawberry.field(
        description="Year of birth; null unless `contactVisible`.", resolver=_birth_year
    )
    nationality: str | None = strawberry.field(description="ISO 3166 two-letter code.")
    years_experience: int
    current_city: str | None
    wished_cities: list[str]
    wished_industries: list[IndustryChain]
    discoverable: bool = strawberry.field(
        description="Whether employers can find this profile in searches and rankings."
    )

    @strawberry.field(description="Skills as the talent wrote them.")
    def skills(self, info: Info) -> list[str]:
        assert self.row.id is not None
        return resolved(info.context.loaders.skills_by_talent_id.get(self.row.id), list)

    @strawberry.field(
        description="The latest personal credit score on record; for the talent, admins and credit officers "
        "(null for others, or when none is on record)."
    )
    def personal_credit(self, info: Info) -> Annotated[PersonalCredit, strawberry.lazy("api.graphql.credit")] | None:
        from api.graphql.credit import PersonalCredit

        viewer = info.context.viewer
        if viewer is None or not (
            viewer.role in (enums.Role.ADMIN, enums.Role.CREDIT_OFFICER) or viewer.talent_id == self.row.id
        ):
            return None
        assert self.row.id is not None
        found = info.context.loaders.personal_credit_by_talent_id.get(self.row.id)
        return resolved(found, lambda row: PersonalCredit.from_model(row) if row else None)

    @strawberry.field
    def education(self, info: Info) -> list[Education]:
        assert self.row.id is not None
        return resolved(info.context.loaders.education_by_talent_id.get(self.row.id), Education.from_rows)

    @strawberry.field
    def languages(self, info: Info) -> list[LanguageSkill]:
        assert self.row.id is not None
        return resolved(info.context.loaders.languages_by_talent_id.get(self.row.id), LanguageSkill.from_rows)


@strawberry.type(description="A role an employer offers.")
class Job(Node):
    row: strawberry.Private[JobRow]

    @classmethod
    def from_model(cls, row: JobRow) -> Job:
        assert row.id is not None
        return cls(
            id=strawberry.ID(encode_global_id("Job", row.id)),
            row=row,
            title=row.title,
            description=row.description,
            hard_requirements=[HardRequirement(v) for v in row.hard_requirements],
            min_degree=enums.DegreeLevel(row.min_degree) if row.min_degree else None,
            fields_of_study=list(row.fields_of_study),
            min_years_experience=row.min_years_experience,
            salary_min=row.salary_min,
            salary_max=row.salary_max,
            headcount=row.headcount,
            city=row.city,
            district=row.district,
            industry_chain=enums.IndustryChain(row.industry_chain) if row.industry_chain else None,
            status=enums.JobStatus(row.status),
            posted_on=row.posted_on,
            closes_on=row.closes_on,
        )

    employer: Enterprise = strawberry.field(resolver=_job_employer)
    title: str
    description: str
    required_skills: list[str] = strawberry.field(resolver=_job_required_skills)
    preferred_skills: list[str] = strawberry.field(resolver=_job_preferred_skills)

    hard_requirements: list[HardRequirement] = strawberry.field(
        description="Requirements that filter candidates out; the others only score."
    )
    min_degree: Degree | None
    fields_of_study: list[str]

    languages: list[LanguageSkill] = strawberry.field(resolver=_job_languages)
    min_years_experience: int
    salary_min: int | None = strawberry.field(description="Monthly salary range in yuan.")
    salary_max: int | None = strawberry.field(description="Monthly salary range in yuan.")
    headcount: int = strawberry.field(description="How many people the employer hires for this role.")
    city: str | None
    district: str | None
    industry_chain: IndustryChain | None
    status: JobStatus
    posted_on: date
    closes_on: date | None

    @strawberry.field(description="Applications to this job, oldest first; for the job's employer and admins.")
    def applications(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Application]:
        viewer = info.context.viewer
        if viewer is None:
            raise unauthenticated()
        if not applications.may_review_applicants(viewer, self.row):
            raise forbidden("only the job's employer and admins see its applications")
        return _applications_page(info, ApplicationRow.job_id == self.row.id, first, after)


@strawberry.type(description="One status change of an application.")
class ApplicationEvent:
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    at: datetime

    @classmethod
    def from_model(cls, row: ApplicationEventRow) -> ApplicationEvent:
        return cls(
            from_status=enums.ApplicationStatus(row.from_status) if row.from_status else None,
            to_status=enums.ApplicationStatus(row.to_status),
            at=row.at,
        )


@strawberry.type(description="A talent's application to a job.")
class Application(Node):
    row: strawberry.Private[ApplicationRow]

    @classmethod
    def from_model(cls, row: ApplicationRow) -> Application:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Application", row.id)), row=row)

    @strawberry.field
    def status(self) -> ApplicationStatus:
        return enums.ApplicationStatus(self.row.status)

    @strawberry.field
    async def job(self, info: Info) -> Job:
        row = await info.context.loaders.job_by_id.load(self.row.job_id)
        assert row is not None
        return Job.from_model(row)

    @strawberry.field
    async def talent(self, info: Info) -> Talent:
        row = await info.context.loaders.talent_by_id.load(self.row.talent_id)
        assert row is not None
        return Talent.from_model(row)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.row.updated_at

    @strawberry.field(description="Every status change, oldest first.")
    async def history(self, info: Info) -> list[ApplicationEvent]:
        assert self.row.id is not None
        if not await can_see_application(info.context, self.row):
            return []
        return [
            ApplicationEvent.from_model(e)
            for e in await info.context.loaders.events_by_application_id.load(self.row.id)
        ]


@strawberry.type(description="The signed-in account.")
class Account:
    row: strawberry.Private[AccountRow]

    @strawberry.field
    def email(self) -> str:
        return self.row.email

    @strawberry.field
    def role(self) -> Role:
        return enums.Role(self.row.role)

    @strawberry.field(
        description="Whether the account proved it receives mail at `email` (a code sent there, `verifyEmail`). "
        "Nothing that grants access, such as an invitation or an identity link, attaches to an unverified account."
    )
    def email_verified(self) -> bool:
        return self.row.email_verified_at is not None

    @strawberry.field(description="The enterprise this account acts for (employers, headhunters).")
    async def enterprise(self, info: Info) -> Enterprise | None:
        if self.row.enterprise_id is None:
            return None
        row = await info.context.loaders.enterprise_by_id.load(self.row.enterprise_id)
        return Enterprise.from_model(row) if row else None

    @strawberry.field(description="Your own applications, oldest first (talents).")
    def applications(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Application]:
        return _applications_page(info, ApplicationRow.talent_id == (self.row.talent_id or -1), first, after)

    @strawberry.field(description="The talent profile of this account (talents).")
    async def talent(self, info: Info) -> Talent | None:
        if self.row.talent_id is None:
            return None
        row = await info.context.loaders.talent_by_id.load(self.row.talent_id)
        return Talent.from_model(row) if row else None


def _applications_page(info: Info, condition: Any, first: int | None, after: str | None) -> Connection[Application]:
    session = info.context.session
    page = page_request(first, after)
    total = session.exec(select(func.count(col(ApplicationRow.id))).where(condition)).one()
    rows = session.exec(
        select(ApplicationRow).where(condition).order_by(ApplicationRow.id).offset(page.offset).limit(page.limit)
    )
    return connection_from_slice([Application.from_model(r) for r in rows], page, total)


# ------------------------------------------------------------------ matching


@strawberry.type(description="One weighted component of a match score.")
class MatchComponent:
    component: str = strawberry.field(
        description=(
            "required_skills, preferred_skills, degree, field_of_study, languages, experience, location;"
            " recommendations add industry and employer_credit."
        )
    )
    weight: float = strawberry.field(description="Points this component can give; the weights sum to 100.")
    similarity: float = strawberry.field(
        description="How well it is met, 0 to 1; 0.5 (neutral) when the job does not ask for it."
    )
    scale: float = strawberry.field(
        description=(
            "The share of the job's required skills the talent covers, which scales every component but"
            " required_skills (1 there): points for degree, languages and the rest count only as far as the"
            " essentials are met."
        )
    )
    contribution: float = strawberry.field(description="weight x similarity x scale: the points it gave.")
    detail: str = strawberry.field(description="Why, in one sentence.")

    @classmethod
    def from_result(cls, c: ComponentScore) -> MatchComponent:
        return cls(
            component=c.component,
            weight=c.weight,
            similarity=c.similarity,
            scale=c.scale,
            contribution=c.contribution,
            detail=c.detail,
        )


@strawberry.type(description="A skill the job asks for and the talent's skill that best meets it.")
class SkillMatch:
    required: str
    offered: str
    similarity: float = strawberry.field(description="1 for the same canonical skill; less for a fuzzy match.")

    @classmethod
    def from_result(cls, m: SkillMatchResult) -> SkillMatch:
        return cls(required=m.required, offered=m.offered, similarity=m.similarity)


def _match_fields(result: MatchResult) -> dict[str, Any]:
    """The fields every explained match shares, from the engine's result."""
    return {
        "score": result.score,
        "explanation": [MatchComponent.from_result(c) for c in result.components],
        "matched_skills": [SkillMatch.from_result(m) for m in result.matched_skills],
        "missing_skills": list(result.missing_skills),
    }


@strawberry.type(description="A ranked, explained candidate for a job.")
class CandidateMatch:
    talent: Talent
    score: float = strawberry.field(description="0 to 100, the sum of the explanation's contributions.")
    explanation: list[MatchComponent]
    matched_skills: list[SkillMatch]
    missing_skills: list[str] = strawberry.field(description="Required skills the talent lacks.")
    application: Application | None = strawberry.field(
        description="The candidate's application to the job ranked (status, date: `createdAt`); null when they "
        "did not apply, and always in `suggestInvitees`, which ranks for no job."
    )

    @classmethod
    def from_result(
        cls, result: MatchResult, talent: TalentRow, application: ApplicationRow | None = None
    ) -> CandidateMatch:
        return cls(
            talent=Talent.from_model(talent),
            application=Application.from_model(application) if application is not None else None,
            **_match_fields(result),
        )


@strawberry.type(description="An applicant of a job, ranked and explained (`rankApplicants`).")
class ApplicantMatch:
    application: Application = strawberry.field(
        description="The application: its status and when it was made (`createdAt`)."
    )
    talent: Talent = strawberry.field(description="The applicant, shown to the job's employer even when hidden.")
    score: float = strawberry.field(description="0 to 100, the sum of the explanation's contributions.")
    eligible: bool = strawberry.field(
        description="Whether the applicant meets every hard requirement of the job; those who do not rank after "
        "every applicant who does."
    )
    failed_hard_requirements: list[HardRequirement] = strawberry.field(
        description="The job's hard requirements the applicant fails, and REQUIRED_SKILLS for one covering none "
        "of the job's required skills (hard or not); empty when eligible."
    )
    explanation: list[MatchComponent]
    matched_skills: list[SkillMatch]
    missing_skills: list[str] = strawberry.field(description="Required skills the applicant lacks.")

    @classmethod
    def from_result(cls, result: MatchResult, talent: TalentRow, application: ApplicationRow) -> ApplicantMatch:
        return cls(
            application=Application.from_model(application),
            talent=Talent.from_model(talent),
            eligible=result.eligible,
            failed_hard_requirements=[HardRequirement(name) for name in result.failed_hard],
            **_match_fields(result),
        )


@strawberry.type(description="A ranked, explained job for a talent.")
class JobMatch:
    job: Job
    score: float = strawberry.field(description="0 to 100, the sum of the explanation's contributions.")
    explanation: list[MatchComponent]
    matched_skills: list[SkillMatch]
    missing_skills: list[str] = strawberry.field(description="Required skills of the job the talent lacks.")

    @classmethod
    def from_result(cls, result: MatchResult, job: JobRow) -> JobMatch:
        return cls(job=Job.from_model(job), **_match_fields(result))


@strawberry.type(description="An enterprise a name resolved to.")
class EnterpriseMatch:
    enterprise: Enterprise
    score: float = strawberry.field(description="0 to 100; only confident matches are returned.")
    matched_name: str = strawberry.field(description="The legal name or alias that matched.")
