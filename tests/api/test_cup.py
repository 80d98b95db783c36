"""The Guilu Cup over GraphQL: entries, conflicts and assignment, scoring rules, recusal,
leaderboards, closing rounds, finalising, freezing, and the financing hook."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from api.db import session_scope
from api.graphql.ids import decode_id_of, encode_global_id
from api.models import Account, AuditEntry, PersonalCreditScore, Score
from api.services.accounts import create_account
from api.services.financing import cup_projects

PASSWORD = "correct-horse-battery"

CREATE_COMPETITION = """
mutation($input: CompetitionInput!) {
  createCompetition(input: $input) {
    competition { id name status method tieBreak step tracks rounds { id name advanceCount status }
                  criteria { key label weight maximum } awardTiers { name count } }
    userErrors { field message code }
  }
}
"""
SUBMIT_ENTRY = """
mutation($competitionId: ID!, $input: EntryInput!) {
  submitEntry(competitionId: $competitionId, input: $input) {
    entry { id title track stage team { isLead institution talent { id nameZh email } } rounds { name } }
    userErrors { field message code }
  }
}
"""
UPDATE_ENTRY = """
mutation($id: ID!, $input: EntryInput!) {
  updateEntry(id: $id, input: $input) { entry { id title summary } userErrors { field message code } }
}
"""
SET_JUDGE_PROFILE = """
mutation($email: String, $input: JudgeProfileInput!) {
  setJudgeProfile(email: $email, input: $input) {
    judge { id name affiliations declaredConflicts } userErrors { field message code }
  }
}
"""
ASSIGN_JUDGES = """
mutation($competitionId: ID!, $round: String!, $perEntry: Int) {
  assignJudges(competitionId: $competitionId, round: $round, perEntry: $perEntry) {
    result {
      round { id name }
      assignments { entry { id } judges { id } }
      loads { judge { id } load }
      shortfalls { entry { id } assigned wanted reason }
      rejected { judge { id } entry { id } reason }
      conflicts { judge { id name } entry { id title } kind reason }
    }
    userErrors { field message code }
  }
}
"""
PIN = """
mutation($roundId: ID!, $judgeId: ID!, $entryId: ID!, $kind: PinKind!) {
  pinAssignment(roundId: $roundId, judgeId: $judgeId, entryId: $entryId, kind: $kind) {
    kind userErrors { field message code }
  }
}
"""
SUBMIT_SCORE = """
mutation($entryId: ID!, $roundId: ID!, $scores: [CriterionScoreInput!]!) {
  submitScore(entryId: $entryId, roundId: $roundId, scores: $scores) {
    score { id total criteria { criterion value } judge { id } history { action before after actorEmail } }
    userErrors { field message code }
  }
}
"""
RECUSE = """
mutation($entryId: ID!, $roundId: ID!, $reason: String!) {
  recuse(entryId: $entryId, roundId: $roundId, reason: $reason) {
    assignment { status recusalReason } replacement { id } note userErrors { field message code }
  }
}
"""
MY_ASSIGNMENTS = """
query($roundId: ID!) { myAssignments(roundId: $roundId) { entry { id } status myScore { total } } }
"""
ROUND_SCORES = """
query($id: ID!) { node(id: $id) { ... on Round { status scores { total judge { id } entry { id } } } } }
"""
LEADERBOARD = """
query($competitionId: ID!, $round: String!, $method: AggregationMethod) {
  leaderboard(competitionId: $competitionId, round: $round, method: $method) {
    method notes tieBreak round { name status }
    rows { rank entry { id title } aggregate rawMean criterionMeans { criterion mean } judgesCounted methodUsed
           flags notes tieBreakUsed }
    whatIf { method rows { rank entry { id } aggregate } }
  }
}
"""
CLOSE_ROUND = """
mutation($roundId: ID!, $ack: Boolean) {
  closeRound(roundId: $roundId, acknowledgeFlags: $ack) { round { id status } userErrors { field message code } }
}
"""
FINALISE = """
mutation($id: ID!) {
  finaliseCompetition(competitionId: $id) {
    competition { id status finalisedAt awards { tier rank entry { id title result { rank award aggregate } } } }
    userErrors { field message code }
  }
}
"""
COMPETITION = """
query($id: ID!) {
  competition(id: $id) {
    name status rounds { id name status } entries { totalCount nodes { id title rounds { name } } }
  }
}
"""
CONFLICTS = """
query($id: ID!, $round: String) {
  conflicts(competitionId: $id, round: $round) { judge { name } entry { title } kind reason }
}
"""

RANK_FINANCING = """
query($id: ID!, $after: String) {
  rankFinancingCandidates(productId: $id, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { kind name explanation { component detail } }
  }
}
"""

RUBRIC = [
    {"key": "innovation", "label": "创新性", "weight": 30, "maximum": 10},
    {"key": "technology", "label": "技术水平", "weight": 30, "maximum": 10},
    {"key": "industry_fit", "label": "产业契合度", "weight": 40, "maximum": 10},
]


def sheet(innovation: float, technology: float, industry_fit: float) -> list[dict[str, Any]]:
    return [
        {"criterion": "innovation", "value": innovation},
        {"criterion": "technology", "value": technology},
        {"criterion": "industry_fit", "value": industry_fit},
    ]


@dataclass
class JudgeAccount:
    api: Any
    email: str
    pk: int
    gid: str


@pytest.fixture(scope="module")
def new_judge(
    engine: Engine, admin_api_client: Any, log_in_as: Callable[[str, str], Any]
) -> Callable[..., JudgeAccount]:
    """A judge account (made by an operator) with a profile set by the admin."""

    def make(name: str = "评委", affiliations: tuple[str, ...] = (), **profile: Any) -> JudgeAccount:
        email = f"judge-{uuid.uuid4().hex[:12]}@example.com"
        with session_scope(engine) as session:
            account = create_account(session, email=email, password=PASSWORD, role="judge")
            pk = account.id
        assert pk is not None
        body = admin_api_client.execute(
            SET_JUDGE_PROFILE,
            {"email": email, "input": {"name": name, "affiliations": list(affiliations), **profile}},
        )
        assert body["data"]["setJudgeProfile"]["userErrors"] == [], body
        return JudgeAccount(api=log_in_as(email, PASSWORD), email=email, pk=pk, gid=encode_global_id("Judge", pk))

    return make


def competition_input(judges: list[JudgeAccount], **fields: Any) -> dict[str, Any]:
    return {
        "name": f"测试归鹭杯{uuid.uuid4().hex[:8]}",
        "edition": 1,
        "year": 2026,
        "submissionDeadline": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "tracks": ["BIOMEDICINE", "NEW_ENERGY"],
        "rounds": [{"name": "preliminary", "advanceCount": 2}, {"name": "final"}],
        "criteria": RUBRIC,
        "awardTiers": [{"name": "一等奖", "count": 1}, {"name": "二等奖", "count": 1}],
        "method": "MEAN",
        "tieBreak": ["raw_mean", "innovation"],
        "step": 0.5,
        "judgeIds": [j.gid for j in judges],
        **fields,
    }


@pytest.fixture(scope="module")
def new_competition(admin_api_client: Any) -> Callable[..., dict[str, Any]]:
    def make(judges: list[JudgeAccount], **fields: Any) -> dict[str, Any]:
        body = admin_api_client.execute(CREATE_COMPETITION, {"input": competition_input(judges, **fields)})
        payload = body["data"]["createCompetition"]
        assert payload["userErrors"] == [], body
        competition: dict[str, Any] = payload["competition"]
        return competition

    return make


def enter(talent: Any, competition_id: str, title: str, **fields: Any) -> dict[str, Any]:
    entry_input = {"title": title, "track": "BIOMEDICINE", "stage": "PROTOTYPE", **fields}
    body = talent.api.execute(SUBMIT_ENTRY, {"competitionId": competition_id, "input": entry_input})
    payload = body["data"]["submitEntry"]
    assert payload["userErrors"] == [], body
    entry: dict[str, Any] = payload["entry"]
    return entry


def round_id(competition: dict[str, Any], name: str) -> str:
    return next(r["id"] for r in competition["rounds"] if r["name"] == name)


# ------------------------------------------------------------------ entries


def test_a_lead_submits_and_edits_an_entry_before_the_deadline_once_per_edition(
    new_judge: Callable[..., JudgeAccount], new_competition: Callable[..., dict[str, Any]], new_talent: Any
) -> None:
    # given
    competition = new_competition([new_judge()])
    lead, member = new_talent(), new_talent()

    # when
    entry = enter(
        lead, competition["id"], "钠电正极材料", members=[{"talentId": member.talent_id, "employer": "厦门鹭能"}]
    )
    again = lead.api.execute(
        SUBMIT_ENTRY,
        {"competitionId": competition["id"], "input": {"title": "二次", "track": "BIOMEDICINE", "stage": "IDEA"}},
    )
    edited = lead.api.execute(UPDATE_ENTRY, {"id": entry["id"], "input": {"summary": "量产工艺"}})
    by_member = member.api.execute(UPDATE_ENTRY, {"id": entry["id"], "input": {"title": "改名"}})

    # then
    assert [m["isLead"] for m in entry["team"]] == [True, False]
    assert entry["team"][1]["talent"] is None and entry["rounds"] == [{"name": "preliminary"}]  # until they accept
    assert again["data"]["submitEntry"]["userErrors"][0]["code"] == "DUPLICATE"
    assert edited["data"]["updateEntry"]["entry"]["summary"] == "量产工艺"
    assert by_member["data"]["updateEntry"]["userErrors"][0]["code"] == "FORBIDDEN"


def test_entries_after_the_deadline_or_in_a_foreign_track_are_refused_and_nothing_is_stored(
    new_judge: Callable[..., JudgeAccount], new_competition: Callable[..., dict[str, Any]], new_talent: Any
) -> None:
    # given
    past = new_competition([new_judge()], submissionDeadline=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    current = new_competition([new_judge()])
    lead = new_talent()

    # when
    late = lead.api.execute(
        SUBMIT_ENTRY, {"competitionId": past["id"], "input": {"title": "迟到", "track": "BIOMEDICINE", "stage": "IDEA"}}
    )
    off_track = lead.api.execute(
        SUBMIT_ENTRY,
        {"competitionId": current["id"], "input": {"title": "跑题", "track": "CULTURE_TOURISM", "stage": "IDEA"}},
    )
    mine = lead.api.execute("{ myEntries { id } }")

    # then
    late_error = late["data"]["submitEntry"]["userErrors"][0]
    assert late_error["code"] == "INVALID_TRANSITION" and "deadline" in late_error["message"]
    assert off_track["data"]["submitEntry"]["userErrors"][0]["field"] == "track"
    assert mine["data"]["myEntries"] == []


# ------------------------------------------------------------------ team members' consent (issue #13, M2)

TEAM = """
query($id: ID!) {
  node(id: $id) {
    ... on Entry { team { isLead accepted name talent { id nameZh skills currentCity email birthYear } } }
  }
}
"""
RESPOND = """
mutation($entryId: ID!, $accept: Boolean!) {
  respondToTeamInvitation(entryId: $entryId, accept: $accept) {
    entry { id team { accepted talent { id } } } userErrors { field message code }
  }
}
"""


def _team(api: Any, entry_id: str) -> list[dict[str, Any]]:
    team: list[dict[str, Any]] = api.execute(TEAM, {"id": entry_id})["data"]["node"]["team"]
    return team


def test_a_team_member_counts_and_shows_only_once_they_accept(
    new_judge: Callable[..., JudgeAccount], new_competition: Callable[..., dict[str, Any]], new_talent: Any
) -> None:
    # given: a lead puts a stranger with a hidden profile on the team, as in the review
    panel = new_judge()
    competition = new_competition([panel])
    lead = new_talent()
    stranger = new_talent(nameZh="李婷宏", discoverable=False, skills=["Solid-state Battery"], currentCity="泉州")

    # when
    entry = enter(lead, competition["id"], "固态电池", members=[{"talentId": stranger.talent_id}])

    # then: pending, no profile and no name for the lead; not among the stranger's entries, but invited
    pending = {"isLead": False, "accepted": False, "name": None, "talent": None}
    assert [{k: m.get(k) for k in ("isLead", "talent")} for m in entry["team"]][1] == {"isLead": False, "talent": None}
    assert _team(lead.api, entry["id"])[1] == pending
    assert stranger.api.execute("{ myEntries { id } }")["data"]["myEntries"] == []
    invitations = stranger.api.execute("{ myTeamInvitations { id title } }")["data"]["myTeamInvitations"]
    assert invitations == [{"id": entry["id"], "title": "固态电池"}]

    # when: the stranger accepts
    answer = stranger.api.execute(RESPOND, {"entryId": entry["id"], "accept": True})["data"]["respondToTeamInvitation"]

    # then: a member; the lead sees the name but still not the hidden profile; the panel sees it masked
    assert answer["userErrors"] == [] and [m["accepted"] for m in answer["entry"]["team"]] == [True, True]
    assert _team(lead.api, entry["id"])[1] == {**pending, "accepted": True, "name": "李婷宏"}
    judged = _team(panel.api, entry["id"])[1]["talent"]
    assert judged["id"] == stranger.talent_id and judged["skills"] == ["Solid-state Battery"]
    assert "***@" in judged["email"] and judged["birthYear"] is None
    assert stranger.api.execute("{ myEntries { id } }")["data"]["myEntries"] == [{"id": entry["id"]}]
    assert stranger.api.execute("{ myTeamInvitations { id } }")["data"]["myTeamInvitations"] == []


def test_a_discoverable_member_shows_their_public_name_but_no_profile_until_they_accept(
    new_judge: Callable[..., JudgeAccount], new_competition: Callable[..., dict[str, Any]], new_talent: Any
) -> None:
    competition = new_competition([new_judge()])
    lead, member = new_talent(), new_talent(nameZh="王公开", discoverable=True)

    entry = enter(lead, competition["id"], "公开成员", members=[{"talentId": member.talent_id}])

    assert _team(lead.api, entry["id"])[1] == {"isLead": False, "accepted": False, "name": "王公开", "talent": None}


def test_declining_a_team_invitation_removes_the_member_and_only_the_invitee_answers(
    new_judge: Callable[..., JudgeAccount], new_competition: Callable[..., dict[str, Any]], new_talent: Any
) -> None:
    # given
    competition = new_competition([new_judge()])
    lead, member, stranger = new_talent(), new_talent(), new_talent()
    entry = enter(lead, competition["id"], "拒绝测试", members=[{"talentId": member.talent_id}])

    # when
    by_stranger = stranger.api.execute(RESPOND, {"entryId": entry["id"], "accept": True})
    by_lead = lead.api.execute(RESPOND, {"entryId": entry["id"], "accept": True})
    declined = member.api.execute(RESPOND, {"entryId": entry["id"], "accept": False})
    again = member.api.execute(RESPOND, {"entryId": entry["id"], "accept": True})

    # then
    assert by_stranger["data"]["respondToTeamInvitation"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert by_lead["data"]["respondToTeamInvitation"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert declined["data"]["respondToTeamInvitation"]["userErrors"] == []
    assert again["data"]["respondToTeamInvitation"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert [m["isLead"] for m in _team(lead.api, entry["id"])] == [True]
    assert member.api.execute(TEAM, {"id": entry["id"]})["data"]["node"] is None


def test_editing_the_team_keeps_the_consent_of_members_who_stay(
    new_judge: Callable[..., JudgeAccount], new_competition: Callable[..., dict[str, Any]], new_talent: Any
) -> None:
    # given
    competition = new_competition([new_judge()])
    lead, member, newcomer = new_talent(), new_talent(), new_talent()
    entry = enter(lead, competition["id"], "换人", members=[{"talentId": member.talent_id}])
    member.api.execute(RESPOND, {"entryId": entry["id"], "accept": True})

    # when
    members = [{"talentId": member.talent_id, "employer": "厦门鹭能"}, {"talentId": newcomer.talent_id}]
    edited = lead.api.execute(UPDATE_ENTRY, {"id": entry["id"], "input": {"members": members}})

    # then
    assert edited["data"]["updateEntry"]["userErrors"] == []
    assert [m["accepted"] for m in _team(lead.api, entry["id"])] == [True, True, False]


# ------------------------------------------------------------------ conflicts and assignment


def test_assignment_avoids_detected_conflicts_balances_loads_and_explains_shortfalls(
    new_judge: Callable[..., JudgeAccount],
    new_competition: Callable[..., dict[str, Any]],
    new_talent: Any,
    admin_api_client: Any,
) -> None:
    # given: a lead who studied at 厦门大学, a judge affiliated with 厦大, a judge who is a team member (invited and
    # not yet answering: a pending member counts for conflicts all the same)
    xmu_lead = new_talent(education=[{"degree": "PHD", "institution": "厦门大学"}])
    member = new_talent()
    others = [new_talent() for _ in range(3)]
    alumni = new_judge("王评", ("厦大",))
    colleague = new_judge("李评", talentId=member.talent_id)
    plain = [new_judge(f"评委{i}") for i in range(2)]
    judges = [alumni, colleague, *plain]
    competition = new_competition(judges)
    conflicted = enter(xmu_lead, competition["id"], "多重RNA定量", members=[{"talentId": member.talent_id}])
    free = [enter(t, competition["id"], f"项目{i}") for i, t in enumerate(others)]
    variables = {"competitionId": competition["id"], "round": "preliminary", "perEntry": 3}

    # when
    first = admin_api_client.execute(ASSIGN_JUDGES, variables)["data"]["assignJudges"]
    second = admin_api_client.execute(ASSIGN_JUDGES, variables)["data"]["assignJudges"]

    # then
    result = first["result"]
    reasons = {(c["judge"]["name"], c["kind"]): c["reason"] for c in result["conflicts"]}
    assert "厦大" in reasons[("王评", "AFFILIATION")] and "厦门大学" in reasons[("王评", "AFFILIATION")]
    assert "is team member" in reasons[("李评", "SAME_PERSON")]
    by_entry = {a["entry"]["id"]: {j["id"] for j in a["judges"]} for a in result["assignments"]}
    assert by_entry[conflicted["id"]] == {j.gid for j in plain}
    assert all(len(by_entry[e["id"]]) == 3 for e in free)
    [shortfall] = result["shortfalls"]
    assert shortfall["entry"]["id"] == conflicted["id"] and (shortfall["assigned"], shortfall["wanted"]) == (2, 3)
    assert "only 2 of 4 judges are free" in shortfall["reason"]
    loads = [load["load"] for load in result["loads"]]
    assert max(loads) - min(loads) <= 1 and sum(loads) == 11
    assert second["result"]["assignments"] == result["assignments"]


def test_pins_force_and_forbid_pairs_on_the_next_run(
    new_judge: Callable[..., JudgeAccount],
    new_competition: Callable[..., dict[str, Any]],
    new_talent: Any,
    admin_api_client: Any,
) -> None:
    # given
    judges = [new_judge(f"评委{i}") for i in range(3)]
    competition = new_competition(judges)
    entry = enter(new_talent(), competition["id"], "钙钛矿组件")
    preliminary = round_id(competition, "preliminary")

    # when
    forbid = admin_api_client.execute(
        PIN, {"roundId": preliminary, "judgeId": judges[0].gid, "entryId": entry["id"], "kind": "FORBIDDEN"}
    )
    result = admin_api_client.execute(
        ASSIGN_JUDGES, {"competitionId": competition["id"], "round": preliminary, "perEntry": 3}
    )

    # then
    assert forbid["data"]["pinAssignment"]["kind"] == "FORBIDDEN"
    [assigned] = result["data"]["assignJudges"]["result"]["assignments"]
    assert {j["id"] for j in assigned["judges"]} == {judges[1].gid, judges[2].gid}


# ------------------------------------------------------------------ scoring


@dataclass
class Scored:
    competition: dict[str, Any]
    judges: list[JudgeAccount]
    entries: list[dict[str, Any]]
    preliminary: str


@pytest.fixture
def two_entries(
    new_judge: Callable[..., JudgeAccount],
    new_competition: Callable[..., dict[str, Any]],
    new_talent: Any,
    admin_api_client: Any,
) -> Scored:
    """Two entries, three judges, every judge assigned to every entry (perEntry 3), nothing scored."""
    judges = [new_judge(f"评委{i}") for i in range(3)]
    competition = new_competition(judges)
    entries = [enter(new_talent(), competition["id"], f"项目{i}") for i in range(2)]
    body = admin_api_client.execute(
        ASSIGN_JUDGES, {"competitionId": competition["id"], "round": "preliminary", "perEntry": 3}
    )
    assert body["data"]["assignJudges"]["result"]["shortfalls"] == []
    return Scored(competition, judges, entries, round_id(competition, "preliminary"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (sheet(11, 5, 5), "innovation: 11 is above the maximum 10"),
        (sheet(-1, 5, 5), "innovation: -1 is below 0"),
        (sheet(7.3, 5, 5), "innovation: 7.3 is not a multiple of 0.5"),
        (sheet(5, 5, 5)[:2], "industry_fit: no score given"),
        ([*sheet(5, 5, 5), {"criterion": "charm", "value": 3}], "charm: not a criterion of this rubric"),
    ],
)
def test_bad_score_sheets_are_refused_and_nothing_is_stored(
    two_entries: Scored, values: list[dict[str, Any]], message: str
) -> None:
    # given
    judge, entry = two_entries.judges[0], two_entries.entries[0]

    # when
    body = judge.api.execute(
        SUBMIT_SCORE, {"entryId": entry["id"], "roundId": two_entries.preliminary, "scores": values}
    )

    # then
    payload = body["data"]["submitScore"]
    assert payload["score"] is None and message in payload["userErrors"][0]["message"]
    mine = judge.api.execute(MY_ASSIGNMENTS, {"roundId": two_entries.preliminary})["data"]["myAssignments"]
    assert all(a["myScore"] is None for a in mine)


def test_only_assigned_judges_score_and_others_are_refused(
    two_entries: Scored, new_judge: Callable[..., JudgeAccount], talent_api_client: Any, admin_api_client: Any
) -> None:
    # given: a judge of another competition, a talent and an admin
    outsider = new_judge("外人")
    variables = {"entryId": two_entries.entries[0]["id"], "roundId": two_entries.preliminary, "scores": sheet(5, 5, 5)}

    # when
    by_outsider = outsider.api.execute(SUBMIT_SCORE, variables)
    by_talent = talent_api_client.execute(SUBMIT_SCORE, variables)
    by_admin = admin_api_client.execute(SUBMIT_SCORE, variables)

    # then
    assert by_outsider["data"]["submitScore"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert "not assigned" in by_outsider["data"]["submitScore"]["userErrors"][0]["message"]
    for body in (by_talent, by_admin):
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    scores = admin_api_client.execute(ROUND_SCORES, {"id": two_entries.preliminary})["data"]["node"]["scores"]
    assert scores == []


def test_a_judge_revises_until_the_round_closes_with_every_change_audited_and_others_hidden(
    two_entries: Scored, admin_api_client: Any, engine: Engine
) -> None:
    # given
    first, second = two_entries.judges[0], two_entries.judges[1]
    entry, preliminary = two_entries.entries[0], two_entries.preliminary

    # when
    submitted = first.api.execute(
        SUBMIT_SCORE, {"entryId": entry["id"], "roundId": preliminary, "scores": sheet(6, 7, 8)}
    )
    revised = first.api.execute(
        SUBMIT_SCORE, {"entryId": entry["id"], "roundId": preliminary, "scores": sheet(8, 7, 8)}
    )
    second.api.execute(SUBMIT_SCORE, {"entryId": entry["id"], "roundId": preliminary, "scores": sheet(6, 6, 6)})
    seen_open = second.api.execute(ROUND_SCORES, {"id": preliminary})["data"]["node"]["scores"]
    closed = admin_api_client.execute(CLOSE_ROUND, {"roundId": preliminary})["data"]["closeRound"]
    after_close = first.api.execute(
        SUBMIT_SCORE, {"entryId": entry["id"], "roundId": preliminary, "scores": sheet(1, 1, 1)}
    )
    seen_closed = second.api.execute(ROUND_SCORES, {"id": preliminary})["data"]["node"]["scores"]

    # then
    assert submitted["data"]["submitScore"]["score"]["total"] == 71.0  # (0.3*6 + 0.3*7 + 0.4*8) * 10
    score = revised["data"]["submitScore"]["score"]
    assert score["total"] == 77.0
    assert [(h["action"], h["actorEmail"]) for h in score["history"]] == [
        ("cup_score.submit", first.email),
        ("cup_score.revise", first.email),
    ]
    assert score["history"][1]["before"]["total"] == 71.0 and score["history"][1]["after"]["total"] == 77.0
    assert [s["judge"]["id"] for s in seen_open] == [second.gid]
    assert closed["round"]["status"] == "CLOSED"
    error = after_close["data"]["submitScore"]["userErrors"][0]
    assert error["code"] == "INVALID_TRANSITION" and "closed" in error["message"]
    assert sorted(s["total"] for s in seen_closed) == [60.0, 77.0]
    with session_scope(engine) as session:
        stored = session.get(Score, decode_id_of(score["id"], "Score"))
        audits = session.exec(
            select(AuditEntry).where(AuditEntry.entity_type == "cup_score", AuditEntry.entity_id == stored.id)  # type: ignore[union-attr]
        ).all()
    assert stored is not None and stored.total == 77.0 and len(audits) == 2


def test_a_recusing_judge_is_replaced_by_a_free_judge_at_once(
    new_judge: Callable[..., JudgeAccount],
    new_competition: Callable[..., dict[str, Any]],
    new_talent: Any,
    admin_api_client: Any,
) -> None:
    # given: three judges, one entry with two of them
    judges = [new_judge(f"评委{i}") for i in range(3)]
    competition = new_competition(judges)
    entry = enter(new_talent(), competition["id"], "海上风电监测")
    preliminary = round_id(competition, "preliminary")
    result = admin_api_client.execute(
        ASSIGN_JUDGES, {"competitionId": competition["id"], "round": "preliminary", "perEntry": 2}
    )
    assigned = {j["id"] for j in result["data"]["assignJudges"]["result"]["assignments"][0]["judges"]}
    leaving = next(j for j in judges if j.gid in assigned)
    spare = next(j for j in judges if j.gid not in assigned)

    # when
    blank = leaving.api.execute(RECUSE, {"entryId": entry["id"], "roundId": preliminary, "reason": "  "})
    body = leaving.api.execute(RECUSE, {"entryId": entry["id"], "roundId": preliminary, "reason": "曾指导该团队"})
    rerun = admin_api_client.execute(
        ASSIGN_JUDGES, {"competitionId": competition["id"], "round": "preliminary", "perEntry": 2}
    )

    # then
    assert blank["data"]["recuse"]["userErrors"][0]["field"] == "reason"
    payload = body["data"]["recuse"]
    assert payload["assignment"] == {"status": "RECUSED", "recusalReason": "曾指导该团队"}
    assert payload["replacement"]["id"] == spare.gid
    mine = spare.api.execute(MY_ASSIGNMENTS, {"roundId": preliminary})["data"]["myAssignments"]
    assert [a["entry"]["id"] for a in mine] == [entry["id"]]
    rerun_judges = {j["id"] for j in rerun["data"]["assignJudges"]["result"]["assignments"][0]["judges"]}
    assert leaving.gid not in rerun_judges and len(rerun_judges) == 2


# ------------------------------------------------------------------ the whole competition


def _score_all(judges: list[JudgeAccount], round_id: str, marks: dict[str, tuple[float, float, float]]) -> None:
    for judge in judges:
        for assignment in judge.api.execute(MY_ASSIGNMENTS, {"roundId": round_id})["data"]["myAssignments"]:
            values = sheet(*marks[assignment["entry"]["id"]])
            body = judge.api.execute(
                SUBMIT_SCORE, {"entryId": assignment["entry"]["id"], "roundId": round_id, "scores": values}
            )
            assert body["data"]["submitScore"]["userErrors"] == [], body


def test_a_competition_runs_from_preliminary_to_frozen_awards_and_feeds_financing(
    new_judge: Callable[..., JudgeAccount],
    new_competition: Callable[..., dict[str, Any]],
    new_talent: Any,
    admin_api_client: Any,
    new_loan_product: Callable[..., dict[str, Any]],
    credit_api_client: Any,
    engine: Engine,
) -> None:
    # given: four entries, five judges scoring all of them in the preliminary
    judges = [new_judge(f"评委{i}") for i in range(5)]
    competition = new_competition(judges, method="TRIMMED_MEAN")
    cid = competition["id"]
    leads = [new_talent() for _ in range(4)]
    invited = new_talent()  # put on the winning team, never answers: not a founder
    entries = [
        enter(lead, cid, f"项目{i}-{uuid.uuid4().hex[:6]}", members=[{"talentId": invited.talent_id}] if i == 0 else [])
        for i, lead in enumerate(leads)
    ]
    marks = {e["id"]: (m, m, m) for e, m in zip(entries, (9.0, 6.0, 8.0, 4.0), strict=True)}
    admin_api_client.execute(ASSIGN_JUDGES, {"competitionId": cid, "round": "preliminary", "perEntry": 5})
    _score_all(judges, round_id(competition, "preliminary"), marks)

    # when: compare methods, close the preliminary, run the final, finalise
    board = admin_api_client.execute(LEADERBOARD, {"competitionId": cid, "round": "preliminary"})["data"]["leaderboard"]
    closed = admin_api_client.execute(CLOSE_ROUND, {"roundId": round_id(competition, "preliminary")})
    admin_api_client.execute(ASSIGN_JUDGES, {"competitionId": cid, "round": "final", "perEntry": 5})
    _score_all(judges, round_id(competition, "final"), marks)
    early = admin_api_client.execute(FINALISE, {"id": cid})["data"]["finaliseCompetition"]
    admin_api_client.execute(CLOSE_ROUND, {"roundId": round_id(competition, "final")})
    final = admin_api_client.execute(FINALISE, {"id": cid})["data"]["finaliseCompetition"]
    frozen_score = judges[0].api.execute(
        SUBMIT_SCORE, {"entryId": entries[0]["id"], "roundId": round_id(competition, "final"), "scores": sheet(1, 1, 1)}
    )
    frozen_entry = leads[0].api.execute(UPDATE_ENTRY, {"id": entries[0]["id"], "input": {"title": "改"}})
    state = admin_api_client.execute(COMPETITION, {"id": cid})["data"]["competition"]

    # then: the leaderboard ranks by the trimmed mean with every method side by side
    assert board["method"] == "TRIMMED_MEAN" and board["tieBreak"] == ["raw_mean", "innovation"]
    assert [r["entry"]["id"] for r in board["rows"]] == [entries[i]["id"] for i in (0, 2, 1, 3)]
    top = board["rows"][0]
    assert (top["aggregate"], top["judgesCounted"], top["methodUsed"], top["flags"]) == (90.0, 3, "TRIMMED_MEAN", [])
    assert {"criterion": "innovation", "mean": 9.0} in top["criterionMeans"]
    assert [w["method"] for w in board["whatIf"]] == ["MEAN", "TRIMMED_MEAN", "ZSCORE"]
    # closing advanced the top 2; finalising needed the final closed, then gave awards and froze everything
    assert closed["data"]["closeRound"]["round"]["status"] == "CLOSED"
    advanced = {e["id"] for e in state["entries"]["nodes"] if {"name": "final"} in e["rounds"]}
    assert advanced == {entries[0]["id"], entries[2]["id"]}
    assert early["userErrors"][0]["code"] == "INVALID_TRANSITION" and "final" in early["userErrors"][0]["message"]
    done = final["competition"]
    assert done["status"] == "FINALISED" and done["finalisedAt"]
    assert [(a["tier"], a["entry"]["id"]) for a in done["awards"]] == [
        ("一等奖", entries[0]["id"]),
        ("二等奖", entries[2]["id"]),
    ]
    assert done["awards"][0]["entry"]["result"] == {"rank": 1, "award": "一等奖", "aggregate": 90.0}
    for payload in (frozen_score["data"]["submitScore"], frozen_entry["data"]["updateEntry"]):
        assert "results are frozen" in payload["userErrors"][0]["message"]

    # and: the winning project is ranked for financing with its competition result explained, founded by its
    # lead alone (the invited member never accepted)
    with session_scope(engine) as session:
        founders = {p.id: p.founder_talent_ids for p in cup_projects(session)}
        assert founders[decode_id_of(entries[0]["id"], "Entry")] == (decode_id_of(leads[0].talent_id, "Talent"),)
        session.add(
            PersonalCreditScore(
                talent_id=decode_id_of(leads[0].talent_id, "Talent"),
                score=720.0,
                source_city="xiamen",
                home_score=720.0,
            )
        )
    product = new_loan_product(
        sizing="FIXED", fixedAmount=500_000, eligibleParks=[], eligibleChains=["BIOMEDICINE"], minTaxRating=None
    )
    ranked: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = credit_api_client.execute(RANK_FINANCING, {"id": product["id"], "after": after})
        found = page["data"]["rankFinancingCandidates"]
        ranked.extend(found["nodes"])
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    [position] = [i for i, n in enumerate(ranked) if n["kind"] == "PROJECT" and n["name"] == entries[0]["title"]]
    assert [n for n in ranked[position:] if n["kind"] == "ENTERPRISE"], "the winner outranks weaker enterprises"
    details = {c["component"]: c["detail"] for c in ranked[position]["explanation"]}
    assert details["track_record"].startswith("Guilu Cup score 90, award: 一等奖 (")


def test_closing_is_refused_while_judges_disagree_widely_unless_acknowledged(
    two_entries: Scored, admin_api_client: Any
) -> None:
    # given: one entry's totals span 0 to 100
    entry, preliminary = two_entries.entries[0], two_entries.preliminary
    low, high = two_entries.judges[0], two_entries.judges[1]
    low.api.execute(SUBMIT_SCORE, {"entryId": entry["id"], "roundId": preliminary, "scores": sheet(0, 0, 0)})
    high.api.execute(SUBMIT_SCORE, {"entryId": entry["id"], "roundId": preliminary, "scores": sheet(10, 10, 10)})

    # when
    board = admin_api_client.execute(
        LEADERBOARD, {"competitionId": two_entries.competition["id"], "round": "preliminary"}
    )
    refused = admin_api_client.execute(CLOSE_ROUND, {"roundId": preliminary})["data"]["closeRound"]
    acknowledged = admin_api_client.execute(CLOSE_ROUND, {"roundId": preliminary, "ack": True})["data"]["closeRound"]

    # then
    assert board["data"]["leaderboard"]["rows"][0]["flags"] == ["judges disagree widely: totals 0.0-100.0"]
    assert refused["round"] is None and refused["userErrors"][0]["field"] == "acknowledgeFlags"
    assert acknowledged["round"]["status"] == "CLOSED"


# ------------------------------------------------------------------ the demo edition


def test_the_demo_edition_shows_real_looking_conflicts_and_a_closed_preliminary(
    admin_api_client: Any, judge_api_client: Any
) -> None:
    # given
    competitions = admin_api_client.execute("{ competitions { id edition status } }")["data"]["competitions"]
    demo = next(c for c in competitions if c["edition"] == 2)

    # when
    conflicts = admin_api_client.execute(CONFLICTS, {"id": demo["id"]})["data"]["conflicts"]
    preliminary = judge_api_client.execute(LEADERBOARD, {"competitionId": demo["id"], "round": "preliminary"})
    final = judge_api_client.execute(LEADERBOARD, {"competitionId": demo["id"], "round": "final"})
    zscore = admin_api_client.execute(LEADERBOARD, {"competitionId": demo["id"], "round": "final", "method": "ZSCORE"})
    teams = admin_api_client.execute(
        "query($id: ID!) { competition(id: $id) { entries(first: 40) {"
        " totalCount nodes { team { accepted talent { id } } } } } }",
        {"id": demo["id"]},
    )["data"]["competition"]["entries"]

    # then
    reasons = [c["reason"] for c in conflicts]
    assert "judge's affiliation 厦大 and 卢晨雨's institution 厦门大学 are the same organisation" in reasons
    assert {c["kind"] for c in conflicts} == {"AFFILIATION", "SAME_PERSON", "DECLARED"}
    rows = preliminary["data"]["leaderboard"]["rows"]
    assert rows[0]["entry"]["title"] == "多重RNA定量技术助力肿瘤精准治疗" and len(rows) == 18
    assert final["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert zscore["data"]["leaderboard"]["method"] == "ZSCORE" and len(zscore["data"]["leaderboard"]["rows"]) == 8
    assert teams["totalCount"] == len(teams["nodes"]) == 18  # every entry of the edition
    members = [m for entry in teams["nodes"] for m in entry["team"]]
    assert len(members) > len(teams["nodes"]) and all(
        m["accepted"] and m["talent"] for m in members
    )  # the demo teams agreed


def test_entries_are_shown_to_their_team_the_panel_and_admins_only(
    new_judge: Callable[..., JudgeAccount],
    new_competition: Callable[..., dict[str, Any]],
    new_talent: Any,
    admin_api_client: Any,
) -> None:
    # given
    panel, outsider_judge = new_judge(), new_judge()
    competition = new_competition([panel])
    lead, member, stranger = new_talent(), new_talent(), new_talent()
    entry = enter(lead, competition["id"], "单细胞云平台", members=[{"talentId": member.talent_id}])
    member.api.execute(RESPOND, {"entryId": entry["id"], "accept": True})
    query = "query($id: ID!) { node(id: $id) { ... on Entry { title team { talent { email } } } } }"

    # when
    seen = {
        name: client.execute(query, {"id": entry["id"]})["data"]["node"]
        for name, client in [
            ("member", member.api),
            ("panel", panel.api),
            ("admin", admin_api_client),
            ("stranger", stranger.api),
            ("other judge", outsider_judge.api),
        ]
    }

    # then
    assert seen["stranger"] is None and seen["other judge"] is None
    assert all(seen[n]["title"] == "单细胞云平台" for n in ("member", "panel", "admin"))
    assert all("***@" in m["talent"]["email"] for m in seen["panel"]["team"])


def test_a_judge_edits_their_own_profile_and_the_panel_takes_judges_only(
    new_judge: Callable[..., JudgeAccount],
    new_competition: Callable[..., dict[str, Any]],
    new_talent: Any,
    admin_api_client: Any,
    engine: Engine,
) -> None:
    # given: a judge, and a talent account that is not one
    judge = new_judge("赵评")
    competition = new_competition([judge])
    talent = new_talent()
    with session_scope(engine) as session:
        talent_account = session.exec(select(Account).where(Account.email == talent.email)).one()
    set_panel = """
    mutation($c: ID!, $ids: [ID!]!) { setPanel(competitionId: $c, judgeIds: $ids) { userErrors { field message } } }
    """

    # when
    own = judge.api.execute(SET_JUDGE_PROFILE, {"input": {"name": "赵评", "affiliations": ["华侨大学"]}})
    other = judge.api.execute(SET_JUDGE_PROFILE, {"email": "judge2@demo.guilu", "input": {"name": "冒名"}})
    not_judge = admin_api_client.execute(
        set_panel,
        {"c": competition["id"], "ids": [encode_global_id("Judge", talent_account.id)]},
    )

    # then
    assert own["data"]["setJudgeProfile"]["judge"]["affiliations"] == ["华侨大学"]
    assert other["data"]["setJudgeProfile"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert not_judge["data"]["setPanel"]["userErrors"][0]["field"] == "judgeIds"
