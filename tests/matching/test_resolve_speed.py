"""Counting shared characters before comparing keys changes no resolution.

The resolver compares a query only with the keys that share enough characters
with it to reach the threshold; these properties compare that with
:func:`rapidfuzz.fuzz.ratio` against every key.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from matching.resolve import OrganisationResolver, OrgRecord, _KeyTable, _query_keys

# Few characters, so that random names share many of them and land near the threshold.
_HAN_NAME = st.text(alphabet="厦门海辰储能科技银行招商", min_size=1, max_size=9)
_LATIN_NAME = st.text(alphabet="xiamenhaichg ", min_size=1, max_size=16)
_NAME = _HAN_NAME | _LATIN_NAME
_THRESHOLD = st.sampled_from([0.0, 50.0, 70.0, 85.0, 100.0])


@settings(max_examples=150)
@given(st.lists(_NAME, min_size=1, max_size=40, unique=True), _NAME, _THRESHOLD)
def test_keys_within_reach_are_every_key_that_reaches_the_threshold(
    keys: list[str], query: str, threshold: float
) -> None:
    # given
    table = _KeyTable({key: set() for key in keys})

    # when
    groups = table.within_reach(query, threshold)

    # then: every key scoring at or above the threshold, grouped by length in the table's order
    kept = [key for group in groups for key in group]
    assert {key for key in keys if fuzz.ratio(query, key) >= threshold} <= set(kept)
    assert kept == [key for key in table.keys if key in set(kept)]
    assert all(len({len(key) for key in group}) == 1 for group in groups)
    assert [len(group[0]) for group in groups] == sorted({len(group[0]) for group in groups})


@settings(max_examples=100)
@given(st.lists(_NAME, min_size=1, max_size=30), _NAME, _THRESHOLD)
def test_candidates_are_those_of_a_scan_of_every_key(names: list[str], query: str, threshold: float) -> None:
    # given: few names, so no length holds more keys than a query keeps
    resolver = OrganisationResolver([OrgRecord(k, (name,)) for k, name in enumerate(names)], threshold=threshold)

    for query_key in _query_keys(query.replace(" ", "") or "x"):
        # when
        found = resolver._candidates(query_key)

        # then
        postings = resolver._postings[query_key.space]
        scanned = [
            (entry, 100.0 if key == query_key.key else fuzz.ratio(query_key.key, key))
            for key in postings
            if fuzz.ratio(query_key.key, key) >= threshold
            for entry in postings[key]
        ]
        assert sorted(found, key=repr) == sorted(scanned, key=repr)
