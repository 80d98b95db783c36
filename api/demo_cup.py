"""Demo data for the Guilu Cup (归鹭杯), in the shape the article reports.

The 2nd edition (2024): every entry a PhD project, in several tracks, 卢晨雨's
multiplex RNA quantification project for precision tumour therapy among them;
a panel of eight judges whose affiliations create real conflicts (厦大 against a
厦门大学 graduate, City University of Hong Kong against its PhDs, a judge who is
a team member, a declared conflict); the preliminary assigned, scored and
closed (the top 8 advanced); the final assigned and scored by every judge but
``judge@demo.guilu``, still open, so a newcomer can score, close and finalise.
The 3rd edition (2027) takes entries until 2027-06-30.

Deterministic: scores come from a seeded generator.  People are fictional.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from api.demo_data import DEMO_PASSWORD
from api.models import Account, AuditEntry, Competition, Entry, EntryMember, EntryRound, JudgeAssignment, Round, Score
from api.services import cup
from api.services.accounts import create_account
from api.services.audit import audit_row

__all__ = ["CUP_NAME", "FEATURED_TITLE", "JUDGES", "CupDemoReport", "load_cup_demo"]

SEED = 2024
CUP_NAME = '厦门"归鹭杯"留学人才创新创业大赛'
FEATURED_TITLE = "多重RNA定量技术助力肿瘤精准治疗"
PRELIMINARY, FINAL = "preliminary", "final"
_SUBMITTED_AT = datetime(2024, 9, 20, 2, 0, tzinfo=UTC)

RUBRIC = [
    cup.CriterionData("innovation", "创新性", 25, 10),
    cup.CriterionData("technology", "技术水平", 20, 10),
    cup.CriterionData("business_model", "商业模式", 15, 10),
    cup.CriterionData("market", "市场前景", 15, 10),
    cup.CriterionData("team", "团队", 10, 10),
    cup.CriterionData("industry_fit", "产业契合度", 15, 10),
]
TRACKS = [
    "biomedicine",
    "gene_biotech",
    "electronic_information",
    "new_energy",
    "new_materials",
    "advanced_equipment",
    "third_gen_semiconductors",
]

# (e-mail, name, affiliations, declared conflicts, talent key of the judge's own profile)
JUDGES: list[tuple[str, str, list[str], list[str], str | None]] = [
    ("judge@demo.guilu", "王立群", ["厦大"], [], None),
    ("judge2@demo.guilu", "陈海燕", ["香港城市大学"], [], None),
    ("judge3@demo.guilu", "林志远", ["Jimei University"], [], None),
    ("judge4@demo.guilu", "黄嘉怡", ["Amoy Diagnostics"], [], None),
    ("judge5@demo.guilu", "郑国栋", ["厦门市科技局"], ["KAIST"], None),
    ("judge6@demo.guilu", "许文博", ["清华大学"], [], "t-0013"),
    ("judge7@demo.guilu", "蔡明辉", ["厦门火炬高新区管委会"], [], None),
    ("judge8@demo.guilu", "吴佩珊", ["华侨大学"], ["周杰森"], None),
]

# (lead talent key, title, track, stage, requested financing, [(member key, institution, employer)])
_ENTRIES: list[tuple[str, str, str, str, int, list[tuple[str, str | None, str | None]]]] = [
    ("t-0001", FEATURED_TITLE, "biomedicine", "prototype", 5_000_000, [("t-0090", None, None)]),
    ("t-0004", "基于类器官的药物筛选芯片", "gene_biotech", "prototype", 3_000_000, []),
    ("t-0006", "肿瘤早筛液体活检多组学平台", "biomedicine", "idea", 2_000_000, []),
    ("t-0013", "高熵合金增材制造工艺", "new_materials", "prototype", 4_000_000, [("t-0057", None, None)]),
    ("t-0017", "氮化镓功率器件可靠性建模", "third_gen_semiconductors", "revenue", 6_000_000, []),
    ("t-0025", "碳化硅MOSFET栅氧优化", "third_gen_semiconductors", "prototype", 5_000_000, []),
    ("t-0032", "阿尔茨海默病血液标志物检测", "biomedicine", "idea", 1_500_000, [("t-0078", None, "艾德生物")]),
    ("t-0048", "面向海岛的低轨卫星物联网终端", "electronic_information", "prototype", 2_500_000, []),
    ("t-0057", "固态电解质界面改性材料", "new_energy", "prototype", 3_500_000, []),
    ("t-0060", "大模型驱动的工业质检系统", "electronic_information", "revenue", 4_500_000, []),
    ("t-0074", "精密减速器数字孪生运维", "advanced_equipment", "revenue", 3_000_000, []),
    ("t-0078", "可降解心血管支架涂层", "biomedicine", "prototype", 4_000_000, []),
    ("t-0081", "钙钛矿叠层光伏组件封装", "new_energy", "prototype", 5_500_000, []),
    ("t-0085", "CRISPR碱基编辑递送载体", "gene_biotech", "idea", 2_000_000, []),
    ("t-0089", "钠离子电池正极材料量产工艺", "new_energy", "revenue", 8_000_000, []),
    ("t-0090", "单细胞测序数据分析云平台", "gene_biotech", "prototype", 1_800_000, []),
    ("t-0093", "海上风电叶片健康监测", "advanced_equipment", "idea", 2_200_000, []),
    ("t-0053", "柔性电子皮肤传感阵列", "new_materials", "prototype", 2_600_000, []),
]
# How strong each project reads to the judges (0..10); the featured project wins.
_QUALITY = {FEATURED_TITLE: 9.3}


@dataclass
class CupDemoReport:
    competitions: int = 0
    entries: int = 0
    judges: int = 0
    scores: int = 0


def _competition_data(edition: int, year: int, deadline: datetime, judges: list[int]) -> cup.CompetitionData:
    return cup.CompetitionData(
        name=CUP_NAME,
        edition=edition,
        year=year,
        submission_deadline=deadline,
        tracks=TRACKS,
        rounds=[cup.RoundData(PRELIMINARY, 8), cup.RoundData(FINAL)],
        criteria=RUBRIC,
        award_tiers=[cup.TierData("一等奖", 1), cup.TierData("二等奖", 2), cup.TierData("三等奖", 3)],
        method="trimmed_mean",
        tie_break=["raw_mean", "innovation"],
        step=0.5,
        judge_account_ids=judges,
    )


def _sheet(rng: random.Random, quality: float) -> dict[str, float]:
    return {c.key: min(c.maximum, max(0.0, round((quality + rng.uniform(-1.0, 1.0)) * 2) / 2)) for c in RUBRIC}


def _score_round(
    session: Session,
    round_id: int,
    qualities: dict[int, float],
    rng: random.Random,
    report: CupDemoReport,
    skip_judge: int | None = None,
) -> None:
    rubric_totals = cup.rubric_of(session, _competition_of(session, round_id))
    assignments = session.exec(
        select(JudgeAssignment).where(JudgeAssignment.round_id == round_id).order_by(col(JudgeAssignment.id))
    )
    for assignment in assignments:
        if assignment.judge_account_id == skip_judge:
            continue
        criteria = _sheet(rng, qualities[assignment.entry_id])
        score = Score(
            round_id=round_id,
            judge_account_id=assignment.judge_account_id,
            entry_id=assignment.entry_id,
            criteria=criteria,
            total=rubric_totals.weighted_total(criteria),
            submitted_at=_SUBMITTED_AT,
            updated_at=_SUBMITTED_AT,
        )
        audit_row(
            session,
            score,
            actor=None,
            action="cup_score.submit",
            before=None,
            via="seed",
        )
        report.scores += 1


def _competition_of(session: Session, round_id: int) -> Competition:
    found = session.get(Round, round_id)
    assert found is not None
    competition = session.get(Competition, found.competition_id)
    assert competition is not None
    return competition


def load_cup_demo(session: Session, talents: dict[str, int]) -> CupDemoReport:
    """Write the Cup's demo data; call after the demo accounts exist (same transaction)."""
    report = CupDemoReport()
    admin = session.exec(select(Account).where(Account.email == "admin@demo.guilu")).one()
    judge_ids: list[int] = []
    for email, name, affiliations, declared, talent_key in JUDGES:
        account = session.exec(select(Account).where(Account.email == email)).first()
        if account is None:
            account = create_account(session, email=email, password=DEMO_PASSWORD, role="judge", email_verified=True)
            report.judges += 1
        assert account.id is not None
        cup.set_judge_profile(
            session,
            admin,
            account.id,
            cup.JudgeData(
                name=name,
                affiliations=affiliations,
                declared_conflicts=declared,
                talent_id=talents.get(talent_key) if talent_key else None,
            ),
        )
        judge_ids.append(account.id)

    competition = cup.create_competition(
        session, admin, _competition_data(2, 2024, datetime(2024, 9, 30, 15, 59, tzinfo=UTC), judge_ids)
    )
    cup.create_competition(
        session, admin, _competition_data(3, 2027, datetime(2027, 6, 30, 15, 59, tzinfo=UTC), judge_ids)
    )
    report.competitions += 2
    assert competition.id is not None
    preliminary = cup.find_round(session, competition.id, PRELIMINARY)
    final = cup.find_round(session, competition.id, FINAL)
    assert preliminary.id is not None and final.id is not None

    rng = random.Random(SEED)
    qualities: dict[int, float] = {}
    for lead_key, title, track, stage, financing, members in _ENTRIES:
        entry = Entry(
            competition_id=competition.id,
            lead_talent_id=talents[lead_key],
            title=title,
            summary=f"{title}：博士团队项目，拟落地厦门。",
            track=track,
            stage=stage,
            requested_financing=financing,
            links=[],
            submitted_at=_SUBMITTED_AT,
            updated_at=_SUBMITTED_AT,
        )
        session.add(entry)
        session.flush()
        assert entry.id is not None
        team = [(lead_key, None, None), *members]
        for position, (key, institution, employer) in enumerate(team):
            session.add(
                EntryMember(
                    entry_id=entry.id,
                    talent_id=talents[key],
                    is_lead=position == 0,
                    institution=institution,
                    employer=employer,
                    position=position,
                    accepted_at=_SUBMITTED_AT,  # the demo teams agreed when they entered
                )
            )
        session.add(EntryRound(entry_id=entry.id, round_id=preliminary.id))
        qualities[entry.id] = _QUALITY.get(title, round(rng.uniform(5.0, 8.8), 2))
        report.entries += 1
    session.flush()

    cup.assign_judges(session, admin, competition.id, PRELIMINARY, per_entry=5)
    _score_round(session, preliminary.id, qualities, rng, report)
    cup.close_round(session, admin, preliminary.id, acknowledge_flags=True)
    cup.assign_judges(session, admin, competition.id, FINAL, per_entry=5)
    _score_round(session, final.id, qualities, rng, report, skip_judge=judge_ids[0])
    # The services audited the assignments and the closing as the admin; no account acted: the loader did.
    session.flush()
    for audit in session.exec(select(AuditEntry).where(AuditEntry.actor_account_id == admin.id)):
        if audit.entity_type.startswith("cup_"):
            audit.actor_account_id, audit.via = None, "seed"
            session.add(audit)
    return report
