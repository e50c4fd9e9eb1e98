"""``manage.py seed_demo``: the "Demo" workspace with an admin, an agent and a viewer.

Idempotent. New users get random passwords, printed once; with ``--credentials-file`` they
are also kept in that file (mode 600) so that the next ``make run`` can print them again."""

import json
import secrets
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Role, User, Workspace

DEMO_USERS = [
    ("admin@demo.chatassist.test", "Ada Admin", Role.ADMIN),
    ("agent@demo.chatassist.test", "Alex Agent", Role.AGENT),
    ("viewer@demo.chatassist.test", "Vic Viewer", Role.VIEWER),
]


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
