"""Headhunter campaigns, invitations and identity resolution over GraphQL.

Each test makes its own firm, campaign and talents (unique e-mails, phones and
institutions), so the shared demo data and other tests never link to them.
The extra 卢晨雨 profiles are hidden (not discoverable): other tests expect the
demo's to be the only one a search finds.  An invitation is linked to a profile
automatically only at an address the talent's account proved (``talent_at(...,
verified=True)``); other matches wait for an admin.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import session_scope
from api.demo_headhunting import CAMPAIGN_NAME, INVITED, WITH_PROJECT
from api.graphql.ids import decode_id_of
from api.models import AuditEntry, Invitation
from tests.api.conftest import HeadhunterAccount
from tests.conftest import GraphQLClient

PASSWORD = "correct-horse-battery"

CREATE_CAMPAIGN = """
mutation CreateCampaign($input: CampaignInput!) {
  createCampaign(input: $input) {
    campaign { id name firm { legalName } criteria { minDegree skills countries } quota }
    userErrors { field message code }
  }
}
"""
INVITATION_FIELDS = "id status nameZh nameEn email projectTitle talent { id } firm { legalName }"
INVITE_TALENT = f"""
mutation InviteTalent($campaignId: ID!, $talentId: ID!, $projectTitle: String) {{
  inviteTalent(campaignId: $campaignId, talentId: $talentId, projectTitle: $projectTitle) {{
    invitation {{ {INVITATION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""
INVITE_OUTSIDE = f"""
mutation InviteOutside($campaignId: ID!, $person: OutsidePersonInput!) {{
  inviteOutsidePerson(campaignId: $campaignId, person: $person) {{
    invitation {{ {INVITATION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""
SEND = f"""
mutation Send($id: ID!) {{
  sendInvitation(id: $id) {{ invitation {{ {INVITATION_FIELDS} }} userErrors {{ field message code }} }}
}}
"""
RESPOND = f"""
mutation Respond($id: ID!, $accept: Boolean!) {{
  respondToInvitation(id: $id, accept: $accept) {{
    invitation {{ {INVITATION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""
MARK_ATTENDED = f"""
mutation MarkAttended($id: ID!) {{
  markAttended(id: $id) {{ invitation {{ {INVITATION_FIELDS} }} userErrors {{ field message code }} }}
}}
"""
MY_INVITATIONS = "{ myInvitations { id status campaign { name } firm { legalName } } }"
NODE_TALENT_OF_INVITATION = "query($id: ID!) { node(id: $id) { ... on Invitation { talent { id } } } }"
SUGGEST = """
query Suggest($campaignId: ID!, $first: Int, $after: String) {
  suggestInvitees(campaignId: $campaignId, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { talent { id } score explanation { component contribution detail } matchedSkills { required }
            missingSkills }
  }
}
"""
CAMPAIGN = f"""
query Campaign($id: ID!) {{
  campaign(id: $id) {{
    name
    funnel {{ invited accepted attended withProject registered applied hired }}
    invitations(first: 100) {{ totalCount nodes {{ {INVITATION_FIELDS} }} }}
  }}
}}
"""
REVIEW_QUEUE = """
{ identityReviewQueue(first: 100) {
    nodes { id score status left { kind id displayName } right { kind id displayName }
            evidence { field left right similarity weight note } } } }
"""
CONFIRM = """
mutation Confirm($id: ID!) {
  confirmIdentity(id: $id) { identityLink { id status } userErrors { field message code } }
}
"""
REJECT = """
mutation Reject($id: ID!) {
  rejectIdentity(id: $id) { identityLink { id status } userErrors { field message code } }
}
"""
IMPORT = """
mutation Import($campaignId: ID!, $content: String!) {
  importInvitations(campaignId: $campaignId, content: $content) {
    accepted unchanged refused
    rows { line outcome message invitation { id nameZh } }
    userErrors { field message code }
  }
}
"""
MERGE = """
mutation Merge($keepId: ID!, $mergeId: ID!) {
  mergeTalents(keepId: $keepId, mergeId: $mergeId) {
    talent { id nameZh }
    moved { table count }
    userErrors { field message code }
  }
}
"""
DUPLICATES = """
query Duplicates($after: String) {
  duplicateTalents(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { left { id } right { id } score evidence { field note } }
  }
}
"""
PROGRAMME = """
{ programmeStats { total { invited withProject }
                   firms { firm { legalName } funnel { invited accepted attended withProject registered hired } } } }
"""


def _tag() -> str:
    return uuid.uuid4().hex[:10]


def _phone() -> str:
    return f"+86 139 {uuid.uuid4().int % 10**8:08d}"


def _campaign(firm: HeadhunterAccount, **fields: Any) -> str:
    today = date.today()
    campaign_input = {
        "name": f"测试邀请 {_tag()}",
        "startsOn": (today - timedelta(days=1)).isoformat(),
        "endsOn": (today + timedelta(days=30)).isoformat(),
        "criteria": {"minDegree": "PHD", "skills": ["qPCR", "Python"]},
        **fields,
    }
    payload = firm.api.execute(CREATE_CAMPAIGN, {"input": campaign_input})["data"]["createCampaign"]
    assert payload["userErrors"] == [], payload
    campaign_id: str = payload["campaign"]["id"]
    return campaign_id


def _phd(institution: str = "University of Oxford") -> list[dict[str, Any]]:
    return [{"degree": "PHD", "institution": institution, "country": "GB", "fieldOfStudy": "Biomedicine"}]


def _invite(firm: HeadhunterAccount, campaign_id: str, **person: Any) -> dict[str, Any]:
    body = firm.api.execute(INVITE_OUTSIDE, {"campaignId": campaign_id, "person": person})
    payload: dict[str, Any] = body["data"]["inviteOutsidePerson"]
    return payload


def _invitation_count(engine: Engine, campaign_id: str) -> int:
    with session_scope(engine) as session:
        pk = decode_id_of(campaign_id, "Campaign")
        count: int = session.exec(select(func.count(col(Invitation.id))).where(Invitation.campaign_id == pk)).one()
        return count


# ------------------------------------------------------------------ the whole flow


def test_a_newcomer_runs_a_campaign_end_to_end(
    new_headhunter: Callable[[], HeadhunterAccount],
    new_talent: Callable[..., Any],
    talent_at: Callable[..., Any],
    admin_api_client: Any,
) -> None:
    # given a firm, a registered PhD with the campaign's skills, and an outside PhD's contact data
    firm = new_headhunter()
    tag = _tag()
    registered = new_talent(nameZh="许测博", nameEn="Cebo Xu", skills=["qPCR", "Python"], education=_phd())
    outside_email = f"chenyu.lu.{tag}@example.org"

    # when the firm creates a campaign and asks for suggestions
    campaign_id = _campaign(firm)
    suggested = firm.api.execute(SUGGEST, {"campaignId": campaign_id, "first": 100})["data"]["suggestInvitees"]
    after_first_page = suggested["totalCount"]

    # then ranked, explained talents come back, the new PhD among them
    assert suggested["nodes"], suggested
    scores = [n["score"] for n in suggested["nodes"]]
    assert scores == sorted(scores, reverse=True)
    assert {e["component"] for e in suggested["nodes"][0]["explanation"]} >= {"required_skills", "degree"}

    # when it invites the registered talent and an outside person, and sends both
    invited = firm.api.execute(
        INVITE_TALENT, {"campaignId": campaign_id, "talentId": registered.talent_id, "projectTitle": "RNA 定量"}
    )["data"]["inviteTalent"]
    assert invited["userErrors"] == [], invited
    outside = _invite(firm, campaign_id, nameEn="LU Chen-yu", email=outside_email, institution="ETH Zürich")
    assert outside["userErrors"] == [], outside
    assert outside["invitation"]["talent"] is None
    for invitation in (invited, outside):
        sent = firm.api.execute(SEND, {"id": invitation["invitation"]["id"]})["data"]["sendInvitation"]
        assert sent["invitation"]["status"] == "SENT", sent

    # then the invited talent is no longer suggested
    again = firm.api.execute(SUGGEST, {"campaignId": campaign_id, "first": 100})["data"]["suggestInvitees"]
    assert again["totalCount"] == after_first_page - 1
    assert registered.talent_id not in {n["talent"]["id"] for n in again["nodes"]}

    # when the same outside person is invited again under another spelling
    duplicate = _invite(firm, campaign_id, nameZh="卢晨雨", nameEn="Chenyu Lu", email=outside_email.upper())

    # then it is caught, naming the first invitation
    assert duplicate["invitation"] is None
    assert duplicate["userErrors"][0]["code"] == "DUPLICATE"
    assert "already invited as LU Chen-yu" in duplicate["userErrors"][0]["message"]

    # when the talent reads and accepts the invitation, and the firm marks attendance
    mine = registered.api.execute(MY_INVITATIONS)["data"]["myInvitations"]
    assert [m["id"] for m in mine] == [invited["invitation"]["id"]]
    assert mine[0]["firm"]["legalName"] == firm.name
    answered = registered.api.execute(RESPOND, {"id": mine[0]["id"], "accept": True})["data"]["respondToInvitation"]
    assert answered["invitation"]["status"] == "ACCEPTED", answered
    attended = firm.api.execute(MARK_ATTENDED, {"id": mine[0]["id"]})["data"]["markAttended"]
    assert attended["invitation"]["status"] == "ATTENDED", attended

    # when the outside invitee registers at the address the firm used, and proves it
    newcomer = talent_at(
        outside_email,
        verified=True,
        nameZh="卢晨雨",
        nameEn="Chenyu Lu",
        education=_phd("ETH Zürich"),
        discoverable=False,
    )

    # then the invitation is linked to the new profile, and the invitee sees it (the firm does not see the
    # hidden profile itself)
    view = firm.api.execute(CAMPAIGN, {"id": campaign_id})["data"]["campaign"]
    by_id = {n["id"]: n for n in view["invitations"]["nodes"]}
    assert by_id[outside["invitation"]["id"]]["talent"] is None
    node = admin_api_client.execute(NODE_TALENT_OF_INVITATION, {"id": outside["invitation"]["id"]})["data"]["node"]
    assert node["talent"] == {"id": newcomer.talent_id}
    assert [m["id"] for m in newcomer.api.execute(MY_INVITATIONS)["data"]["myInvitations"]] == [
        outside["invitation"]["id"]
    ]

    # and the funnel counts it all
    assert view["funnel"] == {
        "invited": 2,
        "accepted": 1,
        "attended": 1,
        "withProject": 1,
        "registered": 2,
        "applied": 0,
        "hired": 0,
    }


# ------------------------------------------------------------------ suggestions


def _studied(country: str, field: str, degree: str = "PHD") -> list[dict[str, Any]]:
    return [{"degree": degree, "institution": f"Test University {_tag()}", "country": country, "fieldOfStudy": field}]


def _suggested(firm: HeadhunterAccount, campaign_id: str) -> list[dict[str, Any]]:
    suggested = firm.api.execute(SUGGEST, {"campaignId": campaign_id, "first": 100})["data"]["suggestInvitees"]
    assert not suggested["pageInfo"]["hasNextPage"], suggested
    nodes: list[dict[str, Any]] = suggested["nodes"]
    return nodes


def test_suggestions_leave_out_talents_matching_no_skill_and_put_the_best_matched_first(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any]
) -> None:
    # given three PhDs from Iceland (a country no other test or demo profile studied in): one holding both
    # skills of the campaign, one holding one of them, one holding none (an unrelated field too)
    firm = new_headhunter()
    both = new_talent(skills=["qPCR", "Python"], education=_studied("IS", "Biomedicine"))
    one = new_talent(skills=["qPCR", "Hotel Revenue Management"], education=_studied("IS", "Biomedicine"))
    none = new_talent(skills=["Hotel Revenue Management"], education=_studied("IS", "Tourism Management"))

    # when the firm asks for suggestions for a campaign needing qPCR and Python from Icelandic PhDs
    campaign_id = _campaign(firm, criteria={"minDegree": "PHD", "skills": ["qPCR", "Python"], "countries": ["IS"]})
    nodes = _suggested(firm, campaign_id)
    ids = [n["talent"]["id"] for n in nodes]

    # then the two who match come first, the better one first, and the one matching nothing is not suggested
    assert none.talent_id not in ids
    assert ids.index(both.talent_id) < ids.index(one.talent_id)
    by_id = {n["talent"]["id"]: n for n in nodes}
    assert by_id[both.talent_id]["score"] > by_id[one.talent_id]["score"]
    assert by_id[one.talent_id]["missingSkills"] == ["Python"]
    assert all(n["matchedSkills"] for n in nodes)


def test_a_campaign_with_fields_only_suggests_the_talents_of_a_close_field(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any]
) -> None:
    # given two PhDs from Luxembourg (no other profile studied there): a glaciologist and an accountant
    firm = new_headhunter()
    glaciologist = new_talent(skills=["Ice Core Analysis"], education=_studied("LU", "Glaciology"))
    accountant = new_talent(skills=["Auditing"], education=_studied("LU", "Accounting"))

    # when the campaign names a field of study and no skill
    campaign_id = _campaign(firm, criteria={"fields": ["Glaciology"], "countries": ["LU"]})
    nodes = _suggested(firm, campaign_id)

    # then only the talent of that field is suggested, and the explanation says why
    assert [n["talent"]["id"] for n in nodes] == [glaciologist.talent_id]
    assert accountant.talent_id not in {n["talent"]["id"] for n in nodes}
    field = {c["component"]: c for c in nodes[0]["explanation"]}["field_of_study"]
    assert "Glaciology matches Glaciology" in field["detail"]


def test_a_campaign_with_a_degree_only_suggests_everyone_holding_it(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any]
) -> None:
    # given a PhD and a master from Malta (no other profile studied there)
    firm = new_headhunter()
    phd = new_talent(skills=["Auditing"], education=_studied("MT", "Accounting"))
    master = new_talent(skills=["Auditing"], education=_studied("MT", "Accounting", degree="MASTER"))

    # when the campaign names only a minimum degree and the country
    campaign_id = _campaign(firm, criteria={"minDegree": "PHD", "countries": ["MT"]})
    ids = [n["talent"]["id"] for n in _suggested(firm, campaign_id)]

    # then the degree filters and nothing else does
    assert ids == [phd.talent_id]
    assert master.talent_id not in ids


def test_the_readme_example_campaign_suggests_only_talents_matching_one_of_its_skills(
    new_headhunter: Callable[[], HeadhunterAccount],
) -> None:
    # given the README's example campaign, over the demo talents
    firm = new_headhunter()
    criteria = {
        "minDegree": "PHD",
        "skills": ["储能消防安全", "储能变流器", "电池管理系统"],
        "countries": ["GB", "DE", "FR", "NL"],
    }

    # when
    nodes = _suggested(firm, _campaign(firm, name=f"储能博士 {_tag()}", criteria=criteria))

    # then some come back, every one holding one of the skills (in either language), the best holding several
    assert nodes
    assert all(n["matchedSkills"] for n in nodes)
    assert len(nodes[0]["matchedSkills"]) >= 2
    scores = [n["score"] for n in nodes]
    assert scores == sorted(scores, reverse=True)


# ------------------------------------------------------------------ identity


@pytest.mark.parametrize("spelling", ["Lu Chenyu", "Chenyu Lu", "LU Chen-yu", "卢晨雨"])
def test_an_outside_invitee_is_matched_to_the_registered_profile_across_spellings(
    spelling: str,
    new_headhunter: Callable[[], HeadhunterAccount],
    new_talent: Callable[..., Any],
    admin_api_client: Any,
) -> None:
    # given the registered 卢晨雨 (hidden) and a firm that knows him under another spelling and a Gmail variant
    tag = _tag()
    talent = new_talent(nameZh="卢晨雨", nameEn="Chenyu Lu", email=f"chenyu.lu.{tag}@gmail.com", discoverable=False)
    firm = new_headhunter()
    campaign_id = _campaign(firm)

    # when it invites him as an outside person
    field = "nameZh" if spelling == "卢晨雨" else "nameEn"
    payload = _invite(firm, campaign_id, **{field: spelling, "email": f"ChenYuLu.{tag}@gmail.com"})

    # then the engine finds his profile with a linking score, and (a profile declaring an address proves
    # nothing, and a firm never links a hidden profile) proposes the pair to an admin
    assert payload["userErrors"] == [], payload
    assert payload["invitation"]["talent"] is None
    queue = admin_api_client.execute(REVIEW_QUEUE)["data"]["identityReviewQueue"]["nodes"]
    [link] = [n for n in queue if n["left"]["id"] == payload["invitation"]["id"]]
    assert link["right"]["id"] == talent.talent_id and link["score"] >= 90


def test_the_same_name_with_other_contacts_is_not_linked(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any], admin_api_client: Any
) -> None:
    # given a registered 王伟 with his own e-mail and phone
    new_talent(nameZh="王伟", nameEn="Wei Wang", email=f"wang.wei.{_tag()}@example.com", phone=_phone())
    firm = new_headhunter()
    campaign_id = _campaign(firm)

    # when another 王伟, with other contacts, is invited
    payload = _invite(firm, campaign_id, nameZh="王伟", email=f"ww.{_tag()}@example.net", phone=_phone())

    # then he stays an outside person and nothing is queued about him
    assert payload["userErrors"] == [], payload
    assert payload["invitation"]["talent"] is None
    queue = admin_api_client.execute(REVIEW_QUEUE)["data"]["identityReviewQueue"]["nodes"]
    assert payload["invitation"]["id"] not in {n["left"]["id"] for n in queue}


def test_one_person_with_two_emails_is_found_through_the_phone(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any], admin_api_client: Any
) -> None:
    # given a registered talent with a work e-mail and a phone
    phone = _phone()
    talent = new_talent(nameZh="陈嘉文", nameEn="Jiawen Chen", email=f"jw.chen.{_tag()}@corp.example", phone=phone)
    firm = new_headhunter()
    campaign_id = _campaign(firm)

    # when a firm invites her with a private e-mail and the same number written differently
    digits = "".join(c for c in phone if c.isdigit())[2:]
    payload = _invite(firm, campaign_id, nameEn="Chen Jiawen", email=f"jiawen.{_tag()}@qq.com", phone=digits)

    # then her profile is proposed to an admin with a linking score (a phone is no proof: not linked)
    assert payload["invitation"]["talent"] is None, payload
    queue = admin_api_client.execute(REVIEW_QUEUE)["data"]["identityReviewQueue"]["nodes"]
    [link] = [n for n in queue if n["left"]["id"] == payload["invitation"]["id"]]
    assert link["right"]["id"] == talent.talent_id and link["score"] >= 90


def test_a_grey_zone_match_waits_for_an_admin_who_confirms_or_rejects_it(
    new_headhunter: Callable[[], HeadhunterAccount],
    new_talent: Callable[..., Any],
    admin_api_client: Any,
    engine: Engine,
) -> None:
    # given a registered 周雨萱 at a given institution, and two invitees with her name there but other e-mails
    institution = f"University of Testing {_tag()}"
    talent = new_talent(nameZh="周雨萱", email=f"yx.zhou.{_tag()}@example.com", education=_phd(institution))
    firm = new_headhunter()
    first = _invite(firm, _campaign(firm), nameZh="周雨萱", email=f"a.{_tag()}@example.net", institution=institution)
    second = _invite(firm, _campaign(firm), nameZh="周雨萱", email=f"b.{_tag()}@example.net", institution=institution)

    # then neither is linked, and both wait in the review queue with the evidence
    assert first["invitation"]["talent"] is None and second["invitation"]["talent"] is None
    queue = admin_api_client.execute(REVIEW_QUEUE)["data"]["identityReviewQueue"]["nodes"]
    pending = {n["left"]["id"]: n for n in queue if n["right"]["id"] == talent.talent_id}
    assert set(pending) == {first["invitation"]["id"], second["invitation"]["id"]}
    link = pending[first["invitation"]["id"]]
    assert 50 <= link["score"] < 90
    assert {e["field"] for e in link["evidence"]} == {"name", "email", "institution"}

    # when an admin confirms the first and rejects the second
    confirmed = admin_api_client.execute(CONFIRM, {"id": link["id"]})["data"]["confirmIdentity"]
    rejected = admin_api_client.execute(REJECT, {"id": pending[second["invitation"]["id"]]["id"]})["data"][
        "rejectIdentity"
    ]

    # then the first invitation is linked to the talent, the second stays apart, both decisions are audited
    assert confirmed["identityLink"]["status"] == "CONFIRMED", confirmed
    assert rejected["identityLink"]["status"] == "REJECTED", rejected
    invitations = talent.api.execute(MY_INVITATIONS)["data"]["myInvitations"]
    assert invitations == []  # drafts are not shown to the talent
    with session_scope(engine) as session:
        linked = session.get(Invitation, decode_id_of(first["invitation"]["id"], "Invitation"))
        apart = session.get(Invitation, decode_id_of(second["invitation"]["id"], "Invitation"))
        assert linked is not None and apart is not None
        assert linked.talent_id == decode_id_of(talent.talent_id, "Talent")
        assert apart.talent_id is None
        actions = set(session.exec(select(AuditEntry.action).where(AuditEntry.entity_type == "identity_link")))
        assert {"identity_link.confirmed", "identity_link.rejected"} <= actions

    # and a second decision on the same link is refused
    again = admin_api_client.execute(REJECT, {"id": link["id"]})["data"]["rejectIdentity"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"


def test_only_admins_see_the_review_queue(headhunter_api_client: Any) -> None:
    body = headhunter_api_client.execute(REVIEW_QUEUE)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.fixture(scope="module")
def headhunter_api_client(log_in_as: Callable[[str, str], Any]) -> Any:
    return log_in_as("headhunter@demo.guilu", "guilu-demo")


# ------------------------------------------------------------------ ownership and permissions


def test_a_second_firm_is_refused_the_person_another_firm_introduced(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any], engine: Engine
) -> None:
    # given a talent first invited by one firm
    talent = new_talent(nameZh="范测试", nameEn="Ceshi Fan", phone=_phone(), education=_phd())
    owner, rival = new_headhunter(), new_headhunter()
    first = owner.api.execute(INVITE_TALENT, {"campaignId": _campaign(owner), "talentId": talent.talent_id})
    assert first["data"]["inviteTalent"]["userErrors"] == [], first

    # when a second firm invites the same person
    rival_campaign = _campaign(rival)
    refused = rival.api.execute(INVITE_TALENT, {"campaignId": rival_campaign, "talentId": talent.talent_id})
    payload = refused["data"]["inviteTalent"]

    # then it is refused naming the owner, and nothing is stored
    assert payload["invitation"] is None
    assert payload["userErrors"][0]["code"] == "FORBIDDEN"
    assert owner.name in payload["userErrors"][0]["message"]
    assert _invitation_count(engine, rival_campaign) == 0


def test_the_owner_firm_is_also_named_when_the_person_comes_back_under_another_spelling(
    new_headhunter: Callable[[], HeadhunterAccount],
) -> None:
    # given an outside person invited by one firm
    owner, rival = new_headhunter(), new_headhunter()
    email = f"mingzhe.zhou.{_tag()}@gmail.com"
    assert _invite(owner, _campaign(owner), nameZh="周明哲", email=email)["userErrors"] == []

    # when another firm invites "Zhou Ming-Zhe" at the same mailbox written with dots removed
    payload = _invite(rival, _campaign(rival), nameEn="Zhou Ming-Zhe", email=email.replace(".", "", 1))

    # then it is refused naming the owner
    assert payload["userErrors"][0]["code"] == "FORBIDDEN", payload
    assert owner.name in payload["userErrors"][0]["message"]


@pytest.mark.parametrize("client_name", ["employer_api_client", "talent_api_client"])
def test_only_headhunters_and_admins_invite(client_name: str, request: pytest.FixtureRequest) -> None:
    # given a signed-in account that is not a headhunter, and a demo campaign
    client = request.getfixturevalue(client_name)
    campaign_id = _demo_campaign_id(request.getfixturevalue("headhunter_api_client"))

    # when it tries to invite someone
    body = client.execute(
        INVITE_OUTSIDE, {"campaignId": campaign_id, "person": {"nameEn": "Nobody", "email": "n@example.com"}}
    )

    # then it is refused
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None


def test_a_headhunter_cannot_use_another_firms_campaign(
    new_headhunter: Callable[[], HeadhunterAccount], headhunter_api_client: Any, engine: Engine
) -> None:
    other = new_headhunter()
    campaign_id = _demo_campaign_id(headhunter_api_client)
    before = _invitation_count(engine, campaign_id)

    payload = _invite(other, campaign_id, nameEn="Some One", email=f"s.{_tag()}@example.com")

    assert payload["userErrors"][0]["code"] == "FORBIDDEN"
    assert _invitation_count(engine, campaign_id) == before


def _demo_campaign_id(headhunter: Any) -> str:
    nodes = headhunter.execute("{ campaigns(first: 100) { nodes { id name } } }")["data"]["campaigns"]["nodes"]
    return next(n["id"] for n in nodes if n["name"] == CAMPAIGN_NAME)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("person", "field", "words"),
    [
        ({"nameEn": "Bad Mail", "email": "not-an-email"}, "email", "not a valid e-mail"),
        ({"nameEn": "Bad Phone", "phone": "138-ABCD-1234"}, "phone", "digits"),
        ({"nameEn": "Short Phone", "phone": "12345"}, "phone", "digits"),
        ({"nameEn": "Bad Country", "email": "c@example.com", "country": "GBR"}, "country", "two-letter"),
        ({"nameEn": "No Contact"}, "email", "e-mail address or a phone"),
        ({"email": "nameless@example.com"}, "nameZh", "needs a name"),
    ],
)
def test_malformed_contact_data_is_refused_and_nothing_stored(
    person: dict[str, str], field: str, words: str, new_headhunter: Callable[[], HeadhunterAccount], engine: Engine
) -> None:
    firm = new_headhunter()
    campaign_id = _campaign(firm)

    payload = _invite(firm, campaign_id, **person)

    assert payload["invitation"] is None
    assert payload["userErrors"][0]["field"] == field
    assert words in payload["userErrors"][0]["message"]
    assert _invitation_count(engine, campaign_id) == 0


def test_a_second_answer_is_refused_and_the_first_stands(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any]
) -> None:
    # given a talent who accepted an invitation
    firm = new_headhunter()
    talent = new_talent(phone=_phone(), education=_phd())
    invited = firm.api.execute(INVITE_TALENT, {"campaignId": _campaign(firm), "talentId": talent.talent_id})
    invitation_id = invited["data"]["inviteTalent"]["invitation"]["id"]
    firm.api.execute(SEND, {"id": invitation_id})
    talent.api.execute(RESPOND, {"id": invitation_id, "accept": True})

    # when the talent answers again
    payload = talent.api.execute(RESPOND, {"id": invitation_id, "accept": False})["data"]["respondToInvitation"]

    # then it is refused and the invitation stays accepted
    assert payload["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert "already answered" in payload["userErrors"][0]["message"]
    assert talent.api.execute(MY_INVITATIONS)["data"]["myInvitations"][0]["status"] == "ACCEPTED"


def test_only_the_invited_talent_answers_and_only_sent_invitations(
    new_headhunter: Callable[[], HeadhunterAccount], new_talent: Callable[..., Any]
) -> None:
    firm = new_headhunter()
    talent, stranger = new_talent(phone=_phone(), education=_phd()), new_talent(phone=_phone())
    invited = firm.api.execute(INVITE_TALENT, {"campaignId": _campaign(firm), "talentId": talent.talent_id})
    invitation_id = invited["data"]["inviteTalent"]["invitation"]["id"]

    draft = talent.api.execute(RESPOND, {"id": invitation_id, "accept": True})["data"]["respondToInvitation"]
    firm.api.execute(SEND, {"id": invitation_id})
    foreign = stranger.api.execute(RESPOND, {"id": invitation_id, "accept": True})["data"]["respondToInvitation"]
    early = firm.api.execute(MARK_ATTENDED, {"id": invitation_id})["data"]["markAttended"]

    assert draft["userErrors"][0]["code"] == "NOT_FOUND"
    assert foreign["userErrors"][0]["code"] == "FORBIDDEN"
    assert early["userErrors"][0]["code"] == "INVALID_TRANSITION"


def test_a_campaign_needs_consistent_dates_and_known_criteria(new_headhunter: Callable[[], HeadhunterAccount]) -> None:
    firm = new_headhunter()
    bad = {
        "name": "x",
        "startsOn": "2026-05-01",
        "endsOn": "2026-04-01",
        "criteria": {"countries": ["XYZ"]},
    }
    payload = firm.api.execute(CREATE_CAMPAIGN, {"input": bad})["data"]["createCampaign"]
    assert payload["campaign"] is None
    assert payload["userErrors"][0]["field"] == "endsOn"


def test_an_ended_campaign_takes_no_invitation(new_headhunter: Callable[[], HeadhunterAccount]) -> None:
    firm = new_headhunter()
    campaign_id = _campaign(firm, startsOn="2024-01-01", endsOn="2024-03-31")

    payload = _invite(firm, campaign_id, nameEn="Late Comer", email=f"late.{_tag()}@example.com")

    assert payload["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert "ended on 2024-03-31" in payload["userErrors"][0]["message"]


# ------------------------------------------------------------------ import


def test_a_csv_import_reports_each_row_and_is_idempotent(
    new_headhunter: Callable[[], HeadhunterAccount], engine: Engine
) -> None:
    # given a list with two people, a malformed e-mail, and the first person again under another spelling
    firm = new_headhunter()
    campaign_id = _campaign(firm)
    tag, phone = _tag(), _phone()
    content = (
        "name_zh,name_en,email,phone,institution,country,degree,project_title\n"
        f"郭子昂,Ziang Guo,ziang.guo.{tag}@example.com,{phone},KTH,SE,phd,氢能储运\n"
        f"宋雅琴,Yaqin Song,,{_phone()},NUS,SG,PHD,\n"
        f"坏邮箱,Bad Mail,bad-mail-{tag},,,,phd,\n"
        f",GUO Zi-ang,guo.za.{tag}@example.net,{phone.replace(' ', '')},KTH,SE,phd,\n"
    )

    # when it is imported twice
    first = firm.api.execute(IMPORT, {"campaignId": campaign_id, "content": content})["data"]["importInvitations"]
    second = firm.api.execute(IMPORT, {"campaignId": campaign_id, "content": content})["data"]["importInvitations"]

    # then the first import takes two rows and says why it refused the others
    assert (first["accepted"], first["unchanged"], first["refused"]) == (2, 0, 2), first
    outcomes = {row["line"]: (row["outcome"], row["message"]) for row in first["rows"]}
    assert outcomes[2][0] == outcomes[3][0] == "accepted"
    assert outcomes[4][0] == "refused" and "not a valid e-mail" in outcomes[4][1]
    assert outcomes[5][0] == "refused" and "already invited as 郭子昂" in outcomes[5][1]
    # and the second changes nothing
    assert (second["accepted"], second["unchanged"], second["refused"]) == (0, 2, 2), second
    assert _invitation_count(engine, campaign_id) == 2


def test_a_csv_with_unknown_columns_is_refused_whole(
    new_headhunter: Callable[[], HeadhunterAccount], engine: Engine
) -> None:
    firm = new_headhunter()
    campaign_id = _campaign(firm)

    payload = firm.api.execute(IMPORT, {"campaignId": campaign_id, "content": "name,mail\nA,a@example.com\n"})

    assert payload["data"]["importInvitations"]["userErrors"][0]["field"] == "content"
    assert _invitation_count(engine, campaign_id) == 0


# ------------------------------------------------------------------ duplicates and merge

APPLY = "mutation($jobId: ID!) { applyToJob(jobId: $jobId) { application { id } userErrors { code message } } }"
MY_APPLICATIONS = "{ me { applications(first: 50) { nodes { job { id } } } } }"


def _every_duplicate_pair(settings: Settings, engine: Engine, token: str) -> list[dict[str, Any]]:
    """Every pair ``duplicateTalents`` lists, page by page, through an app of its own that never throttles:
    other tests leave look-alike profiles behind (hundreds of pairs scoring 99-100 by the PostgreSQL pass),
    so the pair looked for may be past the first page."""
    with TestClient(create_app(settings.model_copy(update={"throttle_capacity": 10**9}), engine)) as http:
        api = GraphQLClient(http, token)
        pairs: list[dict[str, Any]] = []
        after = None
        while True:
            page = api.execute(DUPLICATES, {"after": after})["data"]["duplicateTalents"]
            pairs += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return pairs
            after = page["pageInfo"]["endCursor"]


def test_duplicate_profiles_are_found_and_merged_keeping_applications_and_invitations(
    new_talent: Callable[..., Any],
    new_employer: Callable[[], Any],
    post_job: Callable[..., dict[str, Any]],
    new_headhunter: Callable[[], HeadhunterAccount],
    admin_api_client: Any,
    engine: Engine,
    settings: Settings,
) -> None:
    # given one person who registered twice (same name and phone, two e-mails)
    phone = _phone()
    keep = new_talent(nameZh="钟测重", nameEn="Cechong Zhong", phone=phone, skills=["qPCR"], education=_phd())
    merge = new_talent(nameZh="钟测重", nameEn="Zhong Cechong", phone=phone, skills=["qPCR", "ELISA"])
    # with an application each, and an invitation on the second profile
    employer = new_employer()
    job_a, job_b = post_job(employer), post_job(employer)
    keep.api.execute(APPLY, {"jobId": job_a["id"]})
    merge.api.execute(APPLY, {"jobId": job_b["id"]})
    firm = new_headhunter()
    invited = firm.api.execute(INVITE_TALENT, {"campaignId": _campaign(firm), "talentId": merge.talent_id})
    invitation = invited["data"]["inviteTalent"]["invitation"]
    # (the invitation is linked to the first profile already: both profiles are the same person)
    assert invitation["talent"]["id"] in {keep.talent_id, merge.talent_id}

    # when an admin looks for duplicates
    pairs = _every_duplicate_pair(settings, engine, admin_api_client.token)

    # then the pair is listed with its evidence
    pair = next(p for p in pairs if {p["left"]["id"], p["right"]["id"]} == {keep.talent_id, merge.talent_id})
    assert pair["score"] >= 90 and "phone" in {e["field"] for e in pair["evidence"]}

    # when the admin merges the second profile into the first
    merged = admin_api_client.execute(MERGE, {"keepId": keep.talent_id, "mergeId": merge.talent_id})["data"][
        "mergeTalents"
    ]

    # then the kept profile holds both applications and the invitation, and the other is gone
    assert merged["userErrors"] == [], merged
    moved = {m["table"]: m["count"] for m in merged["moved"]}
    assert moved["application.talent_id"] == 1 and moved["invitation.talent_id"] >= 1
    jobs = {n["job"]["id"] for n in keep.api.execute(MY_APPLICATIONS)["data"]["me"]["applications"]["nodes"]}
    assert jobs == {job_a["id"], job_b["id"]}
    with session_scope(engine) as session:
        row = session.get(Invitation, decode_id_of(invitation["id"], "Invitation"))
        assert row is not None and row.talent_id == decode_id_of(keep.talent_id, "Talent")
    gone = admin_api_client.execute("query($id: ID!) { talent(id: $id) { id } }", {"id": merge.talent_id})
    assert gone["data"]["talent"] is None


def test_a_merge_is_refused_when_both_profiles_applied_to_the_same_job(
    new_talent: Callable[..., Any],
    new_employer: Callable[[], Any],
    post_job: Callable[..., dict[str, Any]],
    admin_api_client: Any,
) -> None:
    first, second = new_talent(), new_talent()
    job = post_job(new_employer())
    first.api.execute(APPLY, {"jobId": job["id"]})
    second.api.execute(APPLY, {"jobId": job["id"]})

    payload = admin_api_client.execute(MERGE, {"keepId": first.talent_id, "mergeId": second.talent_id})["data"][
        "mergeTalents"
    ]

    assert payload["talent"] is None
    assert "application" in payload["userErrors"][0]["message"]
    assert second.api.execute("{ me { talent { id } } }")["data"]["me"]["talent"] == {"id": second.talent_id}


def test_only_admins_merge(talent_api_client: Any, new_talent: Callable[..., Any]) -> None:
    a, b = new_talent(), new_talent()
    body = talent_api_client.execute(MERGE, {"keepId": a.talent_id, "mergeId": b.talent_id})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# ------------------------------------------------------------------ funnel on the demo data


def test_the_programme_funnel_mirrors_the_article(anonymous_api_client: Any) -> None:
    stats = anonymous_api_client.execute(PROGRAMME)["data"]["programmeStats"]

    lucai = next(f for f in stats["firms"] if f["firm"]["legalName"] == "厦门鹭才人力资源服务有限公司")
    assert lucai["funnel"]["invited"] == INVITED == 50
    assert lucai["funnel"]["withProject"] == WITH_PROJECT == 21
    assert lucai["funnel"]["registered"] == 37  # 36 invited as talents, 1 outside invitee registered later
    assert lucai["funnel"]["attended"] <= lucai["funnel"]["accepted"] <= lucai["funnel"]["invited"]
    assert lucai["funnel"]["hired"] >= 1
    assert stats["total"]["invited"] >= 50


def test_the_demo_has_a_linked_newcomer_and_a_pending_duplicate(admin_api_client: Any) -> None:
    queue = admin_api_client.execute(REVIEW_QUEUE)["data"]["identityReviewQueue"]["nodes"]
    names = {(n["left"]["displayName"], n["right"]["displayName"]) for n in queue}
    assert ("黄思远 / Siyuan Huang", "黃思遠 / Huang Si-Yuan") in names
