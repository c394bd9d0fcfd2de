from django.apps import AppConfig


class IncomingConfig(AppConfig):
    name = "lienthong.dms.incoming"
    label = "incoming"
    verbose_name = "Incoming documents"
