"""Django settings of the hub site; every value comes from :mod:`lienthong.config`."""

from __future__ import annotations

import dj_database_url

from lienthong import config

CONFIG = config.load()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
ROOT_URLCONF = "lienthong.sites.hub.urls"
WSGI_APPLICATION = "lienthong.sites.hub.wsgi.application"
ASGI_APPLICATION = "lienthong.sites.hub.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "lienthong.hub.registry",
    "lienthong.hub.exchange",
    "lienthong.hub.audit",
    "lienthong.hub.stats",
    "lienthong.hub.vxp",
    "lienthong.hub.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
            ]
        },
    }
]

if CONFIG.database_url:
    # One connection per request, closed at its end (CONN_MAX_AGE 0). The hub is served over
    # ASGI, where Django runs each request's sync code in a thread of its own: a connection kept
    # for reuse is never reused, and under load they pile up until PostgreSQL refuses more
    # ("too many clients already"); a pool (psycopg_pool, OPTIONS "pool") is the way to reuse
    # them. Health checks: should a connection ever be reused, one that died in a database
    # restart is replaced instead of failing the request that finds it.
    DATABASES = {
        "default": dj_database_url.parse(
            CONFIG.database_url, conn_max_age=0, conn_health_checks=True
        )
    }
else:
    CONFIG.data_dir.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(CONFIG.data_dir / "hub.sqlite3"),
            # WAL, a busy timeout and IMMEDIATE transactions: writers queue instead of failing.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

# WhiteNoise serves the operator console's static files (Django admin's CSS and scripts) from
# the installed packages under `lienthong hub serve`; nothing to collect (no STATIC_ROOT), no CDN.
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = CONFIG.max_message_bytes + 1024 * 1024

OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "SCOPES": {"exchange": "Send and receive documents for the system's agencies"},
    "DEFAULT_SCOPES": ["exchange"],
    "PKCE_REQUIRED": False,
}

LIENTHONG = CONFIG
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
