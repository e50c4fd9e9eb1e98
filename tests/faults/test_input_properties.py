"""Arbitrary unicode in every text field of the chat protocol, over the widget's socket and
over HTTP (issue 12, item 3): whatever a field holds (NUL, half an emoji, other control and
private-use characters, any plane), the answer is the protocol's normal one or an error with
a ``code`` and a sentence. Never a closed socket, never a 500.

Bounded and seeded (``derandomize``): a few hundred examples, seconds, the same each run.
The conversation used is an agent's, so the AI never answers: the point is the input's path
to the database, not the model."""

import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from conversations import agent_actions
from conversations.chat import limits
from tests.conftest import bearer
from tests.conversations.widget_client import ORIGIN, widget_connect
from tests.factories import make_api_key, make_member
from tests.monitor.conftest import CUSTOMER_ID, customer_conversation, identity

pytestmark = pytest.mark.django_db(transaction=True)

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every character hypothesis knows, and, often, in the middle of such text, one of those that
# once broke a socket: NUL and either half of a surrogate pair alone (and a few other oddities).
ODD = ["\x00", "\ud83d", "\ude00", "\u2028", "\ufeff", "\x7f", "\U0010ffff"]
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=40)
TEXT = st.one_of(
    st.builds(lambda before, odd, after: before + odd + after, ANY_TEXT, st.sampled_from(ODD), ANY_TEXT),
    ANY_TEXT,
)
VALID_ID = st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True)
ERROR_CODE = re.compile(r"[a-z_]{3,40}")
SERVER_FRAMES = {"ready", "message.created", "conversation.updated", "typing", "status", "error", "pong"}


@pytest.fixture
def agents_conversation(workspace, settings):
    """The verified customer's conversation, taken over by an agent: the AI stays quiet."""
    # Hundreds of hellos, messages and frames a minute from one address, on purpose: every
    # rate limit off (tests/faults/test_limits_faults.py is where the limits are tested).
    for name in limits.LIMIT_SETTINGS:
        setattr(settings, name, 0)
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    conversation = customer_conversation(workspace)
    agent = make_member(workspace=workspace, role=Role.AGENT).user
    return agent_actions.conversation_take_over(conversation=conversation, user=agent)


def client_frames(conversation_id: int):
    """Client frames of every type, every string field drawn from ``TEXT`` (or sometimes
    valid), and now and then an unknown type or an extra field."""
    identity = st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {"user_id": TEXT, "user_hash": TEXT}, optional={"name": TEXT, "email": TEXT, "token": TEXT}
        ),
        st.fixed_dictionaries({"token": TEXT}),
    )
    client_id = st.one_of(VALID_ID, VALID_ID, TEXT)  # mostly valid, so that the text is what is judged
    message_send = st.fixed_dictionaries(
        {
            "type": st.just("message.send"),
            "client_id": client_id,
            "text": TEXT,
            "conversation_id": st.just(conversation_id),
        }
    )  # always into the agent's conversation: a new one would have the AI answer
    frames = st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("hello")},
            optional={"visitor_token": TEXT, "name": TEXT, "email": TEXT, "locale": TEXT, "identity": identity},
        ),
        message_send,
        message_send,
        st.fixed_dictionaries(
            {"type": st.just("csat"), "conversation_id": st.just(conversation_id), "score": st.integers(1, 5)},
            optional={"comment": TEXT},
        ),
        st.fixed_dictionaries(
            {"type": st.just("typing"), "conversation_id": st.just(conversation_id), "on": st.booleans()}
        ),
        st.fixed_dictionaries({"type": TEXT}),
    )
    extra = st.dictionaries(TEXT.filter(lambda key: key not in ("type", "conversation_id")), TEXT, max_size=2)
    return st.tuples(frames, extra).map(lambda pair: {**pair[1], **pair[0]})


def assert_protocol_answer(frame: dict) -> None:
    assert frame.get("type") in SERVER_FRAMES, frame
    if frame["type"] == "error":
        assert ERROR_CODE.fullmatch(frame["code"]), frame
        assert isinstance(frame["detail"], str) and frame["detail"], frame


def test_arbitrary_unicode_in_any_socket_frame_gets_an_answer_and_the_socket_stays_open(agents_conversation):
    workspace, conversation_id = agents_conversation.workspace, agents_conversation.pk

    async def exchange(frame: dict) -> list[dict]:
        communicator = await widget_connect(workspace)
        try:
            # Ready first (a hello under test may be refused, and then ping would be too).
            await communicator.send_json_to({"type": "hello", "identity": identity(workspace)})
            assert (await communicator.receive_json_from(timeout=10))["type"] == "ready"
            # json.dumps writes lone surrogates as escapes, as a browser's JSON.stringify does.
            await communicator.send_to(text_data=json.dumps(frame))
            await communicator.send_to(text_data=json.dumps({"type": "ping"}))
            answers = []
            while True:  # frames are handled in order: everything before the pong answers the frame
                output = await communicator.receive_output(timeout=10)
                assert output["type"] == "websocket.send", f"the socket closed: {output}"
                answer = json.loads(output["text"])
                if answer == {"type": "pong"}:
                    return answers
                answers.append(answer)
        finally:
            await communicator.disconnect()

    @BOUNDED
    @given(client_frames(conversation_id))
    def check(frame):
        answers = async_to_sync(exchange)(frame)
        for answer in answers:
            assert_protocol_answer(answer)
        if frame["type"] in ("hello", "message.send", "csat"):
            assert answers, f"{frame['type']} got no answer"

    check()


def test_arbitrary_unicode_in_any_http_body_gets_2xx_or_4xx_with_a_code(agents_conversation):
    workspace, conversation_id = agents_conversation.workspace, agents_conversation.pk
    _key, api_key = make_api_key(workspace=workspace, role=Role.AGENT)
    client = Client()
    widget = {"HTTP_X_CHATASSIST_KEY": workspace.public_key, "HTTP_ORIGIN": ORIGIN}
    token = client.post(
        "/api/chat/hello", json.dumps({"identity": identity(workspace)}), content_type="application/json", **widget
    ).json()["visitor_token"]
    visitor = {**widget, "HTTP_X_CHATASSIST_VISITOR": token, "HTTP_ACCEPT": "application/json"}
    contact = st.fixed_dictionaries(
        {"external_id": st.one_of(st.just(CUSTOMER_ID), TEXT)}, optional={"name": TEXT, "email": TEXT}
    )

    @BOUNDED
    @given(frame=client_frames(conversation_id), contact=contact, with_api_key=st.booleans())
    def check(frame, contact, with_api_key):
        kind, body = frame["type"], {key: value for key, value in frame.items() if key != "type"}
        headers = visitor
        if kind == "hello":
            path, headers = "/api/chat/hello", widget
        elif kind == "message.send" and with_api_key:
            path, headers = "/api/chat", {**bearer(api_key), "HTTP_ACCEPT": "application/json"}
            body["contact"] = contact
        elif kind == "message.send":
            path = "/api/chat"
        else:
            path, body = "/api/chat/frame", frame
        response = client.post(path, json.dumps(body), content_type="application/json", **headers)
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            error = response.json()
            assert ERROR_CODE.fullmatch(error["code"]), error
            assert error["detail"], error

    check()


# A URL carries UTF-8: no lone surrogates here, but NUL, and digits that are not ASCII: "²" is a
# digit to str.isdigit() and not to int(), Arabic-Indic digits are to both.
URL_TEXT = st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from(["\x00", "²", "\u0661", "7"])), max_size=12)


@BOUNDED
@given(after_seq=URL_TEXT, key=st.one_of(URL_TEXT, URL_TEXT.map(lambda text: "pk_" + text)))
def test_arbitrary_unicode_in_query_parameters_gets_2xx_or_4xx(agents_conversation, after_seq, key):
    workspace, conversation_id = agents_conversation.workspace, agents_conversation.pk
    client = Client()
    config = client.get("/api/chat/config", {"key": key}, HTTP_ORIGIN=ORIGIN)
    assert config.status_code in (200, 401, 403), config.content
    token = client.post(
        "/api/chat/hello",
        json.dumps({"identity": identity(workspace)}),
        content_type="application/json",
        HTTP_X_CHATASSIST_KEY=workspace.public_key,
    ).json()["visitor_token"]
    headers = {"HTTP_X_CHATASSIST_KEY": workspace.public_key, "HTTP_X_CHATASSIST_VISITOR": token}
    page = client.get(f"/api/chat/conversations/{conversation_id}/messages", {"after_seq": after_seq}, **headers)
    assert page.status_code in (200, 400), page.content
    if page.status_code == 400:
        assert page.json()["code"] == "invalid_after_seq"
