from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "lienthong.dms.registers"
    label = "registers"
    verbose_name = "Registers and numbering"
