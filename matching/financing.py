"""Credit-easy loans (信易贷): eligibility, sizing and ranking, each explained.

A :class:`LoanProduct` is a bank's loan; :class:`BorrowerFacts` what the city
knows of an enterprise or a start-up project.  :func:`evaluate` gives one
:class:`Offer`: whether the borrower is eligible (and every rule it fails, in
plain words), the credit line sized step by step, and how well it fits.

Eligibility
-----------
A borrower fails, each with its own message:

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
A 0-100 score of how well the borrower fits, ``sum(FIT_WEIGHTS[c] * similarity[c])``
rounded to 2 decimals, with the components of :data:`FIT_WEIGHTS` (each
similarity in ``0..1``) explained as :class:`~matching.score.ComponentScore`:

``credit_level`` (15)
    A 1, B 0.75, C 0.5, D 0.25, none 0.
``credit_score`` (15)
    The enterprise scorecard score / 1000; none 0.
``founders_credit`` (15)
    Mean founder personal score's position on the Egret scale (350-950);
    0.5 (unknown, neutral) when no founder is on record.
``competition`` (15)
    Guilu Cup score / 100; an award lifts it to at least :data:`AWARD_FLOOR`.
``tax_rating`` (10)
    A 1, B 0.75, M 0.5, C 0.25, D 0, none 0.
``tax_paid`` (5)
    ``min(1, annual tax paid / 1,000,000)``.
``social_insurance`` (10)
    ``min(1, insured employees / 50)``.
``industry_fit`` (15)
    1 when the product targets the borrower's chain; 0.75 when the product is
    open to all chains and the borrower has one, 0.5 when it has none; 0 when
    the chain is not eligible.

Example
-------
>>> from matching.credit import CreditLevel, TaxRating
>>> loan = LoanProduct(1, "Bank of X", "Torch park loan", 4_000_000, 12, CreditLevel.B, frozenset(), frozenset(),
...                    SizingRule.TAX_SOCIAL_INSURANCE, tax_multiplier=2.0, per_insured_employee=20_000)
>>> firm = BorrowerFacts(7, "enterprise", "Egret Tech", CreditLevel.B, 720.0, True, (), "new_energy", "torch",
...                      annual_tax_paid=1_500_000, tax_rating=TaxRating.B, insured_employees=60)
>>> offer = evaluate(loan, firm)
>>> offer.limit, [step.description for step in offer.steps]
(4000000, ['2.0 x annual tax paid 1,500,000 = 3,000,000', '+ 20,000 x 60 insured employees = 1,200,000', \
'= 4,200,000', 'capped at 4,000,000'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from matching.credit import EGRET_SCALE, CreditLevel, TaxRating
from matching.score import ComponentScore

__all__ = [
    "AWARD_FLOOR",
    "FIT_WEIGHTS",
    "FOUNDER_SCORE_FLOOR",
    "BorrowerFacts",
    "LoanProduct",
    "Offer",
    "SizingRule",
    "SizingStep",
    "evaluate",
    "financing_options",
    "rank_financing_candidates",
]


class SizingRule(StrEnum):
    """How a product sizes its credit line (see the module docstring)."""

    TAX_SOCIAL_INSURANCE = "tax_social_insurance"
    BID_CONTRACT = "bid_contract"
    FIXED = "fixed"


FIT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "credit_level": 15.0,
        "credit_score": 15.0,
        "founders_credit": 15.0,
        "competition": 15.0,
        "tax_rating": 10.0,
        "tax_paid": 5.0,
        "social_insurance": 10.0,
        "industry_fit": 15.0,
    }
)
# A project without an enterprise credit level needs every founder at least this (home scale).
FOUNDER_SCORE_FLOOR = 600.0
# Any Guilu Cup award lifts the competition component to at least this.
AWARD_FLOOR = 0.8

_LEVEL_SIMILARITY = MappingProxyType({CreditLevel.A: 1.0, CreditLevel.B: 0.75, CreditLevel.C: 0.5, CreditLevel.D: 0.25})
_TAX_SIMILARITY = MappingProxyType(
    {TaxRating.A: 1.0, TaxRating.B: 0.75, TaxRating.M: 0.5, TaxRating.C: 0.25, TaxRating.D: 0.0}
)
_CREDIT_SCORE_SCALE = 1000.0
# Annual tax paid and insured employees at which those components are full.
_FULL_TAX_PAID = 1_000_000
_FULL_INSURED_EMPLOYEES = 50
# Founders' credit when no founder is on record: unknown, so neither good nor bad.
_NO_FOUNDERS = 0.5
_OPEN_CHAIN_KNOWN = 0.75
_OPEN_CHAIN_UNKNOWN = 0.5


@dataclass(frozen=True, slots=True)
class LoanProduct:
    """A bank's credit-easy loan: who may borrow and how the line is sized.

    Amounts are in yuan.  ``eligible_chains`` and ``eligible_parks`` admit
    everyone when empty.  Only the sizing fields of ``sizing`` are used:
    ``tax_multiplier`` (yuan of limit per yuan of annual tax paid) and
    ``per_insured_employee`` for ``tax_social_insurance``, ``contract_share``
    (0..1) for ``bid_contract``, ``fixed_amount`` for ``fixed``.

    Raises
    ------
    ValueError
        On a negative amount, a share outside 0..1, a term under one month or
        a sizing rule whose own fields are all 0.
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

    def __post_init__(self) -> None:
        amounts = (self.amount_cap, self.tax_multiplier, self.per_insured_employee, self.fixed_amount)
        if any(not math.isfinite(amount) or amount < 0 for amount in amounts):
            raise ValueError(f"loan product {self.id}: amounts and multipliers must be finite and not negative")
        if not 0.0 <= self.contract_share <= 1.0:
            raise ValueError(f"loan product {self.id}: contract_share must be within 0..1")
        if self.term_months < 1:
            raise ValueError(f"loan product {self.id}: the term must be at least one month")
        sized_by = {
            SizingRule.TAX_SOCIAL_INSURANCE: self.tax_multiplier or self.per_insured_employee,
            SizingRule.BID_CONTRACT: self.contract_share,
            SizingRule.FIXED: self.fixed_amount,
        }
        if not sized_by[self.sizing]:
            raise ValueError(f"loan product {self.id}: sizing {self.sizing} needs its own amount fields set")


@dataclass(frozen=True, slots=True)
class BorrowerFacts:
    """What the city knows of a would-be borrower: an enterprise or a start-up project.

    ``blocking_reasons`` are the plain-word reasons it is barred outright (the
    descriptions of :attr:`~matching.credit.CreditAssessment.blocking`);
    ``annual_tax_paid`` is the latest year's, in yuan;
    ``founder_personal_scores`` are already on the home scale
    (:func:`~matching.credit.map_to_home_scale`); ``competition_score`` is the
    Guilu Cup score (0-100).

    Raises
    ------
    ValueError
        On a negative amount or count, or a competition score outside 0..100.
    """

    id: int
    kind: Literal["enterprise", "project"]
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
    borrower_kind: Literal["enterprise", "project"]
    eligible: bool
    failures: tuple[str, ...]
    steps: tuple[SizingStep, ...]
    limit: int
    fit: float
    components: tuple[ComponentScore, ...]


def evaluate(product: LoanProduct, facts: BorrowerFacts) -> Offer:
    """Check, size and fit one product for one borrower.

    Returns
    -------
    Offer
        Always returned, eligible or not; a failed rule never stops the other
        checks, so every failure is listed.
    """
    failures = [*facts.blocking_reasons, *_credit_failures(product, facts), *_list_failures(product, facts)]
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


def financing_options(products: Iterable[LoanProduct], facts: BorrowerFacts) -> list[Offer]:
    """Every product for one borrower: eligible ones by limit, fit (both descending) and
    product id; then the ineligible ones by product id, with their failures."""
    offers = [evaluate(product, facts) for product in products]
    eligible = sorted((o for o in offers if o.eligible), key=lambda o: (-o.limit, -o.fit, o.product_id))
    ineligible = sorted((o for o in offers if not o.eligible), key=lambda o: o.product_id)
    return eligible + ineligible


def rank_financing_candidates(product: LoanProduct, candidates: Iterable[BorrowerFacts]) -> list[Offer]:
    """The eligible candidates for ``product``, best fit first, for a bank officer.

    Sorted by fit descending, then limit descending, then borrower kind and id;
    ineligible candidates are left out (:func:`evaluate` explains any one of them).
    """
    offers = [evaluate(product, facts) for facts in candidates]
    eligible = [offer for offer in offers if offer.eligible]
    return sorted(eligible, key=lambda o: (-o.fit, -o.limit, o.borrower_kind, o.borrower_id))


def _credit_failures(product: LoanProduct, facts: BorrowerFacts) -> list[str]:
    failures: list[str] = []
    minimum = product.min_credit_level
    if facts.credit_level is not None:
        if not facts.credit_level.meets(minimum):
            failures.append(f"credit level {facts.credit_level} is below the minimum {minimum}")
    elif facts.kind == "project":
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
        "credit_level": _credit_level_fit(facts),
        "credit_score": _credit_score_fit(facts),
        "founders_credit": _founders_fit(facts),
        "competition": _competition_fit(facts),
        "tax_rating": _tax_rating_fit(facts),
        "tax_paid": _ratio_fit(facts.annual_tax_paid, _FULL_TAX_PAID, "annual tax paid", "yuan"),
        "social_insurance": _ratio_fit(facts.insured_employees, _FULL_INSURED_EMPLOYEES, "insured employees", ""),
        "industry_fit": _industry_fit(product, facts),
    }
    return tuple(
        ComponentScore(name, FIT_WEIGHTS[name], similarity, FIT_WEIGHTS[name] * similarity, detail)
        for name, (similarity, detail) in similarities_and_details.items()
    )


def _credit_level_fit(facts: BorrowerFacts) -> tuple[float, str]:
    if facts.credit_level is None:
        return 0.0, "No enterprise credit level on record"
    verified = "credit-verified" if facts.verified else "not credit-verified"
    return _LEVEL_SIMILARITY[facts.credit_level], f"Credit level {facts.credit_level}, {verified}"


def _credit_score_fit(facts: BorrowerFacts) -> tuple[float, str]:
    if facts.credit_score is None:
        return 0.0, "No enterprise credit score on record"
    similarity = min(max(facts.credit_score / _CREDIT_SCORE_SCALE, 0.0), 1.0)
    return similarity, f"Credit score {facts.credit_score:.1f} of {_CREDIT_SCORE_SCALE:g}"


def _founders_fit(facts: BorrowerFacts) -> tuple[float, str]:
    scores = facts.founder_personal_scores
    if not scores:
        return _NO_FOUNDERS, "No founders' personal credit on record (neutral)"
    low, high = EGRET_SCALE
    mean = math.fsum(scores) / len(scores)
    similarity = min(max((mean - low) / (high - low), 0.0), 1.0)
    return similarity, f"Founders' mean personal credit {mean:.1f} on the {low:g}-{high:g} scale"


def _competition_fit(facts: BorrowerFacts) -> tuple[float, str]:
    score, award = facts.competition_score, facts.competition_award
    if score is None and not award:
        return 0.0, "No Guilu Cup result"
    similarity = (score or 0.0) / 100.0
    detail = f"Guilu Cup score {score:g}" if score is not None else "Guilu Cup"
    if award:
        similarity = max(similarity, AWARD_FLOOR)
        detail += f", award: {award}"
    return similarity, detail


def _tax_rating_fit(facts: BorrowerFacts) -> tuple[float, str]:
    if facts.tax_rating is None:
        return 0.0, "No tax rating on record"
    return _TAX_SIMILARITY[facts.tax_rating], f"Tax rating {facts.tax_rating}"


def _ratio_fit(value: int | None, full: int, what: str, unit: str) -> tuple[float, str]:
    if value is None:
        return 0.0, f"No {what} on record"
    amount = f"{value:,} {unit}".strip()
    return min(value / full, 1.0), f"{what.capitalize()}: {amount} (full marks from {full:,})"


def _industry_fit(product: LoanProduct, facts: BorrowerFacts) -> tuple[float, str]:
    chain = facts.industry_chain
    if not product.eligible_chains:
        if chain:
            return _OPEN_CHAIN_KNOWN, f"Open to all chains; borrower in {chain}"
        return _OPEN_CHAIN_UNKNOWN, "Open to all chains; no chain on record"
    if chain in product.eligible_chains:
        return 1.0, f"The product targets {chain}"
    return 0.0, f"The product does not target {chain or 'an unknown chain'}"
