"""Account hardening over HTTP: the password policy, rotating refresh tokens, log-out, lock-outs and
log-in refusals that do not tell whether an e-mail has an account.

Failed log-ins count per client address, so every test that fails one sends from an address of its own
(``client_from``) and never from the shared test client's, and none fails a demo account's log-in.
"""

from __future__ import annotations

import hashlib
import itertools
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from api.config import DEVELOPMENT_SECRET, Settings
from api.graphql.ids import decode_id_of
from api.models import Account, AuditEntry, LoginAttempt, LoginLockout, RefreshToken
from api.services import accounts
from api.services.errors import ErrorCode, ServiceError
from tests.api.conftest import unique_email
from tests.conftest import TEST_SECRET

PASSWORD = "a-sturdy-passphrase"

SIGN_UP = """
mutation SignUp($email: String!, $password: String!) {
  signUp(email: $email, password: $password) { token refreshToken userErrors { field message code } }
}
"""

LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) {
    token refreshToken account { email } userErrors { field message code }
  }
}
"""

REFRESH = """
mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) {
    token refreshToken account { email } userErrors { field message code }
  }
}
"""

LOG_OUT = """
mutation LogOut($refreshToken: String!) {
  logOut(refreshToken: $refreshToken) { revokedRefreshTokens userErrors { field message code } }
}
"""

LOG_OUT_EVERYWHERE = "mutation { logOutEverywhere { revokedRefreshTokens userErrors { field message code } } }"

ME = "query Me { me { email } }"

_addresses = itertools.count(1)


class Api:
    """Posts GraphQL over HTTP from one client address."""

    def __init__(self, http: TestClient, address: str) -> None:
        self.http = http
        self.address = address

    def post(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    def data(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        response = self.post(query, variables, token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def log_in(self, email: str, password: str) -> dict[str, Any]:
        payload: dict[str, Any] = self.data(LOG_IN, {"email": email, "password": password})["logIn"]
        return payload

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        payload: dict[str, Any] = self.data(REFRESH, {"refreshToken": refresh_token})["refreshToken"]
        return payload


@pytest.fixture
def client_from(client: TestClient) -> Iterator[Callable[..., Api]]:
    """An API client sending from a client address no other test uses (of the session's app, or of an
    app with ``settings``)."""
    opened: list[TestClient] = []

    def make(app_settings: Settings | None = None) -> Api:
        app = client.app if app_settings is None else create_app(app_settings, client.app.state.engine)  # type: ignore[attr-defined]
        address = f"198.51.100.{next(_addresses)}"
        http = TestClient(app, client=(address, 50000))
        opened.append(http)
        return Api(http, address)

    yield make
    for http in opened:
        http.close()


def _codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def _signed_up(api: Api, email: str, password: str = PASSWORD) -> dict[str, Any]:
    payload: dict[str, Any] = api.data(SIGN_UP, {"email": email, "password": password})["signUp"]
    assert payload["token"] and payload["refreshToken"], payload
    return payload


# ------------------------------------------------------------------ password policy


@pytest.mark.parametrize(
    ("password", "code", "rule"),
    [
        ("nine-char", "INVALID", "at least 10 characters"),
        ("p" * 64 + "q" * 65, "INVALID", "at most 128 characters"),
        ("zzzzzzzzzzzzzz", "WEAK_PASSWORD", "one character repeated"),
        ("{local}-2026", "WEAK_PASSWORD", "name part"),
        ("{LOCAL}!", "WEAK_PASSWORD", "name part"),
        ("Password123", "WEAK_PASSWORD", "most common passwords"),
        ("1q2w3e4r5t", "WEAK_PASSWORD", "most common passwords"),
    ],
)
def test_sign_up_refuses_each_weak_password_rule(
    client_from: Callable[..., Api], password: str, code: str, rule: str
) -> None:
    # given
    email = unique_email("marguerite")
    local = email.partition("@")[0]

    # when
    payload = client_from().data(
        SIGN_UP, {"email": email, "password": password.format(local=local, LOCAL=local.upper())}
    )["signUp"]

    # then
    assert payload["token"] is None
    assert _codes(payload) == [("password", code)]
    assert rule in payload["userErrors"][0]["message"]


def test_the_policy_admits_the_demo_password_and_short_name_parts(client_from: Callable[..., Api]) -> None:
    api = client_from()

    # the demo password, and a password holding a name part of under 4 characters
    _signed_up(api, unique_email("demo"), "guilu-demo")
    _signed_up(api, f"ann@{unique_email('x').partition('@')[0]}.example.com", "ann-and-her-garden")


def test_create_user_applies_the_policy_too(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(ServiceError) as refused:
        accounts.create_account(session, email=unique_email(), password="qwertyuiop", role="admin")

    assert (refused.value.field, refused.value.code) == ("password", ErrorCode.WEAK_PASSWORD)


# ------------------------------------------------------------------ refresh tokens


def test_a_refresh_token_rotates_and_is_stored_only_as_a_hash(client_from: Callable[..., Api], engine: Engine) -> None:
    # given
    api, email = client_from(), unique_email()
    _signed_up(api, email)
    first = api.log_in(email, PASSWORD)

    # when
    second = api.refresh(first["refreshToken"])

    # then
    assert second["userErrors"] == [] and second["account"] == {"email": email}
    assert second["refreshToken"] not in (None, first["refreshToken"]) and len(second["refreshToken"]) >= 43
    assert api.data(ME, token=second["token"])["me"] == {"email": email}
    with Session(engine) as session:
        stored = session.exec(
            select(RefreshToken).where(
                col(RefreshToken.token_hash).in_(
                    [hashlib.sha256(t.encode()).hexdigest() for t in (first["refreshToken"], second["refreshToken"])]
                )
            )
        ).all()
        assert len(stored) == 2 and len({row.family_id for row in stored}) == 1
        assert sorted(row.revoked_at is None for row in stored) == [False, True]
        assert (
            session.exec(select(RefreshToken).where(RefreshToken.token_hash == second["refreshToken"])).first() is None
        )


def test_reusing_a_rotated_refresh_token_revokes_its_whole_family(client_from: Callable[..., Api]) -> None:
    # given: a log-in whose refresh token was rotated, and a second, separate log-in
    api, email = client_from(), unique_email()
    _signed_up(api, email)
    stolen = api.log_in(email, PASSWORD)["refreshToken"]
    rotated = api.refresh(stolen)["refreshToken"]
    other_log_in = api.log_in(email, PASSWORD)["refreshToken"]

    # when
    reuse = api.refresh(stolen)

    # then
    assert reuse["token"] is None and reuse["refreshToken"] is None
    assert _codes(reuse) == [("refreshToken", "UNAUTHENTICATED")]
    assert _codes(api.refresh(rotated)) == [("refreshToken", "UNAUTHENTICATED")]
    assert api.refresh(other_log_in)["userErrors"] == []


def test_an_expired_refresh_token_is_refused(client_from: Callable[..., Api], engine: Engine) -> None:
    # given
    api, email = client_from(), unique_email()
    refresh_token = _signed_up(api, email)["refreshToken"]
    with Session(engine) as session:
        row = session.exec(
            select(RefreshToken).where(RefreshToken.token_hash == hashlib.sha256(refresh_token.encode()).hexdigest())
        ).one()
        row.expires_at -= timedelta(days=31)
        session.add(row)
        session.commit()

    # when
    refused = api.refresh(refresh_token)

    # then
    assert _codes(refused) == [("refreshToken", "UNAUTHENTICATED")]
    assert "expired" in refused["userErrors"][0]["message"]


def test_an_unknown_refresh_token_is_refused(client_from: Callable[..., Api]) -> None:
    assert _codes(client_from().refresh("not-a-token-we-issued")) == [("refreshToken", "UNAUTHENTICATED")]


def test_log_out_revokes_that_log_in_only(client_from: Callable[..., Api]) -> None:
    # given
    api, email = client_from(), unique_email()
    _signed_up(api, email)
    current = api.refresh(api.log_in(email, PASSWORD)["refreshToken"])["refreshToken"]
    elsewhere = api.log_in(email, PASSWORD)["refreshToken"]

    # when
    logged_out = api.data(LOG_OUT, {"refreshToken": current})["logOut"]

    # then
    assert logged_out == {"revokedRefreshTokens": 1, "userErrors": []}
    assert _codes(api.refresh(current)) == [("refreshToken", "UNAUTHENTICATED")]
    assert api.refresh(elsewhere)["userErrors"] == []
    assert api.data(LOG_OUT, {"refreshToken": current})["logOut"]["revokedRefreshTokens"] == 0


def test_log_out_everywhere_revokes_every_token_issued_so_far(client_from: Callable[..., Api], engine: Engine) -> None:
    # given: the sign-up's log-in and two more
    api, email = client_from(), unique_email()
    signed_up = _signed_up(api, email)
    laptop, phone = api.log_in(email, PASSWORD), api.log_in(email, PASSWORD)

    # when
    result = api.data(LOG_OUT_EVERYWHERE, token=laptop["token"])["logOutEverywhere"]

    # then: every access token of before is refused like a bad one, every refresh token too
    assert result == {"revokedRefreshTokens": 3, "userErrors": []}
    for token in (laptop["token"], phone["token"], signed_up["token"]):
        refused = api.post(ME, token=token)
        assert refused.status_code == 401
        assert refused.json()["errors"][0] == {
            "message": "the access token is invalid",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    export = api.http.get(
        "/exports/jobs/Sm9iOjE=/candidates.csv", headers={"Authorization": f"Bearer {phone['token']}"}
    )
    assert export.status_code == 401
    for refresh_token in (laptop["refreshToken"], phone["refreshToken"], signed_up["refreshToken"]):
        assert _codes(api.refresh(refresh_token)) == [("refreshToken", "UNAUTHENTICATED")]
    # and a log-in right after works at once
    again = api.log_in(email, PASSWORD)
    assert api.data(ME, token=again["token"])["me"] == {"email": email}
    with Session(engine) as session:
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "account.log_out_everywhere")).all()
        assert [entry.after["email"] for entry in audited if entry.after].count(email) == 1


def test_log_out_everywhere_needs_a_signed_in_account(client_from: Callable[..., Api]) -> None:
    body = client_from().post(LOG_OUT_EVERYWHERE).json()

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ------------------------------------------------------------------ log-in refusals and lock-outs


def test_an_unknown_email_and_a_wrong_password_are_refused_alike(
    client_from: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: password verifications counted
    api, email = client_from(), unique_email()
    _signed_up(api, email)
    verified: list[str] = []
    real_hasher = accounts._hasher

    class CountingHasher:
        def verify(self, hash: str, password: str) -> bool:
            verified.append(hash)
            return real_hasher.verify(hash, password)

    monkeypatch.setattr(accounts, "_hasher", CountingHasher())

    # when
    wrong_password = api.log_in(email, "not-the-right-one")
    unknown_email = api.log_in(unique_email(), "not-the-right-one")

    # then: the same answer, after the same work (one argon2 verification each)
    assert wrong_password == unknown_email
    assert _codes(wrong_password) == [(None, "INVALID_CREDENTIALS")]
    assert len(verified) == 2 and verified[0] != verified[1]


def _expire_lockouts(engine: Engine, subject: str) -> None:
    """Move the clock past ``subject``'s lock-out: its lock ends and its failures leave the window."""
    with Session(engine) as session:
        for lockout in session.exec(select(LoginLockout).where(LoginLockout.subject == subject)).all():
            lockout.locked_until -= timedelta(minutes=16)
            session.add(lockout)
        column = LoginAttempt.client_address if "@" not in subject else LoginAttempt.email
        for attempt in session.exec(select(LoginAttempt).where(column == subject)).all():
            attempt.attempted_at -= timedelta(minutes=16)
            session.add(attempt)
        session.commit()


def test_five_failures_lock_an_email_for_a_while(client_from: Callable[..., Api], engine: Engine) -> None:
    # given
    guesser, owner, email = client_from(), client_from(), unique_email()
    _signed_up(owner, email)
    failures = [guesser.log_in(email, f"guess-number-{n}") for n in range(5)]

    # when
    locked = guesser.log_in(email, PASSWORD)
    locked_elsewhere = owner.log_in(email, PASSWORD)

    # then
    assert all(_codes(f) == [(None, "INVALID_CREDENTIALS")] for f in failures)
    for payload in (locked, locked_elsewhere):
        assert payload["token"] is None
        assert _codes(payload) == [(None, "TOO_MANY_ATTEMPTS")]
        assert "try again in" in payload["userErrors"][0]["message"]
    with Session(engine) as session:
        lockout = session.exec(select(LoginLockout).where(LoginLockout.subject == email)).one()
        audited = session.exec(
            select(AuditEntry).where(AuditEntry.action == "login.lock_out", AuditEntry.entity_id == lockout.id)
        ).all()
        assert (lockout.kind, lockout.failures, len(audited)) == ("email", 5, 1)

    # when the lock-out is over
    _expire_lockouts(engine, email)

    # then
    assert owner.log_in(email, PASSWORD)["userErrors"] == []


def test_an_unknown_email_is_locked_out_the_same_way(client_from: Callable[..., Api]) -> None:
    api, email = client_from(), unique_email("nobody")
    for n in range(5):
        api.log_in(email, f"guess-number-{n}")

    assert _codes(api.log_in(email, "guess-number-6")) == [(None, "TOO_MANY_ATTEMPTS")]


def test_twenty_failures_lock_a_client_address(client_from: Callable[..., Api], engine: Engine) -> None:
    # given: 20 failures from one address, spread over e-mails (none reaches its own limit)
    sprayer, owner, email = client_from(), client_from(), unique_email()
    _signed_up(owner, email)
    for n in range(20):
        sprayer.log_in(unique_email("spray"), f"guess-number-{n}")

    # when
    from_sprayer = sprayer.log_in(email, PASSWORD)
    from_owner = owner.log_in(email, PASSWORD)

    # then
    assert _codes(from_sprayer) == [(None, "TOO_MANY_ATTEMPTS")]
    assert from_owner["userErrors"] == []

    # when the lock-out is over
    with Session(engine) as session:
        lockout = session.exec(select(LoginLockout).where(LoginLockout.subject == sprayer.address)).one()
        assert (lockout.kind, lockout.failures) == ("address", 20)
    _expire_lockouts(engine, sprayer.address)

    # then
    assert sprayer.log_in(email, PASSWORD)["userErrors"] == []


def test_signing_up_with_taken_emails_counts_against_the_address(
    client_from: Callable[..., Api], settings: Settings
) -> None:
    # given: an app locking an address after 3 failures
    api = client_from(settings.model_copy(update={"login_max_failures_per_address": 3}))
    taken = [unique_email() for _ in range(3)]
    for email in taken:
        _signed_up(client_from(), email)

    # when
    refusals = [api.data(SIGN_UP, {"email": email, "password": PASSWORD})["signUp"] for email in taken]
    locked = api.data(SIGN_UP, {"email": unique_email(), "password": PASSWORD})["signUp"]

    # then
    assert all(_codes(refusal) == [("email", "DUPLICATE")] for refusal in refusals)
    assert _codes(locked) == [(None, "TOO_MANY_ATTEMPTS")]


def test_the_token_lifetimes_and_limits_default_as_documented() -> None:
    defaults = Settings(secret_key="x" * 32)

    assert (defaults.access_token_minutes, defaults.refresh_token_days) == (15, 30)
    assert (defaults.login_max_failures_per_email, defaults.login_max_failures_per_address) == (5, 20)
    assert (defaults.login_failure_window_minutes, defaults.login_lockout_minutes) == (15, 15)


# ------------------------------------------------------------------ the subject of an access token (L4)


def _signed(sub: object, secret: str) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"sub": sub, "role": "admin", "iat": now.timestamp(), "exp": now + timedelta(hours=1)}, secret)


# Each subject is well signed with the test secret; none is a canonical account id, so each gets HTTP 401.
BAD_SUBJECTS = [" 1", "1 ", "+1", "01", "1\n", "１", "1_0", "0", "-1", "2147483648", "99999999999999999999999", 1]


@pytest.mark.parametrize("sub", BAD_SUBJECTS)
def test_a_token_whose_subject_is_no_canonical_account_id_gets_401(
    client: TestClient, settings: Settings, sub: object
) -> None:
    token = _signed(sub, settings.signing_secret())
    headers = {"Authorization": f"Bearer {token}"}

    answers = [
        client.post("/graphql", json={"query": ME}, headers=headers),
        client.get("/exports/jobs/Sm9iOjE/candidates.csv", headers=headers),
    ]

    for response in answers:
        assert response.status_code == 401, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert response.headers["x-request-id"]


@pytest.mark.parametrize("sub", ["99999999999999999999999", " 1", "01"])
def test_a_websocket_with_such_a_token_is_closed(client: TestClient, settings: Settings, sub: str) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {_signed(sub, TEST_SECRET)}"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()

    assert closed.value.code == 4403


def test_the_largest_account_id_is_still_a_subject(client: TestClient, settings: Settings) -> None:
    # A well-formed subject of an account that does not exist: refused by the account lookup, not by the parser.
    response = client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {_signed('2147483647', TEST_SECRET)}"}
    )

    assert response.status_code == 401
    assert accounts.decode_access_token(_signed("2147483647", TEST_SECRET), secret=TEST_SECRET).account_id == 2**31 - 1


# ------------------------------------------------------------------ the development secret (M8)


def test_the_old_public_development_secret_is_refused_outside_demo_mode(settings: Settings, engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="GUILU_SECRET_KEY is the public development secret"):
        create_app(settings.model_copy(update={"secret_key": DEVELOPMENT_SECRET, "demo": False}), engine)


def test_a_demo_app_signs_with_a_secret_of_its_own_and_refuses_the_public_one(
    settings: Settings, engine: Engine
) -> None:
    # given: demo settings without GUILU_SECRET_KEY, as `guilu serve --demo` is started by hand
    demo = settings.model_copy(update={"secret_key": None, "demo": True})
    forged = _signed("1", DEVELOPMENT_SECRET)

    # when
    with TestClient(create_app(demo, engine)) as first, TestClient(create_app(demo, engine)) as second:
        token = first.post(
            "/graphql", json={"query": LOG_IN, "variables": {"email": "admin@demo.guilu", "password": "guilu-demo"}}
        ).json()["data"]["logIn"]["token"]
        forged_answer = first.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {forged}"})
        other_app = second.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"})

    # then
    assert demo.signing_secret() != DEVELOPMENT_SECRET and len(demo.signing_secret()) >= 32
    assert forged_answer.status_code == 401
    assert other_app.json()["data"]["me"] == {"email": "admin@demo.guilu"}
    with pytest.raises(RuntimeError, match="public development secret"):
        create_app(demo.model_copy(update={"secret_key": DEVELOPMENT_SECRET}), engine)


# ------------------------------------------------------------------ e-mail addresses (L2)

# Each is refused by signUp with INVALID on field `email`, and no account is stored.
BAD_EMAILS = [
    "admin@demo.guilu\u0000",
    "ad\u0000min@demo.guilu",
    "\u0000@\u0000.\u0000",
    "admin@demo.guilu\u200b",
    "admin\u200d@demo.guilu",
    "admin@demo.guilu\u202e",
    "\u202eadmin@demo.guilu",
    "admin\u00ad@demo.guilu",
    "\u0430dmin@demo.guilu",  # Cyrillic а in the local part: local parts are ASCII
    "x@y.z<script>",
    "<b>x</b>@example.com",
    'x"y@example.com',
    '"quoted"@example.com',
    "a&b@example.com",
    "new user@example.com",
    "new\tuser@example.com",
    "user@exa mple.com",
    "user@localhost",
    "user@-example.com",
    "user@example-.com",
    "user@exa_mple.com",
    "user@example..com",
    ".user@example.com",
    "user.@example.com",
    "us..er@example.com",
    "user@@example.com",
    "user@☃.com",  # not IDNA 2008
    "user@example.com.",
    "a" * 65 + "@example.com",
    "user@" + "a" * 64 + ".com",
]


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text)


def _top_level_codes(api: Api, query: str, variables: dict[str, Any]) -> list[str]:
    response = api.post(query, variables, None)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None, body
    return [e["extensions"]["code"] for e in body["errors"]]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_sign_up_refuses_a_malformed_or_disguised_address(
    client_from: Callable[..., Api], engine: Engine, email: str
) -> None:
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(Account)).one()

    api = client_from()
    if _has_control_character(email):
        # refused before any resolver runs, as in every string argument
        assert _top_level_codes(api, SIGN_UP, {"email": email, "password": PASSWORD}) == ["BAD_USER_INPUT"]
    else:
        payload = api.data(SIGN_UP, {"email": email, "password": PASSWORD})["signUp"]
        assert payload["token"] is None
        assert _codes(payload) == [("email", "INVALID")], payload
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Account)).one() == before


def test_an_address_is_stored_in_nfkc_lower_case_with_an_ascii_domain(
    client_from: Callable[..., Api], engine: Engine
) -> None:
    # given: full-width letters, upper case and an internationalised domain
    local = unique_email("ｗｉｄｅ").partition("@")[0]

    # when
    payload = client_from().data(SIGN_UP, {"email": f"  {local.upper()}@Bücher.Example ", "password": PASSWORD})

    # then
    token = payload["signUp"]["token"]
    assert token, payload
    stored = client_from().data(ME, token=token)["me"]["email"]
    assert stored == f"{local.replace('ｗｉｄｅ', 'wide')}@xn--bcher-kva.example"


@pytest.mark.parametrize(
    "look_alike",
    [
        "admin@d\u0435mo.guilu",  # Cyrillic е
        "admin@dem\u03bf.guilu",  # Greek ο
        "admin@xn--dmo-rdd.guilu",  # the same Cyrillic е, typed as its A-label
        "ＡＤＭＩＮ@demo.guilu",  # full-width: NFKC makes it the admin's own address
    ],
)
def test_sign_up_refuses_a_look_alike_of_an_existing_address(
    client_from: Callable[..., Api], engine: Engine, look_alike: str
) -> None:
    payload = client_from().data(SIGN_UP, {"email": look_alike, "password": PASSWORD})["signUp"]

    assert payload["token"] is None
    assert _codes(payload) == [("email", "DUPLICATE")], payload
    with Session(engine) as session:
        assert session.exec(select(Account).where(col(Account.email).like("admin@%"))).all()[0].email == (
            "admin@demo.guilu"
        )
        assert len(session.exec(select(Account).where(col(Account.email).like("admin@%"))).all()) == 1


@pytest.mark.parametrize("email", ["admin@demo.guilu\u0000", "\u0430dmin@demo.guilu", "ad\u0000min@demo.guilu", ""])
def test_log_in_with_a_malformed_address_reads_as_wrong_credentials(
    client_from: Callable[..., Api], email: str
) -> None:
    api = client_from()
    if _has_control_character(email):
        assert _top_level_codes(api, LOG_IN, {"email": email, "password": "guilu-demo"}) == ["BAD_USER_INPUT"]
        return
    payload = api.log_in(email, "guilu-demo")

    assert payload["token"] is None
    assert _codes(payload) == [(None, "INVALID_CREDENTIALS")]


def test_log_in_finds_the_account_by_its_normalised_address(client_from: Callable[..., Api]) -> None:
    payload = client_from().log_in(" ＡＤＭＩＮ@Demo.Guilu ", "guilu-demo")

    assert payload["account"] == {"email": "admin@demo.guilu"}


def test_create_user_applies_the_address_rules_too(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(ServiceError) as refused:
        accounts.create_account(session, email="ops@demo.guilu\u200b", password=PASSWORD, role="admin")

    assert (refused.value.field, refused.value.code) == ("email", ErrorCode.INVALID)


PROFILE_EMAIL = """
mutation($input: TalentInput!) { createTalentProfile(input: $input) { talent { email } userErrors { field code } } }
"""
CAMPAIGN = """
mutation($input: CampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { code } } }
"""
INVITE_OUTSIDE = """
mutation($campaignId: ID!, $person: OutsidePersonInput!) {
  inviteOutsidePerson(campaignId: $campaignId, person: $person) { invitation { email } userErrors { field code } }
}
"""


@pytest.mark.parametrize("email", ["x@y.z<script>", "ruoxi@example.net\u200b", "ruoxi@exam\u0440le.net\u202e"])
def test_profiles_and_invitations_apply_the_address_rules(
    client_from: Callable[..., Api],
    engine: Engine,
    new_enterprise: Callable[..., dict[str, Any]],
    log_in_as: Callable[[str, str], Any],
    email: str,
) -> None:
    # given: a talent account without a profile, and a headhunter with a campaign
    api = client_from()
    talent_token = _signed_up(api, unique_email("profile"))["token"]
    hunter_email = unique_email("hunter")
    firm = new_enterprise(industryChain="TRADE_LOGISTICS")
    with Session(engine) as session:
        accounts.create_account(
            session,
            email=hunter_email,
            password=PASSWORD,
            role="headhunter",
            enterprise_id=decode_id_of(firm["id"], "Enterprise"),
        )
        session.commit()
    hunter = log_in_as(hunter_email, PASSWORD)
    today = datetime.now(UTC).date()
    campaign = hunter.execute(
        CAMPAIGN,
        {
            "input": {
                "name": f"L2 {email!r}",
                "startsOn": today.isoformat(),
                "endsOn": (today + timedelta(days=9)).isoformat(),
            }
        },
    )["data"]["createCampaign"]["campaign"]["id"]

    # when
    profile = api.data(PROFILE_EMAIL, {"input": {"nameEn": "Probe", "email": email}}, token=talent_token)
    invitation = hunter.execute(INVITE_OUTSIDE, {"campaignId": campaign, "person": {"nameEn": "Probe", "email": email}})

    # then
    assert profile["createTalentProfile"] == {"talent": None, "userErrors": [{"field": "email", "code": "INVALID"}]}
    assert invitation["data"]["inviteOutsidePerson"] == {
        "invitation": None,
        "userErrors": [{"field": "email", "code": "INVALID"}],
    }


def test_a_profile_address_is_stored_normalised(client_from: Callable[..., Api]) -> None:
    api = client_from()
    token = _signed_up(api, unique_email("profile"))["token"]

    payload = api.data(PROFILE_EMAIL, {"input": {"nameEn": "Probe", "email": " Ruoxi@Bücher.Example "}}, token=token)

    assert payload["createTalentProfile"]["talent"] == {"email": "ruoxi@xn--bcher-kva.example"}
