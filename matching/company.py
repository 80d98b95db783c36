"""Company-name canonicalisation: the part of a name that identifies the firm.

``招商银行股份有限公司厦门分行``, ``招商银行厦门分行`` and ``招商銀行（厦门分行）``
all name the Xiamen branch of China Merchants Bank.  :func:`canonical_company_name`
reduces each to a :class:`CompanyName` with ``core="招商银行"`` and
``qualifier="厦门分行"``, so the resolver and the job search compare firms and not
the way their names were typed.

The rules, applied to the :func:`~matching.normalise.normalize_text` form:

1. A place in parentheses anywhere (``（厦门）``, ``(China)``) is removed; a
   parenthesised legal form (``（集团）``) too.  Other parenthesised text stays.
2. A trailing branch qualifier (``…分行``, ``…支行``, ``…分公司``, ``…办事处``,
   ``…营业部``, ``…代表处``, ``… Branch``, ``… Representative Office``) is moved to
   ``qualifier``.  It starts after the last legal form in the name, else at the
   places just before the branch word, else the two Han characters (one Latin
   word) before it.  A qualifier is never dropped.
3. Trailing legal forms are removed, repeatedly: ``股份有限公司``, ``有限责任公司``,
   ``有限公司``, ``公司``, ``Co., Ltd.``, ``Inc.``, ``Corp.``, ``LLC``, ``GmbH``, ``PLC``,
   ``S.A.`` and so on.  *Decision:* ``集团`` / ``Group`` counts as a legal form and
   is removed too, because people name a group and its flagship company
   interchangeably (``厦门钨业集团`` for ``厦门钨业股份有限公司``).  A resolver that
   holds both as separate records returns both, ties broken by id.
4. Leading places are removed (``中国``, ``福建省``, ``厦门市``, ``思明区`` ...,
   ``China``, ``Fujian``, ``Xiamen``), but only while what remains still
   identifies a firm: at least three Han characters, or at least two Latin
   words.  So ``中国建设银行`` becomes ``建设银行`` but ``中国银行``, ``厦门银行``
   and ``厦门钨业`` keep their place: ``银行`` or ``钨业`` alone names no one, and
   stripping it would make ``中国银行`` and ``厦门银行`` the same firm.
5. No step ever leaves an empty core; when it would, the step is skipped.

The whole reduction is repeated until the core no longer changes, which makes
it idempotent on its core: ``canonical_company_name(c.core).core == c.core``.
Han characters are written without spaces in ``core`` and ``qualifier``; Latin
words keep single spaces.
"""

# Chinese names and text use full-width punctuation on purpose.

from __future__ import annotations

import re
from dataclasses import dataclass

from matching.normalise import has_han, normalize_text

__all__ = [
    "BRANCH_WORDS",
    "LEGAL_FORMS",
    "PLACE_PREFIXES",
    "CompanyName",
    "canonical_company_name",
]

_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN_CLASS}]")
_HAN_GAP = re.compile(f"(?<=[{_HAN_CLASS}]) +(?=[{_HAN_CLASS}])")
_PARENTHESISED = re.compile(r"[(（\[【〔]([^()（）\[\]【】〔〕]*)[)）\]】〕]")

# Places a firm's name may start with.  Longest first, so 厦门市 wins over 厦门.
_HAN_PLACES: tuple[str, ...] = tuple(
    sorted(
        {
            "中华人民共和国",
            "中国",
            "福建省",
            "福建",
            "厦门市",
            "厦门",
            "思明区",
            "思明",
            "湖里区",
            "湖里",
            "集美区",
            "集美",
            "海沧区",
            "海沧",
            "同安区",
            "同安",
            "翔安区",
            "翔安",
        },
        key=lambda place: (-len(place), place),
    )
)
_LATIN_PLACES: frozenset[str] = frozenset({"china", "prc", "fujian", "xiamen"})
PLACE_PREFIXES: frozenset[str] = frozenset(_HAN_PLACES) | _LATIN_PLACES
"""Leading places removed from a core (Han forms and normalised Latin words)."""

_HAN_LEGAL_FORMS: tuple[str, ...] = tuple(
    sorted(
        {
            "集团股份有限公司",
            "集团有限责任公司",
            "集团有限公司",
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "股份公司",
            "集团公司",
            "总公司",
            "公司",
            "集团",
        },
        key=lambda form: (-len(form), form),
    )
)
# Normalised Latin legal forms as word sequences; ``S. A.`` normalises to ``s a``.
_LATIN_LEGAL_FORMS: tuple[tuple[str, ...], ...] = (
    ("co", "ltd"),
    ("pte", "ltd"),
    ("pty", "ltd"),
    ("s", "a"),
    ("co",),
    ("ltd",),
    ("limited",),
    ("inc",),
    ("incorporated",),
    ("corp",),
    ("corporation",),
    ("company",),
    ("llc",),
    ("l.l.c",),
    ("gmbh",),
    ("plc",),
    ("s.a",),
    ("sa",),
    ("ag",),
    ("group",),
)
LEGAL_FORMS: frozenset[str] = frozenset(_HAN_LEGAL_FORMS) | frozenset(" ".join(form) for form in _LATIN_LEGAL_FORMS)
"""Trailing legal (and group) forms removed from a core, in normalised form."""

_HAN_BRANCH_WORDS: tuple[str, ...] = ("分公司", "办事处", "营业部", "代表处", "分行", "支行")
_LATIN_BRANCH_WORDS: tuple[tuple[str, ...], ...] = (
    ("representative", "office"),
    ("branch", "office"),
    ("sub", "branch"),
    ("branch",),
)
BRANCH_WORDS: frozenset[str] = frozenset(_HAN_BRANCH_WORDS) | frozenset(
    " ".join(words) for words in _LATIN_BRANCH_WORDS
)
"""Words that end a branch qualifier (``厦门分行``, ``xiamen branch``)."""

# What a core must keep to identify a firm once a leading place is removed.
_MIN_HAN_CHARS = 3
_MIN_LATIN_WORDS = 2


@dataclass(frozen=True, slots=True)
class CompanyName:
    """A company name reduced to what identifies the firm.

    Attributes
    ----------
    core : str
        Normalised name without legal form, branch qualifier and (when the
        rest is distinctive) leading place; never empty for a non-blank name.
    qualifier : str or None
        The branch part (``"厦门分行"``, ``"xiamen branch"``), normalised.
    original : str
        The name as given.
    """

    core: str
    qualifier: str | None
    original: str


def canonical_company_name(name: str) -> CompanyName:
    """Reduce ``name`` to its identifying core and branch qualifier.

    Parameters
    ----------
    name : str
        A company name as typed, in Chinese (Simplified or Traditional),
        English or both.

    Returns
    -------
    CompanyName
        ``core`` is empty only when ``name`` has nothing but punctuation
        and spaces.

    Examples
    --------
    >>> canonical_company_name("招商银行股份有限公司厦门分行")
    CompanyName(core='招商银行', qualifier='厦门分行', original='招商银行股份有限公司厦门分行')
    >>> canonical_company_name("Xiamen Tungsten Co., Ltd.").core
    'xiamen tungsten'
    """
    text = _clean(_PARENTHESISED.sub(_drop_place_in_parentheses, name)) or _clean(name)
    qualifiers: list[str] = []
    while True:
        core, qualifier = _reduce_once(text)
        if qualifier is not None:
            qualifiers.insert(0, qualifier)
        if core == text:
            break
        text = core
    qualifier = " ".join(qualifiers) if qualifiers else None
    return CompanyName(core=text, qualifier=qualifier, original=name)


def _drop_place_in_parentheses(match: re.Match[str]) -> str:
    inner = _join_han(normalize_text(match.group(1)))
    if not inner or inner in PLACE_PREFIXES or inner in LEGAL_FORMS:
        return " "
    return f" {match.group(1)} "


def _join_han(text: str) -> str:
    return _HAN_GAP.sub("", text)


def _clean(text: str) -> str:
    return _join_han(normalize_text(text))


def _reduce_once(text: str) -> tuple[str, str | None]:
    """One pass of rules 2 to 4; returns the new core and any qualifier found."""
    core, qualifier = _split_qualifier(text)
    core = _strip_places(_strip_legal_forms(_clean(core)))
    return _clean(core), qualifier and _clean(qualifier)


def _split_qualifier(text: str) -> tuple[str, str | None]:
    if has_han(text[-1:]):
        return _split_han_qualifier(text)
    return _split_latin_qualifier(text)


def _split_han_qualifier(text: str) -> tuple[str, str | None]:
    branch = next((word for word in _HAN_BRANCH_WORDS if text.endswith(word)), None)
    if branch is None:
        return text, None
    head = text[: -len(branch)]
    start = _after_last_legal_form(head)
    if start is None:
        start = len(head)
        while True:
            place = next((p for p in _HAN_PLACES if head[:start].endswith(p)), None)
            if place is None or start - len(place) <= 0:
                break
            start -= len(place)
        if start == len(head):
            while start > len(head) - 2 and has_han(head[start - 1 : start]):
                start -= 1
            if start == len(head):
                return text, None
    core = head[:start].strip()
    if start <= 0 or not core:
        return text, None
    return core, text[start:].strip()


def _after_last_legal_form(head: str) -> int | None:
    best: int | None = None
    for form in _HAN_LEGAL_FORMS:
        position = head.rfind(form)
        if position > 0 and (best is None or position + len(form) > best):
            best = position + len(form)
    return best


def _split_latin_qualifier(text: str) -> tuple[str, str | None]:
    words = text.split(" ")
    branch = next((w for w in _LATIN_BRANCH_WORDS if tuple(words[-len(w) :]) == w), None)
    if branch is None:
        return text, None
    head = words[: -len(branch)]
    start = next(
        (
            i + len(form)
            for i in range(len(head) - 1, 0, -1)
            for form in _LATIN_LEGAL_FORMS
            if tuple(head[i : i + len(form)]) == form
        ),
        None,
    )
    if start is None:
        start = len(head)
        while start > 1 and head[start - 1] in _LATIN_PLACES:
            start -= 1
        if start == len(head):
            start -= 1
    if start <= 0:
        return text, None
    return " ".join(head[:start]), " ".join(words[start:])


def _strip_legal_forms(text: str) -> str:
    while True:
        stripped = _strip_one_legal_form(text)
        if not stripped or stripped == text:
            return text
        text = stripped


def _strip_one_legal_form(text: str) -> str:
    if has_han(text[-1:]):
        form = next((f for f in _HAN_LEGAL_FORMS if text.endswith(f)), None)
        return text[: -len(form)].strip() if form else text
    words = text.split(" ")
    latin = next((f for f in _LATIN_LEGAL_FORMS if tuple(words[-len(f) :]) == f), None)
    return " ".join(words[: -len(latin)]) if latin else text


def _strip_places(text: str) -> str:
    while True:
        stripped = _strip_one_place(text)
        if stripped == text or not _is_distinctive(stripped):
            return text
        text = stripped


def _strip_one_place(text: str) -> str:
    place = next((p for p in _HAN_PLACES if text.startswith(p)), None)
    if place is not None:
        return text[len(place) :].strip()
    first, _, rest = text.partition(" ")
    return rest if first in _LATIN_PLACES and rest else text


def _is_distinctive(rest: str) -> bool:
    han_chars = len(_HAN_CHAR.findall(rest))
    latin_words = len(_HAN_CHAR.sub(" ", rest).split())
    if han_chars:
        return han_chars >= _MIN_HAN_CHARS or (han_chars >= 1 and latin_words >= 1)
    return latin_words >= _MIN_LATIN_WORDS
