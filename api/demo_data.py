"""Deterministic demo data mirroring the figures of the returnee-talent programme.

The source article reports 93 employers publishing 350 roles to hire 755 people,
and 320+ overseas-educated applicants from 20+ countries and regions, over 94%
of them with a master's degree or higher.  :func:`build_demo_dataset` turns the
hand-written lists in ``seeds/demo/*.json`` and the skill vocabulary in
``seeds/skills.json`` into plain dicts with exactly those figures; the seed
loader maps the dicts into the database.

Real organisations named in the article appear with neutral facts only (they
recruit); see :func:`real_enterprise_keys`.  Every code, person and contact
detail is made up.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from api.uscc import make_uscc
from matching.normalise import has_han, name_pinyin

__all__ = [
    "ACCOUNT_ROLES",
    "APPLICATION_COUNT",
    "DEMO_PASSWORD",
    "EMPLOYER_COUNT",
    "HEADCOUNT_TOTAL",
    "INDUSTRY_CHAINS",
    "JOB_COUNT",
    "SEED",
    "TALENT_COUNT",
    "DemoDataset",
    "build_demo_dataset",
    "real_enterprise_keys",
]

SEED = 2024
EMPLOYER_COUNT = 93
JOB_COUNT = 350
HEADCOUNT_TOTAL = 755
TALENT_COUNT = 320
APPLICATION_COUNT = 600
DEMO_PASSWORD = "guilu-demo"

INDUSTRY_CHAINS = (
    "electronic_information",
    "advanced_equipment",
    "trade_logistics",
    "financial_services",
    "biomedicine",
    "new_materials",
    "new_energy",
    "culture_tourism",
    "third_gen_semiconductors",
    "future_networks",
    "frontier_materials",
    "hydrogen_energy_storage",
    "gene_biotech",
    "deep_sea_aerospace",
)

ACCOUNT_ROLES = ("admin", "employer", "talent", "judge", "headhunter", "credit_officer", "bank_officer")

_ROOT = Path(__file__).resolve().parent.parent
_SEEDS = _ROOT / "seeds"
_DEMO = _SEEDS / "demo"
DEFAULT_SKILLS_PATH = _SEEDS / "skills.json"

_DISTRICT_REGION = {
    "思明区": "350203",
    "海沧区": "350205",
    "湖里区": "350206",
    "集美区": "350211",
    "同安区": "350212",
    "翔安区": "350213",
}
# Highest degree of the 319 generated talents; with the featured PhD that makes
# 304 of 320 (95.0%) with a master's or higher and 80 (25%) with a doctorate.
_HIGHEST_DEGREES = {"bachelor": 16, "master": 224, "phd": 71, "postdoc": 8}
_APPLICATION_STATUSES = {
    "applied": 30,
    "screening": 20,
    "interview": 15,
    "offer": 8,
    "hired": 7,
    "rejected": 15,
    "withdrawn": 5,
}
_ENGLISH_SPEAKING = frozenset({"GB", "US", "AU", "CA", "SG", "NZ", "IE", "HK"})
_OTHER_CN_CITIES = ("福州", "泉州", "上海", "深圳", "北京", "杭州", "广州")
_NEARBY_CITIES = ("福州", "泉州", "漳州")
# Employers named in the article get more roles, in line with their size.
_EMPLOYER_WEIGHTS = {
    "hithium": 8.0,
    "xiamen-tungsten": 6.0,
    "amoy-diagnostics": 5.0,
    "xiamen-university": 5.0,
    "solex": 4.0,
    "spdb-xiamen": 3.0,
    "bocom-xiamen": 3.0,
    "yijuda": 2.0,
}
_OBJ = dict[str, Any]


@dataclass(frozen=True)
class DemoDataset:
    """Plain records, ready for the seed loader; keys link them together."""

    enterprises: list[_OBJ]
    talents: list[_OBJ]
    jobs: list[_OBJ]
    applications: list[_OBJ]
    accounts: list[_OBJ]


def build_demo_dataset(*, skills_path: Path | None = None, demo_dir: Path | None = None) -> DemoDataset:
    """Build the demo dataset; the same files always give the same dataset.

    Parameters
    ----------
    skills_path
        The skill vocabulary (``{"skills": [{"id", "zh", "en", "chain", "aliases"}]}``);
        defaults to ``seeds/skills.json``.
    demo_dir
        The folder of hand-written source lists; defaults to ``seeds/demo``.
    """
    demo = demo_dir or _DEMO
    rng = random.Random(SEED)
    skills = _SkillPicker(_load(skills_path or DEFAULT_SKILLS_PATH)["skills"])
    chains = _load(demo / "chains.json")
    enterprises, sources = _enterprises(rng, _load(demo / "employers.json")["enterprises"])
    talents = _talents(
        rng,
        skills,
        institutions=_load(demo / "institutions.json"),
        names=_load(demo / "names.json"),
        featured=_load(demo / "featured_talents.json")["talents"],
        chains=chains["chains"],
    )
    jobs = _jobs(rng, skills, [s for s in sources if s["posts_jobs"]], chains)
    applications = _applications(rng, talents, jobs)
    accounts = _accounts(sources, talents)
    return DemoDataset(enterprises, talents, jobs, applications, accounts)


def real_enterprise_keys(*, demo_dir: Path | None = None) -> frozenset[str]:
    """Keys of the real organisations; they must never carry an adverse credit record."""
    sources = _load((demo_dir or _DEMO) / "employers.json")["enterprises"]
    return frozenset(s["key"] for s in sources if s["real"])


@cache
def _load_cached(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _load(path: Path) -> Any:
    # A fresh copy each time, so the builder never shares mutable state between calls.
    return json.loads(json.dumps(_load_cached(path.resolve())))


def _enterprises(rng: random.Random, sources: list[_OBJ]) -> tuple[list[_OBJ], list[_OBJ]]:
    enterprises: list[_OBJ] = []
    seen: set[str] = set()
    for source in sources:
        while True:
            body = "MA" + "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=6))
            code = make_uscc(source["authority"], source["org_type"], _DISTRICT_REGION[source["district"]], body)
            if code not in seen:
                seen.add(code)
                break
        enterprises.append(
            {
                "key": source["key"],
                "legal_name": source["legal_name"],
                "aliases": list(source["aliases"]),
                "uscc": code,
                "industry_chain": source["industry_chain"],
                "district": source["district"],
            }
        )
    return enterprises, sources


class _SkillPicker:
    """Draws skills of a chain and writes them the way people do: zh, en, alias, typo."""

    def __init__(self, skills: list[_OBJ]) -> None:
        self.by_id = {skill["id"]: skill for skill in skills}
        self.by_chain: dict[str, list[_OBJ]] = {}
        for skill in skills:
            chain = skill["chain"] if skill["chain"] in INDUSTRY_CHAINS else "general"
            self.by_chain.setdefault(chain, []).append(skill)

    def draw(self, rng: random.Random, chain: str, count: int, exclude: set[str]) -> list[_OBJ]:
        pool = [s for s in self.by_chain.get(chain, []) if s["id"] not in exclude]
        chosen = rng.sample(pool, min(count, len(pool)))
        exclude.update(s["id"] for s in chosen)
        return chosen

    def label(self, rng: random.Random, skill: _OBJ, *, zh_share: float, typo_rate: float = 0.05) -> str:
        roll = rng.random()
        if roll < zh_share:
            text: str = skill["zh"]
        elif roll < 0.85 or not skill["aliases"]:
            text = skill["en"]
        else:
            text = rng.choice(skill["aliases"])
        if rng.random() < typo_rate:
            text = _typo(rng, text)
        return text


def _typo(rng: random.Random, text: str) -> str:
    """A small slip of the kind fuzzy matching has to forgive."""
    if has_han(text):
        han = [i for i, char in enumerate(text) if has_han(char)]
        if len(han) >= 3:
            index = rng.choice(han[1:])
            return text[:index] + text[index + 1 :]
        return text + "技术"
    letters = [i for i in range(1, len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
    swappable = [i for i in letters if text[i] != text[i + 1]]
    if swappable:
        i = rng.choice(swappable)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text.lower() if text != text.lower() else text.upper()


def _talents(
    rng: random.Random,
    skills: _SkillPicker,
    *,
    institutions: _OBJ,
    names: _OBJ,
    featured: list[_OBJ],
    chains: _OBJ,
) -> list[_OBJ]:
    overseas: _OBJ = institutions["overseas"]
    countries = sorted(overseas)
    country_weights = [overseas[c]["weight"] for c in countries]
    contacts = _Contacts()
    talents: list[_OBJ] = []

    for entry in featured:
        surname_len = 1
        talent = _talent_record(len(talents) + 1, entry["name_zh"], entry["name_en"], surname_len, contacts)
        talent.update(
            birth_year=entry["birth_year"],
            nationality=entry["nationality"],
            years_experience=entry["years_experience"],
            current_city=entry["current_city"],
            wished_cities=list(entry["wished_cities"]),
            wished_industries=list(entry["wished_industries"]),
            discoverable=True,
            skills=[skills.label(rng, skills.by_id[i], zh_share=0.3, typo_rate=0.0) for i in entry["skill_ids"]],
            education=[dict(e) for e in entry["education"]],
            languages=[dict(language) for language in entry["languages"]],
        )
        talents.append(talent)

    highest = [degree for degree, count in _HIGHEST_DEGREES.items() for _ in range(count)]
    rng.shuffle(highest)
    foreign = list(names["foreign_talents"])
    surnames = sorted(names["surnames"])
    surname_weights = [names["surnames"][s] for s in surnames]
    given_chars: list[str] = names["given_chars"]

    for index, top in enumerate(highest):
        if index < len(foreign):
            person = foreign[index]
            name_zh, name_en = person["name_zh"], person["name_en"]
            nationality, home = person["nationality"], person["country"]
            surname_len = 1
        else:
            surname = rng.choices(surnames, surname_weights)[0]
            given = "".join(rng.choices(given_chars, k=2 if rng.random() < 0.75 else 1))
            name_zh, name_en, nationality, home = surname + given, None, "CN", None
            surname_len = len(surname)
        talent = _talent_record(len(talents) + 1, name_zh, name_en, surname_len, contacts)

        chain = rng.choice(INDUSTRY_CHAINS)
        field = rng.choice(chains[chain]["fields"])
        education = _education(rng, top, field, home, institutions, countries, country_weights)
        last_year = education[-1]["year"]
        study_countries = [e["country"] for e in education]
        abroad = [c for c in study_countries if c != "CN"]
        wished = [chain]
        if rng.random() < 0.45:
            wished.append(rng.choice([c for c in INDUSTRY_CHAINS if c != chain]))

        chosen = skills.draw(rng, chain, rng.randint(3, 6), set())
        if len(wished) > 1:
            chosen += skills.draw(rng, wished[1], rng.randint(0, 2), {s["id"] for s in chosen})
        chosen += skills.draw(rng, "general", rng.randint(1, 3), {s["id"] for s in chosen})

        roll = rng.random()
        if roll < 0.45:
            current_city = "厦门"
        elif roll < 0.65:
            current_city = rng.choice(_OTHER_CN_CITIES)
        else:
            current_city = rng.choice(overseas[abroad[-1]]["cities"])
        wished_cities = ["厦门"] + ([rng.choice(_NEARBY_CITIES)] if rng.random() < 0.2 else [])

        talent.update(
            birth_year=education[0]["year"] - 22 - rng.randint(0, 1),
            nationality=nationality,
            years_experience=max(0, 2024 - last_year - rng.randint(0, 1)),
            current_city=current_city,
            wished_cities=wished_cities,
            wished_industries=wished,
            discoverable=rng.random() < 0.9,
            skills=[skills.label(rng, s, zh_share=0.35) for s in chosen],
            education=education,
            languages=_languages(rng, nationality, abroad, overseas),
        )
        talents.append(talent)
    return talents


class _Contacts:
    """Unique fictional e-mail addresses and phone numbers."""

    def __init__(self) -> None:
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.rng = random.Random(SEED + 1)

    def email(self, local: str) -> str:
        domain = "example.com" if len(self.emails) % 3 else "example.org"
        candidate, n = f"{local}@{domain}", 1
        while candidate in self.emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.emails.add(candidate)
        return candidate

    def phone(self) -> str:
        while True:
            candidate = f"+86 13{self.rng.choice('89')}{self.rng.randrange(10**8):08d}"
            if candidate not in self.phones:
                self.phones.add(candidate)
                return candidate


def _talent_record(number: int, name_zh: str, name_en: str | None, surname_len: int, contacts: _Contacts) -> _OBJ:
    pinyin = name_pinyin(name_zh)
    syllables = pinyin.split()
    family = "".join(syllables[:surname_len]).capitalize()
    given = "".join(syllables[surname_len:]).capitalize()
    english = name_en or f"{given} {family}".strip()
    local = ".".join(part.lower() for part in english.replace("-", " ").split())
    return {
        "key": f"t-{number:04d}",
        "name_zh": name_zh,
        "name_pinyin": pinyin,
        "name_en": english,
        "email": contacts.email(local),
        "phone": contacts.phone(),
    }


def _education(
    rng: random.Random,
    top: str,
    field: str,
    home: str | None,
    institutions: _OBJ,
    countries: list[str],
    weights: list[int],
) -> list[_OBJ]:
    overseas: _OBJ = institutions["overseas"]

    def abroad(prefer: str | None, stay: float) -> str:
        if prefer is not None and prefer != "CN" and rng.random() < stay:
            return prefer
        return rng.choices(countries, weights)[0]

    def degree(kind: str, country: str, year: int, avoid: str | None = None) -> _OBJ:
        pool = institutions["mainland"] if country == "CN" else overseas[country]["institutions"]
        choices = [i for i in pool if i != avoid] or pool
        return {
            "degree": kind,
            "institution": rng.choice(choices),
            "country": country,
            "field_of_study": field,
            "year": year,
        }

    # Work backwards from when the last degree was finished.
    last_year = rng.randint(2012, 2024)
    steps = {"bachelor": [0], "master": [0, rng.randint(1, 2)]}.get(top)
    if steps is None:
        direct_phd = rng.random() < 0.3
        phd_years = rng.randint(5, 6) if direct_phd else rng.randint(3, 5)
        steps = [0, phd_years] if direct_phd else [0, rng.randint(1, 2), phd_years]
        if top == "postdoc":
            steps.append(rng.randint(2, 3))
    first_year = last_year - sum(steps)

    kinds = ["bachelor"]
    if top == "master":
        kinds.append("master")
    elif top in ("phd", "postdoc"):
        kinds += ["master"] * (len(steps) - (3 if top == "postdoc" else 2)) + ["phd"]
        if top == "postdoc":
            kinds.append("postdoc")

    records: list[_OBJ] = []
    year = first_year
    previous: str | None = home
    for kind, step in zip(kinds, steps, strict=True):
        year += step
        if kind == "bachelor":
            if home is not None:
                country = home
            elif top == "bachelor" or rng.random() < 0.4:
                country = abroad(None, 0.0)
            else:
                country = "CN"
        else:
            country = abroad(previous, 0.5)
        avoid = records[-1]["institution"] if kind == "postdoc" else None
        records.append(degree(kind, country, year, avoid))
        previous = country
    return records


def _languages(rng: random.Random, nationality: str, abroad: list[str], overseas: _OBJ) -> list[_OBJ]:
    levels: dict[str, str] = {}
    if nationality == "CN":
        levels["zh"] = "native"
    else:
        local = overseas.get(nationality, {}).get("languages", [])
        native = local[0] if local and nationality not in ("HK", "MO") else "en"
        if nationality in ("HK", "MO"):
            levels["yue"] = "native"
            levels["zh"] = "fluent"
        elif nationality in ("TW", "SG"):
            levels["zh"] = "native"
        else:
            levels[native] = "native"
            levels["zh"] = rng.choice(["intermediate", "fluent"])
    english = any(c in _ENGLISH_SPEAKING for c in abroad)
    levels.setdefault("en", "fluent" if english or rng.random() < 0.6 else "intermediate")
    for country in dict.fromkeys(abroad):
        for language in overseas[country]["languages"]:
            levels.setdefault(language, rng.choice(["basic", "intermediate", "intermediate", "fluent"]))
    return [{"language": language, "level": level} for language, level in levels.items()]


def _spread(rng: random.Random, total: int, bins: int, weights: Sequence[float]) -> list[int]:
    """``bins`` counts of at least one that sum to ``total``."""
    counts = [1] * bins
    for index in rng.choices(range(bins), weights, k=total - bins):
        counts[index] += 1
    return counts


def _jobs(rng: random.Random, skills: _SkillPicker, employers: list[_OBJ], chains: _OBJ) -> list[_OBJ]:
    if len(employers) != EMPLOYER_COUNT:
        raise ValueError(f"employers.json lists {len(employers)} employers posting jobs, expected {EMPLOYER_COUNT}")
    per_employer = _spread(
        rng,
        JOB_COUNT,
        EMPLOYER_COUNT,
        [_EMPLOYER_WEIGHTS.get(e["key"], 0.5 + rng.random()) for e in employers],
    )
    headcounts = _spread(rng, HEADCOUNT_TOTAL, JOB_COUNT, [rng.random() ** 2 for _ in range(JOB_COUNT)])
    seniority: list[_OBJ] = chains["seniority"]
    templates: list[str] = chains["description_templates"]
    jobs: list[_OBJ] = []
    for employer, count in zip(employers, per_employer, strict=True):
        chain_code = employer["industry_chain"]
        chain = chains["chains"][chain_code]
        short_name = employer["aliases"][0] if employer["aliases"] else employer["legal_name"]
        for _ in range(count):
            title = rng.choice(chain["titles"])
            level = rng.choice(seniority) if rng.random() < 0.35 else seniority[0]
            zh_title = level["zh"] + title["zh"]
            en_title = f"{level['en']} {title['en']}".strip()
            title_style = rng.random()
            text = zh_title if title_style < 0.4 else en_title if title_style < 0.65 else f"{en_title} {zh_title}"
            senior = bool(level["en"])

            focus = rng.choice(chain["focus"])
            description = " ".join(
                t.format(employer=short_name, focus=focus, title=zh_title, chain_en=chain["en"].lower())
                for t in [templates[0], *rng.sample(templates[1:], 2)]
            )

            taken: set[str] = set()
            required = skills.draw(rng, chain_code, rng.randint(2, 5), taken)
            preferred = skills.draw(rng, chain_code, rng.randint(0, 2), taken)
            preferred += skills.draw(rng, "general", rng.randint(0, 2), taken)

            min_degree = rng.choices(["bachelor", "master", "phd", None], [30, 45, 20, 5])[0]
            hard = rng.choices(
                [
                    [],
                    ["degree"],
                    ["degree", "field_of_study"],
                    ["required_skills"],
                    ["location"],
                    ["degree", "experience"],
                    ["languages"],
                ],
                [50, 30, 6, 5, 3, 4, 2],
            )[0]
            if min_degree is None:
                hard = [h for h in hard if h != "degree"]
            languages = (
                [{"language": "en", "level": rng.choice(["intermediate", "fluent"])}] if rng.random() < 0.6 else []
            )
            if "languages" in hard and not languages:
                languages = [{"language": "en", "level": "fluent"}]
            base = {"bachelor": 10000, "master": 15000, "phd": 25000, None: 8000}[min_degree]
            salary_min = _round_to(base * (1.4 if senior else 1.0) * rng.uniform(0.8, 1.5), 500)
            salary_max = _round_to(salary_min * rng.uniform(1.3, 1.8), 500)
            posted = date(2024, 3, 1) + timedelta(days=rng.randint(0, 150))
            closes = posted + timedelta(days=rng.randint(30, 120)) if rng.random() < 0.7 else None

            jobs.append(
                {
                    "key": f"j-{len(jobs) + 1:04d}",
                    "employer_key": employer["key"],
                    "title": text,
                    "description": description,
                    "required_skills": [skills.label(rng, s, zh_share=0.5) for s in required],
                    "preferred_skills": [skills.label(rng, s, zh_share=0.5) for s in preferred],
                    "hard_requirements": hard,
                    "min_degree": min_degree,
                    "fields_of_study": rng.sample(chain["fields"], rng.randint(1, 2)),
                    "languages": languages,
                    "min_years_experience": rng.randint(3, 8) if senior else rng.randint(0, 3),
                    "salary_min": salary_min,
                    "salary_max": salary_max,
                    "headcount": headcounts[len(jobs)],
                    "city": "厦门",
                    "district": employer["district"],
                    "industry_chain": chain_code,
                    "status": "closed" if rng.random() < 0.05 else "open",
                    "posted_on": posted.isoformat(),
                    "closes_on": closes.isoformat() if closes else None,
                }
            )
    return jobs


def _round_to(value: float, step: int) -> int:
    return max(step, round(value / step) * step)


def _applications(rng: random.Random, talents: list[_OBJ], jobs: list[_OBJ]) -> list[_OBJ]:
    statuses = list(_APPLICATION_STATUSES)
    status_weights = list(_APPLICATION_STATUSES.values())
    jobs_by_chain: dict[str, list[_OBJ]] = {}
    for job in jobs:
        jobs_by_chain.setdefault(job["industry_chain"], []).append(job)
    pairs: set[tuple[str, str]] = set()
    applications: list[_OBJ] = []

    def add(talent_key: str, job_key: str, status: str) -> None:
        pairs.add((talent_key, job_key))
        applications.append({"talent_key": talent_key, "job_key": job_key, "status": status})

    # The featured talent has applied to the two biomedical employers named in the article.
    featured = talents[0]["key"]
    for employer_key, status in (("amoy-diagnostics", "interview"), ("xiamen-university", "screening")):
        job = next(j for j in jobs if j["employer_key"] == employer_key)
        add(featured, job["key"], status)

    while len(applications) < APPLICATION_COUNT:
        talent = rng.choice(talents)
        if rng.random() < 0.75:
            chain = rng.choice(talent["wished_industries"])
            job = rng.choice(jobs_by_chain.get(chain) or jobs)
        else:
            job = rng.choice(jobs)
        if (talent["key"], job["key"]) not in pairs:
            add(talent["key"], job["key"], rng.choices(statuses, status_weights)[0])
    return applications


def _accounts(sources: list[_OBJ], talents: list[_OBJ]) -> list[_OBJ]:
    employer_key = next(s["key"] for s in sources if s["key"] == "hithium")
    headhunter_key = next(s["key"] for s in sources if s["key"] == "lucai-hr")
    links: dict[str, tuple[str | None, str | None]] = {
        "admin": (None, None),
        "employer": (employer_key, None),
        "talent": (None, talents[0]["key"]),
        "judge": (None, None),
        "headhunter": (headhunter_key, None),
        "credit_officer": (None, None),
        "bank_officer": (None, None),
    }
    local_part = {"credit_officer": "credit", "bank_officer": "bank"}
    return [
        {
            "email": f"{local_part.get(role, role)}@demo.guilu",
            "role": role,
            "password": DEMO_PASSWORD,
            "enterprise_key": enterprise_key,
            "talent_key": talent_key,
        }
        for role, (enterprise_key, talent_key) in links.items()
    ]
