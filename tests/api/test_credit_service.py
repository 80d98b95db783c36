"""The credit service other modules build on: assessments, verification, personal credit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.db import session_scope
from api.models import AuditEntry, CreditRecord, Enterprise, Talent
from api.services import credit
from api.services.errors import ErrorCode, ServiceError
from matching.credit import CreditLevel, TaxRating

TODAY = date(2026, 6, 1)


def _enterprise(session: Session, uscc: str) -> int:
    row = Enterprise(legal_name=f"厦门服务测试{uuid.uuid4().hex[:8]}有限公司", uscc=uscc, industry_chain="new_energy")
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _record(session: Session, enterprise_id: int, kind: str, start: date, **fields: object) -> CreditRecord:
    row = CreditRecord(
        enterprise_id=enterprise_id,
        kind=kind,
        source="测试局",
        source_record_id=uuid.uuid4().hex,
        decision_date=start,
        publicity_start=start,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def test_an_enterprise_without_records_is_level_b_and_verified(engine: Engine, fresh_uscc: Callable[[], str]) -> None:
    with session_scope(engine) as session:
        # given
        eid = _enterprise(session, fresh_uscc())

        # when
        result = credit.assess_enterprise(session, eid, as_of=TODAY)

    # then
    assert result.assessment.level is CreditLevel.B
    assert result.verified and result.failures == ()
    assert result.latest_tax_rating is None


def test_an_active_dishonest_debtor_listing_blocks_verification(engine: Engine, fresh_uscc: Callable[[], str]) -> None:
    with session_scope(engine) as session:
        # given
        eid = _enterprise(session, fresh_uscc())
        _record(session, eid, "honour", TODAY - timedelta(days=10))
        _record(session, eid, "dishonest_debtor", TODAY - timedelta(days=30))

        # when
        result = credit.assess_enterprise(session, eid, as_of=TODAY)

    # then
    assert not result.verified
    assert any("dishonest judgment debtor" in f for f in result.failures)
    assert result.assessment.reasons[0].code == "DISHONEST_DEBTOR"


def test_the_latest_active_tax_rating_is_reported(engine: Engine, fresh_uscc: Callable[[], str]) -> None:
    with session_scope(engine) as session:
        # given: last year's C has ended by itself; this year's A is active
        eid = _enterprise(session, fresh_uscc())
        _record(session, eid, "tax_rating", TODAY - timedelta(days=500), tax_rating="C")
        _record(session, eid, "tax_rating", TODAY - timedelta(days=100), tax_rating="A")

        # when
        result = credit.assess_enterprise(session, eid, as_of=TODAY)

    # then
    assert result.latest_tax_rating is TaxRating.A
    assert [r.code for r in result.assessment.reasons] == ["TAX_RATING_A"]


def test_a_repaired_record_stops_counting_at_once(engine: Engine, fresh_uscc: Callable[[], str]) -> None:
    with session_scope(engine) as session:
        # given: a serious-dishonesty listing, older than its one-year minimum
        eid = _enterprise(session, fresh_uscc())
        row = _record(session, eid, "serious_dishonesty", TODAY - timedelta(days=400))
        assert not credit.assess_enterprise(session, eid, as_of=TODAY).verified

        # when
        credit.repair_credit_record(
            session, None, row.id or 0, repaired_on=TODAY, authority="厦门市发改委", basis="整改完成", today=TODAY
        )
        after = credit.assess_enterprise(session, eid, as_of=TODAY)
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.entity_type == "credit_record", AuditEntry.entity_id == row.id)
        ).all()

    # then
    assert after.verified, after.failures
    assert [(a.action, a.before["repaired_on"], a.after["repaired_on"]) for a in audit] == [  # type: ignore[index]
        ("credit_record.repair", None, TODAY.isoformat())
    ]


def test_assess_enterprises_answers_for_many_and_skips_unknown_ids(
    engine: Engine, fresh_uscc: Callable[[], str]
) -> None:
    with session_scope(engine) as session:
        # given
        good, bad = _enterprise(session, fresh_uscc()), _enterprise(session, fresh_uscc())
        _record(session, bad, "penalty_serious", TODAY - timedelta(days=5))

        # when
        results = credit.assess_enterprises(session, [good, bad, 2_000_000_000], as_of=TODAY)

    # then
    assert set(results) == {good, bad}
    assert results[good].verified and results[good].assessment.level is CreditLevel.B
    assert not results[bad].verified and results[bad].assessment.level is CreditLevel.D


def test_assess_enterprise_refuses_an_unknown_enterprise(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(ServiceError) as refused:
        credit.assess_enterprise(session, 2_000_000_000)

    assert refused.value.code is ErrorCode.NOT_FOUND


def test_personal_credit_from_a_partner_city_is_mapped_onto_the_home_scale(engine: Engine) -> None:
    dimensions = {name: 80.0 for name in credit.EGRET_DIMENSIONS}
    with session_scope(engine) as session:
        # given
        talent = Talent(name_en="Credit Test")
        session.add(talent)
        session.flush()
        assert talent.id is not None
        assert credit.personal_credit_home_score(session, talent.id) is None

        # when: 500 of Ningbo's 0-1000 is the middle, as 650 is of Xiamen's 350-950
        credit.record_personal_credit(session, None, talent.id, score=500, source_city="宁波", dimensions=dimensions)
        home = credit.personal_credit_home_score(session, talent.id)
        credit.record_personal_credit(session, None, talent.id, score=720, source_city="xiamen", dimensions=dimensions)
        latest = credit.personal_credit_home_score(session, talent.id)

    # then
    assert home == 650.0
    assert latest == 720.0
