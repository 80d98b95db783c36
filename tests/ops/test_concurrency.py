"""Writers racing on the same objects through two workers, at once (threads released together): no
acknowledged write is lost or left uncounted.

- Judges score while the admin closes their round: every acknowledged score was stored before the
  close (so the close counted it); after it, scores are refused.
- The employer moves an application while the talent withdraws it: one wins, the other is refused
  (or applies on top); the history is one unbroken chain ending in the status stored.
- Talents apply while the employer closes the job: no application is stored after the close.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, col, select

from api.graphql.ids import decode_id_of, encode_global_id
from api.models import Account, Application, ApplicationEvent, Job
from api.models.cup import Competition, JudgeAssignment, Round, Score
from api.services import applications, cup, jobs
from api.services.accounts import issue_access_token
from api.services.errors import ErrorCode, ServiceError
from bench.load import LOAD_SECRET
from tests.ops.conftest import OpsDatabase, graphql

pytestmark = pytest.mark.slow

SCORE = """mutation Score($entryId: ID!, $roundId: ID!, $scores: [CriterionScoreInput!]!) {
  submitScore(entryId: $entryId, roundId: $roundId, scores: $scores) { score { id } userErrors { code } }
}"""
CLOSE_ROUND = """mutation Close($roundId: ID!) {
  closeRound(roundId: $roundId, acknowledgeFlags: true) { round { status } userErrors { code message } }
}"""
APPLY = """mutation Apply($jobId: ID!) { applyToJob(jobId: $jobId) { application { id } userErrors { code } } }"""
MOVE = """mutation Move($id: ID!, $status: ApplicationStatus!) {
  moveApplication(id: $id, status: $status) { application { status } userErrors { code } }
}"""
POST_JOB = """mutation Post($input: JobInput!) { postJob(input: $input) { job { id } userErrors { code message } } }"""
CLOSE_JOB = """mutation Close($id: ID!) { closeJob(id: $id) { job { status } userErrors { code } } }"""


def _tokens(ops_database: OpsDatabase, emails: list[str]) -> dict[str, str]:
    with ops_database.engine() as engine, Session(engine) as session:
        found = session.exec(select(Account).where(col(Account.email).in_(emails))).all()
        tokens = {a.email: issue_access_token(a, secret=LOAD_SECRET, minutes=30) for a in found}
    return tokens


def _payload(body: Any) -> dict[str, Any]:
    assert "errors" not in body, body
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


def _at_once(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run ``tasks`` in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(tasks))

    def run(task: Callable[[], Any]) -> Any:
        barrier.wait()
        return task()

    with ThreadPoolExecutor(len(tasks)) as pool:
        return list(pool.map(run, tasks))


def test_no_acknowledged_score_is_stored_after_its_round_closed(
    ops_database: OpsDatabase, serve: Callable[..., Any]
) -> None:
    with ops_database.engine() as engine:
        with Session(engine) as session:
            # the demo's 2024 final: judges assigned, some scores in, still open
            final = session.exec(
                select(Round).join(Competition).where(Competition.year == 2024, Round.name == "final")
            ).one()
            assignments = session.exec(select(JudgeAssignment).where(JudgeAssignment.round_id == final.id)).all()
            judges = {a.id: a.email for a in session.exec(select(Account).where(Account.role == "judge"))}
        rubric = _criteria_of_2024(ops_database)
        assert final.status == "open" and assignments and rubric
        tokens = _tokens(ops_database, [*judges.values(), "admin@demo.guilu"])
        round_id = encode_global_id("Round", final.id)
        acknowledged: list[int] = []
        closed = threading.Event()

        with serve(workers=2) as (base, _):

            def judge(assignment: JudgeAssignment) -> Callable[[], None]:
                def score_until_closed() -> None:
                    value = 0.0
                    while not closed.is_set():
                        value = (value + 1) % 10
                        scores = [{"criterion": key, "value": value} for key in rubric]
                        variables = {"entryId": encode_global_id("Entry", assignment.entry_id), "roundId": round_id}
                        body = graphql(
                            base, SCORE, {**variables, "scores": scores}, tokens[judges[assignment.judge_account_id]]
                        )
                        payload = _payload(body)
                        if payload["score"] is not None:
                            acknowledged.append(decode_id_of(payload["score"]["id"], "Score"))
                        elif payload["userErrors"][0]["code"] == "INVALID_TRANSITION":
                            return  # the round is closed

                return score_until_closed

            def close() -> Any:
                threading.Event().wait(1.0)  # let the judges get going
                try:
                    return _payload(graphql(base, CLOSE_ROUND, {"roundId": round_id}, tokens["admin@demo.guilu"]))
                finally:
                    closed.set()

            results = _at_once([judge(a) for a in assignments[:8]] + [close])

        assert results[-1]["userErrors"] == [] and results[-1]["round"]["status"] == "CLOSED", results[-1]
        assert acknowledged, "no score went in before the close"
        with Session(engine) as session:
            closed_at = session.get(Round, final.id).closed_at  # type: ignore[union-attr]
            scores = session.exec(select(Score).where(Score.round_id == final.id)).all()
    assert closed_at is not None
    stored = {s.id: s for s in scores}
    assert set(acknowledged) <= set(stored)
    late = [s.id for s in scores if _aware(s.updated_at) > _aware(closed_at)]
    assert late == [], f"scores stored after the round closed at {closed_at}: {late}"


def _criteria_of_2024(ops_database: OpsDatabase) -> list[str]:
    with ops_database.connect() as connection:
        rows = connection.execute(
            "SELECT c.key FROM cup_criterion c JOIN cup_competition k ON k.id = c.competition_id "
            "WHERE k.year = 2024 ORDER BY c.position"
        ).fetchall()
    return [row[0] for row in rows]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_an_employer_and_a_talent_moving_one_application_at_once_lose_nothing(
    ops_database: OpsDatabase, serve: Callable[..., Any]
) -> None:
    talent_emails = [f"load-{n}@load.guilu" for n in range(20, 24)]
    tokens = _tokens(ops_database, [*talent_emails, "employer@demo.guilu"])
    employer = tokens["employer@demo.guilu"]
    with serve(workers=2) as (base, _):
        job = _payload(graphql(base, POST_JOB, {"input": _job_input()}, employer))["job"]["id"]
        applications = [
            _payload(graphql(base, APPLY, {"jobId": job}, tokens[email]))["application"]["id"]
            for email in talent_emails
        ]
        outcomes = []
        for email, application in zip(talent_emails, applications, strict=True):
            outcomes.append(
                _at_once(
                    [
                        lambda a=application: graphql(base, MOVE, {"id": a, "status": "SCREENING"}, employer),
                        lambda a=application, t=tokens[email]: graphql(base, MOVE, {"id": a, "status": "WITHDRAWN"}, t),
                    ]
                )
            )

    with ops_database.engine() as engine, Session(engine) as session:
        for application, pair in zip(applications, outcomes, strict=True):
            pk = decode_id_of(application, "Application")
            events = session.exec(
                select(ApplicationEvent).where(ApplicationEvent.application_id == pk).order_by(col(ApplicationEvent.id))
            ).all()
            stored = session.get(Application, pk)
            assert stored is not None
            acknowledged = [_payload(body)["application"]["status"] for body in pair if _payload(body)["application"]]
            # the history is one chain: each move starts where the previous one ended, and ends at the stored status
            chain = [(e.from_status, e.to_status) for e in events]
            assert chain[0] == (None, "applied")
            assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(chain)), chain
            assert chain[-1][1] == stored.status
            # every acknowledged move is in it, once
            assert sorted(to for _, to in chain[1:]) == sorted(status.lower() for status in acknowledged), (chain, pair)


def test_no_application_is_stored_after_its_job_closed(ops_database: OpsDatabase, serve: Callable[..., Any]) -> None:
    talent_emails = [f"load-{n}@load.guilu" for n in range(12, 20)]
    tokens = _tokens(ops_database, [*talent_emails, "employer@demo.guilu"])
    employer = tokens["employer@demo.guilu"]
    with serve(workers=2) as (base, _):
        jobs = [_payload(graphql(base, POST_JOB, {"input": _job_input()}, employer))["job"]["id"] for _ in range(4)]
        for job in jobs:
            _at_once(
                [lambda j=job: graphql(base, CLOSE_JOB, {"id": j}, employer)]
                + [lambda j=job, t=tokens[email]: graphql(base, APPLY, {"jobId": j}, t) for email in talent_emails]
            )

    with ops_database.engine() as engine, Session(engine) as session:
        for job in jobs:
            row = session.get(Job, decode_id_of(job, "Job"))
            assert row is not None and row.status == "closed"
            stored = session.exec(select(Application).where(Application.job_id == row.id)).all()
            late = [a.id for a in stored if _aware(a.created_at) > _aware(row.updated_at)]
            assert late == [], f"applications stored after the job closed: {late}"


def _job_input() -> dict[str, Any]:
    return {"title": "并发测试工程师", "requiredSkills": ["Python"], "industryChain": "NEW_ENERGY"}


def _waits_for(hold: Session, work: Callable[[], object], *, then: Callable[[], None]) -> None:
    """``work`` (in a thread, on its own connection) waits while ``hold``'s transaction is open, and
    finishes once ``then`` ends it (a commit or a rollback of ``hold``)."""
    finished = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            failures.append(error)
        finished.set()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert not finished.wait(1.0), "it did not wait for the transaction in progress"
    finally:
        then()
        worker.join(timeout=30)
    assert finished.is_set()
    if failures:
        raise failures[0]


def test_a_score_sent_while_its_round_closes_waits_and_is_refused(ops_database: OpsDatabase) -> None:
    # deterministic: the close holds its round while it counts; a score meanwhile waits, then sees the round closed
    with ops_database.engine() as engine, Session(engine) as closer, Session(engine) as judging:
        admin = closer.exec(select(Account).where(Account.email == "admin@demo.guilu")).one()
        competition = closer.exec(select(Competition).where(Competition.year == 2027)).one()
        assert competition.id is not None
        round_ = cup.find_round(closer, competition.id, "preliminary")
        assignment = closer.exec(select(JudgeAssignment).where(JudgeAssignment.round_id == round_.id)).first()
        assert assignment is not None and round_.id is not None
        judge = judging.get(Account, assignment.judge_account_id)
        values = {c.key: 1.0 for c in cup.rubric_of(closer, competition).criteria}
        scores_before = ops_database.count("SELECT count(*) FROM cup_score WHERE round_id = %s", round_.id)

        cup.close_round(closer, admin, round_.id, acknowledge_flags=True)  # not committed yet
        try:
            with pytest.raises(ServiceError) as refused:
                _waits_for(
                    closer,
                    lambda: cup.submit_score(judging, judge, round_.id, assignment.entry_id, values),  # type: ignore[arg-type]
                    then=closer.commit,
                )
            assert refused.value.code == ErrorCode.INVALID_TRANSITION
            judging.rollback()
            assert ops_database.count("SELECT count(*) FROM cup_score WHERE round_id = %s", round_.id) == scores_before
        finally:
            _reopen(ops_database, round_.id, competition.id)


def _reopen(ops_database: OpsDatabase, round_id: int, competition_id: int) -> None:
    """Undo the close for the other tests, which load the round: open again, no entry advanced."""
    with ops_database.connect() as connection:
        connection.execute("UPDATE cup_round SET status = 'open', closed_at = NULL WHERE id = %s", (round_id,))
        connection.execute(
            "DELETE FROM cup_entry_round WHERE round_id IN "
            "(SELECT id FROM cup_round WHERE competition_id = %s AND id <> %s)",
            (competition_id, round_id),
        )


def test_an_application_waits_for_a_close_of_its_job_in_progress(ops_database: OpsDatabase) -> None:
    with ops_database.engine() as engine, Session(engine) as closing, Session(engine) as applying:
        employer = closing.exec(select(Account).where(Account.email == "employer@demo.guilu")).one()
        talent = applying.exec(select(Account).where(Account.email == "load-0@load.guilu")).one()
        job_id = ops_database.actors.employer_jobs[0]
        pk = decode_id_of(job_id, "Job")
        mine = (Application.job_id == pk) & (Application.talent_id == talent.talent_id)
        assert applying.exec(select(Application.id).where(mine)).first() is None

        jobs.close_job(closing, employer, pk)  # not committed yet: an application meanwhile waits for the outcome
        _waits_for(closing, lambda: applications.apply_to_job(applying, talent, pk), then=closing.rollback)
        applying.rollback()


def test_a_close_waits_for_applications_in_progress_and_is_stamped_after_them(ops_database: OpsDatabase) -> None:
    # An application in progress holds the job for share.  A close meanwhile waits for it before it reads the
    # job, so the close is stamped after every application it let through, even one decided while it waited.
    with ops_database.engine() as engine, Session(engine) as applying, Session(engine) as closing:
        employer = closing.exec(select(Account).where(Account.email == "employer@demo.guilu")).one()
        first, second = (
            applying.exec(select(Account).where(Account.email == f"load-{n}@load.guilu")).one() for n in (20, 21)
        )
        job = jobs.post_job(closing, employer, jobs.JobData(title="并发测试工程师", required_skills=["Python"]))
        closing.commit()
        assert job.id is not None
        pk = job.id

        applied = [applications.apply_to_job(applying, first, pk)]  # not committed: the job is held for share

        def close_then_apply_again() -> None:
            # the close starts first; an application still decided in the open transaction joins it meanwhile
            threading.Timer(0.5, lambda: applied.append(applications.apply_to_job(applying, second, pk))).start()
            jobs.close_job(closing, employer, pk)

        _waits_for(applying, close_then_apply_again, then=applying.commit)
        closing.commit()
        closed = closing.get(Job, pk)
        assert closed is not None and closed.status == "closed"
        assert len(applied) == 2
        assert all(_aware(a.created_at) < _aware(closed.updated_at) for a in applied), (
            [a.created_at for a in applied],
            closed.updated_at,
        )
