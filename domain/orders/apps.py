from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "domain.orders"
    label = "orders"
    verbose_name = "Orders"
