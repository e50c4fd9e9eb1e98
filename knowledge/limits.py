"""The limits on one indexing job, and the sentences that tell a person which one was hit.

A workspace's document must never hold the workers for long: every limit here is a setting
(docs/configuration.md), and each failure reason names the limit in words, with what to do."""

from django.conf import settings


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB" if size >= 1_000_000 else f"{size / 1000:,.0f} KB"


def too_many_pages(pages: int, limit: int) -> str:
    return (
        f"This PDF has {pages:,} pages, more than the {limit:,} pages the knowledge base reads from one file. "
        "Split it into smaller PDFs and upload those."
    )


def too_much_content(size: int | None, limit: int) -> str:
    amount = f"{_megabytes(size)} of" if size else "more"
    return (
        f"This PDF's pages hold {amount} uncompressed content, more than the {_megabytes(limit)} the knowledge "
        "base reads from one file. Split it into smaller PDFs, or print it to a new PDF, and upload that."
    )


def too_much_text(limit: int) -> str:
    return (
        f"This document has more than {limit:,} characters of text, the most the knowledge base indexes from "
        "one file. Split it into smaller documents and upload those."
    )


def too_slow(seconds: float) -> str:
    return (
        f"Reading this PDF took longer than {seconds:g} seconds, the limit for one file, so it was stopped. "
        "Split it into smaller PDFs, or print it to a new PDF, and upload that."
    )


def too_big(memory_bytes: int) -> str:
    return (
        f"Reading this PDF needed more than the {_megabytes(memory_bytes)} of memory allowed for one file, so it "
        "was stopped. Split it into smaller PDFs, or print it to a new PDF, and upload that."
    )


def job_too_slow() -> str:
    minutes = settings.KNOWLEDGE_INGEST_TIME_LIMIT / 60
    return (
        f"Indexing this document took longer than {minutes:g} minutes, the limit for one document, so it was "
        "stopped. Split it into smaller documents and upload those."
    )


def interrupted(attempts: int) -> str:
    return (
        f"Indexing this document was interrupted {attempts} times because the worker running it stopped "
        "(it may have run out of memory, or been restarted), so it is not tried again. Re-index it to try once "
        "more; if it keeps failing, split it into smaller documents."
    )
