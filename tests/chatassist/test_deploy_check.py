"""Production settings pass ``manage.py check --deploy --fail-level WARNING``, and the
settings read every knob, secrets included, from the environment or a ``*_FILE``."""

import os
import secrets
import subprocess
import sys

from chatassist import embedded

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "chat.example.com",
    "PUBLIC_URL": "https://chat.example.com",
    "EMAIL_URL": "smtp+tls://chatassist:password@smtp.example.com:587",
}


def _manage(*args, env_changes, drop=("HTTPS", "STATIC_MANIFEST", "SECRET_KEY", "SECRET_KEY_FILE")):
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=embedded.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_changes=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_a_shared_secret_key(tmp_path):
    changes = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    changes["CHATASSIST_DATA_DIR"] = str(tmp_path)  # the locally generated key lands here
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_changes=changes)
    assert result.returncode != 0
    assert "chatassist.W001" in result.stdout + result.stderr


def test_check_deploy_warns_when_email_would_only_be_logged():
    changes = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_URL"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_changes=changes)
    assert result.returncode != 0
    assert "chatassist.W002" in result.stdout + result.stderr


def test_check_deploy_catches_debug_in_production():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_changes={**PRODUCTION, "DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_secrets_can_come_from_files(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 20 + secrets.token_urlsafe(48) + "\n")
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = _manage("shell", "-c", script, env_changes={**PRODUCTION, "SECRET_KEY_FILE": str(key_file)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == key_file.read_text().strip()


def test_an_unreadable_secret_file_is_a_clear_error(tmp_path):
    result = _manage("check", env_changes={**PRODUCTION, "SECRET_KEY_FILE": str(tmp_path / "missing")})
    assert result.returncode != 0
    assert "SECRET_KEY_FILE points at" in result.stderr
