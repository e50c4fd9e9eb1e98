"""The Knowledge pages: documents with live status, adding files and FAQs, re-index and
delete, a document's chunks, and a search that shows what the assistant would retrieve.

Members see everything (``can_view_workspace``); admins change it (``can_manage_knowledge``).
htmx requests get the section they changed; plain form posts redirect or re-render the page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_GET, require_POST

from accounts.access import workspace_view
from knowledge import access, embeddings, retrieval, selectors, services
from knowledge.forms import DocumentUploadForm, FaqForm, SearchForm
from knowledge.models import DocumentKind

CHUNKS_PER_PAGE = 50
SEARCH_RESULTS = 5


def _documents_context(workspace) -> dict:
    documents = list(selectors.documents_of(workspace=workspace))
    return {
        "documents": documents,
        # While anything is queued or processing the list also polls, in case a broadcast is lost.
        "busy": any(document.is_busy for document in documents),
        "summary": selectors.knowledge_summary(workspace=workspace),
        "embedding_model": embeddings.model_name(),
    }


def _page(request, *, upload_form=None, faq_form=None, search_form=None, passages=None, status=200):
    context = {
        **_documents_context(request.workspace),
        "upload_form": upload_form or DocumentUploadForm(),
        "faq_form": faq_form or FaqForm(),
        "search_form": search_form or SearchForm(),
        "passages": passages,
    }
    return render(request, "knowledge/documents.html", context, status=status)


def _documents_section(request, *, notice=None):
    """The live list every document action re-renders: htmx swaps it, a plain POST redirects."""
    if request.method == "POST" and not request.htmx:
        messages.success(request, notice)
        return redirect("knowledge", workspace_slug=request.workspace.slug)
    if not request.htmx:
        return _page(request)
    context = {**_documents_context(request.workspace), "notice": notice}
    return render(request, "knowledge/partials/documents_section.html", context)


def _add_section(request, *, upload_form=None, faq_form=None, notice=None, status=200):
    """The forms after a submission. On success the list comes along out of band: the
    broadcast of one's own change is ignored as an echo by console.js."""
    if not request.htmx:
        if status >= 400:
            return _page(request, upload_form=upload_form, faq_form=faq_form, status=status)
        messages.success(request, notice)
        return redirect("knowledge", workspace_slug=request.workspace.slug)
    context = {"upload_form": upload_form or DocumentUploadForm(), "faq_form": faq_form or FaqForm(), "notice": notice}
    if status < 400:
        context |= {**_documents_context(request.workspace), "documents_out_of_band": True}
    return render(request, "knowledge/partials/add_section.html", context, status=status)


@require_GET
@workspace_view()
def knowledge(request):
    return _documents_section(request)


@require_POST
@workspace_view("can_manage_knowledge")
def document_upload(request):
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _add_section(request, upload_form=form, status=422)
    document = services.document_create(
        workspace=request.workspace,
        created_by=request.user,
        content=form.content,
        file_name=form.cleaned_data["file"].name,
        title=form.cleaned_data["title"],
    )
    return _add_section(request, notice=f"“{document.title}” was added and is being indexed.")


@require_POST
@workspace_view("can_manage_knowledge")
def faq_create(request):
    form = FaqForm(request.POST)
    if not form.is_valid():
        return _add_section(request, faq_form=form, status=422)
    document = services.document_create(
        workspace=request.workspace,
        created_by=request.user,
        content=form.cleaned_data["text"].encode(),
        title=form.cleaned_data["title"],
        kind=DocumentKind.FAQ,
    )
    return _add_section(request, notice=f"“{document.title}” was added and is being indexed.")


@require_POST
@workspace_view("can_manage_knowledge")
def document_reindex(request, document_id: int):
    document = services.document_reindex(document=access.document_for(request.workspace, document_id))
    return _documents_section(request, notice=f"“{document.title}” is being re-indexed.")


@require_POST
@workspace_view("can_manage_knowledge")
def document_delete(request, document_id: int):
    document = access.document_for(request.workspace, document_id)
    services.document_delete(document=document)
    return _documents_section(request, notice=f"“{document.title}” was deleted.")


@require_GET
@workspace_view()
def document_detail(request, document_id: int):
    document = access.document_for(request.workspace, document_id)
    chunks = Paginator(selectors.chunks_of(document=document), CHUNKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "document": document,
        "chunks": chunks,
        "embedding_model": embeddings.model_name(),
    }
    template = "knowledge/partials/document_section.html" if request.htmx else "knowledge/document.html"
    return render(request, template, context)


@require_GET
@workspace_view()
def document_original(request, document_id: int):
    """The file as uploaded. Always a download, never rendered: an HTML upload must not run
    in the console's origin."""
    document = access.document_for(request.workspace, document_id)
    content = selectors.document_original(document=document)
    file_name = get_valid_filename(document.file_name or f"{document.title}.txt") or "document"
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_GET
@workspace_view()
def knowledge_search(request):
    """What the assistant would retrieve for a question, with both scores."""
    form = SearchForm(request.GET or None)
    passages = None
    if form.is_valid():
        question = form.cleaned_data["q"]
        passages = retrieval.passages_for(workspace=request.workspace, query=question, limit=SEARCH_RESULTS)
    status = 422 if form.errors else 200
    if request.htmx:
        context = {"search_form": form, "passages": passages}
        return render(request, "knowledge/partials/search_section.html", context, status=status)
    return _page(request, search_form=form, passages=passages, status=status)
