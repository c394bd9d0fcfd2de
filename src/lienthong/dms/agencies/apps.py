from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "lienthong.dms.agencies"
    label = "agencies"
    verbose_name = "Agencies and users"
