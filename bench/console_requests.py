"""Server-side time of the console's pages and the REST API, through Django's test client
against the real database (the embedded PostgreSQL unless DATABASE_URL is set)."""

import os
import time

import django

from bench._stats import summary_ms

ROUNDS = 200


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    # The test client's host; setup_test_environment() would add it but also instrument
    # template rendering, which would inflate every number here.
    os.environ["ALLOWED_HOSTS"] = "testserver"
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from accounts import services
    from accounts.models import Role, User, Workspace

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    test_database = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        owner = User.objects.create_user(email="bench@example.com", password="bench password")
        workspace = services.workspace_create(name="Bench", owner=owner)
        Workspace.objects.filter(pk=workspace.pk).update(seat_limit=1000)
        for number in range(30):
            member = User.objects.create_user(email=f"member{number}@example.com", password="x")
            services.invitation_create(
                workspace=workspace, invited_by=owner, email=f"invitee{number}@example.com", role=Role.AGENT
            )
            workspace.memberships.create(user=member, role=Role.AGENT)
        _, raw_key = services.api_key_create(workspace=workspace, created_by=owner, name="bench", role=Role.ADMIN)
        client = Client()
        client.force_login(owner)
        cases = {
            "GET team page (31 members, 30 invitations)": lambda: client.get(f"/w/{workspace.slug}/team/"),
            "GET dashboard": lambda: client.get(f"/w/{workspace.slug}/"),
            "GET /api/v1/members/ (API key)": lambda: client.get(
                "/api/v1/members/", HTTP_AUTHORIZATION=f"Bearer {raw_key}"
            ),
        }
        for name, call in cases.items():
            assert call().status_code == 200
            samples = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                call()
                samples.append(time.perf_counter() - started)
            print(f"{name:<45} {summary_ms(samples)}")
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)


if __name__ == "__main__":
    main()
