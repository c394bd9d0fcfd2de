from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "lienthong.hub.exchange"
    label = "exchange"
    verbose_name = "Trao đổi văn bản"
