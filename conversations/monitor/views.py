"""The agent monitor's pages, mounted under /w/<workspace_slug>/monitor/: the four tabs of
live conversations, and one conversation's live view with the agent's actions.

Admins and agents only (``can_view_conversations``; acting needs ``can_reply``): viewers get
403, other workspaces' ids 404. Pages are rendered whole; htmx asks for the parts that changed
when the page's sockets say so (static/js/monitor.js). Plain form posts work too: they
redirect back with a notice."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.access import workspace_view
from accounts.errors import DomainError
from conversations import access, agent_actions, triage
from conversations.chat.payloads import conversation_state
from conversations.monitor import selectors
from conversations.monitor.forms import NOTE, ComposerForm, TriageForm, new_client_id

# After a change, the page fetches what is new even when its socket is down (an action's
# answer is the panel itself; a message sent may have changed it too).
MESSAGES_CHANGED = '{"monitor-messages": null}'
MESSAGES_AND_PANEL_CHANGED = '{"monitor-messages": null, "monitor-panel": null}'


@require_GET
@workspace_view("can_view_conversations")
def monitor(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in selectors.TAB_KEYS else "active"
    counts = selectors.tab_counts(workspace=request.workspace)
    context = {
        "tab": tab,
        "tabs": [(key, label, counts.get(key)) for key, label in selectors.TABS],
        "rows": selectors.monitor_rows(workspace=request.workspace, tab=tab),
    }
    template = (
        "conversations/monitor/partials/monitor_section.html" if request.htmx else "conversations/monitor/monitor.html"
    )
    return render(request, template, context)


@require_GET
@workspace_view("can_view_conversations")
def escalations(request):
    """The console's Escalations section: the monitor's Queue tab, where agents claim what waits
    for a person (and the Escalations tab beside it holds every escalation, claimed or done)."""
    return redirect(f"{reverse('monitor', args=[request.workspace.slug])}?tab=queue")


def _panel_context(conversation, *, triage_form=None, error: str = "") -> dict:
    escalation = selectors.escalation_for_monitor(conversation=conversation)
    return {
        "conversation": conversation,
        "state": conversation_state(conversation),
        "escalation": escalation,
        "escalation_waited": selectors.duration_text(escalation.waiting_time.total_seconds()) if escalation else "",
        "triage_form": triage_form
        or TriageForm(
            initial={
                "priority": conversation.priority,
                "tags": ", ".join(conversation.tags),
                "topic": conversation.topic,
            }
        ),
        "error": error,
    }


@require_GET
@workspace_view("can_view_conversations")
def monitor_conversation(request, conversation_id: int):
    conversation = access.conversation_for(request.workspace, conversation_id)
    context = {
        **_panel_context(conversation),
        "transcript": selectors.transcript_for_agents(conversation=conversation),
        "transcript_limit": selectors.TRANSCRIPT_LIMIT,
        "composer": ComposerForm(initial={"client_id": new_client_id()}),
    }
    return render(request, "conversations/monitor/conversation.html", context)


@require_GET
@workspace_view("can_view_conversations")
def monitor_messages(request, conversation_id: int):
    """The messages (and notes) after message ``after``, as list items to append."""
    conversation = access.conversation_for(request.workspace, conversation_id)
    after = request.GET.get("after", "0")
    after_id = int(after) if after.isdigit() and len(after) < 19 else 0
    transcript = selectors.transcript_for_agents(conversation=conversation, after_id=after_id)
    return render(
        request,
        "conversations/monitor/partials/messages.html",
        {"transcript": transcript, "conversation": conversation},
    )


@require_GET
@workspace_view("can_view_conversations")
def monitor_panel(request, conversation_id: int):
    conversation = access.conversation_for(request.workspace, conversation_id)
    return render(request, "conversations/monitor/partials/panel.html", _panel_context(conversation))


def _panel_response(request, conversation, *, notice: str = "", error: DomainError | None = None, triage_form=None):
    """htmx gets the panel (409/422 with the reason when refused); a plain post, a redirect."""
    if not request.htmx:
        if error is not None:
            messages.error(request, error.message)
        elif notice:
            messages.success(request, notice)
        return redirect("monitor_conversation", workspace_slug=request.workspace.slug, conversation_id=conversation.pk)
    conversation = access.conversation_for(request.workspace, conversation.pk)
    context = _panel_context(conversation, triage_form=triage_form, error=error.message if error else "")
    status = error.status if error is not None else (422 if triage_form is not None and triage_form.errors else 200)
    response = render(request, "conversations/monitor/partials/panel.html", context, status=status)
    response["HX-Trigger"] = MESSAGES_CHANGED
    return response


def _action(service, notice: str):
    @require_POST
    @workspace_view("can_reply")
    def view(request, conversation_id: int):
        conversation = access.conversation_for(request.workspace, conversation_id)
        try:
            service(conversation=conversation, user=request.user)
        except DomainError as error:
            return _panel_response(request, conversation, error=error)
        return _panel_response(request, conversation, notice=notice)

    view.__name__ = service.__name__
    return view


monitor_take_over = _action(agent_actions.conversation_take_over, "You have this conversation now.")
monitor_hand_back = _action(agent_actions.conversation_hand_back, "Handed back to the AI.")
monitor_resolve = _action(agent_actions.conversation_resolve_by_agent, "Resolved.")
monitor_close = _action(agent_actions.conversation_close, "Closed.")


@require_POST
@workspace_view("can_reply")
def monitor_triage(request, conversation_id: int):
    conversation = access.conversation_for(request.workspace, conversation_id)
    form = TriageForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, "Check the priority, tags and topic.")
        return _panel_response(request, conversation, triage_form=form)
    triage.conversation_triage(conversation=conversation, actor=request.user, **form.cleaned_data)
    return _panel_response(request, conversation, notice="Saved.")


@require_POST
@workspace_view("can_reply")
def monitor_send(request, conversation_id: int):
    """A reply to the customer or an internal note, from the reply box."""
    conversation = access.conversation_for(request.workspace, conversation_id)
    form, error = ComposerForm(request.POST), None
    if form.is_valid():
        action = agent_actions.note_add if form.cleaned_data["kind"] == NOTE else agent_actions.agent_reply
        try:
            action(conversation=conversation, user=request.user, **form.message())
        except DomainError as refused:
            error = refused
        else:
            form = ComposerForm(initial={"client_id": new_client_id(), "kind": form.cleaned_data["kind"]})
    if not request.htmx:
        if form.errors:
            messages.error(request, " ".join(form.errors.get("text", ["Reload the page and try again."])))
        return _panel_response(request, conversation, error=error, notice="" if form.errors else "Sent.")
    context = {"composer": form, "conversation": conversation, "error": error.message if error else ""}
    status = error.status if error is not None else (422 if form.errors else 200)
    response = render(request, "conversations/monitor/partials/composer.html", context, status=status)
    response["HX-Trigger"] = MESSAGES_AND_PANEL_CHANGED
    return response
