"""Demo data for headhunter campaigns, mirroring the article's targeted invitation drive:
headhunter firms invited 50 overseas PhDs, 21 of whom brought high-tech projects.

* 厦门鹭才人力资源服务有限公司 (``lucai-hr``, account ``headhunter@demo.guilu``) runs the
  campaign "2024 海归鹭岛 留学博士定向邀请": 36 registered PhDs (the demo talent 卢晨雨
  among them, an invitation waiting for his answer) and 14 outside people, 21 with a
  project, statuses across the lifecycle; the registered ones who were hired count as
  hires attributed to the firm.
* One outside invitee, 郑浩然, invited at ``newcomer@demo.guilu``, registered afterwards
  with that address (the demo's accounts count as verified): the engine linked his
  invitation to the new profile, as it links only on an address the person proved.
* A fictional second firm, 厦门海鹭猎头咨询有限公司 (account ``headhunter2@demo.guilu``),
  holds two drafts; one names 黄思远 again, in Traditional characters and another
  spelling, and waits in the identity review queue.

The invitations go through the same service as the API (identity resolution,
ownership, audit).  The campaign runs from 60 days before the load to 30 days after,
so its invitations can still be answered.  Every person here is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from api.demo_data import DEMO_PASSWORD
from api.models import Account, Application, AuditEntry, Enterprise, Invitation, Talent, TalentEducation, TalentSkill
from api.models.enums import ApplicationStatus, Role
from api.models.headhunting import InvitationStatus
from api.services import headhunting, identity
from api.services.accounts import create_account
from api.uscc import make_uscc

__all__ = [
    "CAMPAIGN_NAME",
    "HEADHUNTER_EMAIL",
    "INVITED",
    "NEWCOMER_EMAIL",
    "SECOND_FIRM_EMAIL",
    "SECOND_FIRM_NAME",
    "WITH_PROJECT",
    "HeadhuntingDemoReport",
    "load_headhunting_demo",
]

CAMPAIGN_NAME = "2024 海归鹭岛 留学博士定向邀请"
HEADHUNTER_EMAIL = "headhunter@demo.guilu"
SECOND_FIRM_EMAIL = "headhunter2@demo.guilu"
SECOND_FIRM_NAME = "厦门海鹭猎头咨询有限公司"
NEWCOMER_EMAIL = "newcomer@demo.guilu"
INVITED = 50
WITH_PROJECT = 21
REGISTERED_INVITEES = 36
REGISTERED_WITH_PROJECT = 12

PROJECTS = (
    "多重RNA定量检测用于肿瘤精准治疗",
    "第三代半导体碳化硅功率器件",
    "固态锂电池电解质材料",
    "氢燃料电池催化剂低铂化",
    "深海探测声学传感阵列",
    "基因编辑递送载体",
    "工业视觉缺陷检测平台",
    "钠离子储能电池系统",
    "智能港口调度算法",
    "可降解医用高分子材料",
    "6G太赫兹通信芯片",
    "单细胞测序数据分析平台",
    "钨基高熵合金",
    "光伏钙钛矿叠层电池",
    "航天器热防护复合材料",
    "AI药物分子设计",
    "柔性电子皮肤传感器",
    "微流控即时诊断芯片",
    "海上风电运维机器人",
    "量子点显示材料",
    "低空飞行器导航系统",
)
assert len(PROJECTS) == WITH_PROJECT

# Outside people (no profile when invited): name_zh, name_en, e-mail, phone, institution, country.
OUTSIDE = (
    ("郑浩然", "Haoran Zheng", NEWCOMER_EMAIL, "+44 7700 900101", "Imperial College London", "GB"),
    ("黄思远", "Siyuan Huang", "siyuan.huang@example.net", "+44 7700 900102", "University of Manchester", "GB"),
    ("陈嘉怡", "Jiayi Chen", "jiayi.chen@example.net", "+1 415 555 0103", "Stanford University", "US"),
    ("林书豪", "Shuhao Lin", "shuhao.lin@example.net", "+1 617 555 0104", "MIT", "US"),
    ("王雨桐", "Yutong Wang", "yutong.wang@example.net", "+49 151 0000 0105", "TU München", "DE"),
    ("李泽宇", "Zeyu Li", "zeyu.li@example.net", "+65 8100 0106", "National University of Singapore", "SG"),
    ("张若曦", "Ruoxi Zhang", "ruoxi.zhang@example.net", "+61 400 000 107", "University of Melbourne", "AU"),
    ("刘子轩", "Zixuan Liu", "zixuan.liu@example.net", "+81 90 0000 0108", "University of Tokyo", "JP"),
    ("吴佳琪", "Jiaqi Wu", "jiaqi.wu@example.net", "+33 6 00 00 01 09", "Sorbonne Université", "FR"),
    ("周明哲", "Mingzhe Zhou", "mingzhe.zhou@example.net", "+31 6 0000 0110", "TU Delft", "NL"),
    ("许嘉宁", "Jianing Xu", "jianing.xu@example.net", "+1 416 555 0111", "University of Toronto", "CA"),
    ("孙启航", "Qihang Sun", "qihang.sun@example.net", "+41 79 000 01 12", "ETH Zürich", "CH"),
    ("何静怡", "Jingyi He", "jingyi.he@example.net", "+46 70 000 01 13", "KTH Royal Institute of Technology", "SE"),
    ("高远航", "Yuanhang Gao", "yuanhang.gao@example.net", "+82 10 0000 0114", "KAIST", "KR"),
)
OUTSIDE_WITH_PROJECT = WITH_PROJECT - REGISTERED_WITH_PROJECT
assert REGISTERED_INVITEES + len(OUTSIDE) == INVITED

S = InvitationStatus
# Statuses of the 50 invitations, in order of invitation.
_STATUSES = [S.SENT] + [S.ATTENDED] * 15 + [S.ACCEPTED] * 8 + [S.DECLINED] * 7 + [S.EXPIRED] * 5 + [S.SENT] * 14
assert len(_STATUSES) == INVITED
_TIMESTAMPS = {
    S.SENT: ("sent_at",),
    S.ACCEPTED: ("sent_at", "responded_at"),
    S.DECLINED: ("sent_at", "responded_at"),
    S.EXPIRED: ("sent_at", "expired_at"),
    S.ATTENDED: ("sent_at", "responded_at", "attended_at"),
}


def _second_firm(session: Session) -> Enterprise:
    firm = Enterprise(
        legal_name=SECOND_FIRM_NAME,
        uscc=make_uscc("9", "1", "350203", "MA8HL001"),
        industry_chain="trade_logistics",
        district="思明区",
    )
    session.add(firm)
    session.flush()
    return firm


def _registered_phds(session: Session, featured_id: int) -> list[int]:
    """Discoverable PhD (or postdoc) talents, the featured one and those hired first, then by id."""
    phds = set(
        session.exec(select(TalentEducation.talent_id).where(col(TalentEducation.degree).in_(["phd", "postdoc"]))).all()
    )
    discoverable = set(session.exec(select(Talent.id).where(col(Talent.discoverable).is_(True))).all())
    hired = set(
        session.exec(select(Application.talent_id).where(Application.status == ApplicationStatus.HIRED.value)).all()
    )
    pool = sorted((phds & discoverable) - {featured_id}, key=lambda t: (t not in hired, t))
    return [featured_id, *pool[: REGISTERED_INVITEES - 1]]


def _set_status(session: Session, invitation: Invitation, status: InvitationStatus) -> None:
    now = invitation.created_at
    invitation.status = status.value
    for step, name in enumerate(_TIMESTAMPS[status], start=1):
        setattr(invitation, name, now + timedelta(hours=step))
    session.add(invitation)


def _register_newcomer(session: Session) -> None:
    """郑浩然, invited as an outside person, registers: the engine links his invitation."""
    talent = Talent(
        name_zh="郑浩然",
        name_pinyin="Zheng Haoran",
        name_en="Haoran Zheng",
        email=NEWCOMER_EMAIL,
        phone="+44 7700 900101",
        nationality="CN",
        years_experience=2,
        current_city="London",
        wished_cities=["厦门"],
        wished_industries=["third_gen_semiconductors"],
    )
    session.add(talent)
    session.flush()
    assert talent.id is not None
    session.add(
        TalentEducation(
            talent_id=talent.id,
            degree="phd",
            institution="Imperial College London",
            country="GB",
            field_of_study="Electrical Engineering",
            year=2023,
        )
    )
    session.add_all(TalentSkill(talent_id=talent.id, name=s, position=i) for i, s in enumerate(("SiC", "功率器件")))
    account = create_account(
        session,
        email=NEWCOMER_EMAIL,
        password=DEMO_PASSWORD,
        role=Role.TALENT.value,
        talent_id=talent.id,
        email_verified=True,
    )
    identity.link_new_talent(session, talent, actor=account, via="seed")


@dataclass(frozen=True, slots=True)
class HeadhuntingDemoReport:
    """Rows the headhunting demo added besides campaigns and invitations."""

    enterprises: int = 1
    talents: int = 1
    accounts: int = 2


def load_headhunting_demo(
    session: Session, enterprises: dict[str, int], talents: dict[str, int]
) -> HeadhuntingDemoReport:
    """Write the demo campaigns and invitations (the demo accounts exist already).

    The services audit what they do as the acting account; the demo's entries are
    then marked as the loader's (no actor, ``via="seed"``), like every demo loader's.
    """
    first_audit = session.exec(select(func.max(AuditEntry.id))).one() or 0
    lucai = session.exec(select(Account).where(Account.email == HEADHUNTER_EMAIL)).one()
    firm = _second_firm(session)
    assert firm.id is not None
    second = create_account(
        session,
        email=SECOND_FIRM_EMAIL,
        password=DEMO_PASSWORD,
        role=Role.HEADHUNTER.value,
        enterprise_id=firm.id,
        email_verified=True,
    )
    today = headhunting.today()
    campaign = headhunting.create_campaign(
        session,
        lucai,
        headhunting.CampaignData(
            name=CAMPAIGN_NAME,
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=30),
            criteria=headhunting.CriteriaData(
                min_degree="phd",
                fields=["生物医学", "材料科学", "电子工程"],
                skills=["qPCR", "Python", "半导体"],
            ),
            quota=60,
        ),
    )
    assert campaign.id is not None
    invitations = []
    featured = talents["t-0001"]
    for index, talent_id in enumerate(_registered_phds(session, featured)):
        project = PROJECTS[index] if index < REGISTERED_WITH_PROJECT else None
        invitations.append(headhunting.invite_talent(session, lucai, campaign.id, talent_id, project))
    for index, (name_zh, name_en, email, phone, institution, country) in enumerate(OUTSIDE):
        project = PROJECTS[REGISTERED_WITH_PROJECT + index] if index < OUTSIDE_WITH_PROJECT else None
        person = headhunting.PersonData(
            name_zh=name_zh,
            name_en=name_en,
            email=email,
            phone=phone,
            institution=institution,
            country=country,
            degree="phd",
            project_title=project,
        )
        invitations.append(headhunting.invite_outside_person(session, lucai, campaign.id, person))
    for invitation, status in zip(invitations, _STATUSES, strict=True):
        _set_status(session, invitation, status)
    session.flush()
    _register_newcomer(session)

    other = headhunting.create_campaign(
        session,
        second,
        headhunting.CampaignData(
            name="2024 新能源博士专场",
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=50),
            criteria=headhunting.CriteriaData(min_degree="phd", fields=["材料科学"], skills=["电池"]),
        ),
    )
    assert other.id is not None
    for person in (
        headhunting.PersonData(
            name_zh="黃思遠",
            name_en="Huang Si-Yuan",
            email="s.huang@manchester-alumni.example.org",
            institution="University of Manchester",
            country="GB",
            degree="phd",
        ),
        headhunting.PersonData(
            name_zh="罗文博",
            name_en="Wenbo Luo",
            email="wenbo.luo@example.net",
            institution="University of Cambridge",
            country="GB",
            degree="phd",
            project_title="锂硫电池正极材料",
        ),
    ):
        headhunting.invite_outside_person(session, second, other.id, person)
    session.flush()
    session.exec(update(AuditEntry).where(col(AuditEntry.id) > first_audit).values(actor_account_id=None, via="seed"))
    return HeadhuntingDemoReport()
