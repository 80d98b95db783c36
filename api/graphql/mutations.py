"""The root Mutation.  Every mutation runs in one transaction and returns a payload
with the changed object and ``userErrors``; nothing is stored when it refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api import mail
from api.graphql.context import Info
from api.graphql.ids import decode_id_of
from api.graphql.permissions import IsAuthenticated, require_role
from api.graphql.types import (
    Account,
    Application,
    ApplicationStatus,
    Degree,
    Enterprise,
    HardRequirement,
    IndustryChain,
    Job,
    LanguageLevel,
    Role,
    Talent,
)
from api.models import Account as AccountRow
from api.models import enums
from api.services import accounts, applications, enterprises, jobs, talents
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import LanguageData

T = TypeVar("T")


@strawberry.type(description="Why a mutation refused its input; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, when one is.")
    message: str
    code: str = strawberry.field(
        description="INVALID, NOT_FOUND, DUPLICATE, FORBIDDEN, UNAUTHENTICATED, INVALID_CREDENTIALS, "
        "INVALID_TRANSITION, WEAK_PASSWORD, TOO_MANY_ATTEMPTS, MAIL_UNAVAILABLE or CONFLICT."
    )


def run_mutation(
    info: Info, work: Callable[[Session], T], *, session: Session | None = None
) -> tuple[T | None, list[UserError]]:
    """Do ``work`` in one transaction: commit it, or roll it back and say why.

    ``session`` replaces the request's, for work done in another thread (a session is used by one
    thread at a time).
    """
    session = session or info.context.session
    try:
        result = work(session)
        session.commit()
        return result, []
    except ServiceError as error:
        session.rollback()
        return None, [UserError(field=error.field, message=error.message, code=error.code.value)]
    except IntegrityError:
        session.rollback()
        return None, [
            UserError(field=None, message="this conflicts with data stored meanwhile; retry", code="CONFLICT")
        ]


def require_viewer(info: Info) -> AccountRow:
    viewer = info.context.viewer
    assert viewer is not None  # guarded by IsAuthenticated
    return viewer


# ------------------------------------------------------------------ inputs


@strawberry.input
class LanguageInput:
    language: str = strawberry.field(description="ISO 639-1 code, e.g. en, zh.")
    level: LanguageLevel

    def to_data(self) -> LanguageData:
        return LanguageData(language=self.language, level=self.level.value)


@strawberry.input
class EducationInput:
    degree: Degree
    institution: str
    country: str | None = strawberry.field(default=None, description="ISO 3166 two-letter code.")
    field_of_study: str | None = None
    year: int | None = None


@strawberry.input(description="Profile fields; on update, omitted fields stay as they are and lists are replaced.")
class TalentInput:
    name_zh: str | None = None
    name_pinyin: str | None = None
    name_en: str | None = None
    birth_year: int | None = None
    nationality: str | None = None
    email: str | None = None
    phone: str | None = None
    years_experience: int | None = None
    current_city: str | None = None
    wished_cities: list[str] | None = None
    wished_industries: list[IndustryChain] | None = None
    discoverable: bool | None = None
    skills: list[str] | None = None
    education: list[EducationInput] | None = None
    languages: list[LanguageInput] | None = None

    def to_data(self) -> talents.TalentData:
        return talents.TalentData(
            name_zh=self.name_zh,
            name_pinyin=self.name_pinyin,
            name_en=self.name_en,
            birth_year=self.birth_year,
            nationality=self.nationality,
            email=self.email,
            phone=self.phone,
            years_experience=self.years_experience,
            current_city=self.current_city,
            wished_cities=self.wished_cities,
            wished_industries=None if self.wished_industries is None else [i.value for i in self.wished_industries],
            discoverable=self.discoverable,
            skills=self.skills,
            education=None
            if self.education is None
            else [
                talents.EducationData(
                    degree=e.degree.value,
                    institution=e.institution,
                    country=e.country,
                    field_of_study=e.field_of_study,
                    year=e.year,
                )
                for e in self.education
            ],
            languages=None if self.languages is None else [lang.to_data() for lang in self.languages],
        )


@strawberry.input(description="Job fields; `title` is needed to post; on update, omitted fields stay as they are.")
class JobInput:
    title: str | None = None
    description: str | None = None
    required_skills: list[str] | None = None
    preferred_skills: list[str] | None = None
    hard_requirements: list[HardRequirement] | None = None
    min_degree: Degree | None = None
    fields_of_study: list[str] | None = None
    languages: list[LanguageInput] | None = None
    min_years_experience: int | None = None
    salary_min: int | None = strawberry.field(default=None, description="Monthly, in yuan.")
    salary_max: int | None = strawberry.field(default=None, description="Monthly, in yuan.")
    headcount: int | None = None
    city: str | None = None
    district: str | None = None
    industry_chain: IndustryChain | None = None
    closes_on: date | None = None

    def to_data(self) -> jobs.JobData:
        return jobs.JobData(
            title=self.title,
            description=self.description,
            required_skills=self.required_skills,
            preferred_skills=self.preferred_skills,
            hard_requirements=None if self.hard_requirements is None else [h.value for h in self.hard_requirements],
            min_degree=self.min_degree.value if self.min_degree else None,
            fields_of_study=self.fields_of_study,
            languages=None if self.languages is None else [lang.to_data() for lang in self.languages],
            min_years_experience=self.min_years_experience,
            salary_min=self.salary_min,
            salary_max=self.salary_max,
            headcount=self.headcount,
            city=self.city,
            district=self.district,
            industry_chain=self.industry_chain.value if self.industry_chain else None,
            closes_on=self.closes_on,
        )


@strawberry.input
class RegisterEnterpriseInput:
    legal_name: str
    uscc: str = strawberry.field(description="Unified social credit code; its check characters are verified.")
    industry_chain: IndustryChain
    district: str | None = None
    park: str | None = strawberry.field(default=None, description="Industrial park, e.g. 火炬高新区.")
    aliases: list[str] = strawberry.field(default_factory=list)
    founded_on: date | None = strawberry.field(
        default=None, description="Founding date on the business licence (成立日期), not in the future."
    )


# ---------------------------------------------------------------- payloads


@strawberry.type(description="A signed-in account's tokens, or why signing in was refused.")
class AuthPayload:
    token: str | None = strawberry.field(
        description="The access token: send as `Authorization: Bearer <token>`; short-lived (15 minutes by default)."
    )
    refresh_token: str | None = strawberry.field(
        description="Exchange for a new token pair with `refreshToken` before or after the access token expires "
        "(30 days by default); each one works once. Keep it secret: it is not sent with other requests."
    )
    account: Account | None = strawberry.field(description="The signed-in account.")
    user_errors: list[UserError] = strawberry.field(description="Why signing in was refused; empty on success.")


@strawberry.type(description="The outcome of a log-out.")
class LogOutPayload:
    revoked_refresh_tokens: int = strawberry.field(
        description="How many refresh tokens were still usable and are now revoked."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the log-out was refused; empty on success.")


@strawberry.type(description="The signed-in account after an e-mail verification step, or why it was refused.")
class AccountPayload:
    account: Account | None = strawberry.field(description="The signed-in account; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the step was refused; empty on success.")


@strawberry.type
class TalentPayload:
    talent: Talent | None
    user_errors: list[UserError]


@strawberry.type
class EnterprisePayload:
    enterprise: Enterprise | None
    user_errors: list[UserError]


@strawberry.type
class JobPayload:
    job: Job | None
    user_errors: list[UserError]


@strawberry.type
class ApplicationPayload:
    application: Application | None
    user_errors: list[UserError]


def _auth_payload(info: Info, work: Callable[[Session], accounts.SignedIn]) -> AuthPayload:
    signed_in, errors = run_mutation(info, work)
    if signed_in is None:
        return AuthPayload(token=None, refresh_token=None, account=None, user_errors=errors)
    return _signed_in_payload(signed_in)


def _signed_in_payload(signed_in: accounts.SignedIn) -> AuthPayload:
    return AuthPayload(
        token=signed_in.access_token,
        refresh_token=signed_in.refresh_token,
        account=Account(row=signed_in.account),
        user_errors=[],
    )


async def _send_code(info: Info, code: accounts.VerificationCode) -> list[UserError]:
    """Send a committed code off the event loop; when it cannot be sent, forget it and say why."""
    try:
        await mail.deliver(code.message, settings=info.context.settings)
    except mail.MailNotSent as error:
        run_mutation(info, lambda session: accounts.discard_verification_code(session, code.verification_id))
        return [UserError(field=None, message=str(error), code=ErrorCode.MAIL_UNAVAILABLE.value)]
    return []


def _client_address(info: Info) -> str | None:
    """The peer's address; behind a proxy, uvicorn's --proxy-headers (and FORWARDED_ALLOW_IPS) make it the
    client's rather than the proxy's."""
    client = info.context.request.client
    return client.host if client else None


def _user_agent(info: Info) -> str | None:
    return info.context.request.headers.get("user-agent")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a talent or employer account, log in, and e-mail a verification code to the address "
        "(enter it with `verifyEmail`). Employer accounts act for an enterprise once an operator links them. The "
        "address is refused (INVALID) when malformed or disguised, and as DUPLICATE when it is, or looks like, an "
        "account's. The password needs 10 to 128 characters and may not be one character repeated, contain the "
        "e-mail's name part or be a common password (WEAK_PASSWORD). When the code cannot be sent, the account is "
        "still created: ask again with `requestEmailVerification`."
    )
    async def sign_up(self, info: Info, email: str, password: str, role: Role = Role.TALENT) -> AuthPayload:
        settings = info.context.settings

        def work(session: Session) -> tuple[accounts.SignedIn, accounts.VerificationCode]:
            if role not in accounts.SELF_SERVICE_ROLES:
                raise ServiceError("only talent and employer accounts can sign up", field="role")
            signed_in = accounts.sign_up(
                session,
                email=email,
                password=password,
                role=role.value,
                settings=settings,
                client_address=_client_address(info),
                user_agent=_user_agent(info),
            )
            return signed_in, accounts.issue_verification_code(session, signed_in.account, settings=settings)

        signed_up, errors = run_mutation(info, work)
        if signed_up is None:
            return AuthPayload(token=None, refresh_token=None, account=None, user_errors=errors)
        signed_in, code = signed_up
        await _send_code(info, code)  # a failure is logged; the account can ask for another code
        return _signed_in_payload(signed_in)

    @strawberry.mutation(
        description="Exchange an e-mail and password for an access token and a refresh token. Unknown e-mails and "
        "wrong passwords are refused alike (INVALID_CREDENTIALS); after repeated failures the e-mail or the "
        "client address is locked out for a while (TOO_MANY_ATTEMPTS, with the time to retry)."
    )
    def log_in(self, info: Info, email: str, password: str) -> AuthPayload:
        return _auth_payload(
            info,
            lambda session: accounts.log_in(
                session,
                email=email,
                password=password,
                settings=info.context.settings,
                client_address=_client_address(info),
                user_agent=_user_agent(info),
            ),
        )

    @strawberry.mutation(
        description="Exchange a refresh token for a new access token and refresh token; the one given stops "
        "working. Presenting one that was already used revokes every token of its log-in (UNAUTHENTICATED)."
    )
    def refresh_token(
        self,
        info: Info,
        refresh_token: Annotated[str, strawberry.argument(description="One from `logIn` or `refreshToken`.")],
    ) -> AuthPayload:
        return _auth_payload(
            info,
            lambda session: accounts.refresh_session(
                session, refresh_token=refresh_token, settings=info.context.settings, user_agent=_user_agent(info)
            ),
        )

    @strawberry.mutation(
        description="End one log-in: revoke the refresh token and every token rotated from the same log-in. "
        "Its access token works until it expires; drop it."
    )
    def log_out(
        self,
        info: Info,
        refresh_token: Annotated[str, strawberry.argument(description="The log-in's current refresh token.")],
    ) -> LogOutPayload:
        revoked, errors = run_mutation(info, lambda session: accounts.log_out(session, refresh_token=refresh_token))
        return LogOutPayload(revoked_refresh_tokens=revoked or 0, user_errors=errors)

    @strawberry.mutation(
        description="End every log-in of the signed-in account: revoke all its refresh tokens and every access "
        "token issued until now, this request's included.",
        permission_classes=[IsAuthenticated],
    )
    def log_out_everywhere(self, info: Info) -> LogOutPayload:
        revoked, errors = run_mutation(info, lambda session: accounts.log_out_everywhere(session, require_viewer(info)))
        return LogOutPayload(revoked_refresh_tokens=revoked or 0, user_errors=errors)

    @strawberry.mutation(
        description="E-mail a fresh verification code to the signed-in account's address; it replaces the codes "
        "sent before and is valid 30 minutes by default. At most 5 codes per account per hour (TOO_MANY_ATTEMPTS); "
        "an address already verified is INVALID_TRANSITION; MAIL_UNAVAILABLE when the mail server cannot take it.",
        permission_classes=[IsAuthenticated],
    )
    async def request_email_verification(self, info: Info) -> AccountPayload:
        viewer = require_viewer(info)
        code, errors = run_mutation(
            info, lambda session: accounts.issue_verification_code(session, viewer, settings=info.context.settings)
        )
        if code is not None:
            errors = await _send_code(info, code)
        return AccountPayload(account=None if errors else Account(row=viewer), user_errors=errors)

    @strawberry.mutation(
        description="Prove the signed-in account receives mail at its address with the newest code sent there. A "
        "wrong code is INVALID (field `code`) and counts; after 5 the code is dead (TOO_MANY_ATTEMPTS). An expired "
        "or used code is INVALID; an address already verified is INVALID_TRANSITION.",
        permission_classes=[IsAuthenticated],
    )
    def verify_email(
        self, info: Info, code: Annotated[str, strawberry.argument(description="The 8 digits from the message.")]
    ) -> AccountPayload:
        account, errors = run_mutation(info, lambda session: accounts.verify_email(session, require_viewer(info), code))
        return AccountPayload(account=Account(row=account) if account else None, user_errors=errors)

    @strawberry.mutation(description="The signed-in talent account's profile.", permission_classes=[IsAuthenticated])
    def create_talent_profile(self, info: Info, input: TalentInput) -> TalentPayload:
        talent, errors = run_mutation(
            info, lambda s: talents.create_talent_profile(s, require_viewer(info), input.to_data())
        )
        return TalentPayload(talent=Talent.from_model(talent) if talent else None, user_errors=errors)

    @strawberry.mutation(description="Change your own profile.", permission_classes=[IsAuthenticated])
    def update_talent_profile(self, info: Info, id: strawberry.ID, input: TalentInput) -> TalentPayload:
        pk = decode_id_of(id, "Talent")
        talent, errors = run_mutation(
            info, lambda s: talents.update_talent_profile(s, require_viewer(info), pk, input.to_data())
        )
        return TalentPayload(talent=Talent.from_model(talent) if talent else None, user_errors=errors)

    @strawberry.mutation(
        description="Register an enterprise (admins and credit officers).",
        permission_classes=require_role(enums.Role.ADMIN, enums.Role.CREDIT_OFFICER),
    )
    def register_enterprise(self, info: Info, input: RegisterEnterpriseInput) -> EnterprisePayload:
        data = enterprises.EnterpriseData(
            legal_name=input.legal_name,
            uscc=input.uscc,
            industry_chain=input.industry_chain.value,
            district=input.district,
            park=input.park,
            aliases=list(input.aliases),
            founded_on=input.founded_on,
        )
        enterprise, errors = run_mutation(info, lambda s: enterprises.register_enterprise(s, data))
        return EnterprisePayload(
            enterprise=Enterprise.from_model(enterprise) if enterprise else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Post a job for the enterprise you act for (employers).", permission_classes=[IsAuthenticated]
    )
    def post_job(self, info: Info, input: JobInput) -> JobPayload:
        job, errors = run_mutation(info, lambda s: jobs.post_job(s, require_viewer(info), input.to_data()))
        return JobPayload(job=Job.from_model(job) if job else None, user_errors=errors)

    @strawberry.mutation(description="Change one of your enterprise's jobs.", permission_classes=[IsAuthenticated])
    def update_job(self, info: Info, id: strawberry.ID, input: JobInput) -> JobPayload:
        pk = decode_id_of(id, "Job")
        job, errors = run_mutation(info, lambda s: jobs.update_job(s, require_viewer(info), pk, input.to_data()))
        return JobPayload(job=Job.from_model(job) if job else None, user_errors=errors)

    @strawberry.mutation(
        description="Stop taking applications for one of your enterprise's jobs.", permission_classes=[IsAuthenticated]
    )
    def close_job(self, info: Info, id: strawberry.ID) -> JobPayload:
        pk = decode_id_of(id, "Job")
        job, errors = run_mutation(info, lambda s: jobs.close_job(s, require_viewer(info), pk))
        return JobPayload(job=Job.from_model(job) if job else None, user_errors=errors)

    @strawberry.mutation(
        description="Apply to an open job, once (talents with a profile).", permission_classes=[IsAuthenticated]
    )
    def apply_to_job(self, info: Info, job_id: strawberry.ID) -> ApplicationPayload:
        pk = decode_id_of(job_id, "Job")
        application, errors = run_mutation(info, lambda s: applications.apply_to_job(s, require_viewer(info), pk))
        return ApplicationPayload(
            application=Application.from_model(application) if application else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Move an application along applied -> screening -> interview -> offer -> hired, or reject it "
        "(the job's employer); withdraw it (the talent).",
        permission_classes=[IsAuthenticated],
    )
    def move_application(self, info: Info, id: strawberry.ID, status: ApplicationStatus) -> ApplicationPayload:
        pk = decode_id_of(id, "Application")
        application, errors = run_mutation(
            info, lambda s: applications.move_application(s, require_viewer(info), pk, status.value)
        )
        return ApplicationPayload(
            application=Application.from_model(application) if application else None, user_errors=errors
        )
