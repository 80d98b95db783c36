"""Benchmark person linkage: N synthetic records against N, with known truth.

Usage::

    python bench/link_people.py              # 100,000 against 100,000
    python bench/link_people.py --size 10000

The generator is deterministic (``--seed``).  Left records are people as they
registered (Chinese name, one email, often a phone, a birth date and a
university); about 20% of the right records (``--match-rate``) are the same
people as a headhunter typed them: the name in pinyin (either order, spaced,
hyphenated, capitalised family name), Traditional characters, initials or a
Cantonese family name; the email in capitals, with Gmail dots or a ``+tag``, a
typo, or another address; the phone with ``+86`` and spaces, or missing; the
birth date with day and month swapped, as a year, or missing; the university in
English.  The other right records are new people drawn from the same
distribution: family names follow their real frequency (王, 李, 张 and 刘 are
a quarter of everyone), so many share a name.

Prints the time of each stage, the peak resident memory, the pairs compared
against the full cross product, the blocks skipped, the links found and their
precision and recall against the generator's truth.  Universities are resolved
through an :class:`~matching.resolve.OrganisationResolver` over the twenty used
(``--no-resolver`` compares their canonical names instead).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.normalise import name_pinyin
from matching.people import (
    LINK_THRESHOLD,
    REVIEW_THRESHOLD,
    PersonRecord,
    link_records_with_stats,
)
from matching.resolve import OrganisationResolver, OrgRecord

# Family names with their approximate share of the population (percent); the rest share the remainder.
SURNAMES = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2), ("赵", 2.0),
    ("吴", 2.0), ("周", 1.9), ("徐", 1.6), ("孙", 1.5), ("马", 1.5), ("朱", 1.3), ("胡", 1.3), ("郭", 1.2),
    ("何", 1.2), ("高", 1.1), ("林", 1.1), ("罗", 0.9), ("郑", 0.9), ("梁", 0.9), ("谢", 0.8), ("宋", 0.8),
    ("唐", 0.8), ("许", 0.7), ("韩", 0.7), ("冯", 0.7), ("邓", 0.7), ("曹", 0.7), ("彭", 0.6), ("曾", 0.6),
    ("肖", 0.6), ("田", 0.6), ("董", 0.5), ("袁", 0.5), ("潘", 0.5), ("于", 0.5), ("蒋", 0.5), ("蔡", 0.5),
    ("余", 0.5), ("杜", 0.5), ("叶", 0.5), ("程", 0.5), ("苏", 0.4), ("魏", 0.4), ("吕", 0.4), ("丁", 0.4),
    ("任", 0.4), ("沈", 0.4), ("姚", 0.4), ("卢", 0.4), ("姜", 0.4), ("崔", 0.3), ("钟", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3), ("石", 0.3), ("廖", 0.3), ("贾", 0.3), ("夏", 0.3),
    ("韦", 0.3), ("付", 0.3), ("方", 0.3), ("白", 0.3), ("邹", 0.3), ("孟", 0.3), ("熊", 0.3), ("秦", 0.3),
    ("邱", 0.3), ("江", 0.3), ("尹", 0.3), ("薛", 0.3), ("闫", 0.2), ("段", 0.2), ("雷", 0.2), ("侯", 0.2),
    ("龙", 0.2), ("史", 0.2), ("陶", 0.2), ("黎", 0.2), ("贺", 0.2), ("顾", 0.2), ("毛", 0.2), ("郝", 0.2),
    ("龚", 0.2), ("邵", 0.2), ("万", 0.2), ("钱", 0.2), ("严", 0.2), ("覃", 0.2), ("武", 0.2), ("戴", 0.2),
    ("莫", 0.2), ("孔", 0.2), ("向", 0.2), ("汤", 0.2), ("欧阳", 0.1), ("单", 0.1), ("司马", 0.05),
)  # fmt: skip
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红梅丹婷志飞浩宇晨雨嘉文思远"
    "欣怡子涵梓轩俊杰佳琪雪颖晓东亮斌博鑫海峰雅琳瑞凯佳慧宁凡哲翔振宏旭阳锦程诗涵一鸣天佑泽林舒然"
)
CANTONESE = {
    "陈": "Chan",
    "王": "Wong",
    "黄": "Wong",
    "李": "Lee",
    "张": "Cheung",
    "刘": "Lau",
    "林": "Lam",
    "吴": "Ng",
}
DOMAINS = ("gmail.com", "163.com", "qq.com", "outlook.com", "126.com", "hotmail.com", "foxmail.com")
UNIVERSITIES = (
    ("厦门大学", "Xiamen University"), ("清华大学", "Tsinghua University"), ("北京大学", "Peking University"),
    ("浙江大学", "Zhejiang University"), ("复旦大学", "Fudan University"),
    ("上海交通大学", "Shanghai Jiao Tong University"),
    ("南京大学", "Nanjing University"), ("中山大学", "Sun Yat-sen University"), ("武汉大学", "Wuhan University"),
    ("斯坦福大学", "Stanford University"), ("麻省理工学院", "Massachusetts Institute of Technology"),
    ("剑桥大学", "University of Cambridge"), ("牛津大学", "University of Oxford"),
    ("帝国理工学院", "Imperial College London"), ("新加坡国立大学", "National University of Singapore"),
    ("南洋理工大学", "Nanyang Technological University"), ("香港大学", "University of Hong Kong"),
    ("东京大学", "University of Tokyo"), ("多伦多大学", "University of Toronto"),
    ("墨尔本大学", "University of Melbourne"),
)  # fmt: skip

_S2T = opencc.OpenCC("s2t")


@dataclass(frozen=True, slots=True)
class Person:
    surname: str
    given: str
    email: str
    phone: str
    birth: date
    university: tuple[str, str]


def _person(rng: random.Random, number: int, surnames: list[str], weights: list[float]) -> Person:
    surname = rng.choices(surnames, weights)[0]
    given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
    spelled = name_pinyin(surname + given).replace(" ", "")
    return Person(
        surname=surname,
        given=given,
        email=f"{spelled}{number}@{rng.choice(DOMAINS)}",
        phone=f"1{rng.choice('3456789')}{rng.randint(0, 10**9 - 1):09d}",
        birth=date(rng.randint(1975, 1998), rng.randint(1, 12), rng.randint(1, 28)),
        university=rng.choice(UNIVERSITIES),
    )


def _registered(rng: random.Random, person: Person, ident: str) -> PersonRecord:
    return PersonRecord(
        ident,
        name_zh=person.surname + person.given,
        emails=(person.email,),
        phones=(person.phone,) if rng.random() < 0.7 else (),
        birth_date=person.birth if rng.random() < 0.8 else None,
        institutions=(person.university[0],) if rng.random() < 0.8 else (),
    )


def _typed(rng: random.Random, person: Person, ident: str) -> PersonRecord:
    syllables = name_pinyin(person.surname + person.given).split()
    family, given = "".join(syllables[: len(person.surname)]), syllables[len(person.surname) :]
    name_zh = name_en = None
    form = rng.random()
    if form < 0.15:
        name_zh = _S2T.convert(person.surname + person.given)
    elif form < 0.35:
        name_en = f"{''.join(given).capitalize()} {family.capitalize()}"
    elif form < 0.55:
        name_en = f"{family.upper()} {'-'.join(given).capitalize()}"
    elif form < 0.7:
        name_en = " ".join([family, *given]).title()
    elif form < 0.8:
        name_en = f"{'.'.join(g[0].upper() for g in given)}. {family.capitalize()}"
    elif form < 0.88 and person.surname in CANTONESE:
        name_en = f"{CANTONESE[person.surname]} {' '.join(g.capitalize() for g in given)}"
    else:
        name_zh = person.surname + person.given
    local, _, domain = person.email.partition("@")
    email_form = rng.random()
    if email_form < 0.25:
        emails: tuple[str, ...] = (person.email.upper(),)
    elif email_form < 0.4:
        emails = (f"{local}+cv@{domain}" if domain in ("gmail.com", "outlook.com", "hotmail.com") else person.email,)
    elif email_form < 0.5:
        cut = rng.randint(0, len(local) - 2)
        emails = (f"{local[:cut]}{local[cut + 1]}{local[cut]}{local[cut + 2 :]}@{domain}",)
    elif email_form < 0.75:
        emails = (f"{''.join(given)}.{family}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}",)
    else:
        emails = ()
    phone_form = rng.random()
    if phone_form < 0.35:
        phones: tuple[str, ...] = (f"+86 {person.phone[:3]} {person.phone[3:7]} {person.phone[7:]}",)
    elif phone_form < 0.6:
        phones = (person.phone,)
    else:
        phones = ()
    birth_form = rng.random()
    birth_date: date | None = person.birth
    birth_year = None
    if birth_form < 0.15 and person.birth.day <= 12:
        birth_date = date(person.birth.year, person.birth.day, person.birth.month)
    elif birth_form < 0.35:
        birth_date, birth_year = None, person.birth.year
    elif birth_form < 0.5:
        birth_date = None
    institutions = (rng.choice(person.university),) if rng.random() < 0.7 else ()
    return PersonRecord(ident, name_zh=name_zh, name_en=name_en, emails=emails, phones=phones,
                        birth_date=birth_date, birth_year=birth_year, institutions=institutions)  # fmt: skip


def generate(
    size: int, *, seed: int, match_rate: float
) -> tuple[list[PersonRecord], list[PersonRecord], set[tuple[str, str]]]:
    """``size`` registered records, ``size`` typed records and the true (left id, right id) pairs."""
    rng = random.Random(seed)
    surnames = [s for s, _ in SURNAMES]
    weights = [w for _, w in SURNAMES]
    people = [_person(rng, n, surnames, weights) for n in range(size)]
    left = [_registered(rng, person, f"L{n}") for n, person in enumerate(people)]
    matched = set(rng.sample(range(size), round(size * match_rate)))
    right: list[PersonRecord] = []
    truth: set[tuple[str, str]] = set()
    for n in range(size):
        if n in matched:
            right.append(_typed(rng, people[n], f"R{n}"))
            truth.add((f"L{n}", f"R{n}"))
        else:
            right.append(_typed(rng, _person(rng, size + n, surnames, weights), f"R{n}"))
    rng.shuffle(right)
    return left, right, truth


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _figures(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> str:
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    return f"{len(predicted):,} pairs, precision {precision:.4f}, recall {recall:.4f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="records on each side (default 100000)")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--match-rate", type=float, default=0.2, help="share of right records that are left people")
    parser.add_argument(
        "--no-resolver", action="store_true", help="compare universities by name instead of OrganisationResolver"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    left, right, truth = generate(args.size, seed=args.seed, match_rate=args.match_rate)
    generated = time.perf_counter()
    resolver = (
        None
        if args.no_resolver
        else OrganisationResolver(OrgRecord(i, names) for i, names in enumerate(UNIVERSITIES, 1))
    )
    links, stats = link_records_with_stats(left, right, resolver=resolver)
    linked = time.perf_counter()

    auto = {(str(link.left_id), str(link.right_id)) for link in links if link.score >= LINK_THRESHOLD}
    queued = {(str(link.left_id), str(link.right_id)) for link in links}
    print(f"records             {len(left):,} x {len(right):,} ({len(truth):,} true matches, seed {args.seed})")
    print(f"generate            {generated - started:.1f} s")
    print(f"link_records        {linked - generated:.1f} s ({'with' if resolver else 'without'} resolver)")
    print(f"peak RSS            {_peak_rss_mb():,.0f} MB")
    print(
        f"pairs compared      {stats.pairs_compared:,} of {stats.cross_product:,} "
        f"({stats.pairs_compared / max(stats.cross_product, 1):.2e} of the cross product)"
    )
    print(f"blocks skipped      {stats.blocks_skipped:,} (larger than MAX_BLOCK_SIZE)")
    print(f"link (>= {LINK_THRESHOLD:g})      {_figures(auto, truth)}")
    print(f"review (>= {REVIEW_THRESHOLD:g})    {_figures(queued, truth)} (links and review queue together)")


if __name__ == "__main__":
    main()
