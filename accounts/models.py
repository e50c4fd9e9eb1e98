"""Users, workspaces (the tenant), memberships with roles, invitations and API keys."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.business_hours import default_business_hours, validate_business_hours, validate_timezone_name
from accounts.encryption import EncryptedTextField


def hash_token(raw: str) -> str:
    """SHA-256 is enough for random tokens of 256 bits: there is nothing to guess."""
    return hashlib.sha256(raw.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in to the console, identified by e-mail address."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the operator admin (/admin/).")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    AGENT = "agent", "Agent"
    VIEWER = "viewer", "Viewer"


class RolePermissions:
    """What a role may do. Every check in views, APIs and consumers reads these properties,
    never a role name, so that the matrix lives in one place. Used by memberships and by
    API keys, which carry a role of their own."""

    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage_team(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage_settings(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage_api_keys(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_edit_prompts(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_edit_rules(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage_knowledge(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage_integrations(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_view_conversations(self) -> bool:
        return self.role in (Role.ADMIN, Role.AGENT)

    @property
    def can_reply(self) -> bool:
        return self.role in (Role.ADMIN, Role.AGENT)

    @property
    def can_view_analytics(self) -> bool:
        return self.role in (Role.ADMIN, Role.AGENT, Role.VIEWER)

    @property
    def can_view_workspace(self) -> bool:
        return self.role in (Role.ADMIN, Role.AGENT, Role.VIEWER)


def generate_public_key() -> str:
    return "pk_" + secrets.token_urlsafe(18)


def generate_identity_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WidgetLanguage(models.TextChoices):
    """Languages the widget's own words (buttons, states, errors) are written in."""

    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"
    GERMAN = "de", "Deutsch"
    SPANISH = "es", "Español"
    PORTUGUESE = "pt", "Português"
    DUTCH = "nl", "Nederlands"


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Write the colour as #RRGGBB, for example #4f46e5.")


def default_seat_limit() -> int:
    return settings.DEFAULT_SEAT_LIMIT


DEFAULT_AFTER_HOURS_MESSAGE = (
    "Thanks for your message! Our team is away right now; a person will reply as soon as we're back. "
    "In the meantime, the AI assistant can still help with most questions."
)


class Workspace(models.Model):
    """The tenant: one company and everything it owns."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    public_key = models.CharField(
        max_length=40, unique=True, default=generate_public_key, help_text="Embedded in the widget snippet; not secret."
    )
    identity_secret = EncryptedTextField(
        default=generate_identity_secret,
        help_text="Signs customer identities on the company's backend (HMAC). Stored encrypted.",
    )
    allowed_origins = ArrayField(
        models.CharField(max_length=255),
        default=list,
        blank=True,
        help_text="Origins (scheme://host[:port]) allowed to embed the widget.",
    )
    seat_limit = models.PositiveIntegerField(default=default_seat_limit)
    monthly_token_budget = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Language-model tokens per calendar month (UTC); 0 = no limit; empty = the server default. "
        "Beyond it the assistant answers from the knowledge base only.",
    )
    # The widget, as customers see it (docs/protocol.md: GET /api/chat/config).
    widget_color = models.CharField(max_length=7, default="#4f46e5", validators=[hex_colour])
    widget_language = models.CharField(max_length=8, choices=WidgetLanguage.choices, default=WidgetLanguage.ENGLISH)
    widget_welcome_message = models.CharField(
        max_length=300, blank=True, default="Hi! Ask me anything about our product."
    )
    widget_suggestions = ArrayField(
        models.CharField(max_length=80),
        default=list,
        blank=True,
        size=4,
        help_text="Up to four quick replies the widget offers before the first message.",
    )
    widget_show_branding = models.BooleanField(default=True, help_text="Show “Powered by ChatAssist” in the widget.")
    # When a person can answer (accounts/business_hours.py, docs/business-hours.md).
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone_name],
        help_text="IANA time zone of the business hours, e.g. Europe/Berlin.",
    )
    business_hours = models.JSONField(
        default=default_business_hours,
        validators=[validate_business_hours],
        help_text='Seven days, Monday first, each a list of ["HH:MM", "HH:MM"] intervals; [] = closed. '
        'An end before its start runs past midnight; "24:00" ends the day.',
    )
    business_hours_enabled = models.BooleanField(
        default=False, help_text="Off: the team always counts as in, whatever the hours say."
    )
    after_hours_message = models.TextField(
        max_length=1000,
        default=DEFAULT_AFTER_HOURS_MESSAGE,
        help_text="Sent to a customer who asks for a person outside business hours.",
    )
    human_reply_expectation_minutes = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text="The typical wait for a person inside business hours, in minutes; customers are told it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def token_budget(self) -> int:
        """The monthly budget in force; 0 means no limit."""
        if self.monthly_token_budget is None:
            return settings.DEFAULT_MONTHLY_TOKEN_BUDGET
        return self.monthly_token_budget


class Membership(RolePermissions, models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


def default_invitation_expiry():
    return timezone.now() + timedelta(hours=settings.INVITATION_TTL_HOURS)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class Invitation(models.Model):
    """An expiring, single-use link that makes its recipient a member with a role.

    The token is looked up by its hash; the link itself is kept encrypted so that an admin
    can copy or re-send it while it is pending."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token = EncryptedTextField(editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=default_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace} ({self.status})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING

    @property
    def path(self) -> str:
        from django.urls import reverse

        return reverse("invitation_accept", kwargs={"workspace_slug": self.workspace.slug, "token": self.token})


class ApiKey(RolePermissions, models.Model):
    """A secret for the REST API. Shown once at creation; only its SHA-256 is stored."""

    PREFIX = "ca_"
    PREFIX_LENGTH = len(PREFIX) + 8

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    # The public part ("ca_" + 8 characters), unique, used to find the key before hashing.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    last_four = models.CharField(max_length=4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        return f"{self.prefix}_…{self.last_four}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
