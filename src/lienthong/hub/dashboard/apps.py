from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "lienthong.hub.dashboard"
    label = "dashboard"
    verbose_name = "Bảng số liệu"

    def ready(self) -> None:
        from django.contrib import admin

        # The console's "Xem trang" link leads to the operator's dashboard.
        admin.site.site_url = "/dashboard/"
