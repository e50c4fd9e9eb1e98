"""What reading a PDF costs now that pypdf runs in a child process under hard limits
(knowledge/extraction/pdf.py), and how soon a file built to hold a worker is stopped.

- an ordinary 20-page PDF: in the child process (as ingestion does) and in this process (the
  child's start-up is the difference);
- the 40-page "bomb" (one 2 MB content stream that every page draws, 13 KB on disk): refused
  by the uncompressed-content limit before a page is read;
- the 10-page bomb under a 5 s wall-time limit: killed at the deadline (with the default
  limits it is under the content limit and is read, about 2.5 s a page on this machine).

Uses the embedded PostgreSQL only for Django's settings; no document is stored."""

import argparse
import io
import os
import time

import django

from bench._stats import summary_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
    django.setup()
    from django.conf import settings
    from pypdf import PdfReader

    from knowledge.errors import ExtractionError
    from knowledge.extraction.pdf import extract_pdf
    from tests.knowledge.factories import make_pdf, make_pdf_bomb

    paragraph = "Refunds are issued to the original payment method within five business days. " * 6
    ordinary = make_pdf([[paragraph, paragraph, paragraph] for _ in range(20)])

    def timed(call) -> tuple[list[float], object]:
        samples, result = [], None
        for _ in range(rounds):
            started = time.perf_counter()
            try:
                result = call()
            except ExtractionError as error:
                result = error
            samples.append(time.perf_counter() - started)
        return samples, result

    child, extracted = timed(lambda: extract_pdf(ordinary))
    in_process, _ = timed(lambda: [page.extract_text() for page in PdfReader(io.BytesIO(ordinary)).pages])
    bomb = make_pdf_bomb(pages=40)
    refused, refusal = timed(lambda: extract_pdf(bomb))
    settings.KNOWLEDGE_EXTRACTION_TIMEOUT = 5
    small_bomb = make_pdf_bomb(pages=10)
    rounds_before, rounds = rounds, 1
    killed, timeout = timed(lambda: extract_pdf(small_bomb))
    rounds = rounds_before

    print(f"ordinary 20-page PDF ({len(ordinary) // 1024} KB, {len(extracted.text):,} characters)")
    print(f"  child process with limits:   {summary_ms(child)}")
    print(f"  pypdf in this process:       {summary_ms(in_process)}")
    print(f"40-page bomb ({len(bomb) // 1024} KB on disk): {summary_ms(refused)}")
    print(f"  reason: {refusal}")
    print(f"10-page bomb, 5 s wall-time limit: {summary_ms(killed)}")
    print(f"  reason: {timeout}")


if __name__ == "__main__":
    main()
