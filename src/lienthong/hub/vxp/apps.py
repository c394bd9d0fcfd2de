from django.apps import AppConfig


class VxpConfig(AppConfig):
    name = "lienthong.hub.vxp"
    label = "vxp"
    verbose_name = "Cổng tương thích VXP"
