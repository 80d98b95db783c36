"""E-mail verification by a one-time code, over HTTP, with a real SMTP server (aiosmtpd) in the test process.

The app under test sends through ``GUILU_SMTP_URL=smtp://user:pass@127.0.0.1:<port>``; each test reads the
messages the server received, takes the code from the text and types it back as a user would.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.models import Account, EmailVerification
from api.timeutil import utcnow
from tests.api.conftest import HeadhunterAccount, unique_email

PASSWORD = "a-sturdy-passphrase"
SMTP_USER, SMTP_PASSWORD = "guilu", "smtp-secret"

SIGN_UP = """
mutation SignUp($email: String!, $password: String!) {
  signUp(email: $email, password: $password) { token account { email emailVerified } userErrors { field code } }
}
"""
REQUEST = """
mutation { requestEmailVerification { account { emailVerified } userErrors { field message code } } }
"""
VERIFY = """
mutation Verify($code: String!) {
  verifyEmail(code: $code) { account { email emailVerified } userErrors { field message code } }
}
"""
ME = "{ me { email emailVerified } }"

_addresses = itertools.count(1)


@dataclass
class Inbox:
    """What the SMTP server received: (envelope sender, recipients, message), oldest first."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for _, recipients, message in self.received if recipients == [address]]

    def code_for(self, address: str) -> str:
        """The code of the newest message to ``address``."""
        text = self.to(address)[-1].get_content()
        found = re.findall(r"\b\d{8}\b", text)
        assert found, text
        return str(found[0])


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def mail_settings(settings: Settings, smtp_server: tuple[Inbox, int]) -> Settings:
    _, port = smtp_server
    return settings.model_copy(
        update={
            "smtp_url": SecretStr(f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}"),
            "mail_from": "Guilu <noreply@guilu.test>",
            "email_codes_per_hour": 3,
        }
    )


class Api:
    """GraphQL over HTTP from a client address of its own, to an app of the given settings."""

    def __init__(self, http: TestClient) -> None:
        self.http = http

    def data(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api_for(engine: Engine) -> Iterator[Callable[[Settings], Api]]:
    opened: list[TestClient] = []

    def make(app_settings: Settings) -> Api:
        http = TestClient(create_app(app_settings, engine), client=(f"203.0.113.{next(_addresses)}", 50000))
        opened.append(http)
        return Api(http)

    yield make
    for http in opened:
        http.close()


@pytest.fixture
def api(api_for: Callable[[Settings], Api], mail_settings: Settings) -> Api:
    return api_for(mail_settings)


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    return smtp_server[0]


def _sign_up(api: Api, email: str) -> str:
    payload = api.data(SIGN_UP, {"email": email, "password": PASSWORD})["data"]["signUp"]
    assert payload["userErrors"] == [], payload
    token: str = payload["token"]
    return token


def _codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["userErrors"]]


def _verify(api: Api, token: str, code: str) -> dict[str, Any]:
    payload: dict[str, Any] = api.data(VERIFY, {"code": code}, token)["data"]["verifyEmail"]
    return payload


def _verified(api: Api, token: str) -> bool:
    return bool(api.data(ME, token=token)["data"]["me"]["emailVerified"])


def _latest_code_row(engine: Engine, email: str) -> EmailVerification:
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.email == email)).one()
        row = session.exec(
            select(EmailVerification)
            .where(EmailVerification.account_id == account.id)
            .order_by(col(EmailVerification.id).desc())
        ).first()
        assert row is not None
        return row


# ------------------------------------------------------------------ the happy path


def test_sign_up_mails_a_code_that_verifies_the_address(api: Api, inbox: Inbox, engine: Engine) -> None:
    # given
    email = unique_email("verify")
    signed_up = api.data(SIGN_UP, {"email": email, "password": PASSWORD})["data"]["signUp"]
    token = signed_up["token"]

    # when: the user reads the mail and types the code
    [message] = inbox.to(email)
    code = inbox.code_for(email)
    before = _verified(api, token)
    payload = _verify(api, token, code)

    # then
    assert signed_up["account"] == {"email": email, "emailVerified": False}
    assert before is False
    assert payload == {"account": {"email": email, "emailVerified": True}, "userErrors": []}
    assert _verified(api, token) is True
    assert message["To"] == email and message["From"] == "Guilu <noreply@guilu.test>"
    text = message.get_content()
    assert "验证码" in text and "verification code" in text and "30" in text
    row = _latest_code_row(engine, email)
    assert row.used_at is not None and row.email == email
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash != hashlib.sha256(code.encode()).hexdigest()  # salted with the account and address


def test_a_code_is_typed_with_spaces_or_a_hyphen(api: Api, inbox: Inbox) -> None:
    email = unique_email("typed")
    token = _sign_up(api, email)
    code = inbox.code_for(email)

    payload = _verify(api, token, f" {code[:4]} - {code[4:]} ")

    assert payload["userErrors"] == [] and payload["account"]["emailVerified"] is True


# ------------------------------------------------------------------ refusals


def test_a_wrong_code_counts_and_the_fifth_kills_the_code(api: Api, inbox: Inbox, engine: Engine) -> None:
    # given
    email = unique_email("wrong")
    token = _sign_up(api, email)
    code = inbox.code_for(email)
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    # when
    refusals = [_verify(api, token, wrong) for _ in range(5)]
    right_too_late = _verify(api, token, code)

    # then
    assert all(_codes(refusal) == [("code", "INVALID")] for refusal in refusals), refusals
    assert "4 tries left" in refusals[0]["userErrors"][0]["message"]
    assert _codes(right_too_late) == [("code", "TOO_MANY_ATTEMPTS")]
    assert right_too_late["account"] is None
    assert _verified(api, token) is False
    assert _latest_code_row(engine, email).attempts == 5


def test_a_malformed_code_is_refused_without_counting(api: Api, inbox: Inbox, engine: Engine) -> None:
    email = unique_email("malformed")
    token = _sign_up(api, email)

    answers = [_verify(api, token, code) for code in ("", "1234567", "123456789", "abcdefgh")]
    with_nul = api.data(VERIFY, {"code": "1234\u00005678"}, token)

    assert all(_codes(answer) == [("code", "INVALID")] for answer in answers)
    # a control character is refused before the mutation runs, as in every string argument
    assert [e["extensions"]["code"] for e in with_nul["errors"]] == ["BAD_USER_INPUT"], with_nul
    assert _latest_code_row(engine, email).attempts == 0
    assert _verify(api, token, inbox.code_for(email))["account"]["emailVerified"] is True


def test_an_expired_code_is_refused(api: Api, inbox: Inbox, engine: Engine) -> None:
    # given: the code's 30 minutes are over
    email = unique_email("expired")
    token = _sign_up(api, email)
    code = inbox.code_for(email)
    with Session(engine) as session:
        row = session.get(EmailVerification, _latest_code_row(engine, email).id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()

    # when
    payload = _verify(api, token, code)

    # then
    assert _codes(payload) == [("code", "INVALID")]
    assert "expired" in payload["userErrors"][0]["message"]
    assert _verified(api, token) is False


def test_a_used_code_does_not_work_twice(api: Api, inbox: Inbox) -> None:
    email = unique_email("reused")
    token = _sign_up(api, email)
    code = inbox.code_for(email)
    assert _verify(api, token, code)["userErrors"] == []

    again = _verify(api, token, code)

    assert _codes(again) == [(None, "INVALID_TRANSITION")]
    assert _codes(api.data(REQUEST, token=token)["data"]["requestEmailVerification"]) == [(None, "INVALID_TRANSITION")]


def test_the_code_of_another_account_does_not_verify(api: Api, inbox: Inbox) -> None:
    # given
    victim, attacker = unique_email("victim"), unique_email("attacker")
    _sign_up(api, victim)
    attacker_token = _sign_up(api, attacker)

    # when
    payload = _verify(api, attacker_token, inbox.code_for(victim))

    # then
    assert _codes(payload) == [("code", "INVALID")]
    assert _verified(api, attacker_token) is False


def test_a_new_code_replaces_the_last_and_codes_are_limited_per_hour(api: Api, inbox: Inbox) -> None:
    # given: the app allows 3 codes per account per hour; sign-up sent the first
    email = unique_email("throttle")
    token = _sign_up(api, email)
    first = inbox.code_for(email)

    # when
    asked = [api.data(REQUEST, token=token)["data"]["requestEmailVerification"] for _ in range(3)]
    newest = inbox.code_for(email)

    # then
    assert [_codes(answer) for answer in asked] == [[], [], [(None, "TOO_MANY_ATTEMPTS")]]
    assert asked[0]["account"] == {"emailVerified": False}
    assert len(inbox.to(email)) == 3
    if first != newest:
        assert _codes(_verify(api, token, first)) == [("code", "INVALID")]
    assert _verify(api, token, newest)["account"]["emailVerified"] is True


def test_anonymous_callers_are_told_to_log_in(api: Api) -> None:
    for operation, variables in ((REQUEST, None), (VERIFY, {"code": "12345678"})):
        body = api.data(operation, variables)

        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_demo_accounts_count_as_verified(api: Api) -> None:
    token = api.data('mutation { logIn(email: "talent@demo.guilu", password: "guilu-demo") { token } }')["data"][
        "logIn"
    ]["token"]

    assert _verified(api, token) is True


# ------------------------------------------------------------------ without a mail server


def test_outside_demo_mode_without_a_mail_server_sign_up_works_and_asking_says_why(
    api_for: Callable[[Settings], Api], settings: Settings, engine: Engine
) -> None:
    # given: no GUILU_SMTP_URL, not in demo mode
    api = api_for(settings.model_copy(update={"smtp_url": None}))
    email = unique_email("nomail")

    # when
    token = _sign_up(api, email)
    asked = api.data(REQUEST, token=token)["data"]["requestEmailVerification"]

    # then
    assert _codes(asked) == [(None, "MAIL_UNAVAILABLE")]
    assert "GUILU_SMTP_URL" in asked["userErrors"][0]["message"]
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.email == email)).one()
        assert session.exec(select(EmailVerification).where(EmailVerification.account_id == account.id)).all() == []


def test_an_unreachable_or_refusing_mail_server_is_a_user_error_and_costs_no_code(
    api_for: Callable[[Settings], Api], mail_settings: Settings, smtp_server: tuple[Inbox, int], engine: Engine
) -> None:
    _, port = smtp_server
    for url in (f"smtp://127.0.0.1:{_free_port()}", f"smtp://{SMTP_USER}:wrong@127.0.0.1:{port}"):
        # given
        api = api_for(mail_settings.model_copy(update={"smtp_url": SecretStr(url)}))
        email = unique_email("down")
        token = _sign_up(api, email)

        # when
        asked = [api.data(REQUEST, token=token)["data"]["requestEmailVerification"] for _ in range(4)]

        # then: never TOO_MANY_ATTEMPTS, since no code went out
        assert all(_codes(answer) == [(None, "MAIL_UNAVAILABLE")] for answer in asked), asked
        with Session(engine) as session:
            account = session.exec(select(Account).where(Account.email == email)).one()
            assert not session.exec(select(EmailVerification).where(EmailVerification.account_id == account.id)).all()


def test_demo_mode_without_a_mail_server_logs_the_message(
    api_for: Callable[[Settings], Api], settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    api = api_for(settings.model_copy(update={"smtp_url": None, "demo": True}))
    email = unique_email("demo")

    with caplog.at_level(logging.WARNING, logger="guilu"):
        token = _sign_up(api, email)
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "guilu")
    code = re.findall(r"\b\d{8}\b", logged)[0]

    assert email in logged and "验证码" in logged
    assert _verify(api, token, code)["account"]["emailVerified"] is True


@pytest.mark.parametrize(
    "url", ["http://mail.example", "smtp://", "smtp://mail.example:notaport", "smtp://mail.example/path"]
)
def test_a_malformed_smtp_url_is_refused_with_the_settings(url: str) -> None:
    with pytest.raises(ValidationError, match="GUILU_SMTP_URL"):
        Settings(secret_key="x" * 32, smtp_url=SecretStr(url))


def test_the_smtp_url_is_kept_secret_in_the_settings_repr(mail_settings: Settings) -> None:
    assert SMTP_PASSWORD not in repr(mail_settings)


# ------------------------------------------------------------------ what waits for a proved address

CREATE_PROFILE = """
mutation($input: TalentInput!) { createTalentProfile(input: $input) { talent { id } userErrors { code } } }
"""
CREATE_CAMPAIGN = """
mutation($input: CampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { message } } }
"""
INVITE_OUTSIDE = """
mutation($campaignId: ID!, $person: OutsidePersonInput!) {
  inviteOutsidePerson(campaignId: $campaignId, person: $person) { invitation { id } userErrors { message } }
}
"""
SEND = "mutation($id: ID!) { sendInvitation(id: $id) { invitation { status } userErrors { code } } }"
MY_INVITATIONS = "{ myInvitations { id status nameEn } }"


def _sent_outside_invitation(firm: HeadhunterAccount, person: dict[str, Any]) -> str:
    """``firm`` invites ``person`` (an outside person, by e-mail) in a new campaign and sends the invitation."""
    today = utcnow().date()
    campaign = {"name": "验证后关联", "startsOn": today.isoformat(), "endsOn": (today + timedelta(days=30)).isoformat()}
    campaign_id = firm.api.execute(CREATE_CAMPAIGN, {"input": campaign})["data"]["createCampaign"]["campaign"]["id"]
    invited = firm.api.execute(INVITE_OUTSIDE, {"campaignId": campaign_id, "person": person})["data"]
    invitation_id: str = invited["inviteOutsidePerson"]["invitation"]["id"]
    assert firm.api.execute(SEND, {"id": invitation_id})["data"]["sendInvitation"]["invitation"]["status"] == "SENT"
    return invitation_id


def test_an_invitation_reaches_its_invitee_once_they_prove_the_address_with_the_mailed_code(
    api: Api, inbox: Inbox, new_headhunter: Callable[[], HeadhunterAccount]
) -> None:
    # given: a firm invited an outside person at an address, and an impostor declares that address in a profile
    address = unique_email("invitee")
    invitation_id = _sent_outside_invitation(
        new_headhunter(), {"nameEn": "Ruoxi Zhang", "nameZh": "张若曦", "email": address}
    )
    impostor = _sign_up(api, unique_email("impostor"))
    api.data(CREATE_PROFILE, {"input": {"nameZh": "张若曦", "nameEn": "Ruoxi Zhang", "email": address}}, impostor)
    assert _verify(api, impostor, inbox.code_for(_email_of(api, impostor)))["account"]["emailVerified"] is True

    # when: the invitee signs up at that address and makes a profile, before proving it
    invitee = _sign_up(api, address)
    api.data(CREATE_PROFILE, {"input": {"nameZh": "张若曦", "nameEn": "Ruoxi Zhang", "email": address}}, invitee)
    before = api.data(MY_INVITATIONS, token=invitee)["data"]["myInvitations"]

    # and then types the code mailed to that address
    verified = _verify(api, invitee, inbox.code_for(address))

    # then: nothing was linked before; the invitation is theirs after, and never the impostor's
    assert before == []
    assert verified["account"]["emailVerified"] is True
    after = api.data(MY_INVITATIONS, token=invitee)["data"]["myInvitations"]
    assert [(i["id"], i["status"]) for i in after] == [(invitation_id, "SENT")]
    assert api.data(MY_INVITATIONS, token=impostor)["data"]["myInvitations"] == []


def _email_of(api: Api, token: str) -> str:
    email: str = api.data(ME, token=token)["data"]["me"]["email"]
    return email
