"""Django settings of the hub site; every value comes from :mod:`lienthong.config`, what both
sites set alike from :mod:`lienthong.sites.common`."""

from __future__ import annotations

import dj_database_url

from lienthong import config
from lienthong.sites import common
from lienthong.sites.common import *  # noqa: F403

CONFIG = config.load()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
ROOT_URLCONF, WSGI_APPLICATION, ASGI_APPLICATION = common.site_modules("hub")

INSTALLED_APPS = [
    "django.contrib.admin",
    *common.DJANGO_APPS,
    "oauth2_provider",
    "lienthong.hub.registry",
    "lienthong.hub.exchange",
    "lienthong.hub.audit",
    "lienthong.hub.stats",
    "lienthong.hub.vxp",
    "lienthong.hub.dashboard",
]

MIDDLEWARE = common.middleware(locale="django.middleware.locale.LocaleMiddleware")
TEMPLATES = common.templates(i18n=False)

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
    DATABASES = {"default": common.sqlite_database(CONFIG.data_dir, "hub.sqlite3")}

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
