"""GraphQL object types.  Each wraps a database row kept in ``strawberry.Private``
and exposes only the fields written here, converted explicitly."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import func
from sqlmodel import col, select

from api.graphql.context import Info
from api.graphql.errors import forbidden
from api.graphql.ids import encode_global_id
from api.graphql.pagination import Connection, connection_from_slice, page_request
from api.graphql.permissions import can_see_application, can_see_contact, mask_email, mask_phone
from api.models import Account as AccountRow
from api.models import Application as ApplicationRow
from api.models import ApplicationEvent as ApplicationEventRow
from api.models import Enterprise as EnterpriseRow
from api.models import Job as JobRow
from api.models import Talent as TalentRow
from api.models import enums
from matching.score import ComponentScore, MatchResult
from matching.score import SkillMatch as SkillMatchResult

if TYPE_CHECKING:
    from api.graphql.credit import CreditRecord, EnterpriseCredit, PersonalCredit

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


@strawberry.type(description="A degree earned by a talent.")
class Education:
    degree: Degree
    institution: str
    country: str | None = strawberry.field(description="ISO 3166 two-letter code.")
    field_of_study: str | None
    year: int | None


@strawberry.type(description="An enterprise: employer, headhunter firm or institution.")
class Enterprise(Node):
    row: strawberry.Private[EnterpriseRow]

    @classmethod
    def from_model(cls, row: EnterpriseRow) -> Enterprise:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Enterprise", row.id)), row=row)

    @strawberry.field(description="Registered legal name.")
    def legal_name(self) -> str:
        return self.row.legal_name

    @strawberry.field(description="Unified social credit code (统一社会信用代码), 18 characters.")
    def uscc(self) -> str:
        return self.row.uscc

    @strawberry.field
    def industry_chain(self) -> IndustryChain:
        return enums.IndustryChain(self.row.industry_chain)

    @strawberry.field(description="District of Xiamen, e.g. 湖里区.")
    def district(self) -> str | None:
        return self.row.district

    @strawberry.field(description="Industrial park, e.g. 火炬高新区 (Torch Hi-tech Zone); some loans are park-only.")
    def park(self) -> str | None:
        return self.row.park

    @strawberry.field(description="Other names: short names, English names, former names.")
    async def aliases(self, info: Info) -> list[str]:
        assert self.row.id is not None
        return [a.name for a in await info.context.loaders.aliases_by_enterprise_id.load(self.row.id)]

    @strawberry.field(
        description="The enterprise's explained credit score today: level, verification, reasons (public)."
    )
    async def credit(self, info: Info) -> Annotated[EnterpriseCredit, strawberry.lazy("api.graphql.credit")]:
        from api.graphql.credit import EnterpriseCredit

        assert self.row.id is not None
        result = await info.context.loaders.credit_by_enterprise_id.load(self.row.id)
        assert result is not None
        return EnterpriseCredit.from_service(result)

    @strawberry.field(
        description="Every public credit record of the enterprise, active, expired and repaired, newest first."
    )
    async def credit_history(self, info: Info) -> list[Annotated[CreditRecord, strawberry.lazy("api.graphql.credit")]]:
        from api.graphql.credit import CreditRecord

        assert self.row.id is not None
        rows = await info.context.loaders.credit_records_by_enterprise_id.load(self.row.id)
        ordered = sorted(rows, key=lambda r: (r.publicity_start, r.id or 0), reverse=True)
        return [CreditRecord.from_model(r) for r in ordered]


@strawberry.type(description="A returnee talent's profile. Contact data is masked unless you may see it.")
class Talent(Node):
    row: strawberry.Private[TalentRow]

    @classmethod
    def from_model(cls, row: TalentRow) -> Talent:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Talent", row.id)), row=row)

    @strawberry.field(description="Name in Chinese characters.")
    def name_zh(self) -> str | None:
        return self.row.name_zh

    @strawberry.field(description="Name in pinyin, e.g. Lu Chenyu.")
    def name_pinyin(self) -> str | None:
        return self.row.name_pinyin

    @strawberry.field(description="Name as used in English.")
    def name_en(self) -> str | None:
        return self.row.name_en

    @strawberry.field(description="True when you may see this talent's contact data unmasked.")
    async def contact_visible(self, info: Info) -> bool:
        return await can_see_contact(info.context, self.row)

    @strawberry.field(description="Contact e-mail; masked (l***@example.com) unless `contactVisible`.")
    async def email(self, info: Info) -> str | None:
        if self.row.email is None or await can_see_contact(info.context, self.row):
            return self.row.email
        return mask_email(self.row.email)

    @strawberry.field(description="Contact phone; masked (138****5678) unless `contactVisible`.")
    async def phone(self, info: Info) -> str | None:
        if self.row.phone is None or await can_see_contact(info.context, self.row):
            return self.row.phone
        return mask_phone(self.row.phone)

    @strawberry.field(description="Year of birth; null unless `contactVisible`.")
    async def birth_year(self, info: Info) -> int | None:
        return self.row.birth_year if await can_see_contact(info.context, self.row) else None

    @strawberry.field(description="ISO 3166 two-letter code.")
    def nationality(self) -> str | None:
        return self.row.nationality

    @strawberry.field
    def years_experience(self) -> int:
        return self.row.years_experience

    @strawberry.field
    def current_city(self) -> str | None:
        return self.row.current_city

    @strawberry.field
    def wished_cities(self) -> list[str]:
        return list(self.row.wished_cities)

    @strawberry.field
    def wished_industries(self) -> list[IndustryChain]:
        return [enums.IndustryChain(v) for v in self.row.wished_industries]

    @strawberry.field(description="Whether employers can find this profile in searches and rankings.")
    def discoverable(self) -> bool:
        return self.row.discoverable

    @strawberry.field(description="Skills as the talent wrote them.")
    async def skills(self, info: Info) -> list[str]:
        assert self.row.id is not None
        return [s.name for s in await info.context.loaders.skills_by_talent_id.load(self.row.id)]

    @strawberry.field(
        description="The latest personal credit score on record; for the talent, admins and credit officers "
        "(null for others, or when none is on record)."
    )
    async def personal_credit(
        self, info: Info
    ) -> Annotated[PersonalCredit, strawberry.lazy("api.graphql.credit")] | None:
        from api.graphql.credit import PersonalCredit

        viewer = info.context.viewer
        if viewer is None or not (
            viewer.role in (enums.Role.ADMIN, enums.Role.CREDIT_OFFICER) or viewer.talent_id == self.row.id
        ):
            return None
        assert self.row.id is not None
        row = await info.context.loaders.personal_credit_by_talent_id.load(self.row.id)
        return PersonalCredit.from_model(row) if row else None

    @strawberry.field
    async def education(self, info: Info) -> list[Education]:
        assert self.row.id is not None
        return [
            Education(
                degree=enums.DegreeLevel(e.degree),
                institution=e.institution,
                country=e.country,
                field_of_study=e.field_of_study,
                year=e.year,
            )
            for e in await info.context.loaders.education_by_talent_id.load(self.row.id)
        ]

    @strawberry.field
    async def languages(self, info: Info) -> list[LanguageSkill]:
        assert self.row.id is not None
        return [
            LanguageSkill(language=lang.language, level=enums.LanguageLevelName(lang.level))
            for lang in await info.context.loaders.languages_by_talent_id.load(self.row.id)
        ]


@strawberry.type(description="A role an employer offers.")
class Job(Node):
    row: strawberry.Private[JobRow]

    @classmethod
    def from_model(cls, row: JobRow) -> Job:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Job", row.id)), row=row)

    @strawberry.field
    async def employer(self, info: Info) -> Enterprise:
        row = await info.context.loaders.enterprise_by_id.load(self.row.employer_id)
        assert row is not None
        return Enterprise.from_model(row)

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    async def _skills(self, info: Info, kind: str) -> list[str]:
        assert self.row.id is not None
        return [s.name for s in await info.context.loaders.skills_by_job_id.load(self.row.id) if s.kind == kind]

    @strawberry.field
    async def required_skills(self, info: Info) -> list[str]:
        return await self._skills(info, "required")

    @strawberry.field
    async def preferred_skills(self, info: Info) -> list[str]:
        return await self._skills(info, "preferred")

    @strawberry.field(description="Requirements that filter candidates out; the others only score.")
    def hard_requirements(self) -> list[HardRequirement]:
        return [HardRequirement(v) for v in self.row.hard_requirements]

    @strawberry.field
    def min_degree(self) -> Degree | None:
        return enums.DegreeLevel(self.row.min_degree) if self.row.min_degree else None

    @strawberry.field
    def fields_of_study(self) -> list[str]:
        return list(self.row.fields_of_study)

    @strawberry.field
    async def languages(self, info: Info) -> list[LanguageSkill]:
        assert self.row.id is not None
        return [
            LanguageSkill(language=lang.language, level=enums.LanguageLevelName(lang.level))
            for lang in await info.context.loaders.languages_by_job_id.load(self.row.id)
        ]

    @strawberry.field
    def min_years_experience(self) -> int:
        return self.row.min_years_experience

    @strawberry.field(description="Monthly salary range in yuan.")
    def salary_min(self) -> int | None:
        return self.row.salary_min

    @strawberry.field(description="Monthly salary range in yuan.")
    def salary_max(self) -> int | None:
        return self.row.salary_max

    @strawberry.field(description="How many people the employer hires for this role.")
    def headcount(self) -> int:
        return self.row.headcount

    @strawberry.field
    def city(self) -> str | None:
        return self.row.city

    @strawberry.field
    def district(self) -> str | None:
        return self.row.district

    @strawberry.field
    def industry_chain(self) -> IndustryChain | None:
        return enums.IndustryChain(self.row.industry_chain) if self.row.industry_chain else None

    @strawberry.field
    def status(self) -> JobStatus:
        return enums.JobStatus(self.row.status)

    @strawberry.field
    def posted_on(self) -> date:
        return self.row.posted_on

    @strawberry.field
    def closes_on(self) -> date | None:
        return self.row.closes_on

    @strawberry.field(description="Applications to this job, oldest first; for the job's employer and admins.")
    def applications(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Application]:
        viewer = info.context.viewer
        if viewer is None or not (
            viewer.role == enums.Role.ADMIN
            or (viewer.role == enums.Role.EMPLOYER and viewer.enterprise_id == self.row.employer_id)
        ):
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
    component: str = strawberry.field(description="required_skills, preferred_skills, degree, field_of_study, ...")
    weight: float = strawberry.field(description="Points this component can give; the weights sum to 100.")
    similarity: float = strawberry.field(description="How well it is met, 0 to 1.")
    contribution: float = strawberry.field(description="weight x similarity: the points it gave.")
    detail: str = strawberry.field(description="Why, in one sentence.")

    @classmethod
    def from_result(cls, c: ComponentScore) -> MatchComponent:
        return cls(
            component=c.component,
            weight=c.weight,
            similarity=c.similarity,
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

    @classmethod
    def from_result(cls, result: MatchResult, talent: TalentRow) -> CandidateMatch:
        return cls(talent=Talent.from_model(talent), **_match_fields(result))


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
