"""DataLoaders, made per request: one SQL statement per relation per page, whatever its size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session, col, select
from strawberry.dataloader import DataLoader

from api.models import (
    Account,
    Application,
    ApplicationEvent,
    CreditRecord,
    Enterprise,
    EnterpriseAlias,
    Job,
    JobLanguage,
    JobSkill,
    LoanProduct,
    PersonalCreditScore,
    Talent,
    TalentEducation,
    TalentLanguage,
    TalentSkill,
)
from api.services.credit import EnterpriseCredit, assess_enterprises, latest_personal_credit
from api.services.financing import ProductStats, product_stats

__all__ = ["Loaders"]

RowT = TypeVar("RowT")


def _by_id(session: Session, model: type[RowT]) -> DataLoader[int, RowT | None]:
    async def load(ids: Sequence[int]) -> list[RowT | None]:
        rows = {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}  # type: ignore[attr-defined]
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _many_by(session: Session, model: type[RowT], key: str, order: Any) -> DataLoader[int, list[RowT]]:
    column = getattr(model, key)

    async def load(keys: Sequence[int]) -> list[list[RowT]]:
        grouped: dict[int, list[RowT]] = defaultdict(list)
        for row in session.exec(select(model).where(col(column).in_(keys)).order_by(column, order)):
            grouped[getattr(row, key)].append(row)
        return [grouped[k] for k in keys]

    return DataLoader(load_fn=load)


def _employers_applied_to(session: Session) -> DataLoader[int, frozenset[int]]:
    """Talent id -> ids of the enterprises whose jobs the talent applied to."""

    async def load(talent_ids: Sequence[int]) -> list[frozenset[int]]:
        grouped: dict[int, set[int]] = defaultdict(set)
        query = (
            select(Application.talent_id, Job.employer_id)
            .join(Job, col(Job.id) == col(Application.job_id))
            .where(col(Application.talent_id).in_(talent_ids))
        )
        for talent_id, employer_id in session.exec(query):
            grouped[talent_id].add(employer_id)
        return [frozenset(grouped[t]) for t in talent_ids]

    return DataLoader(load_fn=load)


def _financing_stats(session: Session) -> DataLoader[int, ProductStats]:
    async def load(product_ids: Sequence[int]) -> list[ProductStats]:
        stats = product_stats(session, product_ids)
        return [stats[p] for p in product_ids]

    return DataLoader(load_fn=load)


def _credit_by_enterprise(session: Session) -> DataLoader[int, EnterpriseCredit | None]:
    """Enterprise id -> its credit today (two statements per batch, nothing cached across requests)."""

    async def load(ids: Sequence[int]) -> list[EnterpriseCredit | None]:
        found = assess_enterprises(session, ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _personal_credit_by_talent(session: Session) -> DataLoader[int, PersonalCreditScore | None]:
    async def load(ids: Sequence[int]) -> list[PersonalCreditScore | None]:
        found = latest_personal_credit(session, ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    """Every loader of one request, named ``<thing>_by_<key>``."""

    session: Session
    account_by_id: DataLoader[int, Account | None] = field(init=False)
    enterprise_by_id: DataLoader[int, Enterprise | None] = field(init=False)
    aliases_by_enterprise_id: DataLoader[int, list[EnterpriseAlias]] = field(init=False)
    talent_by_id: DataLoader[int, Talent | None] = field(init=False)
    skills_by_talent_id: DataLoader[int, list[TalentSkill]] = field(init=False)
    education_by_talent_id: DataLoader[int, list[TalentEducation]] = field(init=False)
    languages_by_talent_id: DataLoader[int, list[TalentLanguage]] = field(init=False)
    employers_applied_to_by_talent_id: DataLoader[int, frozenset[int]] = field(init=False)
    job_by_id: DataLoader[int, Job | None] = field(init=False)
    skills_by_job_id: DataLoader[int, list[JobSkill]] = field(init=False)
    languages_by_job_id: DataLoader[int, list[JobLanguage]] = field(init=False)
    application_by_id: DataLoader[int, Application | None] = field(init=False)
    events_by_application_id: DataLoader[int, list[ApplicationEvent]] = field(init=False)
    loan_product_by_id: DataLoader[int, LoanProduct | None] = field(init=False)
    financing_stats_by_product_id: DataLoader[int, ProductStats] = field(init=False)
    credit_by_enterprise_id: DataLoader[int, EnterpriseCredit | None] = field(init=False)
    credit_record_by_id: DataLoader[int, CreditRecord | None] = field(init=False)
    credit_records_by_enterprise_id: DataLoader[int, list[CreditRecord]] = field(init=False)
    personal_credit_by_talent_id: DataLoader[int, PersonalCreditScore | None] = field(init=False)

    def __post_init__(self) -> None:
        s = self.session
        self.account_by_id = _by_id(s, Account)
        self.enterprise_by_id = _by_id(s, Enterprise)
        self.aliases_by_enterprise_id = _many_by(s, EnterpriseAlias, "enterprise_id", EnterpriseAlias.position)
        self.talent_by_id = _by_id(s, Talent)
        self.skills_by_talent_id = _many_by(s, TalentSkill, "talent_id", TalentSkill.position)
        self.education_by_talent_id = _many_by(s, TalentEducation, "talent_id", TalentEducation.position)
        self.languages_by_talent_id = _many_by(s, TalentLanguage, "talent_id", TalentLanguage.position)
        self.employers_applied_to_by_talent_id = _employers_applied_to(s)
        self.job_by_id = _by_id(s, Job)
        self.skills_by_job_id = _many_by(s, JobSkill, "job_id", JobSkill.position)
        self.languages_by_job_id = _many_by(s, JobLanguage, "job_id", JobLanguage.position)
        self.application_by_id = _by_id(s, Application)
        self.events_by_application_id = _many_by(s, ApplicationEvent, "application_id", ApplicationEvent.id)
        self.loan_product_by_id = _by_id(s, LoanProduct)
        self.financing_stats_by_product_id = _financing_stats(s)
        self.credit_by_enterprise_id = _credit_by_enterprise(s)
        self.credit_record_by_id = _by_id(s, CreditRecord)
        self.credit_records_by_enterprise_id = _many_by(s, CreditRecord, "enterprise_id", CreditRecord.id)
        self.personal_credit_by_talent_id = _personal_credit_by_talent(s)
