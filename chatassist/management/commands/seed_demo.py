"""``manage.py seed_demo``: the "Demo" workspace with an admin, an agent and a viewer, the
help centre of its product, Pulsar, indexed in its knowledge base, and its widget (shown on
/demo/) greeting customers with Pulsar's questions.

Idempotent: articles already present (by title) are left alone; widget settings an admin has
changed are kept. New users get random
passwords, printed once; with ``--credentials-file`` they are also kept in that file
(mode 600) so that the next ``make run`` can print them again."""

import json
import re
import secrets
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Role, User, Workspace
from knowledge import services as knowledge_services
from knowledge.models import Document, DocumentStatus
from prompts.models import PromptVersion
from prompts.services import prompt_version_seed_default

DEMO_USERS = [
    ("admin@demo.chatassist.test", "Ada Admin", Role.ADMIN),
    ("agent@demo.chatassist.test", "Alex Agent", Role.AGENT),
    ("viewer@demo.chatassist.test", "Vic Viewer", Role.VIEWER),
]
DEMO_PRODUCT = "Pulsar"
DEMO_WIDGET = {
    "widget_color": "#6d28d9",
    "widget_welcome_message": "Hi! I'm Pulsar's assistant. Ask me about tracking, funnels, billing or your account.",
    "widget_suggestions": [
        "How do I reset my API key?",
        "Where can I download my invoices?",
        "What's included in the Growth plan?",
    ],
}
# One Markdown file per article; its first "# " line is the title.
HELP_CENTRE_DIR = Path(__file__).resolve().parents[2] / "demo_content" / "help_centre"


class Command(BaseCommand):
    help = "Create the Demo workspace with an admin, an agent and a viewer, and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--credentials-file", type=Path, help="Keep generated passwords in this file (mode 600).")
        parser.add_argument("--reset-passwords", action="store_true", help="Give the demo users new passwords.")

    @transaction.atomic
    def handle(self, *args, credentials_file: Path | None = None, reset_passwords: bool = False, **options):
        known = self._read(credentials_file)
        workspace, created = Workspace.objects.get_or_create(
            slug="demo",
            defaults={"name": "Demo", "allowed_origins": ["http://127.0.0.1:8000", "http://localhost:8000"]},
        )
        lines = []
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            password = known.get(email)
            if user is None or reset_passwords:
                password = secrets.token_urlsafe(12)
                if user is None:
                    user = User.objects.create_user(email=email, password=password, name=name)
                else:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                known[email] = password
            Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
            shown = password or "(unchanged; run `manage.py seed_demo --reset-passwords` for a new one)"
            lines.append(f"  {role.label:<7} {email:<30} {shown}")
        self._write(credentials_file, known)
        state = "created" if created else "already there"
        self.stdout.write(f"Demo workspace {state}. Log in with:\n" + "\n".join(lines))
        if created:
            self._seed_prompt(workspace)
        seed_demo_widget(workspace)
        self._seed_help_centre(workspace)

    def _seed_prompt(self, workspace: Workspace) -> None:
        """The demo's first version is the default, written for its product. The generic one
        the new workspace was just given has never answered anything, so it is replaced."""
        PromptVersion.objects.filter(workspace=workspace).delete()
        prompt_version_seed_default(workspace=workspace, company=DEMO_PRODUCT)

    def _seed_help_centre(self, workspace: Workspace) -> None:
        """Index the articles that are missing, here and now: the demo must answer from its
        first page load, and the worker may not be running yet."""
        present = set(Document.objects.filter(workspace=workspace).values_list("title", flat=True))
        admin = User.objects.filter(email=DEMO_USERS[0][0]).first()
        added = skipped = 0
        articles = sorted(HELP_CENTRE_DIR.glob("*.md"))
        for path in articles:
            content = path.read_bytes()
            title = article_title(content) or path.stem
            if title in present:
                skipped += 1
                continue
            document = knowledge_services.document_create(
                workspace=workspace,
                created_by=admin,
                content=content,
                file_name=path.name,
                title=title,
                queue_ingestion=False,
            )
            document = knowledge_services.document_ingest(document_id=document.pk)
            if document is None or document.status != DocumentStatus.READY:
                reason = document.failure_reason if document else "another run was indexing it"
                self.stderr.write(f"  Help-centre article “{title}” was not indexed: {reason}")
                continue
            added += 1
        self.stdout.write(f"Help centre: {added} article(s) added to the knowledge base, {skipped} already there.")

    def _read(self, path: Path | None) -> dict[str, str]:
        if path and path.exists():
            return json.loads(path.read_text())
        return {}

    def _write(self, path: Path | None, credentials: dict[str, str]) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(credentials, indent=2))


def seed_demo_widget(workspace: Workspace) -> Workspace:
    """Pulsar's colour, greeting and suggestions, for each setting still at its default."""
    changed = []
    for name, value in DEMO_WIDGET.items():
        default = Workspace._meta.get_field(name).get_default()
        if getattr(workspace, name) == default:
            setattr(workspace, name, value)
            changed.append(name)
    if changed:
        workspace.save(update_fields=changed)
    return workspace


def article_title(content: bytes) -> str:
    match = re.search(r"^#[ \t]+(.+?)[ \t#]*$", content.decode("utf-8", errors="replace"), re.MULTILINE)
    return match.group(1).strip() if match else ""
