"""/demo/: the home page of Pulsar, the demo workspace's imaginary product, with the widget
embedded as a customer would embed it. Served by ChatAssist itself, whose own origin the chat
server accepts, so that anyone who runs ``make run`` can chat as a customer would."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Workspace

DEMO_SLUG = "demo"
# A test hook as much as a tool: ?transport=http shows the HTTP + SSE fallback at work.
TRANSPORTS = ("ws", "http")


def demo_workspace() -> Workspace | None:
    return Workspace.objects.filter(slug=DEMO_SLUG).first()


@require_GET
def demo(request):
    workspace = demo_workspace()
    if workspace is None:
        return render(request, "demo.html", {"workspace": None}, status=404)
    transport = request.GET.get("transport", "")
    context = {"workspace": workspace, "transport": transport if transport in TRANSPORTS else ""}
    return render(request, "demo.html", context)
