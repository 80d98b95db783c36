"""Credit-easy loans (信易贷): banks' loan products, the inputs their sizing rules need
(yearly tax and insured employees, winning-bid contracts), and financing applications.

An application moves ``submitted -> approved -> disbursed`` or ``submitted -> rejected``;
the constraints below keep each status's columns consistent, and a partial unique
index keeps one open (submitted or approved) application per enterprise and product.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from api.models.enums import check_in
from api.timeutil import utcnow
from matching.credit import CreditLevel, TaxRating
from matching.financing import DEFAULT_BORROWER_KINDS, SizingRule

__all__ = ["BidContract", "EnterpriseFinancialYear", "FinancingApplication", "FinancingStatus", "LoanProduct"]

# Largest amount (yuan) any column holds: within a 32-bit GraphQL Int, and far above any credit-easy loan.
MAX_AMOUNT = 2_000_000_000


class FinancingStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSED = "disbursed"


# Applications still in progress: an enterprise has at most one per product.
OPEN_STATUSES = (FinancingStatus.SUBMITTED, FinancingStatus.APPROVED)


class LoanProduct(SQLModel, table=True):
    """A bank's loan product; only the sizing columns of its ``sizing`` rule are used.

    ``borrower_kinds`` are the :class:`~matching.financing.BorrowerKind` values it lends to; the
    ``start_up_*`` columns, when ``start_up_max_years`` is set, make it a start-up product.
    """

    __tablename__ = "loan_product"
    __table_args__ = (
        UniqueConstraint("bank", "name", name="uq_loan_product_bank_name"),
        CheckConstraint(check_in("min_credit_level", CreditLevel), name="ck_loan_product_min_level"),
        CheckConstraint(
            f"min_tax_rating IS NULL OR {check_in('min_tax_rating', TaxRating)}", name="ck_loan_product_tax_rating"
        ),
        CheckConstraint(check_in("sizing", SizingRule), name="ck_loan_product_sizing"),
        CheckConstraint(f"amount_cap > 0 AND amount_cap <= {MAX_AMOUNT}", name="ck_loan_product_cap"),
        CheckConstraint("term_months BETWEEN 1 AND 360", name="ck_loan_product_term"),
        CheckConstraint(
            "tax_multiplier >= 0 AND per_insured_employee >= 0 AND fixed_amount >= 0", name="ck_loan_product_amounts"
        ),
        CheckConstraint("contract_share >= 0 AND contract_share <= 1", name="ck_loan_product_share"),
        CheckConstraint(
            "(start_up_max_years IS NULL AND start_up_max_insured_employees IS NULL"
            " AND start_up_max_annual_tax IS NULL)"
            " OR (start_up_max_years BETWEEN 1 AND 50 AND COALESCE(start_up_max_insured_employees, 0) >= 0"
            f" AND COALESCE(start_up_max_annual_tax, 0) BETWEEN 0 AND {MAX_AMOUNT})",
            name="ck_loan_product_start_up",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    bank: str = Field(max_length=200)
    name: str = Field(max_length=200)
    amount_cap: int
    term_months: int
    min_credit_level: str = Field(max_length=1)
    eligible_chains: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    eligible_parks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sizing: str = Field(max_length=32)
    tax_multiplier: float = 0.0
    per_insured_employee: int = 0
    contract_share: float = 0.0
    fixed_amount: int = 0
    min_tax_rating: str | None = Field(default=None, max_length=1)
    borrower_kinds: list[str] = Field(
        default_factory=lambda: sorted(k.value for k in DEFAULT_BORROWER_KINDS), sa_column=Column(JSON, nullable=False)
    )
    start_up_max_years: int | None = None
    start_up_max_insured_employees: int | None = None
    start_up_max_annual_tax: int | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class EnterpriseFinancialYear(SQLModel, table=True):
    """An enterprise's tax paid (yuan) and insured employees (year-end headcount) in one year."""

    __tablename__ = "enterprise_financial_year"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", name="uq_enterprise_financial_year"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="ck_enterprise_financial_year_year"),
        CheckConstraint(f"tax_paid >= 0 AND tax_paid <= {MAX_AMOUNT}", name="ck_enterprise_financial_year_tax"),
        CheckConstraint("insured_employees >= 0", name="ck_enterprise_financial_year_insured"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="CASCADE")
    year: int
    tax_paid: int
    insured_employees: int
    updated_at: datetime = Field(default_factory=utcnow)


class BidContract(SQLModel, table=True):
    """A government winning-bid contract (中标合同) an enterprise can borrow against."""

    __tablename__ = "bid_contract"
    __table_args__ = (CheckConstraint(f"value > 0 AND value <= {MAX_AMOUNT}", name="ck_bid_contract_value"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    awarding_authority: str = Field(max_length=200)
    value: int
    awarded_on: date
    created_at: datetime = Field(default_factory=utcnow)


class FinancingApplication(SQLModel, table=True):
    """An enterprise's application for one loan product, and the bank's decision on it."""

    __tablename__ = "financing_application"
    __table_args__ = (
        CheckConstraint(check_in("status", FinancingStatus), name="ck_financing_application_status"),
        CheckConstraint(
            f"requested_amount > 0 AND requested_amount <= {MAX_AMOUNT}", name="ck_financing_application_requested"
        ),
        CheckConstraint(
            "(status IN ('submitted', 'rejected') AND approved_amount IS NULL) OR "
            "(status IN ('approved', 'disbursed') AND approved_amount > 0 AND approved_amount <= requested_amount)",
            name="ck_financing_application_approved",
        ),
        CheckConstraint(
            "(status = 'rejected') = (rejection_reason IS NOT NULL)", name="ck_financing_application_reason"
        ),
        CheckConstraint("(status = 'submitted') = (decided_at IS NULL)", name="ck_financing_application_decided"),
        CheckConstraint(
            "(status = 'disbursed') = (disbursed_at IS NOT NULL)", name="ck_financing_application_disbursed"
        ),
        Index(
            "uq_financing_application_open",
            "enterprise_id",
            "product_id",
            unique=True,
            sqlite_where=text("status IN ('submitted', 'approved')"),
            postgresql_where=text("status IN ('submitted', 'approved')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="loan_product.id", index=True, ondelete="RESTRICT")
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    # Null for applications imported from a bank's records (the demo's), not made through the API.
    applicant_account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    requested_amount: int
    status: str = Field(default=FinancingStatus.SUBMITTED.value, max_length=16, index=True)
    approved_amount: int | None = None
    rejection_reason: str | None = Field(default=None, max_length=1000)
    decided_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    decided_at: datetime | None = None
    disbursed_at: datetime | None = None
    # Separation of duties: the officer who disburses is never the one who approved (``decided_by``).
    disbursed_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
