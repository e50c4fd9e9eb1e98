import pytest

from assistant import Passage
from assistant.confidence import UNCITED_FACTOR, answer_confidence, retrieval_support


def passage(score: float) -> Passage:
    return Passage(text="Some help text.", document_title="Doc", score=score)


def test_retrieval_support_maps_the_offline_threshold_to_one_half():
    assert retrieval_support(0.0) == 0.0
    assert retrieval_support(0.20) == 0.0
    assert retrieval_support(0.30) == pytest.approx(0.25)
    assert retrieval_support(0.40) == pytest.approx(0.5)
    assert retrieval_support(0.575) == pytest.approx(0.75)
    assert retrieval_support(0.75) == pytest.approx(1.0)
    assert retrieval_support(0.95) == 1.0


def test_cited_strong_passage_and_confident_model_give_high_confidence():
    confidence = answer_confidence(passages=(passage(0.75), passage(0.3)), cited=(1,), self_assessment=0.9)

    assert confidence == pytest.approx(0.9**0.5, abs=1e-4)


def test_confident_model_without_support_gets_low_confidence():
    confidence = answer_confidence(passages=(passage(0.25),), cited=(1,), self_assessment=0.95)

    assert confidence == pytest.approx((0.125 * 0.95) ** 0.5, abs=1e-4)
    assert confidence < 0.4


def test_unsure_model_drags_down_strong_support():
    assert answer_confidence(passages=(passage(0.8),), cited=(1,), self_assessment=0.2) == pytest.approx(
        0.2**0.5, abs=1e-4
    )


def test_without_a_trailer_confidence_is_the_retrieval_support():
    assert answer_confidence(passages=(passage(0.575),), cited=(1,), self_assessment=None) == pytest.approx(0.75)


def test_an_answer_that_cites_nothing_gets_less_support():
    confidence = answer_confidence(passages=(passage(0.575),), cited=(), self_assessment=None)

    assert confidence == pytest.approx(0.75 * UNCITED_FACTOR)


def test_support_comes_from_the_best_cited_passage_not_the_best_retrieved():
    passages = (passage(0.75), passage(0.40))

    assert answer_confidence(passages=passages, cited=(2,), self_assessment=None) == pytest.approx(0.5)


def test_no_passages_means_no_support():
    assert answer_confidence(passages=(), cited=(), self_assessment=0.99) == 0.0
