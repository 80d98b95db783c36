from __future__ import annotations

import dataclasses
import math
import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matching.credit import (
    BASE_SCORE,
    CITY_SCALES,
    EGRET_SCALE,
    LICENCE_POINTS_CAP,
    RULES,
    SCALE,
    CreditLevel,
    CreditRecord,
    PersonalCredit,
    RecordKind,
    RecordStatus,
    TaxRating,
    assess_credit,
    check_repair,
    is_verified,
    level_for_score,
    map_to_home_scale,
    publicity_end,
    record_points,
    record_status,
    repair_allowed_from,
    verification_failures,
)

AS_OF = date(2026, 6, 1)


def record(
    kind: RecordKind,
    start: date = AS_OF,
    *,
    id: int = 1,
    tax_rating: TaxRating | None = None,
    outcome: str | None = None,
    end: date | None = None,
    repaired_on: date | None = None,
) -> CreditRecord:
    return CreditRecord(
        id=id,
        kind=kind,
        decision_date=start,
        publicity_start=start,
        publicity_end=end,
        repaired_on=repaired_on,
        tax_rating=tax_rating,
        outcome=outcome,  # type: ignore[arg-type]
    )


# --- the rules table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "minimum_days", "maximum_days"),
    [
        (RecordKind.PENALTY_MINOR, 0, 90),
        (RecordKind.PENALTY_GENERAL, 90, 365),
        (RecordKind.PENALTY_SERIOUS, 365, 3 * 365),
        (RecordKind.DISHONEST_DEBTOR, 0, 2 * 365),
        (RecordKind.SERIOUS_DISHONESTY, 365, 3 * 365),
        (RecordKind.ABNORMAL_OPERATION, 0, 3 * 365),
        (RecordKind.TAX_RATING, 365, 365),
        (RecordKind.SOCIAL_INSURANCE_ARREARS, 90, 365),
        (RecordKind.CONTRACT_PERFORMANCE, 90, 365),
        (RecordKind.HONOUR, None, 3 * 365),
        (RecordKind.ADMINISTRATIVE_LICENCE, None, None),
    ],
)
def test_rules_follow_the_national_publicity_periods(
    kind: RecordKind, minimum_days: int | None, maximum_days: int | None
) -> None:
    rule = RULES[kind]

    assert (rule.publicity_min.days if rule.publicity_min is not None else None) == minimum_days
    assert (rule.publicity_max.days if rule.publicity_max is not None else None) == maximum_days


def test_rules_cover_every_kind_and_only_listings_block_verification() -> None:
    assert set(RULES) == set(RecordKind)
    assert {kind for kind, rule in RULES.items() if rule.blocks_verification} == {
        RecordKind.DISHONEST_DEBTOR,
        RecordKind.SERIOUS_DISHONESTY,
    }
    assert all(rule.kind is kind for kind, rule in RULES.items())


def test_rules_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        RULES[RecordKind.HONOUR] = RULES[RecordKind.PENALTY_MINOR]  # type: ignore[index]


# --- records: validation, status, repair --------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": RecordKind.TAX_RATING},
        {"kind": RecordKind.PENALTY_GENERAL, "tax_rating": TaxRating.C},
        {"kind": RecordKind.CONTRACT_PERFORMANCE},
        {"kind": RecordKind.HONOUR, "outcome": "fulfilled"},
        {"kind": RecordKind.PENALTY_GENERAL, "end": AS_OF - timedelta(days=1)},
        {"kind": RecordKind.HONOUR, "repaired_on": AS_OF},
        {"kind": RecordKind.TAX_RATING, "tax_rating": TaxRating.A, "repaired_on": AS_OF},
        {"kind": RecordKind.CONTRACT_PERFORMANCE, "outcome": "fulfilled", "repaired_on": AS_OF},
    ],
)
def test_inconsistent_records_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="record 1"):
        record(**kwargs)  # type: ignore[arg-type]


def test_status_moves_from_active_to_expired_at_the_publicity_maximum() -> None:
    penalty = record(RecordKind.PENALTY_GENERAL, date(2025, 1, 1))

    assert publicity_end(penalty) == date(2026, 1, 1)
    assert record_status(penalty, date(2025, 12, 31)) is RecordStatus.ACTIVE
    assert record_status(penalty, date(2026, 1, 1)) is RecordStatus.EXPIRED


def test_explicit_publicity_end_overrides_the_rule() -> None:
    rating = record(RecordKind.TAX_RATING, date(2025, 1, 1), tax_rating=TaxRating.D, end=date(2027, 1, 1))

    assert publicity_end(rating) == date(2027, 1, 1)
    assert record_status(rating, date(2026, 6, 1)) is RecordStatus.ACTIVE


def test_repair_counts_from_its_day() -> None:
    penalty = record(RecordKind.PENALTY_GENERAL, date(2025, 1, 1), repaired_on=date(2025, 6, 1))

    assert record_status(penalty, date(2025, 5, 31)) is RecordStatus.ACTIVE
    assert record_status(penalty, date(2025, 6, 1)) is RecordStatus.REPAIRED


def test_licences_never_expire() -> None:
    licence = record(RecordKind.ADMINISTRATIVE_LICENCE, date(2000, 1, 1))

    assert publicity_end(licence) is None
    assert record_status(licence, AS_OF) is RecordStatus.ACTIVE


@pytest.mark.parametrize(
    ("kind", "extra", "allowed"),
    [
        (RecordKind.PENALTY_MINOR, {}, date(2025, 3, 1)),
        (RecordKind.PENALTY_GENERAL, {}, date(2025, 5, 30)),
        (RecordKind.PENALTY_SERIOUS, {}, date(2026, 3, 1)),
        (RecordKind.DISHONEST_DEBTOR, {}, date(2025, 3, 1)),
        (RecordKind.TAX_RATING, {"tax_rating": TaxRating.C}, date(2026, 3, 1)),
        (RecordKind.CONTRACT_PERFORMANCE, {"outcome": "breached"}, date(2025, 5, 30)),
        (RecordKind.HONOUR, {}, None),
        (RecordKind.ADMINISTRATIVE_LICENCE, {}, None),
        (RecordKind.TAX_RATING, {"tax_rating": TaxRating.M}, None),
        (RecordKind.CONTRACT_PERFORMANCE, {"outcome": "fulfilled"}, None),
    ],
)
def test_repair_allowed_from(kind: RecordKind, extra: dict[str, object], allowed: date | None) -> None:
    assert repair_allowed_from(record(kind, date(2025, 3, 1), **extra)) == allowed  # type: ignore[arg-type]


def test_check_repair_explains_a_repair_that_comes_too_early() -> None:
    penalty = record(RecordKind.PENALTY_GENERAL, date(2025, 3, 1))

    assert check_repair(penalty, date(2025, 4, 1)) == (
        "a general penalty can be repaired from 2025-05-30, 3 months after its publicity start"
    )
    assert check_repair(penalty, date(2025, 5, 30)) is None


def test_check_repair_of_a_serious_penalty_counts_in_years() -> None:
    penalty = record(RecordKind.PENALTY_SERIOUS, date(2025, 3, 1))

    assert check_repair(penalty, date(2025, 4, 1)) == (
        "a serious penalty can be repaired from 2026-03-01, 1 year after its publicity start"
    )


def test_a_dishonest_debtor_may_be_repaired_at_once() -> None:
    listing = record(RecordKind.DISHONEST_DEBTOR, date(2025, 3, 1))

    assert check_repair(listing, date(2025, 3, 1)) is None
    assert check_repair(listing, date(2025, 2, 1)) == (
        "a dishonest judgment debtor listing can be repaired from 2025-03-01, its publicity start"
    )


@pytest.mark.parametrize(
    ("kind", "extra", "reason"),
    [
        (RecordKind.HONOUR, {}, "an honour (red list) is not repairable"),
        (RecordKind.ADMINISTRATIVE_LICENCE, {}, "an administrative licence is not repairable"),
        (
            RecordKind.TAX_RATING,
            {"tax_rating": TaxRating.B},
            "a tax credit rating B is not repairable (only C and D ratings are)",
        ),
        (
            RecordKind.CONTRACT_PERFORMANCE,
            {"outcome": "fulfilled"},
            "a fulfilled contract is not repairable (only breaches are)",
        ),
        (RecordKind.PENALTY_MINOR, {"repaired_on": date(2025, 3, 2)}, "already repaired on 2025-03-02"),
        (RecordKind.PENALTY_GENERAL, {"end": date(2025, 4, 1)}, "publicity already ended on 2025-04-01"),
    ],
)
def test_check_repair_refusals(kind: RecordKind, extra: dict[str, object], reason: str) -> None:
    assert check_repair(record(kind, date(2025, 3, 1), **extra), date(2025, 9, 1)) == reason  # type: ignore[arg-type]


def test_a_tax_rating_on_the_default_term_ends_before_it_could_be_repaired() -> None:
    rating = record(RecordKind.TAX_RATING, date(2025, 3, 1), tax_rating=TaxRating.D)

    assert check_repair(rating, date(2026, 3, 1)) == "publicity already ended on 2026-03-01"


# --- the scorecard -----------------------------------------------------------------------------


def test_no_records_gives_the_base_score() -> None:
    assessment = assess_credit([], as_of=AS_OF)

    assert (assessment.score, assessment.level, assessment.reasons, assessment.blocking) == (
        BASE_SCORE,
        CreditLevel.B,
        (),
        (),
    )


def test_points_halve_after_one_half_life() -> None:
    start = AS_OF - RULES[RecordKind.PENALTY_SERIOUS].half_life

    assessment = assess_credit([record(RecordKind.PENALTY_SERIOUS, start)], as_of=AS_OF)

    assert assessment.score == BASE_SCORE - 125
    assert assessment.reasons[0].points == -125.0
    assert assessment.reasons[0].code == "PENALTY_SERIOUS"


def test_a_good_tax_rating_and_an_honour_reach_level_a() -> None:
    records = [record(RecordKind.TAX_RATING, tax_rating=TaxRating.A), record(RecordKind.HONOUR, id=2)]

    assessment = assess_credit(records, as_of=AS_OF)

    assert (assessment.score, assessment.level) == (800.0, CreditLevel.A)
    assert [(r.code, r.points) for r in assessment.reasons] == [("TAX_RATING_A", 60.0), ("HONOUR", 40.0)]


def test_licences_cannot_buy_a_level() -> None:
    licences = [record(RecordKind.ADMINISTRATIVE_LICENCE, id=i) for i in range(40)]

    assessment = assess_credit(licences, as_of=AS_OF)

    assert assessment.score == BASE_SCORE + LICENCE_POINTS_CAP
    assert assessment.level is CreditLevel.B
    assert math.isclose(sum(r.points for r in assessment.reasons), LICENCE_POINTS_CAP, abs_tol=0.1 * len(licences))
    assert "at most +50" in assessment.reasons[0].description


def test_reasons_are_largest_first_then_by_record_id() -> None:
    records = [
        record(RecordKind.PENALTY_MINOR, id=5),
        record(RecordKind.CONTRACT_PERFORMANCE, id=4, outcome="breached"),
        record(RecordKind.SOCIAL_INSURANCE_ARREARS, id=3),
        record(RecordKind.PENALTY_SERIOUS, id=9),
    ]

    reasons = assess_credit(records, as_of=AS_OF).reasons

    assert [(r.record_id, r.code) for r in reasons] == [
        (9, "PENALTY_SERIOUS"),
        (3, "SOCIAL_INSURANCE_ARREARS"),
        (4, "CONTRACT_BREACHED"),
        (5, "PENALTY_MINOR"),
    ]


def test_the_score_is_clamped_to_the_scale() -> None:
    listings = [record(RecordKind.SERIOUS_DISHONESTY, id=i) for i in range(3)]

    assessment = assess_credit(listings, as_of=AS_OF)

    assert (assessment.score, assessment.level) == (SCALE[0], CreditLevel.D)


def test_a_dishonest_debtor_blocks_verification() -> None:
    records = [record(RecordKind.DISHONEST_DEBTOR, date(2026, 1, 5), id=7), record(RecordKind.HONOUR, id=8)]

    assessment = assess_credit(records, as_of=AS_OF)

    assert [r.record_id for r in assessment.blocking] == [7]
    assert not is_verified(assessment, uscc_valid=True)
    failures = verification_failures(assessment, uscc_valid=True)
    assert failures[0] == "listed as a dishonest judgment debtor (失信被执行人) since 2026-01-05"
    assert any(f.startswith("credit level D is below the minimum B") for f in failures)


def test_a_repaired_listing_no_longer_blocks() -> None:
    listing = record(RecordKind.SERIOUS_DISHONESTY, date(2024, 1, 1), repaired_on=date(2025, 6, 1))

    assessment = assess_credit([listing], as_of=AS_OF)

    assert assessment.blocking == ()
    assert is_verified(assessment, uscc_valid=True)


def test_verification_needs_a_valid_uscc_and_level_b() -> None:
    weak = assess_credit([record(RecordKind.PENALTY_GENERAL), record(RecordKind.PENALTY_MINOR, id=2)], as_of=AS_OF)

    assert weak.level is CreditLevel.C
    assert verification_failures(weak, uscc_valid=False) == (
        "the unified social credit code is not valid",
        "credit level C is below the minimum B",
    )
    assert is_verified(assess_credit([], as_of=AS_OF), uscc_valid=True)
    assert not is_verified(assess_credit([], as_of=AS_OF), uscc_valid=False)


@pytest.mark.parametrize(
    ("score", "level"),
    [(1000, "A"), (800, "A"), (799.9, "B"), (650, "B"), (649.9, "C"), (500, "C"), (499.9, "D"), (0, "D")],
)
def test_level_thresholds(score: float, level: str) -> None:
    assert level_for_score(score) is CreditLevel(level)


# --- properties --------------------------------------------------------------------------------

EPOCH = date(2022, 1, 1)
days = st.integers(min_value=0, max_value=5 * 365)


@st.composite
def credit_records(draw: st.DrawFn, record_id: int | None = None) -> CreditRecord:
    kind = draw(st.sampled_from(RecordKind))
    start = EPOCH + timedelta(days=draw(days))
    rating = draw(st.sampled_from(TaxRating)) if kind is RecordKind.TAX_RATING else None
    outcome = draw(st.sampled_from(["fulfilled", "breached"])) if kind is RecordKind.CONTRACT_PERFORMANCE else None
    end = draw(st.none() | st.integers(0, 4 * 365).map(lambda d: start + timedelta(days=d)))
    base = record(kind, start, id=record_id or draw(st.integers(1, 50)), tax_rating=rating, outcome=outcome, end=end)
    if repair_allowed_from(base) is not None and draw(st.booleans()):
        base = dataclasses.replace(base, repaired_on=start + timedelta(days=draw(days)))
    return base


record_lists = st.lists(credit_records(), max_size=12)
as_of_dates = days.map(lambda d: EPOCH + timedelta(days=d))


@settings(max_examples=200, deadline=None)
@given(records=record_lists, extra=credit_records(), as_of=as_of_dates)
def test_adding_a_negative_record_never_raises_the_score(
    records: list[CreditRecord], extra: CreditRecord, as_of: date
) -> None:
    assume(record_points(extra) < 0)

    assert assess_credit([*records, extra], as_of=as_of).score <= assess_credit(records, as_of=as_of).score


@settings(max_examples=200, deadline=None)
@given(records=record_lists, extra=credit_records(), as_of=as_of_dates)
def test_adding_a_positive_record_never_lowers_the_score(
    records: list[CreditRecord], extra: CreditRecord, as_of: date
) -> None:
    assume(record_points(extra) > 0)

    assert assess_credit([*records, extra], as_of=as_of).score >= assess_credit(records, as_of=as_of).score


@settings(max_examples=200, deadline=None)
@given(records=record_lists, data=st.data(), as_of=as_of_dates)
def test_repairing_a_record_never_lowers_the_score(
    records: list[CreditRecord], data: st.DataObject, as_of: date
) -> None:
    repairable = [i for i, r in enumerate(records) if repair_allowed_from(r) is not None and r.repaired_on is None]
    assume(repairable)
    index = data.draw(st.sampled_from(repairable))
    repaired = list(records)
    repaired[index] = dataclasses.replace(records[index], repaired_on=data.draw(as_of_dates))

    assert assess_credit(repaired, as_of=as_of).score >= assess_credit(records, as_of=as_of).score


@settings(max_examples=200, deadline=None)
@given(records=st.lists(credit_records(), max_size=30), as_of=as_of_dates)
def test_score_is_within_the_scale_and_matches_its_level(records: list[CreditRecord], as_of: date) -> None:
    assessment = assess_credit(records, as_of=as_of)

    assert SCALE[0] <= assessment.score <= SCALE[1]
    assert assessment.score == round(assessment.score, 1)
    assert assessment.level is level_for_score(assessment.score)
    assert all(r.record_id in {rec.id for rec in records} for r in assessment.reasons)


@settings(max_examples=200, deadline=None)
@given(records=record_lists, as_of=as_of_dates, seed=st.randoms(use_true_random=False))
def test_assessment_is_independent_of_record_order(
    records: list[CreditRecord], as_of: date, seed: random.Random
) -> None:
    shuffled = list(records)
    seed.shuffle(shuffled)

    assert assess_credit(shuffled, as_of=as_of) == assess_credit(records, as_of=as_of)


# Most drawn records are still active on the drawn date, so many draws are filtered out; that is expected.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(records=record_lists, extra=credit_records(record_id=99), as_of=as_of_dates)
def test_an_expired_or_repaired_record_contributes_nothing(
    records: list[CreditRecord], extra: CreditRecord, as_of: date
) -> None:
    assume(record_status(extra, as_of) is not RecordStatus.ACTIVE)

    with_extra = assess_credit([*records, extra], as_of=as_of)

    assert with_extra == assess_credit(records, as_of=as_of)
    assert 99 not in {r.record_id for r in with_extra.reasons}


@settings(max_examples=200, deadline=None)
@given(low=st.floats(-100, 1100), high=st.floats(-100, 1100))
def test_levels_are_monotone_in_the_score(low: float, high: float) -> None:
    low, high = sorted((low, high))

    assert level_for_score(high).meets(level_for_score(low))


# --- personal credit ---------------------------------------------------------------------------


def test_partner_city_scores_map_by_relative_position() -> None:
    assert map_to_home_scale(500, "ningbo") == 650.0
    assert map_to_home_scale(0, "ningbo") == EGRET_SCALE[0]
    assert map_to_home_scale(1000, "Ningbo") == EGRET_SCALE[1]
    assert map_to_home_scale(600, "hainan") == 650.0
    assert map_to_home_scale(600, "宁波") == map_to_home_scale(600, "ningbo")


def test_xiamen_scores_are_kept_and_clamped() -> None:
    assert map_to_home_scale(712.34, "xiamen") == 712.34
    assert map_to_home_scale(990, "xiamen") == EGRET_SCALE[1]
    assert map_to_home_scale(-5, "ningbo") == EGRET_SCALE[0]


def test_unknown_city_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"no mutually recognised personal credit scale for city 'beijing'; known: "):
        map_to_home_scale(700, "beijing")


def test_non_finite_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        map_to_home_scale(math.nan, "hangzhou")


def test_every_partner_city_named_in_the_domain_is_recognised() -> None:
    assert set(CITY_SCALES) == {"xiamen", "hangzhou", "ningbo", "hainan", "huangshi", "zhengzhou", "fuzhou"}
    assert CITY_SCALES["xiamen"] == EGRET_SCALE


def test_personal_credit_keeps_its_dimensions_read_only() -> None:
    credit = PersonalCredit(score=700.0, dimensions={"credit_repair": 80.0}, source_city="fuzhou")

    assert credit.home_score == map_to_home_scale(700.0, "fuzhou")
    with pytest.raises(TypeError):
        credit.dimensions["credit_repair"] = 0.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dimensions": {"income": 1.0}}, "unknown personal credit dimensions"),
        ({"dimensions": {}, "source_city": "atlantis"}, "no mutually recognised"),
    ],
)
def test_personal_credit_refuses_unknown_names(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PersonalCredit(score=700.0, **kwargs)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(city=st.sampled_from(sorted(CITY_SCALES)), a=st.floats(-200, 1200), b=st.floats(-200, 1200))
def test_mapping_is_monotone_and_within_the_home_scale(city: str, a: float, b: float) -> None:
    a, b = sorted((a, b))

    low, high = map_to_home_scale(a, city), map_to_home_scale(b, city)

    assert EGRET_SCALE[0] <= low <= high <= EGRET_SCALE[1]


@settings(max_examples=200, deadline=None)
@given(city=st.sampled_from(sorted(CITY_SCALES)), position=st.floats(0, 1))
def test_the_same_relative_position_maps_to_the_same_home_score(city: str, position: float) -> None:
    low, high = CITY_SCALES[city]
    home_low, home_high = EGRET_SCALE

    mapped = map_to_home_scale(low + position * (high - low), city)

    assert math.isclose(mapped, home_low + position * (home_high - home_low), abs_tol=1e-9)
