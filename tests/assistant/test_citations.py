from assistant import Citation
from assistant.citations import citations_for, cited_numbers
from assistant.testing.vendor_server import MESSAGES, ScriptedResponse
from tests.assistant.streaming import BILLING_PASSAGE, PASSWORD_PASSAGE, collect, make_request, result_of


def test_citations_are_read_in_order_of_first_mention_without_repeats():
    text = "Invoices come monthly [2]. Reset it from the sign-in page [1][2]. As said [2]."

    assert cited_numbers(text, passage_count=2) == (2, 1)


def test_grouped_citations_are_understood():
    assert cited_numbers("See [1, 3] and [2; 4].", passage_count=4) == (1, 3, 2, 4)


def test_citations_of_passages_that_do_not_exist_are_dropped():
    assert cited_numbers("Per [0], [3] and [17], also [2].", passage_count=2) == (2,)


def test_brackets_that_are_not_citations_are_ignored():
    assert cited_numbers("Use [Settings] then [x] or [1.5].", passage_count=3) == ()


def test_citations_carry_the_passage_details():
    citations = citations_for((1, 2), passages=(PASSWORD_PASSAGE, BILLING_PASSAGE))

    assert citations[0] == Citation(
        index=1,
        document_title="Account",
        section="Password",
        document_id=7,
        chunk_id=71,
        url="https://help.example.com/account#password",
    )
    assert citations[1].index == 2 and citations[1].document_title == "Billing"


def test_streamed_answer_citations_become_the_results_citations(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Invoices come monthly [2]. See also [9]."))

    result = result_of(collect(make_request(), make_config()))

    assert [(citation.index, citation.document_title) for citation in result.citations] == [(2, "Billing")]
    # The text is left exactly as the model wrote it.
    assert result.text == "Invoices come monthly [2]. See also [9]."
