"""Builders for knowledge-base tests; each returns saved objects or bytes."""

import hashlib

import numpy as np
from django.utils import timezone

from accounts.models import Workspace
from knowledge import embeddings, services
from knowledge.models import Chunk, Document, DocumentKind, DocumentStatus


def unit_vector(seed: str) -> np.ndarray:
    """A fixed unit vector per seed, for tests that must not need the embedding model."""
    generator = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    vector = generator.normal(size=384).astype(np.float32)
    return vector / np.linalg.norm(vector)


def make_document(
    *, workspace: Workspace, title: str = "Refunds policy", text: str = "Annual plans are refunded within 14 days."
) -> Document:
    """A ready document with one chunk and a made-up vector: pages and access tests need no model."""
    content = f"# {title}\n\n{text}".encode()
    document = Document.objects.create(
        workspace=workspace,
        title=title,
        kind=DocumentKind.MARKDOWN,
        file_name="article.md",
        original=content,
        byte_size=len(content),
        extracted_text=content.decode(),
        status=DocumentStatus.READY,
        progress=100,
        chunk_count=1,
        embedding_model=embeddings.model_name(),
        indexed_at=timezone.now(),
    )
    Chunk.objects.create(
        workspace=workspace,
        document=document,
        ordinal=0,
        section="",
        text=text,
        token_count=len(text.split()),
        embedding=unit_vector(text),
    )
    return document


def ingest(*, workspace: Workspace, content: bytes, file_name: str = "", title: str = "", kind: str = "") -> Document:
    """Create and index a document right away, as the task would (needs the model)."""
    document = services.document_create(
        workspace=workspace,
        created_by=None,
        content=content,
        file_name=file_name,
        title=title,
        kind=kind,
        queue_ingestion=False,
    )
    return services.document_ingest(document_id=document.pk)


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _pdf_file(objects: list[bytes]) -> bytes:
    """The objects numbered from 1 (the first is the catalog), with their cross-reference table."""
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(output)


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal, valid PDF written by hand: one text line per string, Helvetica, one content
    stream per page. Enough for pypdf to extract the text, with no dependency to build it."""
    page_count = len(pages)
    first_page = 4
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{first_page + 2 * index} 0 R" for index in range(page_count))
            + f"] /Count {page_count} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, lines in enumerate(pages):
        operations = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
        for line in lines:
            operations += [f"{_pdf_string(line)} Tj", "T*"]
        operations.append("ET")
        stream = "\n".join(operations).encode("latin-1")
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {first_page + 2 * index + 1} 0 R >>"
            ).encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return _pdf_file(objects)


def encrypt_pdf(pdf: bytes, password: str = "correct horse") -> bytes:  # noqa: S107 - test data
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=password + "!", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_pdf_bomb(*, pages: int, stream_bytes: int = 2_000_000) -> bytes:
    """A small PDF whose pages all point at one large compressed content stream of text
    operators: 2 MB of content compresses to a few kilobytes, and every page makes a reader
    parse all of it again. The shape of the file that held both workers for minutes (issue 12)."""
    import zlib

    line = b"BT /F1 12 Tf 72 720 Td (All work and no play makes a dull document) Tj ET\n"
    compressed = zlib.compress(line * (stream_bytes // len(line)), 9)
    first_page = 5
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{first_page + index} 0 R" for index in range(pages))
            + f"] /Count {pages} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed) + compressed + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
    page += b"/Contents 4 0 R >>"
    objects += [page] * pages
    return _pdf_file(objects)
