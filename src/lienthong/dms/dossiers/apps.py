from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "lienthong.dms.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"
