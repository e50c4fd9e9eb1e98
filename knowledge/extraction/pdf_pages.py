"""The text of a PDF's pages, read in a child process under hard limits.

``knowledge/extraction/pdf.py`` runs this file as a script (``python -I pdf_pages.py``): the
PDF on stdin, the limits as arguments, one JSON object on stdout. It imports only the standard
library and pypdf, so it starts in a fraction of a second without Django, and whatever a hostile
file does to pypdf (minutes of parsing, gigabytes of memory) happens in a process that the
parent kills at its deadline, never in the worker.

The limits, checked before the expensive part wherever the file allows:
- pages: counted before any page is read;
- decompressed bytes: the page content every page makes the reader parse (its content streams
  and the form XObjects it draws), counted per page, before any text is extracted. A stream that
  every page points at counts once per page, because it is parsed once per page: that is how a
  13 KB file asks for 80 MB of parsing. pypdf's own per-stream output limits are lowered to the
  same budget, so one stream cannot inflate past it either;
- extracted characters: summed page by page, stopping at the first page over;
- memory: the address space of this process (RLIMIT_AS);
- wall time: enforced by the parent, which kills this process.

Output: ``{"pages": [text, ...]}`` or ``{"error": "<code>", ...numbers}`` with code one of
pages, decompressed, characters, memory, encrypted, damaged."""

import io
import json
import logging
import resource
import sys

from pypdf import PasswordType, PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.generic import IndirectObject


class LimitExceeded(Exception):
    def __init__(self, code: str, **numbers: int) -> None:
        super().__init__(code)
        self.payload = {"error": code, **numbers}


def read_pages(data: bytes, *, max_pages: int, max_decompressed_bytes: int, max_characters: int) -> list[str]:
    # pypdf logs every oddity of a damaged file as a warning; the reason we report says it all.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    budget = max_decompressed_bytes + 1
    overrides = {
        "zlib_maximum_output_length": budget,
        "lzw_maximum_output_length": budget,
        "run_length_maximum_output_length": budget,
        "brotli_maximum_output_length": budget,
        "array_based_stream_maximum_output_length": budget,
        "maximum_declared_stream_length": budget,
    }
    with apply_configuration(**overrides):
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            # Many PDFs are "encrypted" with an empty user password and open without one.
            raise LimitExceeded("encrypted")
        page_count = len(reader.pages)
        if page_count > max_pages:
            raise LimitExceeded("pages", page_count=page_count, limit=max_pages)
        content_bytes = sum(_page_content_bytes(page) for page in reader.pages)
        if content_bytes > max_decompressed_bytes:
            raise LimitExceeded("decompressed", bytes=content_bytes, limit=max_decompressed_bytes)
        texts, characters = [], 0
        for page in reader.pages:
            text = page.extract_text() or ""
            characters += len(text)
            if characters > max_characters:
                raise LimitExceeded("characters", limit=max_characters)
            texts.append(text)
        return texts


def _page_content_bytes(page) -> int:
    """Decompressed bytes of the page's content streams and of the form XObjects it can draw
    (nested forms included, each once per page)."""
    total = 0
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    streams = contents if isinstance(contents, list) else [contents] if contents is not None else []
    for stream in streams:
        total += len(stream.get_object().get_data())
    seen: set = set()
    pending = [page.get("/Resources")]
    while pending:
        resources = pending.pop()
        resources = resources.get_object() if resources is not None else None
        xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
        xobjects = xobjects.get_object() if xobjects is not None else None
        for reference in (xobjects or {}).values():
            key = (reference.idnum, reference.generation) if isinstance(reference, IndirectObject) else id(reference)
            form = reference.get_object()
            if key in seen or form.get("/Subtype") != "/Form":
                continue
            seen.add(key)
            total += len(form.get_data())
            pending.append(form.get("/Resources"))
    return total


def main() -> None:
    max_pages, max_decompressed_bytes, max_characters, max_memory_bytes = (int(value) for value in sys.argv[1:5])
    if max_memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    data = sys.stdin.buffer.read()
    try:
        pages = read_pages(
            data, max_pages=max_pages, max_decompressed_bytes=max_decompressed_bytes, max_characters=max_characters
        )
        result: dict = {"pages": pages}
    except LimitExceeded as limit:
        result = limit.payload
    except MemoryError:
        result = {"error": "memory", "limit": max_memory_bytes}
    except LimitReachedError:
        # One of pypdf's own limits, lowered above to the decompressed-bytes budget.
        result = {"error": "decompressed", "limit": max_decompressed_bytes}
    except FileNotDecryptedError:
        result = {"error": "encrypted"}
    except Exception as error:  # pypdf signals damage with many exception types
        message = str(error).lower()
        damaged = not ("password" in message or "decrypt" in message)
        result = {"error": "damaged", "detail": type(error).__name__} if damaged else {"error": "encrypted"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
