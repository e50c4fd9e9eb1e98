"""The API answers as its OpenAPI schema says (issue 12, item 12).

A schemathesis run found 28 status codes the schema did not list, 5 invalid inputs accepted
(``page_size=null``, ``format=``, ``topic: 0``, …) and 3 valid ones refused (a PATCH without
``role``, unknown fields, NUL in a search); a deleted invitation could still be read. Here a
bounded, seeded schemathesis run with every check goes through the REST API in-process,
against a workspace with real data, and every error each endpoint, REST or chat, really
returns is checked against the responses its schema documents."""

import re

import pytest
import requests
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from accounts.models import ApiKey, Role, hash_token
from chatassist.testing import schemathesis_hooks
from conversations.chat import limits
from tests.conftest import bearer
from tests.factories import (
    make_api_key,
    make_contact,
    make_conversation,
    make_invitation,
    make_member,
    make_message,
)
from tests.live_servers import live_daphne  # noqa: F401 - the fixture

SEED = 12
# Per operation: the coverage phase's fixed cases, then this many generated ones; about 620
# cases (760 requests with the checks' own probes, some seconds) in all.
FUZZ_EXAMPLES = 8
# The schema is loaded when the module is (schemathesis makes one test per operation from it),
# before any fixture: so the key the fixture stores is known in advance.
API_KEY_PREFIX = "ca_5c4e3a00"
API_KEY = f"{API_KEY_PREFIX}_schema-conformance-run-key"


@pytest.fixture
def api_key(workspace):
    """An admin key of a workspace with two members, a conversation and an invitation."""
    make_member(workspace=workspace, role=Role.ADMIN)
    make_member(workspace=workspace, role=Role.AGENT)
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="Where is my invoice?")
    make_invitation(workspace=workspace)
    return ApiKey.objects.create(
        workspace=workspace,
        name="Schemathesis",
        role=Role.ADMIN,
        prefix=API_KEY_PREFIX,
        secret_hash=hash_token(API_KEY),
        last_four=API_KEY[-4:],
    )


def app_in_the_test_transaction():
    """The WSGI app as served, except that it keeps the test's database connection open: Django
    closes connections around each request, which would end the test's transaction (Django's
    test Client does the same)."""
    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    app_in_the_test_transaction(),
    config=SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {API_KEY}"},
            "checks": {"enabled": True},
            # Valid and invalid data both (the CLI's default; pytest's is valid data only).
            "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
        }
    ),
)


# The REST API (/api/v1/). The chat endpoints are checked below against their documented
# errors; a schemathesis run over them needs committed data (they read the database from
# their own threads), and it still finds what other items of issue 12 change there.
@schema.include(path_regex="^/api/v1/").parametrize()
@settings(suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, api_key):
    case.call_and_validate()


def test_a_revoked_invitation_is_gone_from_the_api(api_key):
    """Deleting is revoking; the invitation was still readable (as "revoked") afterwards."""
    client = Client(**bearer(API_KEY))
    created = client.post(
        "/api/v1/invitations/", {"email": "new@example.com", "role": "agent"}, content_type="application/json"
    )
    path = f"/api/v1/invitations/{created.json()['id']}/"
    assert client.delete(path).status_code == 204
    read = client.get(path)
    assert (read.status_code, read.json()["code"]) == (404, "not_found")
    assert client.delete(path).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/members/?page_size=null", None),
        ("get", "/api/v1/invitations/?page=0", None),
        ("get", "/api/v1/conversations/?status=", None),
        ("get", "/api/v1/conversations/{conversation_id}/export/?format=", None),
        ("patch", "/api/v1/conversations/{conversation_id}/", '{"topic": 0}'),
        ("patch", "/api/v1/conversations/{conversation_id}/", '{"priority": "3"}'),
    ],
)
def test_invalid_inputs_the_first_run_found_accepted_are_refused(api_key, method, path, body):
    """Each was answered 200 (page 1 of the default size, the Markdown export, "0" as a topic)."""
    url = path.format(conversation_id=api_key.workspace.conversations.get().pk)
    response = getattr(Client(), method)(url, body, content_type="application/json", **bearer(API_KEY))
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_valid_inputs_the_first_run_found_refused_are_described_as_the_api_takes_them(client, db):
    """A role change without a role, a triage field the API does not know, NUL in a search:
    the schema called each valid, the API refused it. The schema now says what the API takes."""
    document = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    components = document["components"]["schemas"]
    assert components["MemberRoleChange"]["required"] == ["role"]
    assert components["ConversationTriage"]["additionalProperties"] is False
    search = next(p for p in document["paths"]["/api/v1/conversations/"]["get"]["parameters"] if p["name"] == "q")
    assert re.fullmatch(search["schema"]["pattern"].strip("^$"), "refund\x00") is None
    assert re.fullmatch(search["schema"]["pattern"].strip("^$"), "refund policy")


def _documented(operation: dict, status: int) -> bool:
    response = operation["responses"].get(str(status))
    if response is None:
        return False
    return status < 400 or response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def _probes(path: str, method: str, operation: dict, keys: dict[str, str]):
    """Requests that each end in an error this operation can really return."""
    has_body = "requestBody" in operation
    query = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"}
    yield "no key", {}, {}
    yield "a key that is not valid", {}, bearer(f"{API_KEY_PREFIX}_{'x' * 30}")
    for role in ("viewer", "agent"):
        yield f"a {role} key", {}, bearer(keys[role])
    yield "an Accept header asking for XML", {}, {**bearer(API_KEY), "HTTP_ACCEPT": "application/xml"}
    if "{" in path:
        yield "an id of nothing", {"id": 999_999}, bearer(API_KEY)
    if "page" in query:
        yield "page 0", {"query": "page=0"}, bearer(API_KEY)
        yield "a page past the last", {"query": "page=999"}, bearer(API_KEY)
        yield "page_size=null", {"query": "page_size=null"}, bearer(API_KEY)
    for name in query - {"page", "page_size"}:
        yield f"{name} blank", {"query": f"{name}="}, bearer(API_KEY)
    if has_body:
        yield "a body that is a list", {"body": "[]"}, bearer(API_KEY)
        yield "a body that is not JSON", {"body": "role=agent", "content_type": "text/plain"}, bearer(API_KEY)
        yield "a body of nothing", {"body": "{}"}, bearer(API_KEY)


def test_each_error_an_endpoint_returns_is_in_its_schema(workspace, api_key, api_key_for_role):
    client = Client()
    documents = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()["paths"]
    # Domain refusals: the last admin cannot leave, an existing member cannot be invited.
    admin = workspace.memberships.get(role=Role.ADMIN)
    specific = [
        ("patch", "/api/v1/members/{member_id}/", admin.pk, '{"role": "agent"}', 409),
        ("delete", "/api/v1/members/{member_id}/", admin.pk, None, 409),
        ("post", "/api/v1/invitations/", None, f'{{"email": "{admin.user.email}", "role": "agent"}}', 409),
    ]
    keys = {role: api_key_for_role(role) for role in ("viewer", "agent")}
    ids = {"conversation_id": workspace.conversations.get().pk, "member_id": admin.pk}
    ids["invitation_id"] = workspace.invitations.get().pk
    seen = set()
    undocumented = []
    for path, operations in documents.items():
        for method, operation in operations.items():
            for name, how, headers in _probes(path, method, operation, keys):
                url = path.format(**{key: how.get("id", value) for key, value in ids.items()})
                url += f"?{how['query']}" if "query" in how else ""
                response = getattr(client, method)(
                    url, how.get("body"), content_type=how.get("content_type", "application/json"), **headers
                )
                seen.add(response.status_code)
                if response.status_code >= 400:
                    assert {"code", "detail"} <= set(response.json()), (method, url, name)
                if not _documented(operation, response.status_code):
                    undocumented.append(f"{method.upper()} {path} with {name}: {response.status_code}")
    for method, path, member_id, body, status in specific:
        response = getattr(client, method)(
            path.format(member_id=member_id), body, content_type="application/json", **bearer(API_KEY)
        )
        assert response.status_code == status, response.content
        seen.add(status)
        if not _documented(documents[path][method], status):
            undocumented.append(f"{method.upper()} {path}: {status}")
    assert undocumented == []
    # The probes did reach each kind of error.
    assert {400, 401, 403, 404, 406, 409, 415} <= seen


ORIGIN = "https://shop.example.com"


def _chat_probes(workspace, keys: dict[str, str], token: str, closed, limited) -> list[tuple]:
    """(method, path, body or query, headers, the status it must get): one for each error."""
    widget = {"HTTP_X_CHATASSIST_KEY": workspace.public_key, "HTTP_ORIGIN": ORIGIN}
    visitor = {**widget, "HTTP_X_CHATASSIST_VISITOR": token}
    elsewhere = {**visitor, "HTTP_ORIGIN": "https://evil.example.net"}
    unknown_key = {"HTTP_X_CHATASSIST_KEY": "pk_nope", "HTTP_ORIGIN": ORIGIN}
    big = '{"text": "' + "x" * 70_000 + '"}'
    message = '{"client_id": "m1", "text": "Hello"}'
    messages = "/api/chat/conversations/{}/messages"
    events = "/api/chat/conversations/{}/events"
    return [
        ("get", "/api/chat/config", None, unknown_key, 401),
        ("get", "/api/chat/config", None, elsewhere, 403),
        ("post", "/api/chat/hello", "{", widget, 400),
        ("post", "/api/chat/hello", "{}", unknown_key, 401),
        ("post", "/api/chat/hello", "{}", elsewhere, 403),
        ("post", "/api/chat/hello", big, widget, 413),
        ("post", "/api/chat", '{"client_id": "not one", "text": "Hello"}', visitor, 400),
        ("post", "/api/chat", message, widget, 401),
        ("post", "/api/chat", message, bearer(f"{API_KEY_PREFIX}_{'x' * 30}"), 401),
        ("post", "/api/chat", message, elsewhere, 403),
        ("post", "/api/chat", message, bearer(keys["viewer"]), 403),
        ("post", "/api/chat", '{"client_id": "m2", "text": "Hello", "conversation_id": 999999}', visitor, 404),
        (
            "post",
            "/api/chat",
            f'{{"client_id": "m3", "text": "Hello", "conversation_id": {closed.pk}, '
            f'"contact": {{"external_id": "{closed.contact.external_id}"}}}}',
            bearer(keys["admin"]),
            409,
        ),
        ("post", "/api/chat", big, visitor, 413),
        (
            "post",
            "/api/chat",
            f'{{"client_id": "m4", "text": "Hello", "contact": {{"external_id": "{limited.external_id}"}}}}',
            bearer(keys["admin"]),
            429,
        ),
        ("post", "/api/chat/frame", '{"type": "wave"}', visitor, 400),
        ("post", "/api/chat/frame", '{"type": "ping"}', widget, 401),
        ("post", "/api/chat/frame", '{"type": "ping"}', elsewhere, 403),
        ("post", "/api/chat/frame", '{"type": "resume", "conversation_id": 999999}', visitor, 404),
        ("post", "/api/chat/frame", big, visitor, 413),
        ("post", "/api/chat/attachments", {}, visitor, 400),
        ("post", "/api/chat/attachments", {"file": ("a.txt", b"")}, widget, 401),
        ("post", "/api/chat/attachments", {"file": ("a.txt", b"")}, elsewhere, 403),
        ("post", "/api/chat/attachments", {"file": ("big.txt", b"x" * 64)}, visitor, 413),
        ("post", "/api/chat/attachments", {"file": ("a.exe", b"MZ\x90\x00")}, visitor, 415),
        ("get", messages.format(1), "after_seq=x", visitor, 400),
        ("get", messages.format(1), None, widget, 401),
        ("get", messages.format(1), None, elsewhere, 403),
        ("get", messages.format(999999), None, visitor, 404),
        ("get", events.format(1), "after_seq=x", visitor, 400),
        ("get", events.format(1), None, widget, 401),
        ("get", events.format(1), None, elsewhere, 403),
        ("get", events.format(999999), None, visitor, 404),
    ]


@pytest.mark.django_db(transaction=True)
def test_each_error_a_chat_endpoint_returns_is_in_its_schema(workspace, api_key_for_role, settings):
    """The chat's HTTP endpoints were not in the schema at all; other helpers of issue 12 add
    errors to them (rate limits, refused text), which must stay documented."""
    settings.CHAT_MESSAGES_PER_MINUTE = 1
    settings.CHAT_ATTACHMENT_MAX_BYTES = 10
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    client = Client()
    documents = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()["paths"]
    hello = client.post(
        "/api/chat/hello",
        "{}",
        content_type="application/json",
        HTTP_X_CHATASSIST_KEY=workspace.public_key,
        HTTP_ORIGIN=ORIGIN,
    )
    closed = make_conversation(
        workspace=workspace, contact=make_contact(workspace=workspace, external_id="closed-1"), status="closed"
    )
    limited = make_contact(workspace=workspace, external_id="limited-1")
    limits.message_rate_check(workspace_id=workspace.pk, contact_id=limited.pk)  # the minute's one message
    keys = {role: api_key_for_role(role) for role in ("admin", "viewer")}
    undocumented = []
    for method, path, data, headers, status in _chat_probes(
        workspace, keys, hello.json()["visitor_token"], closed, limited
    ):
        if method == "get":
            response = client.get(f"{path}?{data}" if data else path, **headers)
        elif isinstance(data, dict):
            files = {name: SimpleUploadedFile(file_name, content) for name, (file_name, content) in data.items()}
            response = client.post(path, files, **headers)
        else:
            response = client.post(path, data, content_type="application/json", **headers)
        assert response.status_code == status, (method, path, response.content[:300])
        assert {"code", "detail"} <= set(response.json()), (method, path)
        template = path.replace("/1/", "/{conversation_id}/").replace("/999999/", "/{conversation_id}/")
        if not _documented(documents[template][method], status):
            undocumented.append(f"{method.upper()} {template}: {status} {response.json()['code']}")
    assert undocumented == []


@pytest.mark.django_db(transaction=True)
def test_a_chat_endpoint_refusing_a_method_says_which_it_allows(workspace):
    response = Client().get("/api/chat/hello", HTTP_X_CHATASSIST_KEY=workspace.public_key)
    assert (response.status_code, response["Allow"]) == (405, "POST, OPTIONS")


# --- the chat endpoints, fuzzed against a real server ----------------------------------------
# They read the database on their own threads (chatassist/db_threads.py), so they are fuzzed
# over HTTP against a daphne process that sees this test's committed data: once as the widget
# (public key, Origin, visitor token), once as a company's backend (API key). The event stream
# is left out: for a conversation of the caller's it stays open for minutes by design (its
# errors are checked above).
# Per operation and caller: the coverage phase's fixed cases (most of the run), then this many
# generated ones; about 1,100 requests per caller.
CHAT_FUZZ_EXAMPLES = 3
NO_LIMITS = dict.fromkeys(limits.LIMIT_SETTINGS, "0")


def _chat_schema(server, headers: dict[str, str], conversation_id: int):
    config = {
        "seed": SEED,
        "headers": headers,
        "checks": {
            "enabled": True,
            # As schemathesis.toml at the project root: 413 is a refusal too.
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "413",
                    "415",
                    "422",
                    "428",
                    "429",
                ]
            },
        },
        "generation": {"mode": "all", "max-examples": CHAT_FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
        "request-timeout": 20,
        "operations": [
            {
                "include-name": "GET /api/chat/conversations/{conversation_id}/messages",
                "parameters": {"conversation_id": conversation_id},
            }
        ],
    }
    schema = schemathesis.openapi.from_url(f"{server.url}/api/schema/", config=SchemathesisConfig.from_dict(config))
    return schema.include(path_regex="^/api/chat").exclude(path_regex="/events$")


@pytest.fixture
def chat_site(live_daphne, workspace):  # noqa: F811 - the fixture imported above
    """A daphne process (rate limits off: the run would mostly meet them) serving a workspace
    whose widget may run on ORIGIN, with a conversation for each kind of caller."""
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    server = live_daphne(ASSISTANT_PROVIDER="offline", **NO_LIMITS)
    _key, raw_key = make_api_key(workspace=workspace, role=Role.ADMIN)
    widget = {"X-ChatAssist-Key": workspace.public_key, "Origin": ORIGIN}
    token = requests.post(f"{server.url}/api/chat/hello", json={}, headers=widget, timeout=20).json()["visitor_token"]
    widget["X-ChatAssist-Visitor"] = token
    api = {"Authorization": f"Bearer {raw_key}"}
    first = {"client_id": "first", "text": "Where is my invoice?"}
    conversations = {}
    for name, headers, body in (
        ("widget", widget, first),
        ("api", api, {**first, "contact": {"external_id": schemathesis_hooks.CONTACT_EXTERNAL_ID}}),
    ):
        sent = requests.post(f"{server.url}/api/chat", json=body, headers=headers, timeout=20)
        assert sent.status_code == 201, sent.text
        conversations[name] = sent.json()["conversation_id"]
    return server, {"widget": widget, "api": api}, conversations


def _fuzz(schema) -> tuple[int, list[str]]:
    """Run schemathesis's engine (as the CLI does): the number of cases, and every failure."""
    cases, failures = 0, []
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == engine.Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        request = event.recorder.interactions.get(case_id)
                        sent = request.request.body if request is not None else None
                        failures.append(
                            f"{event.recorder.label} {failure.title}: {failure.message} (body {sent!r:.300})"
                        )
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            failures.append(repr(event.exception))
    return cases, failures


@pytest.mark.parametrize("caller", ["widget", "api"])
def test_every_chat_operation_answers_as_its_schema_says(chat_site, caller):
    """As the widget (public key, Origin, visitor token) and as a company's backend (API key)."""
    server, headers, conversations = chat_site
    cases, failures = _fuzz(_chat_schema(server, headers[caller], conversations[caller]))
    assert failures == []
    assert cases > 100
