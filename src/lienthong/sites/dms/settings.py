"""Django settings of the dms site; every value comes from :mod:`lienthong.dms.config`, what both
sites set alike from :mod:`lienthong.sites.common`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

import lienthong.dms as dms_package
from lienthong.dms import config
from lienthong.sites import common
from lienthong.sites.common import *  # noqa: F403

CONFIG = config.load()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
ROOT_URLCONF, WSGI_APPLICATION, ASGI_APPLICATION = common.site_modules("dms")
# The templates' source language is Vietnamese; the English catalog lives with the dms.
LOCALE_PATHS = [str(Path(dms_package.__file__).parent / "locale")]

INSTALLED_APPS = [
    *common.DJANGO_APPS,
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

MIDDLEWARE = common.middleware(locale="lienthong.dms.ui.middleware.VietnameseFirstLocaleMiddleware")
# Before the CSRF check, which is the first to read a POST body.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"),
    "lienthong.dms.ui.middleware.UploadLimitMiddleware",
)
TEMPLATES = common.templates(i18n=True)

if CONFIG.database_url:
    DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
    # Never the hub's test database when both suites share one PostgreSQL server.
    DATABASES["default"]["TEST"] = {"NAME": "test_lienthong_dms"}
else:
    DATABASES = {
        "default": common.sqlite_database(
            CONFIG.data_dir, "dms.sqlite3", test_name="test-dms.sqlite3"
        )
    }

WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LIENTHONG_DMS = CONFIG
