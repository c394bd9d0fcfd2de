"""Running one of the two Django sites (hub and dms) as a process: Django set up for a command,
the environment's failures turned into the site's own errors, uvicorn. The same for both; each
site's ``server`` module names its settings, its errors and its uvicorn options."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lienthong import sitedb

ErrorFactory = Callable[[str], Exception]


def setup_django(settings_module: str, *, misconfigured: ErrorFactory) -> None:
    """Configure Django for ``settings_module`` in this process (once; later calls do nothing).
    Settings that cannot be loaded (a variable with an impossible value, an unknown database
    scheme, …) raise ``misconfigured(message)``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    if apps.ready:
        return
    try:
        django.setup()
    except (ValueError, ImproperlyConfigured) as exc:
        raise misconfigured(str(exc)) from None


@contextmanager
def environment_errors(*, misconfigured: ErrorFactory, unavailable: ErrorFactory) -> Iterator[None]:
    """Turn Django's configuration and database failures into the site's errors: the operator
    must fix the environment, not the input."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        yield
    except ImproperlyConfigured as exc:
        raise misconfigured(str(exc)) from None
    except DatabaseError as exc:
        raise unavailable(sitedb.failure(exc)) from None


def serve(application: str, host: str, port: int, *, workers: int, **options: Any) -> None:
    """The site's ASGI ``application`` under uvicorn until SIGTERM or SIGINT (a graceful stop);
    ``options`` are the site's own uvicorn settings."""
    import uvicorn

    uvicorn.run(
        application,
        host=host,
        port=port,
        workers=workers,
        lifespan="off",  # Django's ASGI handler does not speak the lifespan protocol
        server_header=False,
        log_level="info",
        **options,
    )
