"""How sure we are that an answer is right and supported, in [0, 1].

    support     = calibrated(best score among the passages the answer cites)
                  or, if it cites none, calibrated(best score of all passages) * UNCITED_FACTOR
    confidence  = sqrt(support * self_assessment)    when the model gave a readable trailer
                = support                            otherwise (and always for offline answers)

Why: retrieval scores say whether the help centre holds the answer; the model's trailer says
whether it managed to answer from it. Either alone misleads: a model is often confidently
wrong about things the help centre never covered, and a highly relevant passage does not
mean the model used it well. The geometric mean is high only when both are, and a low one
drags the result down more than an average would. See docs/assistant.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from assistant.types import Passage

# Raw cosine similarities of all-MiniLM-L6-v2 are not probabilities: unrelated passages
# score up to ~0.35, relevant ones from ~0.40 up. These anchors (score → support) map the
# offline provider's relevance threshold to 0.5 and a near-verbatim match to 1; linear between.
CALIBRATION = ((0.20, 0.0), (0.40, 0.5), (0.75, 1.0))
# An answer that cites nothing may still draw on the passages, but we cannot tell.
UNCITED_FACTOR = 0.6


def retrieval_support(score: float) -> float:
    """A passage's retrieval score as support in [0, 1] (piecewise linear through CALIBRATION)."""
    (low_score, low_value), *rest = CALIBRATION
    if score <= low_score:
        return low_value
    for high_score, high_value in rest:
        if score <= high_score:
            return low_value + (score - low_score) / (high_score - low_score) * (high_value - low_value)
        low_score, low_value = high_score, high_value
    return low_value


def answer_support(*, passages: Sequence[Passage], cited: Iterable[int]) -> float:
    cited_scores = [passages[number - 1].score for number in cited if 1 <= number <= len(passages)]
    if cited_scores:
        return retrieval_support(max(cited_scores))
    if not passages:
        return 0.0
    return retrieval_support(max(passage.score for passage in passages)) * UNCITED_FACTOR


def answer_confidence(*, passages: Sequence[Passage], cited: Iterable[int], self_assessment: float | None) -> float:
    support = answer_support(passages=passages, cited=cited)
    if self_assessment is None:
        return round(support, 4)
    return round(math.sqrt(support * min(max(self_assessment, 0.0), 1.0)), 4)
