"""Enterprise credit over GraphQL: credit types, `CreditQuery` and `CreditMutation`.

The root types merge these classes (:mod:`api.graphql.schema`).  Resolvers are
thin: the rules live in :mod:`api.services.credit` and :mod:`matching.credit`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import strawberry
from sqlalchemy import func
from sqlmodel import Session, col, select
from strawberry.scalars import JSON

from api.graphql.context import Context, Info
from api.graphql.errors import bad_input
from api.graphql.ids import decode_global_id, decode_id_of, encode_global_id
from api.graphql.mutations import UserError, require_viewer, run_mutation
from api.graphql.pagination import Connection, connection_from_slice, page_request
from api.graphql.permissions import require_role
from api.graphql.types import Enterprise, Node
from api.models import AuditEntry as AuditEntryRow
from api.models import CreditMatchReview as ReviewRow
from api.models import CreditRecord as CreditRecordRow
from api.models import Job as JobRow
from api.models import PersonalCreditScore as PersonalCreditRow
from api.models.credit import ReviewStatus
from api.models.enums import Role
from api.services import audit, credit
from api.services.errors import ServiceError
from api.services.jobs import taking_applications
from matching import credit as engine

__all__ = [
    "CreditMutation",
    "CreditQuery",
    "CreditRecord",
    "EnterpriseCredit",
    "PersonalCredit",
    "credit_node",
    "enterprise_credit",
    "visible_record",
]

# The largest file `importCreditRecords` takes; bigger ones go through `guilu import-credit`.
MAX_IMPORT_BYTES = 5 * 1024 * 1024

CreditLevel = strawberry.enum(engine.CreditLevel, description="Scorecard level: A (800+), B (650+), C (500+), D.")
TaxRating = strawberry.enum(engine.TaxRating, description="Yearly tax credit rating (纳税信用等级), A best.")
CreditRecordKind = strawberry.enum(
    engine.RecordKind, name="CreditRecordKind", description="Kind of public credit record."
)
CreditRecordStatus = strawberry.enum(
    engine.RecordStatus,
    name="CreditRecordStatus",
    description="ACTIVE counts; EXPIRED (publicity ended by itself) and REPAIRED stay in the history only.",
)
CreditImportFormat = strawberry.enum(
    credit.ImportFormat, name="CreditImportFormat", description="CSV with a header row, or JSON Lines."
)
CreditImportRowStatus = strawberry.enum(
    credit.RowStatus, name="CreditImportRowStatus", description="What became of an imported row."
)


@strawberry.enum(description="Outcome of a contract-performance record.")
class ContractOutcome(StrEnum):
    FULFILLED = "fulfilled"
    BREACHED = "breached"


@strawberry.enum(description="State of a review-queue item.")
class CreditReviewStatus(StrEnum):
    PENDING = ReviewStatus.PENDING
    CONFIRMED = ReviewStatus.CONFIRMED
    REJECTED = ReviewStatus.REJECTED


_OFFICERS = require_role(Role.CREDIT_OFFICER)
_OFFICERS_AND_ADMINS = require_role(Role.CREDIT_OFFICER, Role.ADMIN)


# ---------------------------------------------------------------------- types


@strawberry.type(description="A public credit record of an enterprise (行政许可, 行政处罚, 失信被执行人, ...).")
class CreditRecord(Node):
    row: strawberry.Private[CreditRecordRow]

    @classmethod
    def from_model(cls, row: CreditRecordRow) -> CreditRecord:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("CreditRecord", row.id)), row=row)

    @strawberry.field
    def kind(self) -> CreditRecordKind:
        return engine.RecordKind(self.row.kind)

    @strawberry.field(description="The authority that published the record.")
    def source(self) -> str:
        return self.row.source

    @strawberry.field(description="The source authority's own id of the record.")
    def source_record_id(self) -> str:
        return self.row.source_record_id

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def decision_date(self) -> date:
        return self.row.decision_date

    @strawberry.field
    def publicity_start(self) -> date:
        return self.row.publicity_start

    @strawberry.field(
        description="When publicity ends by itself: the explicit end, else the rule's maximum; null: never."
    )
    def publicity_end(self) -> date | None:
        return engine.publicity_end(credit.to_engine_record(self.row))

    @strawberry.field(description="The first day repair may be recorded; null when the record is not repairable.")
    def repairable_from(self) -> date | None:
        return engine.repair_allowed_from(credit.to_engine_record(self.row))

    @strawberry.field(description="Whether the record counts today (in Xiamen).")
    def status(self) -> CreditRecordStatus:
        return credit.record_state(self.row)

    @strawberry.field
    def tax_rating(self) -> TaxRating | None:
        return engine.TaxRating(self.row.tax_rating) if self.row.tax_rating else None

    @strawberry.field
    def outcome(self) -> ContractOutcome | None:
        return ContractOutcome(self.row.outcome) if self.row.outcome else None

    @strawberry.field(description="Day of the credit repair (信用修复), from which the record stops counting.")
    def repaired_on(self) -> date | None:
        return self.row.repaired_on

    @strawberry.field(description="The authority that granted the repair.")
    def repair_authority(self) -> str | None:
        return self.row.repair_authority

    @strawberry.field(description="The basis of the repair (e.g. the penalty decision fulfilled).")
    def repair_basis(self) -> str | None:
        return self.row.repair_basis

    @strawberry.field
    async def enterprise(self, info: Info) -> Enterprise:
        row = await info.context.loaders.enterprise_by_id.load(self.row.enterprise_id)
        assert row is not None
        return Enterprise.from_model(row)


def visible_record(ctx: Context, row: CreditRecordRow | None) -> CreditRecord | None:
    """The record as the viewer may read it (:func:`api.services.credit.can_read_credit_record`), else None."""
    return CreditRecord.from_model(row) if row and credit.can_read_credit_record(ctx.viewer, row) else None


@strawberry.type(description="One record's part in a credit score.")
class CreditReason:
    code: str = strawberry.field(description="Stable reason code, e.g. PENALTY_GENERAL, TAX_RATING_A, HONOUR.")
    points: float = strawberry.field(description="Points added to (or taken from) the base 700, after decay by age.")
    description: str = strawberry.field(description="The reason in plain words.")
    record_id: strawberry.Private[int]

    @strawberry.field(description="The record behind this reason.")
    async def record(self, info: Info) -> CreditRecord | None:
        return visible_record(info.context, await info.context.loaders.credit_record_by_id.load(self.record_id))

    @classmethod
    def from_reason(cls, reason: engine.CreditReason) -> CreditReason:
        return cls(code=reason.code, points=reason.points, description=reason.description, record_id=reason.record_id)


@strawberry.type(description="An enterprise's explained credit score (see the README's scorecard).")
class EnterpriseCredit:
    score: float = strawberry.field(description="0 to 1000 from a base of 700; records add or take points.")
    level: CreditLevel
    verified: bool = strawberry.field(
        description="Credit-verified employer: valid USCC, no active dishonest-debtor or serious-dishonesty "
        "listing, level B or better."
    )
    verification_failures: list[str] = strawberry.field(description="Why not verified; empty when verified.")
    reasons: list[CreditReason] = strawberry.field(description="Every counting record, largest |points| first.")
    latest_tax_rating: TaxRating | None = strawberry.field(description="The active tax rating with the latest start.")
    as_of: date = strawberry.field(description="The day assessed (today in Xiamen).")

    @classmethod
    def from_service(cls, result: credit.EnterpriseCredit) -> EnterpriseCredit:
        assessment = result.assessment
        return cls(
            score=assessment.score,
            level=assessment.level,
            verified=result.verified,
            verification_failures=list(result.failures),
            reasons=[CreditReason.from_reason(r) for r in assessment.reasons],
            latest_tax_rating=result.latest_tax_rating,
            as_of=assessment.as_of,
        )


def enterprise_credit(result: credit.EnterpriseCredit | None) -> EnterpriseCredit:
    """The credit of an enterprise that exists (its loader answers None for no other)."""
    assert result is not None
    return EnterpriseCredit.from_service(result)


@strawberry.type(description="The five dimensions of an Egret-style personal credit score, each 0 to 100.")
class PersonalCreditDimensions:
    basic_information: float = strawberry.field(description="基础信息")
    positive_behaviour: float = strawberry.field(description="守信正向")
    dishonesty_default: float = strawberry.field(description="失信违约")
    credit_repair: float = strawberry.field(description="信用修复")
    credit_usage: float = strawberry.field(description="用信行为")


@strawberry.type(description="A talent's personal credit score (白鹭分 or a partner city's), the latest on record.")
class PersonalCredit:
    score: float = strawberry.field(description="As given, on the source city's scale.")
    source_city: str = strawberry.field(description="The city whose system gave it (pinyin code, e.g. hangzhou).")
    home_score: float = strawberry.field(description="Mapped onto Xiamen's 350-950 scale (mutual recognition).")
    dimensions: PersonalCreditDimensions
    recorded_at: datetime

    @classmethod
    def from_model(cls, row: PersonalCreditRow) -> PersonalCredit:
        dims = row.dimensions
        return cls(
            score=row.score,
            source_city=row.source_city,
            home_score=row.home_score,
            dimensions=PersonalCreditDimensions(**{name: float(dims.get(name, 0.0)) for name in _DIMENSION_FIELDS}),
            recorded_at=row.recorded_at,
        )


_DIMENSION_FIELDS = engine.EGRET_DIMENSIONS


@strawberry.type(description="An enterprise a queued name may mean.")
class CreditMatchCandidate:
    score: float
    matched_name: str
    enterprise_id: strawberry.Private[int]

    @strawberry.field
    async def enterprise(self, info: Info) -> Enterprise | None:
        row = await info.context.loaders.enterprise_by_id.load(self.enterprise_id)
        return Enterprise.from_model(row) if row else None


@strawberry.type(description="An imported row whose enterprise name was uncertain, waiting for a credit officer.")
class CreditMatchReview(Node):
    row: strawberry.Private[ReviewRow]

    @classmethod
    def from_model(cls, row: ReviewRow) -> CreditMatchReview:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("CreditMatchReview", row.id)), row=row)

    @strawberry.field
    def source(self) -> str:
        return self.row.source

    @strawberry.field
    def source_record_id(self) -> str:
        return self.row.source_record_id

    @strawberry.field(description="The enterprise name as the row gave it.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="The validated row (kind, dates, title, ...).")
    def imported_row(self) -> JSON:
        return self.row.raw

    @strawberry.field(description="Enterprises the name may mean, best first.")
    def candidates(self) -> list[CreditMatchCandidate]:
        return [
            CreditMatchCandidate(score=c["score"], matched_name=c["matched_name"], enterprise_id=c["enterprise_id"])
            for c in self.row.candidates
        ]

    @strawberry.field
    def status(self) -> CreditReviewStatus:
        return CreditReviewStatus(self.row.status)

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @strawberry.field(description="The record made when the match was confirmed.")
    async def record(self, info: Info) -> CreditRecord | None:
        if self.row.credit_record_id is None:
            return None
        return visible_record(
            info.context, await info.context.loaders.credit_record_by_id.load(self.row.credit_record_id)
        )


# Audit entity types and the GraphQL type whose global IDs name them.
_AUDITED_TYPES = {
    "CreditRecord": "credit_record",
    "CreditMatchReview": "credit_match_review",
    "PersonalCredit": "personal_credit_score",
}
_GRAPHQL_TYPE_OF = {table: name for name, table in _AUDITED_TYPES.items()}


@strawberry.type(description="One change in the audit trail: who, when, before and after.")
class AuditEntry(Node):
    row: strawberry.Private[AuditEntryRow]

    @classmethod
    def from_model(cls, row: AuditEntryRow) -> AuditEntry:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("AuditEntry", row.id)), row=row)

    @strawberry.field(description="What was done, e.g. credit_record.repair.")
    def action(self) -> str:
        return self.row.action

    @strawberry.field
    def at(self) -> datetime:
        return self.row.at

    @strawberry.field(description="The account that acted; null for the demo loader or the command line.")
    async def actor_email(self, info: Info) -> str | None:
        if self.row.actor_account_id is None:
            return None
        account = await info.context.loaders.account_by_id.load(self.row.actor_account_id)
        return account.email if account else None

    @strawberry.field(description="Through what: api, cli or seed.")
    def via(self) -> str:
        return self.row.via

    @strawberry.field(description="The changed table, e.g. credit_record.")
    def entity_type(self) -> str:
        return self.row.entity_type

    @strawberry.field(description="The changed object's global ID (when it has a GraphQL type).")
    def entity_id(self) -> strawberry.ID | None:
        name = _GRAPHQL_TYPE_OF.get(self.row.entity_type)
        return strawberry.ID(encode_global_id(name, self.row.entity_id)) if name else None

    @strawberry.field(description="The object before the change; null for a creation.")
    def before(self) -> JSON | None:
        return self.row.before

    @strawberry.field(description="The object after the change.")
    def after(self) -> JSON | None:
        return self.row.after


@strawberry.type(description="An employer left out of every recommendation, and why (admins).")
class RecommendationExclusion:
    enterprise: Enterprise
    reasons: list[str] = strawberry.field(description="Its active blocking records.")
    open_jobs: int = strawberry.field(
        description="How many of its jobs taking applications (open, closing day not passed) are withheld."
    )


@strawberry.type(description="One row of an import: its line, its fate and why.")
class CreditImportRow:
    line: int = strawberry.field(description="Line in the file (a CSV header is line 1).")
    status: CreditImportRowStatus
    message: str
    source: str | None
    source_record_id: str | None
    record_id: strawberry.Private[int | None]
    review_id: strawberry.Private[int | None]

    @strawberry.field(description="The stored record (accepted, unchanged and conflicting rows; null on a dry run).")
    async def record(self, info: Info) -> CreditRecord | None:
        if self.record_id is None:
            return None
        return visible_record(info.context, await info.context.loaders.credit_record_by_id.load(self.record_id))

    @strawberry.field(description="The review-queue item of a queued row (null on a dry run).")
    def review(self, info: Info) -> CreditMatchReview | None:
        row = info.context.session.get(ReviewRow, self.review_id) if self.review_id else None
        return CreditMatchReview.from_model(row) if row else None


@strawberry.type(description="The report of an import: counts, then every row in file order.")
class CreditImportReport:
    accepted: int
    unchanged: int
    queued: int
    rejected: int
    dry_run: bool = strawberry.field(description="True when nothing was stored (dryRun).")
    summary: str
    rows: list[CreditImportRow]

    @classmethod
    def from_report(cls, report: credit.ImportReport, *, dry_run: bool) -> CreditImportReport:
        return cls(
            accepted=report.accepted,
            unchanged=report.unchanged,
            queued=report.queued,
            rejected=report.rejected,
            dry_run=dry_run,
            summary=report.summary() + (" (dry run: nothing stored)" if dry_run else ""),
            rows=[
                CreditImportRow(
                    line=r.line,
                    status=r.status,
                    message=r.message,
                    source=r.source,
                    source_record_id=r.source_record_id,
                    record_id=None if dry_run else r.record_id,
                    review_id=None if dry_run else r.review_id,
                )
                for r in report.rows
            ],
        )


# --------------------------------------------------------------- node lookups


async def credit_node(ctx: Context, type_name: str, pk: int) -> Node | bool | None:
    """The credit object of a global ID, ``None`` when missing or hidden, ``False`` for a type not ours."""
    if type_name == "CreditRecord":
        return visible_record(ctx, await ctx.loaders.credit_record_by_id.load(pk))
    if type_name == "CreditMatchReview":
        if not ctx.has_role(Role.CREDIT_OFFICER, Role.ADMIN):
            return None
        review = ctx.session.get(ReviewRow, pk)
        return CreditMatchReview.from_model(review) if review else None
    if type_name == "AuditEntry":
        entry = ctx.session.get(AuditEntryRow, pk)
        return AuditEntry.from_model(entry) if entry and audit.can_read_audit_entry(ctx.viewer, entry) else None
    return False


# ------------------------------------------------------------------ queries


@strawberry.type
class CreditQuery:
    @strawberry.field(
        description="Items of the credit review queue, oldest first (credit officers and admins).",
        permission_classes=_OFFICERS_AND_ADMINS,
    )
    def credit_review_queue(
        self,
        info: Info,
        status: CreditReviewStatus = CreditReviewStatus.PENDING,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[CreditMatchReview]:
        session = info.context.session
        page = page_request(first, after)
        condition = ReviewRow.status == status.value
        total = session.exec(select(func.count(col(ReviewRow.id))).where(condition)).one()
        rows = session.exec(
            select(ReviewRow).where(condition).order_by(ReviewRow.id).offset(page.offset).limit(page.limit)
        )
        return connection_from_slice([CreditMatchReview.from_model(r) for r in rows], page, total)

    @strawberry.field(
        description="The audit trail, newest first: admins read every entry, credit officers those of the credit "
        "tables only (credit_record, credit_match_review, personal_credit_score). `entityId` narrows it to one "
        "object (a CreditRecord, CreditMatchReview or PersonalCredit ID); `entityType` to one of those tables.",
        permission_classes=_OFFICERS_AND_ADMINS,
    )
    def audit_trail(
        self,
        info: Info,
        entity_type: str | None = None,
        entity_id: strawberry.ID | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        session = info.context.session
        page = page_request(first, after)
        query = select(AuditEntryRow).where(audit.readable_audit_entries(info.context.viewer))
        if entity_id is not None:
            type_name, pk = decode_global_id(entity_id)
            if type_name not in _AUDITED_TYPES:
                raise bad_input(f"{type_name} objects have no audit trail; give a {', '.join(_AUDITED_TYPES)} ID")
            query = query.where(AuditEntryRow.entity_type == _AUDITED_TYPES[type_name], AuditEntryRow.entity_id == pk)
        if entity_type is not None:
            if entity_type not in _GRAPHQL_TYPE_OF:
                raise bad_input(f"`entityType` must be one of {', '.join(sorted(_GRAPHQL_TYPE_OF))}")
            query = query.where(AuditEntryRow.entity_type == entity_type)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(AuditEntryRow.id).desc()).offset(page.offset).limit(page.limit))
        return connection_from_slice([AuditEntry.from_model(r) for r in rows], page, total)

    @strawberry.field(
        description="Employers whose open jobs `recommendJobs` never recommends, with their active "
        "dishonesty listings (admins).",
        permission_classes=require_role(Role.ADMIN),
    )
    def recommendation_exclusions(self, info: Info) -> list[RecommendationExclusion]:
        session = info.context.session
        counts = dict(
            session.exec(
                select(JobRow.employer_id, func.count(col(JobRow.id)))
                .where(taking_applications(credit.credit_today()))
                .group_by(JobRow.employer_id)
            ).all()
        )
        blocked = credit.blocked_employers(session, counts)
        rows = {r.id: r for r in _enterprise_rows(session, list(blocked))}
        return [
            RecommendationExclusion(
                enterprise=Enterprise.from_model(rows[eid]), reasons=list(reasons), open_jobs=counts[eid]
            )
            for eid, reasons in sorted(blocked.items())
            if eid in rows
        ]


def _enterprise_rows(session: Session, ids: list[int]) -> list[Any]:
    from api.models import Enterprise as EnterpriseRow

    return list(session.exec(select(EnterpriseRow).where(col(EnterpriseRow.id).in_(ids)))) if ids else []


# ---------------------------------------------------------------- mutations


@strawberry.input(description="The five dimensions of a personal credit score, each 0 to 100; all are needed.")
class PersonalCreditDimensionsInput:
    basic_information: float = strawberry.field(description="基础信息")
    positive_behaviour: float = strawberry.field(description="守信正向")
    dishonesty_default: float = strawberry.field(description="失信违约")
    credit_repair: float = strawberry.field(description="信用修复")
    credit_usage: float = strawberry.field(description="用信行为")


@strawberry.type
class ImportCreditRecordsPayload:
    report: CreditImportReport | None
    user_errors: list[UserError]


@strawberry.type
class CreditRecordPayload:
    record: CreditRecord | None
    user_errors: list[UserError]


@strawberry.type
class CreditReviewPayload:
    review: CreditMatchReview | None
    record: CreditRecord | None = strawberry.field(description="The record attached on confirmation.")
    user_errors: list[UserError]


@strawberry.type
class PersonalCreditPayload:
    personal_credit: PersonalCredit | None
    user_errors: list[UserError]


def _refused(field: str, message: str) -> list[UserError]:
    return [UserError(field=field, message=message, code="INVALID")]


@strawberry.type
class CreditMutation:
    @strawberry.mutation(
        description="Import public credit records from a CSV or JSON Lines file (credit officers; at most 5 MB: "
        "use `guilu import-credit` for more). Every row is validated and reported; re-importing a file changes "
        "nothing; the file is one transaction. `dryRun` validates and reports without storing.",
        permission_classes=_OFFICERS,
    )
    def import_credit_records(
        self, info: Info, format: CreditImportFormat, content: str, dry_run: bool = False
    ) -> ImportCreditRecordsPayload:
        if len(content.encode("utf-8")) > MAX_IMPORT_BYTES:
            return ImportCreditRecordsPayload(
                report=None,
                user_errors=_refused(
                    "content",
                    f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; import it with "
                    "`guilu import-credit FILE`, or split it",
                ),
            )
        actor = require_viewer(info)
        session = info.context.session
        if dry_run:
            try:
                report = credit.import_credit_records(session, content, format.value, actor=actor)
            except ServiceError as error:
                return ImportCreditRecordsPayload(
                    report=None,
                    user_errors=[UserError(field=error.field, message=error.message, code=error.code.value)],
                )
            finally:
                session.rollback()
            return ImportCreditRecordsPayload(
                report=CreditImportReport.from_report(report, dry_run=True), user_errors=[]
            )
        result, errors = run_mutation(
            info, lambda s: credit.import_credit_records(s, content, format.value, actor=actor)
        )
        return ImportCreditRecordsPayload(
            report=CreditImportReport.from_report(result, dry_run=False) if result else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Record the credit repair (信用修复) of a record (credit officers): it stays in the history "
        "and stops counting from `repairedOn`. Refused before the rule's minimum publicity, with the first "
        "possible day.",
        permission_classes=_OFFICERS,
    )
    def repair_credit_record(
        self, info: Info, id: strawberry.ID, repaired_on: date, authority: str, basis: str
    ) -> CreditRecordPayload:
        pk = decode_id_of(id, "CreditRecord")
        row, errors = run_mutation(
            info,
            lambda s: credit.repair_credit_record(
                s, require_viewer(info), pk, repaired_on=repaired_on, authority=authority, basis=basis
            ),
        )
        return CreditRecordPayload(record=visible_record(info.context, row), user_errors=errors)

    @strawberry.mutation(
        description="Attach a queued row to an enterprise (credit officers); usually one of its candidates.",
        permission_classes=_OFFICERS,
    )
    def confirm_credit_match(
        self, info: Info, review_id: strawberry.ID, enterprise_id: strawberry.ID
    ) -> CreditReviewPayload:
        review_pk = decode_id_of(review_id, "CreditMatchReview")
        enterprise_pk = decode_id_of(enterprise_id, "Enterprise")
        result, errors = run_mutation(
            info, lambda s: credit.confirm_credit_match(s, require_viewer(info), review_pk, enterprise_pk)
        )
        if result is None:
            return CreditReviewPayload(review=None, record=None, user_errors=errors)
        review, record = result
        return CreditReviewPayload(
            review=CreditMatchReview.from_model(review), record=visible_record(info.context, record), user_errors=[]
        )

    @strawberry.mutation(
        description="Reject a queued row: its record is attached to no enterprise (credit officers).",
        permission_classes=_OFFICERS,
    )
    def reject_credit_match(self, info: Info, review_id: strawberry.ID) -> CreditReviewPayload:
        pk = decode_id_of(review_id, "CreditMatchReview")
        review, errors = run_mutation(info, lambda s: credit.reject_credit_match(s, require_viewer(info), pk))
        return CreditReviewPayload(
            review=CreditMatchReview.from_model(review) if review else None, record=None, user_errors=errors
        )

    @strawberry.mutation(
        description="Record a talent's personal credit score with its five dimensions (credit officers). "
        "`sourceCity` is xiamen or a partner city (hangzhou, ningbo, hainan, huangshi, zhengzhou, fuzhou, or its "
        "Chinese name); the score is mapped onto Xiamen's scale.",
        permission_classes=_OFFICERS,
    )
    def record_personal_credit(
        self,
        info: Info,
        talent_id: strawberry.ID,
        score: float,
        source_city: str,
        dimensions: PersonalCreditDimensionsInput,
    ) -> PersonalCreditPayload:
        pk = decode_id_of(talent_id, "Talent")
        values = {name: getattr(dimensions, name) for name in _DIMENSION_FIELDS}
        work: Callable[[Session], PersonalCreditRow] = lambda s: credit.record_personal_credit(  # noqa: E731
            s, require_viewer(info), pk, score=score, source_city=source_city, dimensions=values
        )
        row, errors = run_mutation(info, work)
        return PersonalCreditPayload(
            personal_credit=PersonalCredit.from_model(row) if row else None, user_errors=errors
        )
