"""Chunks follow headings, then paragraphs; sizes come from the model's own tokenizer."""

import itertools

from knowledge import chunking, extraction
from knowledge.chunking import MAX_INPUT_TOKENS, TARGET_TOKENS, chunk_sections, count_tokens
from knowledge.extraction import Section


def _long_paragraphs(count: int, topic: str) -> str:
    return "\n\n".join(
        " ".join(f"Sentence {number}.{index} explains how {topic} works in practice for teams." for index in range(5))
        for number in range(count)
    )


def test_chunks_never_span_sections_and_carry_the_heading_path():
    text = f"# Billing\n\n## Refunds\n\n{_long_paragraphs(2, 'refunds')}\n\n## Invoices\n\nShort note on invoices."
    sections = extraction.extract(text.encode(), file_name="billing.md").sections
    drafts = chunk_sections(sections, title="Billing")
    # The article's "# Billing" repeats the title, so sections are the path inside it.
    assert [draft.section for draft in drafts] == ["Refunds"] * (len(drafts) - 1) + ["Invoices"]
    assert drafts[-1].text == "Short note on invoices."
    assert [draft.ordinal for draft in drafts] == list(range(len(drafts)))
    assert all("invoices" not in draft.text for draft in drafts[:-1])


def test_section_path_joins_headings_below_the_title():
    sections = (Section(path=("Guide", "Billing", "Refunds"), paragraphs=("Text.",)),)
    assert chunk_sections(sections, title="Guide")[0].section == "Billing › Refunds"
    assert chunk_sections(sections, title="Other")[0].section == "Guide › Billing › Refunds"


def test_long_sections_are_split_near_the_target_with_overlap():
    sections = (Section(path=("Refunds",), paragraphs=tuple(_long_paragraphs(12, "refunding").split("\n\n"))),)
    drafts = chunk_sections(sections, title="Policy")
    assert len(drafts) >= 4
    for draft in drafts:
        assert draft.token_count == count_tokens(draft.text)
        assert draft.token_count <= TARGET_TOKENS
        # What the model reads (heading line included) fits its window: nothing is cut off.
        assert count_tokens(draft.embedding_input) <= MAX_INPUT_TOKENS
    for previous, following in itertools.pairwise(drafts):
        # The next chunk starts with the tail of the previous one: about 15% of a chunk.
        overlap = _shared_words(previous.text, following.text)
        assert 0.08 * TARGET_TOKENS <= count_tokens(overlap) <= 0.25 * TARGET_TOKENS


def _shared_words(previous: str, following: str) -> str:
    words = following.split()
    for length in range(len(words), 0, -1):
        candidate = " ".join(words[:length])
        if " ".join(previous.split()).endswith(candidate):
            return candidate
    return ""


def test_paragraphs_stay_whole_when_they_fit():
    paragraphs = tuple(_long_paragraphs(6, "dashboards").split("\n\n"))
    drafts = chunk_sections((Section(path=("Dashboards",), paragraphs=paragraphs),), title="")
    for draft in drafts:
        # Each chunk ends at the end of a paragraph: no paragraph is cut when a whole one fits.
        assert any(draft.text.endswith(paragraph) for paragraph in paragraphs)


def test_a_run_on_sentence_longer_than_a_chunk_is_cut_by_words():
    run_on = " ".join(["word"] * 1200)
    drafts = chunk_sections((Section(path=(), paragraphs=(run_on,)),), title="")
    assert len(drafts) > 3
    assert all(count_tokens(draft.embedding_input) <= MAX_INPUT_TOKENS for draft in drafts)


def test_token_counts_are_the_embedding_models():
    # WordPiece splits rare words: more tokens than words.
    assert count_tokens("tokenization") == 2
    assert count_tokens("Hello, world!") == 4
    assert chunking.count_tokens("") == 0


def test_faq_pairs_are_chunks_of_their_own():
    text = "Q: How do I reset my password?\nA: Click Forgot password.\n\nQ: Is SSO available?\nA: On Business."
    drafts = chunk_sections(extraction.extract(text.encode(), kind="faq").sections, title="Account FAQ")
    assert [(draft.section, draft.text) for draft in drafts] == [
        ("How do I reset my password?", "Click Forgot password."),
        ("Is SSO available?", "On Business."),
    ]
    assert drafts[0].embedding_input == "Account FAQ › How do I reset my password?\nClick Forgot password."
