"""ASGI entry point of the hub (``lienthong hub serve`` runs it with uvicorn)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.sites.hub.settings")
application = get_asgi_application()
