"""URLs of the hub: the API (``/api/v1``), OAuth2 tokens, the operator console."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from lienthong.hub.api.api import api

# Outside the API too, errors are problem details, never an HTML page or a stack trace.
handler404 = "lienthong.hub.api.problems.not_found_view"
handler500 = "lienthong.hub.api.problems.server_error_view"

urlpatterns = [
    path("api/v1/", api.urls),
    path("vxp/", include("lienthong.hub.vxp.urls")),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("admin/", admin.site.urls),
    path("dashboard/", include("lienthong.hub.dashboard.urls")),
]
