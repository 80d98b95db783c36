"""Deterministic synthetic talents, jobs, enterprises and queries for benchmarks.

Every function is deterministic for its arguments: the same ``(n, seed)`` gives
the same records on every machine, and :data:`SYNTH_VERSION` changes whenever
the output does (cached files carry it in their name).  Talents and jobs are
also *prefix-stable*: the first 1,000 of ``talent_profiles(5000)`` are
``talent_profiles(1000)``.

The records look like what Xiamen's returnee programme receives:

* skills are drawn from the real vocabulary (``seeds/skills.json``) with a
  Zipf-like frequency (weight ``1 / (rank + 10)``) and clustered by trade:
  every talent and job has a specialty industry chain, and 70% of a talent's
  draws (80% of a job's) come from that chain's skills, the rest from all
  skills (the most common skill is held by about 8% of the talents, most
  skills by well under 1%), and
  each occurrence is written as one of the skill's surface forms (id, English,
  Chinese, aliases); about 4% carry a typo (a dropped, swapped or doubled
  letter), 3% are in Traditional characters, 3% in pinyin and 3% are free
  text outside the vocabulary;
* degrees, fields of study (Chinese and English names, with typos and
  Traditional forms), languages, experience, cities (厦门 / 厦门市 / Xiamen
  and other spellings for about 40%) and wished industries follow rough real
  shares;
* enterprise names are place + brand + trade + legal form (厦门海辰储能科技有限公司),
  with groups, branches (…厦门分公司) and some English names.

:func:`populate` writes the records into the application's real tables and
:func:`cached_sqlite` keeps one SQLite file per size under ``bench/.data/``.
"""

# Chinese names and text use full-width punctuation on purpose.

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import opencc

from matching.normalise import has_han, to_pinyin
from matching.profiles import HARD_REQUIREMENTS, Degree, JobProfile, LanguageLevel, LanguageSkill, TalentProfile
from matching.search import SearchDoc
from matching.vocabulary import Skill, SkillVocabulary

__all__ = [
    "DATA_DIR",
    "SYNTH_VERSION",
    "cached_sqlite",
    "enterprise_names",
    "job_profiles",
    "name_queries",
    "populate",
    "search_docs",
    "search_queries",
    "talent_profiles",
]

SYNTH_VERSION = 2
"""Bumped whenever any generator's output changes."""

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / ".data"
"""Where :func:`cached_sqlite` keeps its files (gitignored)."""

_CHUNK = 4096
_ZIPF_OFFSET = 10.0
_DRAWS_PER_TALENT = 24
# Shares of skill draws taken from the person's (or job's) own industry chain.
_TALENT_SPECIALTY_SHARE = 0.7
_JOB_SPECIALTY_SHARE = 0.8
_MAX_SKILLS = 15
_INSERT_CHUNK = 20_000
_CHUNKS_PER_COMMIT = 10
_STAMP = datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC)
_POSTED = date(2026, 1, 1)

_S2T = opencc.OpenCC("s2t")

# Skills most people list; the rest of the vocabulary follows in a fixed shuffled order.
_COMMON_SKILLS = (
    "project_management",
    "python",
    "data_analysis",
    "business_english",
    "excel",
    "sql",
    "java",
    "machine_learning",
    "marketing",
    "team_leadership",
    "product_management",
    "international_trade",
    "financial_analysis",
    "supply_chain_management",
)

_FREE_SKILLS = (
    "沟通协调能力",
    "抗压能力",
    "PPT制作",
    "Figma",
    "Notion",
    "Jira",
    "Confluence",
    "SAP FICO",
    "Power BI",
    "Tableau报表",
    "短视频脚本",
    "驾驶证C1",
    "普通话二甲",
    "CFA二级",
    "CPA",
    "PMP认证",
    "雅思7.5",
    "托福105",
    "Salesforce",
    "HubSpot",
    "Unity3D",
    "Blender",
    "LabVIEW",
    "ANSYS Fluent",
    "COMSOL",
    "Origin绘图",
    "SPSS",
    "Stata",
    "LaTeX",
    "Photoshop",
    "Premiere",
    "小红书运营",
    "社群运营",
    "跨部门协作",
    "数据标注",
    "GMP车间管理",
    "ISO 13485",
    "IATF 16949",
    "闽南语交流",
    "粤语",
)

# (Chinese, English) names of fields of study.
_FIELDS = (
    ("计算机科学与技术", "Computer Science"),
    ("软件工程", "Software Engineering"),
    ("人工智能", "Artificial Intelligence"),
    ("数据科学", "Data Science"),
    ("电子信息工程", "Electronic Information Engineering"),
    ("通信工程", "Communication Engineering"),
    ("微电子科学与工程", "Microelectronics"),
    ("集成电路设计", "Integrated Circuit Design"),
    ("电气工程及其自动化", "Electrical Engineering"),
    ("自动化", "Automation"),
    ("机械工程", "Mechanical Engineering"),
    ("机械设计制造及其自动化", "Mechanical Design and Manufacturing"),
    ("车辆工程", "Automotive Engineering"),
    ("航空航天工程", "Aerospace Engineering"),
    ("船舶与海洋工程", "Naval Architecture and Ocean Engineering"),
    ("材料科学与工程", "Materials Science and Engineering"),
    ("高分子材料与工程", "Polymer Materials Engineering"),
    ("冶金工程", "Metallurgical Engineering"),
    ("化学工程与工艺", "Chemical Engineering"),
    ("化学", "Chemistry"),
    ("应用化学", "Applied Chemistry"),
    ("物理学", "Physics"),
    ("应用物理学", "Applied Physics"),
    ("光电信息科学与工程", "Optoelectronic Information Science"),
    ("数学与应用数学", "Mathematics"),
    ("统计学", "Statistics"),
    ("生物科学", "Biological Sciences"),
    ("生物技术", "Biotechnology"),
    ("生物医学工程", "Biomedical Engineering"),
    ("药学", "Pharmacy"),
    ("药物化学", "Medicinal Chemistry"),
    ("临床医学", "Clinical Medicine"),
    ("基础医学", "Basic Medicine"),
    ("公共卫生", "Public Health"),
    ("中医学", "Traditional Chinese Medicine"),
    ("护理学", "Nursing"),
    ("海洋科学", "Marine Science"),
    ("环境工程", "Environmental Engineering"),
    ("环境科学", "Environmental Science"),
    ("能源与动力工程", "Energy and Power Engineering"),
    ("新能源科学与工程", "New Energy Science and Engineering"),
    ("土木工程", "Civil Engineering"),
    ("建筑学", "Architecture"),
    ("城乡规划", "Urban Planning"),
    ("地理信息科学", "Geographic Information Science"),
    ("金融学", "Finance"),
    ("金融工程", "Financial Engineering"),
    ("经济学", "Economics"),
    ("国际经济与贸易", "International Economics and Trade"),
    ("会计学", "Accounting"),
    ("财务管理", "Financial Management"),
    ("工商管理", "Business Administration"),
    ("市场营销", "Marketing"),
    ("人力资源管理", "Human Resource Management"),
    ("物流管理", "Logistics Management"),
    ("供应链管理", "Supply Chain Management"),
    ("电子商务", "E-commerce"),
    ("信息管理与信息系统", "Information Systems"),
    ("管理科学与工程", "Management Science and Engineering"),
    ("法学", "Law"),
    ("知识产权", "Intellectual Property"),
    ("国际关系", "International Relations"),
    ("公共管理", "Public Administration"),
    ("英语", "English Language and Literature"),
    ("日语", "Japanese"),
    ("翻译", "Translation and Interpreting"),
    ("新闻传播学", "Journalism and Communication"),
    ("广告学", "Advertising"),
    ("数字媒体艺术", "Digital Media Arts"),
    ("视觉传达设计", "Visual Communication Design"),
    ("工业设计", "Industrial Design"),
    ("动画", "Animation"),
    ("旅游管理", "Tourism Management"),
    ("酒店管理", "Hotel Management"),
    ("教育学", "Education"),
    ("心理学", "Psychology"),
)

_XIAMEN_FORMS = ("厦门", "厦门市", "Xiamen", "xiamen", "廈門", "XIAMEN", "厦门 思明区", "Xiamen, Fujian")
_XIAMEN_WEIGHTS = (0.42, 0.25, 0.15, 0.05, 0.04, 0.02, 0.04, 0.03)
_OTHER_CITIES = (
    "北京",
    "上海",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "福州",
    "泉州",
    "漳州",
    "莆田",
    "宁德",
    "三明",
    "龙岩",
    "南平",
    "天津",
    "重庆",
    "长沙",
    "合肥",
    "郑州",
    "济南",
    "青岛",
    "宁波",
    "无锡",
    "东莞",
    "佛山",
    "珠海",
    "昆明",
    "南昌",
    "沈阳",
    "大连",
    "哈尔滨",
    "长春",
    "香港",
    "澳门",
    "台北",
    "高雄",
    "新加坡",
    "吉隆坡",
    "东京",
    "大阪",
    "首尔",
    "伦敦",
    "纽约",
    "旧金山",
    "Boston",
    "Sydney",
    "Melbourne",
    "Toronto",
    "Vancouver",
    "Paris",
    "Berlin",
    "Munich",
    "Amsterdam",
    "Singapore",
    "Beijing",
    "Shanghai",
    "Shenzhen",
)
_XIAMEN_SHARE = 0.4

_UNIVERSITIES = (
    "厦门大学",
    "华侨大学",
    "集美大学",
    "厦门理工学院",
    "福州大学",
    "清华大学",
    "北京大学",
    "浙江大学",
    "复旦大学",
    "上海交通大学",
    "南京大学",
    "中山大学",
    "武汉大学",
    "华中科技大学",
    "哈尔滨工业大学",
    "National University of Singapore",
    "University of Cambridge",
    "Imperial College London",
    "University of Tokyo",
    "Technical University of Munich",
    "University of Melbourne",
    "Stanford University",
    "University of Toronto",
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡叶苏庄洪"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉鹏宇晨欣怡子涵浩然思远嘉琪雨婷志强晓东"

_DEGREES: tuple[Degree | None, ...] = (None, Degree.BACHELOR, Degree.MASTER, Degree.PHD, Degree.POSTDOC)
_DEGREE_SHARES = (0.08, 0.40, 0.36, 0.13, 0.03)
_LEVELS = (LanguageLevel.BASIC, LanguageLevel.INTERMEDIATE, LanguageLevel.FLUENT, LanguageLevel.NATIVE)
_EN_LEVEL_SHARES = (0.12, 0.33, 0.45, 0.10)
_OTHER_LANGUAGES = (("ja", 0.06), ("de", 0.03), ("fr", 0.03), ("ko", 0.03))

_JOB_TITLES = (
    "机器学习工程师",
    "算法工程师",
    "数据分析师",
    "大数据开发工程师",
    "前端开发工程师",
    "后端开发工程师",
    "产品经理",
    "项目经理",
    "测试工程师",
    "嵌入式软件工程师",
    "硬件工程师",
    "电池研发工程师",
    "工艺工程师",
    "质量工程师",
    "销售经理",
    "客户经理",
    "财务分析师",
    "风控经理",
    "国际贸易专员",
    "供应链经理",
    "研发总监",
    "临床研究员",
    "药物研发科学家",
    "材料研发工程师",
    "Senior Python Developer",
    "Machine Learning Engineer",
    "Data Scientist",
    "Product Manager",
    "Hardware Engineer",
    "Business Development Manager",
    "Research Scientist",
    "Software Engineer",
)
_ZH_TITLE_PATTERNS = ("{}工程师", "高级{}工程师", "{}专家", "{}研究员", "{}经理", "资深{}顾问")
_EN_TITLE_PATTERNS = ("{} Engineer", "Senior {} Developer", "{} Specialist", "{} Manager", "Lead {} Scientist")

# Brand characters: a brand is two (sometimes three) of them.
_BRAND_FIRST = "海星金华鹭嘉瑞宏鑫联创新盛恒泰达远明天中信宇博凯佳和安通永兴立德源润辉晨旭航光美万东南"
_BRAND_SECOND = "辰龙鹏翔腾飞阳光峰林川江洋舟帆锐智捷越晟昊远诚信达通泰安康乐思维拓航盈易云芯微磊岳"
# (Chinese trade, English trade, industry chain)
_TRADES = (
    ("科技", "Technology", "electronic_information"),
    ("信息技术", "Information Technology", "electronic_information"),
    ("网络科技", "Network Technology", "electronic_information"),
    ("软件", "Software", "electronic_information"),
    ("电子", "Electronics", "electronic_information"),
    ("智能科技", "Intelligent Technology", "electronic_information"),
    ("数据科技", "Data Technology", "electronic_information"),
    ("人工智能", "Artificial Intelligence", "electronic_information"),
    ("生物科技", "Biotechnology", "biomedicine"),
    ("医药", "Pharmaceutical", "biomedicine"),
    ("基因科技", "Gene Technology", "gene_biotech"),
    ("新材料", "New Materials", "new_materials"),
    ("新能源", "New Energy", "new_energy"),
    ("储能", "Energy Storage", "hydrogen_energy_storage"),
    ("氢能科技", "Hydrogen Technology", "hydrogen_energy_storage"),
    ("光电", "Optoelectronics", "electronic_information"),
    ("半导体", "Semiconductor", "third_gen_semiconductors"),
    ("通信技术", "Communication Technology", "future_networks"),
    ("供应链", "Supply Chain", "trade_logistics"),
    ("物流", "Logistics", "trade_logistics"),
    ("国际贸易", "International Trade", "trade_logistics"),
    ("进出口", "Import and Export", "trade_logistics"),
    ("投资", "Investment", "financial_services"),
    ("金融服务", "Financial Services", "financial_services"),
    ("融资租赁", "Financial Leasing", "financial_services"),
    ("文化传媒", "Culture Media", "culture_tourism"),
    ("旅游", "Tourism", "culture_tourism"),
    ("酒店管理", "Hotel Management", "culture_tourism"),
    ("机械", "Machinery", "advanced_equipment"),
    ("精密制造", "Precision Manufacturing", "advanced_equipment"),
    ("汽车", "Automotive", "advanced_equipment"),
    ("航空", "Aviation", "deep_sea_aerospace"),
    ("海洋科技", "Marine Technology", "deep_sea_aerospace"),
    ("复合材料", "Composite Materials", "frontier_materials"),
    ("环保科技", "Environmental Technology", "new_energy"),
    ("茶业", "Tea", "culture_tourism"),
)
_PLACES = ("厦门", "厦门市", "福建", "福建省", "中国", "")
_PLACE_SHARES = (0.55, 0.12, 0.08, 0.03, 0.02, 0.20)
_PLACES_LONGEST_FIRST = tuple(sorted(filter(None, _PLACES), key=len, reverse=True))
_HEAD_OFFICE_CITIES = ("上海", "北京", "深圳", "广州", "杭州", "福州")
_DISTRICTS = ("思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区")
_PARKS = ("火炬高新区", "软件园三期", "自贸区", "海沧生物医药港")

_HARD_ORDER = tuple(sorted(HARD_REQUIREMENTS))


# ------------------------------------------------------------------ helpers


@cache
def vocabulary() -> SkillVocabulary:
    """The project's skill vocabulary (``seeds/skills.json``), loaded once."""
    return SkillVocabulary.load(ROOT / "seeds" / "skills.json")


def typo(text: str, draw: int) -> str:
    """``text`` with one letter dropped, swapped with the next or doubled, chosen by ``draw``.

    >>> typo("python", 0), typo("python", 1), typo("python", 2)
    ('ython', 'ypthon', 'ppython')
    """
    if len(text) < 2:
        return text + text
    kind, position = draw % 3, (draw // 3) % (len(text) - 1)
    if kind == 0:
        return text[:position] + text[position + 1 :]
    if kind == 1 and text[position] != text[position + 1]:
        return text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    return text[:position] + text[position] + text[position:]


@dataclass(frozen=True, slots=True)
class _SkillForms:
    skill: Skill
    plain: tuple[str, ...]
    latin: tuple[str, ...]
    traditional: tuple[str, ...]
    pinyin: tuple[str, ...]


@cache
def _skill_table() -> tuple[tuple[_SkillForms, ...], npt.NDArray[np.float64]]:
    """Skills in frequency rank order, their written variants and their draw probabilities."""
    vocab = vocabulary()
    ranked = [vocab.get(sid) for sid in _COMMON_SKILLS if sid in vocab]
    rest = sorted((s for s in vocab if s.id not in _COMMON_SKILLS), key=lambda s: s.id)
    random.Random(f"synth-skill-rank-{SYNTH_VERSION}").shuffle(rest)
    table = []
    for skill in [*ranked, *rest]:
        plain = tuple(dict.fromkeys(skill.surface_forms))
        han = [form for form in plain if has_han(form)]
        pinyin = tuple(dict.fromkeys(p for form in han for p in (to_pinyin(form), to_pinyin(form).replace(" ", ""))))
        latin = tuple(form for form in plain if not has_han(form) and len(form) >= 4) or tuple(
            p for p in pinyin if " " not in p
        )
        traditional = tuple(t for t in (_S2T.convert(form) for form in han) if t not in han)
        table.append(_SkillForms(skill, plain, latin or plain, traditional, pinyin))
    weights = 1.0 / (np.arange(1, len(table) + 1) + _ZIPF_OFFSET)
    return tuple(table), weights / weights.sum()


@cache
def _chain_tables() -> tuple[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]], ...]:
    """Per industry chain, the skills of that chain with their Zipf weights renormalised."""
    table, weights = _skill_table()
    tables = []
    for chain in _chains():
        members = np.array([i for i, forms in enumerate(table) if forms.skill.chain == chain])
        tables.append((members, weights[members] / weights[members].sum()))
    return tuple(tables)


def _clustered_draws(rng: np.random.Generator, m: int, width: int, specialty_share: float) -> npt.NDArray[np.int64]:
    """Skill draws for ``m`` people: each has a specialty chain; a ``specialty_share`` of draws come from that
    chain's skills, the rest from every skill, all Zipf-weighted.  People (and jobs) of
    one trade share skills, as they do in life."""
    table, weights = _skill_table()
    anywhere = rng.choice(len(table), size=(m, width), p=weights)
    specialties = rng.integers(0, len(_chain_tables()), m)
    clustered = np.empty_like(anywhere)
    for chain, (members, chain_weights) in enumerate(_chain_tables()):
        rows = np.flatnonzero(specialties == chain)
        clustered[rows] = members[rng.choice(len(members), size=(len(rows), width), p=chain_weights)]
    return np.where(rng.random((m, width)) < specialty_share, clustered, anywhere)


def _write_skill(forms: _SkillForms, u: float, r: int) -> str:
    """One occurrence of a skill as a person types it (``u`` in 0..1 picks the variant)."""
    if u < 0.03:
        return _FREE_SKILLS[r % len(_FREE_SKILLS)]
    if u < 0.07:
        return typo(forms.latin[r % len(forms.latin)], r // 7)
    if u < 0.10 and forms.traditional:
        return forms.traditional[r % len(forms.traditional)]
    if u < 0.13 and forms.pinyin:
        return forms.pinyin[r % len(forms.pinyin)]
    return forms.plain[r % len(forms.plain)]


def _write_field(index: int, u: float, r: int) -> str:
    zh, en = _FIELDS[index]
    if u < 0.03:
        return typo(en, r)
    if u < 0.05:
        return _S2T.convert(zh)
    if u < 0.08:
        return en.lower()
    return zh if u < 0.65 else en


def _write_skills(draws: Sequence[int], count: int, us: Sequence[float], rs: Sequence[int]) -> tuple[str, ...]:
    """``count`` distinct skills (fewer if the draws run out) from Zipf draws, written out."""
    table, _ = _skill_table()
    chosen = list(dict.fromkeys(draws))[:count]
    written = (_write_skill(table[index], us[k], rs[k]) for k, index in enumerate(chosen))
    return tuple(dict.fromkeys(written))


def _city(rng: np.random.Generator, size: int) -> list[str]:
    xiamen = rng.choice(len(_XIAMEN_FORMS), size=size, p=np.array(_XIAMEN_WEIGHTS) / sum(_XIAMEN_WEIGHTS))
    other = rng.integers(0, len(_OTHER_CITIES), size=size)
    is_xiamen = rng.random(size) < _XIAMEN_SHARE
    return [
        _XIAMEN_FORMS[x] if here else _OTHER_CITIES[o]
        for x, o, here in zip(xiamen.tolist(), other.tolist(), is_xiamen.tolist(), strict=True)
    ]


def _chains() -> tuple[str, ...]:
    return tuple(sorted({s.chain for s in vocabulary()} - {"general"}))


# ------------------------------------------------------------------ talents


def talent_profiles(n: int, seed: int = 0) -> Iterator[TalentProfile]:
    """``n`` synthetic talents with ids ``1..n``, generated chunk by chunk.

    Parameters
    ----------
    n : int
        How many talents.
    seed : int, default 0
        Selects the population; the first ``k`` talents are the same for any
        ``n >= k``.

    Yields
    ------
    TalentProfile
        In id order; no list of ``n`` profiles is kept.
    """
    for chunk_index, first in enumerate(range(0, n, _CHUNK)):
        yield from _talent_chunk(seed, chunk_index, first + 1, min(_CHUNK, n - first))


def _talent_chunk(seed: int, chunk_index: int, first_id: int, size: int) -> list[TalentProfile]:
    rng = np.random.default_rng([SYNTH_VERSION, seed, chunk_index, 0])
    m = _CHUNK
    counts = (3 + rng.binomial(_MAX_SKILLS - 3, 5 / 12, m)).tolist()
    draws = _clustered_draws(rng, m, _DRAWS_PER_TALENT, _TALENT_SPECIALTY_SHARE).tolist()
    us = rng.random((m, _MAX_SKILLS)).tolist()
    rs = rng.integers(0, 1 << 30, (m, _MAX_SKILLS)).tolist()
    degrees = rng.choice(len(_DEGREES), size=m, p=_DEGREE_SHARES).tolist()
    field_counts = rng.choice(3, size=m, p=(0.12, 0.63, 0.25)).tolist()
    fields = rng.integers(0, len(_FIELDS), (m, 2)).tolist()
    field_us = rng.random((m, 2)).tolist()
    language_us = rng.random((m, 2 + len(_OTHER_LANGUAGES))).tolist()
    en_levels = rng.choice(len(_LEVELS), size=m, p=_EN_LEVEL_SHARES).tolist()
    other_levels = rng.integers(0, 3, (m, len(_OTHER_LANGUAGES))).tolist()
    years = np.minimum(rng.exponential(6.0, m), 25).astype(int).tolist()
    cities = _city(rng, m)
    has_city = (rng.random(m) >= 0.03).tolist()
    wished_counts = rng.choice(4, size=m, p=(0.35, 0.35, 0.2, 0.1)).tolist()
    wished = [_city(rng, m) for _ in range(3)]
    chains = _chains()
    industry_counts = rng.choice(4, size=m, p=(0.3, 0.4, 0.2, 0.1)).tolist()
    industries = rng.integers(0, len(chains), (m, 3)).tolist()

    profiles = []
    for i in range(size):
        degree = _DEGREES[degrees[i]]
        n_fields = field_counts[i] if degree is not None else 0
        written_fields = tuple(
            dict.fromkeys(_write_field(fields[i][k], field_us[i][k], rs[i][k]) for k in range(n_fields))
        )
        profiles.append(
            TalentProfile(
                id=first_id + i,
                skills=_write_skills(draws[i], counts[i], us[i], rs[i]),
                highest_degree=degree,
                fields_of_study=written_fields,
                languages=_talent_languages(language_us[i], en_levels[i], other_levels[i]),
                years_experience=float(years[i]),
                current_city=cities[i] if has_city[i] else None,
                wished_cities=tuple(dict.fromkeys(w[i] for w in wished[: wished_counts[i]])),
                wished_industries=tuple(dict.fromkeys(chains[k] for k in industries[i][: industry_counts[i]])),
            )
        )
    return profiles


def _talent_languages(us: Sequence[float], en_level: int, other_levels: Sequence[int]) -> tuple[LanguageSkill, ...]:
    languages = []
    if us[0] < 0.93:
        languages.append(LanguageSkill("zh", LanguageLevel.NATIVE))
    elif us[0] < 0.97:
        languages.append(LanguageSkill("zh", LanguageLevel.FLUENT))
    if us[1] < 0.85:
        languages.append(LanguageSkill("en", _LEVELS[en_level]))
    for (code, share), u, level in zip(_OTHER_LANGUAGES, us[2:], other_levels, strict=True):
        if u < share:
            languages.append(LanguageSkill(code, _LEVELS[level]))
    return tuple(languages)


# --------------------------------------------------------------------- jobs


def job_profiles(n: int, seed: int = 1) -> list[JobProfile]:
    """``n`` synthetic jobs with ids ``1..n``.

    Two to six required skills and up to four preferred ones, drawn with the
    talents' Zipf frequencies (so common skills are asked for often); a
    minimum degree on about 60%; the city is a spelling of Xiamen for about
    80%, another city for 10%, unset for the rest; about 30% of jobs mark one
    or two applicable requirements as hard.
    """
    return [job for first in range(0, n, _CHUNK) for job in _job_chunk(seed, first // _CHUNK, first + 1, n)]


def _job_chunk(seed: int, chunk_index: int, first_id: int, n: int) -> list[JobProfile]:
    rng = np.random.default_rng([SYNTH_VERSION, seed, chunk_index, 1])
    table = _skill_table()[0]
    chains = _chains()
    m = _CHUNK
    required = rng.integers(2, 7, m).tolist()
    preferred = rng.integers(0, 5, m).tolist()
    draws = _clustered_draws(rng, m, 16, _JOB_SPECIALTY_SHARE).tolist()
    us = rng.random((m, 16)).tolist()
    rs = rng.integers(0, 1 << 30, (m, 16)).tolist()
    degrees = rng.choice(len(_DEGREES), size=m, p=(0.4, 0.35, 0.17, 0.07, 0.01)).tolist()
    field_counts = rng.choice(3, size=m, p=(0.5, 0.35, 0.15)).tolist()
    fields = rng.integers(0, len(_FIELDS), (m, 2)).tolist()
    language_us = rng.random((m, 2)).tolist()
    levels = rng.integers(1, 4, (m, 2)).tolist()
    years = np.minimum(rng.exponential(2.5, m), 10).astype(int).tolist()
    city_kind = rng.random(m).tolist()
    xiamen = rng.choice(len(_XIAMEN_FORMS), size=m, p=np.array(_XIAMEN_WEIGHTS) / sum(_XIAMEN_WEIGHTS)).tolist()
    other = rng.integers(0, len(_OTHER_CITIES), m).tolist()
    chain_draw = rng.integers(0, len(chains), m).tolist()
    hard_u = rng.random(m).tolist()
    hard_picks = rng.random((m, len(_HARD_ORDER))).tolist()

    jobs = []
    for i in range(min(m, n - first_id + 1)):
        skills = _write_skills(draws[i], required[i] + preferred[i], us[i], rs[i])
        cut = min(required[i], len(skills))
        min_degree = _DEGREES[degrees[i]]
        languages = []
        if language_us[i][0] < 0.45:
            languages.append(LanguageSkill("en", _LEVELS[levels[i][0]]))
        if language_us[i][1] < 0.08:
            languages.append(LanguageSkill("ja", _LEVELS[levels[i][1]]))
        if city_kind[i] < 0.8:
            city: str | None = _XIAMEN_FORMS[xiamen[i]]
        elif city_kind[i] < 0.9:
            city = _OTHER_CITIES[other[i]]
        else:
            city = None
        first_chain = table[draws[i][0]].skill.chain
        profile = JobProfile(
            id=first_id + i,
            required_skills=skills[:cut],
            preferred_skills=skills[cut:],
            min_degree=min_degree,
            fields_of_study=tuple(dict.fromkeys(_FIELDS[f][0] for f in fields[i][: field_counts[i]])),
            languages=tuple(languages),
            min_years_experience=float(years[i]),
            city=city,
            industry=first_chain if first_chain != "general" else chains[chain_draw[i]],
        )
        applicable = _applicable_hard(profile)
        if hard_u[i] < 0.3 and applicable:
            ranked = sorted(applicable, key=lambda kind: hard_picks[i][_HARD_ORDER.index(kind)])
            profile = JobProfile(**{**_fields_of(profile), "hard": frozenset(ranked[: 1 + (hard_u[i] < 0.1)])})
        jobs.append(profile)
    return jobs


def _applicable_hard(job: JobProfile) -> list[str]:
    present = {
        "required_skills": bool(job.required_skills),
        "degree": job.min_degree is not None,
        "field_of_study": bool(job.fields_of_study),
        "languages": bool(job.languages),
        "experience": job.min_years_experience > 0,
        "location": job.city is not None,
    }
    return [kind for kind in _HARD_ORDER if present[kind]]


def _fields_of(job: JobProfile) -> dict[str, Any]:
    return {name: getattr(job, name) for name in JobProfile.__slots__}


# -------------------------------------------------------------- enterprises


@dataclass(frozen=True, slots=True)
class _Enterprise:
    name: str
    chain: str
    english: str | None


def enterprise_names(n: int, seed: int = 2) -> list[str]:
    """``n`` distinct company names: place + brand + trade + legal form.

    Mostly ``厦门XX科技有限公司``-style names, with ``股份有限公司``, groups
    (``集团有限公司``), branches of firms from other cities
    (``…有限公司厦门分公司``) and about 5% English names
    (``Xiamen Haichen Energy Storage Co., Ltd.``).
    """
    return [enterprise.name for enterprise in _enterprises(n, seed)]


def _enterprises(n: int, seed: int) -> list[_Enterprise]:
    rng = random.Random(f"synth-{SYNTH_VERSION}-enterprises-{seed}")
    seen: set[str] = set()
    found: list[_Enterprise] = []
    while len(found) < n:
        enterprise = _enterprise(rng)
        if enterprise.name not in seen:
            seen.add(enterprise.name)
            found.append(enterprise)
    return found


def _enterprise(rng: random.Random) -> _Enterprise:
    brand = rng.choice(_BRAND_FIRST) + rng.choice(_BRAND_SECOND)
    if rng.random() < 0.3:
        brand += rng.choice(_BRAND_SECOND)
    trade, trade_en, chain = rng.choice(_TRADES)
    brand_pinyin = to_pinyin(brand).replace(" ", "").capitalize()
    english = f"Xiamen {brand_pinyin} {trade_en} Co., Ltd."
    kind = rng.random()
    if kind < 0.05:
        return _Enterprise(english, chain, None)
    if kind < 0.12:
        head = rng.choice(_HEAD_OFFICE_CITIES)
        branch = rng.choice(("厦门分公司", "厦门办事处", "福建分公司"))
        return _Enterprise(f"{head}{brand}{trade}有限公司{branch}", chain, None)
    place = rng.choices(_PLACES, weights=_PLACE_SHARES)[0]
    form = rng.choices(
        ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "集团"), weights=(55, 22, 12, 7, 4)
    )[0]
    return _Enterprise(f"{place}{brand}{trade}{form}", chain, english if rng.random() < 0.3 else None)


def name_queries(names: list[str], count: int, seed: int = 3) -> list[str]:
    """``count`` names as users type them when looking for some of ``names``.

    The legal form dropped, the place dropped, the brand with a shortened
    trade, a typo, Traditional characters, pinyin (spaced or not), or the name
    exactly as registered.
    """
    rng = random.Random(f"synth-{SYNTH_VERSION}-name-queries-{seed}")
    queries = []
    for _ in range(count):
        name = rng.choice(names)
        core = _core_without_legal_form(name)
        places = (p for p in _PLACES_LONGEST_FIRST if core.startswith(p) and len(core) > len(p) + 2)
        bare = core[len(next(places, "")) :]
        kind = rng.random()
        if kind < 0.15:
            query = name
        elif kind < 0.35:
            query = core
        elif kind < 0.5:
            query = bare
        elif kind < 0.6:
            query = bare[: max(2, len(bare) - 2)] if has_han(bare) else bare.split(" ")[0]
        elif kind < 0.7:
            query = _S2T.convert(rng.choice((name, core)))
        elif kind < 0.85:
            spaced = to_pinyin(bare)
            query = spaced if rng.random() < 0.5 else spaced.replace(" ", "")
        else:
            latin = to_pinyin(bare).replace(" ", "")
            query = typo(latin, rng.randrange(1 << 20))
        queries.append(query)
    return queries


def _core_without_legal_form(name: str) -> str:
    for form in ("集团有限公司", "股份有限公司", "有限责任公司", "有限公司", "集团", " Co., Ltd."):
        if form in name:
            return name.split(form)[0]
    return name


# -------------------------------------------------------------- job search


def search_docs(n: int, seed: int = 4) -> list[SearchDoc]:
    """``n`` job-search documents: the jobs of ``job_profiles(n, seed)`` with titles,
    employers (from ``enterprise_names(max(1, n // 5), seed)``) and descriptions."""
    jobs = job_profiles(n, seed)
    employers = _enterprises(max(1, n // 5), seed)
    return [doc for doc, _ in _job_texts(jobs, len(employers), seed, [e.name for e in employers])]


def _job_texts(
    jobs: Sequence[JobProfile], employers: int, seed: int, names: Sequence[str]
) -> Iterator[tuple[SearchDoc, int]]:
    """Each job's search document and the index of its employer (among ``employers``)."""
    rng = random.Random(f"synth-{SYNTH_VERSION}-job-texts-{seed}")
    vocab = vocabulary()
    for job in jobs:
        employer = rng.randrange(employers)
        skills = (*job.required_skills, *job.preferred_skills)
        resolved = vocab.resolve(skills[0]) if skills else None
        if resolved is None or rng.random() < 0.5:
            title = rng.choice(_JOB_TITLES)
        elif rng.random() < 0.6:
            title = rng.choice(_ZH_TITLE_PATTERNS).format(resolved.skill.zh)
        else:
            title = rng.choice(_EN_TITLE_PATTERNS).format(resolved.skill.en)
        listed = "、".join(skills[:4])
        if has_han(title):
            description = f"{names[employer]}招聘{title}，要求熟悉{listed}，工作地点{job.city or '不限'}。"
        else:
            description = f"{names[employer]} is hiring a {title}. You know {', '.join(skills[:4])}."
        yield SearchDoc(job.id, title, skills, names[employer], description), employer


def search_queries(count: int, seed: int = 5) -> list[str]:
    """``count`` job-search queries: titles, skills, employer brands, in Chinese
    or English, some with typos, in pinyin or in Traditional characters."""
    rng = random.Random(f"synth-{SYNTH_VERSION}-search-queries-{seed}")
    table, weights = _skill_table()
    cumulative = np.cumsum(weights).tolist()
    brands = [_core_without_legal_form(e.name) for e in _enterprises(200, seed)]
    queries = []
    for _ in range(count):
        forms = table[min(np.searchsorted(cumulative, rng.random()), len(table) - 1)]
        skill = forms.skill
        kind = rng.random()
        if kind < 0.3:
            query = rng.choice(forms.plain)
        elif kind < 0.45:
            query = rng.choice(_JOB_TITLES)
        elif kind < 0.55:
            query = rng.choice(brands)
        elif kind < 0.67:
            query = typo(rng.choice(forms.latin), rng.randrange(1 << 20))
        elif kind < 0.77:
            query = rng.choice(forms.pinyin or forms.plain)
        elif kind < 0.85:
            query = _S2T.convert(rng.choice((skill.zh, *(t for t in _JOB_TITLES if has_han(t)))))
        elif kind < 0.93:
            query = f"{rng.choice(('senior', '高级', 'lead'))} {skill.en}"
        else:
            query = f"{skill.zh} {rng.choice(('厦门', 'xiamen', '工程师'))}"
        queries.append(query)
    return queries


# ----------------------------------------------------------------- database

# Columns written per table, in the order of the row tuples built below.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise": ("id", "legal_name", "uscc", "industry_chain", "district", "park", "created_at", "updated_at"),
    "enterprise_alias": ("enterprise_id", "name", "position"),
    "job": (
        "id",
        "employer_id",
        "title",
        "description",
        "min_degree",
        "fields_of_study",
        "hard_requirements",
        "min_years_experience",
        "headcount",
        "city",
        "industry_chain",
        "status",
        "posted_on",
        "created_at",
        "updated_at",
    ),
    "job_skill": ("job_id", "name", "kind", "position"),
    "job_language": ("job_id", "language", "level", "position"),
    "talent": (
        "id",
        "name_zh",
        "years_experience",
        "current_city",
        "wished_cities",
        "wished_industries",
        "discoverable",
        "created_at",
        "updated_at",
    ),
    "talent_skill": ("talent_id", "name", "position"),
    "talent_education": ("talent_id", "degree", "institution", "field_of_study", "year", "position"),
    "talent_language": ("talent_id", "language", "level", "position"),
}
_TALENT_TABLES = ("talent", "talent_skill", "talent_education", "talent_language")

Rows = dict[str, list[tuple[Any, ...]]]


def populate(url: str, *, talents: int, jobs: int = 0, enterprises: int = 0, seed: int = 0) -> Path | None:
    """Write synthetic records into the application's tables at ``url`` (an empty database).

    Talents are ``talent_profiles(talents, seed)`` (ids ``1..talents``) with
    their skills, education and languages; jobs are ``job_profiles(jobs, seed + 1)``
    with titles and descriptions, posted by the enterprises
    ``enterprise_names(enterprises, seed + 2)`` (raised to one per five jobs
    when smaller).  Tables are created when missing.  Rows go in through
    SQLAlchemy Core as driver-level ``executemany`` batches, each value bound
    through its column's type, committed every 40,960 talents; a second
    process generates the next talents while the database writes.

    Parameters
    ----------
    url : str
        An SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://...``.
    talents, jobs, enterprises : int
        How many of each.
    seed : int, default 0
        Selects the population.

    Returns
    -------
    Path or None
        The SQLite file written, or ``None`` for another database.
    """
    from sqlalchemy import create_engine, event, select, text
    from sqlmodel import SQLModel

    from api.db import init_db

    sqlite = url.startswith("sqlite")
    engine = create_engine(url)
    if sqlite:
        event.listen(engine, "connect", _bulk_sqlite_settings)
    init_db(engine)
    tables = SQLModel.metadata.tables
    try:
        with engine.begin() as conn:
            _write(conn, tables, _employer_rows(jobs, enterprises, seed))
        # Secondary indexes of empty talent tables are built once at the end, not row by row.
        with engine.begin() as conn:
            deferred = [
                index
                for name in _TALENT_TABLES
                if conn.execute(select(tables[name].c.id).limit(1)).first() is None
                for index in tables[name].indexes
            ]
            for index in deferred:
                index.drop(conn)
        for rows in _talent_batches(seed, talents):
            with engine.begin() as conn:
                _write(conn, tables, rows)
        with engine.begin() as conn:
            for index in deferred:
                index.create(conn)
        if not sqlite:
            with engine.begin() as conn:
                for table in ("enterprise", "job", "talent"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                        )
                    )
    finally:
        engine.dispose()
    database = engine.url.database
    return Path(database) if sqlite and database else None


def _talent_batches(seed: int, talents: int) -> Iterator[Rows]:
    """The talents' rows, :data:`_CHUNKS_PER_COMMIT` chunks at a time.

    With more than one batch, a forked worker process generates the next
    batches while the caller writes the current one.
    """
    chunks = range(math.ceil(talents / _CHUNK))
    batches = [chunks[k : k + _CHUNKS_PER_COMMIT] for k in range(0, len(chunks), _CHUNKS_PER_COMMIT)]
    if len(batches) <= 1:
        yield from (_talent_rows(seed, batch.start, batch.stop, talents) for batch in batches)
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
        pending = [pool.submit(_talent_rows, seed, batch.start, batch.stop, talents) for batch in batches[:2]]
        for k in range(len(batches)):
            if k + 2 < len(batches):
                batch = batches[k + 2]
                pending.append(pool.submit(_talent_rows, seed, batch.start, batch.stop, talents))
            yield pending[k].result()


def _bulk_sqlite_settings(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _write(conn: Any, tables: Mapping[str, Any], rows: Rows) -> None:
    """Insert ``rows`` (table name -> tuples in :data:`_COLUMNS` order) with driver-level ``executemany``.

    Each value goes through its column type's bind processor (JSON, timestamps),
    as SQLAlchemy's own inserts would; building no dict per row is what makes
    this several times faster than ``conn.execute(table.insert(), dicts)``.
    """
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    named = dialect.paramstyle in ("named", "pyformat")
    for name, table_rows in rows.items():
        if not table_rows:
            continue
        columns = _COLUMNS[name]
        table = tables[name]
        processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        marks = {
            "qmark": ["?"] * len(columns),
            "format": ["%s"] * len(columns),
            "numeric": [f":{k + 1}" for k in range(len(columns))],
            "named": [f":{c}" for c in columns],
            "pyformat": [f"%({c})s" for c in columns],
        }[dialect.paramstyle]
        statement = f"INSERT INTO {quote(name)} ({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(marks)})"
        bound = [k for k, processor in enumerate(processors) if processor is not None]
        # Bound forms of repeated values (timestamps, empty JSON lists, flags), computed once.
        memo: dict[tuple[int, Any], Any] = {}
        for start in range(0, len(table_rows), _INSERT_CHUNK):
            batch: list[Any] = table_rows[start : start + _INSERT_CHUNK]
            if bound:
                batch = [list(row) for row in batch]
                for row in batch:
                    for k in bound:
                        key = (k, row[k])
                        if key not in memo:
                            memo[key] = processors[k](row[k])  # type: ignore[misc]
                        row[k] = memo[key]
            if named:
                batch = [dict(zip(columns, row, strict=True)) for row in batch]
            conn.exec_driver_sql(statement, [tuple(row) for row in batch] if not named else batch)


def _employer_rows(jobs: int, enterprises: int, seed: int) -> Rows:
    """Rows of the enterprises, their English aliases, and the jobs with their skills and languages."""
    from api.uscc import make_uscc

    firms = _enterprises(max(enterprises, math.ceil(jobs / 5)), seed + 2)
    job_list = job_profiles(jobs, seed + 1)
    texts = _job_texts(job_list, max(1, len(firms)), seed + 1, [f.name for f in firms])
    rows: Rows = {name: [] for name in _COLUMNS if name not in _TALENT_TABLES}
    for k, firm in enumerate(firms, start=1):
        park = _PARKS[k % len(_PARKS)] if k % 3 == 0 else None
        uscc = make_uscc("9", "1", "350200", _org_body(k))
        rows["enterprise"].append(
            (k, firm.name, uscc, firm.chain, _DISTRICTS[k % len(_DISTRICTS)], park, _STAMP, _STAMP)
        )
        if firm.english:
            rows["enterprise_alias"].append((k, firm.english, 0))
    for job, (doc, employer) in zip(job_list, texts, strict=True):
        rows["job"].append(
            (
                job.id,
                employer + 1,
                doc.title,
                doc.description,
                job.min_degree.name.lower() if job.min_degree else None,
                job.fields_of_study,
                tuple(sorted(job.hard)),
                int(job.min_years_experience),
                1 + job.id % 3,
                job.city,
                job.industry,
                "open",
                _POSTED,
                _STAMP,
                _STAMP,
            )
        )
        skills = [(s, "required") for s in job.required_skills] + [(s, "preferred") for s in job.preferred_skills]
        rows["job_skill"].extend((job.id, name, kind, k) for k, (name, kind) in enumerate(skills))
        rows["job_language"].extend(
            (job.id, lang.language, lang.level.name.lower(), k) for k, lang in enumerate(job.languages)
        )
    return rows


def _org_body(k: int) -> str:
    """An 8-character organisation code body unique to ``k`` (``MA`` + ``k`` in base 31)."""
    from api.uscc import ALPHABET

    digits = []
    for _ in range(6):
        k, digit = divmod(k, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "MA" + "".join(reversed(digits))


def _talent_rows(seed: int, first_chunk: int, stop_chunk: int, talents: int) -> Rows:
    """Rows of the talents of chunks ``first_chunk..stop_chunk - 1`` (of ``talents`` in all)."""
    rows: Rows = {name: [] for name in _TALENT_TABLES}
    for k in range(first_chunk, stop_chunk):
        for p in _talent_chunk(seed, k, k * _CHUNK + 1, min(_CHUNK, talents - k * _CHUNK)):
            rows["talent"].append(
                (
                    p.id,
                    _talent_name(p.id, seed),
                    int(p.years_experience),
                    p.current_city,
                    p.wished_cities,
                    p.wished_industries,
                    p.id % 10 != 0,
                    _STAMP,
                    _STAMP,
                )
            )
            rows["talent_skill"].extend((p.id, name, position) for position, name in enumerate(p.skills))
            rows["talent_education"].extend(_education_rows(p))
            rows["talent_language"].extend(
                (p.id, lang.language, lang.level.name.lower(), position) for position, lang in enumerate(p.languages)
            )
    return rows


def _education_rows(profile: TalentProfile) -> list[tuple[Any, ...]]:
    """Education rows whose highest degree and fields read back as ``profile``'s."""
    degree = profile.highest_degree
    if degree is None:
        return []
    fields: Sequence[str | None] = profile.fields_of_study or (None,)
    degrees = [Degree(max(Degree.BACHELOR, degree - (len(fields) - 1 - k))) for k in range(len(fields))]
    return [
        (
            profile.id,
            level.name.lower(),
            _UNIVERSITIES[(profile.id * 7 + k) % len(_UNIVERSITIES)],
            field,
            2000 + (profile.id + 3 * k) % 25,
            k,
        )
        for k, (level, field) in enumerate(zip(degrees, fields, strict=True))
    ]


def _talent_name(talent_id: int, seed: int) -> str:
    mixed = (talent_id * 2654435761 + seed * 40503) & 0xFFFFFFFF
    surname = _SURNAMES[mixed % len(_SURNAMES)]
    given = _GIVEN[(mixed >> 8) % len(_GIVEN)]
    if mixed & 0x10000:
        given += _GIVEN[(mixed >> 17) % len(_GIVEN)]
    return surname + given


def cached_sqlite(talents: int, jobs: int = 0, enterprises: int = 0, seed: int = 0) -> Path:
    """An SQLite file holding :func:`populate`'s records, created on first use.

    The file is ``bench/.data/synth-v{SYNTH_VERSION}-t{talents}-j{jobs}-e{enterprises}-s{seed}.db``;
    it is written under a temporary name and renamed once complete, so an
    interrupted run never leaves a partial file behind under the final name.
    """
    path = DATA_DIR / f"synth-v{SYNTH_VERSION}-t{talents}-j{jobs}-e{enterprises}-s{seed}.db"
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    populate(f"sqlite:///{partial}", talents=talents, jobs=jobs, enterprises=enterprises, seed=seed)
    os.replace(partial, path)
    return path
