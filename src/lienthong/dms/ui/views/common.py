"""What every view shares: the signed-in user of an agency, and services' errors as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from lienthong.dms.agencies.models import User
from lienthong.dms.errors import DmsError

R = TypeVar("R", bound=HttpResponseBase)

_LEADS = {
    "not-allowed": "Không có quyền",
    "wrong-state": "Không thực hiện được",
    "invalid-input": "Thông tin chưa đúng",
    "signing-failed": "Không ký được",
    "not-found": "Không tìm thấy",
}


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def agency_required(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """Signed in, and a member of an agency (every query below is scoped to it)."""

    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
        if user_of(request).agency_id is None:
            from .errors import forbidden

            return forbidden(request)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def act(request: HttpRequest, done: str, action: Callable[[], object], back: str) -> HttpResponse:
    """Run a service call; its success or its error as a message; back to the page."""
    try:
        action()
    except DmsError as exc:
        messages.error(request, f"{_LEADS.get(exc.code, 'Lỗi')}: {exc.message}")
    else:
        messages.success(request, done)
    return redirect(back)


def form_errors(request: HttpRequest, form: Any, back: str) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(back)
