"""Error pages: a friendly page with what to do next, never a stack trace."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    return render(request, "dms/error.html", {"title": title, "text": text}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, _("Yêu cầu không hợp lệ"), _("Vui lòng quay lại và thử lại."))


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 403, _("Không có quyền"), _("Bạn không có quyền xem hoặc thực hiện việc này.")
    )


def too_large(request: HttpRequest) -> HttpResponse:
    limit = filesizeformat(settings.LIENTHONG_DMS.max_upload_bytes)
    text = _("Mỗi tệp tải lên không được quá %(limit)s. Vui lòng quay lại và chọn tệp nhỏ hơn.")
    return _page(request, 413, _("Tệp quá lớn"), text % {"limit": limit})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, _("Không tìm thấy"), _("Trang hoặc văn bản này không tồn tại."))


def server_error(request: HttpRequest) -> HttpResponse:
    # No template context processors that may touch the database that just failed.
    return HttpResponse(
        "<!doctype html><html lang=vi><meta charset=utf-8><title>Lỗi hệ thống</title>"
        "<h1>Lỗi hệ thống</h1><p>Đã có lỗi xảy ra. Vui lòng thử lại sau ít phút; "
        "nếu lỗi còn, báo cho quản trị hệ thống.</p><p><a href='/'>Về trang chủ</a></p>",
        status=500,
    )
