"""The escalation rules page, mounted under /w/<workspace_slug>/rules/: the rules in the order
they run, enable/disable and move (htmx), the editor, each rule's history, and a dry run.

Admins only (``can_edit_rules``): agents and viewers get 403, other workspaces 404. htmx
requests get the section they changed; plain form posts redirect."""

import functools
import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import workspace_view
from escalations import access, selectors, services
from escalations.engine import conditions_summary
from escalations.errors import EscalationError, RuleInvalid
from escalations.forms import DryRunForm, RuleForm


def _domain_errors(view):
    """A refused change (a rule deleted meanwhile, a bad move) is a 4xx with its sentence: a
    partial for htmx, a notice on the rules page otherwise. Never a 500."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except EscalationError as error:
            if request.htmx:
                return render(request, "escalations/partials/error.html", {"error": error}, status=error.status)
            messages.error(request, error.message)
            return redirect("rules", workspace_slug=request.workspace.slug)

    return wrapper


def _rules_context(workspace) -> dict:
    rules = list(selectors.rules_of(workspace=workspace))
    return {"rows": [(rule, conditions_summary(rule.conditions)) for rule in rules]}


def _rules_section(request, *, notice: str):
    if not request.htmx:
        messages.success(request, notice)
        return redirect("rules", workspace_slug=request.workspace.slug)
    context = {**_rules_context(request.workspace), "notice": notice}
    return render(request, "escalations/partials/rules_section.html", context)


@require_GET
@workspace_view("can_edit_rules")
def rules(request):
    context = _rules_context(request.workspace)
    if request.htmx:
        return render(request, "escalations/partials/rules_section.html", context)
    return render(request, "escalations/rules.html", {**context, "dry_run_form": DryRunForm()})


def _rule_form_page(request, form: RuleForm, rule=None):
    return render(
        request, "escalations/rule_form.html", {"form": form, "rule": rule}, status=422 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@workspace_view("can_edit_rules")
@_domain_errors
def rule_new(request):
    form = RuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(workspace=request.workspace, actor=request.user, **form.rule_fields())
        except RuleInvalid as error:
            form.add_rule_invalid(error)
        else:
            messages.success(request, f"Rule “{rule.name}” created, last in the order.")
            return redirect("rules", workspace_slug=request.workspace.slug)
    return _rule_form_page(request, form)


@require_http_methods(["GET", "POST"])
@workspace_view("can_edit_rules")
@_domain_errors
def rule_edit(request, rule_id: int):
    rule = access.rule_for(request.workspace, rule_id)
    form = RuleForm(request.POST) if request.method == "POST" else RuleForm.for_rule(rule)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_update(rule=rule, actor=request.user, **form.rule_fields())
        except RuleInvalid as error:
            form.add_rule_invalid(error)
        else:
            messages.success(request, f"Rule “{rule.name}” saved.")
            return redirect("rules", workspace_slug=request.workspace.slug)
    return _rule_form_page(request, form, rule)


@require_GET
@workspace_view("can_edit_rules")
def rule_history(request, rule_id: int):
    rule = access.rule_for(request.workspace, rule_id)
    versions = [
        (version, json.dumps(version.snapshot, indent=2, ensure_ascii=False))
        for version in selectors.rule_versions_of(rule=rule)
    ]
    return render(request, "escalations/rule_history.html", {"rule": rule, "versions": versions})


@require_POST
@workspace_view("can_edit_rules")
@_domain_errors
def rule_set_enabled(request, rule_id: int):
    rule = access.rule_for(request.workspace, rule_id)
    enabled = request.POST.get("enabled") == "on"
    rule = services.rule_set_enabled(rule=rule, actor=request.user, enabled=enabled)
    return _rules_section(request, notice=f"“{rule.name}” {'enabled' if rule.enabled else 'disabled'}.")


@require_POST
@workspace_view("can_edit_rules")
@_domain_errors
def rule_move(request, rule_id: int):
    rule = access.rule_for(request.workspace, rule_id)
    direction = request.POST.get("direction", "")
    services.rule_move(rule=rule, actor=request.user, direction=direction)
    return _rules_section(request, notice=f"“{rule.name}” moved {direction}.")


@require_POST
@workspace_view("can_edit_rules")
@_domain_errors
def rule_delete(request, rule_id: int):
    rule = services.rule_delete(rule=access.rule_for(request.workspace, rule_id), actor=request.user)
    return _rules_section(request, notice=f"“{rule.name}” deleted. Its history is kept.")


@require_POST
@workspace_view("can_edit_rules")
def rules_dry_run(request):
    form = DryRunForm(request.POST)
    match = services.dry_run(workspace=request.workspace, **form.run_arguments()) if form.is_valid() else None
    context = {"dry_run_form": form, "match": match, "ran": form.is_valid()}
    if request.htmx:
        return render(request, "escalations/partials/dry_run.html", context, status=422 if form.errors else 200)
    context |= _rules_context(request.workspace)
    return render(request, "escalations/rules.html", context, status=422 if form.errors else 200)
