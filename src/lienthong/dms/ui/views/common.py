"""What every view shares: the signed-in user of an agency, and services' errors as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from lienthong.dms.agencies.models import User
from lienthong.dms.errors import DmsError

if TYPE_CHECKING:  # a development dependency: for the type checker only
    from django_stubs_ext import StrOrPromise

R = TypeVar("R", bound=HttpResponseBase)
D = TypeVar("D", bound=models.Model)

_LEADS = {
    "not-allowed": _("Không có quyền"),
    "wrong-state": _("Không thực hiện được"),
    "invalid-input": _("Thông tin chưa đúng"),
    "signing-failed": _("Không ký được"),
    "not-found": _("Không tìm thấy"),
    "not-archivable": _("Chưa đạt yêu cầu lưu trữ"),
}


def number(value: object) -> int:
    """A record number from a query string or a form: anything else is 0, which no record has
    (so a damaged link finds nothing instead of failing)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


def local_url(request: HttpRequest, url: str | None) -> str | None:
    """Where a form asks to go back to, if it is a page of this site (never another site)."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return None


def in_text(request: HttpRequest) -> bool:
    """Whether the user asked the search to read the documents' text too (``?text=1``)."""
    return request.GET.get("text") == "1"


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


def error_text(exc: DmsError) -> str:
    """A service's error as the user reads it: a Vietnamese lead-in, then the message."""
    return f"{_LEADS.get(exc.code, _('Lỗi'))}: {exc.message}"


def act(
    request: HttpRequest, done: StrOrPromise, action: Callable[[], object], back: str
) -> HttpResponse:
    """Run a service call; its success or its error as a message; back to the page."""
    try:
        action()
    except DmsError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect(back)


def form_errors(request: HttpRequest, form: Any, back: str) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(back)


def document_action(
    documents: Callable[[HttpRequest], models.QuerySet[D]],
    detail: str,
    done: StrOrPromise,
    run: Callable[[User, D, dict[str, Any]], object],
    *,
    form: type[forms.Form] | None = None,
    of_agency: bool = False,
) -> Callable[..., HttpResponse]:
    """A POST on one document of the user's agency (``/…/<pk>/verb/``): the optional form is
    checked (its errors become messages), then ``run(user, document, cleaned_data)`` is a
    service call whose success (``done``) or error is shown back on the ``detail`` page.
    ``of_agency`` forms pick people of the document's agency (they take ``agency_id``)."""

    @require_POST
    @agency_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        document = get_object_or_404(documents(request), pk=pk)
        back = reverse(detail, args=[pk])
        data: dict[str, Any] = {}
        if form is not None:
            scope = {"agency_id": document.agency_id} if of_agency else {}  # type: ignore[attr-defined]
            bound = form(request.POST, request.FILES, **scope)
            if not bound.is_valid():
                return form_errors(request, bound, back)
            data = bound.cleaned_data
        return act(request, done, lambda: run(user_of(request), document, data), back)

    return view
