"""The Django settings the hub and the dms sites share: the same framework, language, time zone,
static files and SQLite discipline. Each site's ``settings.py`` star-imports the constants and
calls the helpers with what is its own (apps, locale middleware, database names)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dj_database_url import DBConfig

__all__ = [
    "DEFAULT_AUTO_FIELD",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "STATIC_URL",
    "TIME_ZONE",
    "USE_I18N",
    "USE_TZ",
    "WHITENOISE_USE_FINDERS",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True

# WhiteNoise serves each site's static files (the admin's, htmx, CSS) from the installed packages
# under uvicorn: nothing to collect (no STATIC_ROOT), no CDN at runtime.
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True

DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]


def site_modules(site: str) -> tuple[str, str, str]:
    """ROOT_URLCONF, WSGI_APPLICATION and ASGI_APPLICATION of ``lienthong.sites.<site>``."""
    package = f"lienthong.sites.{site}"
    return f"{package}.urls", f"{package}.wsgi.application", f"{package}.asgi.application"


def middleware(*, locale: str) -> list[str]:
    """The middleware stack, with the site's own way of choosing the language."""
    return [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        locale,
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]


def templates(*, i18n: bool) -> list[dict[str, Any]]:
    """Templates from the apps; ``i18n`` adds the language variables to every context."""
    processors = [
        "django.template.context_processors.request",
        *(["django.template.context_processors.i18n"] if i18n else []),
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": processors},
        }
    ]


def sqlite_database(data_dir: Path, name: str, *, test_name: str | None = None) -> DBConfig:
    """The site's SQLite database ``data_dir/name`` (the directory made if missing).

    WAL, a busy timeout and IMMEDIATE transactions: every transaction takes SQLite's write lock
    when it begins, so writers (two clerks numbering at once) queue instead of failing.
    ``test_name``: the test database as a file beside it, not shared-cache memory, where tests
    need real locking.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    database: DBConfig = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(data_dir / name),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
        },
    }
    if test_name is not None:
        database["TEST"] = {"NAME": str(data_dir / test_name)}
    return database
