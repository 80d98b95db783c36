"""Input hygiene (issue #13, L1 and L5): control characters and date-times, on both databases.

Every string argument (top-level, in an input object, in a list, as a literal or a variable) that holds a
control character (U+0000-U+001F other than TAB, LF and CR; U+007F-U+009F) is refused before anything runs, with
``BAD_USER_INPUT`` and a message naming the argument.  PostgreSQL never sees a NUL, SQLite never stores one, and
the server logs no traceback.

Date-times keep their offset: an aware value is stored as its UTC instant, a value without offset is taken as
UTC, and every DateTime reads back in UTC with ``+00:00``.  Dates and date-times outside the years 2000..2100 are
refused (``BAD_USER_INPUT``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.graphql.ids import encode_global_id
from api.models import Account, Campaign, Competition, Job
from tests.api.conftest import TalentAccount

NUL = "\u0000"
COMPETITION = encode_global_id("Competition", 1)


@pytest.fixture
def tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """The log records of the test that carry a traceback (the server's unexpected errors)."""
    caplog.set_level(logging.INFO)
    found: list[logging.LogRecord] = []
    yield found
    found.extend(r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR)


def _refused(response: Any, argument: str) -> dict[str, Any]:
    """The refusal: HTTP 200, no data, one BAD_USER_INPUT error naming the argument and the character."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", body
    assert argument in error["message"] and "control character" in error["message"], error["message"]
    return body


def _count(engine: Engine, table: type[Any]) -> int:
    with Session(engine) as session:
        count: int = session.exec(select(func.count()).select_from(table)).one()
        return count


def _accounts(engine: Engine) -> int:
    return _count(engine, Account)


# ------------------------------------------------------------------ the review's cases, as literals


REVIEW_CASES = [
    pytest.param(
        'mutation { logIn(email: "a\\u0000b@example.org", password: "guilu-demo") { token } }', "email", id="logIn"
    ),
    pytest.param(
        'mutation { signUp(email: "admin@demo.guilu\\u0000", password: "Zq8!vLm2#pRt") { token } }',
        "email",
        id="signUp",
    ),
    pytest.param('{ jobs(filter: {city: "厦门\\u0000"}) { totalCount } }', "filter.city", id="jobs-filter"),
    pytest.param('{ enterprise(uscc: "9135\\u0000") { id } }', "uscc", id="enterprise-uscc"),
    pytest.param(
        f'{{ leaderboard(competitionId: "{COMPETITION}", round: "final\\u0000") {{ rows {{ rank }} }} }}',
        "round",
        id="leaderboard-round",
    ),
    pytest.param(
        '{ talents(filter: {currentCity: "厦门\\u0000"}) { totalCount } }', "filter.currentCity", id="talents"
    ),
]


@pytest.mark.parametrize(("query", "argument"), REVIEW_CASES)
def test_a_nul_in_a_literal_is_a_bad_user_input(
    admin_api_client: Any, engine: Engine, tracebacks: list[logging.LogRecord], query: str, argument: str
) -> None:
    # given
    accounts = _accounts(engine)

    # when
    response = admin_api_client.post(query)

    # then
    _refused(response, argument)
    assert _accounts(engine) == accounts
    assert tracebacks == []


def test_a_nul_in_a_nested_variable_is_refused_and_nothing_is_stored(
    new_talent: Callable[..., TalentAccount], engine: Engine, tracebacks: list[logging.LogRecord]
) -> None:
    # given
    talent = new_talent(nameEn="Ada Probe")  # not the demo 卢晨雨, whom search tests look for
    update = """
    mutation($id: ID!, $input: TalentInput!) {
      updateTalentProfile(id: $id, input: $input) { talent { nameEn } userErrors { code } }
    }
    """

    # when
    response = talent.api.post(update, {"id": talent.talent_id, "input": {"nameEn": f"Ada{NUL}Probe"}})

    # then
    _refused(response, "$input.nameEn")
    body = talent.api.execute("query($id: ID!) { talent(id: $id) { nameEn } }", {"id": talent.talent_id})
    assert body["data"]["talent"]["nameEn"] == "Ada Probe"
    assert tracebacks == []


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        pytest.param(
            {"input": {"nameZh": "林", "skills": ["qPCR", f"Py{NUL}thon"]}}, "$input.skills[1]", id="list-item"
        ),
        pytest.param({"input": {"nameZh": "林\u001b[31m"}}, "$input.nameZh", id="escape"),
        pytest.param({"input": {"nameZh": "林\u007f"}}, "$input.nameZh", id="delete"),
        pytest.param({"input": {"nameZh": "林\u0085"}}, "$input.nameZh", id="c1-next-line"),
    ],
)
def test_other_control_characters_in_variables_are_refused(
    new_talent: Callable[..., TalentAccount], variables: dict[str, Any], argument: str
) -> None:
    talent = new_talent()
    update = (
        "mutation($id: ID!, $input: TalentInput!) { updateTalentProfile(id: $id, input: $input) { talent { id } } }"
    )

    response = talent.api.post(update, {"id": talent.talent_id, **variables})

    _refused(response, argument)


def test_a_nul_in_a_list_literal_names_its_place(new_talent: Callable[..., TalentAccount]) -> None:
    talent = new_talent()
    update = (
        f'mutation {{ updateTalentProfile(id: "{talent.talent_id}", input: {{nameZh: "林", '
        'skills: ["qPCR", "Py\\u0000thon"]}) { talent { id } } }'
    )

    _refused(talent.api.post(update), "input.skills[1]")


def test_tab_line_feed_and_carriage_return_are_kept(new_talent: Callable[..., TalentAccount]) -> None:
    # given: multi-line text is text, in literals and in variables alike
    talent = new_talent()
    update = """
    mutation($id: ID!, $input: TalentInput!) {
      updateTalentProfile(id: $id, input: $input) { talent { nameEn } userErrors { code } }
    }
    """

    # when
    body = talent.api.execute(update, {"id": talent.talent_id, "input": {"nameZh": "林", "nameEn": "Lin\tA\r\nB"}})

    # then
    assert body["data"]["updateTalentProfile"] == {"talent": {"nameEn": "Lin\tA\r\nB"}, "userErrors": []}


def test_a_nul_in_an_id_is_refused(anonymous_api_client: Any) -> None:
    job = encode_global_id("Job", 1)

    _refused(anonymous_api_client.post("query($id: ID!) { job(id: $id) { id } }", {"id": job + NUL}), "$id")


def test_a_nul_in_a_variable_default_is_refused(anonymous_api_client: Any) -> None:
    query = 'query($city: String = "厦门\\u0000") { jobs(filter: {city: $city}) { totalCount } }'

    _refused(anonymous_api_client.post(query), "city")


# ------------------------------------------------------------------ REST exports


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(f"/exports/competitions/{COMPETITION}/leaderboard.csv?round=final%00", id="round-parameter"),
        pytest.param(f"/exports/competitions/{COMPETITION}/leaderboard.csv?round=final&method=MEAN%1b", id="method"),
        pytest.param(f"/exports/competitions/{COMPETITION}%00/leaderboard.csv?round=final", id="path-id"),
        pytest.param(f"/exports/jobs/{encode_global_id('Job', 1)}%00/candidates.csv", id="job-id"),
    ],
)
def test_a_control_character_in_an_export_request_is_a_400(
    admin_api_client: Any, tracebacks: list[logging.LogRecord], path: str
) -> None:
    response = admin_api_client.http.get(path, headers={"Authorization": f"Bearer {admin_api_client.token}"})

    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "control character" in error["message"]
    assert tracebacks == []


# ------------------------------------------------------------------ date-times (L5)

CREATE_COMPETITION = """
mutation($input: CompetitionInput!) {
  createCompetition(input: $input) { competition { id submissionDeadline } userErrors { field message code } }
}
"""


def _competition_input(deadline: str) -> dict[str, Any]:
    return {
        "name": f"时区杯{uuid.uuid4().hex[:8]}",
        "edition": 1,
        "year": 2030,
        "submissionDeadline": deadline,
        "tracks": ["NEW_ENERGY"],
        "rounds": [{"name": "final"}],
        "criteria": [{"key": "k", "label": "K", "weight": 1, "maximum": 10}],
    }


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        pytest.param("2030-06-30T12:00:00-12:00", "2030-07-01T00:00:00+00:00", id="minus-12"),
        pytest.param("2030-06-30T12:00:00+08:00", "2030-06-30T04:00:00+00:00", id="plus-8"),
        pytest.param("2030-06-30T12:00:00Z", "2030-06-30T12:00:00+00:00", id="zulu"),
        pytest.param("2030-06-30T12:00:00", "2030-06-30T12:00:00+00:00", id="naive-is-utc"),
    ],
)
def test_a_deadline_keeps_its_offset_and_reads_back_in_utc(admin_api_client: Any, written: str, stored: str) -> None:
    # when
    payload = admin_api_client.execute(CREATE_COMPETITION, {"input": _competition_input(written)})["data"]

    # then: the mutation echoes the stored instant, and reading it again gives the same
    competition = payload["createCompetition"]["competition"]
    assert competition["submissionDeadline"] == stored
    query = "query($id: ID!) { competition(id: $id) { submissionDeadline } }"
    again = admin_api_client.execute(query, {"id": competition["id"]})["data"]["competition"]
    assert again["submissionDeadline"] == stored


def test_offsets_twenty_hours_apart_are_stored_twenty_hours_apart(admin_api_client: Any) -> None:
    deadlines = [
        datetime.fromisoformat(
            admin_api_client.execute(CREATE_COMPETITION, {"input": _competition_input(f"2030-06-30T12:00:00{offset}")})[
                "data"
            ]["createCompetition"]["competition"]["submissionDeadline"]
        )
        for offset in ("-12:00", "+08:00")
    ]

    assert deadlines[0] - deadlines[1] == timedelta(hours=20)


@pytest.mark.parametrize("deadline", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "1999-12-31T23:59:59Z"])
def test_a_deadline_in_an_absurd_year_is_refused_and_nothing_is_stored(
    admin_api_client: Any, engine: Engine, deadline: str
) -> None:
    # given
    competitions = _count(engine, Competition)

    # when
    response = admin_api_client.post(CREATE_COMPETITION, {"input": _competition_input(deadline)})

    # then
    body = response.json()
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "2000" in error["message"] and "2100" in error["message"], error["message"]
    assert _count(engine, Competition) == competitions


@pytest.mark.parametrize(
    ("query", "account"),
    [
        pytest.param(
            'mutation { createCampaign(input: {name: "永远", startsOn: "2030-01-01", endsOn: "9999-12-31"}) '
            "{ campaign { id } } }",
            "headhunter",
            id="campaign-end",
        ),
        pytest.param(
            'mutation { postJob(input: {title: "Forever", closesOn: "9999-12-31"}) { job { id } } }',
            "employer",
            id="job-closing-date",
        ),
        pytest.param(
            'mutation { createCampaign(input: {name: "远古", startsOn: "0001-01-01", endsOn: "2030-01-01"}) '
            "{ campaign { id } } }",
            "headhunter",
            id="campaign-start-literal",
        ),
    ],
)
def test_a_date_in_an_absurd_year_is_refused(
    log_in_as: Callable[[str, str], Any], engine: Engine, query: str, account: str
) -> None:
    api = log_in_as(f"{account}@demo.guilu", "guilu-demo")
    counts = (_count(engine, Campaign), _count(engine, Job))

    body = api.post(query).json()

    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "2000" in error["message"] and "2100" in error["message"], error["message"]
    assert (_count(engine, Campaign), _count(engine, Job)) == counts
