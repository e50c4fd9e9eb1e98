"""Identity verification: a contact bound to the company's user id only with a signature
made with the workspace's secret; forged, missing and expired identities are refused, and
an unverified visitor never reaches a verified contact's history."""

import hashlib
import hmac
import time

import jwt
import pytest
from django.core import signing

from conversations.chat import identity
from conversations.chat.identity import IdentityError
from conversations.models import Contact
from conversations.services import conversation_start, message_receive

pytestmark = pytest.mark.django_db


def user_hash(workspace, user_id: str, timestamp: int) -> str:
    payload = f"{user_id}:{timestamp}".encode()
    return hmac.new(workspace.identity_secret.encode(), payload, hashlib.sha256).hexdigest()


def signed(workspace, user_id: str, *, signed_as: str | None = None) -> dict:
    """What a company's backend sends: the user id, when it signed, and the signature."""
    now = int(time.time())
    return {"user_id": user_id, "timestamp": now, "user_hash": user_hash(workspace, signed_as or user_id, now)}


def token(workspace, *, sub="user-42", expires_in=600, secret=None, algorithm="HS256", **claims) -> str:
    payload = {"sub": sub, "exp": int(time.time()) + expires_in, **claims}
    return jwt.encode(payload, secret or workspace.identity_secret, algorithm=algorithm)


def test_hmac_identity_binds_the_verified_contact(workspace):
    visitor = identity.visitor_open(
        workspace=workspace,
        identity={**signed(workspace, "user-42"), "name": "Ada"},
    )
    assert visitor.verified
    assert (visitor.contact.external_id, visitor.contact.name) == ("user-42", "Ada")


def test_jwt_identity_binds_the_verified_contact(workspace):
    visitor = identity.visitor_open(workspace=workspace, identity={"token": token(workspace, email="ada@example.com")})
    assert visitor.verified and visitor.contact.email == "ada@example.com"


@pytest.mark.parametrize(
    ("make_identity", "code"),
    [
        (lambda w: {"user_id": "user-42", "user_hash": "0" * 64}, "identity_invalid"),
        (lambda w: signed(w, "user-42", signed_as="user-43"), "identity_invalid"),
        (lambda w: {"user_id": "user-42"}, "identity_invalid"),
        (lambda w: {"user_hash": signed(w, "user-42")["user_hash"]}, "identity_invalid"),
        (lambda w: {"user_id": ["user-42"], "user_hash": "x"}, "identity_invalid"),
        (lambda w: {"token": token(w, secret="whsec_not-the-workspace-secret")}, "identity_invalid"),
        (lambda w: {"token": token(w, expires_in=-120)}, "identity_expired"),
        (lambda w: {"token": token(w, expires_in=30 * 24 * 3600)}, "identity_invalid"),
        (lambda w: {"token": jwt.encode({"sub": "user-42"}, w.identity_secret, algorithm="HS256")}, "identity_invalid"),
        (lambda w: {"token": token(w).rsplit(".", 1)[0] + ".forged"}, "identity_invalid"),
        (lambda w: {"token": "not a jwt"}, "identity_invalid"),
        (lambda w: {"token": jwt.encode({"sub": "u", "exp": 1}, key=None, algorithm="none")}, "identity_invalid"),
        (lambda w: "user-42", "identity_invalid"),
    ],
)
def test_forged_missing_and_expired_identities_are_refused(workspace, make_identity, code):
    with pytest.raises(IdentityError) as refused:
        identity.visitor_open(workspace=workspace, identity=make_identity(workspace))
    assert refused.value.code == code and refused.value.message
    assert not Contact.objects.filter(verified=True).exists()


def test_another_workspaces_secret_does_not_verify_here(workspace, other_workspace):
    with pytest.raises(IdentityError):
        identity.visitor_open(workspace=workspace, identity=signed(other_workspace, "user-42"))


def test_an_unverified_visitor_never_reaches_a_verified_contacts_history(workspace):
    verified = identity.visitor_open(workspace=workspace, identity=signed(workspace, "user-42"))
    conversation = conversation_start(workspace=workspace, contact=verified.contact)
    message_receive(conversation=conversation, text="my invoice for account 42")
    # Claiming the user id, or the e-mail, without a signature binds nothing.
    claimed = identity.visitor_open(workspace=workspace, name="user-42", email=verified.contact.email)
    assert claimed.contact is None or claimed.contact.pk != verified.contact.pk
    # A verified session's own token, replayed in hello without a fresh identity, binds nothing.
    replayed = identity.visitor_open(workspace=workspace, token=verified.token())
    assert replayed.contact is None
    # A hand-made token naming the verified contact has no valid signature.
    forged = signing.dumps({"w": workspace.pk, "c": verified.contact.pk, "v": 1}, salt="another salt")
    assert identity.visitor_from_token(workspace=workspace, token=forged, allow_verified=True) is None


def test_an_anonymous_visitors_conversations_follow_them_when_they_sign_in(workspace):
    anonymous = identity.visitor_open(workspace=workspace)
    contact = anonymous.contact_ensure()
    conversation = conversation_start(workspace=workspace, contact=contact)
    signed_in = identity.visitor_open(
        workspace=workspace,
        token=anonymous.token(),
        identity=signed(workspace, "user-7"),
    )
    conversation.refresh_from_db()
    assert conversation.contact_id == signed_in.contact.pk


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://shop.example.com", True),
        ("https://SHOP.example.com:443", True),
        ("https://shop.example.com:8443", False),
        ("http://shop.example.com", False),
        ("https://evil.example.net", False),
        ("https://shop.example.com.evil.net", False),
        ("null", False),
        ("http://testserver", True),  # ChatAssist's own origin, PUBLIC_URL (the /demo/ page)
        ("http://localhost:8000", False),  # our host name, but not PUBLIC_URL
        (None, True),  # not a browser: the origin check cannot apply
    ],
)
def test_origins(workspace, origin, allowed):
    workspace.allowed_origins = ["https://shop.example.com"]
    assert identity.origin_allowed(workspace, origin) is allowed
