"""Settings: everything that differs between machines comes from the environment.

BANGFU_HOME        data directory (SQLite file, uploads, secret key); default ./var
DATABASE_URL       dj-database-url style; default sqlite:///$BANGFU_HOME/bangfu.sqlite3
SECRET_KEY         required in production; a random key is generated into BANGFU_HOME otherwise
DEBUG              "1" for development
ALLOWED_HOSTS      comma separated; default localhost names
BANGFU_CITY        the city whose units the system serves (default 慈溪市)
BANGFU_BEHIND_HTTPS_PROXY, BANGFU_TRUSTED_PROXIES   behind the intranet's HTTPS proxy (docs/operations.md)
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bangfu.common.files import create_once

BASE_DIR = Path(__file__).resolve().parent.parent
BANGFU_HOME = Path(os.environ.get("BANGFU_HOME", "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Zero-set-up default: a random key kept in the data directory, never in the repository. Written
    # complete or not at all, so that a process killed meanwhile cannot leave an empty key behind.
    return create_once(BANGFU_HOME / "secret_key", secrets.token_urlsafe(50), mode=0o600)


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "bangfu.web.views.errors.csrf_failure"

BANGFU_CITY = os.environ.get("BANGFU_CITY", "慈溪市")
# Prefixes that may precede a unit name and mean "of this city" (慈溪市周巷镇 = 周巷镇).
BANGFU_NAME_PREFIXES = _env_list("BANGFU_NAME_PREFIXES", "浙江省,宁波市," + BANGFU_CITY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",
    "bangfu.config.apps.AxesConfig",
    "auditlog",
    "csp",
    "django_tasks",
    "bangfu.config.apps.TasksDbConfig",
    "bangfu.common",
    "bangfu.accounts",
    "bangfu.orgs",
    "bangfu.plans",
    "bangfu.regions",
    "bangfu.ledger",
    "bangfu.progress",
    "bangfu.activities",
    "bangfu.assessment",
    "bangfu.notifications",
    "bangfu.web",
    "bangfu.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL character in a parameter is a 400 here, not a database error (PostgreSQL refuses it in text).
    "bangfu.config.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on everything a signed-in user receives, and on every download.
    "bangfu.config.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-auditlog's, recording the client's address as the lock-out sees it (not a forgeable header).
    "bangfu.accounts.clientip.AuditlogMiddleware",
    # Last: locks an account (user name + address) after repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address in that pair is the client's, not the reverse proxy's: behind a proxy every client would
# otherwise share the proxy's address (see BANGFU_TRUSTED_PROXIES below).
AXES_CLIENT_IP_CALLABLE = "bangfu.accounts.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/accounts/locked.html"
AXES_VERBOSE = False

# Content Security Policy: everything comes from this site; no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Audit trail (django-auditlog): who changed what, with the values before and after.
_AUDITED = (
    "accounts.Profile",
    "orgs.Organisation",
    "orgs.OrgGroup",
    "plans.Plan",
    "plans.Task",
    "plans.Item",
    "plans.RoleAssignment",
    "plans.Target",
    "ledger.Purchase",
    "progress.BaseValue",
    "progress.TargetRule",
    "progress.ProgressSettings",
    "progress.ReportingCalendar",
    "activities.Activity",
    "assessment.Scheme",
    "assessment.Indicator",
    "regions.Pairing",
)
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "auth.User", "exclude_fields": ["password", "last_login"]},
    *({"model": label, "exclude_fields": ["created_at", "updated_at"]} for label in _AUDITED),
)

ROOT_URLCONF = "bangfu.config.urls"
WSGI_APPLICATION = "bangfu.config.wsgi.application"

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
                "bangfu.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BANGFU_HOME / 'bangfu.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the writer work side by side; wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # A 64 MiB page cache keeps the purchase indexes in memory during big imports.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (previews and imports of uploaded files) through Django's task framework (the
# django-tasks backport), stored in the database: `bangfu serve` starts a worker next to the web server;
# `bangfu worker` runs one on its own.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("BANGFU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BANGFU_HOME / "static"
MEDIA_ROOT = BANGFU_HOME / "media"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here once collectstatic has run
STORAGES = {
    # Django's file-system storage, writing each file completely before it appears under its name.
    "default": {"BACKEND": "bangfu.common.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Behind the intranet's HTTPS reverse proxy (docs/operations.md): the proxy terminates TLS and says so in
# X-Forwarded-Proto; plain-HTTP requests are redirected to HTTPS, browsers are told to use HTTPS only
# (HSTS), cookies travel over HTTPS only. Each setting can still be set on its own.
BANGFU_BEHIND_HTTPS_PROXY = _env_bool("BANGFU_BEHIND_HTTPS_PROXY")
if BANGFU_BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", BANGFU_BEHIND_HTTPS_PROXY)
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", "31536000" if BANGFU_BEHIND_HTTPS_PROXY else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The browsers' HSTS preload list is for public internet sites; an intranet host cannot be on it, so
# Django's reminder to request preloading (security.W021) does not apply.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", BANGFU_BEHIND_HTTPS_PROXY)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Addresses (or networks, 10.0.0.0/8) of the reverse proxies in front of the site. A request from one of
# them is from the client its X-Forwarded-For names last (the right-most address that is not a trusted
# proxy); the header is ignored on requests from anywhere else, so that clients cannot forge it.
BANGFU_TRUSTED_PROXIES = _env_list(
    "BANGFU_TRUSTED_PROXIES", "127.0.0.1,::1" if BANGFU_BEHIND_HTTPS_PROXY else ""
)
for _proxy in BANGFU_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"BANGFU_TRUSTED_PROXIES 中的“{_proxy}”不是 IP 地址或网段") from _exc
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded ledgers and tables: at most this size, and only these types.
BANGFU_UPLOAD_MAX_BYTES = int(os.environ.get("BANGFU_UPLOAD_MAX_MB", "50")) * 1024 * 1024
BANGFU_UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".docx")
# Uploaded ledgers a user may keep waiting for confirmation, and their total size.
BANGFU_UPLOAD_PENDING_FILES = int(os.environ.get("BANGFU_UPLOAD_PENDING_FILES", "5"))
BANGFU_UPLOAD_PENDING_MB = int(os.environ.get("BANGFU_UPLOAD_PENDING_MB", "200"))
# A single purchase above this many 元 is flagged for the coordinator to check (0: never).
BANGFU_PLAUSIBLE_MAX_YUAN = int(os.environ.get("BANGFU_PLAUSIBLE_MAX_YUAN", "500000"))

# Mail (SMTP) for reminders: the intranet's mail relay. EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bangfu@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# DingTalk/浙政钉 group robot for reminders (optional; a unit's own robot is set in 管理后台 → 单位联系方式).
BANGFU_WEBHOOK_URL = os.environ.get("BANGFU_WEBHOOK_URL", "")
BANGFU_WEBHOOK_SECRET = os.environ.get("BANGFU_WEBHOOK_SECRET", "")
BANGFU_WEBHOOK_TIMEOUT = float(os.environ.get("BANGFU_WEBHOOK_TIMEOUT", "10"))
# Who signs the reminder notices.
BANGFU_REMINDER_SENDER = os.environ.get("BANGFU_REMINDER_SENDER", f"{BANGFU_CITY}对口支援办")
# Progress figures are cached per process this many seconds (and recomputed at once when data change).
BANGFU_PROGRESS_CACHE_SECONDS = int(os.environ.get("BANGFU_PROGRESS_CACHE_SECONDS", "300"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
