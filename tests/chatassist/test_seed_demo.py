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
