"""Credit-easy loans over GraphQL: loan products, offers with the sizing shown step by
step, ranked candidates for a product, and financing applications.

Resolvers are thin: they decode IDs, call :mod:`api.services.financing` and map
its results; relations load through the request's DataLoaders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.graphql.context import Context, Info
from api.graphql.credit import CreditLevel, TaxRating
from api.graphql.errors import forbidden, read_service
from api.graphql.ids import decode_id_of, encode_global_id
from api.graphql.mutations import UserError, require_viewer, run_mutation
from api.graphql.pagination import Connection, connection_from_slice, page_request
from api.graphql.permissions import IsAuthenticated, require_role
from api.graphql.types import Enterprise, IndustryChain, MatchComponent, Node
from api.models import BidContract as BidContractRow
from api.models import EnterpriseFinancialYear as FinancialYearRow
from api.models import FinancingApplication as ApplicationRow
from api.models import LoanProduct as LoanProductRow
from api.models import enums
from api.models.financing import FinancingStatus as FinancingStatusValue
from api.services import financing
from matching import credit as credit_engine
from matching import financing as engine

__all__ = ["FinancingMutation", "FinancingQuery", "financing_node"]

T = TypeVar("T")

SizingRule = strawberry.enum(
    engine.SizingRule,
    description="How a loan product sizes its credit line: TAX_SOCIAL_INSURANCE (tax multiplier x annual tax "
    "paid + amount per insured employee), BID_CONTRACT (a share of the largest winning-bid contract), FIXED.",
)
FinancingStatus = strawberry.enum(
    FinancingStatusValue,
    description="submitted -> approved -> disbursed, or submitted -> rejected; bank officers decide.",
)


BorrowerKind = strawberry.enum(
    engine.BorrowerKind,
    description="What a would-be borrower is, read from its unified social credit code's first two characters "
    "(GB 32100-2015) and its legal name: ENTERPRISE (91, 企业), PROJECT (a Guilu Cup start-up project), "
    "FINANCIAL_INSTITUTION (91 with a licensed financial form in its name: 银行, 保险, 证券, 信托, 融资租赁, 商业保理, "
    "小额贷款, 融资担保, ...), INDIVIDUAL_BUSINESS (92, 个体工商户), FARMERS_COOPERATIVE (93, 农民专业合作社), "
    "COLLECTIVE_ECONOMY (N?, 农村集体经济组织), PUBLIC_INSTITUTION (12, 事业单位: universities, hospitals), "
    "GOVERNMENT_ORGAN (11, 机关), SOCIAL_ORGANISATION (13, 5?, 8?: 群众团体, 社会组织, 工会), OTHER_ORGANISATION.",
)


# ------------------------------------------------------------------ types


@strawberry.type(
    description="Applications to a loan product so far (the article's torch park loan: 263 "
    "applied, 129 approved, 172 million yuan lent)."
)
class LoanProductStats:
    applied: int = strawberry.field(description="Applications of any status.")
    approved: int = strawberry.field(description="Applications approved, disbursed ones included.")
    rejected: int
    disbursed: int
    disbursed_amount: int = strawberry.field(description="Yuan paid out over all disbursed applications.")


@strawberry.type(
    description="A start-up product's test for enterprises (start-up projects pass it): founded within `maxAgeYears` "
    "(a founding date on record is needed), at most `maxInsuredEmployees` and `maxAnnualTax` when set."
)
class StartUpTest:
    max_age_years: int
    max_insured_employees: int | None = strawberry.field(description="Null: no limit.")
    max_annual_tax: int | None = strawberry.field(description="Yuan; null: no limit.")


@strawberry.type(description="A bank's credit-easy loan (信易贷) and the rules of who may borrow how much.")
class LoanProduct(Node):
    row: strawberry.Private[LoanProductRow]

    @classmethod
    def from_model(cls, row: LoanProductRow) -> LoanProduct:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("LoanProduct", row.id)), row=row)

    @strawberry.field(description="The lending bank, e.g. 交通银行厦门分行.")
    def bank(self) -> str:
        return self.row.bank

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="The largest credit line, in yuan.")
    def amount_cap(self) -> int:
        return self.row.amount_cap

    @strawberry.field
    def term_months(self) -> int:
        return self.row.term_months

    @strawberry.field(description="Borrowers need this enterprise credit level or better.")
    def min_credit_level(self) -> CreditLevel:
        return credit_engine.CreditLevel(self.row.min_credit_level)

    @strawberry.field(description="Borrowers need this tax rating or better; null: no minimum.")
    def min_tax_rating(self) -> TaxRating | None:
        return credit_engine.TaxRating(self.row.min_tax_rating) if self.row.min_tax_rating else None

    @strawberry.field(description="Industry chains admitted; empty admits all.")
    def eligible_chains(self) -> list[IndustryChain]:
        return [enums.IndustryChain(c) for c in self.row.eligible_chains]

    @strawberry.field(description="Industrial parks admitted (e.g. 火炬高新区); empty admits all.")
    def eligible_parks(self) -> list[str]:
        return list(self.row.eligible_parks)

    @strawberry.field
    def sizing(self) -> SizingRule:
        return engine.SizingRule(self.row.sizing)

    @strawberry.field(description="TAX_SOCIAL_INSURANCE: yuan of credit line per yuan of annual tax paid.")
    def tax_multiplier(self) -> float:
        return self.row.tax_multiplier

    @strawberry.field(description="TAX_SOCIAL_INSURANCE: yuan of credit line per insured employee.")
    def per_insured_employee(self) -> int:
        return self.row.per_insured_employee

    @strawberry.field(description="BID_CONTRACT: share (0 to 1) of the largest winning-bid contract's value.")
    def contract_share(self) -> float:
        return self.row.contract_share

    @strawberry.field(description="FIXED: the credit line, in yuan.")
    def fixed_amount(self) -> int:
        return self.row.fixed_amount

    @strawberry.field(description="The kinds of borrower the product lends to (ranked); every other kind is left out.")
    def borrower_kinds(self) -> list[BorrowerKind]:
        return [engine.BorrowerKind(k) for k in self.row.borrower_kinds]

    @strawberry.field(
        description="The start-up test enterprises must pass; null when the product is not a start-up one."
    )
    def start_up(self) -> StartUpTest | None:
        if self.row.start_up_max_years is None:
            return None
        return StartUpTest(
            max_age_years=self.row.start_up_max_years,
            max_insured_employees=self.row.start_up_max_insured_employees,
            max_annual_tax=self.row.start_up_max_annual_tax,
        )

    @strawberry.field(description="Whether the product takes applications and appears in offers and rankings.")
    def active(self) -> bool:
        return self.row.active

    @strawberry.field(description="Application figures for this product.")
    async def stats(self, info: Info) -> LoanProductStats:
        assert self.row.id is not None
        s = await info.context.loaders.financing_stats_by_product_id.load(self.row.id)
        return LoanProductStats(
            applied=s.applied,
            approved=s.approved,
            rejected=s.rejected,
            disbursed=s.disbursed,
            disbursed_amount=s.disbursed_amount,
        )


@strawberry.type(description="One line of a credit line's sizing.")
class SizingStep:
    description: str = strawberry.field(description="What the step does, e.g. '2.0 x annual tax paid ...'.")
    amount: int = strawberry.field(description="The yuan this step comes to.")


_EXPLANATION = (
    "One scale for enterprises and start-up projects: credit_standing (40: an enterprise's scorecard score, a "
    "project's founders' personal credit), track_record (40: tax rating, tax paid and insured employees; a project's "
    "Guilu Cup result), industry_fit (20)."
)


def _steps(offer: engine.Offer) -> list[SizingStep]:
    return [SizingStep(description=s.description, amount=s.amount) for s in offer.steps]


def _explanation(offer: engine.Offer) -> list[MatchComponent]:
    return [MatchComponent.from_result(c) for c in offer.components]


@strawberry.type(
    description="One loan product for one enterprise: eligible or not (and why), the credit line "
    "sized step by step, and how well the enterprise fits."
)
class FinancingOffer:
    product: LoanProduct
    eligible: bool
    failures: list[str] = strawberry.field(description="Every rule the enterprise fails, in plain words.")
    limit: int = strawberry.field(description="The estimated credit line in yuan; 0 when not eligible.")
    sizing: list[SizingStep] = strawberry.field(description="How the limit is computed, step by step.")
    fit: float = strawberry.field(description="0 to 100, the sum of the explanation's contributions.")
    explanation: list[MatchComponent] = strawberry.field(description=_EXPLANATION)


@strawberry.type(description="An eligible borrower ranked for one loan product, explained.")
class FinancingCandidate:
    kind: BorrowerKind
    enterprise: Enterprise | None = strawberry.field(description="The enterprise; null for a start-up project.")
    name: str
    rank: int = strawberry.field(description="1 for the best fit.")
    standing: str = strawberry.field(
        description="Why it stands where it does: how far below the candidate above it (the first: above the second) "
        "and on which explanation component the higher one leads most."
    )
    limit: int = strawberry.field(description="The estimated credit line in yuan.")
    fit: float = strawberry.field(description="0 to 100; candidates are ranked by fit, then limit.")
    explanation: list[MatchComponent] = strawberry.field(description=_EXPLANATION)
    sizing: list[SizingStep]


@strawberry.type(description="A borrower left out of a loan product's ranking, and why.")
class FinancingExclusion:
    kind: BorrowerKind
    enterprise: Enterprise | None = strawberry.field(description="The organisation; null for a start-up project.")
    name: str
    reasons: list[str] = strawberry.field(description="Every rule it fails, in plain words.")


@strawberry.type(description="One year's tax paid and insured employees of an enterprise.")
class FinancialYear:
    row: strawberry.Private[FinancialYearRow]

    @strawberry.field
    def year(self) -> int:
        return self.row.year

    @strawberry.field(description="Tax paid in the year, in yuan.")
    def tax_paid(self) -> int:
        return self.row.tax_paid

    @strawberry.field(description="Employees with social insurance at the year's end.")
    def insured_employees(self) -> int:
        return self.row.insured_employees


@strawberry.type(description="A government winning-bid contract (中标合同) an enterprise can borrow against.")
class BidContract:
    row: strawberry.Private[BidContractRow]

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def awarding_authority(self) -> str:
        return self.row.awarding_authority

    @strawberry.field(description="In yuan.")
    def value(self) -> int:
        return self.row.value

    @strawberry.field
    def awarded_on(self) -> date:
        return self.row.awarded_on


@strawberry.type(description="An enterprise's application for a loan product.")
class FinancingApplication(Node):
    row: strawberry.Private[ApplicationRow]

    @classmethod
    def from_model(cls, row: ApplicationRow) -> FinancingApplication:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("FinancingApplication", row.id)), row=row)

    @strawberry.field
    async def product(self, info: Info) -> LoanProduct:
        row = await info.context.loaders.loan_product_by_id.load(self.row.product_id)
        assert row is not None
        return LoanProduct.from_model(row)

    @strawberry.field
    async def enterprise(self, info: Info) -> Enterprise:
        row = await info.context.loaders.enterprise_by_id.load(self.row.enterprise_id)
        assert row is not None
        return Enterprise.from_model(row)

    @strawberry.field
    def status(self) -> FinancingStatus:
        return FinancingStatusValue(self.row.status)

    @strawberry.field(description="In yuan.")
    def requested_amount(self) -> int:
        return self.row.requested_amount

    @strawberry.field(description="The amount the bank approved, in yuan; null until approved.")
    def approved_amount(self) -> int | None:
        return self.row.approved_amount

    @strawberry.field(description="Why the bank rejected it; null unless rejected.")
    def rejection_reason(self) -> str | None:
        return self.row.rejection_reason

    @strawberry.field(description="When a bank officer approved or rejected it.")
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @strawberry.field
    def disbursed_at(self) -> datetime | None:
        return self.row.disbursed_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


async def financing_node(ctx: Context, type_name: str, pk: int) -> Node | None:
    """``node(id:)`` for this module's types; None when it does not exist or you may not see it."""
    if type_name == "LoanProduct":
        product = await ctx.loaders.loan_product_by_id.load(pk)
        return LoanProduct.from_model(product) if product else None
    row = ctx.session.get(ApplicationRow, pk)
    if row is None:
        return None
    product = await ctx.loaders.loan_product_by_id.load(row.product_id)
    assert product is not None
    return FinancingApplication.from_model(row) if financing.can_see_application(ctx.viewer, row, product) else None


# ------------------------------------------------------------------ queries

_RANKERS = require_role(enums.Role.BANK_OFFICER, enums.Role.CREDIT_OFFICER, enums.Role.ADMIN)


def _ranking(info: Info, product_id: strawberry.ID) -> financing.Ranking:
    pk = decode_id_of(product_id, "LoanProduct")
    return read_service(lambda: financing.rank_candidates(info.context.session, require_viewer(info), pk))


async def _enterprises_of(ctx: Context, offers: Sequence[engine.Offer]) -> dict[tuple[str, int], Enterprise]:
    """The organisations among ``offers`` (projects have none), keyed as the ranking's facts, in one batch."""
    keys = [(o.borrower_kind, o.borrower_id) for o in offers if o.borrower_kind is not engine.BorrowerKind.PROJECT]
    rows = await ctx.loaders.enterprise_by_id.load_many([pk for _, pk in keys])
    return {key: Enterprise.from_model(row) for key, row in zip(keys, rows, strict=True) if row is not None}


@strawberry.type
class FinancingQuery:
    @strawberry.field(description="Loan products by id; active ones unless `includeInactive`.")
    def loan_products(self, info: Info, include_inactive: bool = False) -> list[LoanProduct]:
        query = select(LoanProductRow).order_by(LoanProductRow.id)
        if not include_inactive:
            query = query.where(col(LoanProductRow.active).is_(True))
        return [LoanProduct.from_model(row) for row in info.context.session.exec(query)]

    @strawberry.field(description="A loan product by global ID.")
    async def loan_product(self, info: Info, id: strawberry.ID) -> LoanProduct | None:
        row = await info.context.loaders.loan_product_by_id.load(decode_id_of(id, "LoanProduct"))
        return LoanProduct.from_model(row) if row else None

    @strawberry.field(
        description="Every active loan product for an enterprise: eligible ones first, by estimated limit then "
        "fit, each with the sizing step by step; then the ineligible ones with every rule they fail. For the "
        "enterprise's own accounts, credit officers, bank officers and admins.",
        permission_classes=[IsAuthenticated],
    )
    async def financing_options(self, info: Info, enterprise_id: strawberry.ID) -> list[FinancingOffer]:
        pk = decode_id_of(enterprise_id, "Enterprise")
        ctx = info.context
        offers = read_service(lambda: financing.enterprise_offers(ctx.session, require_viewer(info), pk))
        return [
            FinancingOffer(
                product=LoanProduct.from_model(product),
                eligible=offer.eligible,
                failures=list(offer.failures),
                limit=offer.limit,
                sizing=_steps(offer),
                fit=offer.fit,
                explanation=_explanation(offer),
            )
            for product, offer in offers
        ]

    @strawberry.field(
        description="Eligible borrowers ranked for one active loan product: enterprises and finalised Guilu Cup "
        "start-up projects on one scale, best fit first, then the larger limit, then kind and id; each explained "
        "and saying why it stands where it does (`financingExclusions` lists the left-out ones and why). Only the "
        "kinds the product lends to (`LoanProduct.borrowerKinds`) are ranked. An inactive product is NOT_FOUND. "
        "For credit officers, admins and the officers of the product's bank.",
        permission_classes=_RANKERS,
    )
    async def rank_financing_candidates(
        self, info: Info, product_id: strawberry.ID, first: int | None = 20, after: str | None = None
    ) -> Connection[FinancingCandidate]:
        ctx = info.context
        page = page_request(first, after)
        ranking = _ranking(info, product_id)
        ranked = ranking.ranking.candidates
        chosen = ranked[page.offset : page.offset + page.limit]
        enterprises = await _enterprises_of(ctx, [c.offer for c in chosen])
        nodes = [
            FinancingCandidate(
                kind=candidate.offer.borrower_kind,
                enterprise=enterprises.get((candidate.offer.borrower_kind, candidate.offer.borrower_id)),
                name=ranking.facts[(candidate.offer.borrower_kind, candidate.offer.borrower_id)].name,
                rank=candidate.rank,
                standing=candidate.standing,
                limit=candidate.offer.limit,
                fit=candidate.offer.fit,
                explanation=_explanation(candidate.offer),
                sizing=_steps(candidate.offer),
            )
            for candidate in chosen
        ]
        return connection_from_slice(nodes, page, len(ranked))

    @strawberry.field(
        description="The borrowers left out of one active loan product's ranking, each with every rule it fails: "
        "a kind the product does not lend to (a university, a bank, a government body), a start-up test failed, a "
        "Guilu Cup project whose competition is not finalised, a chain or park outside the product's, a credit "
        "level too low, ... Start-up projects first, then organisations, by kind and id; `kind` keeps one kind. "
        "Same access and NOT_FOUND rule as `rankFinancingCandidates`.",
        permission_classes=_RANKERS,
    )
    async def financing_exclusions(
        self,
        info: Info,
        product_id: strawberry.ID,
        kind: BorrowerKind | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[FinancingExclusion]:
        ctx = info.context
        page = page_request(first, after)
        ranking = _ranking(info, product_id)
        excluded = [o for o in ranking.ranking.exclusions if kind is None or o.borrower_kind == kind]
        chosen = excluded[page.offset : page.offset + page.limit]
        enterprises = await _enterprises_of(ctx, chosen)
        nodes = [
            FinancingExclusion(
                kind=offer.borrower_kind,
                enterprise=enterprises.get((offer.borrower_kind, offer.borrower_id)),
                name=ranking.facts[(offer.borrower_kind, offer.borrower_id)].name,
                reasons=list(offer.failures),
            )
            for offer in chosen
        ]
        return connection_from_slice(nodes, page, len(excluded))

    @strawberry.field(
        description="Financing applications, oldest first, optionally of one product and status. Credit officers "
        "and admins see all, bank officers those to their own bank's products; other accounts see their own "
        "enterprise's.",
        permission_classes=[IsAuthenticated],
    )
    def financing_applications(
        self,
        info: Info,
        product_id: strawberry.ID | None = None,
        status: FinancingStatus | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[FinancingApplication]:
        session: Session = info.context.session
        viewer = require_viewer(info)
        page = page_request(first, after)
        conditions: list[Any] = []
        if product_id is not None:
            conditions.append(ApplicationRow.product_id == decode_id_of(product_id, "LoanProduct"))
        if status is not None:
            conditions.append(ApplicationRow.status == status.value)
        if viewer.role not in financing.FINANCING_STAFF and viewer.enterprise_id is None:
            raise forbidden("only bank and credit officers, admins and enterprises' own accounts see applications")
        conditions.append(financing.visible_applications(viewer))
        total = session.exec(select(func.count(col(ApplicationRow.id))).where(*conditions)).one()
        rows = session.exec(
            select(ApplicationRow).where(*conditions).order_by(ApplicationRow.id).offset(page.offset).limit(page.limit)
        )
        return connection_from_slice([FinancingApplication.from_model(r) for r in rows], page, total)


# ------------------------------------------------------------------ mutations


@strawberry.input(description="A start-up product's test for enterprises (see StartUpTest).")
class StartUpTestInput:
    max_age_years: int = strawberry.field(description="Founded within this many years (1 to 50).")
    max_insured_employees: int | None = strawberry.field(default=None, description="Null: no limit.")
    max_annual_tax: int | None = strawberry.field(default=None, description="Yuan; null: no limit.")


@strawberry.input(
    description="Loan product fields; all but `minTaxRating`, `eligibleChains`, `eligibleParks`, the sizing amounts, "
    "`borrowerKinds`, `startUp` and `active` are needed to create; on update, omitted fields stay as they are."
)
class LoanProductInput:
    bank: str | None = None
    name: str | None = None
    amount_cap: int | None = strawberry.field(default=None, description="Yuan.")
    term_months: int | None = None
    min_credit_level: CreditLevel | None = None
    min_tax_rating: TaxRating | None = strawberry.field(
        default=strawberry.UNSET, description="Null removes the minimum; omitted leaves it as it is."
    )
    eligible_chains: list[IndustryChain] | None = None
    eligible_parks: list[str] | None = None
    sizing: SizingRule | None = None
    tax_multiplier: float | None = None
    per_insured_employee: int | None = strawberry.field(default=None, description="Yuan.")
    contract_share: float | None = strawberry.field(default=None, description="0 to 1; 0.3 is 30%.")
    fixed_amount: int | None = strawberry.field(default=None, description="Yuan.")
    borrower_kinds: list[BorrowerKind] | None = strawberry.field(
        default=None, description="Who it lends to; at least one kind. New products: ENTERPRISE and PROJECT."
    )
    start_up: StartUpTestInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Makes it a start-up product with this test; null: not a start-up product; omitted leaves it.",
    )
    active: bool | None = None

    def to_data(self) -> financing.LoanProductData:
        rating = self.min_tax_rating
        test = self.start_up
        return financing.LoanProductData(
            bank=self.bank,
            name=self.name,
            amount_cap=self.amount_cap,
            term_months=self.term_months,
            min_credit_level=self.min_credit_level.value if self.min_credit_level else None,
            min_tax_rating=financing.KEEP if rating is strawberry.UNSET else (rating.value if rating else None),
            eligible_chains=None if self.eligible_chains is None else [c.value for c in self.eligible_chains],
            eligible_parks=self.eligible_parks,
            sizing=self.sizing.value if self.sizing else None,
            tax_multiplier=self.tax_multiplier,
            per_insured_employee=self.per_insured_employee,
            contract_share=self.contract_share,
            fixed_amount=self.fixed_amount,
            borrower_kinds=None if self.borrower_kinds is None else [k.value for k in self.borrower_kinds],
            start_up=financing.KEEP
            if test is strawberry.UNSET
            else (
                financing.StartUpData(test.max_age_years, test.max_insured_employees, test.max_annual_tax)
                if test
                else None
            ),
            active=self.active,
        )


@strawberry.input(description="A government winning-bid contract.")
class BidContractInput:
    title: str
    awarding_authority: str
    value: int = strawberry.field(description="Yuan.")
    awarded_on: date


@strawberry.type
class LoanProductPayload:
    loan_product: LoanProduct | None
    user_errors: list[UserError]


@strawberry.type
class FinancialYearPayload:
    financial_year: FinancialYear | None
    user_errors: list[UserError]


@strawberry.type
class BidContractPayload:
    bid_contract: BidContract | None
    user_errors: list[UserError]


@strawberry.type
class FinancingApplicationPayload:
    financing_application: FinancingApplication | None
    user_errors: list[UserError]


def _application_payload(info: Info, work: Callable[[Session], ApplicationRow]) -> FinancingApplicationPayload:
    row, errors = run_mutation(info, work)
    return FinancingApplicationPayload(
        financing_application=FinancingApplication.from_model(row) if row else None, user_errors=errors
    )


_MANAGERS = require_role(*sorted(financing.PRODUCT_MANAGERS))
_BANK = require_role(enums.Role.BANK_OFFICER)


@strawberry.type
class FinancingMutation:
    @strawberry.mutation(description="Add a loan product (officers of its bank, admins).", permission_classes=_MANAGERS)
    def create_loan_product(self, info: Info, input: LoanProductInput) -> LoanProductPayload:
        data = input.to_data()
        row, errors = run_mutation(info, lambda s: financing.create_loan_product(s, require_viewer(info), data))
        return LoanProductPayload(loan_product=LoanProduct.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Change a loan product (officers of its bank, admins); a bank officer cannot move it to another "
        "bank.",
        permission_classes=_MANAGERS,
    )
    def update_loan_product(self, info: Info, id: strawberry.ID, input: LoanProductInput) -> LoanProductPayload:
        pk = decode_id_of(id, "LoanProduct")
        data = input.to_data()
        row, errors = run_mutation(info, lambda s: financing.update_loan_product(s, require_viewer(info), pk, data))
        return LoanProductPayload(loan_product=LoanProduct.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Record (or correct) one year's tax paid and insured employees of an enterprise: its own "
        "employer accounts, credit officers and admins. The latest year sizes TAX_SOCIAL_INSURANCE loans.",
        permission_classes=[IsAuthenticated],
    )
    def record_financial_year(
        self, info: Info, enterprise_id: strawberry.ID, year: int, tax_paid: int, insured_employees: int
    ) -> FinancialYearPayload:
        pk = decode_id_of(enterprise_id, "Enterprise")
        row, errors = run_mutation(
            info,
            lambda s: financing.record_financial_year(
                s, require_viewer(info), pk, year=year, tax_paid=tax_paid, insured_employees=insured_employees
            ),
        )
        return FinancialYearPayload(financial_year=FinancialYear(row=row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Record a government winning-bid contract of an enterprise: its own employer accounts, credit "
        "officers and admins. The largest one sizes BID_CONTRACT loans.",
        permission_classes=[IsAuthenticated],
    )
    def record_bid_contract(
        self, info: Info, enterprise_id: strawberry.ID, input: BidContractInput
    ) -> BidContractPayload:
        pk = decode_id_of(enterprise_id, "Enterprise")
        data = financing.BidContractData(
            title=input.title,
            awarding_authority=input.awarding_authority,
            value=input.value,
            awarded_on=input.awarded_on,
        )
        row, errors = run_mutation(info, lambda s: financing.record_bid_contract(s, require_viewer(info), pk, data))
        return BidContractPayload(bid_contract=BidContract(row=row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Apply for a loan product for your enterprise (its employer accounts): more than 0 and at most "
        "the product cap; refused, with every failed rule, when the enterprise is not eligible; one open "
        "application per enterprise and product.",
        permission_classes=[IsAuthenticated],
    )
    def apply_for_financing(
        self, info: Info, product_id: strawberry.ID, enterprise_id: strawberry.ID, requested_amount: int
    ) -> FinancingApplicationPayload:
        product_pk = decode_id_of(product_id, "LoanProduct")
        enterprise_pk = decode_id_of(enterprise_id, "Enterprise")
        return _application_payload(
            info,
            lambda s: financing.apply_for_financing(
                s,
                require_viewer(info),
                product_id=product_pk,
                enterprise_id=enterprise_pk,
                requested_amount=requested_amount,
            ),
        )

    @strawberry.mutation(
        description="Approve a submitted application for `amount` yuan: more than 0, at most the requested amount "
        "and the product cap (officers of the product's bank, never for their own enterprise).",
        permission_classes=_BANK,
    )
    def approve_financing(self, info: Info, id: strawberry.ID, amount: int) -> FinancingApplicationPayload:
        pk = decode_id_of(id, "FinancingApplication")
        return _application_payload(info, lambda s: financing.approve_financing(s, require_viewer(info), pk, amount))

    @strawberry.mutation(
        description="Reject a submitted application, saying why (officers of the product's bank, never for their "
        "own enterprise).",
        permission_classes=_BANK,
    )
    def reject_financing(self, info: Info, id: strawberry.ID, reason: str) -> FinancingApplicationPayload:
        pk = decode_id_of(id, "FinancingApplication")
        return _application_payload(info, lambda s: financing.reject_financing(s, require_viewer(info), pk, reason))

    @strawberry.mutation(
        description="Record that an approved application was paid out: an officer of the product's bank other than "
        "the one who approved it (four eyes), never for their own enterprise.",
        permission_classes=_BANK,
    )
    def disburse_financing(self, info: Info, id: strawberry.ID) -> FinancingApplicationPayload:
        pk = decode_id_of(id, "FinancingApplication")
        return _application_payload(info, lambda s: financing.disburse_financing(s, require_viewer(info), pk))
