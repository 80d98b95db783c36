"""Semantic similarity against the vocabulary alone, on the labelled pairs of ``tests/matching/semantic_pairs.json``.

Usage::

    python bench/semantic.py

Prints, for the held-out and the calibration pairs, the precision and recall
of "the two texts match" (similarity at least the floor, 0.75) for (a) the
vocabulary and fuzzy spelling alone and (b) the same with
:mod:`matching.semantic`; recall per kind of pair; and the F1 on the
calibration pairs of other thresholds than :data:`~matching.semantic.SEMANTIC_THRESHOLD`.
Vectors come from ``seeds/skill_vectors.npz`` and the cache file of the tests.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching import semantic  # noqa: E402
from matching.semantic import TextVectors  # noqa: E402
from matching.vocabulary import SIMILARITY_FLOOR, SkillVocabulary, skill_similarity  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "guilu" / "test-text-vectors.npz"


def main() -> None:
    pairs = json.loads((ROOT / "tests" / "matching" / "semantic_pairs.json").read_text(encoding="utf-8"))["pairs"]
    vectors = TextVectors(path=CACHE, preload=[ROOT / "seeds" / "skill_vectors.npz"])
    with_meaning = SkillVocabulary.load(ROOT / "seeds" / "skills.json", vectors=vectors)
    alone = SkillVocabulary(list(with_meaning))
    print(f"{len(pairs)} pairs; threshold {semantic.SEMANTIC_THRESHOLD}")
    for split in ("held_out", "calibration"):
        chosen = [p for p in pairs if p["split"] == split]
        print(f"\n{split}: {sum(p['related'] for p in chosen)} related, {sum(not p['related'] for p in chosen)} not")
        for name, vocabulary in (("(a) vocabulary + fuzzy", alone), ("(b) + semantic", with_meaning)):
            found = [skill_similarity(vocabulary, p["a"], p["b"]) >= SIMILARITY_FLOOR for p in chosen]
            precision, recall = _precision_recall(found, chosen)
            recalls = []
            for kind in sorted({p["kind"] for p in chosen}):
                of_kind = [(f, p) for f, p in zip(found, chosen, strict=True) if p["kind"] == kind]
                recalls.append(f"{kind} {_precision_recall([f for f, _ in of_kind], [p for _, p in of_kind])[1]:.2f}")
            per_kind = " ".join(recalls)
            print(f"  {name:<24} precision {precision:.3f} recall {recall:.3f}  (recall by kind: {per_kind})")
    calibration = [p for p in pairs if p["split"] == "calibration"]
    print("\nF1 on the calibration pairs by threshold:")
    for threshold in (0.12, 0.15, 0.18, 0.2, 0.22, 0.25, 0.3):
        with patch("matching.semantic.SEMANTIC_THRESHOLD", threshold):
            found = [skill_similarity(with_meaning, p["a"], p["b"]) >= SIMILARITY_FLOOR for p in calibration]
        precision, recall = _precision_recall(found, calibration)
        f1 = 2 * precision * recall / (precision + recall)
        print(f"  {threshold:.2f}: F1 {f1:.3f} (P {precision:.3f} R {recall:.3f})")


def _precision_recall(found: list[bool], pairs: list[dict[str, object]]) -> tuple[float, float]:
    hits = sum(bool(f and p["related"]) for f, p in zip(found, pairs, strict=True))
    return hits / max(sum(found), 1), hits / max(sum(bool(p["related"]) for p in pairs), 1)


if __name__ == "__main__":
    main()
