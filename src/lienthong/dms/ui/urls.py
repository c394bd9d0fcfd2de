"""URLs of the dms's user interface."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from .views import archive, books, incoming, outgoing

app_name = "ui"

urlpatterns = [
    path("", books.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="dms/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set-language"),
    path("incoming/", incoming.incoming_list, name="incoming-list"),
    path("incoming/<int:pk>/", incoming.incoming_detail, name="incoming-detail"),
    path("incoming/<int:pk>/register/", incoming.incoming_register, name="incoming-register"),
    path("incoming/<int:pk>/refuse/", incoming.incoming_refuse, name="incoming-refuse"),
    path("incoming/<int:pk>/assign/", incoming.incoming_assign, name="incoming-assign"),
    path("incoming/<int:pk>/progress/", incoming.incoming_progress, name="incoming-progress"),
    path("incoming/<int:pk>/complete/", incoming.incoming_complete, name="incoming-complete"),
    path(
        "incoming/<int:pk>/revoke-answer/",
        incoming.incoming_answer_revoke,
        name="incoming-revoke-answer",
    ),
    path(
        "incoming/<int:pk>/update-answer/",
        incoming.incoming_answer_update,
        name="incoming-update-answer",
    ),
    path("incoming/<int:pk>/files/<int:file_id>/", incoming.incoming_file, name="incoming-file"),
    path("incoming/<int:pk>/slip/", incoming.incoming_slip, name="incoming-slip"),
    path("outgoing/", outgoing.outgoing_list, name="outgoing-list"),
    path("outgoing/new/", outgoing.outgoing_new, name="outgoing-new"),
    path("outgoing/directory/", outgoing.directory, name="directory"),
    path("outgoing/<int:pk>/", outgoing.outgoing_detail, name="outgoing-detail"),
    path("outgoing/<int:pk>/tracking/", outgoing.outgoing_tracking, name="outgoing-tracking"),
    path("outgoing/<int:pk>/submit/", outgoing.outgoing_submit, name="outgoing-submit"),
    path("outgoing/<int:pk>/approve/", outgoing.outgoing_approve, name="outgoing-approve"),
    path("outgoing/<int:pk>/send-back/", outgoing.outgoing_send_back, name="outgoing-send-back"),
    path("outgoing/<int:pk>/issue/", outgoing.outgoing_issue, name="outgoing-issue"),
    path("outgoing/<int:pk>/send/", outgoing.outgoing_send, name="outgoing-send"),
    path("outgoing/<int:pk>/revoke/", outgoing.outgoing_revoke, name="outgoing-revoke"),
    path("outgoing/<int:pk>/files/<str:which>/", outgoing.outgoing_file, name="outgoing-file"),
    path("registers/", books.registers, name="registers"),
    path("so/<slug:kind>/<int:year>.pdf", books.book_pdf, name="book-pdf"),
    path("search/", books.search, name="search"),
    path("reports/", books.reports, name="reports"),
    path("dossiers/", books.dossier_list, name="dossiers"),
    path("dossiers/<int:pk>/", books.dossier_detail, name="dossier-detail"),
    path("dossiers/<int:pk>/add/", books.dossier_add, name="dossier-add"),
    path("dossiers/<int:pk>/close/", books.dossier_close, name="dossier-close"),
    path("dossiers/<int:pk>/package/", archive.dossier_package, name="dossier-package"),
    path("dossiers/<int:pk>/retention/", archive.dossier_retention, name="dossier-retention"),
    path("dossiers/<int:pk>/handover/", archive.dossier_handover, name="dossier-handover"),
    path(
        "dossiers/<int:pk>/disposal/<slug:step>/",
        archive.dossier_disposal,
        name="dossier-disposal",
    ),
]
