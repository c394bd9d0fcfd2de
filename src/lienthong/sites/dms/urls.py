"""URLs of the dms: the user interface; errors are friendly pages, never a stack trace."""

from __future__ import annotations

from django.urls import include, path

handler400 = "lienthong.dms.ui.views.errors.bad_request"
handler403 = "lienthong.dms.ui.views.errors.forbidden"
handler404 = "lienthong.dms.ui.views.errors.not_found"
handler500 = "lienthong.dms.ui.views.errors.server_error"

urlpatterns = [
    path("", include("lienthong.dms.ui.urls")),
]
