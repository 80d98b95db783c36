"""Privacy of campaigns and invitations, and linking only on a proved address (issue #13: H1, H2, H3, M1, M7).

Each test makes its own firm, campaign and people (unique e-mails and phones), so the demo data and other
tests never link to them.  Invitees whose profile should be found by no search are hidden (not discoverable).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import session_scope
from api.graphql.ids import decode_id_of
from api.models import Account, IdentityLink, Invitation
from api.services import identity
from api.services.talents import mask_email, mask_phone
from api.timeutil import utcnow
from tests.api.conftest import HeadhunterAccount, TalentAccount
from tests.conftest import GraphQLClient

PASSWORD = "correct-horse-battery"

CREATE_CAMPAIGN = """
mutation($input: CampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { message } } }
"""
INVITATION = "id status nameZh email phone talent { id nameZh }"
INVITE_TALENT = f"""
mutation($campaignId: ID!, $talentId: ID!) {{
  inviteTalent(campaignId: $campaignId, talentId: $talentId) {{
    invitation {{ {INVITATION} }} userErrors {{ field message code }}
  }}
}}
"""
INVITE_OUTSIDE = f"""
mutation($campaignId: ID!, $person: OutsidePersonInput!) {{
  inviteOutsidePerson(campaignId: $campaignId, person: $person) {{
    invitation {{ {INVITATION} }} userErrors {{ field message code }}
  }}
}}
"""
SEND = "mutation($id: ID!) { sendInvitation(id: $id) { invitation { status } userErrors { code } } }"
RESPOND = f"""
mutation($id: ID!, $accept: Boolean!) {{
  respondToInvitation(id: $id, accept: $accept) {{ invitation {{ {INVITATION} }} userErrors {{ code message }} }}
}}
"""
IMPORT = f"""
mutation($campaignId: ID!, $content: String!) {{
  importInvitations(campaignId: $campaignId, content: $content) {{
    accepted unchanged refused rows {{ line outcome message invitation {{ {INVITATION} }} }}
    userErrors {{ field message code }}
  }}
}}
"""
CAMPAIGN_INVITATIONS = f"""
query($id: ID!) {{ campaign(id: $id) {{ invitations(first: 100) {{ nodes {{ {INVITATION} }} }} }} }}
"""
NODE_INVITATION = f"""
query($id: ID!) {{ node(id: $id) {{ ... on Invitation {{ {INVITATION} }} }} }}
"""
SUGGEST = """
query($campaignId: ID!) { suggestInvitees(campaignId: $campaignId, first: 100) { nodes { talent { id email phone } } } }
"""
MY_INVITATIONS = f"{{ myInvitations {{ {INVITATION} campaign {{ name startsOn endsOn }} }} }}"
REVIEW_QUEUE = """
{ identityReviewQueue(first: 100) { nodes { id score left { id } right { id } } } }
"""
CONFIRM = "mutation($id: ID!) { confirmIdentity(id: $id) { identityLink { status } userErrors { code } } }"


def _tag() -> str:
    return uuid.uuid4().hex[:10]


def _phone() -> str:
    return f"+86 139 {uuid.uuid4().int % 10**8:08d}"


@pytest.fixture(scope="module")
def new_person(talent_at: Callable[..., TalentAccount]) -> Callable[..., TalentAccount]:
    """A talent at ``email`` (a fresh address by default), proved when ``verified``."""

    def make(email: str | None = None, *, verified: bool = False, **profile: Any) -> TalentAccount:
        address = email or f"person-{_tag()}@example.org"
        return talent_at(address, verified=verified, **{"nameEn": "Test Person", **profile})

    return make


def _campaign(firm: HeadhunterAccount) -> str:
    today = date.today()
    campaign_input = {
        "name": f"信任 {_tag()}",
        "startsOn": (today - timedelta(days=1)).isoformat(),
        "endsOn": (today + timedelta(days=30)).isoformat(),
    }
    payload = firm.api.execute(CREATE_CAMPAIGN, {"input": campaign_input})["data"]["createCampaign"]
    assert payload["userErrors"] == [], payload
    campaign_id: str = payload["campaign"]["id"]
    return campaign_id


def _invite(firm: HeadhunterAccount, campaign_id: str, **person: Any) -> dict[str, Any]:
    payload: dict[str, Any] = firm.api.execute(INVITE_OUTSIDE, {"campaignId": campaign_id, "person": person})["data"][
        "inviteOutsidePerson"
    ]
    assert payload["userErrors"] == [], payload
    invitation: dict[str, Any] = payload["invitation"]
    return invitation


def _send(firm: HeadhunterAccount, invitation_id: str) -> None:
    sent = firm.api.execute(SEND, {"id": invitation_id})["data"]["sendInvitation"]
    assert sent["invitation"]["status"] == "SENT", sent


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def _pending_links(admin_api_client: Any, invitation_id: str) -> list[dict[str, Any]]:
    nodes = admin_api_client.execute(REVIEW_QUEUE)["data"]["identityReviewQueue"]["nodes"]
    return [n for n in nodes if n["left"]["id"] == invitation_id]


# ------------------------------------------------------------------ H1


@pytest.mark.parametrize(
    "field",
    [
        "invitations(first: 5) { nodes { email phone nameZh } }",
        "funnel { invited }",
        "criteria { skills }",
        "quota",
    ],
)
def test_an_invited_talent_reads_the_campaign_name_and_dates_but_nothing_inside(
    field: str, new_headhunter: Callable[[], HeadhunterAccount], new_person: Callable[..., TalentAccount]
) -> None:
    # given a campaign with a registered invitee and an outside invitee, both sent
    firm = new_headhunter()
    campaign_id = _campaign(firm)
    invitee = new_person(nameZh="甲测试", discoverable=True)
    mine = firm.api.execute(INVITE_TALENT, {"campaignId": campaign_id, "talentId": invitee.talent_id})
    mine_id = mine["data"]["inviteTalent"]["invitation"]["id"]
    other_email, other_phone = f"other.{_tag()}@example.net", _phone()
    other = _invite(firm, campaign_id, nameZh="乙测试", email=other_email, phone=other_phone)
    _send(firm, mine_id)
    _send(firm, other["id"])

    # when the registered invitee reaches the campaign through each path an invitation offers
    paths = [
        f"{{ myInvitations {{ campaign {{ name {field} }} }} }}",
        f'{{ node(id: "{mine_id}") {{ ... on Invitation {{ campaign {{ name {field} }} }} }} }}',
        f'{{ node(id: "{campaign_id}") {{ ... on Campaign {{ name {field} }} }} }}',
    ]
    for query in paths:
        body = invitee.api.execute(query)

        # then the campaign-internal field is refused, and the other invitee's data never comes back
        assert _codes(body) == ["FORBIDDEN"], (query, body)
        text = json.dumps(body, ensure_ascii=False)
        assert other_email not in text and other_phone not in text and "乙测试" not in text, body

    # and the name and dates stay readable to the invitee
    seen = invitee.api.execute(MY_INVITATIONS)["data"]["myInvitations"]
    assert [(m["id"], set(m["campaign"])) for m in seen] == [(mine_id, {"name", "startsOn", "endsOn"})]
    assert all(seen[0]["campaign"].values())


# ------------------------------------------------------------------ H2


def test_inviting_a_talent_shows_their_contact_masked_until_they_accept(
    new_headhunter: Callable[[], HeadhunterAccount], new_person: Callable[..., TalentAccount]
) -> None:
    # given a discoverable talent with an e-mail and a phone in the profile
    firm = new_headhunter()
    campaign_id = _campaign(firm)
    email, phone = f"harvest.{_tag()}@example.org", _phone()
    talent = new_person(nameZh="丙测试", email=email, phone=phone, discoverable=True)

    # when a firm invites them, then reads the invitation every way it can
    invited = firm.api.execute(INVITE_TALENT, {"campaignId": campaign_id, "talentId": talent.talent_id})
    invitation = invited["data"]["inviteTalent"]["invitation"]
    listed = firm.api.execute(CAMPAIGN_INVITATIONS, {"id": campaign_id})["data"]["campaign"]["invitations"]["nodes"]
    by_node = firm.api.execute(NODE_INVITATION, {"id": invitation["id"]})["data"]["node"]
    suggested = firm.api.execute(SUGGEST, {"campaignId": _campaign(firm)})

    # then the contact data is masked in each answer, as the profile's rule has it
    for seen in (invitation, listed[0], by_node):
        assert (seen["email"], seen["phone"]) == (mask_email(email), mask_phone(phone)), seen
    text = json.dumps([invited, listed, by_node, suggested], ensure_ascii=False)
    assert email not in text and phone not in text

    # when the talent accepts, then the inviting firm reads it in full
    _send(firm, invitation["id"])
    answered = talent.api.execute(RESPOND, {"id": invitation["id"], "accept": True})["data"]["respondToInvitation"]
    assert answered["invitation"]["status"] == "ACCEPTED", answered
    after = firm.api.execute(NODE_INVITATION, {"id": invitation["id"]})["data"]["node"]
    assert (after["email"], after["phone"]) == (email, phone)


def test_the_contact_data_a_firm_typed_stays_readable_to_it(new_headhunter: Callable[[], HeadhunterAccount]) -> None:
    # given a firm that invites an outside person and imports another
    firm = new_headhunter()
    campaign_id = _campaign(firm)
    email, phone = f"typed.{_tag()}@example.net", _phone()
    invited = _invite(firm, campaign_id, nameEn="Typed Person", email=email, phone=phone)
    imported_email = f"imported.{_tag()}@example.net"
    content = f"name_en,email\nImported Person,{imported_email}\n"
    report = firm.api.execute(IMPORT, {"campaignId": campaign_id, "content": content})["data"]["importInvitations"]

    # then it reads back what it typed
    assert (invited["email"], invited["phone"]) == (email, phone)
    assert report["rows"][0]["invitation"]["email"] == imported_email, report


# ------------------------------------------------------------------ H3


@pytest.mark.parametrize("discoverable", [True, False])
def test_a_profile_declaring_an_invitees_email_does_not_get_their_invitation(
    discoverable: bool,
    new_headhunter: Callable[[], HeadhunterAccount],
    new_person: Callable[..., TalentAccount],
    admin_api_client: Any,
    engine: Engine,
) -> None:
    # given an outside person invited (and sent) at their own address
    firm = new_headhunter()
    victim_email, victim_phone = f"ruoxi.{_tag()}@example.net", _phone()
    invitation = _invite(firm, _campaign(firm), nameZh="张若测", nameEn="Ruoce Zhang", email=victim_email)
    _send(firm, invitation["id"])

    # when a stranger signs up at another address and writes the invitee's name, e-mail and phone in a profile
    mallory = new_person(
        nameZh="张若测", nameEn="Ruoce Zhang", email=victim_email, phone=victim_phone, discoverable=discoverable
    )

    # then the invitation does not show up for the stranger, who cannot answer it
    assert mallory.api.execute(MY_INVITATIONS)["data"]["myInvitations"] == []
    answer = mallory.api.execute(RESPOND, {"id": invitation["id"], "accept": True})["data"]["respondToInvitation"]
    assert answer["invitation"] is None and [e["code"] for e in answer["userErrors"]] == ["FORBIDDEN"], answer
    with session_scope(engine) as session:
        row = session.get(Invitation, decode_id_of(invitation["id"], "Invitation"))
        assert row is not None and row.talent_id is None and row.status == "sent"
    # and the look-alike waits for an admin instead
    assert [n["right"]["id"] for n in _pending_links(admin_api_client, invitation["id"])] == [mallory.talent_id]


def test_a_phone_or_name_match_is_queued_for_an_admin_not_linked(
    new_headhunter: Callable[[], HeadhunterAccount], new_person: Callable[..., TalentAccount], admin_api_client: Any
) -> None:
    # given a registered, discoverable talent with a phone (and an address they proved)
    phone = _phone()
    talent = new_person(nameZh="丁测试", nameEn="Ceshi Ding", phone=phone, verified=True, discoverable=True)
    firm = new_headhunter()

    # when a firm invites "Ding Ceshi" at that phone and another address
    invitation = _invite(firm, _campaign(firm), nameEn="Ding Ceshi", phone=phone, email=f"d.{_tag()}@example.net")

    # then it stays an outside invitation, proposed to an admin with a linking score
    assert invitation["talent"] is None
    [link] = _pending_links(admin_api_client, invitation["id"])
    assert link["right"]["id"] == talent.talent_id and link["score"] >= 90


def test_an_invitation_at_the_address_a_talent_proved_is_linked(
    new_headhunter: Callable[[], HeadhunterAccount], new_person: Callable[..., TalentAccount]
) -> None:
    # given a discoverable talent who proved their address
    address = f"proved.{_tag()}@example.org"
    talent = new_person(address, verified=True, nameZh="戊测试", nameEn="Ceshi Wu", discoverable=True)
    firm = new_headhunter()

    # when a firm invites them at that address, in capitals
    invitation = _invite(firm, _campaign(firm), nameEn="WU Ceshi", email=address.upper())
    _send(firm, invitation["id"])

    # then the invitation is theirs, and they can answer it
    assert invitation["talent"] == {"id": talent.talent_id, "nameZh": "戊测试"}
    assert [m["id"] for m in talent.api.execute(MY_INVITATIONS)["data"]["myInvitations"]] == [invitation["id"]]
    answered = talent.api.execute(RESPOND, {"id": invitation["id"], "accept": True})["data"]["respondToInvitation"]
    assert answered["userErrors"] == [], answered


@pytest.mark.parametrize("discoverable", [True, False])
def test_proving_the_address_later_links_the_invitations_sent_there(
    discoverable: bool,
    new_headhunter: Callable[[], HeadhunterAccount],
    new_person: Callable[..., TalentAccount],
    engine: Engine,
) -> None:
    # given an outside person invited at an address, who then registers there without proving it yet
    address = f"later.{_tag()}@example.org"
    firm = new_headhunter()
    invitation = _invite(firm, _campaign(firm), nameZh="己测试", nameEn="Ceshi Ji", email=address)
    _send(firm, invitation["id"])
    person = new_person(address, nameZh="己测试", nameEn="Ceshi Ji", discoverable=discoverable)
    assert person.api.execute(MY_INVITATIONS)["data"]["myInvitations"] == []

    # when the account proves the address
    with session_scope(engine) as session:
        account = session.exec(select(Account).where(Account.email == person.email)).one()
        account.email_verified_at = utcnow()
        session.add(account)
        identity.link_after_verification(session, account)

    # then the invitation is theirs, and they can answer it
    assert [m["id"] for m in person.api.execute(MY_INVITATIONS)["data"]["myInvitations"]] == [invitation["id"]]
    answered = person.api.execute(RESPOND, {"id": invitation["id"], "accept": False})["data"]["respondToInvitation"]
    assert answered["invitation"]["status"] == "DECLINED", answered
    with session_scope(engine) as session:
        links = session.exec(
            select(IdentityLink).where(
                IdentityLink.left_id == decode_id_of(invitation["id"], "Invitation"),
                IdentityLink.right_id == decode_id_of(person.talent_id, "Talent"),
            )
        ).all()
        assert [link.status for link in links] == ["auto"]


def test_an_unproved_account_links_nothing_when_verification_is_asked(
    new_headhunter: Callable[[], HeadhunterAccount], new_person: Callable[..., TalentAccount], engine: Engine
) -> None:
    # given an invitation at an address, and an account there that never proved it
    address = f"unproved.{_tag()}@example.org"
    firm = new_headhunter()
    invitation = _invite(firm, _campaign(firm), nameEn="Ceshi Geng", email=address)
    _send(firm, invitation["id"])
    person = new_person(address, nameEn="Ceshi Geng")

    # when linking after verification is asked for anyway
    with session_scope(engine) as session:
        account = session.exec(select(Account).where(Account.email == person.email)).one()
        identity.link_after_verification(session, account)

    # then nothing is linked
    assert person.api.execute(MY_INVITATIONS)["data"]["myInvitations"] == []


# ------------------------------------------------------------------ M1


def test_inviting_a_hidden_profiles_address_reveals_nothing(
    new_headhunter: Callable[[], HeadhunterAccount], new_person: Callable[..., TalentAccount], admin_api_client: Any
) -> None:
    # given a hidden profile whose owner proved the address, and an address nobody registered
    hidden_address = f"hidden.{_tag()}@example.com"
    hidden = new_person(hidden_address, verified=True, nameZh="林测隐", nameEn="Lim Ceyin", discoverable=False)
    nobody_address = f"nobody.{_tag()}@example.com"
    firm = new_headhunter()
    campaign_id = _campaign(firm)

    # when a firm invites both addresses under the same name, one by one and by import
    person = {"nameEn": "Lim Ceyin"}
    hidden_answer = _invite(firm, campaign_id, **person, email=hidden_address)
    nobody_answer = _invite(firm, campaign_id, nameEn="Lim Ceyin B", email=nobody_address)
    content = f"name_en,email\nLim Ceyin,{hidden_address.upper()}\n"
    imported = firm.api.execute(IMPORT, {"campaignId": _campaign(firm), "content": content})["data"][
        "importInvitations"
    ]

    # then both answers look alike: no profile, no error
    assert hidden_answer["talent"] is None and nobody_answer["talent"] is None
    assert imported["accepted"] == 1 and imported["rows"][0]["invitation"]["talent"] is None, imported
    assert "林测隐" not in json.dumps([hidden_answer, imported], ensure_ascii=False)
    # and an admin is asked to decide
    assert [n["right"]["id"] for n in _pending_links(admin_api_client, hidden_answer["id"])] == [hidden.talent_id]

    # when the admin confirms the link, then the firm still does not see the hidden profile through it
    [link] = _pending_links(admin_api_client, hidden_answer["id"])
    confirmed = admin_api_client.execute(CONFIRM, {"id": link["id"]})["data"]["confirmIdentity"]
    assert confirmed["identityLink"]["status"] == "CONFIRMED", confirmed
    seen = firm.api.execute(NODE_INVITATION, {"id": hidden_answer["id"]})["data"]["node"]
    assert seen["talent"] is None and seen["email"] == hidden_address, seen
    listed = firm.api.execute(CAMPAIGN_INVITATIONS, {"id": campaign_id})["data"]["campaign"]["invitations"]["nodes"]
    assert all(n["talent"] is None for n in listed), listed


# ------------------------------------------------------------------ M7


class _StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1


@pytest.fixture
def statements(engine: Engine) -> Iterator[_StatementCounter]:
    counter = _StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def _rows(count: int) -> str:
    tag = _tag()
    lines = [f"Row{tag}{chr(65 + i % 26)}{i} Person,row.{tag}.{i}@example.net" for i in range(count)]
    return "name_en,email\n" + "\n".join(lines) + "\n"


def test_each_imported_row_costs_the_same_sql_statements(
    new_headhunter: Callable[[], HeadhunterAccount], statements: _StatementCounter
) -> None:
    # given a firm (one import first, so nothing one-off is counted)
    firm = new_headhunter()
    firm.api.execute(IMPORT, {"campaignId": _campaign(firm), "content": _rows(1)})
    counts = {}
    for size in (5, 10, 20):
        campaign_id = _campaign(firm)
        statements.count = 0

        # when it imports files of growing size
        report = firm.api.execute(IMPORT, {"campaignId": campaign_id, "content": _rows(size)})
        counts[size] = statements.count
        assert report["data"]["importInvitations"]["accepted"] == size, report

    # then every row adds the same number of statements
    assert counts[20] - counts[10] == 2 * (counts[10] - counts[5]), counts


def test_the_service_keeps_answering_while_an_import_runs(
    new_headhunter: Callable[[], HeadhunterAccount], client: Any, statements: _StatementCounter
) -> None:
    # given a big file
    firm = new_headhunter()
    campaign_id = _campaign(firm)
    content = _rows(300)
    finished: list[dict[str, Any]] = []
    worker = threading.Thread(
        target=lambda: finished.append(firm.api.execute(IMPORT, {"campaignId": campaign_id, "content": content}))
    )

    # when /healthz is asked once the import is under way
    statements.count = 0
    worker.start()
    while statements.count < 30 and worker.is_alive():
        time.sleep(0.01)
    health = client.get("/healthz")
    at_health = statements.count
    worker.join()

    # then /healthz answered while the import still had work to do (not after it), and the import completed
    assert health.status_code == 200
    assert statements.count - at_health > 100, (at_health, statements.count)
    assert finished[0]["data"]["importInvitations"]["accepted"] == 300, finished


def test_the_demo_campaign_keeps_its_figures(log_in_as: Callable[[str, str], Any]) -> None:
    # given the demo's firm, whose outside invitee 郑浩然 registered at the address he was invited at
    headhunter = log_in_as("headhunter@demo.guilu", "guilu-demo")
    query = (
        "{ campaigns(first: 10) { nodes { name funnel { invited accepted attended withProject registered "
        "applied hired } } } }"
    )

    # when it reads its campaign's funnel
    nodes = headhunter.execute(query)["data"]["campaigns"]["nodes"]

    # then the figures are the article's and the demo's, linking on proved addresses only
    [funnel] = [n["funnel"] for n in nodes if n["name"] == "2024 海归鹭岛 留学博士定向邀请"]
    assert funnel == {
        "invited": 50,
        "accepted": 23,
        "attended": 15,
        "withProject": 21,
        "registered": 37,
        "applied": 29,
        "hired": 4,
    }


def test_an_import_past_the_time_limit_stores_nothing(
    new_headhunter: Callable[[], HeadhunterAccount], settings: Settings, engine: Engine
) -> None:
    # given a server whose operations may take a tenth of a second, and a file that takes longer
    firm = new_headhunter()
    campaign_id = _campaign(firm)
    hurried = settings.model_copy(update={"operation_timeout_seconds": 0.1, "throttle_capacity": 10**9})
    with TestClient(create_app(hurried, engine)) as http:
        api = GraphQLClient(http, firm.api.token)

        # when the file is imported
        body = api.execute(IMPORT, {"campaignId": campaign_id, "content": _rows(300)})

    # then it is stopped with a clear error (the time limit's, or the import's own), and nothing is stored
    payload = (body.get("data") or {}).get("importInvitations")
    if payload is None:
        assert _codes(body) == ["TIMEOUT"], body
    else:
        assert payload["accepted"] == 0 and payload["userErrors"][0]["field"] == "content", payload
        assert "took too long" in payload["userErrors"][0]["message"]
    time.sleep(0.5)  # the worker thread stops at its next row, past the deadline
    with session_scope(engine) as session:
        pk = decode_id_of(campaign_id, "Campaign")
        assert session.exec(select(Invitation.id).where(Invitation.campaign_id == pk)).first() is None
