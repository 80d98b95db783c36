"""Loads the demo data set (:mod:`api.demo_data`) into the database, idempotently.

All of it happens in one transaction, and the demo accounts are written last:
when they exist, the data set is already there and the loader changes nothing.
Enterprises and talents that are already registered (by USCC, by e-mail) are
reused rather than duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.db import session_scope
from api.demo_credit import load_credit_demo
from api.demo_cup import load_cup_demo
from api.demo_data import DemoDataset, build_demo_dataset
from api.demo_financing import load_financing_demo
from api.demo_headhunting import load_headhunting_demo
from api.models import (
    Account,
    Application,
    ApplicationEvent,
    Enterprise,
    EnterpriseAlias,
    Job,
    JobLanguage,
    JobSkill,
    Talent,
    TalentEducation,
    TalentLanguage,
    TalentSkill,
)
from api.models.enums import ApplicationStatus
from api.services.accounts import create_account
from api.services.credit import credit_today

__all__ = ["SeedReport", "load_demo"]

# The path an application walked to reach each stored status.
_PATHS: dict[str, tuple[str, ...]] = {
    "applied": ("applied",),
    "screening": ("applied", "screening"),
    "interview": ("applied", "screening", "interview"),
    "offer": ("applied", "screening", "interview", "offer"),
    "hired": ("applied", "screening", "interview", "offer", "hired"),
    "rejected": ("applied", "screening", "rejected"),
    "withdrawn": ("applied", "withdrawn"),
}
assert set(_PATHS) == {s.value for s in ApplicationStatus}


@dataclass
class SeedReport:
    enterprises: int = 0
    talents: int = 0
    jobs: int = 0
    applications: int = 0
    accounts: int = 0

    @property
    def total(self) -> int:
        return self.enterprises + self.talents + self.jobs + self.applications + self.accounts


def _enterprises(session: Session, data: DemoDataset, report: SeedReport) -> dict[str, int]:
    ids: dict[str, int] = {}
    existing = {e.uscc: e.id for e in session.exec(select(Enterprise))}
    for record in data.enterprises:
        if record["uscc"] in existing:
            ids[record["key"]] = existing[record["uscc"]]
            continue
        enterprise = Enterprise(
            legal_name=record["legal_name"],
            uscc=record["uscc"],
            industry_chain=record["industry_chain"],
            district=record.get("district"),
        )
        session.add(enterprise)
        session.flush()
        assert enterprise.id is not None
        session.add_all(
            EnterpriseAlias(enterprise_id=enterprise.id, name=a, position=i)
            for i, a in enumerate(dict.fromkeys(record.get("aliases", [])))
        )
        ids[record["key"]] = enterprise.id
        report.enterprises += 1
    return ids


def _talents(session: Session, data: DemoDataset, report: SeedReport) -> dict[str, int]:
    ids: dict[str, int] = {}
    existing = {t.email: t.id for t in session.exec(select(Talent)) if t.email}
    for record in data.talents:
        if record["email"] in existing:
            ids[record["key"]] = existing[record["email"]]
            continue
        talent = Talent(
            **{
                k: record.get(k)
                for k in (
                    "name_zh",
                    "name_pinyin",
                    "name_en",
                    "birth_year",
                    "nationality",
                    "email",
                    "phone",
                    "current_city",
                )
            },
            years_experience=record.get("years_experience", 0),
            wished_cities=list(record.get("wished_cities", [])),
            wished_industries=list(record.get("wished_industries", [])),
            discoverable=record.get("discoverable", True),
        )
        session.add(talent)
        session.flush()
        tid = talent.id
        assert tid is not None
        session.add_all(
            TalentSkill(talent_id=tid, name=s, position=i)
            for i, s in enumerate(dict.fromkeys(record.get("skills", [])))
        )
        session.add_all(
            TalentEducation(
                talent_id=tid,
                position=i,
                **{k: e.get(k) for k in ("degree", "institution", "country", "field_of_study", "year")},
            )
            for i, e in enumerate(record.get("education", []))
        )
        session.add_all(
            TalentLanguage(talent_id=tid, language=lang["language"], level=lang["level"], position=i)
            for i, lang in enumerate(record.get("languages", []))
        )
        ids[record["key"]] = tid
        report.talents += 1
    return ids


def _jobs(session: Session, data: DemoDataset, employers: dict[str, int], report: SeedReport) -> dict[str, int]:
    """Store the demo's jobs, every date moved by the same number of days so the newest posting is today (in
    Xiamen): the board reads as it did when written (recent postings, most deadlines ahead, some passed
    without the employer closing the job) whatever the day it is loaded."""
    ids: dict[str, int] = {}
    moved = credit_today() - max((date.fromisoformat(r["posted_on"]) for r in data.jobs), default=credit_today())
    for record in data.jobs:
        employer_id = employers[record["employer_key"]]
        job = Job(
            employer_id=employer_id,
            **{
                k: record.get(k)
                for k in (
                    "title",
                    "description",
                    "min_degree",
                    "salary_min",
                    "salary_max",
                    "city",
                    "district",
                    "industry_chain",
                )
            },
            fields_of_study=list(record.get("fields_of_study", [])),
            hard_requirements=list(record.get("hard_requirements", [])),
            min_years_experience=record.get("min_years_experience", 0),
            headcount=record.get("headcount", 1),
            status=record.get("status", "open"),
            posted_on=date.fromisoformat(record["posted_on"]) + moved,
            closes_on=date.fromisoformat(record["closes_on"]) + moved if record.get("closes_on") else None,
        )
        session.add(job)
        session.flush()
        jid = job.id
        assert jid is not None
        for kind in ("required", "preferred"):
            session.add_all(
                JobSkill(job_id=jid, name=s, kind=kind, position=i)
                for i, s in enumerate(dict.fromkeys(record.get(f"{kind}_skills", [])))
            )
        session.add_all(
            JobLanguage(job_id=jid, language=lang["language"], level=lang["level"], position=i)
            for i, lang in enumerate(record.get("languages", []))
        )
        ids[record["key"]] = jid
        report.jobs += 1
    return ids


def _applications(
    session: Session, data: DemoDataset, talents: dict[str, int], jobs: dict[str, int], report: SeedReport
) -> None:
    for record in data.applications:
        application = Application(
            talent_id=talents[record["talent_key"]], job_id=jobs[record["job_key"]], status=record["status"]
        )
        session.add(application)
        session.flush()
        previous: str | None = None
        for status in _PATHS[record["status"]]:
            session.add(ApplicationEvent(application_id=application.id, from_status=previous, to_status=status))
            previous = status
        report.applications += 1


def _accounts(
    session: Session, data: DemoDataset, enterprises: dict[str, int], talents: dict[str, int], report: SeedReport
) -> None:
    for record in data.accounts:
        create_account(
            session,
            email=record["email"],
            password=record["password"],
            role=record["role"],
            enterprise_id=enterprises.get(record.get("enterprise_key") or ""),
            talent_id=talents.get(record.get("talent_key") or ""),
            email_verified=True,
        )
        report.accounts += 1


def load_demo(engine: Engine, data: DemoDataset | None = None, **build_options: Any) -> SeedReport:
    """Write the demo data set, unless it is there already (then the report counts nothing)."""
    data = data or build_demo_dataset(**build_options)
    report = SeedReport()
    with session_scope(engine) as session:
        emails = [a["email"] for a in data.accounts]
        if session.exec(select(Account.id).where(col(Account.email).in_(emails))).first() is not None:
            return report
        enterprises = _enterprises(session, data, report)
        talents = _talents(session, data, report)
        session.flush()
        jobs = _jobs(session, data, enterprises, report)
        _applications(session, data, talents, jobs, report)
        load_credit_demo(session, enterprises, talents)
        _accounts(session, data, enterprises, talents, report)
        report.accounts += load_financing_demo(session, enterprises).accounts
        report.accounts += load_cup_demo(session, talents).judges
        headhunting = load_headhunting_demo(session, enterprises, talents)
        report.enterprises += headhunting.enterprises
        report.talents += headhunting.talents
        report.accounts += headhunting.accounts
    return report
