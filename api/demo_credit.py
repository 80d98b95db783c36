"""Demo credit data: public credit records across every level A/B/C/D, a repaired and
an expired record, two dishonesty listings, review-queue items and personal credit.

Records go through the real import (:func:`api.services.credit.import_credit_records`,
``via="seed"``), so they are validated and audited like any import.  Dates are
offsets from the day the demo is loaded, so the levels below hold on that day
(they drift as records age and expire, as real ones do); the same day always
gives the same rows.

Real organisations named in the article get positive records only (licences,
honours, good tax ratings, fulfilled contracts); every penalty, listing and
arrear belongs to a plainly fictional enterprise (:func:`api.demo_data.real_enterprise_keys`).

=================================  =====  ================================================
enterprise (key)                   level  why
=================================  =====  ================================================
hithium (real)                     A      licence, two honours, tax A
amoy-diagnostics (real)            A      licence, honour, tax A, fulfilled contract
xiamen-tungsten, spdb, bocom       B      licence and/or tax A
lu-neng-battery-technology         B      tax A, honour (the financing demo's borrower)
lu-hai-technology                  B      tax A (its near-twin 鹭海软件 is penalised)
lu-yao-vision-technology           B      a general penalty, repaired; tax B
xing-yu-cloud-computing            B      a minor penalty that expired by itself; licence
lu-hai-software                    C      general penalty 40 days ago (repairable from day 90)
lu-feng-intelligent-technology     C      general penalty 120 days ago: repair it to reach B
lu-tuo-intelligent-equipment       C      a breached contract
yun-xi-iot-technology              C      abnormal operation listing, social-insurance arrears
jia-lan-software                   D      serious penalty (not a dishonesty list: still recommended)
yu-xin-electronics                 D      dishonest judgment debtor: never recommended; repairable
lu-xian-information-technology     D      serious-dishonesty list: never recommended
=================================  =====  ================================================
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from api.demo_data import real_enterprise_keys
from api.models import CreditRecord, Enterprise
from api.services import credit

__all__ = ["ADVERSE_KINDS", "DEMO_RECORDS", "PERSONAL_CREDIT", "REVIEW_ROWS", "load_credit_demo"]

ADVERSE_KINDS = frozenset(
    {
        "penalty_minor",
        "penalty_general",
        "penalty_serious",
        "dishonest_debtor",
        "serious_dishonesty",
        "abnormal_operation",
        "social_insurance_arrears",
    }
)
_SOURCES = {
    "administrative_licence": "厦门市市场监督管理局",
    "honour": "厦门市发展和改革委员会",
    "tax_rating": "国家税务总局厦门市税务局",
    "penalty_minor": "厦门市市场监督管理局",
    "penalty_general": "厦门市生态环境局",
    "penalty_serious": "厦门市应急管理局",
    "dishonest_debtor": "厦门市中级人民法院",
    "serious_dishonesty": "厦门市发展和改革委员会",
    "abnormal_operation": "厦门市市场监督管理局",
    "social_insurance_arrears": "厦门市人力资源和社会保障局",
    "contract_performance": "厦门市公共资源交易中心",
}
# (enterprise key, kind, days before the load day, extra fields)
DEMO_RECORDS: tuple[tuple[str, str, int, dict[str, Any]], ...] = (
    ("hithium", "administrative_licence", 200, {"title": "危险化学品经营许可"}),
    ("hithium", "honour", 100, {"title": "厦门市守信激励对象"}),
    ("hithium", "honour", 30, {"title": "纳税信用A级纳税人公示"}),
    ("hithium", "tax_rating", 60, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("amoy-diagnostics", "administrative_licence", 300, {"title": "医疗器械生产许可"}),
    ("amoy-diagnostics", "honour", 80, {"title": "厦门市守信激励对象"}),
    ("amoy-diagnostics", "tax_rating", 60, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("amoy-diagnostics", "contract_performance", 45, {"outcome": "fulfilled", "title": "政府采购合同履约"}),
    ("xiamen-tungsten", "administrative_licence", 400, {"title": "采矿许可"}),
    ("xiamen-tungsten", "tax_rating", 60, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("xiamen-university", "administrative_licence", 500, {"title": "实验动物使用许可"}),
    ("solex", "tax_rating", 60, {"tax_rating": "B", "title": "2025年度纳税信用等级"}),
    ("spdb-xiamen", "tax_rating", 60, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("bocom-xiamen", "tax_rating", 60, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("lu-neng-battery-technology", "tax_rating", 90, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("lu-neng-battery-technology", "honour", 120, {"title": "火炬高新区守信企业"}),
    ("lu-hai-technology", "tax_rating", 60, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("lu-chen-new-energy", "tax_rating", 60, {"tax_rating": "B", "title": "2025年度纳税信用等级"}),
    ("qing-lu-biotechnology", "honour", 150, {"title": "厦门市守信激励对象"}),
    ("lu-he-biopharmaceutical", "tax_rating", 60, {"tax_rating": "A", "title": "2025年度纳税信用等级"}),
    ("lu-yao-vision-technology", "penalty_general", 200, {"title": "未按规定申报环境影响评价（演示）"}),
    ("lu-yao-vision-technology", "tax_rating", 60, {"tax_rating": "B", "title": "2025年度纳税信用等级"}),
    ("xing-yu-cloud-computing", "penalty_minor", 300, {"title": "未按时公示年度报告（演示）"}),
    ("xing-yu-cloud-computing", "administrative_licence", 250, {"title": "增值电信业务经营许可"}),
    ("lu-hai-software", "penalty_general", 40, {"title": "违规排放废水（演示）"}),
    ("lu-feng-intelligent-technology", "penalty_general", 120, {"title": "未落实安全生产责任（演示）"}),
    (
        "lu-tuo-intelligent-equipment",
        "contract_performance",
        50,
        {"outcome": "breached", "title": "政府采购合同逾期交付（演示）"},
    ),
    ("yun-xi-iot-technology", "abnormal_operation", 30, {"title": "通过登记的住所无法联系（演示）"}),
    ("yun-xi-iot-technology", "social_insurance_arrears", 60, {"title": "欠缴社会保险费（演示）"}),
    ("jia-lan-software", "penalty_serious", 100, {"title": "虚假宣传情节严重（演示）"}),
    ("yu-xin-electronics", "dishonest_debtor", 60, {"title": "有履行能力而拒不履行生效法律文书（演示）"}),
    ("lu-xian-information-technology", "serious_dishonesty", 200, {"title": "拒不履行国防义务（演示）"}),
)
# (enterprise key, days before the load day) of records repaired in the demo.
_REPAIRED = (("lu-yao-vision-technology", "penalty_general", 100),)
# Rows that name their enterprise only approximately: they wait in the review queue.
REVIEW_ROWS: tuple[dict[str, Any], ...] = (
    {"enterprise_name": "Luhai Technologies", "kind": "honour", "days": 20, "title": "守信激励对象（名称待确认）"},
    {"enterprise_name": "鹭峰智能科技信息", "kind": "penalty_minor", "days": 10, "title": "轻微违规（名称待确认）"},
)
# (talent key, score, source city, dimensions)
PERSONAL_CREDIT: tuple[tuple[str, float, str, dict[str, float]], ...] = (
    (
        "t-0001",
        742,
        "xiamen",
        {
            "basic_information": 88,
            "positive_behaviour": 76,
            "dishonesty_default": 95,
            "credit_repair": 100,
            "credit_usage": 70,
        },
    ),
    (
        "t-0004",
        780,
        "hangzhou",
        {
            "basic_information": 90,
            "positive_behaviour": 82,
            "dishonesty_default": 98,
            "credit_repair": 100,
            "credit_usage": 75,
        },
    ),
    (
        "t-0005",
        560,
        "ningbo",
        {
            "basic_information": 80,
            "positive_behaviour": 60,
            "dishonesty_default": 85,
            "credit_repair": 90,
            "credit_usage": 55,
        },
    ),
    # The leads of the two third-generation semiconductor Cup projects: one passes the founders' floor of the
    # start-up loan (600), one does not.
    (
        "t-0017",
        705,
        "xiamen",
        {
            "basic_information": 85,
            "positive_behaviour": 72,
            "dishonesty_default": 96,
            "credit_repair": 100,
            "credit_usage": 68,
        },
    ),
    (
        "t-0025",
        585,
        "xiamen",
        {
            "basic_information": 78,
            "positive_behaviour": 55,
            "dishonesty_default": 80,
            "credit_repair": 90,
            "credit_usage": 50,
        },
    ),
)


def _row(key: str, uscc: str, kind: str, day: date, number: int, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": _SOURCES[kind],
        "source_record_id": f"DEMO-{number:04d}",
        "kind": kind,
        "uscc": uscc,
        "decision_date": day.isoformat(),
        "publicity_start": day.isoformat(),
        **extra,
    }


def load_credit_demo(session: Session, enterprises: dict[str, int], talents: dict[str, int]) -> None:
    """Write the demo credit data in the caller's transaction (``enterprises``/``talents``: key -> id)."""
    real = real_enterprise_keys()
    for key, kind, _, _ in DEMO_RECORDS:
        if key in real and kind in ADVERSE_KINDS:
            raise AssertionError(f"adverse demo record {kind} for the real organisation {key}")
    today = credit.credit_today()
    usccs = dict(session.exec(select(Enterprise.id, Enterprise.uscc)).all())
    rows = [
        _row(key, usccs[enterprises[key]], kind, today - timedelta(days=days), number, extra)
        for number, (key, kind, days, extra) in enumerate(DEMO_RECORDS, start=1)
    ]
    for offset, review in enumerate(REVIEW_ROWS, start=len(rows) + 1):
        day = (today - timedelta(days=review["days"])).isoformat()
        rows.append(
            {
                "source": _SOURCES[review["kind"]],
                "source_record_id": f"DEMO-{offset:04d}",
                "kind": review["kind"],
                "enterprise_name": review["enterprise_name"],
                "decision_date": day,
                "title": review["title"],
            }
        )
    content = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    report = credit.import_credit_records(session, content, "jsonl", actor=None, via="seed", today=today)
    if report.rejected or report.accepted != len(DEMO_RECORDS) or report.queued != len(REVIEW_ROWS):
        raise AssertionError(f"demo credit data did not load cleanly: {report.summary()} {report.rows}")
    for key, kind, days in _REPAIRED:
        record = session.exec(
            select(CreditRecord).where(CreditRecord.enterprise_id == enterprises[key], CreditRecord.kind == kind)
        ).one()
        assert record.id is not None
        credit.repair_credit_record(
            session,
            None,
            record.id,
            repaired_on=today - timedelta(days=days),
            authority="厦门市生态环境局",
            basis="已缴清罚款并完成整改，提交信用修复申请（演示）",
            via="seed",
            today=today,
        )
    for talent_key, score, city, dimensions in PERSONAL_CREDIT:
        if talent_key in talents:
            credit.record_personal_credit(
                session, None, talents[talent_key], score=score, source_city=city, dimensions=dimensions, via="seed"
            )
