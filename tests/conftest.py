import contextlib

import pytest
import redis
from django.conf import settings
from django.test import Client
from limits.errors import StorageError

from accounts.models import Role
from chatassist.db_threads import connections_close_all
from conversations.chat.limits import limits_reset
from tests.factories import make_api_key, make_member, make_workspace


@pytest.fixture(scope="session", autouse=True)
def _scratch_redis():
    """The suite's own Redis db starts empty (only when the suite owns it, see chatassist.testing)."""
    import os

    if os.environ.get("CHATASSIST_TEST_REDIS_IS_SCRATCH") == "1":
        redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture(autouse=True)
def _chat_limits_reset():
    """Each test starts with no chat rate-limit counts: the suite's clients all share one
    address, and the per-address limits would otherwise carry from test to test."""
    with contextlib.suppress(StorageError):  # a test that stopped Redis: the limits fail open
        limits_reset()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The chat's database threads keep their connections: closed before the test database
    is dropped, or PostgreSQL refuses to drop it."""
    yield
    connections_close_all()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's million rounds are the point in production and pure waiting time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def workspace(db):
    return make_workspace(name="Acme")


@pytest.fixture
def other_workspace(db):
    return make_workspace(name="Globex")


@pytest.fixture
def owner(workspace):
    """An admin of ``workspace``."""
    return make_member(workspace=workspace, role=Role.ADMIN).user


@pytest.fixture
def agent(workspace):
    return make_member(workspace=workspace, role=Role.AGENT).user


@pytest.fixture
def viewer(workspace):
    return make_member(workspace=workspace, role=Role.VIEWER).user


@pytest.fixture
def outsider(other_workspace):
    """An admin of another workspace, who should have no access to ``workspace``."""
    return make_member(workspace=other_workspace, role=Role.ADMIN).user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return logged_in(owner)


@pytest.fixture
def api_key_for_role(workspace):
    """Raw API keys of ``workspace`` by role, made on demand."""

    def make(role: str) -> str:
        return make_api_key(workspace=workspace, role=role, name=f"{role} key")[1]

    return make


def bearer(raw_key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


@pytest.fixture
def vendor_server():
    """A local server speaking Anthropic's and OpenAI's protocols (assistant/testing)."""
    from assistant.testing.vendor_server import VendorServer

    with VendorServer() as server:
        yield server


@pytest.fixture
def offline_only(settings):
    """Answers come from the offline provider only."""
    settings.ASSISTANT_PROVIDER = "offline"
    settings.ASSISTANT_FALLBACK_PROVIDER = "offline"


@pytest.fixture
def anthropic_on_vendor_server(settings, vendor_server):
    """Anthropic on the vendor server, offline as fallback, one attempt each: retries and
    their back-off are the assistant's own tests."""
    settings.ASSISTANT_PROVIDER = "anthropic"
    settings.ASSISTANT_FALLBACK_PROVIDER = "offline"
    settings.ANTHROPIC_API_KEY = "sk-ant-test-key"
    settings.ANTHROPIC_BASE_URL = vendor_server.anthropic_base_url
    settings.ANTHROPIC_MODEL = "claude-sonnet-4-6"
    settings.ASSISTANT_MAX_ATTEMPTS = 1
    return vendor_server


# The embedding model and the indexed Pulsar help centre, for knowledge, prompts and turns.
from tests.knowledge.fixtures import embedding_model, help_centre  # noqa: E402, F401

# Real Celery worker processes, for tests where delivery and crashes are the point.
from tests.live_workers import live_worker  # noqa: E402, F401
