"""Input hygiene (issue #13, L1 and L5): control characters and date-times, on both databases.

Every string argument (top-level, in an input object, in a list, as a literal or a variable) that holds a
control character (U+0000-U+001F other than TAB, LF and CR; U+007F-U+009F) is refused before anything runs, with
``BAD_USER_INPUT`` and a message naming the argument.  PostgreSQL never sees a NUL, SQLite never stores one, and
the server logs no traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.graphql.ids import encode_global_id
from api.models import Account
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


def _accounts(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Account)).one()


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
    talent = new_talent(nameEn="Chenyu Lu")
    update = """
    mutation($id: ID!, $input: TalentInput!) {
      updateTalentProfile(id: $id, input: $input) { talent { nameEn } userErrors { code } }
    }
    """

    # when
    response = talent.api.post(update, {"id": talent.talent_id, "input": {"nameEn": f"Chenyu{NUL}Lu"}})

    # then
    _refused(response, "$input.nameEn")
    body = talent.api.execute("query($id: ID!) { talent(id: $id) { nameEn } }", {"id": talent.talent_id})
    assert body["data"]["talent"]["nameEn"] == "Chenyu Lu"
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
