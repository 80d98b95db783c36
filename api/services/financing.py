"""Credit-easy loans: loan products, the sizing inputs enterprises record, offers,
candidate ranking and financing applications.

Eligibility, sizing and fit are the pure engine's (:mod:`matching.financing`);
this module gathers the facts it needs in a constant number of statements,
whatever the number of borrowers, and holds the rules of who may do what:

* loan products: a bank's own officers (:func:`acts_for_bank`) and admins create and change
  them.  Credit officers, the city's regulator, no longer do: a product's terms are the
  bank's commercial decision, and a regulator raising a bank's cap is not a regulator's act;
* financial years and winning-bid contracts: the enterprise's own employer
  accounts, credit officers and admins record them;
* applications: the enterprise's own employer account applies (``submitted``);
  officers of the product's bank, and only they, approve (``approved``, an amount of
  at most the requested amount and the product cap), reject (``rejected``, with a
  reason) and disburse approved ones (``disbursed``); never for their own enterprise,
  and the officer who approved cannot disburse (four eyes).  Any other move is
  ``INVALID_TRANSITION``.  Bank officers see and rank for their own bank's products
  only (:func:`can_see_application`, :func:`visible_applications`).
  An enterprise has at most one open (submitted or approved) application per
  product.  Every decision is written to the audit trail.

Borrowers are organisations (each of a :class:`matching.financing.BorrowerKind` read from its USCC and
name; a product lends to some kinds only) and Guilu Cup start-up projects, which come through
:func:`cup_projects` (see :class:`CupProject`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, or_, true
from sqlmodel import Session, col, select

from api.models import Account, BidContract, Enterprise, EnterpriseFinancialYear, FinancingApplication, LoanProduct
from api.models.enums import IndustryChain, Role
from api.models.financing import MAX_AMOUNT, OPEN_STATUSES, FinancingStatus
from api.services import credit
from api.services.audit import audit_row, snapshot
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import clean_list, enum_value, required_text
from api.timeutil import utcnow
from matching import financing as engine
from matching.credit import CreditLevel, TaxRating

__all__ = [
    "KEEP",
    "PRODUCT_MANAGERS",
    "BidContractData",
    "CupProject",
    "LoanProductData",
    "ProductStats",
    "Ranking",
    "StartUpData",
    "acts_for_bank",
    "apply_for_financing",
    "approve_financing",
    "borrower_facts",
    "can_see_application",
    "create_loan_product",
    "cup_projects",
    "disburse_financing",
    "enterprise_offers",
    "officer_bank",
    "product_stats",
    "project_facts",
    "rank_candidates",
    "record_bid_contract",
    "record_financial_year",
    "reject_financing",
    "to_engine_product",
    "update_loan_product",
    "visible_applications",
]

S = FinancingStatus
# Who manages loan products: bank officers for their own bank, admins for any.
PRODUCT_MANAGERS = frozenset({Role.BANK_OFFICER, Role.ADMIN})
# Who sees any enterprise's offers and ranks candidates (bank officers for their own bank's products).
FINANCING_STAFF = frozenset({Role.CREDIT_OFFICER, Role.BANK_OFFICER, Role.ADMIN})
# Who sees every application, whatever the bank.
_ALL_APPLICATIONS = frozenset({Role.CREDIT_OFFICER, Role.ADMIN})
MAX_TERM_MONTHS = 360
MAX_START_UP_YEARS = 50
MAX_LIST_ITEMS = 20


class _Keep(Enum):
    KEEP = "keep"


# "Leave as it is" for a field whose own value may be null (a product's minimum tax rating).
KEEP = _Keep.KEEP


# ------------------------------------------------------------------ loan products


@dataclass(slots=True)
class LoanProductData:
    """Product fields; on update, None (and :data:`KEEP`) leave a field as it is."""

    bank: str | None = None
    name: str | None = None
    amount_cap: int | None = None
    term_months: int | None = None
    min_credit_level: str | None = None
    eligible_chains: list[str] | None = None
    eligible_parks: list[str] | None = None
    sizing: str | None = None
    tax_multiplier: float | None = None
    per_insured_employee: int | None = None
    contract_share: float | None = None
    fixed_amount: int | None = None
    min_tax_rating: str | _Keep | None = KEEP
    borrower_kinds: list[str] | None = None
    start_up: StartUpData | _Keep | None = KEEP
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class StartUpData:
    """A start-up product's test (:class:`matching.financing.StartUpTest`); None limits are no limit."""

    max_age_years: int
    max_insured_employees: int | None = None
    max_annual_tax: int | None = None


def to_engine_product(row: LoanProduct) -> engine.LoanProduct:
    """The engine's view of a stored product."""
    assert row.id is not None
    return engine.LoanProduct(
        id=row.id,
        bank=row.bank,
        name=row.name,
        amount_cap=row.amount_cap,
        term_months=row.term_months,
        min_credit_level=CreditLevel(row.min_credit_level),
        eligible_chains=frozenset(row.eligible_chains),
        eligible_parks=frozenset(row.eligible_parks),
        sizing=engine.SizingRule(row.sizing),
        tax_multiplier=row.tax_multiplier,
        per_insured_employee=row.per_insured_employee,
        contract_share=row.contract_share,
        fixed_amount=row.fixed_amount,
        min_tax_rating=TaxRating(row.min_tax_rating) if row.min_tax_rating else None,
        borrower_kinds=frozenset(engine.BorrowerKind(k) for k in row.borrower_kinds),
        start_up=engine.StartUpTest(
            max_age_years=row.start_up_max_years,
            max_insured_employees=row.start_up_max_insured_employees,
            max_annual_tax=row.start_up_max_annual_tax,
        )
        if row.start_up_max_years is not None
        else None,
    )


def _require(account: Account, roles: Iterable[Role], what: str) -> None:
    allowed = frozenset(roles)
    if account.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise ServiceError(f"only these roles may {what}: {names}", code=ErrorCode.FORBIDDEN)


def acts_for_bank(account: Account, bank: str) -> bool:
    """Whether ``account`` is a bank officer of ``bank`` (an officer with no bank acts for none)."""
    return account.role == Role.BANK_OFFICER and account.bank is not None and account.bank == bank


def officer_bank(role: str, bank: str | None) -> str | None:
    """The bank an account of ``role`` acts for: needed for a bank officer, refused for any other role."""
    if role != Role.BANK_OFFICER:
        if bank is not None:
            raise ServiceError("only bank officers act for a bank; leave out --bank", field="bank")
        return None
    if bank is None or not bank.strip():
        raise ServiceError(
            "a bank officer needs the bank they act for (--bank), spelled as its loan products' bank", field="bank"
        )
    return required_text(bank, "bank", max_length=200)


def _require_bank(account: Account, bank: str, what: str) -> None:
    """Refuse a bank officer who does not act for ``bank`` (admins pass; other roles are refused before)."""
    if account.role == Role.BANK_OFFICER and not acts_for_bank(account, bank):
        acting = f"you act for {account.bank}" if account.bank else "your account acts for no bank"
        raise ServiceError(
            f"{bank} is not your bank ({acting}): only its own officers and admins may {what}",
            field="bank",
            code=ErrorCode.FORBIDDEN,
        )


def _amount(value: int, field: str, *, allow_zero: bool = True) -> int:
    if value < 0 or (value == 0 and not allow_zero):
        raise ServiceError(f"{field} must be {'0 or more' if allow_zero else 'more than 0'} yuan", field=field)
    if value > MAX_AMOUNT:
        raise ServiceError(f"{field} must be at most {MAX_AMOUNT:,} yuan", field=field)
    return value


def _apply_product_data(row: LoanProduct, data: LoanProductData) -> None:
    """Check ``data`` field by field and write it onto ``row``; then check the whole product."""
    if data.bank is not None:
        row.bank = required_text(data.bank, "bank", max_length=200)
    if data.name is not None:
        row.name = required_text(data.name, "name", max_length=200)
    if data.amount_cap is not None:
        row.amount_cap = _amount(data.amount_cap, "amountCap", allow_zero=False)
    if data.term_months is not None:
        if not 1 <= data.term_months <= MAX_TERM_MONTHS:
            raise ServiceError(f"termMonths must be between 1 and {MAX_TERM_MONTHS}", field="termMonths")
        row.term_months = data.term_months
    if data.min_credit_level is not None:
        row.min_credit_level = enum_value(data.min_credit_level, CreditLevel, "minCreditLevel")
    if data.eligible_chains is not None:
        chains = clean_list(data.eligible_chains, "eligibleChains", max_items=len(IndustryChain), max_length=40)
        row.eligible_chains = [enum_value(c, IndustryChain, "eligibleChains") for c in chains]
    if data.eligible_parks is not None:
        row.eligible_parks = clean_list(data.eligible_parks, "eligibleParks", max_items=MAX_LIST_ITEMS, max_length=40)
    if data.sizing is not None:
        row.sizing = enum_value(data.sizing, engine.SizingRule, "sizing")
    if data.tax_multiplier is not None:
        if not 0 <= data.tax_multiplier <= 100:
            raise ServiceError("taxMultiplier must be between 0 and 100", field="taxMultiplier")
        row.tax_multiplier = data.tax_multiplier
    if data.per_insured_employee is not None:
        row.per_insured_employee = _amount(data.per_insured_employee, "perInsuredEmployee")
    if data.contract_share is not None:
        if not 0 <= data.contract_share <= 1:
            raise ServiceError("contractShare must be between 0 and 1 (0.3 is 30%)", field="contractShare")
        row.contract_share = data.contract_share
    if data.fixed_amount is not None:
        row.fixed_amount = _amount(data.fixed_amount, "fixedAmount")
    if data.min_tax_rating is not KEEP:
        rating = data.min_tax_rating
        row.min_tax_rating = None if rating is None else enum_value(rating, TaxRating, "minTaxRating")
    if data.borrower_kinds is not None:
        kinds = clean_list(data.borrower_kinds, "borrowerKinds", max_items=len(engine.BorrowerKind), max_length=40)
        if not kinds:
            raise ServiceError("borrowerKinds must name at least one kind of borrower", field="borrowerKinds")
        row.borrower_kinds = sorted({enum_value(k, engine.BorrowerKind, "borrowerKinds") for k in kinds})
    if data.start_up is not KEEP:
        _apply_start_up(row, data.start_up)
    if data.active is not None:
        row.active = data.active
    needs = {
        engine.SizingRule.TAX_SOCIAL_INSURANCE: (
            bool(row.tax_multiplier or row.per_insured_employee),
            "taxMultiplier",
            "tax_social_insurance sizing needs taxMultiplier or perInsuredEmployee above 0",
        ),
        engine.SizingRule.BID_CONTRACT: (
            row.contract_share > 0,
            "contractShare",
            "bid_contract sizing needs contractShare above 0",
        ),
        engine.SizingRule.FIXED: (row.fixed_amount > 0, "fixedAmount", "fixed sizing needs fixedAmount above 0"),
    }
    sized, field_name, message = needs[engine.SizingRule(row.sizing)]
    if not sized:
        raise ServiceError(message, field=field_name)


def _apply_start_up(row: LoanProduct, test: StartUpData | None) -> None:
    if test is None:
        row.start_up_max_years = row.start_up_max_insured_employees = row.start_up_max_annual_tax = None
        return
    if not 1 <= test.max_age_years <= MAX_START_UP_YEARS:
        raise ServiceError(
            f"startUp.maxAgeYears must be between 1 and {MAX_START_UP_YEARS}", field="startUp.maxAgeYears"
        )
    if test.max_insured_employees is not None and not 0 <= test.max_insured_employees <= 1_000_000:
        raise ServiceError(
            "startUp.maxInsuredEmployees must be between 0 and 1,000,000", field="startUp.maxInsuredEmployees"
        )
    if test.max_annual_tax is not None:
        _amount(test.max_annual_tax, "startUp.maxAnnualTax")
    row.start_up_max_years = test.max_age_years
    row.start_up_max_insured_employees = test.max_insured_employees
    row.start_up_max_annual_tax = test.max_annual_tax


def _check_unique_name(session: Session, row: LoanProduct) -> None:
    clash = session.exec(
        select(LoanProduct.id).where(
            LoanProduct.bank == row.bank, LoanProduct.name == row.name, LoanProduct.id != (row.id or -1)
        )
    ).first()
    if clash is not None:
        raise ServiceError(f"{row.bank} already has a product named {row.name}", field="name", code=ErrorCode.DUPLICATE)


def create_loan_product(session: Session, account: Account, data: LoanProductData) -> LoanProduct:
    """A new loan product (the bank's own officers, admins)."""
    _require(account, PRODUCT_MANAGERS, "manage loan products")
    missing = [
        name
        for name, value in (
            ("bank", data.bank),
            ("name", data.name),
            ("amountCap", data.amount_cap),
            ("termMonths", data.term_months),
            ("minCreditLevel", data.min_credit_level),
            ("sizing", data.sizing),
        )
        if value is None
    ]
    if missing:
        raise ServiceError(f"a new loan product needs {', '.join(missing)}", field=missing[0])
    row = LoanProduct(bank="", name="", amount_cap=1, term_months=1, min_credit_level="", sizing="")
    _apply_product_data(row, data)
    _require_bank(account, row.bank, "add its loan products")
    _check_unique_name(session, row)
    audit_row(
        session,
        row,
        actor=account,
        action="loan_product.create",
        before=None,
    )
    return row


def update_loan_product(session: Session, account: Account, product_id: int, data: LoanProductData) -> LoanProduct:
    """Change a loan product; omitted fields stay as they are (the bank's own officers, admins).

    A bank officer cannot hand a product to another bank either."""
    _require(account, PRODUCT_MANAGERS, "manage loan products")
    row = session.get(LoanProduct, product_id, with_for_update=True)
    if row is None:
        raise ServiceError("loan product not found", field="id", code=ErrorCode.NOT_FOUND)
    _require_bank(account, row.bank, "change its loan products")
    before = snapshot(row)
    _apply_product_data(row, data)
    _require_bank(account, row.bank, "move a product to it")
    _check_unique_name(session, row)
    row.updated_at = utcnow()
    audit_row(
        session,
        row,
        actor=account,
        action="loan_product.update",
        before=before,
    )
    return row


# ------------------------------------------------------------------ sizing inputs


def _enterprise_for_records(session: Session, account: Account, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise ServiceError("enterprise not found", field="enterpriseId", code=ErrorCode.NOT_FOUND)
    own = account.role == Role.EMPLOYER and account.enterprise_id == enterprise_id
    if not own and account.role not in (Role.CREDIT_OFFICER, Role.ADMIN):
        raise ServiceError(
            "only the enterprise's own employer accounts, credit officers and admins record its financial data",
            field="enterpriseId",
            code=ErrorCode.FORBIDDEN,
        )
    return enterprise


def record_financial_year(
    session: Session, account: Account, enterprise_id: int, *, year: int, tax_paid: int, insured_employees: int
) -> EnterpriseFinancialYear:
    """Record (or correct) one year's tax paid and insured employees of an enterprise."""
    _enterprise_for_records(session, account, enterprise_id)
    this_year = utcnow().year
    if not 1990 <= year <= this_year:
        raise ServiceError(f"year must be between 1990 and {this_year}", field="year")
    _amount(tax_paid, "taxPaid")
    if not 0 <= insured_employees <= 1_000_000:
        raise ServiceError("insuredEmployees must be between 0 and 1,000,000", field="insuredEmployees")
    row = session.exec(
        select(EnterpriseFinancialYear)
        .where(EnterpriseFinancialYear.enterprise_id == enterprise_id, EnterpriseFinancialYear.year == year)
        .with_for_update()
    ).first()
    before = snapshot(row) if row is not None else None
    if row is None:
        row = EnterpriseFinancialYear(enterprise_id=enterprise_id, year=year, tax_paid=0, insured_employees=0)
    row.tax_paid, row.insured_employees, row.updated_at = tax_paid, insured_employees, utcnow()
    audit_row(
        session,
        row,
        actor=account,
        action="financial_year.record",
        before=before,
    )
    return row


@dataclass(slots=True)
class BidContractData:
    title: str
    awarding_authority: str
    value: int
    awarded_on: Any  # datetime.date


def record_bid_contract(session: Session, account: Account, enterprise_id: int, data: BidContractData) -> BidContract:
    """Record a government winning-bid contract of an enterprise."""
    _enterprise_for_records(session, account, enterprise_id)
    title = required_text(data.title, "title", max_length=200)
    authority = required_text(data.awarding_authority, "awardingAuthority", max_length=200)
    value = _amount(data.value, "value", allow_zero=False)
    if data.awarded_on > utcnow().date():
        raise ServiceError("awardedOn must not be in the future", field="awardedOn")
    row = BidContract(
        enterprise_id=enterprise_id, title=title, awarding_authority=authority, value=value, awarded_on=data.awarded_on
    )
    audit_row(
        session,
        row,
        actor=account,
        action="bid_contract.record",
        before=None,
    )
    return row


# ------------------------------------------------------------------ borrower facts


def borrower_facts(session: Session, enterprise_ids: Sequence[int] | None = None) -> dict[int, engine.BorrowerFacts]:
    """What the engine needs of each enterprise (all of them when ``enterprise_ids`` is None).

    A constant number of statements whatever the number of enterprises: one each
    for the enterprises, their financial years and their contracts, plus one
    batched credit assessment.  The latest recorded year gives the annual tax
    paid and insured employees.
    """
    query = select(Enterprise).order_by(col(Enterprise.id))
    if enterprise_ids is not None:
        if not enterprise_ids:
            return {}
        query = query.where(col(Enterprise.id).in_(list(enterprise_ids)))
    enterprises = [e for e in session.exec(query) if e.id is not None]
    ids = [e.id for e in enterprises if e.id is not None]
    if not ids:
        return {}
    id_filter = None if enterprise_ids is None else ids
    latest: dict[int, EnterpriseFinancialYear] = {}
    years = select(EnterpriseFinancialYear).order_by(
        col(EnterpriseFinancialYear.enterprise_id), col(EnterpriseFinancialYear.year).desc()
    )
    if id_filter is not None:
        years = years.where(col(EnterpriseFinancialYear.enterprise_id).in_(id_filter))
    for row in session.exec(years):
        latest.setdefault(row.enterprise_id, row)
    contracts: dict[int, list[int]] = defaultdict(list)
    contract_query = select(BidContract.enterprise_id, BidContract.value).order_by(col(BidContract.id))
    if id_filter is not None:
        contract_query = contract_query.where(col(BidContract.enterprise_id).in_(id_filter))
    for enterprise_id, value in session.exec(contract_query):
        contracts[enterprise_id].append(value)
    credits = credit.assess_enterprises(session, ids)
    facts: dict[int, engine.BorrowerFacts] = {}
    for enterprise in enterprises:
        assert enterprise.id is not None
        assessed = credits.get(enterprise.id)
        year = latest.get(enterprise.id)
        kind, basis = engine.classify_borrower(enterprise.uscc, enterprise.legal_name)
        facts[enterprise.id] = engine.BorrowerFacts(
            id=enterprise.id,
            kind=kind,
            kind_basis=basis,
            founded_on=enterprise.founded_on,
            name=enterprise.legal_name,
            credit_level=assessed.assessment.level if assessed else None,
            credit_score=assessed.assessment.score if assessed else None,
            verified=assessed.verified if assessed else False,
            blocking_reasons=tuple(r.description for r in assessed.assessment.blocking) if assessed else (),
            industry_chain=enterprise.industry_chain,
            park=enterprise.park,
            annual_tax_paid=year.tax_paid if year else None,
            tax_rating=assessed.latest_tax_rating if assessed else None,
            insured_employees=year.insured_employees if year else None,
            bid_contract_values=tuple(contracts.get(enterprise.id, ())),
        )
    return facts


@dataclass(frozen=True, slots=True)
class CupProject:
    """A Guilu Cup project, as the Cup must expose it to be ranked for loans.

    ``competition`` names its competition and edition; ``finalised`` says whether the results are frozen.
    ``competition_score`` is the final score (0-100) and ``award`` the prize, if any (e.g. 一等奖): both
    None until the competition is finalised, and for a project that did not reach the final round.
    ``industry_chain`` is optional and feeds the industry fit.
    """

    id: int
    name: str
    founder_talent_ids: tuple[int, ...]
    competition_score: float | None
    award: str | None = None
    industry_chain: str | None = None
    competition: str | None = None
    finalised: bool = True


def cup_projects(session: Session) -> list[CupProject]:
    """Every Guilu Cup project, of finalised competitions and open ones alike (the ranking says why the
    latter are left out).

    One project per entry: the title, the team's talents who agreed to be on it (lead first), the
    competition, whether it is finalised, and once it is the final aggregate (0-100), the award tier if
    any; the track's industry chain.  :func:`rank_candidates` ranks them beside the enterprises.
    """
    from api.models import Competition, CupResult, Entry, EntryMember  # the Cup's tables, kept out of this module's API

    rows = session.exec(
        select(Entry, Competition, CupResult)
        .join(Competition, col(Competition.id) == col(Entry.competition_id))
        .outerjoin(
            CupResult,
            (col(CupResult.entry_id) == col(Entry.id)) & (col(CupResult.competition_id) == col(Competition.id)),
        )
        .order_by(col(Entry.id))
    ).all()
    founders: dict[int, list[int]] = defaultdict(list)
    entry_ids = [entry.id for entry, _, _ in rows]
    if entry_ids:
        members = select(EntryMember).where(
            col(EntryMember.entry_id).in_(entry_ids), col(EntryMember.accepted_at).is_not(None)
        )  # a member only invited, who never agreed, founds nothing
        for member in session.exec(members.order_by(col(EntryMember.position))):
            founders[member.entry_id].append(member.talent_id)
    projects: list[CupProject] = []
    for entry, competition, result in rows:
        assert entry.id is not None
        finalised = competition.status == "finalised"
        frozen = result if finalised else None
        projects.append(
            CupProject(
                id=entry.id,
                name=entry.title,
                founder_talent_ids=tuple(founders[entry.id]),
                competition_score=frozen.aggregate if frozen else None,
                award=frozen.award if frozen else None,
                industry_chain=entry.track,
                competition=f"{competition.name} 第{competition.edition}届 ({competition.year})",
                finalised=finalised,
            )
        )
    return projects


def project_facts(session: Session, projects: Sequence[CupProject]) -> list[engine.BorrowerFacts]:
    """The engine's facts for start-up projects: no enterprise credit, judged on the founders'
    current personal credit (on the home scale, one batched query) and the competition result."""
    founders = credit.latest_personal_credit(session, [t for p in projects for t in p.founder_talent_ids])
    facts: list[engine.BorrowerFacts] = []
    for project in projects:
        scores = [founders[t].home_score for t in project.founder_talent_ids if t in founders]
        facts.append(
            engine.BorrowerFacts(
                id=project.id,
                kind=engine.BorrowerKind.PROJECT,
                name=project.name,
                credit_level=None,
                credit_score=None,
                verified=False,
                blocking_reasons=(),
                industry_chain=project.industry_chain,
                park=None,
                annual_tax_paid=None,
                tax_rating=None,
                insured_employees=None,
                founder_personal_scores=tuple(scores),
                competition_score=project.competition_score,
                competition_award=project.award,
                competition=project.competition,
                competition_finalised=project.finalised,
            )
        )
    return facts


# ------------------------------------------------------------------ offers and ranking


def _visible_enterprise(session: Session, account: Account, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise ServiceError("enterprise not found", field="enterpriseId", code=ErrorCode.NOT_FOUND)
    if account.role not in FINANCING_STAFF and account.enterprise_id != enterprise_id:
        raise ServiceError(
            "only the enterprise's own accounts, credit officers, bank officers and admins see its financing",
            field="enterpriseId",
            code=ErrorCode.FORBIDDEN,
        )
    return enterprise


def _active_products(session: Session) -> list[LoanProduct]:
    query = select(LoanProduct).where(col(LoanProduct.active).is_(True)).order_by(col(LoanProduct.id))
    return list(session.exec(query))


def enterprise_offers(session: Session, account: Account, enterprise_id: int) -> list[tuple[LoanProduct, engine.Offer]]:
    """Every active product for one enterprise: eligible ones by limit then fit, then the
    ineligible ones with their failures (:func:`matching.financing.financing_options`)."""
    _visible_enterprise(session, account, enterprise_id)
    rows = {row.id: row for row in _active_products(session)}
    facts = borrower_facts(session, [enterprise_id])[enterprise_id]
    offers = engine.financing_options([to_engine_product(row) for row in rows.values()], facts, today=utcnow().date())
    return [(rows[offer.product_id], offer) for offer in offers]


@dataclass(frozen=True, slots=True)
class Ranking:
    """One product's ranking (:class:`matching.financing.FinancingRanking`) with each borrower's facts."""

    product: LoanProduct
    ranking: engine.FinancingRanking
    facts: dict[tuple[str, int], engine.BorrowerFacts] = field(default_factory=dict)


def rank_candidates(session: Session, account: Account, product_id: int) -> Ranking:
    """Enterprises and Guilu Cup projects ranked for one active product, with the left-out ones and why.

    The order is fit, then limit, then kind and id.  An inactive product ranks nobody: it is refused as
    ``NOT_FOUND`` (it is not offered), as :func:`apply_for_financing` refuses it.
    """
    _require(account, FINANCING_STAFF, "rank financing candidates")
    product = session.get(LoanProduct, product_id)
    if product is None:
        raise ServiceError("loan product not found", field="productId", code=ErrorCode.NOT_FOUND)
    _require_bank(account, product.bank, "rank candidates for its products")
    if not product.active:
        raise ServiceError(
            f"{product.name} is inactive: it is not offered, so nobody is ranked for it "
            "(updateLoanProduct with active: true offers it again)",
            field="productId",
            code=ErrorCode.NOT_FOUND,
        )
    candidates = [*borrower_facts(session).values(), *project_facts(session, cup_projects(session))]
    ranking = engine.rank_financing_candidates(to_engine_product(product), candidates, today=utcnow().date())
    return Ranking(product=product, ranking=ranking, facts={(f.kind, f.id): f for f in candidates})


# ------------------------------------------------------------------ applications


# Timestamps an application's audit entries leave out: the entry's own time says when.
_UNAUDITED = ("created_at", "updated_at")


def apply_for_financing(
    session: Session, account: Account, *, product_id: int, enterprise_id: int, requested_amount: int
) -> FinancingApplication:
    """The enterprise's own employer account applies for an active product it is eligible for."""
    if account.role != Role.EMPLOYER or account.enterprise_id != enterprise_id:
        raise ServiceError(
            "only the enterprise's own employer accounts apply for its financing",
            field="enterpriseId",
            code=ErrorCode.FORBIDDEN,
        )
    product = session.get(LoanProduct, product_id)
    if product is None or not product.active:
        raise ServiceError("loan product not found or no longer offered", field="productId", code=ErrorCode.NOT_FOUND)
    if session.get(Enterprise, enterprise_id) is None:
        raise ServiceError("enterprise not found", field="enterpriseId", code=ErrorCode.NOT_FOUND)
    if requested_amount <= 0:
        raise ServiceError("requestedAmount must be more than 0 yuan", field="requestedAmount")
    if requested_amount > product.amount_cap:
        raise ServiceError(
            f"requestedAmount {requested_amount:,} is above the product cap of {product.amount_cap:,} yuan",
            field="requestedAmount",
        )
    open_one = session.exec(
        select(FinancingApplication.id).where(
            FinancingApplication.enterprise_id == enterprise_id,
            FinancingApplication.product_id == product_id,
            col(FinancingApplication.status).in_([s.value for s in OPEN_STATUSES]),
        )
    ).first()
    if open_one is not None:
        raise ServiceError(
            "the enterprise already has an open application for this product",
            field="productId",
            code=ErrorCode.DUPLICATE,
        )
    facts = borrower_facts(session, [enterprise_id])[enterprise_id]
    offer = engine.evaluate(to_engine_product(product), facts, today=utcnow().date())
    if not offer.eligible:
        raise ServiceError(
            f"the enterprise is not eligible for {product.name}: {'; '.join(offer.failures)}", field="productId"
        )
    application = FinancingApplication(
        product_id=product_id,
        enterprise_id=enterprise_id,
        applicant_account_id=account.id,
        requested_amount=requested_amount,
        status=S.SUBMITTED.value,
    )
    audit_row(
        session,
        application,
        actor=account,
        action="financing_application.submit",
        before=None,
        exclude=_UNAUDITED,
    )
    return application


def can_see_application(viewer: Account | None, application: FinancingApplication, product: LoanProduct) -> bool:
    """Whether ``viewer`` reads ``application`` (to ``product``): credit officers and admins every one, bank
    officers those to their own bank's products, any account those of its own enterprise."""
    if viewer is None:
        return False
    if viewer.role in _ALL_APPLICATIONS or acts_for_bank(viewer, product.bank):
        return True
    return viewer.enterprise_id is not None and viewer.enterprise_id == application.enterprise_id


def visible_applications(viewer: Account) -> ColumnElement[bool]:
    """:func:`can_see_application` as a where-clause over ``financing_application``."""
    if viewer.role in _ALL_APPLICATIONS:
        return true()
    own = FinancingApplication.enterprise_id == viewer.enterprise_id if viewer.enterprise_id is not None else false()
    if viewer.role == Role.BANK_OFFICER and viewer.bank is not None:
        banks_products = select(LoanProduct.id).where(LoanProduct.bank == viewer.bank)
        return or_(own, col(FinancingApplication.product_id).in_(banks_products))
    return own


def _decidable(session: Session, account: Account, application_id: int, target: S) -> FinancingApplication:
    """The application, once the account may move it to ``target``: an officer of the product's bank, not
    of the borrowing enterprise, and (to disburse) not the officer who approved it."""
    _require(account, (Role.BANK_OFFICER,), "decide and disburse financing applications")
    application = session.get(FinancingApplication, application_id, with_for_update=True)
    if application is None:
        raise ServiceError("financing application not found", field="id", code=ErrorCode.NOT_FOUND)
    product = session.get(LoanProduct, application.product_id)
    assert product is not None
    _require_bank(account, product.bank, "decide and disburse applications for its products")
    if account.enterprise_id is not None and account.enterprise_id == application.enterprise_id:
        raise ServiceError(
            "your account is linked to the applicant: an officer decides nothing for their own enterprise",
            field="id",
            code=ErrorCode.FORBIDDEN,
        )
    source = S.APPROVED if target is S.DISBURSED else S.SUBMITTED
    if application.status != source:
        raise ServiceError(
            f"an application cannot move from {application.status} to {target.value}"
            f" (only {source.value} applications can be {target.value})",
            field="id",
            code=ErrorCode.INVALID_TRANSITION,
        )
    if target is S.DISBURSED and application.decided_by == account.id:
        raise ServiceError(
            f"you approved this application: another officer of {product.bank} must disburse it (separation of duties)",
            field="id",
            code=ErrorCode.FORBIDDEN,
        )
    return application


def _decide(session: Session, account: Account, application: FinancingApplication, target: S) -> None:
    before = snapshot(application, exclude=_UNAUDITED)
    now = utcnow()
    application.status = target.value
    if target is S.DISBURSED:
        application.disbursed_by, application.disbursed_at = account.id, now
    else:
        application.decided_by, application.decided_at = account.id, now
    application.updated_at = now
    audit_row(
        session,
        application,
        actor=account,
        action=f"financing_application.{target.value}",
        before=before,
        exclude=_UNAUDITED,
    )


def approve_financing(session: Session, account: Account, application_id: int, amount: int) -> FinancingApplication:
    """Approve a submitted application for ``amount`` yuan: more than 0, at most the requested
    amount and the product cap (officers of the product's bank)."""
    application = _decidable(session, account, application_id, S.APPROVED)
    product = session.get(LoanProduct, application.product_id)
    assert product is not None
    if amount <= 0:
        raise ServiceError("amount must be more than 0 yuan", field="amount")
    if amount > application.requested_amount:
        raise ServiceError(
            f"amount {amount:,} is above the requested {application.requested_amount:,} yuan", field="amount"
        )
    if amount > product.amount_cap:
        raise ServiceError(f"amount {amount:,} is above the product cap of {product.amount_cap:,} yuan", field="amount")
    application.approved_amount = amount
    _decide(session, account, application, S.APPROVED)
    return application


def reject_financing(session: Session, account: Account, application_id: int, reason: str) -> FinancingApplication:
    """Reject a submitted application, saying why (officers of the product's bank)."""
    application = _decidable(session, account, application_id, S.REJECTED)
    application.rejection_reason = required_text(reason, "reason", max_length=1000)
    _decide(session, account, application, S.REJECTED)
    return application


def disburse_financing(session: Session, account: Account, application_id: int) -> FinancingApplication:
    """Record that an approved application's amount was paid out (an officer of the product's bank other
    than the one who approved it)."""
    application = _decidable(session, account, application_id, S.DISBURSED)
    _decide(session, account, application, S.DISBURSED)
    return application


@dataclass(frozen=True, slots=True)
class ProductStats:
    """Applications to one product: ``approved`` counts every approval, disbursed ones included."""

    applied: int = 0
    approved: int = 0
    rejected: int = 0
    disbursed: int = 0
    disbursed_amount: int = 0


def product_stats(session: Session, product_ids: Sequence[int]) -> dict[int, ProductStats]:
    """Application figures per product, in one statement."""
    status = col(FinancingApplication.status)
    disbursed = status == S.DISBURSED.value

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(
            col(FinancingApplication.product_id),
            func.count(col(FinancingApplication.id)),
            count_if(status.in_([S.APPROVED.value, S.DISBURSED.value])),
            count_if(status == S.REJECTED.value),
            count_if(disbursed),
            func.coalesce(func.sum(case((disbursed, FinancingApplication.approved_amount), else_=0)), 0),
        )
        .where(col(FinancingApplication.product_id).in_(list(product_ids)))
        .group_by(col(FinancingApplication.product_id))
    )
    stats = {
        product_id: ProductStats(int(applied), int(approved), int(rejected), int(count), int(amount))
        for product_id, applied, approved, rejected, count, amount in session.exec(query)
    }
    return {pid: stats.get(pid, ProductStats()) for pid in product_ids}
