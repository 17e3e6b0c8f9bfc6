"""Settings for every deployment of govhub.

All configuration comes from environment variables (12-factor). Every variable has a
default that gives the embedded setup (SQLite, local files, database task queue), so
`make run` needs nothing. The scale-out setup only changes variables: see the README's
configuration table. Production mode (`GOVHUB_ENV=production`) refuses unsafe values;
see `govhub.core.config.check_production_settings`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from govhub.core.config import env_bool, env_list, load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("GOVHUB_VAR_DIR", PROJECT_DIR / "var"))

GOVHUB_ENV = os.environ.get("GOVHUB_ENV", "development")
PRODUCTION = GOVHUB_ENV == "production"

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY") or load_or_create_secret_key(
    VAR_DIR / "secret_key", production=PRODUCTION
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# The city this deployment serves. Hegang is the default, not a limit.
GOVHUB_CITY_REGION_CODE = os.environ.get("GOVHUB_CITY_REGION_CODE", "230400")
GOVHUB_SITE_NAME = os.environ.get("GOVHUB_SITE_NAME", "")
# Shown in the portal footer (主办 / 承办); empty means the Hegang defaults, translated.
GOVHUB_SITE_ORGANISER = os.environ.get("GOVHUB_SITE_ORGANISER", "")
GOVHUB_SITE_OPERATOR = os.environ.get("GOVHUB_SITE_OPERATOR", "")

INSTALLED_APPS = [
    "govhub.identity.admin_site.GovhubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks_db",
    "govhub.identity.oidc.apps.OAuth2ProviderConfig",
    # Our domains, bottom to top (see docs/architecture.md).
    "govhub.core",
    "govhub.organizations",
    "govhub.registries",
    "govhub.identity",
    "govhub.catalog",
    "govhub.cases",
    "govhub.supervision",
    "govhub.notifications",
    "govhub.portal",
    "govhub.sample_department",
]

MIDDLEWARE = [
    "govhub.core.middleware.ClientAddressMiddleware",
    "govhub.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "govhub.portal.middleware.DisplayModeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "govhub.identity.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "govhub.urls"
WSGI_APPLICATION = "govhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govhub.portal.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db_url = f"sqlite:///{VAR_DIR / 'govhub.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_db_url,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker share the file; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"

# --- Cache, sessions, tasks: Redis when REDIS_URL is set --------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "govhub",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "govhub",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

TASK_BACKEND = os.environ.get("TASK_BACKEND", "rq" if REDIS_URL else "database")
if TASK_BACKEND == "rq":
    # django_rq provides the worker: `manage.py rqworker --job-class django_tasks_rq.Job`.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# With the database task backend, how long an event's background run waits for others
# to gather before it takes them with it (govhub.core.events, docs/tasks.md); 0: never.
GOVHUB_BACKGROUND_LINGER_SECONDS = float(os.environ.get("GOVHUB_BACKGROUND_LINGER_SECONDS", "0.5"))

# Periodic jobs (govhub.core.scheduler, docs/tasks.md): a JSON object, job name →
# {"every": seconds} | {"at": "HH:MM"} (daily, TIME_ZONE) | {"enabled": false}.
try:
    GOVHUB_SCHEDULE = json.loads(os.environ.get("GOVHUB_SCHEDULE") or "{}")
except json.JSONDecodeError as _exc:
    raise ImproperlyConfigured(f"GOVHUB_SCHEDULE is not valid JSON: {_exc}") from _exc

# --- Cases: limits a city sets by policy (each read where it is used, with its default) ---
for _name in (
    "GOVHUB_UPLOAD_MAX_BYTES",
    "GOVHUB_KIOSK_IDLE_SECONDS",
    "GOVHUB_CASE_STATUS_FAILURES",
    "GOVHUB_CASE_STATUS_WINDOW_SECONDS",
    "GOVHUB_AUDIT_RETENTION_DAYS",
    "GOVHUB_AUDIT_SEAL_GRACE_SECONDS",
    "GOVHUB_QUEUE_COUNTS_TTL",
    "GOVHUB_SUPERVISION_FEED_WAIT_MS",
    "GOVHUB_SUPERVISION_SCAN_GRACE_SECONDS",
    "GOVHUB_SUPERVISION_NOTIFY_BATCH",
    "GOVHUB_TASK_RESULTS_KEEP_DAYS",
):
    if os.environ.get(_name):
        globals()[_name] = int(os.environ[_name])

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Files: local filesystem, or S3-compatible object storage ---------------------------
S3_BUCKET = os.environ.get("S3_BUCKET", "")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
if S3_BUCKET:
    _media_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=PRODUCTION)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Languages and time -----------------------------------------------------------------
# Simplified Chinese is the source language of every user-facing string; English is a
# complete translation under locale/en.
LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so a reader can always find their own.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "govhub_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Security -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "govhub.portal.views.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
if env_bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies (load balancer, reverse proxy) stand between clients and the app servers.
# Their `X-Forwarded-For` gives the client's address, which lockouts and logs depend on.
GOVHUB_TRUSTED_PROXIES = int(os.environ.get("GOVHUB_TRUSTED_PROXIES", "0"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Logging: one JSON object per line, each with the request id --------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "govhub.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            # "time" is ISO 8601 in UTC, whatever the server's zone.
            "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"level": "ERROR", "propagate": True},
    },
}

# --- Field encryption (govhub.core.crypto) ---------------------------------------------------
# GOVHUB_FIELD_KEYS: comma-separated Fernet keys; the first encrypts, all decrypt (rotation:
# put a new key first, run `manage.py rotate_field_keys`, then drop the old one).
# GOVHUB_LOOKUP_KEY: the HMAC key of the look-up hashes (ID numbers, mobiles).
# Development generates both once under VAR_DIR; production must set them (see
# core.config.field_key_problems).
GOVHUB_FIELD_KEYS = env_list("GOVHUB_FIELD_KEYS", default=[])
GOVHUB_LOOKUP_KEY = os.environ.get("GOVHUB_LOOKUP_KEY", "")
if not PRODUCTION:
    from govhub.core.config import development_field_key, development_lookup_key

    GOVHUB_FIELD_KEYS = GOVHUB_FIELD_KEYS or [development_field_key(VAR_DIR)]
    GOVHUB_LOOKUP_KEY = GOVHUB_LOOKUP_KEY or development_lookup_key(VAR_DIR)

# --- Identity: accounts, sign-in protection, SMS (govhub.identity) ----------------------------
# See docs/identity.md. Sign-in by username, mobile or ID number; staff need password + TOTP.
AUTHENTICATION_BACKENDS = ["govhub.identity.backends.IdentifierBackend"]
LOGIN_URL = "identity:sign_in"
LOGIN_REDIRECT_URL = "/"
# Session policy (SessionPolicyMiddleware): idle timeout and absolute lifetime, seconds.
GOVHUB_SESSION_IDLE_SECONDS = int(os.environ.get("GOVHUB_SESSION_IDLE_SECONDS", str(30 * 60)))
GOVHUB_SESSION_MAX_SECONDS = int(os.environ.get("GOVHUB_SESSION_MAX_SECONDS", str(8 * 3600)))
# Failed sign-ins: lock an account after N consecutive failures, an address after M; the
# first lock lasts BASE seconds, each further one twice as long, at most MAX seconds.
GOVHUB_LOCKOUT_ACCOUNT_FAILURES = int(os.environ.get("GOVHUB_LOCKOUT_ACCOUNT_FAILURES", "5"))
GOVHUB_LOCKOUT_ADDRESS_FAILURES = int(os.environ.get("GOVHUB_LOCKOUT_ADDRESS_FAILURES", "20"))
GOVHUB_LOCKOUT_BASE_SECONDS = int(os.environ.get("GOVHUB_LOCKOUT_BASE_SECONDS", "300"))
GOVHUB_LOCKOUT_MAX_SECONDS = int(os.environ.get("GOVHUB_LOCKOUT_MAX_SECONDS", str(24 * 3600)))
# SMS codes: 6 digits, life, attempts per code; limits per number and per address.
GOVHUB_SMS_CODE_SECONDS = int(os.environ.get("GOVHUB_SMS_CODE_SECONDS", "300"))
GOVHUB_SMS_CODE_ATTEMPTS = int(os.environ.get("GOVHUB_SMS_CODE_ATTEMPTS", "5"))
GOVHUB_SMS_MIN_INTERVAL_SECONDS = int(os.environ.get("GOVHUB_SMS_MIN_INTERVAL_SECONDS", "60"))
GOVHUB_SMS_PER_NUMBER_HOUR = int(os.environ.get("GOVHUB_SMS_PER_NUMBER_HOUR", "5"))
GOVHUB_SMS_PER_NUMBER_DAY = int(os.environ.get("GOVHUB_SMS_PER_NUMBER_DAY", "10"))
GOVHUB_SMS_PER_ADDRESS_HOUR = int(os.environ.get("GOVHUB_SMS_PER_ADDRESS_HOUR", "20"))
# SMS gateway: file (development), console, locmem (tests), http, or a dotted class path.
GOVHUB_SMS_BACKEND = os.environ.get("GOVHUB_SMS_BACKEND", "file")
GOVHUB_SMS_FILE_PATH = os.environ.get("GOVHUB_SMS_FILE_PATH", "")
GOVHUB_SMS_HTTP_URL = os.environ.get("GOVHUB_SMS_HTTP_URL", "")
GOVHUB_SMS_HTTP_TOKEN = os.environ.get("GOVHUB_SMS_HTTP_TOKEN", "")
GOVHUB_SMS_HTTP_BODY = os.environ.get("GOVHUB_SMS_HTTP_BODY", "")
GOVHUB_SMS_HTTP_TIMEOUT = float(os.environ.get("GOVHUB_SMS_HTTP_TIMEOUT", "5"))
# Signature at the start of every text message; empty means the translated site name.
GOVHUB_SMS_SIGNATURE = os.environ.get("GOVHUB_SMS_SIGNATURE", "")
# Staff activation links stay valid this many hours.
GOVHUB_STAFF_ACTIVATION_HOURS = int(os.environ.get("GOVHUB_STAFF_ACTIVATION_HOURS", "72"))
# Issuer shown in authenticator apps next to the account name.
GOVHUB_TOTP_ISSUER = os.environ.get("GOVHUB_TOTP_ISSUER", "鹤岗政务服务")

# --- OpenID Connect provider (django-oauth-toolkit) and upstream federation -------------------
# (owned by the SSO work; see docs/sso.md)
from govhub.identity.oidc.keys import load_signing_keys  # noqa: E402

# Signing keys, current first: GOVHUB_OIDC_PRIVATE_KEY (+ GOVHUB_OIDC_PREVIOUS_KEYS) or
# GOVHUB_OIDC_KEY_DIR; in development generated once under VAR_DIR/oidc-keys.
GOVHUB_OIDC_DEFAULT_KEY_DIR = VAR_DIR / "oidc-keys"
_oidc_keys = load_signing_keys(GOVHUB_OIDC_DEFAULT_KEY_DIR, production=PRODUCTION)
# The issuer identifier (https://id.example.gov.cn, no trailing slash); empty: this request's
# scheme and host, which suits development but not a deployment behind several host names.
GOVHUB_OIDC_ISSUER = os.environ.get("GOVHUB_OIDC_ISSUER", "").rstrip("/")
# Named explicitly so that migrations referring to the (swappable) client model resolve.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Client secrets are generated and random: a fast salted HMAC (identity.oidc.hashers) instead
# of the password hasher, which would cost the token endpoint ~0.5 s of CPU per call.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "govhub.identity.oidc.hashers.ClientSecretHasher",
]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "CLIENT_SECRET_HASHER": "govhub_client_hmac_sha256",
    "OIDC_RSA_PRIVATE_KEY": _oidc_keys[0] if _oidc_keys else "",
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _oidc_keys[1:],
    "OIDC_ISS_ENDPOINT": GOVHUB_OIDC_ISSUER,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": PRODUCTION,
    "OIDC_RP_INITIATED_LOGOUT_ACCEPT_EXPIRED_TOKENS": True,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
    "OAUTH2_VALIDATOR_CLASS": "govhub.identity.oidc.validator.GovhubOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "govhub.identity.oidc.scopes.GovhubScopes",
    "APPLICATION_ADMIN_CLASS": "govhub.identity.oidc.admin.ClientApplicationAdmin",
    "PKCE_REQUIRED": True,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("GOVHUB_OIDC_ACCESS_TOKEN_SECONDS", "900")),
    "ID_TOKEN_EXPIRE_SECONDS": int(os.environ.get("GOVHUB_OIDC_ID_TOKEN_SECONDS", "900")),
    "REFRESH_TOKEN_EXPIRE_SECONDS": int(
        os.environ.get("GOVHUB_OIDC_REFRESH_TOKEN_SECONDS", str(8 * 3600))
    ),
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["http", "https"],
    # RFC 9700 (OAuth 2.0 security best current practice): no implicit or password grant,
    # S256 PKCE only, bearer tokens never in URLs, `iss` in the authorization response,
    # tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# Upstream federation: accept sign-in from the province's OpenID provider. Off while
# GOVHUB_UPSTREAM_OIDC_ISSUER is empty.
GOVHUB_UPSTREAM_OIDC_ISSUER = os.environ.get("GOVHUB_UPSTREAM_OIDC_ISSUER", "").rstrip("/")
GOVHUB_UPSTREAM_OIDC_CLIENT_ID = os.environ.get("GOVHUB_UPSTREAM_OIDC_CLIENT_ID", "")
GOVHUB_UPSTREAM_OIDC_CLIENT_SECRET = os.environ.get("GOVHUB_UPSTREAM_OIDC_CLIENT_SECRET", "")
GOVHUB_UPSTREAM_OIDC_SCOPES = os.environ.get("GOVHUB_UPSTREAM_OIDC_SCOPES", "openid idcard")
# Claims of the upstream ID token / userinfo holding the verified name and ID number, and
# (optional) a claim that must be true for the ID number to count as verified.
GOVHUB_UPSTREAM_OIDC_NAME_CLAIM = os.environ.get("GOVHUB_UPSTREAM_OIDC_NAME_CLAIM", "real_name")
GOVHUB_UPSTREAM_OIDC_ID_NUMBER_CLAIM = os.environ.get(
    "GOVHUB_UPSTREAM_OIDC_ID_NUMBER_CLAIM", "id_number"
)
GOVHUB_UPSTREAM_OIDC_VERIFIED_CLAIM = os.environ.get(
    "GOVHUB_UPSTREAM_OIDC_VERIFIED_CLAIM", "real_name_verified"
)
# The sign-in page's button text for it (empty: a translated default).
GOVHUB_UPSTREAM_OIDC_LABEL = os.environ.get("GOVHUB_UPSTREAM_OIDC_LABEL", "")

# The sample department system at /sample-department/ (a relying party of this provider).
# It calls the provider over HTTP on the same server, so the server must serve two requests
# at once (granian's WSGI workers have many blocking threads by default; runserver threads).
GOVHUB_SAMPLE_CLIENT = env_bool("GOVHUB_SAMPLE_CLIENT", default=not PRODUCTION)
GOVHUB_SAMPLE_CLIENT_ID = os.environ.get("GOVHUB_SAMPLE_CLIENT_ID", "govhub-sample-department")
# Default: derived from SECRET_KEY, so it is random, stable and needs no configuration.
GOVHUB_SAMPLE_CLIENT_SECRET = os.environ.get("GOVHUB_SAMPLE_CLIENT_SECRET") or (
    ""
    if PRODUCTION
    else hmac.new(SECRET_KEY.encode(), b"govhub-sample-department", hashlib.sha256).hexdigest()
)
# Origins the demo data registers the sample client's redirect URIs for (comma-separated).
GOVHUB_SAMPLE_CLIENT_BASE_URLS = env_list(
    "GOVHUB_SAMPLE_CLIENT_BASE_URLS",
    default=[
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}",
        f"http://localhost:{os.environ.get('PORT', '8000')}",
    ],
)
# Where the sample client finds the provider (empty: the origin of its own request).
GOVHUB_SAMPLE_CLIENT_ISSUER = os.environ.get("GOVHUB_SAMPLE_CLIENT_ISSUER", "").rstrip("/")

# --- API ------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_LIMIT = 100

GOVHUB_ALLOW_SQLITE_IN_PRODUCTION = env_bool("GOVHUB_ALLOW_SQLITE_IN_PRODUCTION", default=False)

if PRODUCTION:
    from govhub.core.config import check_production_settings

    check_production_settings(globals())

# E-mail through Django 6.1 mailers. Development and demo write each message to a file
# under var/mail; production configures SMTP (GOVHUB_EMAIL_BACKEND=smtp and EMAIL_* below).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@zwfw.hegang.gov.cn.example")
if os.environ.get("GOVHUB_EMAIL_BACKEND", "file") == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
# Absolute links in SMS and e-mail (e.g. https://zwfw.hegang.gov.cn); relative until set.
GOVHUB_PUBLIC_URL = os.environ.get("GOVHUB_PUBLIC_URL", "")
