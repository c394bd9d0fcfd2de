"""WSGI entry point of the dms (for gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.sites.dms.settings")
application = get_wsgi_application()
