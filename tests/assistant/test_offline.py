"""The offline provider quotes the best passages with their sources, or admits it found nothing.
Scores are realistic all-MiniLM-L6-v2 cosine similarities (see docs/assistant.md)."""

from assistant import Passage
from assistant.prompting import passage_heading
from assistant.providers.offline import INTRODUCTION, NOT_FOUND, relevant_passages, whole_sentences
from tests.assistant.streaming import collect, deltas, make_request, result_of

RESET = Passage(
    text="To reset your password, open the sign-in page and click “Forgot password”. We email you a link "
    "that is valid for one hour. Follow it and choose a new password of at least 12 characters.",
    document_title="Account",
    section="Password",
    document_id=1,
    score=0.74,
)
SSO = Passage(
    text="Single sign-on with SAML is available on the Enterprise plan.",
    document_title="Security",
    section="Single sign-on",
    document_id=2,
    score=0.28,
)
REFUND = Passage(
    text="Refunds are available within 30 days of purchase for annual plans.",
    document_title="Billing",
    section="Refunds",
    document_id=3,
    score=0.16,
)


def test_offline_answer_quotes_the_best_passage_and_cites_it(make_config):
    request = make_request(question="I forgot my password, what do I do?", passages=(SSO, RESET, REFUND))

    result = result_of(collect(request, make_config(provider="offline")))

    assert result.text == f"{INTRODUCTION}\n\n{RESET.text}\n— {passage_heading(RESET)}"
    assert [(citation.index, citation.document_title) for citation in result.citations] == [(2, "Account")]
    assert result.confidence > 0.9
    assert result.provider == "offline" and result.stop_reason == "end_turn"


def test_offline_admits_it_found_nothing_for_an_unrelated_question(make_config):
    weather = make_request(
        question="What's the weather in Paris tomorrow?",
        passages=(
            Passage(text=RESET.text, document_title="Account", section="Password", score=0.06),
            Passage(text=SSO.text, document_title="Security", score=0.05),
        ),
    )

    result = result_of(collect(weather, make_config(provider="offline")))

    assert result.text == NOT_FOUND
    assert "couldn't find this in our help centre" in result.text
    assert "connect you with a person" in result.text
    assert result.citations == ()
    assert result.confidence < 0.1


def test_near_miss_below_the_threshold_is_not_quoted(make_config):
    # "How do I delete my account?" against the password page scored 0.37 in our measurements.
    request = make_request(
        question="How do I delete my account?",
        passages=(Passage(text=RESET.text, document_title="Account", section="Password", score=0.37),),
    )

    result = result_of(collect(request, make_config(provider="offline")))

    assert result.text == NOT_FOUND
    assert result.confidence < 0.5


def test_offline_with_no_passages_at_all_says_so(make_config):
    result = result_of(collect(make_request(passages=()), make_config(provider="offline")))

    assert result.text == NOT_FOUND
    assert result.confidence == 0.0


def test_a_second_passage_nearly_as_relevant_is_quoted_too():
    passages = (
        Passage(text="A.", document_title="One", score=0.62),
        Passage(text="B.", document_title="Two", score=0.55),
        Passage(text="C.", document_title="Three", score=0.50),
        Passage(text="D.", document_title="Four", score=0.45),
    )

    assert relevant_passages(passages) == (1, 2)


def test_a_much_weaker_second_passage_is_left_out():
    passages = (
        Passage(text="A.", document_title="One", score=0.70),
        Passage(text="B.", document_title="Two", score=0.45),
    )

    assert relevant_passages(passages) == (1,)


def test_long_passages_are_cut_at_a_sentence_boundary():
    text = "First sentence has five words. " * 30

    trimmed = whole_sentences(text, word_limit=12)

    assert trimmed == "First sentence has five words. First sentence has five words."


def test_fragments_at_chunk_edges_are_left_out():
    chunk = "and then press Save. Invoices are sent monthly. You can download them from Settings. The card on"

    assert whole_sentences(chunk, word_limit=80) == "Invoices are sent monthly. You can download them from Settings."


def test_a_single_long_sentence_is_kept_whole():
    sentence = "This sentence has far more words than the tiny limit allows here."

    assert whole_sentences(sentence, word_limit=3) == sentence


def test_list_lines_are_kept_on_their_own_lines():
    assert whole_sentences("Steps:\n1. Open Settings.\n2. Click Team.", word_limit=80) == (
        "Steps:\n1. Open Settings.\n2. Click Team."
    )


def test_offline_respects_max_words(make_config):
    request = make_request(passages=(RESET,), max_words=25)

    result = result_of(collect(request, make_config(provider="offline")))

    assert "Follow it and choose" not in result.text
    assert "valid for one hour." in result.text


def test_offline_deltas_rebuild_the_text_exactly(make_config):
    events = collect(make_request(passages=(RESET, SSO)), make_config(provider="offline"))

    assert "".join(deltas(events)) == result_of(events).text
