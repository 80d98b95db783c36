"""Relevance of candidate rankings and job recommendations on the labelled set (issue #14).

Usage::

    python -m bench.relevance              # four rows, candidate rankings and recommendations
    python -m bench.relevance --by-kind    # also NDCG@10 by the kind of failure a query covers
    python -m bench.relevance --per-query  # also NDCG@10 of every query
    python -m bench.relevance --baseline main   # the first row from another commit

The set is ``tests/matching/relevance_set.json``: jobs, each with about a dozen
talents graded 0-3 by hand (3 = a recruiter would shortlist, 2 = plausible,
1 = weak, 0 = irrelevant), and talents, each with about a dozen jobs graded the
same way from the talent's side.  Every pair also records whether the talent
holds at least one of the job's required skills (in any language or spelling).

Rows, all in this one run over the same profiles:

``85dffc2 scorer``
    :func:`matching.score.rank_candidates` and :func:`~matching.score.rank_jobs`
    as of commit 85dffc2 (before issue #14), with its vocabulary file: the
    modules are read with ``git show 85dffc2:...`` into a temporary package of
    their own, so the working tree's ``matching`` is not touched (the bench
    needs a git checkout holding that commit).
``current engine, vocabulary only``
    The same two functions of the working tree, with ``seeds/skills.json``.
``current engine``
    The same with the vocabulary's semantic space, as the service runs it
    (``seeds/skill_vectors.npz``; the set's other texts are embedded on the
    first run and kept in ``bench/.data/relevance-vectors.npz``).
``BM25``
    :class:`rank_bm25.BM25Okapi`: the asking side's skills (a job's required
    and preferred ones) and fields of study as the query, the other side's
    skills and fields as the document, the whole set's talents (or jobs) as the
    corpus; text normalised by :func:`matching.normalise.normalize_text`
    (Traditional to Simplified, case), Han characters cut into single
    characters and bigrams, other words kept whole.

Recommendations call ``rank_jobs`` with every employer credit-verified (a
constant: no posting of the set has an employer), as the service does for
the employers it lets through.

Each query ranks all of its judged items.  The items a row *shows* come first
in its order: the eligible ones of ``rank_candidates`` / ``rank_jobs`` (by
score), BM25's documents scoring above 0.  Items with equal scores are tied,
and every item a row does not show forms one tie at the end.  Ties are scored
by their expectation over the orders of the tied items (tie-aware NDCG), so no
row gains or loses by an id order.  Figures:

``NDCG@10``
    mean over queries, gains ``2**grade - 1``, discount ``log2(rank + 1)``.
``no required skill in top 10``
    among the shown items in the top 10 whose job lists required skills, the
    share whose talent holds none of them (the set's own annotation).
``pairwise order``
    over every pair of one query's items with different grades, the share
    ranked in the grades' order (a tie counts one half).
``shown in top 10``
    the mean number of items a row shows among its first 10.

Nothing is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rank_bm25 import BM25Okapi  # type: ignore[import-untyped]  # noqa: E402

import matching.profiles  # noqa: E402
import matching.score  # noqa: E402
from matching.normalise import normalize_text  # noqa: E402
from matching.semantic import TextVectors  # noqa: E402
from matching.vocabulary import SkillVocabulary  # noqa: E402

SET_PATH = ROOT / "tests" / "matching" / "relevance_set.json"
VOCABULARY_PATH = Path("seeds") / "skills.json"
SKILL_VECTORS_PATH = Path("seeds") / "skill_vectors.npz"
# Vectors of the set's texts outside the vocabulary, embedded on the first run and reused.
VECTOR_CACHE = ROOT / "bench" / ".data" / "relevance-vectors.npz"
BASELINE_COMMIT = "85dffc2"
TOP = 10

Record = Mapping[str, Any]
_Profile = TypeVar("_Profile")
# The items a row shows for one query, as (id, score), best first.
Shown = list[tuple[int, float]]


class Judged(NamedTuple):
    """One graded item of a query: a talent of a job, or a job of a talent."""

    id: int
    grade: int
    holds_required: bool | None


class Query(NamedTuple):
    """A job (candidate side) or a talent (recommendation side) with its judged items."""

    record: Record
    kinds: tuple[str, ...]
    judged: tuple[Judged, ...]


class RelevanceSet(NamedTuple):
    talents: dict[int, Record]
    jobs: dict[int, Record]
    candidate_queries: list[Query]
    recommendation_queries: list[Query]


class Row(NamedTuple):
    """One contestant: how it ranks a job's talents and a talent's jobs."""

    name: str
    candidates: Callable[[Record, Sequence[Record]], Shown]
    jobs: Callable[[Record, Sequence[Record]], Shown]


class Figures(NamedTuple):
    ndcg: float
    no_skill_share: float
    pairwise: float
    shown: float
    per_query: list[float]


def load_set(path: Path = SET_PATH) -> RelevanceSet:
    """Read the labelled set: profiles by id and the queries of both sides."""
    data = json.loads(path.read_text(encoding="utf-8"))
    talents = {record["id"]: record for record in data["talents"]}
    jobs = {record["id"]: record for record in [*data["jobs"], *data["postings"]]}

    def judged(items: list[Record], key: str) -> tuple[Judged, ...]:
        return tuple(Judged(item[key], item["grade"], item["holds_required"]) for item in items)

    return RelevanceSet(
        talents,
        jobs,
        [Query(job, tuple(job["kinds"]), judged(job["judgements"], "talent")) for job in data["jobs"]],
        [
            Query(talents[query["talent"]], tuple(query["kinds"]), judged(query["judgements"], "job"))
            for query in data["recommendations"]
        ],
    )


def profile(cls: type[_Profile], record: Record, profiles: ModuleType) -> _Profile:
    """``record`` (a talent or job of the set) as ``cls`` of the given ``matching.profiles`` module.

    Only the record's keys that are fields of ``cls`` are used, so a profile
    class of another commit gets what it knows.
    """
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name not in record:
            continue
        value = record[field.name]
        if field.name in ("highest_degree", "min_degree"):
            value = None if value is None else profiles.Degree[value.upper()]
        elif field.name == "languages":
            value = tuple(
                profiles.LanguageSkill(spoken["language"], profiles.LanguageLevel[spoken["level"].upper()])
                for spoken in value
            )
        elif field.name == "hard":
            value = frozenset(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return cls(**values)


def engine_row(name: str, score: ModuleType, profiles: ModuleType, vocabulary: Any) -> Row:
    """A row ranking through ``score.rank_candidates`` / ``score.rank_jobs`` of a matching package."""

    def candidates(job: Record, talents: Sequence[Record]) -> Shown:
        pool = [profile(profiles.TalentProfile, talent, profiles) for talent in talents]
        results = score.rank_candidates(profile(profiles.JobProfile, job, profiles), pool, vocabulary)
        return [(result.talent_id, result.score) for result in results]

    def jobs(talent: Record, postings: Sequence[Record]) -> Shown:
        offered = [profile(profiles.JobProfile, job, profiles) for job in postings]
        verified = {job.id: True for job in offered}
        results = score.rank_jobs(
            profile(profiles.TalentProfile, talent, profiles), offered, vocabulary, employer_verified=verified
        )
        return [(result.job_id, result.score) for result in results]

    return Row(name, candidates, jobs)


# ---------------------------------------------------------------------- the scorer of another commit

_IMPORT = re.compile(r"^(\s*)(from|import) matching\.(\w+)", re.MULTILINE)
_PACKAGE_IMPORT = re.compile(r"^\s*(from matching import|import matching\s*$)", re.MULTILINE)


def _git_show(commit: str, path: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:{path}"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"git show {commit}:{path} failed: {done.stderr.strip()}")
    return done.stdout


def _require_commit(commit: str) -> None:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        done = None
    if done is None or done.returncode != 0:
        raise SystemExit(
            f"bench.relevance compares with the scorer of commit {commit}, which it reads with "
            f"`git show {commit}:matching/...`; {ROOT} is not a git checkout holding that commit "
            "(no git, an exported tree or a shallow clone). Run it from a full clone."
        )


@contextmanager
def matching_at(commit: str) -> Iterator[tuple[ModuleType, ModuleType, Path]]:
    """``matching.score`` and ``matching.profiles`` of ``commit``, with that commit's vocabulary file.

    The modules ``score`` needs (found from its ``from matching.X import``
    lines, transitively) are written into a temporary package named after the
    commit, their imports pointed at it, and imported from there: the working
    tree's ``matching`` stays as it is.
    """
    _require_commit(commit)
    package = "_guilu_matching_" + re.sub(r"\W", "_", commit)
    with tempfile.TemporaryDirectory(prefix="guilu-relevance-") as folder:
        root = Path(folder) / package
        root.mkdir()
        (root / "__init__.py").write_text(f'"""matching/ as of commit {commit}, for bench.relevance."""\n')
        wanted, written = ["score", "profiles"], set[str]()
        while wanted:
            name = wanted.pop()
            if name in written:
                continue
            source = _git_show(commit, f"matching/{name}.py")
            if _PACKAGE_IMPORT.search(source):
                raise SystemExit(f"matching/{name}.py of {commit} imports the matching package itself")
            wanted.extend(match.group(3) for match in _IMPORT.finditer(source))
            (root / f"{name}.py").write_text(_IMPORT.sub(rf"\1\2 {package}.\3", source), encoding="utf-8")
            written.add(name)
        vocabulary = Path(folder) / "skills.json"
        vocabulary.write_text(_git_show(commit, VOCABULARY_PATH.as_posix()), encoding="utf-8")
        sys.path.insert(0, folder)
        try:
            score = importlib.import_module(f"{package}.score")
            profiles = importlib.import_module(f"{package}.profiles")
        finally:
            sys.path.remove(folder)
        yield score, profiles, vocabulary


# ---------------------------------------------------------------------- the lexical baseline

_HAN_OR_NOT = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")


def bm25_tokens(texts: Sequence[str]) -> list[str]:
    """Tokens of skill and field texts: normalised words, Han runs cut into characters and bigrams."""
    tokens: list[str] = []
    for text in texts:
        for word in normalize_text(text).split():
            for han, other in _HAN_OR_NOT.findall(word):
                if other:
                    tokens.append(other)
                else:
                    tokens.extend(han)
                    tokens.extend(han[i : i + 2] for i in range(len(han) - 1))
    return tokens


def _job_text(job: Record) -> list[str]:
    return [*job["required_skills"], *job["preferred_skills"], *job["fields_of_study"]]


def _talent_text(talent: Record) -> list[str]:
    return [*talent["skills"], *talent["fields_of_study"]]


def bm25_row(relevance: RelevanceSet) -> Row:
    """BM25 over the set's talents (for jobs) and the set's jobs (for talents)."""

    def ranker(
        corpus: Mapping[int, Record], document: Callable[[Record], list[str]], query: Callable[[Record], list[str]]
    ) -> Callable[[Record, Sequence[Record]], Shown]:
        ids = list(corpus)
        index = BM25Okapi([bm25_tokens(document(corpus[i])) for i in ids])
        position = {identifier: i for i, identifier in enumerate(ids)}

        def rank(asking: Record, judged: Sequence[Record]) -> Shown:
            scores = index.get_scores(bm25_tokens(query(asking)))
            scored = [(record["id"], float(scores[position[record["id"]]])) for record in judged]
            return sorted(((i, s) for i, s in scored if s > 0), key=lambda item: (-item[1], item[0]))

        return rank

    return Row(
        "BM25 (rank-bm25)",
        ranker(relevance.talents, _talent_text, _job_text),
        ranker(relevance.jobs, _job_text, _talent_text),
    )


# ---------------------------------------------------------------------- metrics


def tie_groups(shown: Shown, judged: Sequence[Judged]) -> tuple[list[list[int]], int]:
    """The query's judged ids in a row's order: groups of equal score, then one group of the unshown.

    Returns the groups and how many of them the row shows.
    """
    wanted = {item.id for item in judged}
    groups: list[list[int]] = []
    last: float | None = None
    for identifier, score in shown:
        if identifier not in wanted:
            continue
        if groups and score == last:
            groups[-1].append(identifier)
        else:
            groups.append([identifier])
        last = score
    seen = {identifier for group in groups for identifier in group}
    hidden = [item.id for item in judged if item.id not in seen]
    return ([*groups, hidden] if hidden else groups), len(groups)


def _spans(groups: list[list[int]]) -> Iterator[tuple[list[int], int]]:
    start = 0
    for group in groups:
        yield group, start
        start += len(group)


def _discount(position: int) -> float:
    return 1.0 / math.log2(position + 2)


def ndcg(groups: list[list[int]], grades: Mapping[int, int], k: int = TOP) -> float:
    """Tie-aware NDCG@k: a group's gain is its mean gain, spread over the positions it occupies."""
    gains = {identifier: 2.0**grade - 1.0 for identifier, grade in grades.items()}
    dcg = 0.0
    for group, start in _spans(groups):
        mean_gain = sum(gains[i] for i in group) / len(group)
        dcg += mean_gain * sum(_discount(p) for p in range(start, min(start + len(group), k)))
    ideal = sorted(gains.values(), reverse=True)[:k]
    best = sum(gain * _discount(p) for p, gain in enumerate(ideal))
    if best == 0:
        raise ValueError("a query with no relevant item has no NDCG")
    return dcg / best


def no_skill_in_top(
    groups: list[list[int]], shown: int, holds: Mapping[int, bool | None], k: int = TOP
) -> tuple[float, float]:
    """Expected (shown items in the top ``k`` holding no required skill, shown items there with required skills).

    ``shown`` is how many of the leading groups the row shows; items whose job
    lists no required skill (``holds`` is None) count in neither number.
    """
    without = counted = 0.0
    for index, (group, start) in enumerate(_spans(groups)):
        if index >= shown:
            break
        inside = max(0, min(start + len(group), k) - start)
        known = [holds[i] for i in group if holds[i] is not None]
        without += inside * sum(1 for held in known if not held) / len(group)
        counted += inside * len(known) / len(group)
    return without, counted


def pairwise(groups: list[list[int]], grades: Mapping[int, int]) -> tuple[float, int]:
    """(pairs in the grades' order, ties counting one half; pairs with different grades)."""
    rank = {identifier: index for index, group in enumerate(groups) for identifier in group}
    right, pairs = 0.0, 0
    for a, grade_a in grades.items():
        for b, grade_b in grades.items():
            if grade_a > grade_b:
                pairs += 1
                right += 1.0 if rank[a] < rank[b] else 0.5 if rank[a] == rank[b] else 0.0
    return right, pairs


def evaluate(
    queries: Sequence[Query], rank: Callable[[Record, Sequence[Record]], Shown], items: Mapping[int, Record]
) -> Figures:
    """The four figures of one row on one side of the set."""
    scores, without, counted, right, pairs, shown_top = [], 0.0, 0.0, 0.0, 0, 0.0
    for query in queries:
        shown = rank(query.record, [items[item.id] for item in query.judged])
        groups, visible = tie_groups(shown, query.judged)
        grades = {item.id: item.grade for item in query.judged}
        scores.append(ndcg(groups, grades))
        no_skill, with_skills = no_skill_in_top(
            groups, visible, {item.id: item.holds_required for item in query.judged}
        )
        without, counted = without + no_skill, counted + with_skills
        query_right, query_pairs = pairwise(groups, grades)
        right, pairs = right + query_right, pairs + query_pairs
        shown_top += min(len(shown), TOP)
    return Figures(
        sum(scores) / len(scores),
        without / counted if counted else 0.0,
        right / pairs,
        shown_top / len(queries),
        scores,
    )


# ---------------------------------------------------------------------- the run


def _table(title: str, rows: Sequence[tuple[str, Figures]], chance: Figures) -> None:
    print(f"\n{title}\n")
    print("| row | NDCG@10 | no required skill in top 10 | pairwise order | shown in top 10 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, figures in rows:
        print(
            f"| {name} | {figures.ndcg:.3f} | {figures.no_skill_share:.1%} | {figures.pairwise:.1%} "
            f"| {figures.shown:.1f} |"
        )
    print(
        f"\nIn random order (every item tied) NDCG@10 would be {chance.ndcg:.3f}, pairwise order {chance.pairwise:.1%}."
    )


def _by_kind(title: str, queries: Sequence[Query], rows: Sequence[tuple[str, Figures]]) -> None:
    print(f"\n{title}: NDCG@10 by kind\n")
    print("| kind | queries | " + " | ".join(name for name, _ in rows) + " |")
    print("| --- | ---: |" + " ---: |" * len(rows))
    for kind in sorted({kind for query in queries for kind in query.kinds}):
        having = [i for i, query in enumerate(queries) if kind in query.kinds]
        means = [sum(figures.per_query[i] for i in having) / len(having) for _, figures in rows]
        print(f"| {kind} | {len(having)} | " + " | ".join(f"{mean:.3f}" for mean in means) + " |")


def _per_query(title: str, queries: Sequence[Query], rows: Sequence[tuple[str, Figures]], label: str) -> None:
    print(f"\n{title}: NDCG@10 per query\n")
    print(f"| {label} | " + " | ".join(name for name, _ in rows) + " |")
    print("| --- |" + " ---: |" * len(rows))
    for i, query in enumerate(queries):
        name = query.record.get("title") or query.record.get("note") or ""
        print(f"| {query.record['id']} {name} | " + " | ".join(f"{f.per_query[i]:.3f}" for _, f in rows) + " |")


def _nothing_shown(asking: Record, judged: Sequence[Record]) -> Shown:
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=SET_PATH, help="the labelled set (JSON)")
    parser.add_argument("--by-kind", action="store_true", help="also NDCG@10 by the kind of failure covered")
    parser.add_argument("--per-query", action="store_true", help="also NDCG@10 of every query")
    parser.add_argument(
        "--baseline", default=BASELINE_COMMIT, help=f"the commit of the first row (default {BASELINE_COMMIT})"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    relevance = load_set(args.set)
    with matching_at(args.baseline) as (old_score, old_profiles, old_vocabulary_path):
        old_vocabulary = old_score.SkillVocabulary.load(old_vocabulary_path)
        rows = [
            engine_row(f"{args.baseline} scorer", old_score, old_profiles, old_vocabulary),
            engine_row(
                "current engine, vocabulary only",
                matching.score,
                matching.profiles,
                SkillVocabulary.load(ROOT / VOCABULARY_PATH),
            ),
            engine_row(
                "current engine",
                matching.score,
                matching.profiles,
                SkillVocabulary.load(
                    ROOT / VOCABULARY_PATH,
                    vectors=TextVectors(path=VECTOR_CACHE, preload=[ROOT / SKILL_VECTORS_PATH]),
                ),
            ),
            bm25_row(relevance),
        ]
        candidates = [
            (row.name, evaluate(relevance.candidate_queries, row.candidates, relevance.talents)) for row in rows
        ]
        recommendations = [
            (row.name, evaluate(relevance.recommendation_queries, row.jobs, relevance.jobs)) for row in rows
        ]

    judged = sum(len(q.judged) for q in relevance.candidate_queries)
    recommended = sum(len(q.judged) for q in relevance.recommendation_queries)
    print(
        f"relevance set {args.set.relative_to(ROOT) if args.set.is_relative_to(ROOT) else args.set}: "
        f"{len(relevance.candidate_queries)} jobs with {judged} judged talents, "
        f"{len(relevance.recommendation_queries)} talents with {recommended} judged jobs"
    )
    _table(
        "Candidate rankings (rank_candidates, each job's judged talents)",
        candidates,
        evaluate(relevance.candidate_queries, _nothing_shown, relevance.talents),
    )
    _table(
        "Recommendations (rank_jobs, each talent's judged jobs)",
        recommendations,
        evaluate(relevance.recommendation_queries, _nothing_shown, relevance.jobs),
    )
    if args.by_kind:
        _by_kind("Candidate rankings", relevance.candidate_queries, candidates)
        _by_kind("Recommendations", relevance.recommendation_queries, recommendations)
    if args.per_query:
        _per_query("Candidate rankings", relevance.candidate_queries, candidates, "job")
        _per_query("Recommendations", relevance.recommendation_queries, recommendations, "talent")
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
