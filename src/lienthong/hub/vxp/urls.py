"""``/vxp/<verb>`` (a trailing slash is tolerated)."""

from __future__ import annotations

from django.urls import re_path

from .views import endpoint

app_name = "vxp"

urlpatterns = [re_path(r"^(?P<verb>[A-Za-z0-9]+)/?$", endpoint, name="verb")]
