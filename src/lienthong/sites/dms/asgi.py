"""ASGI entry point of the dms (``lienthong dms serve`` runs it under uvicorn)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.sites.dms.settings")
application = get_asgi_application()
