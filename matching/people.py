"""Identity resolution of people: which records, in two lists, describe the same person?

A headhunter's spreadsheet names a PhD ``LU Chen-yu``, the talent registered as
``卢晨雨`` and a university lists ``Chenyu Lu``; one gave a Gmail address with
dots, another the same address in capitals, a third a work address.  This module
links such records, with a score and the evidence behind it, in two stages:

1. **Blocking.**  Every record gets a few *block keys* (:func:`block_keys`); only
   records sharing a key are ever compared (:func:`candidate_pairs`), so
   100,000 records against 100,000 cost about 1.4 million comparisons, not
   ten billion (``bench/link_people.py``).
2. **Scoring.**  Each candidate pair is weighed field by field
   (:func:`compare`) and the pair gets a score in ``0..100`` and a decision.

Normalised forms
----------------
Names
    :func:`name_keys` reduces every spelling to compact lowercase keys without
    tones, spaces or hyphens, in both orders (family name first and last):
    ``卢晨雨``, ``盧晨雨``, ``Lu Chenyu``, ``Chenyu Lu``, ``LU Chen-yu``,
    ``Lu Chen Yu`` and ``Lǔ Chényǔ`` all give ``luchenyu`` and ``chenyulu``.
    Chinese characters are read with :func:`~matching.normalise.name_pinyin`
    (surname readings, ``ü`` written ``u``); a Latin name is read as written,
    and since its order is unknown its first word is also moved to the end.
    :func:`name_initials` gives ``family initials`` forms (``lu cy``), used when
    one record abbreviates the given name (``C.Y. Lu``, ``Lu C.``).
Emails
    :func:`canonical_email`: see :data:`DOT_BLIND_PROVIDERS` and
    :data:`PLUS_TAG_PROVIDERS`.
Phones
    :func:`canonical_phone`: digits only, Chinese numbers in national form.
Birth dates
    :func:`birth_date_similarity`: a date whose day and month are swapped counts
    :data:`SWAPPED_DATE_FACTOR` of an exact agreement.
Institutions
    Resolved through an :class:`~matching.resolve.OrganisationResolver` when one
    is given (same organisation id), else compared by canonical core
    (:func:`~matching.company.canonical_company_name`).

Scoring
-------
Fellegi–Sunter inspired: each field adds a weight in *bits* (log2 of how much
more likely the observation is for one person than for two), see
:data:`WEIGHTS`; the sum ``W`` joins the prior :data:`PRIOR_BITS` and the score
is the posterior probability in percent::

    score = round(100 / (1 + 2 ** -(PRIOR_BITS + W)), 2)

A field only counts when both records carry it.  A shared canonical email or
phone is strong evidence; the same name alone is weak (two ``王伟`` are common),
so it never reaches :data:`LINK_THRESHOLD` without something else; a name that
disagrees, a birth date that differs (and is not a day/month swap), different
phones and different birth years count against.  Every term is symmetric, so
``compare(a, b).score == compare(b, a).score``.

Decisions
---------
``score >= LINK_THRESHOLD``
    ``"link"``: merge automatically.
``REVIEW_THRESHOLD <= score < LINK_THRESHOLD``
    ``"review"``: queue for a person to confirm.
below
    ``"distinct"``: never linked.

Measured on the labelled evaluation set ``tests/matching/people_eval.json``
(207 pairs: 113 matches, 94 non-matches; 67 hand-built hard cases plus 140
from a deterministic generator; ``tests/matching/test_people.py`` recomputes
and asserts these figures, with an :class:`~matching.resolve.OrganisationResolver`
over the set's ten institutions):

=====================  =========  ======
accepted               precision  recall
=====================  =========  ======
``score >= 90`` link   1.000      0.850
``score >= 50`` review 0.926      0.991
=====================  =========  ======

No non-match is linked automatically (the highest scores 88.9: a sibling who
shares a phone); the review queue holds the look-alikes built to land there
(the same name at the same university, twins sharing a landline, siblings
sharing a phone).  The one match below review is ``刘华雨`` / ``Lau Hua Yu``
with only a name and a birth year in common.  The weights were set by hand and
checked on this set, which is therefore not a held-out measurement: extend the
set with real, labelled cases before trusting the figures further.

Blocking and its limits
-----------------------
Block keys (each prefixed by its kind):

``e:``  every canonical email;
``p:``  every canonical phone;
``s:``  the sorted pinyin syllables (or Latin words) of every name, so order,
        spaces, hyphens, tones and script do not matter (``s:chen lu yu``);
``b:``  birth year and the sorted day and month, with the first letter of each
        possible family name (a name with a typo, or a swapped date, still
        meets its twin record);
``I:`` / ``i:``  family name and first given initial; an abbreviated name
        (``C.Y. Lu``) writes ``I:``, a full name ``i:``, and only pairs with at
        least one ``I:`` side are formed, so ``i:wang w`` never makes a block
        of its own.

A key held by more than :data:`MAX_BLOCK_SIZE` records on either side is
skipped for that key alone (the pair may still meet through another key) and
counted in :attr:`LinkStats.blocks_skipped`.  Pairs are compared once however
many keys they share.  Linking is pairwise, so adding a record never changes
the score of an existing pair; it can only drop a pair that met through a
single key when that key's block grows past the cap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from threading import Lock
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt
from pypinyin.pinyin_dict import pinyin_dict
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from matching.company import canonical_company_name
from matching.normalise import has_han, name_pinyin, normalize_text
from matching.resolve import OrganisationResolver

__all__ = [
    "DOT_BLIND_PROVIDERS",
    "LINK_THRESHOLD",
    "MAX_BLOCK_SIZE",
    "PLUS_TAG_PROVIDERS",
    "PRIOR_BITS",
    "REVIEW_THRESHOLD",
    "SWAPPED_DATE_FACTOR",
    "WEIGHTS",
    "CandidatePairs",
    "Decision",
    "EvalReport",
    "Evidence",
    "LinkStats",
    "PersonIndex",
    "PersonLink",
    "PersonRecord",
    "birth_date_similarity",
    "block_keys",
    "candidate_pairs",
    "canonical_email",
    "canonical_phone",
    "compare",
    "evaluate_links",
    "find_duplicates",
    "link_records",
    "link_records_with_stats",
    "name_initials",
    "name_keys",
]

Decision = Literal["link", "review", "distinct"]

LINK_THRESHOLD: float = 90.0
"""Lowest score linked automatically (precision 1.000, recall 0.850 on the evaluation set)."""

REVIEW_THRESHOLD: float = 50.0
"""Lowest score queued for review (precision 0.926, recall 0.991 on the evaluation set)."""

PRIOR_BITS: float = -6.0
"""Prior log2 odds that two candidate records are one person, before any field.

With it the same Chinese name alone scores 33 (distinct), the same name with
the same birth date 89 (review), and a shared email with the same name 99.8."""

WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "email_same": 10.0,
        "email_typo": 3.0,
        "email_different": -0.5,
        "phone_same": 8.0,
        "phone_suffix": 6.0,
        "phone_different": -3.0,
        "name_same_han": 5.0,
        "name_same_key": 4.5,
        "name_homophone": 1.5,
        "name_initials": 2.5,
        "name_close": 2.5,
        "name_surname_only": -1.0,
        "name_dialect_surname": 0.0,
        "name_different": -3.0,
        "name_different_given": -5.0,
        "birth_same": 4.0,
        "birth_year_same": 1.5,
        "birth_different": -5.0,
        "institution_same": 2.0,
        "institution_different": -0.5,
    }
)
"""Weight in bits of each observation, applied only when both records carry the field.

``email_same`` / ``phone_same``
    A canonical email or phone in common: strong, near-unique.
``email_typo``
    Same domain and local parts one edit apart (``chenyu.lu`` / ``chenyu.lu``
    mistyped ``chneyu.lu``), unless they differ only in digits (``wangwei1`` /
    ``wangwei2`` are two accounts); or the same local part at a mistyped domain.
``email_different`` / ``phone_different``
    Both present, none shared.  Mild for email (people keep several), firmer
    for phones.
``phone_suffix``
    One number is the other with a foreign country code left off.
``name_same_han``
    Same Chinese characters (after Traditional to Simplified).  Weak on its own:
    common names repeat.
``name_same_key``
    A :func:`name_keys` key in common (same name across scripts and orders).
``name_homophone``
    Same pinyin but different characters (``卢晨雨`` / ``陆晨雨``): an input-method
    slip or another person.
``name_initials``
    One name abbreviates the other (``C.Y. Lu`` / ``Lu Chenyu``).
``name_close``
    Best :func:`rapidfuzz.fuzz.ratio` over the keys at least 85, or
    :func:`rapidfuzz.fuzz.token_set_ratio` of Latin names at least 90, when at
    least one name is not valid pinyin (a typo such as ``Chenyo``, an English
    name).
``name_surname_only``
    Only the family name agrees and the given names cannot be compared (an
    English given name such as ``Michael Lu`` against ``卢晨雨``).
``name_dialect_surname``
    The family names agree only through a dialect spelling (``Chan Ka Man`` /
    ``陈嘉文``): the given name is then romanised from Cantonese or Hokkien too
    and cannot be compared, so the name neither helps nor hurts.
``name_different``
    Names that agree on nothing, or initials that contradict the full name.
``name_different_given``
    Both names are complete (Chinese characters, or words that are all valid
    pinyin syllables) and differ: pinyin is a closed set of syllables, so two
    valid spellings that differ (``Zhao Ming`` / ``Zhao Ting``) are two names,
    not a typo.  Keeps twins and siblings, who share a phone, a birth date or a
    family email, apart.
``birth_same`` / ``birth_year_same`` / ``birth_different``
    Same full date (a day/month swap counts :data:`SWAPPED_DATE_FACTOR`), the
    same year when one side has only the year, a different date or year.
``institution_same`` / ``institution_different``
    An organisation in common; none in common (weak: people move).
"""

SWAPPED_DATE_FACTOR: float = 0.8
"""Share of ``birth_same`` given to dates whose day and month are swapped (both <= 12)."""

MAX_BLOCK_SIZE: int = 300
"""Most records on one side of a block; a larger block is skipped for its key alone."""

DOT_BLIND_PROVIDERS: frozenset[str] = frozenset({"gmail.com", "googlemail.com"})
"""Domains whose mailboxes ignore dots in the local part (Gmail only)."""

PLUS_TAG_PROVIDERS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "fastmail.com",
    }
)
"""Domains that deliver ``name+tag@`` to ``name@`` (documented sub-addressing).

Chinese providers (``qq.com``, ``163.com``, ``126.com``, ``sina.com``) and
university domains are not listed: there a ``+`` is kept as part of the name."""

# Cantonese, Hokkien (Minnan) and Wade-Giles spellings of common family names,
# mapped to their Mandarin pinyin.  Only used to tell that two family names agree.
_DIALECT_SURNAMES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "chan": frozenset({"chen"}),
        "tan": frozenset({"chen", "tan"}),
        "chin": frozenset({"chen"}),
        "wong": frozenset({"wang", "huang"}),
        "ong": frozenset({"wang"}),
        "lee": frozenset({"li"}),
        "lai": frozenset({"li", "lai"}),
        "cheung": frozenset({"zhang"}),
        "chang": frozenset({"zhang"}),
        "teo": frozenset({"zhang"}),
        "leung": frozenset({"liang"}),
        "lau": frozenset({"liu"}),
        "ng": frozenset({"wu", "huang"}),
        "goh": frozenset({"wu"}),
        "ho": frozenset({"he"}),
        "chow": frozenset({"zhou"}),
        "chou": frozenset({"zhou"}),
        "lam": frozenset({"lin"}),
        "lim": frozenset({"lin"}),
        "tang": frozenset({"deng", "tang"}),
        "kwok": frozenset({"guo"}),
        "tsang": frozenset({"zeng"}),
        "yeung": frozenset({"yang"}),
        "yeo": frozenset({"yang"}),
        "lo": frozenset({"lu", "luo"}),
        "fung": frozenset({"feng"}),
        "choi": frozenset({"cai"}),
        "chua": frozenset({"cai"}),
        "tsai": frozenset({"cai"}),
        "tse": frozenset({"xie"}),
        "chu": frozenset({"zhu", "chu"}),
        "mak": frozenset({"mai"}),
        "yip": frozenset({"ye"}),
        "siu": frozenset({"xiao"}),
        "kwan": frozenset({"guan"}),
        "cheng": frozenset({"zheng", "cheng"}),
        "tay": frozenset({"zheng"}),
        "hui": frozenset({"xu"}),
        "hsu": frozenset({"xu"}),
        "koh": frozenset({"xu", "gao"}),
        "tam": frozenset({"tan"}),
        "poon": frozenset({"pan"}),
        "khoo": frozenset({"qiu"}),
        "ang": frozenset({"hong"}),
        "sim": frozenset({"shen"}),
        "chiang": frozenset({"jiang"}),
        "hsieh": frozenset({"xie"}),
    }
)
_COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "单于",
        "万俟",
        "澹台",
        "闻人",
        "东郭",
        "南宫",
        "西门",
        "端木",
        "百里",
        "呼延",
    }
)
# Passports write ü as "yu" (吕 Lyu, 女 Nyu), older ones and input methods as "v" (LV); pinyin keys write it "u".
_PASSPORT_SPELLINGS: Mapping[str, str] = MappingProxyType({"lyu": "lu", "nyu": "nu", "lv": "lu", "nv": "nu"})
_WORD_SPLIT = re.compile(r"[\s.\-'’·•_]+")
_DIGITS = re.compile(r"\d")
_VOWELS = frozenset("aeiouy")
_MAX_SYLLABLE = 6
_FUZZY_NAME = 85.0
_FUZZY_TOKEN_SET = 90.0
_MIN_TYPO_LOCAL = 5
_MIN_PHONE_SUFFIX = 8
_SCORE_DIGITS = 2

_Codes = npt.NDArray[np.int64]


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _syllable_inventory() -> frozenset[str]:
    syllables = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllable = _strip_marks(reading).replace("ü", "u")
            if syllable.isalpha() and _VOWELS & set(syllable) and syllable not in {"yo", "lo"}:
                syllables.add(syllable)
    return frozenset(syllables)


_SYLLABLES = _syllable_inventory()


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One person as a source knows them; every field but ``id`` may be missing.

    ``birth_year`` is used only when ``birth_date`` is missing.
    """

    id: str | int
    name_zh: str | None = None
    name_pinyin: str | None = None
    name_en: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    birth_date: date | None = None
    birth_year: int | None = None
    institutions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation behind a link.

    ``similarity`` is in ``0..1``; ``weight`` the bits it adds to the pair
    (negative when it speaks against); ``note`` says what was seen.
    """

    field: str
    left: str
    right: str
    similarity: float
    weight: float
    note: str


@dataclass(frozen=True, slots=True)
class PersonLink:
    """A scored pair: ``score`` in ``0..100``, the evidence, and the decision it implies."""

    left_id: str | int
    right_id: str | int
    score: float
    evidence: tuple[Evidence, ...]
    decision: Decision


@dataclass(frozen=True, slots=True)
class LinkStats:
    """What a linking run cost.

    ``pairs_compared`` counts distinct pairs scored, ``blocks_skipped`` the block
    keys dropped for exceeding :data:`MAX_BLOCK_SIZE`; ``cross_product`` is the
    number of pairs a naive run would have scored.
    """

    pairs_compared: int
    blocks_skipped: int
    cross_product: int


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Precision and recall of a scored, labelled set at both thresholds.

    ``link_*`` treat pairs at or above :data:`LINK_THRESHOLD` as predicted
    matches, ``review_*`` pairs at or above :data:`REVIEW_THRESHOLD` (what a
    reviewer would see plus what is linked).  A precision with nothing predicted
    is 1.0; a recall with no match is 1.0.
    """

    pairs: int
    matches: int
    link_precision: float
    link_recall: float
    review_precision: float
    review_recall: float
    false_links: tuple[int, ...]
    missed_reviews: tuple[int, ...]


# -- normalisers ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _segment(word: str) -> tuple[str, ...] | None:
    """Split a compact pinyin word into the fewest valid syllables, or ``None``."""
    size = len(word)
    best: list[tuple[str, ...] | None] = [None] * (size + 1)
    best[0] = ()
    for end in range(1, size + 1):
        for start in range(max(0, end - _MAX_SYLLABLE), end):
            head = best[start]
            if head is not None and word[start:end] in _SYLLABLES:
                candidate = (*head, word[start:end])
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[size]


def _latin_words(name: str) -> tuple[str, ...]:
    text = _strip_marks(normalize_text(name)).replace("ü", "u")
    text = _DIGITS.sub("", text)
    return tuple(_PASSPORT_SPELLINGS.get(word, word) for word in _WORD_SPLIT.split(text) if word)


def _is_initials(word: str) -> bool:
    """``c``, ``cy``, ``jw``: one letter, or up to three without a vowel (``Ng`` is a family name)."""
    return len(word) == 1 or (len(word) <= 3 and not (set("aeiou") & set(word)) and word not in _DIALECT_SURNAMES)


@dataclass(frozen=True, slots=True)
class _Name:
    """One written name: its reading(s) as (family, given words) and flags."""

    words: tuple[str, ...]
    readings: tuple[tuple[str, tuple[str, ...]], ...]
    han: str | None
    abbreviated: bool
    latin: str | None


@lru_cache(maxsize=1 << 17)
def _parse_name(name: str) -> _Name | None:
    normalised = normalize_text(name)
    compact = normalised.replace(" ", "")
    if has_han(compact):
        surname_length = 2 if compact[:2] in _COMPOUND_SURNAMES else 1
        syllables = name_pinyin(compact).replace("v", "u").split()
        if len(syllables) != len(compact):  # mixed script: read it as one Latin string
            return _parse_latin(" ".join(syllables), han=compact)
        family = "".join(syllables[:surname_length])
        given = tuple(syllables[surname_length:])
        return _Name((family, *given), ((family, given),), compact, False, None)
    return _parse_latin(name, han=None)


def _parse_latin(name: str, *, han: str | None) -> _Name | None:
    words = _latin_words(name)
    if not words:
        return None
    if len(words) == 1:
        return _Name(words, ((words[0], ()),), han, False, " ".join(words))
    initials = [w for w in words if _is_initials(w)]
    full = [w for w in words if not _is_initials(w)]
    if initials and len(full) == 1:
        letters = tuple("".join(initials))
        return _Name(words, ((full[0], letters),), han, True, " ".join(words))
    readings = ((words[0], words[1:]), (words[-1], words[:-1]))
    return _Name(words, readings, han, False, " ".join(words))


def _record_names(record: PersonRecord) -> tuple[_Name, ...]:
    names = []
    for text in (record.name_zh, record.name_pinyin, record.name_en):
        if text:
            parsed = _parse_name(text)
            if parsed is not None:
                names.append(parsed)
    return tuple(names)


def _keys_of(name: _Name) -> set[str]:
    """The words joined as written and with the first word moved to the end.

    One rotation is enough: whichever end a Latin name puts the family name at,
    one of its two keys equals one of the two keys of the Chinese name.  A
    Latin name whose first or last word is a dialect spelling of a family name
    (``Lau Hua Yu``) also gives the keys with the pinyin family name (``liu``).
    """
    if name.abbreviated:
        return set()
    spellings = [name.words]
    if name.han is None and len(name.words) > 1:
        first, last = name.words[0], name.words[-1]
        spellings += [(pinyin, *name.words[1:]) for pinyin in _DIALECT_SURNAMES.get(first, ())]
        spellings += [(*name.words[:-1], pinyin) for pinyin in _DIALECT_SURNAMES.get(last, ())]
    return {key for words in spellings for key in ("".join(words), "".join((*words[1:], words[0])))}


def name_keys(record: PersonRecord) -> frozenset[str]:
    """Compact lowercase keys of every name of ``record``, in both orders.

    Chinese names become toneless pinyin; Latin names lose case, tones, tone
    numbers, spaces, hyphens and apostrophes.  Abbreviated names (``C.Y. Lu``)
    give no key (see :func:`name_initials`).

    >>> sorted(name_keys(PersonRecord(1, name_zh="盧晨雨", name_en="LU Chen-yu")))
    ['chenyulu', 'luchenyu']
    """
    keys: set[str] = set()
    for name in _record_names(record):
        keys |= _keys_of(name)
    return frozenset(keys)


def _initials_of(name: _Name) -> set[str]:
    forms = set()
    for family, given in name.readings:
        letters = "".join(_given_initials(word) for word in given)
        if letters:
            forms.add(f"{family} {letters}")
    return forms


def _given_initials(word: str) -> str:
    if len(word) == 1:
        return word
    syllables = _segment(word)
    return "".join(s[0] for s in syllables) if syllables else word[0]


def name_initials(record: PersonRecord) -> frozenset[str]:
    """``"family initials"`` forms of every name of ``record``.

    >>> sorted(name_initials(PersonRecord(1, name_zh="卢晨雨")))
    ['lu cy']
    >>> sorted(name_initials(PersonRecord(2, name_en="C.Y. Lu")))
    ['lu cy']
    """
    forms: set[str] = set()
    for name in _record_names(record):
        forms |= _initials_of(name)
    return frozenset(forms)


def canonical_email(email: str) -> str | None:
    """The mailbox an address reaches, or ``None`` when ``email`` is not an address.

    Lower case (NFKC, trimmed) everywhere.  For :data:`DOT_BLIND_PROVIDERS` the
    dots of the local part are dropped and ``googlemail.com`` becomes
    ``gmail.com``; for :data:`PLUS_TAG_PROVIDERS` a ``+tag`` is dropped.  Other
    domains keep their local part as written.

    >>> canonical_email(" Chen.Yu.Lu+guilu@GoogleMail.com ")
    'chenyulu@gmail.com'
    >>> canonical_email("chen.yu+cv@qq.com")
    'chen.yu+cv@qq.com'
    """
    text = unicodedata.normalize("NFKC", email).strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or " " in text:
        return None
    if domain in PLUS_TAG_PROVIDERS:
        local = local.split("+", 1)[0]
    if domain in DOT_BLIND_PROVIDERS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}" if local else None


_CHINA = "86"
_CHINESE_MOBILE_LENGTH = 11
_MIN_PHONE_DIGITS = 6


def canonical_phone(phone: str) -> str | None:
    """Digits of a phone number in one form, or ``None`` with fewer than six digits.

    * A ``+`` or ``00`` international prefix is dropped; the country code stays,
      so foreign numbers read like E.164 without the plus (``+44 20 7946 0000``
      -> ``442079460000``).
    * Chinese numbers take their national form: ``+86`` / ``0086`` / ``86``
      before an 11-digit mobile starting with 1 is dropped
      (``+86 138-0000-1234`` -> ``13800001234``), and ``+86`` before a landline
      becomes the trunk ``0`` (``+86 592 1234567`` -> ``05921234567``).
    * Anything else keeps its digits as written.

    >>> canonical_phone("0086 138 0000 1234")
    '13800001234'
    """
    text = unicodedata.normalize("NFKC", phone).strip()
    digits = "".join(c for c in text if c.isdigit())
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith(_CHINA):
        rest = digits[len(_CHINA) :]
        if len(rest) == _CHINESE_MOBILE_LENGTH and rest.startswith("1"):
            digits = rest
        elif international and rest and not rest.startswith("0"):
            digits = "0" + rest
    return digits if len(digits) >= _MIN_PHONE_DIGITS else None


def birth_date_similarity(left: date, right: date) -> float:
    """``1`` for the same date, :data:`SWAPPED_DATE_FACTOR` for a day/month swap, else ``0``.

    A swap needs the same year and both day and month at most 12 (otherwise the
    swap is not a valid reading of the other date).

    >>> birth_date_similarity(date(1990, 3, 7), date(1990, 7, 3))
    0.8
    """
    if left == right:
        return 1.0
    if left.year == right.year and left.day == right.month and left.month == right.day and left.day <= 12:
        return SWAPPED_DATE_FACTOR
    return 0.0


# -- prepared records -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    record: PersonRecord
    han: frozenset[str]
    keys: frozenset[str]
    latin: tuple[str, ...]
    full_initials: frozenset[str]
    short_initials: frozenset[str]
    families: frozenset[str]
    dialect_families: frozenset[str]
    complete: bool
    emails: frozenset[str]
    phones: frozenset[str]
    birth_year: int | None
    institutions: Mapping[str, str]


def _prepare(record: PersonRecord, institution_key: Mapping[str, str] | None = None) -> _Prepared:
    names = _record_names(record)
    full_initials: set[str] = set()
    short_initials: set[str] = set()
    families: set[str] = set()
    dialect_families: set[str] = set()
    for name in names:
        (short_initials if name.abbreviated else full_initials).update(_initials_of(name))
        for family, given in name.readings:
            if given or len(name.readings) == 1:
                families.add(family)
                dialect_families.update(_DIALECT_SURNAMES.get(family, ()))
    emails = frozenset(filter(None, (canonical_email(e) for e in record.emails)))
    phones = frozenset(filter(None, (canonical_phone(p) for p in record.phones)))
    institutions: dict[str, str] = {}
    for text in record.institutions:
        key = institution_key[text] if institution_key is not None else _institution_core(text)
        if key:
            institutions.setdefault(key, text)
    keys = frozenset().union(*(_keys_of(n) for n in names))
    year = record.birth_date.year if record.birth_date is not None else record.birth_year
    return _Prepared(
        record=record,
        han=frozenset(n.han for n in names if n.han),
        keys=keys,
        latin=tuple(sorted({n.latin for n in names if n.latin and not n.han})),
        full_initials=frozenset(full_initials),
        short_initials=frozenset(short_initials),
        families=frozenset(families),
        dialect_families=frozenset(dialect_families - families),
        complete=bool(keys) and all(n.han or _segment("".join(n.words)) for n in names if not n.abbreviated),
        emails=emails,
        phones=phones,
        birth_year=year,
        institutions=MappingProxyType(institutions),
    )


@lru_cache(maxsize=1 << 16)
def _institution_core(text: str) -> str:
    core = canonical_company_name(text).core.replace(" ", "")
    return f"core:{core}" if core else ""


def _institution_keys(records: Iterable[PersonRecord], resolver: OrganisationResolver | None) -> dict[str, str]:
    keys: dict[str, str] = {}
    for record in records:
        for text in record.institutions:
            if text in keys:
                continue
            matches = resolver.resolve(text, limit=1) if resolver is not None else []
            keys[text] = f"org:{matches[0].id}" if matches else _institution_core(text)
    return keys


# -- blocking ---------------------------------------------------------------------------------------------------


def _sorted_name_key(name: _Name) -> str | None:
    if name.abbreviated:
        return None
    family, given = name.readings[0]
    parts: list[str] = []
    for word in (family, *given):
        syllables = _segment(word)
        parts.extend(syllables if syllables else (word,))
    return " ".join(sorted(parts))


def _block_keys(prepared: _Prepared) -> frozenset[str]:
    record = prepared.record
    keys = {f"e:{email}" for email in prepared.emails}
    keys |= {f"p:{phone}" for phone in prepared.phones}
    letters: set[str] = set()
    for name in _record_names(record):
        sorted_key = _sorted_name_key(name)
        if sorted_key:
            keys.add(f"s:{sorted_key}")
        for family, given in name.readings:
            letters.add(family[:1])
            if given:
                keys.add(f"{'I' if name.abbreviated else 'i'}:{family} {given[0][:1]}")
    if record.birth_date is not None:
        day, month = sorted((record.birth_date.day, record.birth_date.month))
        keys |= {f"b:{record.birth_date.year}-{day}-{month} {letter}" for letter in letters}
    return frozenset(keys)


def block_keys(record: PersonRecord) -> frozenset[str]:
    """The block keys of ``record`` (kinds ``e:``, ``p:``, ``s:``, ``b:``, ``I:``/``i:``; see the module docs).

    >>> sorted(block_keys(PersonRecord(1, name_zh="卢晨雨", phones=("+86 138 0000 1234",))))
    ['i:lu c', 'p:13800001234', 's:chen lu yu']
    """
    return _block_keys(_prepare(record))


# An ``I:`` key (abbreviated name) meets ``I:`` and ``i:`` keys; an ``i:`` key only ``I:`` keys.
_PARTNER_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType({"I": ("I", "i"), "i": ("I",)})


class CandidatePairs:
    """The pairs ``(i, j)`` of indexes into ``left`` and ``right`` that share a block key.

    Iterating gives each pair once, in increasing order of ``i`` then ``j``.
    ``blocks_skipped`` counts the keys skipped for exceeding :data:`MAX_BLOCK_SIZE`.
    """

    __slots__ = ("_codes", "_width", "blocks_skipped")

    def __init__(self, codes: _Codes, width: int, blocks_skipped: int) -> None:
        self._codes = codes
        self._width = width
        self.blocks_skipped = blocks_skipped

    def __len__(self) -> int:
        return int(self._codes.size)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        width = self._width
        for code in self._codes.tolist():
            yield divmod(code, width)


def _index(keys: Sequence[frozenset[str]]) -> dict[str, list[int]]:
    postings: dict[str, list[int]] = {}
    for position, record_keys in enumerate(keys):
        for key in record_keys:
            postings.setdefault(key, []).append(position)
    return postings


def _pair_codes(
    left_keys: Sequence[frozenset[str]], right_keys: Sequence[frozenset[str]] | None, *, max_block_size: int
) -> CandidatePairs:
    """Pairs sharing a key, as codes ``i * width + j``; ``right_keys=None`` pairs ``left`` with itself (``i < j``)."""
    same_list = right_keys is None
    width = max(len(left_keys) if right_keys is None else len(right_keys), 1)
    left_index = _index(left_keys)
    right_index = left_index if right_keys is None else _index(right_keys)
    chunks: list[_Codes] = []
    skipped = 0
    for key, lefts in left_index.items():
        kind, _, rest = key.partition(":")
        for partner_kind in _PARTNER_KINDS.get(kind, (kind,)):
            partner = f"{partner_kind}:{rest}"
            rights = right_index.get(partner)
            if rights is None or (same_list and partner == key and len(lefts) < 2):
                continue
            if len(lefts) > max_block_size or len(rights) > max_block_size:
                skipped += 1
                continue
            left_array = np.asarray(lefts, dtype=np.int64)
            right_array = np.asarray(rights, dtype=np.int64)
            codes = (left_array[:, None] * width + right_array[None, :]).ravel()
            if same_list:
                lo = np.minimum(codes // width, codes % width)
                hi = np.maximum(codes // width, codes % width)
                codes = (lo * width + hi)[lo < hi]
            chunks.append(codes)
    if not chunks:
        return CandidatePairs(np.empty(0, dtype=np.int64), width, skipped)
    codes = np.sort(np.concatenate(chunks))
    if codes.size:
        keep = np.empty(codes.size, dtype=np.bool_)
        keep[0] = True
        np.not_equal(codes[1:], codes[:-1], out=keep[1:])
        codes = codes[keep]
    return CandidatePairs(codes, width, skipped)


def candidate_pairs(
    left: Sequence[PersonRecord], right: Sequence[PersonRecord], *, max_block_size: int = MAX_BLOCK_SIZE
) -> CandidatePairs:
    """The pairs of ``left`` and ``right`` records that share at least one block key.

    An inverted index over :func:`block_keys`; a key held by more than
    ``max_block_size`` records on either side is skipped (and counted in
    ``blocks_skipped``), the other keys of the same records still apply.

    Returns
    -------
    CandidatePairs
        Iterable of ``(i, j)`` index pairs, each once, with ``blocks_skipped``.
    """
    return _pair_codes([block_keys(r) for r in left], [block_keys(r) for r in right], max_block_size=max_block_size)


class PersonIndex:
    """Records by block key, added one at a time, to find the candidates of one more record.

    Building it over ``n`` records costs ``O(n)``; :meth:`candidates` costs the size of the blocks the
    record meets.  So linking ``m`` new records one by one against ``n`` stored ones (each new record
    added once linked) costs ``O(n + m * block)``, where pairing every new record with every stored one
    would cost ``O(n * m)``.  A key held by more than ``max_block_size`` records is skipped, as in
    :func:`candidate_pairs`.  Safe to share between threads.
    """

    __slots__ = ("_lock", "_max_block_size", "_positions", "_postings", "_records")

    def __init__(self, records: Iterable[PersonRecord] = (), *, max_block_size: int = MAX_BLOCK_SIZE) -> None:
        self._max_block_size = max_block_size
        self._lock = Lock()
        self._records: dict[str | int, PersonRecord] = {}
        self._positions: dict[str | int, int] = {}
        self._postings: dict[str, list[str | int]] = {}
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: PersonRecord) -> None:
        """Index ``record``; a record with the id of an earlier one replaces it (the same again changes nothing)."""
        keys = block_keys(record)
        with self._lock:
            earlier = self._records.get(record.id)
            if earlier == record:
                return
            if earlier is not None:
                for key in block_keys(earlier):
                    self._postings[key].remove(record.id)
            self._records[record.id] = record
            self._positions.setdefault(record.id, len(self._positions))
            for key in keys:
                self._postings.setdefault(key, []).append(record.id)

    def candidates(self, record: PersonRecord) -> list[PersonRecord]:
        """The indexed records sharing a block key with ``record``, each once, in the order they were added."""
        partners = [
            f"{partner_kind}:{rest}"
            for kind, _, rest in (key.partition(":") for key in block_keys(record))
            for partner_kind in _PARTNER_KINDS.get(kind, (kind,))
        ]
        found: dict[str | int, None] = {}
        with self._lock:
            for partner in partners:
                ids = self._postings.get(partner, ())
                if len(ids) <= self._max_block_size:
                    found.update(dict.fromkeys(ids))
            return [self._records[i] for i in sorted(found, key=self._positions.__getitem__) if i != record.id]


# -- scoring ----------------------------------------------------------------------------------------------------


def _decision(score: float) -> Decision:
    if score >= LINK_THRESHOLD:
        return "link"
    if score >= REVIEW_THRESHOLD:
        return "review"
    return "distinct"


def _to_score(bits: float) -> float:
    exponent = -(PRIOR_BITS + bits)
    if exponent > 1000:
        return 0.0
    return round(100.0 / (1.0 + math.pow(2.0, exponent)), _SCORE_DIGITS)


def _evidence(field: str, left: str, right: str, similarity: float, weight_name: str, note: str) -> Evidence:
    return Evidence(field, left, right, round(similarity, 4), WEIGHTS[weight_name], note)


def _first(values: Iterable[str]) -> str:
    return min(values, default="")


def _weigh_email(a: _Prepared, b: _Prepared, explain: list[Evidence] | None) -> float:
    if not a.emails or not b.emails:
        return 0.0
    shared = a.emails & b.emails
    if shared:
        email = _first(shared)
        if explain is not None:
            explain.append(_evidence("email", email, email, 1.0, "email_same", "same mailbox"))
        return WEIGHTS["email_same"]
    typo = _email_typo(a.emails, b.emails)
    if typo is not None:
        if explain is not None:
            explain.append(_evidence("email", typo[0], typo[1], typo[2], "email_typo", "one edit apart"))
        return WEIGHTS["email_typo"]
    if explain is not None:
        explain.append(
            _evidence("email", _first(a.emails), _first(b.emails), 0.0, "email_different", "no mailbox in common")
        )
    return WEIGHTS["email_different"]


def _email_typo(left: frozenset[str], right: frozenset[str]) -> tuple[str, str, float] | None:
    found: list[tuple[str, str, float]] = []
    for x in left:
        x_local, _, x_domain = x.partition("@")
        for y in right:
            y_local, _, y_domain = y.partition("@")
            if x_domain == y_domain:
                if min(len(x_local), len(y_local)) < _MIN_TYPO_LOCAL or OSA.distance(x_local, y_local) > 1:
                    continue
                if _DIGITS.sub("", x_local) == _DIGITS.sub("", y_local):
                    continue
            elif x_local != y_local or len(x_local) < _MIN_TYPO_LOCAL or OSA.distance(x_domain, y_domain) > 1:
                continue
            pair = (x, y) if x <= y else (y, x)
            found.append((x, y, fuzz.ratio(*pair) / 100.0))
    return min(found, key=lambda item: (item[0], item[1])) if found else None


def _weigh_phone(a: _Prepared, b: _Prepared, explain: list[Evidence] | None) -> float:
    if not a.phones or not b.phones:
        return 0.0
    shared = a.phones & b.phones
    if shared:
        phone = _first(shared)
        if explain is not None:
            explain.append(_evidence("phone", phone, phone, 1.0, "phone_same", "same number"))
        return WEIGHTS["phone_same"]
    for x in sorted(a.phones):
        for y in sorted(b.phones):
            short, long_ = sorted((x, y), key=len)
            if len(short) >= _MIN_PHONE_SUFFIX and long_.endswith(short):
                if explain is not None:
                    explain.append(_evidence("phone", x, y, 0.9, "phone_suffix", "same number, country code left off"))
                return WEIGHTS["phone_suffix"]
    if explain is not None:
        explain.append(
            _evidence("phone", _first(a.phones), _first(b.phones), 0.0, "phone_different", "different numbers")
        )
    return WEIGHTS["phone_different"]


def _weigh_name(a: _Prepared, b: _Prepared, explain: list[Evidence] | None) -> float:
    if not (a.keys or a.short_initials) or not (b.keys or b.short_initials):
        return 0.0
    if a.han and b.han:
        shared_han = a.han & b.han
        if shared_han:
            han = _first(shared_han)
            return _name_result(explain, han, han, 1.0, "name_same_han", "same Chinese name")
    shared = a.keys & b.keys
    if shared:
        if a.han and b.han:
            return _name_result(
                explain, _first(a.han), _first(b.han), 0.9, "name_homophone", "same pinyin, different characters"
            )
        key = _first(shared)
        return _name_result(explain, key, key, 1.0, "name_same_key", "same name across scripts or order")
    if _initials_compatible(a, b) or _initials_compatible(b, a):
        left, right = _first(a.short_initials | a.full_initials), _first(b.short_initials | b.full_initials)
        return _name_result(explain, left, right, 0.8, "name_initials", "one name abbreviates the other")
    if a.short_initials or b.short_initials:
        left, right = _first(a.short_initials | a.full_initials), _first(b.short_initials | b.full_initials)
        return _name_result(explain, left, right, 0.0, "name_different", "initials disagree")
    best, left, right = _best_ratio(a.keys, b.keys)
    if not (a.complete and b.complete):
        for x in a.latin:
            for y in b.latin:
                ratio = fuzz.token_set_ratio(x, y)
                if ratio > best or (ratio == best and (x, y) < (left, right)):
                    best, left, right = ratio, x, y
        if best >= _FUZZY_NAME:
            return _name_result(explain, left, right, best / 100.0, "name_close", "spellings differ slightly")
    dialect = (a.families & b.dialect_families) | (a.dialect_families & b.families)
    if dialect:
        family = _first(dialect)
        return _name_result(
            explain, family, family, best / 100.0, "name_dialect_surname", "family name agrees in a dialect spelling"
        )
    if a.complete and b.complete:
        left, right = _first(a.han) or left, _first(b.han) or right
        return _name_result(explain, left, right, best / 100.0, "name_different_given", "different names")
    if a.families & b.families:
        family = _first(a.families & b.families)
        return _name_result(explain, family, family, best / 100.0, "name_surname_only", "only the family name agrees")
    return _name_result(explain, left, right, best / 100.0, "name_different", "names differ")


def _initials_compatible(short: _Prepared, full: _Prepared) -> bool:
    for form in short.short_initials:
        family, _, letters = form.partition(" ")
        for other in full.full_initials | full.short_initials:
            other_family, _, other_letters = other.partition(" ")
            if family == other_family and (other_letters.startswith(letters) or letters.startswith(other_letters)):
                return True
    return False


def _best_ratio(left: frozenset[str], right: frozenset[str]) -> tuple[float, str, str]:
    best, best_left, best_right = 0.0, _first(left), _first(right)
    for x in left:
        for y in right:
            ratio = fuzz.ratio(x, y)
            if ratio > best or (ratio == best and (x, y) < (best_left, best_right)):
                best, best_left, best_right = ratio, x, y
    return best, best_left, best_right


def _name_result(
    explain: list[Evidence] | None, left: str, right: str, similarity: float, weight_name: str, note: str
) -> float:
    if explain is not None:
        explain.append(_evidence("name", left, right, similarity, weight_name, note))
    return WEIGHTS[weight_name]


def _weigh_birth(a: _Prepared, b: _Prepared, explain: list[Evidence] | None) -> float:
    left, right = a.record.birth_date, b.record.birth_date
    if left is not None and right is not None:
        similarity = birth_date_similarity(left, right)
        if similarity > 0:
            note = "same birth date" if similarity == 1.0 else "same birth date with day and month swapped"
            weight = WEIGHTS["birth_same"] * similarity
        else:
            note, weight = "different birth dates", WEIGHTS["birth_different"]
        if explain is not None:
            explain.append(Evidence("birth", left.isoformat(), right.isoformat(), similarity, weight, note))
        return weight
    if a.birth_year is None or b.birth_year is None:
        return 0.0
    same = a.birth_year == b.birth_year
    name = "birth_year_same" if same else "birth_different"
    if explain is not None:
        note = "same birth year" if same else "different birth years"
        explain.append(_evidence("birth", str(a.birth_year), str(b.birth_year), float(same), name, note))
    return WEIGHTS[name]


def _weigh_institution(a: _Prepared, b: _Prepared, explain: list[Evidence] | None) -> float:
    if not a.institutions or not b.institutions:
        return 0.0
    shared = sorted(a.institutions.keys() & b.institutions.keys())
    if shared:
        key = shared[0]
        note = "same organisation" if key.startswith("org:") else "same institution name"
        if explain is not None:
            explain.append(
                _evidence("institution", a.institutions[key], b.institutions[key], 1.0, "institution_same", note)
            )
        return WEIGHTS["institution_same"]
    if explain is not None:
        left, right = a.institutions[min(a.institutions)], b.institutions[min(b.institutions)]
        explain.append(_evidence("institution", left, right, 0.0, "institution_different", "no institution in common"))
    return WEIGHTS["institution_different"]


_FIELDS = (_weigh_email, _weigh_phone, _weigh_name, _weigh_birth, _weigh_institution)


def _bits(a: _Prepared, b: _Prepared, explain: list[Evidence] | None = None) -> float:
    total = 0.0
    for weigh in _FIELDS:
        total += weigh(a, b, explain)
    return total


def _link(a: _Prepared, b: _Prepared) -> PersonLink:
    evidence: list[Evidence] = []
    score = _to_score(_bits(a, b, evidence))
    return PersonLink(a.record.id, b.record.id, score, tuple(evidence), _decision(score))


def compare(a: PersonRecord, b: PersonRecord, *, resolver: OrganisationResolver | None = None) -> PersonLink:
    """Score whether ``a`` and ``b`` are the same person, with the evidence.

    Parameters
    ----------
    a, b : PersonRecord
        The two records; the link's ``left_id`` is ``a.id``.
    resolver : OrganisationResolver, optional
        Resolves institutions to organisation ids; without one, institutions
        compare by canonical core.

    Returns
    -------
    PersonLink
        Score in ``0..100`` (symmetric in ``a`` and ``b``), one :class:`Evidence`
        per field both records carry, and the decision.

    Examples
    --------
    >>> link = compare(
    ...     PersonRecord(1, name_zh="卢晨雨", emails=("chenyu.lu@gmail.com",)),
    ...     PersonRecord(2, name_en="LU Chen-yu", emails=("ChenYuLu@gmail.com",)),
    ... )
    >>> link.decision, [e.field for e in link.evidence]
    ('link', ['email', 'name'])
    """
    keys = _institution_keys((a, b), resolver)
    return _link(_prepare(a, keys), _prepare(b, keys))


# -- linking ----------------------------------------------------------------------------------------------------


def _id_order(value: str | int) -> tuple[int, int, str]:
    return (0, value, "") if isinstance(value, int) else (1, 0, value)


def _sorted(links: list[PersonLink]) -> list[PersonLink]:
    return sorted(links, key=lambda link: (-link.score, _id_order(link.left_id), _id_order(link.right_id)))


def _run(
    left: Sequence[PersonRecord],
    right: Sequence[PersonRecord],
    *,
    same_list: bool,
    resolver: OrganisationResolver | None,
    min_score: float,
    max_block_size: int,
) -> tuple[list[PersonLink], LinkStats]:
    keys = _institution_keys([*left, *right] if not same_list else left, resolver)
    left_prepared = [_prepare(record, keys) for record in left]
    right_prepared = left_prepared if same_list else [_prepare(record, keys) for record in right]
    pairs = _pair_codes(
        [_block_keys(p) for p in left_prepared],
        None if same_list else [_block_keys(p) for p in right_prepared],
        max_block_size=max_block_size,
    )
    links: list[PersonLink] = []
    for i, j in pairs:
        a, b = left_prepared[i], right_prepared[j]
        if _to_score(_bits(a, b)) >= min_score:
            links.append(_link(a, b))
    cross = len(left) * (len(left) - 1) // 2 if same_list else len(left) * len(right)
    return _sorted(links), LinkStats(len(pairs), pairs.blocks_skipped, cross)


def link_records_with_stats(
    left: Sequence[PersonRecord],
    right: Sequence[PersonRecord],
    *,
    resolver: OrganisationResolver | None = None,
    min_score: float = REVIEW_THRESHOLD,
    max_block_size: int = MAX_BLOCK_SIZE,
) -> tuple[list[PersonLink], LinkStats]:
    """:func:`link_records` and what the run cost (:class:`LinkStats`)."""
    return _run(left, right, same_list=False, resolver=resolver, min_score=min_score, max_block_size=max_block_size)


def link_records(
    left: Sequence[PersonRecord],
    right: Sequence[PersonRecord],
    *,
    resolver: OrganisationResolver | None = None,
    min_score: float = REVIEW_THRESHOLD,
    max_block_size: int = MAX_BLOCK_SIZE,
) -> list[PersonLink]:
    """Link the records of ``left`` to those of ``right`` that describe the same person.

    Parameters
    ----------
    left, right : sequence of PersonRecord
        The two lists; a link's ``left_id`` comes from ``left``.
    resolver : OrganisationResolver, optional
        Resolves institution names to organisation ids.
    min_score : float, default REVIEW_THRESHOLD
        Lowest score returned; ``0`` returns every candidate pair.
    max_block_size : int, default MAX_BLOCK_SIZE
        Block keys held by more records on one side are skipped.

    Returns
    -------
    list of PersonLink
        Candidate pairs scoring at least ``min_score``, by score (descending),
        then left id, then right id.  One record may link to several.

    Examples
    --------
    >>> left = [PersonRecord(1, name_zh="卢晨雨", phones=("13800001234",))]
    >>> right = [
    ...     PersonRecord("a", name_en="Chenyu Lu", phones=("+86 138 0000 1234",)),
    ...     PersonRecord("b", name_zh="王伟"),
    ... ]
    >>> [(link.left_id, link.right_id, link.decision) for link in link_records(left, right)]
    [(1, 'a', 'link')]
    """
    return link_records_with_stats(left, right, resolver=resolver, min_score=min_score, max_block_size=max_block_size)[
        0
    ]


def find_duplicates(
    records: Sequence[PersonRecord],
    *,
    resolver: OrganisationResolver | None = None,
    min_score: float = REVIEW_THRESHOLD,
    max_block_size: int = MAX_BLOCK_SIZE,
) -> list[PersonLink]:
    """Pairs of ``records`` that describe the same person, each pair once, never a record with itself.

    ``left_id`` is the record that comes first in ``records``.  Options as for
    :func:`link_records`.
    """
    return _run(
        records, records, same_list=True, resolver=resolver, min_score=min_score, max_block_size=max_block_size
    )[0]


def evaluate_links(links: Sequence[PersonLink], labels: Sequence[bool]) -> EvalReport:
    """Precision and recall of scored pairs against their labels (``True`` = same person).

    Parameters
    ----------
    links : sequence of PersonLink
        One scored pair per label, for instance from :func:`compare`.
    labels : sequence of bool
        The truth for each pair.

    Returns
    -------
    EvalReport
        Figures at :data:`LINK_THRESHOLD` and :data:`REVIEW_THRESHOLD`, with the
        positions of non-matches linked automatically and of matches scored
        below review.
    """
    if len(links) != len(labels):
        raise ValueError(f"{len(links)} links but {len(labels)} labels")
    scores = [link.score for link in links]
    scored = list(enumerate(zip(scores, labels, strict=True)))

    def figures(threshold: float) -> tuple[float, float]:
        predicted = [score >= threshold for score in scores]
        true_positive = sum(p and t for p, t in zip(predicted, labels, strict=True))
        precision = true_positive / sum(predicted) if any(predicted) else 1.0
        recall = true_positive / sum(labels) if any(labels) else 1.0
        return precision, recall

    link_precision, link_recall = figures(LINK_THRESHOLD)
    review_precision, review_recall = figures(REVIEW_THRESHOLD)
    return EvalReport(
        pairs=len(links),
        matches=sum(labels),
        link_precision=link_precision,
        link_recall=link_recall,
        review_precision=review_precision,
        review_recall=review_recall,
        false_links=tuple(i for i, (score, label) in scored if score >= LINK_THRESHOLD and not label),
        missed_reviews=tuple(i for i, (score, label) in scored if score < REVIEW_THRESHOLD and label),
    )
