"""Vietnamese first: the interface speaks Vietnamese unless the user chose another language."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Django's locale middleware without the browser's ``Accept-Language``: a clerk's browser
    set up in English still gets the Vietnamese interface; the language menu (a cookie) wins."""

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
