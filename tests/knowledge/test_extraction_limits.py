"""Hard limits on reading one file: each failure names the limit in a sentence (issue 12)."""

import pytest

from knowledge import extraction
from knowledge.errors import ExtractionError
from tests.knowledge.factories import make_pdf, make_pdf_bomb


def _refusal(data: bytes, file_name: str = "file.pdf") -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extraction.extract(data, file_name=file_name)
    return caught.value


def test_a_pdf_with_more_pages_than_the_limit_is_refused_before_reading_them(settings):
    settings.KNOWLEDGE_PDF_MAX_PAGES = 3
    error = _refusal(make_pdf([["One line."]] * 4))
    assert error.code == "pdf_too_many_pages"
    assert "This PDF has 4 pages, more than the 3 pages" in error.message


def test_a_shared_content_stream_counts_once_per_page_that_draws_it(settings):
    settings.KNOWLEDGE_MAX_DECOMPRESSED_BYTES = 5_000_000
    error = _refusal(make_pdf_bomb(pages=3))  # 3 times 2 MB behind about 6 KB
    assert error.code == "pdf_too_much_content"
    assert "hold 6 MB of uncompressed content, more than the 5 MB" in error.message


def test_one_stream_that_inflates_past_the_limit_is_refused(settings):
    settings.KNOWLEDGE_MAX_DECOMPRESSED_BYTES = 1_000_000
    error = _refusal(make_pdf_bomb(pages=1))
    assert error.code == "pdf_too_much_content"


def test_a_pdf_that_takes_longer_than_the_timeout_is_stopped(settings):
    settings.KNOWLEDGE_EXTRACTION_TIMEOUT = 0.5
    error = _refusal(make_pdf_bomb(pages=10))  # about 25 s of parsing
    assert error.code == "pdf_too_slow"
    assert "took longer than 0.5 seconds" in error.message


def test_a_pdf_that_needs_more_memory_than_allowed_is_stopped(settings):
    settings.KNOWLEDGE_MAX_DECOMPRESSED_BYTES = 1_000_000_000
    settings.KNOWLEDGE_EXTRACTION_MEMORY_BYTES = 100_000_000
    error = _refusal(make_pdf_bomb(pages=1, stream_bytes=150_000_000))  # 150 MB behind 500 KB
    assert error.code == "pdf_memory"
    assert "100 MB of memory" in error.message


def test_text_over_the_character_limit_is_refused_in_every_format(settings):
    settings.KNOWLEDGE_MAX_EXTRACTED_CHARACTERS = 100
    for data, file_name in [(b"word " * 40, "notes.txt"), (make_pdf([["word " * 30] * 2]), "notes.pdf")]:
        error = _refusal(data, file_name)
        assert error.code == "too_much_text"
        assert "more than 100 characters" in error.message


def test_a_pdf_within_the_limits_is_read(settings):
    settings.KNOWLEDGE_PDF_MAX_PAGES = 2
    extracted = extraction.extract(make_pdf([["Refunds within 14 days."], ["Invoices."]]), file_name="a.pdf")
    assert [section.path for section in extracted.sections] == [("Page 1",), ("Page 2",)]
