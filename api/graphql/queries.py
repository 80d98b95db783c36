"""The root Query: thin resolvers that check input, call services and map rows to types."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.graphql.context import Context, Info
from api.graphql.credit import credit_node
from api.graphql.cup import cup_node
from api.graphql.errors import bad_input, forbidden, not_found
from api.graphql.financing import financing_node
from api.graphql.headhunting import headhunting_node
from api.graphql.ids import decode_global_id, decode_id_of
from api.graphql.pagination import Connection, PageRequest, asks_for_total, connection_from_slice, page_request
from api.graphql.permissions import IsAuthenticated, can_see_application, can_see_talent
from api.graphql.types import (
    Account,
    ApplicantMatch,
    Application,
    ApplicationStatus,
    CandidateMatch,
    Degree,
    Enterprise,
    EnterpriseMatch,
    IndustryChain,
    Job,
    JobMatch,
    JobStatus,
    Node,
    Talent,
)
from api.models import Enterprise as EnterpriseRow
from api.models import EnterpriseAlias, TalentEducation
from api.models import Job as JobRow
from api.models import Talent as TalentRow
from api.models.enums import DegreeLevel, Role
from api.services import applications, credit, matching, talents
from matching.normalise import normalize_text

MAX_SEARCH_LENGTH = 200
MAX_RESOLVE_LIMIT = 20


def _search_text(search: str | None) -> str | None:
    if search is None:
        return None
    if len(search) > MAX_SEARCH_LENGTH:
        raise bad_input(f"`search` must be at most {MAX_SEARCH_LENGTH} characters")
    return search if search.strip() else None


@strawberry.input(description="Narrows `jobs`; every given field must hold.")
class JobFilter:
    status: JobStatus | None = strawberry.field(default=None, description="Default: open jobs only.")
    industry_chain: IndustryChain | None = None
    city: str | None = None
    district: str | None = None
    employer_id: strawberry.ID | None = None
    min_salary: int | None = strawberry.field(default=None, description="Jobs whose salaryMax reaches this.")
    verified_employers_only: bool = strawberry.field(
        default=False,
        description="Only jobs of credit-verified employers (valid USCC, no active dishonesty listing, level B+).",
    )


@strawberry.input(description="Narrows `talents`; every given field must hold.")
class TalentFilter:
    nationality: str | None = None
    min_degree: Degree | None = strawberry.field(default=None, description="Highest degree at least this.")
    wished_industry: IndustryChain | None = None
    current_city: str | None = None
    skill: str | None = strawberry.field(default=None, description="A skill, in any language or spelling.")


def _page_of_ids(ids: list[int], page: PageRequest) -> list[int]:
    return ids[page.offset : page.offset + page.limit]


def _rows_in_order(session: Session, model: Any, ids: list[int]) -> list[Any]:
    rows = {r.id: r for r in session.exec(select(model).where(col(model.id).in_(ids)))} if ids else {}
    return [rows[i] for i in ids if i in rows]


def _page_rows(session: Session, model: Any, ids: Any, page: PageRequest) -> list[Any]:
    """One page of the rows whose ids ``ids`` (a select of ids from ``model``'s table) gives, by id, in one statement.

    A later page picks its ids in a subquery first, so the database skips the rows before it in the primary
    key's index without reading them; the first page has nothing to skip and reads its rows at once, a
    statement that costs less to build and to run.
    """
    if page.offset == 0:
        return list(session.exec(ids.with_only_columns(model).order_by(model.id).limit(page.limit)))
    chosen = ids.order_by(model.id).offset(page.offset).limit(page.limit).subquery()
    return list(session.exec(select(model).join(chosen, model.id == chosen.c.id).order_by(model.id)))


def _job_query(session: Session, flt: JobFilter | None) -> Any:
    flt = flt or JobFilter()
    query = select(JobRow.id)
    query = query.where(JobRow.status == (flt.status.value if flt.status else "open"))
    if flt.industry_chain:
        query = query.where(JobRow.industry_chain == flt.industry_chain.value)
    if flt.city:
        query = query.where(JobRow.city == flt.city.strip())
    if flt.district:
        query = query.where(JobRow.district == flt.district.strip())
    if flt.employer_id:
        query = query.where(JobRow.employer_id == decode_id_of(flt.employer_id, "Enterprise"))
    if flt.min_salary is not None:
        query = query.where(col(JobRow.salary_max) >= flt.min_salary)
    if flt.verified_employers_only:
        employers = session.exec(select(JobRow.employer_id).where(col(JobRow.id).in_(query)).distinct()).all()
        query = query.where(col(JobRow.employer_id).in_(credit.verified_enterprise_ids(session, employers)))
    return query


def _talent_query(session: Session, flt: TalentFilter | None) -> Any:
    query = select(TalentRow.id)
    if flt is None:
        return query
    if flt.nationality:
        query = query.where(TalentRow.nationality == flt.nationality.strip().upper())
    if flt.min_degree:
        order = list(DegreeLevel)
        allowed = [d.value for d in order[order.index(DegreeLevel(flt.min_degree.value)) :]]
        query = query.where(
            col(TalentRow.id).in_(select(TalentEducation.talent_id).where(col(TalentEducation.degree).in_(allowed)))
        )
    if flt.wished_industry:
        wished = flt.wished_industry.value
        ids = matching.talents_wishing(session, wished)
        query = query.where(col(TalentRow.id).in_(ids))
    if flt.current_city:
        query = query.where(TalentRow.current_city == flt.current_city.strip())
    if flt.skill:
        ids = matching.search_talents(session, flt.skill)
        query = query.where(col(TalentRow.id).in_(ids))
    return query


async def _visible_talent(ctx: Context, row: TalentRow | None) -> TalentRow | None:
    return row if row is not None and await can_see_talent(ctx, row) else None


async def _node(ctx: Context, global_id: str) -> Node | None:
    type_name, pk = decode_global_id(global_id)
    loaders = ctx.loaders
    if type_name == "Enterprise":
        ent = await loaders.enterprise_by_id.load(pk)
        return Enterprise.from_model(ent) if ent else None
    if type_name == "Job":
        job = await loaders.job_by_id.load(pk)
        return Job.from_model(job) if job else None
    if type_name == "Talent":
        talent = await _visible_talent(ctx, await loaders.talent_by_id.load(pk))
        return Talent.from_model(talent) if talent else None
    if type_name == "Application":
        app = await loaders.application_by_id.load(pk)
        return Application.from_model(app) if app and await can_see_application(ctx, app) else None
    if type_name in ("LoanProduct", "FinancingApplication"):
        return await financing_node(ctx, type_name, pk)
    if type_name in ("Campaign", "Invitation", "IdentityLink"):
        return await headhunting_node(ctx, type_name, pk)
    if type_name in ("CreditRecord", "CreditMatchReview", "AuditEntry"):
        found = await credit_node(ctx, type_name, pk)
        return found if isinstance(found, Node) else None
    if type_name in ("Competition", "Round", "Entry", "Judge", "Score"):
        return await cup_node(ctx, type_name, pk)
    raise bad_input(f"unknown ID type {type_name!r}")


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in account, or null when anonymous.")
    def me(self, info: Info) -> Account | None:
        viewer = info.context.viewer
        return Account(row=viewer) if viewer else None

    @strawberry.field(description="Any object by its global ID; null when it does not exist or you may not see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _node(info.context, id)

    @strawberry.field(
        description="A talent profile; needs a signed-in account. Hidden profiles only to their owner, "
        "admins and employers they applied to.",
        permission_classes=[IsAuthenticated],
    )
    async def talent(self, info: Info, id: strawberry.ID) -> Talent | None:
        row = await info.context.loaders.talent_by_id.load(decode_id_of(id, "Talent"))
        visible = await _visible_talent(info.context, row)
        return Talent.from_model(visible) if visible else None

    @strawberry.field(
        description="Talent profiles you may see, by id; `search` matches names (Chinese, pinyin, English) and skills.",
        permission_classes=[IsAuthenticated],
    )
    async def talents(
        self,
        info: Info,
        search: str | None = None,
        filter: TalentFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Talent]:
        ctx = info.context
        page = page_request(first, after)
        text = _search_text(search)
        query = _talent_query(ctx.session, filter)
        viewer = ctx.viewer
        assert viewer is not None
        visible = talents.visible_profiles(viewer)
        if visible is not None:
            query = query.where(visible)
        if text is not None:
            query = query.where(col(TalentRow.id).in_(matching.search_talents(ctx.session, text)))
        total = ctx.session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = _page_rows(ctx.session, TalentRow, query, page)
        ctx.loaders.expect_talents(rows)
        return connection_from_slice([Talent.from_model(r) for r in rows], page, total)

    @strawberry.field(description="An enterprise by global ID or by unified social credit code.")
    async def enterprise(
        self, info: Info, id: strawberry.ID | None = None, uscc: str | None = None
    ) -> Enterprise | None:
        if (id is None) == (uscc is None):
            raise bad_input("give exactly one of `id` and `uscc`")
        if id is not None:
            row = await info.context.loaders.enterprise_by_id.load(decode_id_of(id, "Enterprise"))
        else:
            assert uscc is not None
            code = "".join(uscc.split()).upper()
            row = info.context.session.exec(select(EnterpriseRow).where(EnterpriseRow.uscc == code)).first()
        return Enterprise.from_model(row) if row else None

    @strawberry.field(description="Enterprises by id; `search` matches legal names and aliases, fuzzy and in pinyin.")
    async def enterprises(
        self, info: Info, search: str | None = None, first: int | None = 20, after: str | None = None
    ) -> Connection[Enterprise]:
        session = info.context.session
        page = page_request(first, after)
        text = _search_text(search)
        if text is None:
            total = session.exec(select(func.count(EnterpriseRow.id))).one()
            rows = list(
                session.exec(select(EnterpriseRow).order_by(EnterpriseRow.id).offset(page.offset).limit(page.limit))
            )
            info.context.loaders.expect_enterprises(rows)
            return connection_from_slice([Enterprise.from_model(r) for r in rows], page, total)
        ids = _enterprise_search_ids(session, text)
        rows = _rows_in_order(session, EnterpriseRow, _page_of_ids(ids, page))
        info.context.loaders.expect_enterprises(rows)
        return connection_from_slice([Enterprise.from_model(r) for r in rows], page, len(ids))

    @strawberry.field(description="A job by global ID.")
    async def job(self, info: Info, id: strawberry.ID) -> Job | None:
        row = await info.context.loaders.job_by_id.load(decode_id_of(id, "Job"))
        return Job.from_model(row) if row else None

    @strawberry.field(
        description="Jobs (open ones unless `filter.status` says otherwise). Without `search` they come by id; "
        "with it, best match first: typo-tolerant over title, skills, employer and description, in Chinese, "
        "English, pinyin or Traditional characters; exact and prefix matches rank above fuzzy ones."
    )
    async def jobs(
        self,
        info: Info,
        search: str | None = None,
        filter: JobFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Job]:
        session = info.context.session
        page = page_request(first, after)
        text = _search_text(search)
        query = _job_query(session, filter)
        if text is None:
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            rows = _page_rows(session, JobRow, query, page)
        else:
            allowed = set(session.exec(query))
            wanted, counted = page.offset + page.limit, asks_for_total(info)
            # Counting every match costs more than finding the page: only when totalCount is asked for.
            hits, found = matching.search_jobs(
                session, text, among=allowed, limit=wanted if counted else wanted + 1, count=counted
            )
            # Otherwise the hit past the page says whether another page follows; the total passed on is then
            # the lower bound that sets hasNextPage right, and no one is shown it.
            total = len(hits) if found is None else found
            rows = _rows_in_order(session, JobRow, _page_of_ids([hit.id for hit in hits[:wanted]], page))
        info.context.loaders.expect_jobs(rows)
        return connection_from_slice([Job.from_model(r) for r in rows], page, total)

    @strawberry.field(
        description="Candidates for a job, best first, each with the score explained. For the job's employer "
        "and admins. Hard requirements filter; the rest score. Ties by talent id.",
        permission_classes=[IsAuthenticated],
    )
    async def rank_candidates(
        self, info: Info, job_id: strawberry.ID, first: int | None = 20, after: str | None = None
    ) -> Connection[CandidateMatch]:
        ctx = info.context
        page = page_request(first, after)
        job = _job_to_review(ctx, job_id, "candidates")
        assert job.id is not None
        ranking = matching.candidates_for_job(ctx.session, job, limit=page.limit, offset=page.offset)
        ids = [m.talent_id for m in ranking.results]
        rows = {r.id: r for r in _rows_in_order(ctx.session, TalentRow, ids)}
        applied = applications.applications_to_job(ctx.session, job.id, talent_ids=ids)
        ctx.loaders.expect_talents(rows.values())
        nodes = [CandidateMatch.from_result(m, rows[m.talent_id], applied.get(m.talent_id)) for m in ranking.results]
        return connection_from_slice(nodes, page, ranking.total)

    @strawberry.field(
        description="Every applicant of a job, ranked and explained as `rankCandidates` ranks candidates, with "
        "the application: hidden (not discoverable) applicants too, and those failing a hard requirement, who "
        "come after every applicant meeting them (`eligible: false`, `failedHardRequirements`); each part best "
        "first, ties by talent id. Withdrawn, rejected and hired applications are listed with their status "
        "unless `statuses` narrows the list. For the job's employer and admins.",
        permission_classes=[IsAuthenticated],
    )
    async def rank_applicants(
        self,
        info: Info,
        job_id: strawberry.ID,
        first: int | None = 20,
        after: str | None = None,
        statuses: Annotated[
            list[ApplicationStatus] | None,
            strawberry.argument(description="Only applications in one of these statuses (every status when omitted)."),
        ] = None,
    ) -> Connection[ApplicantMatch]:
        ctx = info.context
        page = page_request(first, after)
        if statuses is not None and not statuses:
            raise bad_input("`statuses` must not be empty: omit it for applications in every status")
        job = _job_to_review(ctx, job_id, "applicants")
        assert job.id is not None
        applied = applications.applications_to_job(ctx.session, job.id, statuses=statuses)
        ranked = matching.applicants_for_job(ctx.session, job, list(applied), limit=page.offset + page.limit)
        chosen = ranked[page.offset :]
        rows = {r.id: r for r in _rows_in_order(ctx.session, TalentRow, [m.talent_id for m in chosen])}
        ctx.loaders.expect_talents(rows.values())
        nodes = [ApplicantMatch.from_result(m, rows[m.talent_id], applied[m.talent_id]) for m in chosen]
        return connection_from_slice(nodes, page, len(applied))

    @strawberry.field(
        description="Jobs for a talent, best first, each with the score explained: open jobs whose closing day "
        "(in Xiamen, inclusive) has not passed, never one the talent applied to (in any status), never one of an "
        "employer with an active dishonesty listing; wished industries and cities count. For the talent and admins.",
        permission_classes=[IsAuthenticated],
    )
    async def recommend_jobs(
        self, info: Info, talent_id: strawberry.ID, first: int | None = 20, after: str | None = None
    ) -> Connection[JobMatch]:
        ctx = info.context
        page = page_request(first, after)
        pk = decode_id_of(talent_id, "Talent")
        viewer = ctx.viewer
        assert viewer is not None
        if viewer.role != Role.ADMIN and viewer.talent_id != pk:
            raise forbidden("only the talent and admins see a talent's recommendations")
        if ctx.session.get(TalentRow, pk) is None:
            raise not_found("talent not found")
        results = credit.recommended_jobs(ctx.session, pk)
        chosen = results[page.offset : page.offset + page.limit]
        rows = {r.id: r for r in _rows_in_order(ctx.session, JobRow, [m.job_id for m in chosen])}
        ctx.loaders.expect_jobs(rows.values())
        nodes = [JobMatch.from_result(m, rows[m.job_id]) for m in chosen]
        return connection_from_slice(nodes, page, len(results))

    @strawberry.field(
        description="Registered enterprises a free-text name may mean, best first; empty when nothing is a "
        "confident match (near-twins such as 招商银行 and 招商局 are kept apart)."
    )
    async def resolve_enterprise(self, info: Info, name: str, limit: int = 5) -> list[EnterpriseMatch]:
        if not 1 <= limit <= MAX_RESOLVE_LIMIT:
            raise bad_input(f"`limit` must be between 1 and {MAX_RESOLVE_LIMIT}")
        if not name.strip() or len(name) > MAX_SEARCH_LENGTH:
            raise bad_input(f"`name` must have 1 to {MAX_SEARCH_LENGTH} characters")
        session = info.context.session
        matches = matching.resolve_enterprise_name(session, name, limit=limit)
        rows = {r.id: r for r in _rows_in_order(session, EnterpriseRow, [m.id for m in matches])}
        return [
            EnterpriseMatch(enterprise=Enterprise.from_model(rows[m.id]), score=m.score, matched_name=m.matched_name)
            for m in matches
            if m.id in rows
        ]


def _job_to_review(ctx: Context, job_id: strawberry.ID, what: str) -> JobRow:
    """The job ``job_id`` names, for a viewer who may review its applicants (``NOT_FOUND`` or ``FORBIDDEN``)."""
    job = ctx.session.get(JobRow, decode_id_of(job_id, "Job"))
    if job is None:
        raise not_found("job not found")
    viewer = ctx.viewer
    assert viewer is not None
    if not applications.may_review_applicants(viewer, job):
        raise forbidden(f"only the job's employer and admins rank its {what}")
    return job


def _enterprise_search_ids(session: Session, text: str) -> list[int]:
    """Confident resolutions first, then enterprises whose name or alias contains the text."""
    ids = [m.id for m in matching.resolve_enterprise_name(session, text, limit=MAX_RESOLVE_LIMIT)]
    needle = normalize_text(text)
    names = list(session.exec(select(EnterpriseRow.id, EnterpriseRow.legal_name).order_by(EnterpriseRow.id)))
    names += list(
        session.exec(
            select(EnterpriseAlias.enterprise_id, EnterpriseAlias.name).order_by(EnterpriseAlias.enterprise_id)
        )
    )
    contained = sorted({eid for eid, name in names if needle and needle in normalize_text(name)})
    return list(dict.fromkeys([*ids, *contained]))
