"""Prompt pages: versions and their history, the editor with live preview, the diff, the sandbox."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import workspace_view
from prompts import access, selectors, services
from prompts.diffing import prompt_version_diff
from prompts.forms import CompareForm, PromptVersionForm, SandboxForm
from prompts.preview import prompt_preview_text
from prompts.sandbox import sandbox_response


@require_GET
@workspace_view()
def prompts_home(request):
    versions = selectors.prompt_versions_of(workspace=request.workspace)
    active = next((version for version in versions if version.is_active), None)
    return render(request, "prompts/home.html", {"versions": versions, "active": active})


@require_GET
@workspace_view()
def prompt_version_detail(request, version_id: int):
    prompt_version = access.prompt_version_for(request.workspace, version_id)
    context = {"prompt_version": prompt_version, "preview": prompt_preview_text(prompt_version)}
    return render(request, "prompts/detail.html", context)


@require_http_methods(["GET", "POST"])
@workspace_view("can_edit_prompts")
def prompt_version_new(request):
    if request.method == "POST":
        form = PromptVersionForm(request.POST)
        if form.is_valid():
            activate = request.POST.get("activate") == "on"
            prompt_version = services.prompt_version_create(
                workspace=request.workspace, author=request.user, activate=activate, **form.version_fields()
            )
            state = "saved and active" if prompt_version.is_active else "saved (not active yet)"
            messages.success(request, f"Version {prompt_version.number} {state}.")
            return redirect(
                "prompt_version_detail", workspace_slug=request.workspace.slug, version_id=prompt_version.pk
            )
    else:
        base_id = request.GET.get("from", "")
        base = access.prompt_version_for(request.workspace, base_id) if base_id.isdigit() else None
        form = PromptVersionForm(base=base or selectors.active_prompt_version(workspace=request.workspace))
    context = {"form": form, "known_models": PromptVersionForm.known_models()}
    return render(request, "prompts/editor.html", context, status=422 if form.errors else 200)


@require_POST
@workspace_view("can_edit_prompts")
def prompt_version_activate(request, version_id: int):
    prompt_version = services.prompt_version_activate(
        prompt_version=access.prompt_version_for(request.workspace, version_id)
    )
    messages.success(request, f"Version {prompt_version.number} is now active: new answers use it.")
    return redirect("prompts", workspace_slug=request.workspace.slug)


@require_GET
@workspace_view()
def prompt_version_compare(request):
    form = CompareForm(request.GET)
    if not form.is_valid():
        return render(request, "prompts/diff.html", {"form": form}, status=400)
    old = access.prompt_version_for(request.workspace, form.cleaned_data["old"])
    new = access.prompt_version_for(request.workspace, form.cleaned_data["new"])
    context = {"old": old, "new": new, "diffs": prompt_version_diff(old=old, new=new), "form": form}
    return render(request, "prompts/diff.html", context)


@require_POST
@workspace_view("can_edit_prompts")
def prompt_preview(request):
    form = PromptVersionForm(request.POST)
    if not form.is_valid():
        return render(request, "prompts/partials/preview.html", {"form": form}, status=422)
    return render(
        request, "prompts/partials/preview.html", {"preview": prompt_preview_text(form.draft(request.workspace))}
    )


@require_POST
@workspace_view("can_edit_prompts")
def prompt_sandbox(request):
    """Run the editor's draft on a test question; the answer streams back as SSE."""
    form = SandboxForm(request.POST)
    if not form.is_valid():
        errors = {field: [str(error) for error in errors] for field, errors in form.errors.items()}
        first = next(iter(errors.items()))
        return JsonResponse({"code": "invalid", "detail": f"{first[0]}: {first[1][0]}", "fields": errors}, status=422)
    draft = form.draft(request.workspace)
    return sandbox_response(workspace=request.workspace, prompt_version=draft, question=form.cleaned_data["question"])
