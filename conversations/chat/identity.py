"""Who is chatting: the workspace from its public key and the page's origin, and the
contact from a signed visitor token or a verified identity (docs/protocol.md).

A visitor token names either an anonymous visitor (a random id; the contact row is made at
the first message) or, for a short while, a verified contact. Only a valid identity signed
with the workspace's secret ever yields a token for a verified contact, so an anonymous
visitor can never read a verified contact's history."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from accounts.encryption import SecretUnavailable
from accounts.models import Workspace
from accounts.origins import normalize_origin
from conversations.errors import ConversationError
from conversations.models import Contact

VISITOR_SALT = "chatassist.visitor"
ANONYMOUS_TOKEN_AGE = timedelta(days=365)
# A verified session must come back with a fresh identity every day.
VERIFIED_TOKEN_AGE = timedelta(days=1)
MAX_IDENTITY_LIFETIME = timedelta(hours=24)
JWT_LEEWAY_SECONDS = 30
MAX_USER_ID = 255


class IdentityError(ConversationError):
    code = "identity_invalid"
    status = 401


PUBLIC_KEY = re.compile(r"pk_[A-Za-z0-9_-]{1,37}")


def workspace_for_public_key(key: str) -> Workspace | None:
    # Only what generate_public_key can make reaches the query (a NUL would fail it).
    if not isinstance(key, str) or not PUBLIC_KEY.fullmatch(key):
        return None
    return Workspace.objects.filter(public_key=key).first()


def origin_allowed(workspace: Workspace, origin: str | None) -> bool:
    """Browsers always send ``Origin`` on cross-site requests and socket handshakes; it must be
    one the workspace allows, or exactly ChatAssist's own origin, ``PUBLIC_URL`` (the /demo/
    page). Another port or scheme of our host name is someone else's page, so it does not
    pass. No origin at all means a non-browser client, which the origin check cannot (and
    need not) stop."""
    if not origin:
        return True
    try:
        normalized = normalize_origin(origin)
    except Exception:
        return False
    return normalized in workspace.allowed_origins or normalized == normalize_origin(settings.PUBLIC_URL)


@dataclass(frozen=True)
class Identity:
    external_id: str
    email: str = ""
    name: str = ""


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def identity_verify(*, workspace: Workspace, identity) -> Identity:
    """An identity signed by the company's backend: HMAC-SHA256 of the user id and a timestamp,
    or an HS256 JWT with ``sub`` and ``exp``; either lives at most MAX_IDENTITY_LIFETIME.
    Both compare in constant time (PyJWT uses compare_digest)."""
    if not isinstance(identity, dict):
        raise IdentityError("The identity must be an object with user_id and user_hash, or a token.")
    try:
        secret = workspace.identity_secret
    except SecretUnavailable as error:
        # The operator's FIELD_ENCRYPTION_KEYS is wrong: only verified identities stop working.
        raise IdentityError(
            "Identity verification is unavailable on this server right now.", code="identity_unavailable", status=503
        ) from error
    if "token" in identity:
        token = identity["token"]
        if not isinstance(token, str) or len(token) > 4096:
            raise IdentityError("The identity token is not a JWT.")
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["exp", "sub"]},
                leeway=JWT_LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as error:
            raise IdentityError(
                "The identity token has expired; ask your backend for a new one.", code="identity_expired"
            ) from error
        except jwt.PyJWTError as error:
            raise IdentityError("The identity token's signature or claims are not valid.") from error
        expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        if expires - datetime.now(tz=UTC) > MAX_IDENTITY_LIFETIME + timedelta(seconds=JWT_LEEWAY_SECONDS):
            raise IdentityError("The identity token lives too long: at most 24 hours.")
        user_id = claims["sub"]
        if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_ID:
            raise IdentityError("The identity token's sub must be the user id, as a string.")
        return Identity(user_id.strip(), _text(claims.get("email"), 254), _text(claims.get("name"), 200))
    user_id, user_hash = identity.get("user_id"), identity.get("user_hash")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_ID:
        raise IdentityError("The identity needs a user_id (a string of at most 255 characters).")
    # compare_digest refuses non-ASCII strings with a TypeError; a hex digest never has any.
    if not isinstance(user_hash, str) or not user_hash or not user_hash.isascii():
        raise IdentityError("The identity needs a user_hash: HMAC-SHA256 of the user id with the identity secret.")
    expected = hmac.new(secret.encode(), _signed_payload(user_id, identity).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, user_hash.strip().lower()):
        raise IdentityError("The identity's user_hash does not match its user_id.")
    return Identity(user_id.strip(), _text(identity.get("email"), 254), _text(identity.get("name"), 200))


def _signed_payload(user_id: str, identity: dict) -> str:
    """What ``user_hash`` signs: ``"<user_id>:<timestamp>"``, the Unix time the backend signed
    it at, so that a captured signature stops working after MAX_IDENTITY_LIFETIME like a JWT's
    ``exp``. The bare user id (a signature that never expires) only with
    IDENTITY_ALLOW_UNTIMED_HASH, for backends not yet sending the timestamp."""
    timestamp = identity.get("timestamp")
    if timestamp is None and settings.IDENTITY_ALLOW_UNTIMED_HASH:
        return user_id
    if isinstance(timestamp, str) and timestamp.isascii() and timestamp.isdigit():
        timestamp = int(timestamp)
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp < 10**11:
        raise IdentityError('The identity needs a timestamp (Unix seconds) and a user_hash of "<user_id>:<timestamp>".')
    age = datetime.now(tz=UTC).timestamp() - timestamp
    if age > (MAX_IDENTITY_LIFETIME + timedelta(seconds=JWT_LEEWAY_SECONDS)).total_seconds():
        raise IdentityError(
            "The identity's signature has expired; ask your backend for a new one.", code="identity_expired"
        )
    if age < -JWT_LEEWAY_SECONDS:
        raise IdentityError("The identity's timestamp is in the future.")
    return f"{user_id}:{timestamp}"


@dataclass
class Visitor:
    """The person behind a session: a verified or known contact, or an anonymous visitor
    whose contact row is made at the first message."""

    workspace: Workspace
    contact: Contact | None
    visitor_id: str = ""
    name: str = ""
    email: str = ""

    @property
    def verified(self) -> bool:
        return self.contact is not None and self.contact.verified

    def token(self) -> str:
        if self.verified:
            payload = {"w": self.workspace.pk, "c": self.contact.pk, "v": 1}
        else:
            payload = {"w": self.workspace.pk, "vid": self.visitor_id}
        return signing.dumps(payload, salt=VISITOR_SALT)

    def contact_ensure(self) -> Contact:
        """The contact row, made on first need (an anonymous visitor's first message)."""
        if self.contact is None:
            try:
                with transaction.atomic():
                    self.contact, _ = Contact.objects.get_or_create(
                        workspace=self.workspace,
                        visitor_id=self.visitor_id,
                        defaults={"name": self.name, "email": self.email},
                    )
            except IntegrityError:  # another tab made it first
                self.contact = Contact.objects.get(workspace=self.workspace, visitor_id=self.visitor_id)
        return self.contact


def visitor_from_token(*, workspace: Workspace, token, allow_verified: bool) -> Visitor | None:
    """The visitor a token names, or None when it is missing, forged, expired or for another
    workspace. ``allow_verified`` is False for ``hello`` without an identity: a verified
    contact is only ever reached again with a fresh identity."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=VISITOR_SALT, max_age=ANONYMOUS_TOKEN_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("w") != workspace.pk:
        return None
    if payload.get("v"):
        if not allow_verified:
            return None
        try:
            signing.loads(token, salt=VISITOR_SALT, max_age=VERIFIED_TOKEN_AGE)
        except signing.BadSignature:
            return None
        contact = Contact.objects.filter(workspace=workspace, pk=payload.get("c"), verified=True).first()
        return Visitor(workspace=workspace, contact=contact) if contact else None
    visitor_id = payload.get("vid")
    if not isinstance(visitor_id, str) or not visitor_id:
        return None
    contact = Contact.objects.filter(workspace=workspace, visitor_id=visitor_id).first()
    return Visitor(workspace=workspace, contact=contact, visitor_id=visitor_id)


def visitor_open(*, workspace: Workspace, token=None, identity=None, name="", email="") -> Visitor:
    """``hello``: the session's visitor. A valid identity binds the verified contact (and
    brings along the conversations this browser had while anonymous); otherwise the token's
    anonymous visitor, or a new one."""
    name, email = _text(name, 200), _text(email, 254)
    anonymous = visitor_from_token(workspace=workspace, token=token, allow_verified=False)
    if identity is not None:
        verified = identity_verify(workspace=workspace, identity=identity)
        with transaction.atomic():
            contact, _ = Contact.objects.select_for_update().get_or_create(
                workspace=workspace, external_id=verified.external_id
            )
            contact.verified = True
            contact.email = verified.email or contact.email
            contact.name = verified.name or contact.name
            contact.save(update_fields=["verified", "email", "name"])
            if anonymous is not None and anonymous.contact is not None and not anonymous.contact.verified:
                anonymous.contact.conversations.update(contact=contact)
        return Visitor(workspace=workspace, contact=contact)
    visitor = anonymous or Visitor(workspace=workspace, contact=None, visitor_id=secrets.token_urlsafe(18))
    visitor.name, visitor.email = name, email
    if visitor.contact is not None and (name or email):
        # Unverified details: they describe this anonymous contact only, never bind another.
        visitor.contact.name = name or visitor.contact.name
        visitor.contact.email = email or visitor.contact.email
        visitor.contact.save(update_fields=["name", "email"])
    return visitor
