"""One settings module, read from the environment; unset means the embedded default."""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

# Production by default: `make run` sets DEBUG=true and a secret of the checkout's own (var/),
# the test run sets its own (tests/settings.py). No secret is known in advance anywhere.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured(
        "SECRET_KEY is not set: give it a long random value in the environment "
        "(for development, `make run` sets DEBUG=true and a secret of its own)"
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "channels",
    "django_htmx",
    "template_partials",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "chat",
    "boards",
    "api",
    "webhooks",
    "exports",
    "hub",
]

MIDDLEWARE = [
    "nexus_live.logs.RequestLogMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "api.middleware.ApiProblemsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "nexus_live.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "nexus_live.errors.ErrorPagesMiddleware",  # last: the first to see a view's Http404/403
]

ROOT_URLCONF = "nexus_live.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "nexus_live.asgi.application"

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
                "nexus_live.context_processors.site",
                "nexus_live.context_processors.limits",
                "nexus_live.context_processors.sidebar",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'nexus.sqlite3'}", engine=None
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # the embedded default's home; a fresh clone has none yet
# Socket writes run in a pool of this many threads, one connection each (per process): one
# write waiting on the database does not hold up the rest. SQLite takes one writer at a time,
# so there they stay in Django's one shared thread (0).
DATABASE_WRITE_THREADS = env.int(
    "DATABASE_WRITE_THREADS",
    default=0 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 4,
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)  # the pool checks on checkout
    if env.bool("DATABASE_POOL", default=True):
        # psycopg's pool, as Django advises under ASGI: a connection goes back after each
        # request or write (CONN_MAX_AGE must be 0). At most one per write thread plus Django's
        # one sync thread (pages and the sockets' reads) are in use at once.
        # A Celery worker with a thread pool needs one per thread: DATABASE_POOL_SIZE.
        _pool_size = env.int("DATABASE_POOL_SIZE", default=DATABASE_WRITE_THREADS + 1)
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, _pool_size),
            "max_size": _pool_size,
            "timeout": 10,  # seconds a request waits for a free connection, then fails
        }
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# Set explicitly: the browser tests' daphne serves the test database by this name.
DATABASES["default"]["TEST"] = {
    "NAME": env.str("TEST_DATABASE_NAME", default="test_nexus_live")
    if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
    else None
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# The channel layer over one Redis or several: channels-redis shards by a hash of each group's
# and channel's name, so every process must list the same servers in the same order. The
# cache, presence and rate limits stay on REDIS_URL (docs/operations.md, "Scaling each tier").
CHANNEL_LAYER_REDIS_URLS = env.list(
    "CHANNEL_LAYER_REDIS_URLS", default=[REDIS_URL] if REDIS_URL else []
)
if CHANNEL_LAYER_REDIS_URLS and not REDIS_URL:
    raise environ.ImproperlyConfigured(
        "CHANNEL_LAYER_REDIS_URLS needs REDIS_URL too (the cache and presence live there)"
    )
# Per process and per event loop, for the channel layer and for presence (see below).
REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=1000)
if REDIS_URL:
    from nexus_live.redis import CLIENT_OPTIONS  # one set of Redis timeouts for every client

    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="nexus"),
            "OPTIONS": CLIENT_OPTIONS,
        }
    }
    # Channel layer: choices and figures in docs/decisions/003-channel-layer.md. Each knob is
    # set on purpose: channels-redis's defaults drop messages and fail connections silently.
    CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="pubsub")
    _redis_host = {
        # redis-py's asyncio pool raises MaxConnectionsError past this (default 100), which
        # closes the consumer that needed a connection. Per process and per event loop.
        "max_connections": REDIS_MAX_CONNECTIONS,
        # redis-py 8 reads with a 5 s timeout by default: exactly the list layer's 5 s blocking
        # BZPOPMIN, so under load the read times out and the consumer dies (seen in the bench).
        "socket_timeout": 15,
        "socket_connect_timeout": CLIENT_OPTIONS["socket_connect_timeout"],
    }
    _redis_hosts = [{**_redis_host, "address": url} for url in CHANNEL_LAYER_REDIS_URLS]
    if CHANNEL_LAYER_BACKEND == "pubsub":
        # Redis PUBLISH to a group, fanned out in each process: no per-channel capacity (the
        # per-consumer queue is unbounded), no group expiry; at-most-once like the list layer.
        # channels_redis's own, with a lighter inbox per socket (nexus_live/layers.py).
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "nexus_live.layers.PubSubChannelLayer",
                "CONFIG": {
                    "hosts": _redis_hosts,
                    "prefix": env.str("CHANNEL_LAYER_PREFIX", default="nexus"),
                },
            }
        }
    elif CHANNEL_LAYER_BACKEND == "redis":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": _redis_hosts,
                    "prefix": env.str("CHANNEL_LAYER_PREFIX", default="nexus"),
                    # Messages waiting per Redis channel key (one key per daphne process) and
                    # per consumer buffer; overflow is dropped (default 100).
                    "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=10000),
                    # A channel older than this leaves its groups silently (default 1 day):
                    # longer than daphne's own websocket timeout (1 day) closes sockets.
                    "group_expiry": env.int("CHANNEL_LAYER_GROUP_EXPIRY", default=2 * 86400),
                },
            }
        }
    else:
        raise environ.ImproperlyConfigured("CHANNEL_LAYER_BACKEND is 'pubsub' or 'redis'")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background work ----------------------------------------------------------------------------
# Celery (nexus_live/celery.py). The broker: CELERY_BROKER_URL (amqp:// for RabbitMQ), else Redis
# when REDIS_URL is set. Neither: every task runs at once where it is queued (the embedded
# default). What a task must do is first recorded in the database (an outbox row), so a broker
# that is down delays work and never loses it: the sweep every CELERY_SWEEP_SECONDS requeues it.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="nexus")
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves it to another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Queuing after a commit must not hold the request when the broker is down: one quick retry,
# then the outbox row waits for the sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 2}
CELERY_SWEEP_SECONDS = env.float("CELERY_SWEEP_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE = {
    "webhooks-sweep": {"task": "webhooks.tasks.sweep", "schedule": CELERY_SWEEP_SECONDS},
    "webhooks-prune": {"task": "webhooks.tasks.prune", "schedule": 3600.0},
    "notifications-away": {"task": "chat.tasks.email_away", "schedule": 60.0},
    "uploads-prune": {"task": "chat.tasks.prune_uploads", "schedule": 3600.0},
    "exports-sweep": {"task": "exports.tasks.sweep", "schedule": CELERY_SWEEP_SECONDS},
    "exports-prune": {"task": "exports.tasks.prune", "schedule": 3600.0},
    "previews-sweep": {"task": "chat.tasks.sweep_previews", "schedule": CELERY_SWEEP_SECONDS},
    "previews-prune": {"task": "chat.tasks.prune_previews", "schedule": 3600.0},
    "notifications-digest": {
        "task": "chat.tasks.email_digests",
        "schedule": crontab(hour=env.int("NOTIFY_DIGEST_HOUR", default=7), minute=0),
    },
}
# Notification emails (chat/notifications.py): a mention or a reply still unread this many
# seconds after it came is emailed to those who want it right away (one email for all their
# unread ones); the daily digest leaves at NOTIFY_DIGEST_HOUR:00 UTC.
NOTIFY_EMAIL_DELAY_SECONDS = env.int("NOTIFY_EMAIL_DELAY_SECONDS", default=300)

# Exports (exports/runner.py): written in the background, kept EXPORT_KEEP_HOURS, then pruned;
# at most EXPORT_MAX_ACTIVE being written per person; one may run EXPORT_TIME_LIMIT_SECONDS.
# The old board export addresses answer at once for boards of up to EXPORT_INLINE_MAX_CARDS.
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=72)
EXPORT_MAX_ACTIVE = env.int("EXPORT_MAX_ACTIVE", default=3)
EXPORT_TIME_LIMIT_SECONDS = env.int("EXPORT_TIME_LIMIT_SECONDS", default=900)
EXPORT_INLINE_MAX_CARDS = env.int("EXPORT_INLINE_MAX_CARDS", default=500)

# Link previews (chat/actions/previews.py): a URL's preview is fetched once, then reused by
# every message that links to it for this long (a day) before it is fetched again.
PREVIEW_CACHE_SECONDS = env.int("PREVIEW_CACHE_SECONDS", default=86400)

# Requests to addresses people give (webhooks, link previews): http(s) only, and never to
# loopback, private, link-local or metadata addresses, checked on the address connected to
# (nexus_live/outbound.py).
# OUTBOUND_ALLOWED_NETWORKS lets some through, for development and tests (e.g. 127.0.0.0/8).
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])
OUTBOUND_TIMEOUT_SECONDS = env.float("OUTBOUND_TIMEOUT_SECONDS", default=10.0)

# Webhooks (webhooks/delivery.py): seconds before each retry (the Standard Webhooks schedule,
# about a day in all), an endpoint failing this many days paused, delivery logs kept this long,
# and after a secret's rotation the old one still signs for this many hours.
WEBHOOK_RETRY_SECONDS = env.list(
    "WEBHOOK_RETRY_SECONDS", cast=float, default=[5, 300, 1800, 7200, 18000, 36000, 36000]
)
WEBHOOK_DISABLE_AFTER_DAYS = env.int("WEBHOOK_DISABLE_AFTER_DAYS", default=5)
WEBHOOK_LOG_DAYS = env.int("WEBHOOK_LOG_DAYS", default=30)
WEBHOOK_SECRET_OVERLAP_HOURS = env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)

# --- Accounts and sign-in -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1
# What mails call the site and its address (accounts.actions.sync_site writes them on migrate).
SITE_NAME = env.str("SITE_NAME", default="Nexus Live")
SITE_DOMAIN = env.str("SITE_DOMAIN", default="127.0.0.1:8000")
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "nexus_live.errors.csrf_failure"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
SOCIALACCOUNT_LOGIN_ON_GET = False  # sign-in with Google starts with a POST
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # see docs/decisions/002-google-sign-in.md
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_STORE_TOKENS = False

GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["openid", "profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
        "FETCH_USERINFO": False,
        "APPS": [
            {"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""},
        ]
        if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET
        else [],
    }
}

_email = env.email_url("EMAIL_URL", default="consolemail://")
if _email.get("OPTIONS"):
    raise environ.ImproperlyConfigured(
        f"EMAIL_URL has options Django does not read: {', '.join(sorted(_email['OPTIONS']))}"
    )
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or None  # filemail:///path only
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Nexus Live <noreply@nexus.invalid>")

INVITE_LIFETIME_HOURS = env.int("INVITE_LIFETIME_HOURS", default=72)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
# collectstatic writes here; the image bakes it in at build time, tests point it at a tmp dir.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (chat attachments) go through Django's storage API: MEDIA_ROOT on the
# embedded default; any S3-compatible store when MEDIA_S3_BUCKET is set (django-storages).
# Either way nothing is served from a public URL: chat.views.attachment checks who asks.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never routed: files are served by a view that checks access
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    _media = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("MEDIA_S3_PREFIX", default=""),
            "default_acl": None,  # the bucket's own (private): never public-read
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security ---------------------------------------------------------------------------------
# Only a proxy that sets X-Forwarded-Proto itself (and drops the client's) makes it true;
# without one, any client could send it and pass plain HTTP off as HTTPS.
if env.bool("TRUST_PROXY_HEADERS", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# htmx runs without eval or inline styles: see the htmx-config meta tag in templates/base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://accounts.google.com"],
    }
}

# --- Logging ------------------------------------------------------------------------------------
# JSON lines for a log collector in production (nexus_live/logs.py: request or socket id, user,
# space on every line); plain text by default in development.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise environ.ImproperlyConfigured("LOG_FORMAT is 'json' or 'plain'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "nexus_live.logs.JsonFormatter"},
    },
    "filters": {
        "channel_layer_drops_are_errors": {
            "()": "nexus_live.log_filters.ChannelLayerDropsAreErrors"
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        # One line per request (nexus_live.logs); HTTP_LOG_LEVEL=WARNING turns them off.
        "nexus_live.http": {"level": env.str("HTTP_LOG_LEVEL", default="INFO")},
        # CHANNEL_LAYER_BACKEND=redis drops group messages over capacity and says so at INFO:
        # shown as ERROR, even when LOG_LEVEL hides INFO elsewhere. (pubsub has no capacity.)
        "channels_redis.core": {"level": "INFO", "filters": ["channel_layer_drops_are_errors"]},
    },
}

# --- Metrics ----------------------------------------------------------------------------------
# /metrics answers loopback requests that did not come through the proxy, or a scraper that
# sends `Authorization: Bearer <METRICS_TOKEN>` (nexus_live/metrics.py). Several processes:
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself, from the environment).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Shutdown ---------------------------------------------------------------------------------
# On SIGTERM a web process stops listening, closes its sockets with 1012 and exits once they
# have gone, or after this many seconds (nexus_live/drain.py). Keep the orchestrator's grace
# period above it (compose: stop_grace_period).
DRAIN_SECONDS = env.float("DRAIN_SECONDS", default=8.0)

# --- Live rooms -------------------------------------------------------------------------------
CHAT_RATE_BURST = env.int("CHAT_RATE_BURST", default=10)
CHAT_RATE_INTERVAL = env.float("CHAT_RATE_INTERVAL", default=1.0)
# Attachments (chat/files.py): the largest file accepted, in bytes; the kinds are fixed there.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# --- Public API (docs/api.md) -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # a signed-in browser
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.RequestRate"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.handle",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Nexus Live API",
    "DESCRIPTION": "Rooms, messages, boards and cards of Nexus Live. A walkthrough: docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # from the installed package: works offline
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share the field name "role": a team role, and what an invite makes.
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "accounts.models.Role",
        "InviteRoleEnum": "api.serializers.INVITE_ROLES",
        "ExportKindEnum": "api.serializers.EXPORT_KINDS",
        "ApiSchemaStatusEnum": "api.serializers.SCHEMA_STATES",
        "ApiDifferenceKindEnum": "api.serializers.DIFFERENCE_KINDS",
        "MentionKindEnum": "api.serializers.MENTION_KINDS",
    },
}
# Access tokens are short-lived; a refresh token rotates on every use (api/tokens.py).
API_SIGNING_KEY = env.str("API_SIGNING_KEY", default=SECRET_KEY)
API_ACCESS_TOKEN_SECONDS = env.int("API_ACCESS_TOKEN_SECONDS", default=300)
API_REFRESH_TOKEN_SECONDS = env.int("API_REFRESH_TOKEN_SECONDS", default=14 * 24 * 3600)
# GraphiQL at /graphql/ in a browser: development only unless asked for; its files come from
# the npm package pinned in package-lock.json (`make assets`), never from a CDN.
GRAPHIQL = env.bool("GRAPHIQL", default=DEBUG)
# Per person (or per address, signed out): a burst, then this many a minute.
API_RATE_BURST = env.int("API_RATE_BURST", default=60)
API_RATE_PER_MINUTE = env.float("API_RATE_PER_MINUTE", default=120)
# Browser code on these origins may call the API (exact scheme://host[:port]); none by default.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|graphql)/.*$"
CORS_ALLOW_HEADERS = (
    "accept", "authorization", "content-type", "idempotency-key", "if-match", "if-none-match",
)  # fmt: skip
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "Idempotent-Replayed",
]
