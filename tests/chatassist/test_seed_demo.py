import json
import stat

import pytest
from django.core.management import call_command

from accounts.models import Membership, Role, User, Workspace

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_workspace_with_three_roles_and_is_idempotent(tmp_path, capsys):
    credentials = tmp_path / "demo-credentials.json"
    call_command("seed_demo", credentials_file=credentials)
    first = capsys.readouterr().out
    call_command("seed_demo", credentials_file=credentials)
    second = capsys.readouterr().out

    workspace = Workspace.objects.get(slug="demo")
    roles = dict(Membership.objects.filter(workspace=workspace).values_list("user__email", "role"))
    assert sorted(roles.values()) == sorted([Role.ADMIN, Role.AGENT, Role.VIEWER])
    assert User.objects.count() == 3
    passwords = json.loads(credentials.read_text())
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    for email, password in passwords.items():
        assert User.objects.get(email=email).check_password(password)
        assert password in first and password in second
    assert "already there" in second


def test_seed_demo_indexes_the_help_centre_once_and_it_is_searchable(capsys):
    from chatassist.management.commands.seed_demo import HELP_CENTRE_DIR
    from knowledge.models import Document, DocumentStatus
    from knowledge.retrieval import passages_for

    articles = len(list(HELP_CENTRE_DIR.glob("*.md")))
    assert 8 <= articles <= 12
    call_command("seed_demo")
    first = capsys.readouterr().out
    workspace = Workspace.objects.get(slug="demo")
    documents = Document.objects.filter(workspace=workspace)
    assert documents.count() == articles
    assert set(documents.values_list("status", flat=True)) == {DocumentStatus.READY}
    assert all(document.chunk_count > 1 for document in documents)
    assert f"Help centre: {articles} article(s) added" in first

    # Re-running adds nothing; a deleted article (matched by title) comes back on its own.
    documents.get(title="Refunds and credits").delete()
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert f"Help centre: 1 article(s) added to the knowledge base, {articles - 1} already there." in second
    assert "already there. Log in with:" in second
    assert Document.objects.filter(workspace=workspace).count() == articles

    passages = passages_for(workspace=workspace, query="How do I download my invoice?")
    assert (passages[0].document_title, passages[0].section) == ("Invoices and payments", "Download an invoice")
    assert (
        passages_for(workspace=workspace, query="refund on an annual plan")[0].document_title == "Refunds and credits"
    )


def test_the_demo_prompt_is_the_default_written_for_pulsar(tmp_path):
    from prompts.models import PromptVersion

    call_command("seed_demo", credentials_file=tmp_path / "credentials.json")
    version = PromptVersion.objects.get(workspace__slug="demo")
    assert (version.number, version.is_active) == (1, True)
    assert "support assistant of Pulsar" in version.system_prompt
    assert [pair["customer"] for pair in version.examples] == [
        "I lost my API key, how do I reset it?",
        "Where can I download my invoices?",
    ]


def test_seed_demo_sets_up_the_widget_and_keeps_what_an_admin_changed(tmp_path):
    from chatassist.management.commands.seed_demo import DEMO_WIDGET

    call_command("seed_demo", credentials_file=tmp_path / "credentials.json")
    workspace = Workspace.objects.get(slug="demo")
    assert workspace.widget_welcome_message.startswith("Hi! I'm Pulsar's assistant.")
    assert workspace.widget_suggestions == DEMO_WIDGET["widget_suggestions"]
    assert len(workspace.widget_suggestions) == 3
    assert workspace.widget_color == "#6d28d9"

    workspace.widget_welcome_message = "Edited by an admin."
    workspace.save()
    call_command("seed_demo", credentials_file=tmp_path / "credentials.json")
    workspace.refresh_from_db()
    assert workspace.widget_welcome_message == "Edited by an admin."
    assert workspace.widget_suggestions == DEMO_WIDGET["widget_suggestions"]
