"""Reading each format by its content, and refusing what cannot be read with a reason."""

import codecs

import pytest

from knowledge import extraction
from knowledge.errors import ExtractionError
from knowledge.extraction.faq import parse_faq
from knowledge.models import DocumentKind
from tests.knowledge.factories import encrypt_pdf, make_pdf


def _paths(extracted):
    return [section.path for section in extracted.sections]


def test_markdown_headings_make_the_section_path():
    text = "# Billing\n\nIntro.\n\n## Refunds\n\nWithin 14 days.\n\n### Annual\n\nFull refund.\n\n## Invoices\n\nPDFs."
    extracted = extraction.extract(text.encode(), file_name="billing.md")
    assert extracted.kind == DocumentKind.MARKDOWN
    assert _paths(extracted) == [
        ("Billing",),
        ("Billing", "Refunds"),
        ("Billing", "Refunds", "Annual"),
        ("Billing", "Invoices"),
    ]
    assert extracted.sections[3].paragraphs == ("PDFs.",)


def test_markdown_code_fences_are_kept_whole_and_never_headings():
    text = "# Setup\n\nRun this:\n\n```sh\n# not a heading\n\npip install pulsar\n```\n\nDone."
    extracted = extraction.extract(text.encode(), file_name="setup.md")
    assert _paths(extracted) == [("Setup",)]
    assert "```sh\n# not a heading\n\npip install pulsar\n```" in extracted.sections[0].paragraphs


def test_setext_headings_and_front_matter():
    text = "---\ntitle: x\n---\nOverview\n========\n\nHello.\n\nDetails\n-------\n\nMore."
    extracted = extraction.extract(text.encode(), file_name="a.md")
    assert _paths(extracted) == [("Overview",), ("Overview", "Details")]


def test_a_txt_written_in_markdown_is_read_as_markdown():
    assert extraction.detect_kind(b"# Title\n\nText", file_name="notes.txt") == DocumentKind.MARKDOWN
    assert extraction.detect_kind(b"#hashtag is not a heading", file_name="notes.txt") == DocumentKind.TEXT


def test_plain_text_paragraphs():
    extracted = extraction.extract(b"First paragraph\nstill first.\n\nSecond.", file_name="a.txt")
    assert extracted.kind == DocumentKind.TEXT
    assert extracted.sections[0].paragraphs == ("First paragraph\nstill first.", "Second.")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Café crème".encode(), "Café crème"),
        (codecs.BOM_UTF8 + "Naïve".encode(), "Naïve"),
        ("Grüße aus Köln".encode("utf-16"), "Grüße aus Köln"),
        ("Résumé \u2013 “quoted”".encode("cp1252"), "Résumé \u2013 “quoted”"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "windows-1252"],
)
def test_text_encodings_are_decoded(data, expected):
    assert extraction.extract(data, file_name="a.txt").sections[0].paragraphs == (expected,)


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 8, b"text\x00with\x00nul", b"\x01\x02\x03\x04\x05garbage\x06\x07\x08" * 50],
    ids=["all-bytes", "nul", "control-characters"],
)
def test_binary_garbage_is_refused_with_a_reason(data):
    with pytest.raises(ExtractionError, match="binary data"):
        extraction.extract(data, file_name="a.txt")


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"PK\x03\x04rest-of-a-docx", "zip-based"), (b"\x89PNG\r\n\x1a\nIHDR", "PNG image")],
)
def test_known_binary_formats_are_named(data, words):
    with pytest.raises(ExtractionError, match=words):
        extraction.detect_kind(data, file_name="upload.bin")


@pytest.mark.parametrize("data", [b"", b"   \n\t\n"], ids=["zero-bytes", "blank"])
def test_empty_file_is_refused(data):
    with pytest.raises(ExtractionError) as error:
        extraction.extract(data, file_name="a.md")
    assert error.value.message == "The file is empty."


def test_html_keeps_headings_and_text_and_drops_page_chrome():
    html = b"""<!doctype html><html><head><title>T</title><style>p{color:red}</style>
    <script>var secret = "tracking";</script></head><body>
    <nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav>
    <article><h1>Refunds</h1><p>Annual plans are refunded <b>within 14 days</b>.</p>
    <h2>Monthly &amp; weekly</h2><ul><li>No refunds.</li><li>Cancel any time.</li></ul>
    <div hidden>Hidden text</div><p>Line one<br>line two</p></article>
    <footer>Copyright Pulsar</footer></body></html>"""
    extracted = extraction.extract(html, file_name="refunds.html")
    assert extracted.kind == DocumentKind.HTML
    assert _paths(extracted) == [("Refunds",), ("Refunds", "Monthly & weekly")]
    everything = extracted.text
    assert "Annual plans are refunded within 14 days." in everything
    assert "- No refunds." in everything and "- Cancel any time." in everything
    assert "Line one\nline two" in everything
    for chrome in ("tracking", "color:red", "Home", "Pricing", "Copyright", "Hidden text"):
        assert chrome not in everything


def test_html_is_recognised_by_content_whatever_the_name():
    assert extraction.detect_kind(b"<!DOCTYPE html><html><body><p>x</p></body></html>", file_name="a.md") == "html"


def test_pdf_text_is_extracted_per_page():
    pdf = make_pdf([["Refunds policy", "Annual plans are refunded within 14 days."], ["Invoices are PDFs."]])
    extracted = extraction.extract(pdf, file_name="policy.pdf")
    assert extracted.kind == DocumentKind.PDF
    assert _paths(extracted) == [("Page 1",), ("Page 2",)]
    assert "Annual plans are refunded within 14 days." in extracted.sections[0].paragraphs[0]


def test_pdf_is_recognised_by_its_magic_bytes_whatever_the_name():
    assert extraction.detect_kind(make_pdf([["x"]]), file_name="notes.txt") == DocumentKind.PDF


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused():
    with pytest.raises(ExtractionError, match=r"named \.pdf but is not a PDF") as error:
        extraction.detect_kind(b"Just some text pretending.", file_name="Report.PDF")
    assert error.value.code == "not_a_pdf"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog garbage", "pdf_damaged"),
        (make_pdf([["Half a file"]])[:200], "pdf_damaged"),
        (encrypt_pdf(make_pdf([["Secret"]])), "pdf_encrypted"),
        (make_pdf([[]]), "pdf_without_text"),
    ],
    ids=["garbage", "truncated", "encrypted", "no-text"],
)
def test_unreadable_pdfs_fail_with_a_reason_never_a_crash(data, code):
    with pytest.raises(ExtractionError) as error:
        extraction.extract(data, file_name="a.pdf")
    assert error.value.code == code
    assert error.value.message.endswith(".")


def test_faq_pairs_become_sections_with_the_question_as_path():
    text = (
        "Q: How do I download an invoice?\nA: Settings → Billing → Invoices.\nClick Download PDF.\n\n"
        "More detail.\n\nquestion: Multi-line\nquestion here?\nAnswer: Yes."
    )
    extracted = extraction.extract(text.encode(), kind=DocumentKind.FAQ)
    assert extracted.kind == DocumentKind.FAQ
    assert _paths(extracted) == [("How do I download an invoice?",), ("Multi-line question here?",)]
    assert extracted.sections[0].paragraphs == ("Settings → Billing → Invoices.\nClick Download PDF.", "More detail.")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Just prose, no questions.", "before the first question"),
        ("Q: Where is the answer?", "has no answer"),
        ("A: An answer first\nQ: then?", "answer with no question"),
        ("Q: One?\nA: Yes.\nA: And again.", "second answer"),
        ("", "No questions found"),
    ],
)
def test_faq_format_errors_name_the_problem(text, words):
    with pytest.raises(ExtractionError, match=words):
        parse_faq(text)


def test_an_uploaded_text_file_in_faq_format_is_an_faq():
    assert extraction.detect_kind(b"Q: Hello?\nA: Hi.", file_name="faq.txt") == DocumentKind.FAQ
