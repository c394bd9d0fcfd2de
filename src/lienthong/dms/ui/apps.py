from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "lienthong.dms.ui"
    label = "dms_ui"
    verbose_name = "User interface"
