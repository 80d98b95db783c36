"""Text normalisation shared by every part of the engine.

Every comparison in :mod:`matching` happens between *normalised* strings, so a
query typed in Traditional characters, full-width Latin letters or mixed case
meets a record stored in Simplified characters and plain ASCII.

The public functions are pure and idempotent: ``f(f(x)) == f(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin, pinyin

__all__ = [
    "SURNAME_READINGS",
    "has_han",
    "name_pinyin",
    "normalize_text",
    "to_pinyin",
]

# Traditional (Taiwan and Hong Kong usage, with phrase conversion such as 軟體 -> 软件)
# to Simplified.  ``tw2sp`` contains the plain character table of ``t2s`` too.
_T2S = opencc.OpenCC("tw2sp")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Everything that is not a letter, a digit or a Han character separates words,
# except the few symbols that belong to skill names (C++, C#, .NET, Node.js).
_SEPARATORS = re.compile(r"[^\w+#.\u3400-\u4dbf\u4e00-\u9fff]+")
_LONE_DOTS = re.compile(r"(?<![\w])\.|\.(?![\w])")
_SPACES = re.compile(r"\s+")

# Readings of characters whose default (most common) reading is wrong when they
# stand as a surname.  Two-character surnames come first so they win.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "万俟": ("mo", "qi"),
    "尉迟": ("yu", "chi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "令狐": ("ling", "hu"),
    "澹台": ("tan", "tai"),
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "区": ("ou",),
    "召": ("shao",),
    "乐": ("yue",),
    "覃": ("qin",),
    "盖": ("ge",),
    "缪": ("miao",),
    "秘": ("bi",),
    "种": ("chong",),
    "翟": ("zhai",),
    "折": ("she",),
    "员": ("yun",),
    "尉": ("yu",),
    "莘": ("shen",),
    "柏": ("bai",),
    "薄": ("bo",),
    "句": ("gou",),
    "能": ("nai",),
    "隗": ("wei",),
    "繁": ("po",),
    "过": ("guo",),
    "宁": ("ning",),
    "沈": ("shen",),
    "任": ("ren",),
    "华": ("hua",),
    "纪": ("ji",),
    "燕": ("yan",),
    "藏": ("zang",),
    "黑": ("he",),
}


@lru_cache(maxsize=65536)
def normalize_text(text: str) -> str:
    """Return the canonical comparison form of ``text``.

    NFKC (which also folds full-width forms to half-width), case folding,
    Traditional to Simplified Chinese, punctuation to single spaces, and
    trimmed, collapsed white space.  Symbols that are part of technical names
    (``+``, ``#`` and an inner ``.``) are kept, so ``C++`` and ``Node.js``
    survive.

    >>> normalize_text("  Ｐｙｔｈｏｎ　工程師 ")
    'python 工程师'
    """
    current = text
    # A fixed point is reached in one or two rounds; NFKC and the Chinese
    # conversion can each expose work for the other.
    for _ in range(3):
        step = unicodedata.normalize("NFKC", current).casefold()
        if _HAN.search(step):
            step = _T2S.convert(step)
        step = _SEPARATORS.sub(" ", step)
        step = _LONE_DOTS.sub(" ", step)
        step = _SPACES.sub(" ", step).strip()
        if step == current:
            break
        current = step
    return current


def has_han(text: str) -> bool:
    """Whether ``text`` contains at least one Chinese (Han) character."""
    return _HAN.search(text) is not None


@lru_cache(maxsize=65536)
def to_pinyin(text: str, *, tones: bool = False) -> str:
    """Pinyin of the Chinese characters in ``text``, one syllable per word.

    Non-Chinese words are kept as they are after :func:`normalize_text`, so
    ``to_pinyin("厦门 AI")`` is ``"xia men ai"``.  With ``tones`` the syllables
    carry tone numbers (``xia4 men2``).
    """
    normalised = normalize_text(text)
    if not has_han(normalised):
        return normalised
    style = Style.TONE3 if tones else Style.NORMAL
    syllables = [s for part in pinyin(normalised, style=style, errors="default") for s in part[:1]]
    return _SPACES.sub(" ", " ".join(syllables)).strip()


@lru_cache(maxsize=65536)
def name_pinyin(name: str) -> str:
    """Pinyin of a Chinese personal name, reading the surname as a surname.

    ``name_pinyin("单雨")`` is ``"shan yu"`` where the general reading would
    give ``"dan yu"``.  A name without Chinese characters is only normalised.
    """
    normalised = normalize_text(name).replace(" ", "")
    if not has_han(normalised):
        return normalize_text(name)
    for surname, reading in SURNAME_READINGS.items():
        if normalised.startswith(surname):
            rest = normalised[len(surname) :]
            return " ".join([*reading, *lazy_pinyin(rest)]) if rest else " ".join(reading)
    return " ".join(lazy_pinyin(normalised))
