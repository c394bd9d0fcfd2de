"""Django settings of the dms site; every value comes from :mod:`lienthong.dms.config`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

import lienthong.dms as dms_package
from lienthong.dms import config

CONFIG = config.load()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
ROOT_URLCONF = "lienthong.sites.dms.urls"
WSGI_APPLICATION = "lienthong.sites.dms.wsgi.application"
ASGI_APPLICATION = "lienthong.sites.dms.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True
# The templates' source language is Vietnamese; the English catalog lives with the dms.
LOCALE_PATHS = [str(Path(dms_package.__file__).parent / "locale")]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "lienthong.dms.agencies",
    "lienthong.dms.registers",
    "lienthong.dms.incoming",
    "lienthong.dms.outgoing",
    "lienthong.dms.dossiers",
    "lienthong.dms.ui",
]
AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "ui:login"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lienthong.dms.ui.middleware.VietnameseFirstLocaleMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

if CONFIG.database_url:
    DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
    # Never the hub's test database when both suites share one PostgreSQL server.
    DATABASES["default"]["TEST"] = {"NAME": "test_lienthong_dms"}
else:
    CONFIG.data_dir.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(CONFIG.data_dir / "dms.sqlite3"),
            # WAL, a busy timeout and IMMEDIATE transactions: every transaction takes SQLite's
            # write lock when it begins, so writers (two clerks numbering at once) queue.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
            },
            # A file, not shared-cache memory: concurrency tests need real locking.
            "TEST": {"NAME": str(CONFIG.data_dir / "test-dms.sqlite3")},
        }
    }

# WhiteNoise serves the dms's own static files (htmx, CSS) under uvicorn; no CDN at runtime.
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LIENTHONG_DMS = CONFIG
