"""The demo dataset mirrors the programme's published figures and holds together."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from api.demo_data import (
    ACCOUNT_ROLES,
    INDUSTRY_CHAINS,
    DemoDataset,
    build_demo_dataset,
    real_enterprise_keys,
)
from api.uscc import is_valid_uscc
from matching.normalise import name_pinyin

SKILLS_PATH = Path(__file__).resolve().parents[2] / "seeds" / "skills.json"
DISTRICTS = {"思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"}
DEGREES = {"bachelor", "master", "phd", "postdoc"}


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_demo_dataset()


def _highest_degree(talent: dict[str, Any]) -> str:
    order = ["bachelor", "master", "phd", "postdoc"]
    return max((e["degree"] for e in talent["education"]), key=order.index)


def test_employers_are_the_enterprises_posting_jobs(dataset: DemoDataset) -> None:
    # The headhunter firm and the high-tech zone are enterprises that post no jobs.
    employers = {job["employer_key"] for job in dataset.jobs}
    assert len(employers) == 93
    assert len(dataset.enterprises) == 95


def test_jobs_and_headcount_match_the_programme(dataset: DemoDataset) -> None:
    assert len(dataset.jobs) == 350
    assert sum(job["headcount"] for job in dataset.jobs) == 755
    assert all(job["headcount"] >= 1 for job in dataset.jobs)


def test_talents_come_from_twenty_places_and_mostly_hold_a_masters(dataset: DemoDataset) -> None:
    assert len(dataset.talents) == 320
    countries = {e["country"] for t in dataset.talents for e in t["education"]} - {"CN"}
    assert len(countries) >= 20
    masters_or_higher = sum(_highest_degree(t) != "bachelor" for t in dataset.talents)
    assert masters_or_higher / 320 > 0.94
    doctors = sum(_highest_degree(t) in {"phd", "postdoc"} for t in dataset.talents)
    assert 0.2 <= doctors / 320 <= 0.3
    # Every talent studied outside the mainland: they are returnees.
    assert all(any(e["country"] != "CN" for e in t["education"]) for t in dataset.talents)


def test_the_cup_winner_is_present(dataset: DemoDataset) -> None:
    lu = next(t for t in dataset.talents if t["name_zh"] == "卢晨雨")
    assert (lu["name_pinyin"], lu["name_en"]) == ("lu chen yu", "Chenyu Lu")
    assert {"City University of Hong Kong"} == {e["institution"] for e in lu["education"] if e["degree"] == "phd"}
    assert "biomedicine" in lu["wished_industries"]
    assert "Multiplex RNA Quantification" in lu["skills"] or "多重RNA定量" in lu["skills"]


def test_named_employers_appear_with_their_chains(dataset: DemoDataset) -> None:
    by_name = {e["legal_name"]: e for e in dataset.enterprises}
    expected = {
        "厦门艾德生物医药科技股份有限公司": "biomedicine",
        "厦门钨业股份有限公司": "new_materials",
        "厦门松霖科技股份有限公司": "advanced_equipment",
        "厦门海辰储能科技股份有限公司": "new_energy",
        "上海浦东发展银行股份有限公司厦门分行": "financial_services",
    }
    for name, chain in expected.items():
        assert by_name[name]["industry_chain"] == chain
    assert by_name["厦门大学"]["uscc"][0] == "1"
    assert "Xiamen Tungsten Co., Ltd." in by_name["厦门钨业股份有限公司"]["aliases"]
    assert "Amoy Diagnostics" in by_name["厦门艾德生物医药科技股份有限公司"]["aliases"]
    assert {"厦门鹭海科技有限公司", "厦门鹭海软件有限公司"} <= set(by_name)
    assert real_enterprise_keys() >= {by_name["厦门大学"]["key"], by_name["厦门钨业股份有限公司"]["key"]}
    assert by_name["厦门鹭海科技有限公司"]["key"] not in real_enterprise_keys()


def test_enterprises_cover_every_chain_and_district(dataset: DemoDataset) -> None:
    assert {e["industry_chain"] for e in dataset.enterprises} == set(INDUSTRY_CHAINS)
    assert {e["district"] for e in dataset.enterprises} == DISTRICTS
    assert {j["industry_chain"] for j in dataset.jobs} == set(INDUSTRY_CHAINS)


def test_usccs_are_valid_unique_and_from_xiamen(dataset: DemoDataset) -> None:
    codes = [e["uscc"] for e in dataset.enterprises]
    assert all(is_valid_uscc(code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert all(code[2:6] == "3502" for code in codes)
    assert {code[0] for code in codes} >= {"1", "9", "N"}


def test_keys_are_unique_and_references_resolve(dataset: DemoDataset) -> None:
    enterprise_keys = [e["key"] for e in dataset.enterprises]
    talent_keys = [t["key"] for t in dataset.talents]
    job_keys = [j["key"] for j in dataset.jobs]
    for keys in (enterprise_keys, talent_keys, job_keys):
        assert len(set(keys)) == len(keys)
    assert {j["employer_key"] for j in dataset.jobs} <= set(enterprise_keys)
    assert {a["talent_key"] for a in dataset.applications} <= set(talent_keys)
    assert {a["job_key"] for a in dataset.applications} <= set(job_keys)
    for account in dataset.accounts:
        assert account["enterprise_key"] in {None, *enterprise_keys}
        assert account["talent_key"] in {None, *talent_keys}


def test_applications_are_unique_pairs_across_all_statuses(dataset: DemoDataset) -> None:
    pairs = [(a["talent_key"], a["job_key"]) for a in dataset.applications]
    assert len(pairs) == len(set(pairs)) == 600
    assert set(Counter(a["status"] for a in dataset.applications)) == {
        "applied",
        "screening",
        "interview",
        "offer",
        "hired",
        "rejected",
        "withdrawn",
    }


def test_every_role_has_an_account(dataset: DemoDataset) -> None:
    by_role = {a["role"]: a for a in dataset.accounts}
    assert set(by_role) == set(ACCOUNT_ROLES)
    assert all(a["password"] == "guilu-demo" and a["email"].endswith("@demo.guilu") for a in dataset.accounts)
    enterprises = {e["key"]: e for e in dataset.enterprises}
    assert enterprises[by_role["employer"]["enterprise_key"]]["legal_name"] == "厦门海辰储能科技股份有限公司"
    assert enterprises[by_role["headhunter"]["enterprise_key"]]["legal_name"] == "厦门鹭才人力资源服务有限公司"
    talents = {t["key"]: t for t in dataset.talents}
    assert talents[by_role["talent"]["talent_key"]]["name_zh"] == "卢晨雨"


def test_talent_records_are_well_formed(dataset: DemoDataset) -> None:
    emails = [t["email"] for t in dataset.talents]
    phones = [t["phone"] for t in dataset.talents]
    assert len(set(emails)) == len(emails) and len(set(phones)) == len(phones)
    for talent in dataset.talents:
        assert talent["email"].split("@")[1] in {"example.com", "example.org"}
        assert talent["phone"].startswith("+86 13")
        assert talent["name_pinyin"] == name_pinyin(talent["name_zh"])
        assert set(talent["wished_industries"]) <= set(INDUSTRY_CHAINS)
        assert {e["degree"] for e in talent["education"]} <= DEGREES
        years = [e["year"] for e in talent["education"]]
        assert years == sorted(years) and years[-1] <= 2024
        assert talent["birth_year"] + 20 <= years[0]
        assert talent["skills"] and talent["languages"]
    assert Counter(t["nationality"] for t in dataset.talents).most_common(1)[0][0] == "CN"
    assert sum(t["discoverable"] for t in dataset.talents) > 0.8 * len(dataset.talents)


def test_tricky_surnames_are_read_as_surnames(dataset: DemoDataset) -> None:
    tricky = [t for t in dataset.talents if t["name_zh"][0] in "单曾"]
    assert tricky
    for talent in tricky:
        assert talent["name_pinyin"].split()[0] in {"shan", "zeng"}


def test_job_records_are_well_formed(dataset: DemoDataset) -> None:
    enterprises = {e["key"]: e for e in dataset.enterprises}
    allowed_hard = {"required_skills", "degree", "field_of_study", "languages", "experience", "location"}
    for job in dataset.jobs:
        employer = enterprises[job["employer_key"]]
        assert (job["district"], job["industry_chain"]) == (employer["district"], employer["industry_chain"])
        assert job["required_skills"]
        assert set(job["hard_requirements"]) <= allowed_hard
        assert job["min_degree"] in {"bachelor", "master", "phd", None}
        assert 0 < job["salary_min"] <= job["salary_max"]
        assert job["status"] in {"open", "closed"}
        assert job["posted_on"].startswith("2024-")
        assert job["closes_on"] is None or job["closes_on"] > job["posted_on"]
    assert Counter(job["status"] for job in dataset.jobs)["closed"] > 0


def test_skills_come_from_the_vocabulary_with_a_few_slips(dataset: DemoDataset) -> None:
    vocabulary = json.loads(SKILLS_PATH.read_text(encoding="utf-8"))["skills"]
    labels = {label for s in vocabulary for label in (s["zh"], s["en"], *s["aliases"])}
    used = [s for t in dataset.talents for s in t["skills"]]
    used += [s for j in dataset.jobs for s in (*j["required_skills"], *j["preferred_skills"])]
    unknown = [s for s in used if s not in labels]
    # About 5% are typos or variants, so fuzzy matching has something to do.
    assert 0.02 < len(unknown) / len(used) < 0.08
    written_in_chinese = sum(any("\u4e00" <= c <= "\u9fff" for c in s) for s in used)
    assert 0.2 < written_in_chinese / len(used) < 0.7


def test_build_is_deterministic() -> None:
    assert build_demo_dataset() == build_demo_dataset()


def test_skills_path_can_be_overridden(tmp_path: Path) -> None:
    vocabulary = json.loads(SKILLS_PATH.read_text(encoding="utf-8"))
    path = tmp_path / "skills.json"
    path.write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    assert build_demo_dataset(skills_path=path) == build_demo_dataset()
