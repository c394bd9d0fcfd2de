from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "lienthong.hub.stats"
    label = "stats"
    verbose_name = "Thống kê"
