"""Enterprise credit: assessment and verification, import of public records, repair,
the review queue of uncertain name matches, and personal credit.

The scorecard and the publicity rules are pure (:mod:`matching.credit`); this
module reads the stored records, turns them into engine records and writes
changes, each with an audit entry (:func:`api.services.audit.record_audit`).

Import
------
A file (CSV with a header row, or JSON Lines: one object per line) has these
columns; blank values count as missing:

==================  ========  =====================================================
column              required  meaning
==================  ========  =====================================================
source              yes       the authority that published the record
source_record_id    yes       that authority's id of the record
kind                yes       a :class:`~matching.credit.RecordKind` value
uscc                one of    the enterprise's unified social credit code
enterprise_name     the two   or its name (resolved, see below)
decision_date       yes       ISO date (2025-03-01)
publicity_start     no        ISO date; defaults to the decision date
publicity_end       no        ISO date; an explicit end, else the rule's maximum
tax_rating          [1]       A, B, M, C or D, for ``tax_rating`` records only
outcome             [2]       fulfilled or breached, for ``contract_performance`` only
title               no        a short description
==================  ========  =====================================================

Each row ends as one of:

``accepted``
    stored (attached to the enterprise of its USCC, or of a name resolved
    with confidence);
``unchanged``
    a record with the same (source, source_record_id) and the same content is
    already stored, or already waits in the review queue: re-importing a file
    changes nothing;
``queued``
    its enterprise name is in the grey zone and waits for a credit officer in
    the review queue (``creditReviewQueue``, ``confirmCreditMatch``);
``rejected``
    with the reason, and nothing stored for it.  A row whose (source,
    source_record_id) is stored with *different* content is rejected as a
    conflict: a stored record changes only through ``repairCreditRecord``
    (or is published anew under a new source record id), so an import never
    rewrites history silently.

A name is resolved with :func:`api.services.matching.resolve_enterprise_name`:
it is attached when the best match scores at least :data:`AUTO_ATTACH_SCORE`
and no other enterprise comes within :data:`CLEAR_WINNER_MARGIN` points; a
confident match below that, or two close candidates, goes to the review queue;
no match at the resolver's threshold (85) rejects the row.  A row is never
attached silently to a near-twin.

A file is one transaction: the caller commits once at the end, so an
interrupted import leaves nothing of the file behind.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from api.models import (
    Account,
    Application,
    CreditMatchReview,
    CreditRecord,
    Enterprise,
    Job,
    PersonalCreditScore,
    Talent,
)
from api.models.credit import ReviewStatus
from api.models.enums import Role
from api.services.audit import audit_row, record_audit, snapshot
from api.services.errors import ErrorCode, ServiceError
from api.services.jobs import taking_applications
from api.services.matching import jobs_for_talent, resolve_enterprise_name
from api.services.validation import required_text
from api.timeutil import utcnow
from api.uscc import InvalidUSCC, is_valid_uscc, validate_uscc
from matching import credit as engine
from matching.credit import (
    CITY_NAMES,
    CITY_SCALES,
    EGRET_DIMENSIONS,
    CreditAssessment,
    RecordKind,
    RecordStatus,
    TaxRating,
)
from matching.score import MatchResult

__all__ = [
    "AUTO_ATTACH_SCORE",
    "CLEAR_WINNER_MARGIN",
    "CREDIT_OFFICER_ROLES",
    "DIMENSION_RANGE",
    "IMPORT_COLUMNS",
    "EnterpriseCredit",
    "ImportFormat",
    "ImportReport",
    "RowOutcome",
    "RowStatus",
    "assess_enterprise",
    "assess_enterprises",
    "blocked_employers",
    "can_read_credit_record",
    "confirm_credit_match",
    "credit_today",
    "import_credit_records",
    "iter_report_lines",
    "latest_personal_credit",
    "personal_credit_home_score",
    "recommended_jobs",
    "record_personal_credit",
    "record_state",
    "reject_credit_match",
    "repair_credit_record",
    "sees_every_record",
    "to_engine_record",
    "verified_enterprise_ids",
]

# A name resolved at least this sure, with no rival close by, is attached without review.
AUTO_ATTACH_SCORE = 95.0
# A rival enterprise scoring within this many points of the best makes the match ambiguous.
CLEAR_WINNER_MARGIN = 5.0
# Only credit officers change credit data (admins run accounts, not the credit registry).
CREDIT_OFFICER_ROLES = frozenset({Role.CREDIT_OFFICER})
# Each personal credit dimension as the source system reports it: a share of its best, 0 to 100.
DIMENSION_RANGE = (0.0, 100.0)
# Xiamen's date: records are dated by the city's calendar, not UTC's.
XIAMEN_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

IMPORT_COLUMNS = (
    "source",
    "source_record_id",
    "kind",
    "uscc",
    "enterprise_name",
    "decision_date",
    "publicity_start",
    "publicity_end",
    "tax_rating",
    "outcome",
    "title",
)
_REQUIRED_COLUMNS = ("source", "source_record_id", "kind", "decision_date")
# The columns that make a record's content; a re-import must match them to count as unchanged.
_CONTENT_FIELDS = (
    "enterprise_id",
    "kind",
    "title",
    "decision_date",
    "publicity_start",
    "publicity_end",
    "tax_rating",
    "outcome",
)


def credit_today() -> date:
    """Today in Xiamen: the default day of every assessment."""
    return datetime.now(UTC).astimezone(XIAMEN_TZ).date()


def _require_officer(actor: Account | None) -> None:
    if actor is not None and actor.role not in CREDIT_OFFICER_ROLES:
        raise ServiceError("only credit officers change credit data", code=ErrorCode.FORBIDDEN)


# ------------------------------------------------------------------ assessment


@dataclass(frozen=True, slots=True)
class EnterpriseCredit:
    """An enterprise's credit on ``assessment.as_of``.

    ``verified`` is :func:`matching.credit.is_verified`; ``failures`` says why
    not (empty when verified); ``latest_tax_rating`` is the rating of the
    active tax rating record with the latest publicity start, or ``None``.
    """

    assessment: CreditAssessment
    verified: bool
    failures: tuple[str, ...]
    latest_tax_rating: TaxRating | None
    enterprise_id: int = 0
    uscc_valid: bool = True


def to_engine_record(row: CreditRecord) -> engine.CreditRecord:
    """The pure engine's view of a stored record."""
    assert row.id is not None
    return engine.CreditRecord(
        id=row.id,
        kind=RecordKind(row.kind),
        decision_date=row.decision_date,
        publicity_start=row.publicity_start,
        publicity_end=row.publicity_end,
        repaired_on=row.repaired_on,
        tax_rating=TaxRating(row.tax_rating) if row.tax_rating else None,
        outcome=row.outcome,  # type: ignore[arg-type]
    )


def record_state(row: CreditRecord, as_of: date | None = None) -> RecordStatus:
    """Whether ``row`` counts on ``as_of`` (today in Xiamen by default)."""
    return engine.record_status(to_engine_record(row), as_of or credit_today())


def sees_every_record(viewer: Account | None, enterprise_id: int) -> bool:
    """Whether ``viewer`` reads an enterprise's expired and repaired records too: credit officers, admins and
    the enterprise's own accounts do; everyone else reads only records in their publicity period."""
    if viewer is None:
        return False
    return viewer.role in (Role.CREDIT_OFFICER, Role.ADMIN) or viewer.enterprise_id == enterprise_id


def can_read_credit_record(viewer: Account | None, record: CreditRecord, as_of: date | None = None) -> bool:
    """Whether ``viewer`` may read ``record``: every record in its publicity period is public (an active
    one); an expired or repaired one only as :func:`sees_every_record` says."""
    return record_state(record, as_of) is RecordStatus.ACTIVE or sees_every_record(viewer, record.enterprise_id)


def _credit_of(enterprise_id: int, uscc: str, rows: Iterable[CreditRecord], as_of: date) -> EnterpriseCredit:
    records = [to_engine_record(r) for r in rows]
    assessment = engine.assess_credit(records, as_of=as_of)
    uscc_valid = is_valid_uscc(uscc)
    failures = engine.verification_failures(assessment, uscc_valid=uscc_valid)
    ratings = sorted(
        (r for r in records if r.tax_rating is not None and engine.record_status(r, as_of) is RecordStatus.ACTIVE),
        key=lambda r: (r.publicity_start, r.decision_date, r.id),
    )
    return EnterpriseCredit(
        assessment=assessment,
        verified=not failures,
        failures=failures,
        latest_tax_rating=ratings[-1].tax_rating if ratings else None,
        enterprise_id=enterprise_id,
        uscc_valid=uscc_valid,
    )


def assess_enterprises(
    session: Session, enterprise_ids: Iterable[int], *, as_of: date | None = None
) -> dict[int, EnterpriseCredit]:
    """The credit of each given enterprise that exists (two SQL statements in all).

    Unknown ids are left out of the result.  Nothing is cached: a repair or
    an import counts on the next call.
    """
    ids = sorted(set(enterprise_ids))
    if not ids:
        return {}
    day = as_of or credit_today()
    usccs = dict(session.exec(select(Enterprise.id, Enterprise.uscc).where(col(Enterprise.id).in_(ids))).all())
    rows: dict[int, list[CreditRecord]] = defaultdict(list)
    for row in session.exec(select(CreditRecord).where(col(CreditRecord.enterprise_id).in_(list(usccs)))):
        rows[row.enterprise_id].append(row)
    return {eid: _credit_of(eid, uscc, rows[eid], day) for eid, uscc in usccs.items() if eid is not None}


def assess_enterprise(session: Session, enterprise_id: int, *, as_of: date | None = None) -> EnterpriseCredit:
    """The credit of one enterprise; ``NOT_FOUND`` when it does not exist."""
    found = assess_enterprises(session, [enterprise_id], as_of=as_of)
    if enterprise_id not in found:
        raise ServiceError("enterprise not found", field="enterpriseId", code=ErrorCode.NOT_FOUND)
    return found[enterprise_id]


def blocked_employers(
    session: Session, enterprise_ids: Iterable[int], *, as_of: date | None = None
) -> dict[int, tuple[str, ...]]:
    """The given enterprises with an active record that blocks verification, with each such record's reason."""
    credits = assess_enterprises(session, enterprise_ids, as_of=as_of)
    return {
        eid: tuple(reason.description for reason in c.assessment.blocking)
        for eid, c in credits.items()
        if c.assessment.blocking
    }


def verified_enterprise_ids(session: Session, enterprise_ids: Iterable[int], *, as_of: date | None = None) -> set[int]:
    """The given enterprises that are credit-verified."""
    return {eid for eid, c in assess_enterprises(session, enterprise_ids, as_of=as_of).items() if c.verified}


def recommended_jobs(session: Session, talent_id: int, *, as_of: date | None = None) -> list[MatchResult]:
    """Jobs for a talent, best first: those taking applications on ``as_of`` (today in Xiamen) that the talent
    has not applied to, verified employers lifted, blocked employers left out.

    Taking applications: open, and the closing day not passed (:func:`api.services.jobs.taking_applications`;
    a job closing today is still recommended today).  Applied to: an application in any status, ``withdrawn``
    included, since a talent applies to a job once (``applyToJob`` refuses a second application).  Every call
    reads the dates, the applications and the credit records afresh, so a deadline passing, an application or
    a repair changes the next recommendation at once.
    """
    day = as_of or credit_today()
    applied = select(Application.job_id).where(Application.talent_id == talent_id)
    pairs = session.exec(
        select(Job.id, Job.employer_id).where(taking_applications(day), col(Job.id).not_in(applied))
    ).all()
    credits = assess_enterprises(session, {employer for _, employer in pairs}, as_of=day)
    verified = {job: credits[employer].verified for job, employer in pairs if employer in credits}
    eligible = [job for job, employer in pairs if not (employer in credits and credits[employer].assessment.blocking)]
    return jobs_for_talent(session, talent_id, eligible, employer_verified=verified)


# ---------------------------------------------------------------------- import


class ImportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class RowStatus(StrEnum):
    ACCEPTED = "accepted"
    UNCHANGED = "unchanged"
    QUEUED = "queued"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What became of one row: ``line`` is its line in the file (a CSV header is line 1)."""

    line: int
    status: RowStatus
    message: str
    source: str | None = None
    source_record_id: str | None = None
    record_id: int | None = None
    review_id: int | None = None


@dataclass(slots=True)
class ImportReport:
    """Every row's outcome, in file order."""

    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status is status)

    @property
    def accepted(self) -> int:
        return self.count(RowStatus.ACCEPTED)

    @property
    def unchanged(self) -> int:
        return self.count(RowStatus.UNCHANGED)

    @property
    def queued(self) -> int:
        return self.count(RowStatus.QUEUED)

    @property
    def rejected(self) -> int:
        return self.count(RowStatus.REJECTED)

    def summary(self) -> str:
        return (
            f"{len(self.rows)} rows: {self.accepted} accepted, {self.unchanged} unchanged, "
            f"{self.queued} queued for review, {self.rejected} rejected"
        )


class _RowError(Exception):
    """A row is refused; the message says why."""


@dataclass(frozen=True, slots=True)
class _RowData:
    source: str
    source_record_id: str
    kind: RecordKind
    uscc: str | None
    enterprise_name: str | None
    decision_date: date
    publicity_start: date
    publicity_end: date | None
    tax_rating: TaxRating | None
    outcome: str | None
    title: str

    def content(self, enterprise_id: int) -> dict[str, Any]:
        return {
            "enterprise_id": enterprise_id,
            "kind": self.kind.value,
            "title": self.title,
            "decision_date": self.decision_date,
            "publicity_start": self.publicity_start,
            "publicity_end": self.publicity_end,
            "tax_rating": self.tax_rating.value if self.tax_rating else None,
            "outcome": self.outcome,
        }


def _parse_rows(content: str, fmt: ImportFormat) -> list[tuple[int, dict[str, Any] | str]]:
    """(line, row or the reason it cannot be read) for every data row; refuses a malformed file as a whole."""
    text = content.removeprefix("\ufeff")
    if fmt is ImportFormat.CSV:
        return _parse_csv(text)
    rows: list[tuple[int, dict[str, Any] | str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as error:
            rows.append((number, f"not valid JSON: {error.msg} at column {error.colno}"))
            continue
        if not isinstance(value, dict):
            rows.append((number, "each line must be a JSON object"))
            continue
        unknown = sorted(set(value) - set(IMPORT_COLUMNS))
        rows.append((number, f"unknown fields {', '.join(unknown)}" if unknown else value))
    return rows


def _parse_csv(text: str) -> list[tuple[int, dict[str, Any] | str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ServiceError("the file is empty: expected a header row", field="content") from None
    except csv.Error as error:
        raise ServiceError(f"the header row is not valid CSV: {error}", field="content") from None
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        raise ServiceError(
            f"unknown column(s) {', '.join(repr(h) for h in unknown)}; the columns are {', '.join(IMPORT_COLUMNS)}",
            field="content",
        )
    missing = [c for c in _REQUIRED_COLUMNS if c not in header]
    if missing or not ({"uscc", "enterprise_name"} & set(header)):
        needed = [*missing, *([] if {"uscc", "enterprise_name"} & set(header) else ["uscc or enterprise_name"])]
        raise ServiceError(f"the header row lacks the column(s) {', '.join(needed)}", field="content")
    if len(set(header)) != len(header):
        raise ServiceError("the header row names a column twice", field="content")
    rows: list[tuple[int, dict[str, Any] | str]] = []
    line = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rows.append((reader.line_num, f"not valid CSV: {error}"))
            line = reader.line_num
            continue
        start, line = line + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            rows.append((start, f"has {len(values)} fields, the header has {len(header)}"))
            continue
        rows.append((start, dict(zip(header, values, strict=True))))
    return rows


def _text(row: Mapping[str, Any], name: str, *, max_length: int, required: bool = False) -> str | None:
    value = row.get(name)
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        raise _RowError(f"{name} must be text")
    if not text:
        if required:
            raise _RowError(f"{name} is missing")
        return None
    if len(text) > max_length:
        raise _RowError(f"{name} is longer than {max_length} characters")
    return text


def _date(row: Mapping[str, Any], name: str, *, required: bool = False) -> date | None:
    text = _text(row, name, max_length=40, required=required)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _RowError(f"{name} {text!r} is not a date in ISO form (YYYY-MM-DD)") from None


def _validate_row(row: Mapping[str, Any], today: date) -> _RowData:
    source = _text(row, "source", max_length=200, required=True)
    source_record_id = _text(row, "source_record_id", max_length=100, required=True)
    kind_text = (_text(row, "kind", max_length=40, required=True) or "").lower()
    try:
        kind = RecordKind(kind_text)
    except ValueError:
        raise _RowError(f"kind {kind_text!r} is not one of {', '.join(k.value for k in RecordKind)}") from None
    uscc_text = _text(row, "uscc", max_length=40)
    uscc = None
    if uscc_text is not None:
        try:
            uscc = validate_uscc(uscc_text)
        except InvalidUSCC as error:
            raise _RowError(f"uscc {uscc_text!r} is invalid: {error}") from None
    name = _text(row, "enterprise_name", max_length=200)
    if uscc is None and name is None:
        raise _RowError("give the enterprise's uscc or enterprise_name")
    decision = _date(row, "decision_date", required=True)
    assert decision is not None
    start = _date(row, "publicity_start") or decision
    end = _date(row, "publicity_end")
    for label, day in (("decision_date", decision), ("publicity_start", start)):
        if day > today:
            raise _RowError(f"{label} {day.isoformat()} is in the future")
    if end is not None and end < start:
        raise _RowError(f"publicity_end {end.isoformat()} is before publicity_start {start.isoformat()}")
    rating_text = _text(row, "tax_rating", max_length=4)
    rating = None
    if kind is RecordKind.TAX_RATING:
        if rating_text is None:
            raise _RowError("tax_rating is missing: a tax_rating record needs one of A, B, M, C, D")
        try:
            rating = TaxRating(rating_text.upper())
        except ValueError:
            raise _RowError(f"tax_rating {rating_text!r} is not one of A, B, M, C, D") from None
    elif rating_text is not None:
        raise _RowError(f"tax_rating is given only for tax_rating records, not for {kind.value}")
    outcome = _text(row, "outcome", max_length=16)
    if kind is RecordKind.CONTRACT_PERFORMANCE:
        if outcome is None or outcome.lower() not in engine.CONTRACT_OUTCOME_POINTS:
            raise _RowError("outcome must be fulfilled or breached for a contract_performance record")
        outcome = outcome.lower()
    elif outcome is not None:
        raise _RowError(f"outcome is given only for contract_performance records, not for {kind.value}")
    assert source is not None and source_record_id is not None
    return _RowData(
        source=source,
        source_record_id=source_record_id,
        kind=kind,
        uscc=uscc,
        enterprise_name=name,
        decision_date=decision,
        publicity_start=start,
        publicity_end=end,
        tax_rating=rating,
        outcome=outcome,
        title=_text(row, "title", max_length=500) or "",
    )


def _differences(stored: CreditRecord, content: Mapping[str, Any]) -> list[str]:
    return [name for name in _CONTENT_FIELDS if getattr(stored, name) != content[name]]


@dataclass
class _Importer:
    session: Session
    actor: Account | None
    via: str
    today: date
    usccs: dict[str, int] = field(default_factory=dict)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.usccs = {u: i for i, u in self.session.exec(select(Enterprise.id, Enterprise.uscc)) if i is not None}

    def row(self, line: int, raw: Mapping[str, Any]) -> RowOutcome:
        try:
            data = _validate_row(raw, self.today)
        except _RowError as error:
            return RowOutcome(
                line,
                RowStatus.REJECTED,
                str(error),
                _str_or_none(raw.get("source")),
                _str_or_none(raw.get("source_record_id")),
            )
        key = (data.source, data.source_record_id)

        def outcome(status: RowStatus, message: str, **ids: int | None) -> RowOutcome:
            return RowOutcome(line, status, message, data.source, data.source_record_id, **ids)

        earlier = self.seen.get(key)
        self.seen.setdefault(key, line)
        stored = self.session.exec(
            select(CreditRecord).where(
                CreditRecord.source == data.source, CreditRecord.source_record_id == data.source_record_id
            )
        ).first()
        review = self.session.exec(
            select(CreditMatchReview).where(
                CreditMatchReview.source == data.source, CreditMatchReview.source_record_id == data.source_record_id
            )
        ).first()
        same_file = f" (same source record id as line {earlier} of this file)" if earlier is not None else ""
        try:
            enterprise_id, candidates = self._enterprise(data)
        except _RowError as error:
            return outcome(RowStatus.REJECTED, str(error))
        if stored is not None:
            if review is not None and review.status == ReviewStatus.CONFIRMED and review.raw == _raw_of(data):
                # Attached by a credit officer's confirmation: the name alone need not resolve to it.
                return outcome(
                    RowStatus.UNCHANGED,
                    f"already stored as record {stored.id} (confirmed in review {review.id}){same_file}",
                    record_id=stored.id,
                )
            if enterprise_id is None:
                enterprise_id = (
                    stored.enterprise_id if any(c["enterprise_id"] == stored.enterprise_id for c in candidates) else -1
                )
            differs = _differences(stored, data.content(enterprise_id))
            if not differs:
                return outcome(
                    RowStatus.UNCHANGED, f"already stored as record {stored.id}{same_file}", record_id=stored.id
                )
            return outcome(
                RowStatus.REJECTED,
                f"conflicts with the stored record {stored.id} (differs in {', '.join(differs)}){same_file}; "
                "use repairCreditRecord, or publish it under a new source record id",
                record_id=stored.id,
            )
        if review is not None:
            if review.status == ReviewStatus.REJECTED:
                return outcome(
                    RowStatus.REJECTED,
                    f"a credit officer rejected the enterprise match of this row (review {review.id})",
                    review_id=review.id,
                )
            if review.raw == _raw_of(data):
                return outcome(
                    RowStatus.UNCHANGED,
                    f"already waiting in the review queue (review {review.id}){same_file}",
                    review_id=review.id,
                )
            return outcome(
                RowStatus.REJECTED,
                f"conflicts with the row waiting in the review queue (review {review.id}){same_file}; "
                "decide that review first",
                review_id=review.id,
            )
        if enterprise_id is None:
            queued = self._queue(data, candidates)
            best = candidates[0]
            why = (
                f"two enterprises score within {CLEAR_WINNER_MARGIN:g} points"
                if len({c["enterprise_id"] for c in candidates}) > 1
                and candidates[1]["score"] >= best["score"] - CLEAR_WINNER_MARGIN
                else f"the best match scores {best['score']:g}, below {AUTO_ATTACH_SCORE:g}"
            )
            return outcome(
                RowStatus.QUEUED,
                f"the name {data.enterprise_name!r} may mean {_candidate_list(candidates)}: {why}; "
                "waiting in the review queue for a credit officer",
                review_id=queued.id,
            )
        try:
            record = _store_record(
                self.session, data, enterprise_id, actor=self.actor, via=self.via, action="credit_record.import"
            )
        except _RowError as error:
            return outcome(RowStatus.REJECTED, str(error))
        return outcome(RowStatus.ACCEPTED, f"stored as record {record.id}", record_id=record.id)

    def _enterprise(self, data: _RowData) -> tuple[int | None, list[dict[str, Any]]]:
        """The enterprise to attach to, or None with the grey-zone candidates."""
        if data.uscc is not None:
            enterprise_id = self.usccs.get(data.uscc)
            if enterprise_id is None:
                raise _RowError(f"no registered enterprise has the USCC {data.uscc}")
            return enterprise_id, []
        assert data.enterprise_name is not None
        matches = resolve_enterprise_name(self.session, data.enterprise_name, limit=5)
        if not matches:
            raise _RowError(
                f"no registered enterprise matches the name {data.enterprise_name!r} confidently; "
                "give its USCC, or register the enterprise first"
            )
        candidates = [
            {"enterprise_id": m.id, "score": round(m.score, 1), "matched_name": m.matched_name} for m in matches
        ]
        best = matches[0]
        rival = next((m for m in matches[1:] if m.id != best.id), None)
        if best.score >= AUTO_ATTACH_SCORE and (rival is None or rival.score < best.score - CLEAR_WINNER_MARGIN):
            return best.id, candidates
        return None, candidates

    def _queue(self, data: _RowData, candidates: list[dict[str, Any]]) -> CreditMatchReview:
        assert data.enterprise_name is not None
        review = CreditMatchReview(
            source=data.source,
            source_record_id=data.source_record_id,
            name=data.enterprise_name,
            raw=_raw_of(data),
            candidates=candidates,
            candidate_enterprise_id=candidates[0]["enterprise_id"],
            score=candidates[0]["score"],
        )
        self.session.add(review)
        self.session.flush()
        assert review.id is not None
        record_audit(
            self.session,
            actor=self.actor,
            action="credit_match_review.queue",
            entity_type="credit_match_review",
            entity_id=review.id,
            before=None,
            after=snapshot(review),
            via=self.via,
        )
        return review


def _str_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)[:200]


def _candidate_list(candidates: list[dict[str, Any]]) -> str:
    return " or ".join(f"{c['matched_name']} ({c['score']:.0f})" for c in candidates[:3])


def _raw_of(data: _RowData) -> dict[str, Any]:
    """The validated row in plain JSON, as kept in the review queue."""
    return {
        "source": data.source,
        "source_record_id": data.source_record_id,
        "kind": data.kind.value,
        "enterprise_name": data.enterprise_name,
        "decision_date": data.decision_date.isoformat(),
        "publicity_start": data.publicity_start.isoformat(),
        "publicity_end": data.publicity_end.isoformat() if data.publicity_end else None,
        "tax_rating": data.tax_rating.value if data.tax_rating else None,
        "outcome": data.outcome,
        "title": data.title,
    }


def _store_record(
    session: Session, data: _RowData, enterprise_id: int, *, actor: Account | None, via: str, action: str
) -> CreditRecord:
    record = CreditRecord(
        id=0, source=data.source, source_record_id=data.source_record_id, **data.content(enterprise_id)
    )
    try:
        to_engine_record(record)
    except ValueError as error:  # the engine's own consistency rules, beyond the row checks
        raise _RowError(str(error).split(": ", 1)[-1]) from None
    record.id = None
    audit_row(
        session,
        record,
        actor=actor,
        action=action,
        before=None,
        via=via,
    )
    return record


def import_credit_records(
    session: Session,
    content: str,
    fmt: ImportFormat | str,
    *,
    actor: Account | None,
    via: str = "api",
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> ImportReport:
    """Import a file of public credit records; the caller commits (or rolls back) once.

    Parameters
    ----------
    content
        The whole file as text.
    fmt
        ``csv`` or ``jsonl``.
    actor
        The credit officer importing (``None`` from the command line without ``--actor``).
    progress
        Called with (rows done, rows in all) after each row.

    Raises
    ------
    ServiceError
        When the file as a whole cannot be read (an empty file, an unknown
        or missing CSV column); rows are judged one by one in the report.
    """
    _require_officer(actor)
    try:
        form = ImportFormat(str(fmt).lower())
    except ValueError:
        raise ServiceError("format must be csv or jsonl", field="format") from None
    parsed = _parse_rows(content, form)
    importer = _Importer(session, actor, via, today or credit_today())
    report = ImportReport()
    for done, (line, raw) in enumerate(parsed, start=1):
        if isinstance(raw, str):
            report.rows.append(RowOutcome(line, RowStatus.REJECTED, raw))
        else:
            report.rows.append(importer.row(line, raw))
        if progress is not None:
            progress(done, len(parsed))
    session.flush()
    return report


# ---------------------------------------------------------------------- repair


def repair_credit_record(
    session: Session,
    actor: Account | None,
    record_id: int,
    *,
    repaired_on: date,
    authority: str,
    basis: str,
    via: str = "api",
    today: date | None = None,
) -> CreditRecord:
    """Record the credit repair of a record: it stays in the history and stops counting from ``repaired_on``.

    Refused (``INVALID_TRANSITION``) when the record is not repairable, already
    repaired, already expired, or ``repaired_on`` is before the rule's minimum
    publicity (the message names the first possible day).
    """
    _require_officer(actor)
    authority_text = required_text(authority, "authority", max_length=200)
    basis_text = required_text(basis, "basis", max_length=1000)
    record = session.get(CreditRecord, record_id, with_for_update=True)
    if record is None:
        raise ServiceError("credit record not found", field="id", code=ErrorCode.NOT_FOUND)
    if repaired_on > (today or credit_today()):
        raise ServiceError(f"repairedOn {repaired_on.isoformat()} is in the future", field="repairedOn")
    refusal = engine.check_repair(to_engine_record(record), repaired_on)
    if refusal is not None:
        raise ServiceError(refusal, field="repairedOn", code=ErrorCode.INVALID_TRANSITION)
    before = snapshot(record)
    record.repaired_on = repaired_on
    record.repair_authority = authority_text
    record.repair_basis = basis_text
    record.updated_at = utcnow()
    audit_row(
        session,
        record,
        actor=actor,
        action="credit_record.repair",
        before=before,
        via=via,
    )
    return record


# ---------------------------------------------------------------- review queue


def _pending_review(session: Session, review_id: int) -> CreditMatchReview:
    review = session.get(CreditMatchReview, review_id, with_for_update=True)
    if review is None:
        raise ServiceError("review not found", field="reviewId", code=ErrorCode.NOT_FOUND)
    if review.status != ReviewStatus.PENDING:
        decided = review.decided_at.date().isoformat() if review.decided_at else "earlier"
        raise ServiceError(
            f"this review was already {review.status} ({decided})", field="reviewId", code=ErrorCode.INVALID_TRANSITION
        )
    return review


def confirm_credit_match(
    session: Session, actor: Account | None, review_id: int, enterprise_id: int, *, via: str = "api"
) -> tuple[CreditMatchReview, CreditRecord]:
    """Attach a queued row to ``enterprise_id`` (any registered enterprise, usually a candidate)."""
    _require_officer(actor)
    review = _pending_review(session, review_id)
    if session.get(Enterprise, enterprise_id) is None:
        raise ServiceError("enterprise not found", field="enterpriseId", code=ErrorCode.NOT_FOUND)
    try:
        data = _validate_row(review.raw, date.max)
    except _RowError as error:  # pragma: no cover - the row was valid when queued
        raise ServiceError(f"the queued row is no longer valid: {error}", field="reviewId") from None
    clash = session.exec(
        select(CreditRecord.id).where(
            CreditRecord.source == review.source, CreditRecord.source_record_id == review.source_record_id
        )
    ).first()
    if clash is not None:
        raise ServiceError(
            f"record {clash} with the same source record id is already stored",
            field="reviewId",
            code=ErrorCode.DUPLICATE,
        )
    before = snapshot(review)
    try:
        record = _store_record(session, data, enterprise_id, actor=actor, via=via, action="credit_record.confirm_match")
    except _RowError as error:  # pragma: no cover - the row was valid when queued
        raise ServiceError(str(error), field="reviewId") from None
    review.status = ReviewStatus.CONFIRMED
    review.credit_record_id = record.id
    review.candidate_enterprise_id = enterprise_id
    review.decided_by = actor.id if actor else None
    review.decided_at = utcnow()
    audit_row(
        session,
        review,
        actor=actor,
        action="credit_match_review.confirm",
        before=before,
        via=via,
    )
    return review, record


def reject_credit_match(
    session: Session, actor: Account | None, review_id: int, *, via: str = "api"
) -> CreditMatchReview:
    """Reject a queued row: no enterprise gets the record; re-importing the row stays rejected."""
    _require_officer(actor)
    review = _pending_review(session, review_id)
    before = snapshot(review)
    review.status = ReviewStatus.REJECTED
    review.decided_by = actor.id if actor else None
    review.decided_at = utcnow()
    audit_row(
        session,
        review,
        actor=actor,
        action="credit_match_review.reject",
        before=before,
        via=via,
    )
    return review


# ------------------------------------------------------------- personal credit


_CITY_CODES = {**{code: code for code in CITY_SCALES}, **{name: code for code, name in CITY_NAMES.items()}}


def _finite(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ServiceError(f"{field} must be a finite number", field=field)
    return float(value)


def record_personal_credit(
    session: Session,
    actor: Account | None,
    talent_id: int,
    *,
    score: float,
    source_city: str,
    dimensions: Mapping[str, float | None],
    via: str = "api",
) -> PersonalCreditScore:
    """Record a talent's personal credit score (the latest entry is current; earlier ones stay).

    ``score`` is on ``source_city``'s scale (:data:`matching.credit.CITY_SCALES`)
    and is mapped onto Xiamen's by :func:`matching.credit.map_to_home_scale`.
    ``dimensions`` needs all five :data:`matching.credit.EGRET_DIMENSIONS`, each
    within :data:`DIMENSION_RANGE`.
    """
    _require_officer(actor)
    if session.get(Talent, talent_id) is None:
        raise ServiceError("talent not found", field="talentId", code=ErrorCode.NOT_FOUND)
    city = required_text(source_city, "sourceCity", max_length=40)
    value = _finite(score, "score")
    code = _CITY_CODES.get(city.lower())
    if code is None:
        known = ", ".join(f"{c} ({CITY_NAMES[c]})" for c in sorted(CITY_SCALES))
        raise ServiceError(
            f"no mutually recognised personal credit scale for {city!r}; known: {known}", field="sourceCity"
        )
    low, high = CITY_SCALES[code]
    if not low <= value <= high:
        raise ServiceError(f"score {value:g} is outside {code}'s scale {low:g}-{high:g}", field="score")
    unknown = sorted(set(dimensions) - set(EGRET_DIMENSIONS))
    if unknown:
        raise ServiceError(f"unknown dimensions {', '.join(unknown)}", field="dimensions")
    clean: dict[str, float] = {}
    for name in EGRET_DIMENSIONS:
        given = dimensions.get(name)
        if given is None:
            raise ServiceError(f"dimension {name} is missing: all five are needed", field=f"dimensions.{name}")
        number = _finite(given, f"dimensions.{name}")
        if not DIMENSION_RANGE[0] <= number <= DIMENSION_RANGE[1]:
            raise ServiceError(
                f"dimension {name} must be between {DIMENSION_RANGE[0]:g} and {DIMENSION_RANGE[1]:g}",
                field=f"dimensions.{name}",
            )
        clean[name] = number
    entry = PersonalCreditScore(
        talent_id=talent_id,
        score=value,
        source_city=code,
        dimensions=clean,
        home_score=round(engine.map_to_home_scale(value, code), 1),
        recorded_by=actor.id if actor else None,
    )
    audit_row(
        session,
        entry,
        actor=actor,
        action="personal_credit.record",
        before=None,
        via=via,
    )
    return entry


def latest_personal_credit(session: Session, talent_ids: Iterable[int]) -> dict[int, PersonalCreditScore]:
    """The current (latest) personal credit entry of each talent that has one."""
    ids = list(set(talent_ids))
    if not ids:
        return {}
    latest: dict[int, PersonalCreditScore] = {}
    query = (
        select(PersonalCreditScore)
        .where(col(PersonalCreditScore.talent_id).in_(ids))
        .order_by(PersonalCreditScore.talent_id, PersonalCreditScore.recorded_at, PersonalCreditScore.id)
    )
    for entry in session.exec(query):
        latest[entry.talent_id] = entry
    return latest


def personal_credit_home_score(session: Session, talent_id: int) -> float | None:
    """The talent's current personal credit on Xiamen's scale, or ``None`` when none is on record."""
    entry = latest_personal_credit(session, [talent_id]).get(talent_id)
    return None if entry is None else entry.home_score


def iter_report_lines(report: ImportReport) -> Iterator[str]:
    """The report as readable lines (the command line prints these)."""
    for row in report.rows:
        key = f" {row.source}/{row.source_record_id}" if row.source and row.source_record_id else ""
        yield f"line {row.line}{key}: {row.status.value}: {row.message}"
