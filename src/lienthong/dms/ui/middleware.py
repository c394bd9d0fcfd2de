"""Vietnamese first: the interface speaks Vietnamese unless the user chose another language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Django's locale middleware without the browser's ``Accept-Language``: a clerk's browser
    set up in English still gets the Vietnamese interface; the language menu (a cookie) wins."""

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


# Room for the form's other fields and the multipart framing around an upload at the limit.
_FORM_OVERHEAD = 1024 * 1024


class UploadLimitMiddleware:
    """A request body larger than the upload limit is refused before it is read (413, with a
    page that says the limit), instead of being spooled to disk and stored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.LIENTHONG_DMS.max_upload_bytes + _FORM_OVERHEAD:
            from lienthong.dms.ui.views.errors import too_large

            return too_large(request)
        return self.get_response(request)
