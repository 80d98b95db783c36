"""Streamed exports: large result sets as CSV or JSON Lines instead of giant GraphQL pages.

``GET /exports/jobs/{jobId}/candidates.csv|.jsonl``
    Every eligible candidate of a job, best first, as ``rankCandidates`` ranks them, with the candidate's
    application to the job when there is one (the job's employer and admins).
``GET /exports/competitions/{competitionId}/leaderboard.csv|.jsonl?round=NAME_OR_ID[&method=METHOD]``
    A round's leaderboard, as the ``leaderboard`` query gives it (admins at any time, other signed-in
    accounts once the round is closed).

IDs are the global IDs of the GraphQL API, ``method`` a value of its ``AggregationMethod`` enum, and
the bearer token the one ``/graphql`` takes.  JSON Lines carry the fields of the GraphQL results under
their GraphQL names; CSV flattens them (one column per score component or criterion, lists joined with
``"; "``; a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` so a
spreadsheet shows it as text instead of running it as a formula, while numbers stay numbers).  Rows leave
in chunks of :data:`CHUNK_ROWS`, each chunk's names read in one statement, so a long list never sits in
memory as text.  Refusals carry the GraphQL error shape:
``{"errors": [{"message": ..., "extensions": {"code": ...}}]}`` with 400 (bad ID or argument), 401
(no or bad token), 403 (not allowed) or 404 (unknown object or format).  A path or query parameter holding a
control character is refused (400) before anything is read, as the GraphQL API refuses one in an argument.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import orjson
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.graphql.cup import round_leaderboard
from api.graphql.errors import ApiError, bad_input, forbidden, from_service_error, not_found, unauthenticated
from api.graphql.ids import decode_id_of, encode_global_id
from api.graphql.scalars import DateTimeScalar
from api.models import Account, Application, Job, Talent
from api.models.cup import Entry
from api.models.enums import ApplicationStatus
from api.services import accounts, applications, matching
from api.services.cup import Leaderboard, LeaderboardRow
from api.services.errors import ServiceError, shorten
from api.services.validation import refuse_control_characters
from matching.judging import AggregationMethod
from matching.score import WEIGHTS, MatchResult

__all__ = ["CHUNK_ROWS", "candidates", "leaderboard"]

CHUNK_ROWS = 500
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
_STATUS = {"BAD_USER_INPUT": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CANDIDATE_COLUMNS = [
    "rank",
    "talentId",
    "nameZh",
    "nameEn",
    "score",
    *WEIGHTS,
    "matchedSkills",
    "missingSkills",
    "applicationStatus",
]

Encoder = Callable[[list[dict[str, Any]]], bytes]


def _refusal(error: ApiError) -> Response:
    code = (error.extensions or {}).get("code", "BAD_USER_INPUT")
    body = {"errors": [{"message": error.message, "extensions": {"code": code}}]}
    headers = {"WWW-Authenticate": "Bearer"} if code == "UNAUTHENTICATED" else None
    return JSONResponse(body, status_code=_STATUS.get(code, 400), headers=headers)


def _viewer(request: Request, session: Session) -> Account:
    """The signed-in account (the bearer middleware has checked the token's signature; the account
    checks that it was not revoked)."""
    claims = request.scope.get("state", {}).get("token_claims")
    if claims is None:
        raise unauthenticated()
    return accounts.account_for_token(session, claims)


def _format(request: Request) -> str:
    fmt: str = request.path_params["format"]
    if fmt not in MEDIA_TYPES:
        raise not_found(f"no export as .{shorten(fmt)}: use .csv or .jsonl")
    return fmt


def _check_parameters(request: Request) -> None:
    for name, value in request.path_params.items():
        refuse_control_characters(value, f"path parameter {name}")
    for name, value in request.query_params.multi_items():
        refuse_control_characters(value, f"query parameter {name}")


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


def _cell(value: Any) -> Any:
    """A CSV cell: text a spreadsheet would run as a formula (OWASP's CSV injection) is quoted with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_encoder(flatten: Callable[[dict[str, Any]], Iterable[Any]]) -> Encoder:
    def encode(records: list[dict[str, Any]]) -> bytes:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerows([_cell(value) for value in flatten(record)] for record in records)
        return text.getvalue().encode()

    return encode


def _csv_header(columns: Sequence[str]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(_cell(column) for column in columns)
    return text.getvalue().encode()


async def _stream(
    session: Session, head: bytes, chunks: Iterable[list[dict[str, Any]]], encode: Encoder
) -> AsyncIterator[bytes]:
    """The export's bytes chunk by chunk; the session closes when the stream ends or the client leaves."""
    try:
        if head:
            yield head
        for records in chunks:
            yield encode(records)
    finally:
        session.close()


def _chunks(items: Sequence[Any], records: Callable[[Sequence[Any], int], list[dict[str, Any]]]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK_ROWS):
        yield records(items[start : start + CHUNK_ROWS], start)


async def _export(
    request: Request, prepare: Callable[[Session, str], tuple[bytes, Iterable[Any], Encoder]]
) -> Response:
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        _check_parameters(request)
        fmt = _format(request)
        head, chunks, encode = prepare(session, fmt)
    except ServiceError as error:
        session.close()
        return _refusal(from_service_error(error))
    except ApiError as error:
        session.close()
        return _refusal(error)
    except BaseException:
        session.close()
        raise
    return StreamingResponse(_stream(session, head, chunks, encode), media_type=MEDIA_TYPES[fmt])


# ------------------------------------------------------------------ candidates of a job


def _candidate_records(
    session: Session, job_id: int, results: Sequence[MatchResult], offset: int
) -> list[dict[str, Any]]:
    """``rankCandidates`` nodes (talent names, score, explanation, skills, application) with their rank."""
    ids = [m.talent_id for m in results]
    talents = {t.id: t for t in session.exec(select(Talent).where(col(Talent.id).in_(ids)))}
    applied = applications.applications_to_job(session, job_id, talent_ids=ids)
    return [
        {
            "rank": offset + i + 1,
            "talent": {
                "id": encode_global_id("Talent", m.talent_id),
                "nameZh": talents[m.talent_id].name_zh,
                "nameEn": talents[m.talent_id].name_en,
            },
            "score": m.score,
            "explanation": [
                {
                    "component": c.component,
                    "weight": c.weight,
                    "similarity": c.similarity,
                    "contribution": c.contribution,
                    "detail": c.detail,
                }
                for c in m.components
            ],
            "matchedSkills": [
                {"required": s.required, "offered": s.offered, "similarity": s.similarity} for s in m.matched_skills
            ],
            "missingSkills": list(m.missing_skills),
            "application": _application_record(applied.get(m.talent_id)),
        }
        for i, m in enumerate(results)
    ]


def _application_record(application: Application | None) -> dict[str, Any] | None:
    if application is None:
        return None
    assert application.id is not None
    return {
        "id": encode_global_id("Application", application.id),
        "status": ApplicationStatus(application.status).name,
        "createdAt": DateTimeScalar.serialize(application.created_at),
    }


def _candidate_row(record: dict[str, Any]) -> list[Any]:
    contributions = {c["component"]: c["contribution"] for c in record["explanation"]}
    talent = record["talent"]
    return [
        record["rank"],
        talent["id"],
        talent["nameZh"] or "",
        talent["nameEn"] or "",
        record["score"],
        *(contributions.get(component, "") for component in WEIGHTS),
        "; ".join(f"{s['required']}={s['offered']}" for s in record["matchedSkills"]),
        "; ".join(record["missingSkills"]),
        record["application"]["status"] if record["application"] else "",
    ]


async def candidates(request: Request) -> Response:
    """A job's ranked candidates, best first, ties by talent id (as ``rankCandidates``)."""

    def prepare(session: Session, fmt: str) -> tuple[bytes, Iterable[Any], Encoder]:
        viewer = _viewer(request, session)
        pk = decode_id_of(request.path_params["job_id"], "Job")
        job = session.get(Job, pk)
        if job is None:
            raise not_found("job not found")
        if not applications.may_review_applicants(viewer, job):
            raise forbidden("only the job's employer and admins rank its candidates")
        assert job.id is not None
        job_id = job.id
        results = matching.candidates_for_job(session, job).results
        chunks = _chunks(results, lambda part, offset: _candidate_records(session, job_id, part, offset))
        if fmt == "jsonl":
            return b"", chunks, _jsonl
        return _csv_header(CANDIDATE_COLUMNS), chunks, _csv_encoder(_candidate_row)

    return await _export(request, prepare)


# ------------------------------------------------------------------ a round's leaderboard


def _leaderboard_records(session: Session, rows: Sequence[LeaderboardRow]) -> list[dict[str, Any]]:
    """``leaderboard`` rows (rank, entry, aggregate, means, method, flags, notes, tie-break)."""
    ids = [r.entry_id for r in rows]
    titles = dict(session.exec(select(Entry.id, Entry.title).where(col(Entry.id).in_(ids))).all())
    return [
        {
            "rank": r.rank,
            "entry": {"id": encode_global_id("Entry", r.entry_id), "title": titles[r.entry_id]},
            "aggregate": r.result.aggregate,
            "rawMean": r.result.raw_mean,
            "criterionMeans": [{"criterion": k, "mean": v} for k, v in r.result.criterion_means.items()],
            "judgesCounted": r.result.judges_counted,
            "methodUsed": AggregationMethod(r.result.method_used).name,
            "flags": list(r.result.flags),
            "notes": list(r.result.notes),
            "tieBreakUsed": r.tie_break_used,
        }
        for r in rows
    ]


def _criteria(board: Leaderboard) -> list[str]:
    return list(dict.fromkeys(key for r in board.rows for key in r.result.criterion_means))


def _leaderboard_row(criteria: Sequence[str]) -> Callable[[dict[str, Any]], list[Any]]:
    def row(record: dict[str, Any]) -> list[Any]:
        means = {m["criterion"]: m["mean"] for m in record["criterionMeans"]}
        return [
            record["rank"],
            record["entry"]["id"],
            record["entry"]["title"],
            record["aggregate"],
            record["rawMean"],
            *(means.get(key, "") for key in criteria),
            record["judgesCounted"],
            record["methodUsed"],
            "; ".join(record["flags"]),
            "; ".join(record["notes"]),
            record["tieBreakUsed"] or "",
        ]

    return row


def _method(request: Request) -> AggregationMethod | None:
    name = request.query_params.get("method")
    if name is None:
        return None
    try:
        return AggregationMethod[name]
    except KeyError:
        names = ", ".join(m.name for m in AggregationMethod)
        raise bad_input(f"`method` must be one of {names}") from None


async def leaderboard(request: Request) -> Response:
    """A round's leaderboard by ``method`` (default: the competition's), best first (as ``leaderboard``)."""

    def prepare(session: Session, fmt: str) -> tuple[bytes, Iterable[Any], Encoder]:
        viewer = _viewer(request, session)
        pk = decode_id_of(request.path_params["competition_id"], "Competition")
        round_name = request.query_params.get("round")
        if not round_name:
            raise bad_input("give the round: ?round=<name or ID>")
        method = _method(request)
        board = round_leaderboard(session, viewer, pk, round_name, method)
        chunks = _chunks(board.rows, lambda part, _offset: _leaderboard_records(session, part))
        if fmt == "jsonl":
            return b"", chunks, _jsonl
        criteria = _criteria(board)
        columns = ["rank", "entryId", "title", "aggregate", "rawMean", *(f"mean:{k}" for k in criteria)]
        columns += ["judgesCounted", "methodUsed", "flags", "notes", "tieBreakUsed"]
        return _csv_header(columns), chunks, _csv_encoder(_leaderboard_row(criteria))

    return await _export(request, prepare)
