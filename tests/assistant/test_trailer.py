"""The hidden ⟦confidence=…⟧ trailer is removed from the stream wherever the deltas split it."""

import itertools

import pytest

from assistant.testing.vendor_server import MESSAGES, ScriptedResponse
from assistant.trailer import TrailerFilter, parse_confidence
from tests.assistant.streaming import collect, deltas, make_request, result_of

ANSWER = "Open the sign-in page [1]. Then follow the link.\n"
STREAM = ANSWER + "⟦confidence=0.82⟧"


def run_filter(pieces: list[str]) -> tuple[list[str], TrailerFilter]:
    trailer = TrailerFilter()
    shown = [trailer.feed(piece) for piece in pieces]
    trailer.finish()
    return shown, trailer


def test_ordinary_text_passes_through_in_the_same_delta():
    trailer = TrailerFilter()

    assert trailer.feed("Hello [1], ") == "Hello [1], "
    assert trailer.feed("how can I help?") == "how can I help?"
    assert trailer.confidence is None and not trailer.found


def test_trailer_split_into_two_deltas_at_every_position_is_stripped():
    for cut in range(len(STREAM) + 1):
        shown, trailer = run_filter([STREAM[:cut], STREAM[cut:]])

        assert "".join(shown) == ANSWER, cut
        assert trailer.confidence == 0.82, cut


def test_trailer_split_into_three_deltas_at_every_pair_of_positions_is_stripped():
    for first, second in itertools.combinations(range(len(STREAM) + 1), 2):
        shown, trailer = run_filter([STREAM[:first], STREAM[first:second], STREAM[second:]])

        assert "".join(shown) == ANSWER, (first, second)
        assert trailer.confidence == 0.82, (first, second)


def test_trailer_one_character_per_delta_is_stripped():
    shown, trailer = run_filter(list(STREAM))

    assert "".join(shown) == ANSWER
    assert trailer.confidence == 0.82


def test_only_the_possible_start_of_the_marker_is_held_back():
    trailer = TrailerFilter()

    assert trailer.feed("Follow the link.\n⟦conf") == "Follow the link.\n"
    assert trailer.feed("idence=0.9⟧") == ""
    assert trailer.confidence == 0.9


def test_marker_like_text_that_is_not_a_trailer_is_shown_unchanged():
    text = "Press ⟦Ctrl⟧ and ⟦ then ⟦c to copy."

    shown, trailer = run_filter(list(text))

    assert "".join(shown) == text
    assert not trailer.found


def test_text_after_the_trailer_is_still_shown():
    shown, trailer = run_filter(["Done. ⟦confidence=0.7⟧", " Anything else?"])

    assert "".join(shown) == "Done.  Anything else?"
    assert trailer.confidence == 0.7


@pytest.mark.parametrize(
    "garbled",
    [
        "⟦confidence=high⟧",
        "⟦confidence=1.7⟧",
        "⟦confidence=-0.2⟧",
        "⟦confidence=⟧",
        "⟦confidence=nan⟧",
        "⟦confidence=0.8",  # cut off by max_tokens
        "⟦confid",  # cut off earlier
    ],
)
def test_garbled_trailer_is_stripped_and_gives_no_value(garbled):
    shown, trailer = run_filter([ANSWER, garbled[:5], garbled[5:]])

    assert "".join(shown) == ANSWER
    assert trailer.confidence is None
    assert trailer.found


def test_unterminated_trailer_followed_by_text_loses_only_the_marker():
    shown, trailer = run_filter(["Done. ⟦confidence=sure and then the model kept writing more words"])

    assert "".join(shown) == "Done.  and then the model kept writing more words"
    assert trailer.confidence is None


def test_relaxed_trailer_spelling_is_understood():
    for variant, value in [
        ("⟦Confidence = 0.6⟧", 0.6),
        ("⟦confidence: .75⟧", 0.75),
        ("⟦confidence=80%⟧", 0.8),
        ("⟦ confidence=1 ⟧", 1.0),
    ]:
        shown, trailer = run_filter(["Ok. ", variant])
        assert "".join(shown) == "Ok. ", variant
        assert trailer.confidence == value, variant


def test_parse_confidence_rejects_out_of_range_and_words():
    assert parse_confidence("0.5") == 0.5
    assert parse_confidence("2") is None
    assert parse_confidence("likely") is None
    assert parse_confidence("inf") is None


def test_customer_never_sees_a_trailer_split_across_streamed_deltas(vendor_server, make_config):
    tokens = ("Open the sign-in page [1].", "\n⟦con", "fidence", "=0.", "9", "⟧")
    vendor_server.enqueue(MESSAGES, ScriptedResponse(tokens=tokens))

    events = collect(make_request(), make_config())

    assert deltas(events) == ["Open the sign-in page [1].", "\n"]
    result = result_of(events)
    assert result.text == "Open the sign-in page [1]."
    # sqrt(support of passage 1 (score 0.78 gives 1.0) * 0.9)
    assert result.confidence == pytest.approx(0.9487, abs=1e-4)


def test_answer_with_a_garbled_trailer_falls_back_to_retrieval_support(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(tokens=("Open the sign-in page [1].", " ⟦confidence=very high⟧")))

    result = result_of(collect(make_request(), make_config()))

    assert result.text == "Open the sign-in page [1]."
    assert result.confidence == 1.0  # passage 1's support alone
