from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lienthong.hub.audit"
    label = "audit"
    verbose_name = "Nhật ký"
