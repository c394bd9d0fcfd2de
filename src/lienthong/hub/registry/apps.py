from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "lienthong.hub.registry"
    label = "registry"
    verbose_name = "Danh bạ cơ quan và hệ thống kết nối"
