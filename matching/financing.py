"""Credit-easy loans (信易贷): eligibility, sizing and ranking, each explained.

A :class:`LoanProduct` is a bank's loan; :class:`BorrowerFacts` what the city
knows of an enterprise or a start-up project.  :func:`evaluate` gives one
:class:`Offer`: whether the borrower is eligible (and every rule it fails, in
plain words), the credit line sized step by step, and how well it fits.
:func:`rank_financing_candidates` ranks the eligible borrowers of one product,
says of each why it stands where it does, and lists the left-out ones with
their reasons.

Borrower kinds
--------------
A product lends to some kinds of borrower only (``borrower_kinds``; by default
:data:`DEFAULT_BORROWER_KINDS`: enterprises and Guilu Cup start-up projects).
:func:`classify_borrower` reads an organisation's kind from its unified social
credit code (GB 32100-2015: the first character is the registration authority,
the second the organisation type) and, for enterprises, from its legal name:

=========================  ==========================================================
kind                       rule
=========================  ==========================================================
``government_organ``       ``11`` (机关)
``public_institution``     ``12`` (事业单位: universities, hospitals, institutes)
``social_organisation``    ``13`` (群众团体), ``5x`` (社会团体, 民办非企业单位, 基金会),
                           ``8x`` (工会)
``individual_business``    ``92`` (个体工商户)
``farmers_cooperative``    ``93`` (农民专业合作社)
``collective_economy``     ``Nx`` (农村集体经济组织, e.g. ``N2`` a village's)
``financial_institution``  ``91`` and a legal name with a licensed financial form
                           (:data:`FINANCIAL_NAME_MARKERS`: 银行, 保险, 证券, 信托,
                           融资租赁, 商业保理, 小额贷款, 融资担保, ...): the financial
                           firms of the 金融业企业划型规定, which the SME size rules
                           (中小企业划型标准规定) that SME credit follows leave out
``enterprise``             any other ``91`` (企业), e.g. a 金融信息服务 or 投资咨询
                           firm, which serves finance but lends nothing
``other_organisation``     everything else (law firms, religious bodies, ...)
=========================  ==========================================================

Eligibility
-----------
A borrower fails, each with its own message:

* a kind the product does not lend to;
* a start-up product's test (:class:`StartUpTest`): an enterprise founded more
  than ``max_age_years`` ago or with no founding date on record, more insured
  employees or more annual tax paid than its limits.  Start-up projects pass it:
  they are not incorporated yet;
* a project whose competition is not finalised (its result is not frozen), or
  without a final result (it did not reach the final round);
* every ``blocking_reasons`` entry (an active dishonest-debtor or
  serious-dishonesty listing bars every product);
* a credit level below the product's ``min_credit_level`` (or none on record).
  A *project* without an enterprise credit level is judged on its founders
  instead: it passes when it has founders' personal credit on record and the
  lowest, on the home scale, is at least :data:`FOUNDER_SCORE_FLOOR`;
* a tax rating below ``min_tax_rating`` (ratings order A > B > M > C > D);
* an industry chain or park outside the product's lists (an empty list
  admits all);
* missing sizing data (annual tax paid, insured employees, a winning-bid
  contract), or a sizing that comes to 0.

``verified`` is informational here: the product's own minimum level decides,
so a product open to level C stays open to an unverified level-C firm.

Sizing (:class:`SizingRule`)
----------------------------
``tax_social_insurance`` (torch park loan, 火炬园区贷)
    ``tax_multiplier x annual tax paid + per_insured_employee x insured employees``.
``bid_contract`` (招投标信易贷)
    ``contract_share x`` the *largest* winning-bid contract: the loan is
    granted against one uploaded contract, so contracts do not add up.
``fixed``
    ``fixed_amount``.

The result is capped at ``amount_cap``; the offered ``limit`` is 0 when the
borrower is not eligible (the steps still show what the sizing would give).

Fit
---
One 0-100 scale for enterprises and start-up projects alike,
``sum(FIT_WEIGHTS[c] * similarity[c])`` rounded to 2 decimals; each component
means the same for both kinds and is explained as a
:class:`~matching.score.ComponentScore`:

``credit_standing`` (40)
    How high the borrower's credit stands on its own scale: an enterprise's
    scorecard score / 1000; a project's founders' mean personal credit on the
    Egret scale (350-950, :data:`~matching.credit.EGRET_SCALE`).  None on record: 0.
``track_record`` (40)
    What others have judged of its performance: an enterprise's tax record
    (tax rating 40%: A 1, B 0.75, M 0.5, C 0.25, D 0; annual tax paid 20%, full
    from 1,000,000 yuan; insured employees 40%, full from 50); a project's Guilu
    Cup result (final score / 100, at least :data:`AWARD_FLOOR` with an award).
``industry_fit`` (20)
    1 when the product targets the borrower's chain; 0.75 when the product is
    open to all chains and the borrower has one, 0.5 when it has none; 0 when
    the chain is not eligible.

So a first-prize project with good founders' credit outranks a weak enterprise,
and a strong enterprise outranks a weak project.

Example
-------
>>> from matching.credit import CreditLevel, TaxRating
>>> loan = LoanProduct(1, "Bank of X", "Torch park loan", 4_000_000, 12, CreditLevel.B, frozenset(), frozenset(),
...                    SizingRule.TAX_SOCIAL_INSURANCE, tax_multiplier=2.0, per_insured_employee=20_000)
>>> firm = BorrowerFacts(7, BorrowerKind.ENTERPRISE, "Egret Tech", CreditLevel.B, 720.0, True, (), "new_energy",
...                      "torch", annual_tax_paid=1_500_000, tax_rating=TaxRating.B, insured_employees=60)
>>> offer = evaluate(loan, firm)
>>> offer.limit, [step.description for step in offer.steps]
(4000000, ['2.0 x annual tax paid 1,500,000 = 3,000,000', '+ 20,000 x 60 insured employees = 1,200,000', \
'= 4,200,000', 'capped at 4,000,000'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from matching.credit import EGRET_SCALE, CreditLevel, TaxRating
from matching.score import ComponentScore

__all__ = [
    "AWARD_FLOOR",
    "DEFAULT_BORROWER_KINDS",
    "FINANCIAL_NAME_MARKERS",
    "FIT_WEIGHTS",
    "FOUNDER_SCORE_FLOOR",
    "KIND_NAMES",
    "BorrowerFacts",
    "BorrowerKind",
    "FinancingRanking",
    "LoanProduct",
    "Offer",
    "RankedCandidate",
    "SizingRule",
    "SizingStep",
    "StartUpTest",
    "classify_borrower",
    "evaluate",
    "financing_options",
    "rank_financing_candidates",
]


class SizingRule(StrEnum):
    """How a product sizes its credit line (see the module docstring)."""

    TAX_SOCIAL_INSURANCE = "tax_social_insurance"
    BID_CONTRACT = "bid_contract"
    FIXED = "fixed"


class BorrowerKind(StrEnum):
    """What a would-be borrower is (see :func:`classify_borrower`)."""

    ENTERPRISE = "enterprise"
    PROJECT = "project"
    FINANCIAL_INSTITUTION = "financial_institution"
    INDIVIDUAL_BUSINESS = "individual_business"
    FARMERS_COOPERATIVE = "farmers_cooperative"
    COLLECTIVE_ECONOMY = "collective_economy"
    PUBLIC_INSTITUTION = "public_institution"
    GOVERNMENT_ORGAN = "government_organ"
    SOCIAL_ORGANISATION = "social_organisation"
    OTHER_ORGANISATION = "other_organisation"


# Who a product lends to unless it says otherwise: small and medium enterprises and start-up projects.
DEFAULT_BORROWER_KINDS = frozenset({BorrowerKind.ENTERPRISE, BorrowerKind.PROJECT})
KIND_NAMES: Mapping[BorrowerKind, str] = MappingProxyType(
    {
        BorrowerKind.ENTERPRISE: "enterprises",
        BorrowerKind.PROJECT: "Guilu Cup start-up projects",
        BorrowerKind.FINANCIAL_INSTITUTION: "financial institutions",
        BorrowerKind.INDIVIDUAL_BUSINESS: "individual businesses (个体工商户)",
        BorrowerKind.FARMERS_COOPERATIVE: "farmers' cooperatives (农民专业合作社)",
        BorrowerKind.COLLECTIVE_ECONOMY: "rural collective economic organisations (农村集体经济组织)",
        BorrowerKind.PUBLIC_INSTITUTION: "public institutions (事业单位)",
        BorrowerKind.GOVERNMENT_ORGAN: "government organs (机关)",
        BorrowerKind.SOCIAL_ORGANISATION: "social organisations (社会组织)",
        BorrowerKind.OTHER_ORGANISATION: "other organisations",
    }
)
_KIND_ONE = MappingProxyType(
    {
        BorrowerKind.ENTERPRISE: "an enterprise",
        BorrowerKind.PROJECT: "a Guilu Cup start-up project",
        BorrowerKind.FINANCIAL_INSTITUTION: "a financial institution",
        BorrowerKind.INDIVIDUAL_BUSINESS: "an individual business (个体工商户)",
        BorrowerKind.FARMERS_COOPERATIVE: "a farmers' cooperative (农民专业合作社)",
        BorrowerKind.COLLECTIVE_ECONOMY: "a rural collective economic organisation (农村集体经济组织)",
        BorrowerKind.PUBLIC_INSTITUTION: "a public institution (事业单位)",
        BorrowerKind.GOVERNMENT_ORGAN: "a government organ (机关)",
        BorrowerKind.SOCIAL_ORGANISATION: "a social organisation (社会组织)",
        BorrowerKind.OTHER_ORGANISATION: "neither an enterprise nor a start-up project",
    }
)
# GB 32100-2015: registration authority (1st character) and organisation type (2nd) -> kind.
_USCC_KINDS = MappingProxyType(
    {
        "11": BorrowerKind.GOVERNMENT_ORGAN,
        "12": BorrowerKind.PUBLIC_INSTITUTION,
        "13": BorrowerKind.SOCIAL_ORGANISATION,
        "91": BorrowerKind.ENTERPRISE,
        "92": BorrowerKind.INDIVIDUAL_BUSINESS,
        "93": BorrowerKind.FARMERS_COOPERATIVE,
    }
)
_USCC_AUTHORITY_KINDS = MappingProxyType(
    {"5": BorrowerKind.SOCIAL_ORGANISATION, "8": BorrowerKind.SOCIAL_ORGANISATION, "N": BorrowerKind.COLLECTIVE_ECONOMY}
)
# Legal forms of licensed financial firms (banks, insurers, securities and futures firms, trusts, fund managers,
# finance companies) and of local financial organisations (lessors, factors, microlenders, guarantors, pawnshops).
FINANCIAL_NAME_MARKERS = (
    "银行",
    "信用合作社",
    "保险",
    "证券",
    "期货",
    "信托",
    "基金管理",
    "基金销售",
    "金融租赁",
    "融资租赁",
    "保理",
    "小额贷款",
    "融资担保",
    "典当",
    "消费金融",
    "汽车金融",
    "金融资产管理",
    "理财有限",
    "货币经纪",
    "财务有限公司",
    "财务有限责任公司",
)

FIT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"credit_standing": 40.0, "track_record": 40.0, "industry_fit": 20.0}
)
# A project without an enterprise credit level needs every founder at least this (home scale).
FOUNDER_SCORE_FLOOR = 600.0
# Any Guilu Cup award lifts the competition result to at least this.
AWARD_FLOOR = 0.8

_TAX_SIMILARITY = MappingProxyType(
    {TaxRating.A: 1.0, TaxRating.B: 0.75, TaxRating.M: 0.5, TaxRating.C: 0.25, TaxRating.D: 0.0}
)
_CREDIT_SCORE_SCALE = 1000.0
# An enterprise's track record: shares of the tax rating, the annual tax paid and the insured employees.
_TAX_RECORD_SHARES = MappingProxyType({"tax_rating": 0.4, "tax_paid": 0.2, "insured": 0.4})
# Annual tax paid and insured employees at which those shares are full.
_FULL_TAX_PAID = 1_000_000
_FULL_INSURED_EMPLOYEES = 50
_OPEN_CHAIN_KNOWN = 0.75
_OPEN_CHAIN_UNKNOWN = 0.5


def classify_borrower(uscc: str, legal_name: str) -> tuple[BorrowerKind, str]:
    """An organisation's :class:`BorrowerKind` and the basis, in words, from its USCC and legal name.

    >>> classify_borrower("12350200MA2Y0ABC7C", "厦门大学")[0]
    <BorrowerKind.PUBLIC_INSTITUTION: 'public_institution'>
    >>> classify_borrower("91350200MA2Y0ABC7C", "交通银行股份有限公司厦门分行")
    (<BorrowerKind.FINANCIAL_INSTITUTION: 'financial_institution'>, 'its USCC type 91 and 银行 in its name')
    """
    head = uscc[:2].upper()
    kind = _USCC_KINDS.get(head) or _USCC_AUTHORITY_KINDS.get(head[:1], BorrowerKind.OTHER_ORGANISATION)
    if kind is BorrowerKind.ENTERPRISE:
        marker = next((m for m in FINANCIAL_NAME_MARKERS if m in legal_name), None)
        if marker is not None:
            return BorrowerKind.FINANCIAL_INSTITUTION, f"its USCC type {head} and {marker} in its name"
    return kind, f"its USCC type {head}"


@dataclass(frozen=True, slots=True)
class StartUpTest:
    """A start-up product's test for enterprises: founded within ``max_age_years`` (a founding date on
    record is needed), and at most ``max_insured_employees`` and ``max_annual_tax`` (yuan) when set."""

    max_age_years: int
    max_insured_employees: int | None = None
    max_annual_tax: int | None = None

    def __post_init__(self) -> None:
        limits = (self.max_insured_employees or 0, self.max_annual_tax or 0)
        if self.max_age_years < 1 or any(limit < 0 for limit in limits):
            raise ValueError("a start-up test needs at least 1 year and limits that are not negative")


@dataclass(frozen=True, slots=True)
class LoanProduct:
    """A bank's credit-easy loan: who may borrow and how the line is sized.

    Amounts are in yuan.  ``eligible_chains`` and ``eligible_parks`` admit
    everyone when empty; ``borrower_kinds`` never is.  Only the sizing fields of
    ``sizing`` are used: ``tax_multiplier`` (yuan of limit per yuan of annual
    tax paid) and ``per_insured_employee`` for ``tax_social_insurance``,
    ``contract_share`` (0..1) for ``bid_contract``, ``fixed_amount`` for
    ``fixed``.  ``start_up`` makes it a start-up product.

    Raises
    ------
    ValueError
        On a negative amount, a share outside 0..1, a term under one month, no
        borrower kind or a sizing rule whose own fields are all 0.
    """

    id: int
    bank: str
    name: str
    amount_cap: int
    term_months: int
    min_credit_level: CreditLevel
    eligible_chains: frozenset[str]
    eligible_parks: frozenset[str]
    sizing: SizingRule
    tax_multiplier: float = 0.0
    per_insured_employee: int = 0
    contract_share: float = 0.0
    fixed_amount: int = 0
    min_tax_rating: TaxRating | None = None
    borrower_kinds: frozenset[BorrowerKind] = DEFAULT_BORROWER_KINDS
    start_up: StartUpTest | None = None

    def __post_init__(self) -> None:
        amounts = (self.amount_cap, self.tax_multiplier, self.per_insured_employee, self.fixed_amount)
        if any(not math.isfinite(amount) or amount < 0 for amount in amounts):
            raise ValueError(f"loan product {self.id}: amounts and multipliers must be finite and not negative")
        if not 0.0 <= self.contract_share <= 1.0:
            raise ValueError(f"loan product {self.id}: contract_share must be within 0..1")
        if self.term_months < 1:
            raise ValueError(f"loan product {self.id}: the term must be at least one month")
        if not self.borrower_kinds:
            raise ValueError(f"loan product {self.id}: it must lend to at least one kind of borrower")
        sized_by = {
            SizingRule.TAX_SOCIAL_INSURANCE: self.tax_multiplier or self.per_insured_employee,
            SizingRule.BID_CONTRACT: self.contract_share,
            SizingRule.FIXED: self.fixed_amount,
        }
        if not sized_by[self.sizing]:
            raise ValueError(f"loan product {self.id}: sizing {self.sizing} needs its own amount fields set")


@dataclass(frozen=True, slots=True)
class BorrowerFacts:
    """What the city knows of a would-be borrower: an organisation or a start-up project.

    ``kind`` is the organisation's :class:`BorrowerKind` (``kind_basis`` says
    why, see :func:`classify_borrower`); ids are unique per kind, projects and
    organisations counting apart.  ``blocking_reasons`` are the plain-word
    reasons it is barred outright (the descriptions of
    :attr:`~matching.credit.CreditAssessment.blocking`); ``annual_tax_paid`` is
    the latest year's, in yuan; ``founder_personal_scores`` are already on the
    home scale (:func:`~matching.credit.map_to_home_scale`);
    ``competition_score`` is the Guilu Cup score (0-100), ``competition`` the
    competition's name and ``competition_finalised`` whether its results are
    frozen (a project's result counts only then).

    Raises
    ------
    ValueError
        On a negative amount or count, or a competition score outside 0..100.
    """

    id: int
    kind: BorrowerKind
    name: str
    credit_level: CreditLevel | None
    credit_score: float | None
    verified: bool
    blocking_reasons: tuple[str, ...]
    industry_chain: str | None
    park: str | None
    annual_tax_paid: int | None
    tax_rating: TaxRating | None
    insured_employees: int | None
    bid_contract_values: tuple[int, ...] = ()
    founder_personal_scores: tuple[float, ...] = ()
    competition_score: float | None = None
    competition_award: str | None = None
    competition: str | None = None
    competition_finalised: bool = True
    founded_on: date | None = None
    kind_basis: str = ""

    def __post_init__(self) -> None:
        counts = (self.annual_tax_paid or 0, self.insured_employees or 0, *self.bid_contract_values)
        if any(count < 0 for count in counts):
            raise ValueError(f"borrower {self.kind} {self.id}: amounts and counts must not be negative")
        if self.competition_score is not None and not 0.0 <= self.competition_score <= 100.0:
            raise ValueError(f"borrower {self.kind} {self.id}: competition_score must be within 0..100")


@dataclass(frozen=True, slots=True)
class SizingStep:
    """One line of the sizing: what it does and the amount (yuan) it gives."""

    description: str
    amount: int


@dataclass(frozen=True, slots=True)
class Offer:
    """One product for one borrower, explained.

    ``failures`` lists every rule failed (empty when ``eligible``); ``steps``
    the sizing; ``limit`` the credit line (0 when not eligible); ``fit`` the
    0-100 fit with its ``components``.
    """

    product_id: int
    borrower_id: int
    borrower_kind: BorrowerKind
    eligible: bool
    failures: tuple[str, ...]
    steps: tuple[SizingStep, ...]
    limit: int
    fit: float
    components: tuple[ComponentScore, ...]


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    """An eligible borrower's place: ``rank`` (1-based) and ``standing``, why it stands there."""

    offer: Offer
    rank: int
    standing: str


@dataclass(frozen=True, slots=True)
class FinancingRanking:
    """One product's ranking: the eligible ``candidates`` best first, and the ``exclusions`` (the ineligible
    offers, projects first, then by kind and id), each with its failures."""

    candidates: tuple[RankedCandidate, ...] = ()
    exclusions: tuple[Offer, ...] = ()


def evaluate(product: LoanProduct, facts: BorrowerFacts, *, today: date | None = None) -> Offer:
    """Check, size and fit one product for one borrower; ``today`` (default: the local date) ages enterprises
    for a start-up product's test.

    Returns
    -------
    Offer
        Always returned, eligible or not; a failed rule never stops the other
        checks, so every failure is listed.
    """
    failures = [
        *_kind_failures(product, facts, today or date.today()),
        *facts.blocking_reasons,
        *_credit_failures(product, facts),
        *_list_failures(product, facts),
    ]
    steps, sized, missing = _size(product, facts)
    failures.extend(missing)
    if not missing and sized == 0:
        failures.append("the sizing gives a credit line of 0")
    eligible = not failures
    if not eligible:
        steps.append(SizingStep("not eligible: limit 0", 0))
    components = _fit_components(product, facts)
    fit = round(math.fsum(c.contribution for c in components), 2)
    return Offer(
        product_id=product.id,
        borrower_id=facts.id,
        borrower_kind=facts.kind,
        eligible=eligible,
        failures=tuple(failures),
        steps=tuple(steps),
        limit=sized if eligible else 0,
        fit=min(max(fit, 0.0), 100.0),
        components=components,
    )


def financing_options(
    products: Iterable[LoanProduct], facts: BorrowerFacts, *, today: date | None = None
) -> list[Offer]:
    """Every product for one borrower: eligible ones by limit, fit (both descending) and
    product id; then the ineligible ones by product id, with their failures."""
    offers = [evaluate(product, facts, today=today) for product in products]
    eligible = sorted((o for o in offers if o.eligible), key=lambda o: (-o.limit, -o.fit, o.product_id))
    ineligible = sorted((o for o in offers if not o.eligible), key=lambda o: o.product_id)
    return eligible + ineligible


def rank_financing_candidates(
    product: LoanProduct, candidates: Iterable[BorrowerFacts], *, today: date | None = None
) -> FinancingRanking:
    """The eligible candidates for ``product``, best fit first, each saying why it stands where it does,
    and the ineligible ones with their failures, for a bank officer.

    Candidates are sorted by fit descending, then limit descending, then kind and id.
    """
    facts_of = {(f.kind, f.id): f for f in candidates}
    offers = [evaluate(product, facts, today=today) for facts in facts_of.values()]
    eligible = sorted(
        (o for o in offers if o.eligible), key=lambda o: (-o.fit, -o.limit, o.borrower_kind, o.borrower_id)
    )
    exclusions = sorted(
        (o for o in offers if not o.eligible),
        key=lambda o: (o.borrower_kind is not BorrowerKind.PROJECT, o.borrower_kind, o.borrower_id),
    )
    ranked = tuple(
        RankedCandidate(offer, rank, _standing(eligible, rank, facts_of))
        for rank, offer in enumerate(eligible, start=1)
    )
    return FinancingRanking(candidates=ranked, exclusions=tuple(exclusions))


def _standing(ranked: list[Offer], rank: int, facts_of: Mapping[tuple[BorrowerKind, int], BorrowerFacts]) -> str:
    """Why the ``rank``-th of ``ranked`` stands there: how far it is below the one above it and on which
    component that one leads most (for the first: how far above the second, and where it leads most)."""
    offer = ranked[rank - 1]
    head = f"Rank {rank} of {len(ranked)}, fit {offer.fit:.2f}"
    if len(ranked) == 1:
        return f"{head}, the only eligible borrower"
    first = rank == 1
    other = ranked[1] if first else ranked[rank - 2]
    higher, lower = (offer, other) if first else (other, offer)
    name = facts_of[(other.borrower_kind, other.borrower_id)].name
    gap = round(higher.fit - lower.fit, 2)
    if gap <= 0:
        order = f"its larger limit ({higher.limit:,} yuan)" if higher.limit > lower.limit else "kind and id"
        return f"{head}, the same as {name}; {'it' if first else name} comes first on {order}"
    differences = [
        (a.contribution - b.contribution, a, b) for a, b in zip(higher.components, lower.components, strict=True)
    ]
    _, top, bottom = max(differences, key=lambda d: d[0])
    where = f"{_label(top)} ({top.contribution:.1f} against {bottom.contribution:.1f} of {top.weight:g})"
    if first:
        text = f"{head}, the highest: {gap:.2f} above {name}, leading most on {where}"
    else:
        text = f"{head}, {gap:.2f} below {name}, which leads most on {where}"
    behind, _, back = min(differences, key=lambda d: d[0])
    if behind < 0:
        text += f"; {'behind' if first else 'ahead of'} it on {_label(back)} by {-behind:.1f}"
    return text


def _label(component: ComponentScore) -> str:
    return component.component.replace("_", " ")


def _kind_failures(product: LoanProduct, facts: BorrowerFacts, today: date) -> list[str]:
    if facts.kind not in product.borrower_kinds:
        names = [KIND_NAMES[k] for k in BorrowerKind if k in product.borrower_kinds]
        lends_to = " and ".join(filter(None, (", ".join(names[:-1]), names[-1])))
        basis = f" by {facts.kind_basis}" if facts.kind_basis else ""
        return [f"{_KIND_ONE[facts.kind]}{basis}: this product lends to {lends_to} only"]
    failures: list[str] = []
    if facts.kind is BorrowerKind.PROJECT:
        competition = facts.competition or "its competition"
        if not facts.competition_finalised:
            failures.append(f"{competition} is not finalised: the project's result is not frozen yet")
        elif facts.competition_score is None:
            failures.append(f"no final result in {competition}: the project did not reach the final round")
        return failures
    test = product.start_up
    if test is None:
        return failures
    within = f"a start-up product lends to enterprises founded within {test.max_age_years} years"
    if facts.founded_on is None:
        failures.append(f"no founding date on record ({within})")
    elif facts.founded_on < _years_before(today, test.max_age_years):
        failures.append(f"founded on {facts.founded_on.isoformat()}, not a start-up ({within})")
    for value, limit, what in (
        (facts.insured_employees, test.max_insured_employees, "insured employees"),
        (facts.annual_tax_paid, test.max_annual_tax, "annual tax paid"),
    ):
        if limit is not None and value is not None and value > limit:
            failures.append(f"{what} {value:,}: above the start-up limit of {limit:,}")
    return failures


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _credit_failures(product: LoanProduct, facts: BorrowerFacts) -> list[str]:
    failures: list[str] = []
    minimum = product.min_credit_level
    if facts.credit_level is not None:
        if not facts.credit_level.meets(minimum):
            failures.append(f"credit level {facts.credit_level} is below the minimum {minimum}")
    elif facts.kind is BorrowerKind.PROJECT:
        if not facts.founder_personal_scores:
            failures.append("no enterprise credit level and no founders' personal credit on record")
        elif (lowest := min(facts.founder_personal_scores)) < FOUNDER_SCORE_FLOOR:
            failures.append(
                f"founders' lowest personal credit {lowest:.1f} is below {FOUNDER_SCORE_FLOOR:g} "
                "(a project without an enterprise credit level is judged on its founders)"
            )
    else:
        failures.append(f"no credit level on record (minimum {minimum})")
    rating = product.min_tax_rating
    if rating is not None:
        if facts.tax_rating is None:
            failures.append(f"no tax rating on record (minimum {rating})")
        elif not facts.tax_rating.meets(rating):
            failures.append(f"tax rating {facts.tax_rating} is below {rating}")
    return failures


def _list_failures(product: LoanProduct, facts: BorrowerFacts) -> list[str]:
    failures: list[str] = []
    for what, value, allowed in (
        ("industry chain", facts.industry_chain, product.eligible_chains),
        ("park", facts.park, product.eligible_parks),
    ):
        if allowed and value not in allowed:
            listed = ", ".join(sorted(allowed))
            stated = f"{what} {value} is not eligible" if value else f"no {what} on record"
            failures.append(f"{stated} (eligible: {listed})")
    return failures


def _size(product: LoanProduct, facts: BorrowerFacts) -> tuple[list[SizingStep], int, list[str]]:
    """The sizing steps, the capped amount, and the data the sizing lacks."""
    steps: list[SizingStep] = []
    missing: list[str] = []
    parts: list[int] = []
    if product.sizing is SizingRule.TAX_SOCIAL_INSURANCE:
        if product.tax_multiplier:
            if facts.annual_tax_paid is None:
                missing.append("no annual tax paid on record")
            else:
                part = round(product.tax_multiplier * facts.annual_tax_paid)
                text = f"{_factor(product.tax_multiplier)} x annual tax paid {facts.annual_tax_paid:,} = {part:,}"
                steps.append(SizingStep(text, part))
                parts.append(part)
        if product.per_insured_employee:
            if facts.insured_employees is None:
                missing.append("no insured employees on record")
            else:
                part = product.per_insured_employee * facts.insured_employees
                text = (
                    f"{'+ ' if parts else ''}{product.per_insured_employee:,} x "
                    f"{facts.insured_employees} insured employees = {part:,}"
                )
                steps.append(SizingStep(text, part))
                parts.append(part)
        if len(parts) > 1:
            steps.append(SizingStep(f"= {sum(parts):,}", sum(parts)))
    elif product.sizing is SizingRule.BID_CONTRACT:
        if not facts.bid_contract_values:
            missing.append("no winning-bid contract on record")
        else:
            largest = max(facts.bid_contract_values)
            part = round(product.contract_share * largest)
            text = f"{product.contract_share * 100:g}% x largest winning-bid contract {largest:,} = {part:,}"
            steps.append(SizingStep(text, part))
            parts.append(part)
    else:
        steps.append(SizingStep(f"fixed amount {product.fixed_amount:,}", product.fixed_amount))
        parts.append(product.fixed_amount)
    sized = sum(parts)
    if sized > product.amount_cap:
        steps.append(SizingStep(f"capped at {product.amount_cap:,}", product.amount_cap))
        sized = product.amount_cap
    return steps, (0 if missing else sized), missing


def _factor(value: float) -> str:
    return f"{value:.1f}" if round(value, 1) == value else f"{value:g}"


def _fit_components(product: LoanProduct, facts: BorrowerFacts) -> tuple[ComponentScore, ...]:
    similarities_and_details = {
        "credit_standing": _credit_standing(facts),
        "track_record": _track_record(facts),
        "industry_fit": _industry_fit(product, facts),
    }
    return tuple(
        ComponentScore(name, FIT_WEIGHTS[name], similarity, round(FIT_WEIGHTS[name] * similarity, 4), detail)
        for name, (similarity, detail) in similarities_and_details.items()
    )


def _credit_standing(facts: BorrowerFacts) -> tuple[float, str]:
    if facts.kind is BorrowerKind.PROJECT and facts.credit_score is None:
        scores = facts.founder_personal_scores
        if not scores:
            return 0.0, "No founders' personal credit on record"
        low, high = EGRET_SCALE
        mean = math.fsum(scores) / len(scores)
        similarity = min(max((mean - low) / (high - low), 0.0), 1.0)
        return similarity, f"Founders' mean personal credit {mean:.1f} on the {low:g}-{high:g} scale"
    if facts.credit_score is None:
        return 0.0, "No enterprise credit score on record"
    similarity = min(max(facts.credit_score / _CREDIT_SCORE_SCALE, 0.0), 1.0)
    level = f", level {facts.credit_level}" if facts.credit_level else ""
    verified = "credit-verified" if facts.verified else "not credit-verified"
    return similarity, f"Credit score {facts.credit_score:.1f} of {_CREDIT_SCORE_SCALE:g}{level}, {verified}"


def _track_record(facts: BorrowerFacts) -> tuple[float, str]:
    if facts.kind is BorrowerKind.PROJECT:
        return _competition_record(facts)
    shares = _TAX_RECORD_SHARES
    parts: list[str] = []
    similarity = 0.0
    if facts.tax_rating is None:
        parts.append("no tax rating on record")
    else:
        similarity += shares["tax_rating"] * _TAX_SIMILARITY[facts.tax_rating]
        parts.append(f"tax rating {facts.tax_rating}")
    if facts.annual_tax_paid is None:
        parts.append("no annual tax paid on record")
    else:
        similarity += shares["tax_paid"] * min(facts.annual_tax_paid / _FULL_TAX_PAID, 1.0)
        parts.append(f"annual tax paid {facts.annual_tax_paid:,} yuan (full from {_FULL_TAX_PAID:,})")
    if facts.insured_employees is None:
        parts.append("no insured employees on record")
    else:
        similarity += shares["insured"] * min(facts.insured_employees / _FULL_INSURED_EMPLOYEES, 1.0)
        parts.append(f"{facts.insured_employees} insured employees (full from {_FULL_INSURED_EMPLOYEES})")
    return similarity, "Tax and social insurance: " + "; ".join(parts)


def _competition_record(facts: BorrowerFacts) -> tuple[float, str]:
    score, award = facts.competition_score, facts.competition_award
    if not facts.competition_finalised or (score is None and not award):
        return 0.0, "No final Guilu Cup result"
    similarity = (score or 0.0) / 100.0
    detail = f"Guilu Cup score {score:g}" if score is not None else "Guilu Cup"
    if award:
        similarity = max(similarity, AWARD_FLOOR)
        detail += f", award: {award}"
    if facts.competition:
        detail += f" ({facts.competition})"
    return similarity, detail


def _industry_fit(product: LoanProduct, facts: BorrowerFacts) -> tuple[float, str]:
    chain = facts.industry_chain
    if not product.eligible_chains:
        if chain:
            return _OPEN_CHAIN_KNOWN, f"Open to all chains; borrower in {chain}"
        return _OPEN_CHAIN_UNKNOWN, "Open to all chains; no chain on record"
    if chain in product.eligible_chains:
        return 1.0, f"The product targets {chain}"
    return 0.0, f"The product does not target {chain or 'an unknown chain'}"
