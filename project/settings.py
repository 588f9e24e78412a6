"""Settings for every environment, read from environment variables.

With no DATABASE_URL and no REDIS_URL the project runs embedded: SQLite under var/,
an in-memory channel layer, eager Celery and a local-memory cache. Setting them
switches to PostgreSQL (psycopg 3) and Redis (channel layer, Celery broker, cache).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers

from project.celery_settings import celery_settings
from project.email_settings import email_settings
from project.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_origins,
    env_positive_ints,
    env_str,
)
from project.order_settings import order_settings
from project.webhook_settings import webhook_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise SystemExit(
            "SECRET_KEY is not set: export SECRET_KEY=<a long random string> "
            "(or DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "corsheaders",
    "graphql_api",
    "strawberry_django",
    "domain.accounts",
    "domain.catalog",
    "domain.orders",
    "domain.events",
    "domain.demo",
    "domain.webhooks",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",  # first: it answers preflights itself
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI each request's sync work runs in a thread of its own, so a connection kept
    # per thread (CONN_MAX_AGE > 0) is left behind with the thread: measured here, 31 idle
    # connections after 700 requests and growing. So connections are not kept per thread;
    # on PostgreSQL they are reused through psycopg's pool instead (health-checked before
    # each use), unless DB_POOL_MAX_SIZE=0.
    _database = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    _postgresql = _database["ENGINE"] == "django.db.backends.postgresql"
    if _postgresql and env_bool("DATABASE_JIT_OFF", True):
        # No JIT: the compiled plans' statements (graphql_api/execution/plans/) nest a
        # subquery per field, and the planner's cost estimate of such a statement can pass
        # jit_above_cost although it runs in milliseconds; JIT-compiling it then took 2.4 s
        # (measured on CategoryTree: 16 ms of execution). JIT pays off for long analytical
        # queries, which this API does not run.
        # Added to what DATABASE_URL's `?options=` gives (e.g. a statement_timeout). Behind
        # PgBouncer, which refuses this startup parameter unless told to ignore it, set
        # DATABASE_JIT_OFF=0 and turn JIT off for the role instead (ALTER ROLE … SET jit=off).
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    _pool_size = env_int("DB_POOL_MAX_SIZE", 10)
    if _postgresql and _pool_size > 0:
        if _database["CONN_MAX_AGE"]:
            raise SystemExit(
                "DB_CONN_MAX_AGE must be 0 while the connection pool is on "
                "(set DB_POOL_MAX_SIZE=0 to keep connections per thread instead)."
            )
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": _pool_size,
            "timeout": 10,
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "db.sqlite3"),
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, cache ----------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "prefix": env_str("CHANNEL_LAYER_PREFIX", "asgi"),
                # A connect timeout, so a publish while Redis is unreachable fails fast
                # (the event then waits in the backlog for the relay); the read timeout
                # must stay above channels-redis's 5-second blocking receive.
                "hosts": [
                    {"address": REDIS_URL, "socket_connect_timeout": 2, "socket_timeout": 15}
                ],
                "capacity": env_int("CHANNEL_LAYER_CAPACITY", 1000),
                "expiry": 60,
                # A membership lasts this long after its last join; each process renews its
                # own at a third of it (realtime/memberships.py), so a killed process's
                # memberships (and every send's copy to them) end within this time.
                "group_expiry": env_int("CHANNEL_GROUP_EXPIRY", 900),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "shop"),
            # A Redis that stops answering fails a cache call after this long instead of
            # holding the request (and, for sync callers, a worker thread) forever.
            "OPTIONS": {
                "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 5.0),
                "socket_connect_timeout": env_float("REDIS_SOCKET_TIMEOUT", 5.0),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work: Celery, order processing, e-mail (each in its own module) -------------
globals().update(celery_settings(REDIS_URL))
globals().update(order_settings())
globals().update(email_settings(debug=DEBUG))
globals().update(webhook_settings())  # project/webhook_settings.py

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Tokens for mobile and WebSocket clients (HS256). The signing key defaults to SECRET_KEY.
JWT_SIGNING_KEY = env_str("JWT_SIGNING_KEY", SECRET_KEY)
JWT_ACCESS_TOKEN_TTL = env_int("JWT_ACCESS_TOKEN_TTL", 15 * 60)  # seconds
JWT_REFRESH_TOKEN_TTL = env_int("JWT_REFRESH_TOKEN_TTL", 30 * 24 * 3600)  # seconds
# Brute-force protection of sign-in (tokenCreate, login): failures per window.
SIGN_IN_THROTTLE_WINDOW = env_int("SIGN_IN_THROTTLE_WINDOW", 15 * 60)  # seconds
SIGN_IN_MAX_FAILURES_PER_EMAIL = env_int("SIGN_IN_MAX_FAILURES_PER_EMAIL", 5)
SIGN_IN_MAX_FAILURES_PER_IP = env_int("SIGN_IN_MAX_FAILURES_PER_IP", 20)
# passwordChange: wrong current passwords per account in a window, then RATE_LIMITED.
PASSWORD_CHANGE_THROTTLE_WINDOW = env_int("PASSWORD_CHANGE_THROTTLE_WINDOW", 15 * 60)  # seconds
PASSWORD_CHANGE_MAX_FAILURES = env_int("PASSWORD_CHANGE_MAX_FAILURES", 5)
REGISTER_THROTTLE_WINDOW = env_int("REGISTER_THROTTLE_WINDOW", 60 * 60)  # seconds
REGISTER_MAX_PER_IP = env_int("REGISTER_MAX_PER_IP", 20)  # attempts in a window, per address

# Realtime: how long the event log keeps events (a resume cursor older than this is
# CURSOR_EXPIRED), and WebSocket limits.
EVENT_RETENTION = env_int("EVENT_RETENTION", 7 * 24 * 3600)  # seconds
WS_CONNECTION_INIT_TIMEOUT = env_int("WS_CONNECTION_INIT_TIMEOUT", 60)  # seconds
WS_MAX_SUBSCRIPTIONS = env_int("WS_MAX_SUBSCRIPTIONS", 20)  # per connection
WS_MAX_PENDING_EVENTS = env_int("WS_MAX_PENDING_EVENTS", 500)  # per subscription
# Seconds between each process's looks at the event log for events whose live message was
# lost (realtime/poller.py); 0 turns it off.
WS_LOG_POLL_INTERVAL = env_int("WS_LOG_POLL_INTERVAL", 5)

# A WebSocket client that stops reading: once this many bytes wait for it in the process
# (beyond what the kernel buffers), it is closed with 1013 and resumes by cursor; 0 means
# no bound. It then has WS_SLOW_CLIENT_CLOSE_TIMEOUT seconds to read what was sent and the
# close frame before its TCP connection is dropped (realtime/backpressure.py).
WS_MAX_UNSENT_BYTES = env_int("WS_MAX_UNSENT_BYTES", 256 * 1024)
WS_SLOW_CLIENT_CLOSE_TIMEOUT = env_int("WS_SLOW_CLIENT_CLOSE_TIMEOUT", 5)  # seconds
# WebSocket connections follow their sign-in (graphql_api/websocket/sign_in_watch.py): each
# signed-in connection checks its credentials again when told that its user's sign-in
# changed, when its token or session expires, and at least every WS_AUTH_RECHECK_INTERVAL
# seconds (for a notification the channel layer lost; 0 turns the periodic check off).
# WS_MAX_CONNECTION_AGE: seconds after which any connection is closed with 1001, so that
# clients reconnect (0: no limit).
WS_AUTH_RECHECK_INTERVAL = env_int("WS_AUTH_RECHECK_INTERVAL", 60)
WS_MAX_CONNECTION_AGE = env_int("WS_MAX_CONNECTION_AGE", 24 * 3600)
# Restarts: on SIGTERM a daphne process stops accepting connections, closes its WebSockets
# with 1001 (clients reconnect to another process and resume by cursor), lets in-flight
# HTTP requests answer for at most this many seconds, then stops (realtime/draining.py,
# realtime/graceful_shutdown.py); it has exited 5 s after that at the latest.
SHUTDOWN_GRACE_SECONDS = env_int("SHUTDOWN_GRACE_SECONDS", 10)

# --- Internationalisation and files --------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# Serve MEDIA_URL from this process (fine for development; in production a proxy or object
# storage serves it).
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Client address behind reverse proxies ---------------------------------------------
# How many reverse proxies in front of daphne append to X-Forwarded-For (nginx: 1; a CDN or
# load balancer in front of nginx: 2). The client's address is the entry that many from the
# right, and X-Forwarded-Proto gives the scheme; 0: the headers are ignored and the peer
# is the client (daphne faces clients). See project/client_address.py. With a count, daphne
# must be reachable only through those proxies; never also run it with --proxy-headers,
# which trusts the left-most, client-written entry.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise SystemExit(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} must be 0 or more.")

# --- Browser clients on other origins -------------------------------------------------
# The origins (scheme://host[:port]) whose pages may call the API. This one list drives the
# CORS answers on /graphql/ (django-cors-headers: preflights, and cookies only for these
# origins), the WebSocket handshake's Origin check (strawberry's `allowed_origins`), and
# Django's CSRF Origin check (below). Pages on the API's own origin need no entry. With
# DEBUG on and the variable unset: the usual local dev-server origins.
_DEV_ORIGINS = [
    f"http://{host}:{port}"
    for port in (5173, 3000, 8000, 8080)
    for host in ("localhost", "127.0.0.1")
]
CORS_ALLOWED_ORIGINS = env_origins("CORS_ALLOWED_ORIGINS", _DEV_ORIGINS if DEBUG else [])
CORS_URLS_REGEX = r"^/graphql/?$"  # the API only; the admin stays same-origin
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_ALLOW_HEADERS = (
    *cors_default_headers,  # accept, authorization, content-type, x-csrftoken, ...
    # Apollo Client (client awareness), and its CSRF-prevention and upload headers
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
CORS_EXPOSE_HEADERS = ("Retry-After",)
# Origins whose cookie-session writes (POST with X-CSRFToken) Django's CSRF check accepts
# besides the API's own: every CORS origin, plus CSRF_TRUSTED_ORIGINS for other forms
# (the admin behind a proxy that changes the host or scheme).
CSRF_TRUSTED_ORIGINS = list(
    dict.fromkeys(
        [*CORS_ALLOWED_ORIGINS, *env_origins("CSRF_TRUSTED_ORIGINS", [], wildcard_subdomains=True)]
    )
)
# A page on a sibling subdomain (app.example.com calling api.example.com) can read the
# CSRF token it must send back only when the csrftoken cookie is set for the parent domain
# (".example.com"); unset, the cookie belongs to the API's host alone.
CSRF_COOKIE_DOMAIN = env_str("CSRF_COOKIE_DOMAIN") or None

# --- GraphQL --------------------------------------------------------------------------
GRAPHIQL = env_bool("GRAPHIQL", DEBUG)
# Seconds an anonymous query's answer may be served from the cache (0: off). Answers are
# filed under the catalog's version, so any committed change anonymous readers could see
# makes them unreachable at once; this is only a safety bound (on a write path that would
# fail to report a change), past which one request computes the answer again while the
# others still get the one of the same version; see graphql_api/http/response_cache.py.
RESPONSE_CACHE_TTL = env_int("RESPONSE_CACHE_TTL", 3600)
# Freeze the objects alive once the ASGI application is built, so that garbage collections
# skip them (project/gc_tuning.py: their full collections were the cached read's p99).
GC_FREEZE_AFTER_START_UP = env_bool("GC_FREEZE_AFTER_START_UP", True)
# The collector's thresholds (gc.set_threshold), set at the same moment: a young collection
# every 50,000 allocations instead of 700 (project/gc_tuning.py: with thousands of
# subscriptions, collections were half of a fan-out's p99). "700,10,10" is CPython's own.
GC_THRESHOLDS = env_positive_ints("GC_THRESHOLDS", (50_000, 20, 100))
# Bytes of cached answers each process keeps in memory in front of Redis (0: none).
RESPONSE_CACHE_LOCAL_BYTES = env_int("RESPONSE_CACHE_LOCAL_BYTES", 32 * 1024 * 1024)
# Limits on what one request may ask (graphql_api/http/envelope.py, graphql_api/execution/).
GRAPHQL_MAX_BODY_BYTES = env_int("GRAPHQL_MAX_BODY_BYTES", 256 * 1024)  # JSON body or GET query
GRAPHQL_MAX_DOCUMENT_LENGTH = env_int("GRAPHQL_MAX_DOCUMENT_LENGTH", 64 * 1024)  # characters
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 5_000)  # comments included
GRAPHQL_DOCUMENT_CACHE_BYTES = env_int("GRAPHQL_DOCUMENT_CACHE_BYTES", 32 * 1024 * 1024)
# Static cost (values an answer may hold, graphql_api/execution/cost.py). The costliest
# contract document, MyOrders(first: 100), costs 25,803.
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 50_000)
# What each mutation field adds to its operation's cost (a write's locks, event, cache
# version and fan-out): with the budgets below, about 250 writes a minute for a user.
GRAPHQL_MUTATION_COST = env_int("GRAPHQL_MUTATION_COST", 2_000)
# A subscription runs its selection again for every event: its cost per event, and the sum
# of one client's live subscriptions in a process (OnProductEvents costs 11).
GRAPHQL_MAX_SUBSCRIPTION_COST = env_int("GRAPHQL_MAX_SUBSCRIPTION_COST", 1_000)
GRAPHQL_MAX_LIVE_COST = env_int("GRAPHQL_MAX_LIVE_COST", 20_000)
# Cost each client may spend per window (0: unlimited): a signed-in user, else an address.
GRAPHQL_COST_BUDGET_WINDOW = env_int("GRAPHQL_COST_BUDGET_WINDOW", 60)  # seconds
GRAPHQL_COST_BUDGET_ANONYMOUS = env_int("GRAPHQL_COST_BUDGET_ANONYMOUS", 200_000)
GRAPHQL_COST_BUDGET_USER = env_int("GRAPHQL_COST_BUDGET_USER", 500_000)
# Schema introspection (and "Did you mean" suggestions in errors); the storefront schema is
# public, so it is on unless turned off.
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", True)
# Which documents run (graphql_api/persisted/): `any` (every document; Apollo's automatic
# persisted queries register hashes as clients send them) or `trusted` (only documents of
# the contract or of a manifest loaded with `manage.py load_documents`; anything else is
# refused with DOCUMENT_NOT_TRUSTED before it is parsed).
GRAPHQL_DOCUMENTS = env_str("GRAPHQL_DOCUMENTS", "any").strip().lower()
if GRAPHQL_DOCUMENTS not in ("any", "trusted"):
    raise SystemExit(f"GRAPHQL_DOCUMENTS={GRAPHQL_DOCUMENTS!r}: use `any` or `trusted`.")
# Seconds an automatic persisted query's registration is kept in the cache (not the
# database: its size is the cache's, and a registration expires).
GRAPHQL_APQ_TTL = env_int("GRAPHQL_APQ_TTL", 24 * 3600)
# Known read documents answered by one compiled SQL statement each, the standard executor
# answering everything else (graphql_api/execution/plans/). The kill switch: off.
GRAPHQL_COMPILED_PLANS = env_bool("GRAPHQL_COMPILED_PLANS", True)

# --- Response cache: single flight -----------------------------------------------------
# Concurrent misses of one anonymous answer compute it once: the first takes a lock in the
# cache, the others wait for its answer, at most this many seconds (also the lock's
# expiry, so a holder that crashed stalls nobody longer); then each computes its own.
RESPONSE_CACHE_LOCK_TIMEOUT = env_int("RESPONSE_CACHE_LOCK_TIMEOUT", 10)
# --- Operations: metrics and readiness -------------------------------------------------
# GET /metrics (Prometheus text format, project/metrics_view.py) requires
# `Authorization: Bearer <METRICS_TOKEN>` when set; unset, it is served only with DEBUG on
# (404 otherwise).
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Seconds each check of GET /readyz may take (database, cache, channel layer round trip).
READYZ_TIMEOUT = env_float("READYZ_TIMEOUT", 2.0)

STRAWBERRY_DJANGO = {
    "FIELD_DESCRIPTION_FROM_HELP_TEXT": True,
    "TYPE_DESCRIPTION_FROM_MODEL_DOCSTRING": True,
    "MAP_AUTO_ID_AS_GLOBAL_ID": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
