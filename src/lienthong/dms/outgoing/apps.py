from django.apps import AppConfig


class OutgoingConfig(AppConfig):
    name = "lienthong.dms.outgoing"
    label = "outgoing"
    verbose_name = "Outgoing documents"
