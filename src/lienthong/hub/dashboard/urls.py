"""``/dashboard/``: the operator's page and CSVs; ``/dashboard/public/``: the public ones."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.operator_page, name="operator"),
    path("<slug:name>.csv", views.operator_csv, name="operator-csv"),
    path("public/", views.public_page, name="public"),
    path("public/<slug:name>.csv", views.public_csv, name="public-csv"),
]
