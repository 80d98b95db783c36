from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.normalise import has_han, name_pinyin, normalize_text, to_pinyin

# ASCII, CJK (Simplified and Traditional), full-width forms, ideographic space and punctuation.
mixed_text = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ019 +#.-_/,")
        + list("机器学习機器學習軟體厦門单曾")
        + list("ＡＢｃｄ０９＋＃．　，。、（）")
        + ["\u00a0", "\t", "\u2167", "ﬁ"]
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(text=mixed_text)
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)

    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30))
def test_normalize_text_is_idempotent_on_any_unicode(text: str) -> None:
    once = normalize_text(text)

    assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Ｐｙｔｈｏｎ　工程師 ", "python 工程师"),
        ("機器學習", "机器学习"),
        ("C++ / C#", "c++ c#"),
        ("Node.js", "node.js"),
        ("Machine-Learning", "machine learning"),
    ],
)
def test_normalize_text_examples(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("机器学习", "ji qi xue xi"),
        ("機器學習", "ji qi xue xi"),
        ("厦门 AI", "xia men ai"),
        ("Python", "python"),
    ],
)
def test_to_pinyin(text: str, expected: str) -> None:
    assert to_pinyin(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("单雨", "shan yu"), ("曾伟", "zeng wei"), ("曾", "zeng"), ("王芳", "wang fang"), ("Li Wei", "li wei")],
)
def test_name_pinyin_reads_surnames_as_surnames(name: str, expected: str) -> None:
    assert name_pinyin(name) == expected


def test_has_han() -> None:
    assert has_han("Python编程")
    assert not has_han("Ｐｙｔｈｏｎ")
