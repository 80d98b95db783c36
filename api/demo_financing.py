"""Demo data for credit-easy loans: three loan products (one a start-up loan), two years of tax and insured
employees and a founding date for the fictional employers, industrial parks, winning-bid contracts, a demo
borrower account, a second officer of the torch park loan's bank and financing applications
in every status.

Deterministic: the same database gets the same rows.  Real organisations named in
the article get no financial data, no park and no application (their figures would
be made up); every figure here belongs to a fictional enterprise.  Credit levels
and tax ratings come from the credit records (:mod:`api.demo_credit`), not from here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from api.demo_data import DEMO_PASSWORD, INDUSTRY_CHAINS, real_enterprise_keys
from api.models import Account, BidContract, Enterprise, EnterpriseFinancialYear, FinancingApplication, LoanProduct
from api.models.financing import FinancingStatus
from api.services.accounts import create_account

__all__ = [
    "BID_CONTRACT_LOAN",
    "BORROWER_EMAIL",
    "BORROWER_KEY",
    "DEMO_BANK",
    "FINANCIAL_YEARS",
    "SECOND_BANK_OFFICER_EMAIL",
    "TORCH_PARK",
    "TORCH_PARK_LOAN",
    "FinancingDemoReport",
    "load_financing_demo",
]

SEED = 2026
FINANCIAL_YEARS = (2024, 2025)
TORCH_PARK = "火炬高新区"
SOFTWARE_PARK = "厦门软件园"
# The demo employer account of a fictional Torch-park firm, to walk a loan from application to disbursement.
BORROWER_KEY = "lu-neng-battery-technology"
BORROWER_EMAIL = "borrower@demo.guilu"
# Its 2025 figures size the torch park loan at exactly the article's 4,000,000 yuan:
# 3.0 x 1,000,000 tax + 20,000 x 50 insured employees.
_BORROWER_YEARS = {2024: (860_000, 42), 2025: (1_000_000, 50)}
# The bank the demo's bank officers act for: the torch park loan's.  Two of them, so that one approves
# and the other disburses (four eyes); the other bank's demo decisions name no Guilu officer.
DEMO_BANK = "交通银行厦门分行"
BANK_OFFICER_EMAIL = "bank@demo.guilu"
SECOND_BANK_OFFICER_EMAIL = "bank2@demo.guilu"

TORCH_PARK_LOAN = {
    "bank": DEMO_BANK,
    "name": "火炬园区贷",
    "amount_cap": 4_000_000,
    "term_months": 12,
    "min_credit_level": "B",
    "min_tax_rating": "B",
    "eligible_chains": [],
    "eligible_parks": [TORCH_PARK],
    "sizing": "tax_social_insurance",
    "tax_multiplier": 3.0,
    "per_insured_employee": 20_000,
}
BID_CONTRACT_LOAN = {
    "bank": "厦门鹭岛商业银行",  # fictional
    "name": "招投标信易贷",
    "amount_cap": 3_000_000,
    "term_months": 12,
    "min_credit_level": "C",
    "min_tax_rating": None,
    "eligible_chains": [],
    "eligible_parks": [],
    "sizing": "bid_contract",
    "contract_share": 0.3,
}
# The "6" of the city's 4+4+6 industry system, the future industries: the last six chains.
_FUTURE_CHAINS = INDUSTRY_CHAINS[-6:]
STARTUP_LOAN = {
    "bank": "厦门鹭岛商业银行",
    "name": "未来产业创业贷",
    "amount_cap": 500_000,
    "term_months": 24,
    "min_credit_level": "B",
    "min_tax_rating": None,
    "eligible_chains": list(_FUTURE_CHAINS),
    "eligible_parks": [],
    "sizing": "fixed",
    "fixed_amount": 500_000,
    # A start-up loan: enterprises founded within 5 years with at most 50 insured employees and 500,000 yuan of
    # annual tax (a firm above those would size a larger torch park loan), and Guilu Cup start-up projects.
    "start_up_max_years": 5,
    "start_up_max_insured_employees": 50,
    "start_up_max_annual_tax": 500_000,
}

# Parks by district, for fictional enterprises: the Torch zone's parks lie in Huli (火炬园) and
# Xiang'an (火炬翔安产业区); the software park in Siming takes software and network firms.
# A small firm's 2025 figures at most, for demo founding dates.
_SMALL_TAX, _SMALL_INSURED = 500_000, 50
_PARK_BY_DISTRICT = {"湖里区": TORCH_PARK, "翔安区": TORCH_PARK}
_SOFTWARE_CHAINS = frozenset({"electronic_information", "future_networks"})

# (enterprise key, title, awarding authority, value, awarded on); the authorities are real bodies,
# the contracts fictional.
_BID_CONTRACTS = (
    ("yu-hang-international-logistics", "市级应急物资仓储配送服务项目", "厦门市商务局", 8_600_000, date(2025, 9, 12)),
    ("lu-qi-automation-equipment", "污水处理厂自动化改造工程", "厦门市市政园林局", 5_200_000, date(2025, 11, 3)),
    ("lu-qi-automation-equipment", "泵站远程监控系统采购", "厦门市市政园林局", 1_800_000, date(2024, 6, 20)),
    ("lu-xun-communication-technology", "政务外网扩容项目", "厦门市大数据管理局", 12_400_000, date(2026, 3, 18)),
    ("yun-lan-diagnostics", "基层医疗机构检验设备采购", "厦门市卫生健康委员会", 3_900_000, date(2026, 5, 9)),
    ("lu-xi-exhibition-services", "国际投资贸易洽谈会展台搭建服务", "厦门市会展局", 2_300_000, date(2025, 7, 1)),
)


@dataclass(frozen=True, slots=True)
class _DemoApplication:
    product: str  # product name
    enterprise_key: str
    requested: int
    status: FinancingStatus
    approved: int | None = None
    reason: str | None = None


_S = FinancingStatus
_APPLICATIONS = (
    _DemoApplication("火炬园区贷", "lu-hai-technology", 3_000_000, _S.DISBURSED, 3_000_000),
    _DemoApplication("火炬园区贷", "yun-xi-data-technology", 2_000_000, _S.DISBURSED, 1_500_000),
    _DemoApplication("火炬园区贷", "lu-jing-optoelectronics", 4_000_000, _S.DISBURSED, 4_000_000),
    _DemoApplication("火炬园区贷", "xing-yu-cloud-computing", 1_200_000, _S.APPROVED, 1_000_000),
    _DemoApplication(
        "火炬园区贷", "qing-yu-intelligent-manufacturing", 2_500_000, _S.REJECTED,
        reason="the requested line is above the bank's own appraisal of repayment capacity",
    ),
    _DemoApplication("火炬园区贷", "yu-cheng-semiconductor", 3_500_000, _S.SUBMITTED),
    _DemoApplication(
        "火炬园区贷", "lu-xian-information-technology", 800_000, _S.REJECTED,
        reason="on the serious-dishonesty list (严重失信主体名单)",
    ),
    _DemoApplication("火炬园区贷", "lu-hai-software", 600_000, _S.SUBMITTED),
    _DemoApplication("招投标信易贷", "yu-hang-international-logistics", 2_500_000, _S.DISBURSED, 2_500_000),
    _DemoApplication("招投标信易贷", "lu-qi-automation-equipment", 1_500_000, _S.APPROVED, 1_500_000),
    _DemoApplication(
        "招投标信易贷", "lu-xi-exhibition-services", 900_000, _S.REJECTED,
        reason="the contract's first payment is already pledged to another lender",
    ),
    _DemoApplication("未来产业创业贷", "lu-xin-microelectronics", 500_000, _S.SUBMITTED),
)  # fmt: skip
_DECIDED_AT = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
_DISBURSED_AT = datetime(2026, 10, 22, 2, 0, tzinfo=UTC)


def _products(session: Session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for spec in (TORCH_PARK_LOAN, BID_CONTRACT_LOAN, STARTUP_LOAN):
        product = LoanProduct(**spec)  # type: ignore[arg-type]
        session.add(product)
        session.flush()
        assert product.id is not None
        ids[product.name] = product.id
    return ids


def _financial_years(session: Session, enterprises: dict[str, Enterprise]) -> dict[str, tuple[int, int]]:
    """Two years of figures per enterprise; returns each one's latest (tax paid, insured employees)."""
    rng = random.Random(SEED)
    latest: dict[str, tuple[int, int]] = {}
    for key, enterprise in enterprises.items():
        assert enterprise.id is not None
        if key == BORROWER_KEY:
            figures = _BORROWER_YEARS
        else:
            # Small and medium firms: about 50 thousand to 3 million yuan of tax a year.
            tax = int(min(max(round(rng.lognormvariate(13.0, 0.9), -4), 50_000), 3_000_000))
            insured = min(max(round(rng.lognormvariate(3.6, 0.8)), 5), 400)
            growth = rng.uniform(0.9, 1.3)
            figures = {2024: (int(round(tax / growth, -4)), max(round(insured / growth), 3)), 2025: (tax, insured)}
        session.add_all(
            EnterpriseFinancialYear(
                enterprise_id=enterprise.id, year=year, tax_paid=tax_paid, insured_employees=insured
            )
            for year, (tax_paid, insured) in figures.items()
        )
        latest[key] = figures[max(figures)]
    return latest


def _founding_dates(enterprises: dict[str, Enterprise], latest: dict[str, tuple[int, int]]) -> None:
    """A founding date for every fictional employer, before its first recorded year (2024).  Small firms (at
    most 500,000 yuan of tax and 50 insured employees in 2025) of the six future industries, which are new,
    were founded from June 2021 to 2023, and half the small firms of other chains too; every other firm is
    older (2003-2019).  So the start-up loan has young firms to rank, and a few just past its 5 years."""
    rng = random.Random(SEED + 1)  # apart from the figures' generator, so those stay as they were
    for key, enterprise in enterprises.items():
        tax, insured = latest[key]
        small = tax <= _SMALL_TAX and insured <= _SMALL_INSURED
        young = small and (enterprise.industry_chain in _FUTURE_CHAINS or rng.random() < 0.5)
        first, last = (date(2021, 6, 1), date(2023, 12, 31)) if young else (date(2003, 1, 1), date(2019, 12, 31))
        enterprise.founded_on = first + timedelta(days=rng.randrange((last - first).days + 1))


def _parks(enterprises: dict[str, Enterprise]) -> None:
    for enterprise in enterprises.values():
        if not enterprise.legal_name.endswith("公司"):
            continue  # cooperatives and village collectives are not park firms
        park = _PARK_BY_DISTRICT.get(enterprise.district or "")
        if park is None and enterprise.district == "思明区" and enterprise.industry_chain in _SOFTWARE_CHAINS:
            park = SOFTWARE_PARK
        enterprise.park = park


def _applications(
    session: Session, products: dict[str, int], enterprises: dict[str, Enterprise], officers: tuple[int, int] | None
) -> None:
    """The demo applications; ``officers`` (approver, disburser) decided those of the demo bank's products."""
    banks = {spec["name"]: spec["bank"] for spec in (TORCH_PARK_LOAN, BID_CONTRACT_LOAN, STARTUP_LOAN)}
    for spec in _APPLICATIONS:
        enterprise_id = enterprises[spec.enterprise_key].id
        assert enterprise_id is not None
        decided = spec.status is not _S.SUBMITTED
        approver, disburser = officers if officers and banks[spec.product] == DEMO_BANK else (None, None)
        session.add(
            FinancingApplication(
                product_id=products[spec.product],
                enterprise_id=enterprise_id,
                requested_amount=spec.requested,
                status=spec.status.value,
                approved_amount=spec.approved,
                rejection_reason=spec.reason,
                decided_by=approver if decided else None,
                decided_at=_DECIDED_AT if decided else None,
                disbursed_by=disburser if spec.status is _S.DISBURSED else None,
                disbursed_at=_DISBURSED_AT if spec.status is _S.DISBURSED else None,
            )
        )


@dataclass(frozen=True, slots=True)
class FinancingDemoReport:
    """How many rows of each kind the financing demo added."""

    products: int
    financial_years: int
    bid_contracts: int
    applications: int
    accounts: int


def load_financing_demo(session: Session, enterprise_ids: dict[str, int]) -> FinancingDemoReport:
    """Write the financing demo rows (in the caller's transaction) and count them.

    ``enterprise_ids`` maps demo enterprise keys to ids.  The demo's bank officer
    (``bank@demo.guilu``), when present, is made an officer of :data:`DEMO_BANK` beside a
    second one (``bank2@demo.guilu``); the first is recorded as the approver of that bank's
    decided applications, the second as the disburser.
    """
    real = real_enterprise_keys()
    rows = {e.id: e for e in session.exec(select(Enterprise))}
    fictional = {key: rows[eid] for key, eid in sorted(enterprise_ids.items()) if key not in real and eid in rows}
    # Only employers: the headhunter firm and institutions file no loan figures here.
    employers = {key: e for key, e in fictional.items() if key != "lucai-hr"}
    products = _products(session)
    _parks(employers)
    _founding_dates(employers, _financial_years(session, employers))
    for key, title, authority, value, awarded_on in _BID_CONTRACTS:
        enterprise_id = employers[key].id
        assert enterprise_id is not None
        session.add(
            BidContract(
                enterprise_id=enterprise_id,
                title=title,
                awarding_authority=authority,
                value=value,
                awarded_on=awarded_on,
            )
        )
    officers = _bank_officers(session)
    _applications(session, products, employers, officers)
    create_account(
        session,
        email=BORROWER_EMAIL,
        password=DEMO_PASSWORD,
        role="employer",
        enterprise_id=employers[BORROWER_KEY].id,
        email_verified=True,
    )
    session.flush()
    return FinancingDemoReport(
        products=len(products),
        financial_years=2 * len(employers),
        bid_contracts=len(_BID_CONTRACTS),
        applications=len(_APPLICATIONS),
        accounts=1 + (officers is not None),
    )


def _bank_officers(session: Session) -> tuple[int, int] | None:
    """``bank@demo.guilu`` bound to :data:`DEMO_BANK`, and a second officer of it: (first, second) ids."""
    first = session.exec(select(Account).where(Account.email == BANK_OFFICER_EMAIL)).first()
    if first is None:
        return None
    second = create_account(
        session, email=SECOND_BANK_OFFICER_EMAIL, password=DEMO_PASSWORD, role="bank_officer", email_verified=True
    )
    first.bank = second.bank = DEMO_BANK
    assert first.id is not None and second.id is not None
    return first.id, second.id
